"""
The initialisation study
========================

The same ``[2, 10, 5, 1]`` network (LINEAR -> RELU -> LINEAR -> RELU -> LINEAR ->
SIGMOID) is trained on the donut data, two noisy concentric circles, by full-batch
gradient descent for 15000 iterations at learning rate 0.01. Only the initial
weights differ: all zeros, random weights scaled by 10, and He initialisation.
"""

import matplotlib.pyplot as plt

import fastnn
from fastnn.plots import plot_costs, plot_decision_boundary

# %%
# Train the three schemes
# -----------------------
#
# :func:`fastnn.run_study` trains the network once per scheme on the study's data
# and evaluates each trained network on the training and test sets.

train_X, train_Y, test_X, test_Y = fastnn.load_dataset()
print(f"training set {train_X.shape}, test set {test_X.shape}")

rows = fastnn.run_study(["zeros", "random", "he"])

header = ("scheme", "first cost", "final cost", "train acc", "test acc")
print(
    f"{header[0]:<8}{header[1]:>12}{header[2]:>12}{header[3]:>11}{header[4]:>10}"
)
for row in rows:
    costs = row.result.costs
    print(
        f"{row.initialization:<8}{costs[0]:>12.4g}{costs[-1]:>12.4g}"
        f"{row.train_accuracy:>11.4f}{row.test_accuracy:>10.4f}"
    )

# %%
# Cost curves
# -----------
#
# Zeros never breaks the symmetry between the units of a layer, so the cost stays
# at log 2. The random start saturates the output sigmoid: its first costs are
# infinite, and :func:`fastnn.plots.plot_costs` marks those iterations along the
# top of the axes instead of drawing them.

fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
for row in rows:
    plot_costs(
        row.result.costs,
        ax=ax,
        label=row.initialization,
        title="cost during training",
    )

# %%
# Decision boundaries
# -------------------
#
# Each trained network's prediction over the plane, with the training points.

fig, axes = plt.subplots(1, 3, figsize=(13, 4.6), layout="constrained")
for ax, row in zip(axes, rows):
    plot_decision_boundary(
        row.result.parameters,
        train_X,
        train_Y,
        ax=ax,
        title=f"{row.initialization}: train {row.train_accuracy:.3f}, test {row.test_accuracy:.2f}",
    )

# %%
# One run by hand
# ---------------
#
# :func:`fastnn.run_study` is a loop over :func:`fastnn.train`. Training the He
# network directly gives the same costs, and :func:`fastnn.accuracy` the same
# accuracies.

result = fastnn.train(train_X, train_Y, initialization="he")
he_row = rows[-1]
print(
    f"{result.num_iterations} iterations, final cost {result.final_cost:.6g}"
)
print(
    "same costs as the study's He run:",
    bool((result.costs == he_row.result.costs).all()),
)
print("test accuracy:", fastnn.accuracy(test_X, test_Y, result.parameters))
