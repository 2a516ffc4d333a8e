"""
Mini-batch gradient descent, momentum and Adam
==============================================

The course's optimisation study: a ``[2, 5, 2, 1]`` ReLU network with a sigmoid
output, He initialisation (seed 3), trained on 300 points of two noisy moons with
mini-batches of 64, reshuffled every epoch, for 10000 epochs at learning rate
0.0007. Only the optimiser changes: plain gradient descent, momentum (beta 0.9)
and Adam (beta1 0.9, beta2 0.999).
"""

import matplotlib.pyplot as plt

import fastnn
from fastnn.optimization import run_optimizers
from fastnn.plots import plot_costs, plot_decision_boundary

X, Y = fastnn.load_moons()
print(f"X {X.shape}, Y {Y.shape}")

# %%
# Train with each optimiser
# -------------------------
#
# :func:`fastnn.optimization.run_optimizers` runs the study: one training per
# optimiser, each evaluated on the training set (the course has no test set
# here). The cost of an epoch is the cross-entropy of its mini-batches, summed and
# divided by the 300 points. The curves of gradient descent and momentum lie
# almost on top of each other.

rows = run_optimizers(["gd", "momentum", "adam"])
for row in rows:
    print(
        f"{row.optimizer:<9} final cost {row.result.final_cost:.4f}, "
        f"train accuracy {row.train_accuracy:.4f}"
    )

fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
for row in rows:
    plot_costs(
        row.result.costs,
        ax=ax,
        label=row.optimizer,
        title="cost per epoch, mini-batches of 64",
    )
ax.set_xlabel("epoch")

# %%
# Decision boundaries
# -------------------
#
# At this small learning rate, gradient descent and momentum still draw a boundary
# close to a straight line after 10000 epochs. Adam, whose step adapts to the
# scale of each weight's gradient, follows the moons.

fig, axes = plt.subplots(1, 3, figsize=(13, 4.4), layout="constrained")
for ax, row in zip(axes, rows):
    plot_decision_boundary(
        row.result.parameters,
        X,
        Y,
        ax=ax,
        title=f"{row.optimizer}: train accuracy {row.train_accuracy:.4f}",
    )

# %%
# With learning-rate decay
# ------------------------
#
# The course's last section starts from a larger learning rate (0.1, and 0.01 for
# Adam) and divides it by ``1 + floor(epoch / 1000)``, for 5000 epochs.
# ``decay=True`` runs that section. With it, gradient descent and momentum catch
# up with Adam in half the epochs.

decayed = run_optimizers(["gd", "momentum", "adam"], decay=True)
for row in decayed:
    print(
        f"{row.optimizer:<9} (lr {row.result.learning_rate:g}, decayed) final cost "
        f"{row.result.final_cost:.4f}, train accuracy {row.train_accuracy:.4f}"
    )

fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
for row in decayed:
    plot_costs(
        row.result.costs,
        ax=ax,
        label=f"{row.optimizer} (lr {row.result.learning_rate:g})",
        title="cost per epoch, with learning-rate decay",
    )
ax.set_xlabel("epoch")

# %%
# The notebook's own functions
# ----------------------------
#
# A notebook switches to fastnn with ``from fastnn.optimization import *``: its
# ``model`` and ``predict`` keep the course's names, arguments and printed output,
# and ``model`` trains on the compiled engine. Its Adam run is the one above.

from fastnn.optimization import model, predict

parameters = model(X, Y, [2, 5, 2, 1], optimizer="adam")
predictions = predict(X, Y, parameters)
same = all(
    (parameters[key] == rows[-1].result.parameters[key]).all()
    for key in parameters
)
print("same parameters as run_optimizers' Adam run:", same)
