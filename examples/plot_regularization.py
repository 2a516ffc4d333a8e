"""
L2 regularisation and dropout
=============================

The course's regularisation study: a ``[2, 20, 3, 1]`` ReLU network with a sigmoid
output, trained by full-batch gradient descent at learning rate 0.3 for 30000
iterations on a small, noisy training set of 200 points, and tested on 1000 more
from the same distribution. It is trained three times: without regularisation,
with L2 regularisation (``lambd=0.7``) and with inverted dropout on the hidden
layers (``keep_prob=0.86``).
"""

import matplotlib.pyplot as plt
import numpy as np

import fastnn
from fastnn.plots import plot_costs, plot_decision_boundary
from fastnn.regularization import run_regularization

train_X, train_Y, test_X, test_Y = fastnn.load_regularization_data()
print(f"training set {train_X.shape}, test set {test_X.shape}")

# %%
# The three runs
# --------------
#
# :func:`fastnn.regularization.run_regularization` trains the three runs from the
# course's initial weights (seed 3) and evaluates each on both sets.

rows = run_regularization()
print(f"{'run':<24}{'final cost':>11}{'train acc':>11}{'test acc':>10}")
for row in rows:
    print(
        f"{row.label:<24}{row.result.final_cost:>11.4f}"
        f"{row.train_accuracy:>11.4f}{row.test_accuracy:>10.4f}"
    )

# %%
# Each run's cost is what it minimises: the L2 run's includes its penalty, and the
# dropout run's is that of the network thinned by that iteration's masks, hence
# its noise.

fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
for row in rows:
    plot_costs(
        row.result.costs,
        ax=ax,
        label=row.label,
        title="cost, full-batch gradient descent",
    )
ax.set_ylabel("cost (cross-entropy; L2 run: + penalty)")

# %%
# Decision boundaries and accuracies
# ----------------------------------
#
# The boundaries are drawn over the training points. Without regularisation the
# network bends its boundary round stray points of the training set, which does not
# carry over to the test set.

fig, axes = plt.subplots(1, 3, figsize=(13, 4.6), layout="constrained")
for ax, row in zip(axes, rows):
    plot_decision_boundary(
        row.result.parameters,
        train_X,
        train_Y,
        ax=ax,
        title=f"{row.label}\ntrain {row.train_accuracy:.3f}, test {row.test_accuracy:.3f}",
    )

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
positions = np.arange(len(rows))
ax.bar(
    positions - 0.2,
    [row.train_accuracy for row in rows],
    width=0.4,
    label="train",
)
ax.bar(
    positions + 0.2,
    [row.test_accuracy for row in rows],
    width=0.4,
    label="test",
)
ax.set_xticks(positions, [row.label for row in rows])
ax.set_ylim(0.8, 1.0)
ax.set_ylabel("accuracy")
ax.set_title("train and test accuracy")
ax.legend()
ax.grid(True, axis="y", alpha=0.3)

# %%
# How strong should L2 be?
# ------------------------
#
# The same L2 run at other strengths. ``run_regularization`` takes the runs to
# make and the strength of L2 (``lambd``) or dropout (``keep_prob``).

lambds = [0.01, 0.1, 0.3, 0.7, 1.5, 3.0]
l2_rows = [run_regularization(["l2"], lambd=lambd)[0] for lambd in lambds]
for lambd, row in zip(lambds, l2_rows):
    print(
        f"lambd={lambd:<5g} train {row.train_accuracy:.4f}, test {row.test_accuracy:.4f}"
    )

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
ax.plot(lambds, [row.train_accuracy for row in l2_rows], "o-", label="train")
ax.plot(lambds, [row.test_accuracy for row in l2_rows], "o-", label="test")
ax.set_xscale("log")
ax.set_xlabel("lambd")
ax.set_ylabel("accuracy")
ax.set_title("L2 strength")
ax.legend()
ax.grid(True, which="both", alpha=0.3)

# %%
# Too weak a penalty leaves the gap between train and test accuracy open; too
# strong a one lowers both.
