"""
Activations at initialisation
=============================

Why do the three initialisations of the study end so differently? Before any
training, pass the 300 training points through the ``[2, 10, 5, 1]`` network as
each scheme initialises it, and look at what every layer computes.
"""

import matplotlib.pyplot as plt
import numpy as np

import fastnn
from fastnn.plots import plot_activation_spread

train_X, train_Y, _, _ = fastnn.load_dataset()
layers_dims = [2, 10, 5, 1]
schemes = ["zeros", "random", "he"]

# %%
# Per-layer statistics
# --------------------
#
# :func:`fastnn.diagnose` draws the initial weights as :func:`fastnn.train` would
# (seed 3 by default) and reports, for each layer, the mean and spread of the
# pre-activations ``Z``, the fraction of dead ReLU units (zero on every example),
# the fraction of saturated outputs (a sigmoid of exactly 0 or 1), whether all the
# units of a layer compute the same thing, and the norm of the weight gradient.

diagnoses = [
    fastnn.diagnose(train_X, layers_dims, name, Y=train_Y) for name in schemes
]
for diagnosis in diagnoses:
    print(diagnosis.table(), end="\n\n")

# %%
# The spread of ``Z`` layer by layer: He keeps it near 1, the ×10 start multiplies
# it at every layer, and zeros has no spread at all (drawn as hollow markers, since
# 0 has no place on a log axis).

fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
plot_activation_spread(diagnoses, ax=ax)

# %%
# Histograms of the activations
# -----------------------------
#
# The activations themselves come from the same initial weights
# (:func:`fastnn.initialize_parameters`, seed 3) and the forward pass of the NumPy
# reference, :func:`fastnn.reference.forward`. A ReLU outputs exactly 0 for every
# negative input, so the hidden layers' histograms show the positive activations
# only, and each title gives the share of exact zeros. Note the different scales
# of the x axes.

fig, axes = plt.subplots(
    len(schemes), 3, figsize=(11, 8), layout="constrained"
)
for row, name in zip(axes, schemes):
    parameters = fastnn.initialize_parameters(layers_dims, name, seed=3)
    activations = fastnn.reference.forward(train_X, parameters)
    for l, ax in enumerate(row, start=1):
        A = activations[l].ravel()
        if l < len(layers_dims) - 1:
            zero = np.mean(A == 0)
            positive = A[A > 0]
            if positive.size:
                ax.hist(positive, bins=40, color="C0")
            else:
                ax.text(
                    0.5,
                    0.5,
                    "every activation is 0",
                    ha="center",
                    va="center",
                    transform=ax.transAxes,
                )
            ax.set_title(
                f"{name}, layer {l} (ReLU): {zero:.0%} are 0", fontsize=9
            )
        else:
            ax.hist(A, bins=np.linspace(0, 1, 41), color="C1")
            saturated = np.mean((A == 0) | (A == 1))
            ax.set_title(
                f"{name}, output (sigmoid): {saturated:.0%} exactly 0 or 1",
                fontsize=9,
            )
        ax.set_ylabel("count")
for ax in axes[-1]:
    ax.set_xlabel("activation")

# %%
# With zeros every unit computes 0 and every output is 0.5: the cost is log 2 and
# every weight gradient is zero (the ``|dW|`` column), so the weights never change.
#
# The ×10 and He rows have the same shapes: both schemes scale the same standard
# normal draws (seed 3), and a ReLU passes a positive scale straight through, so
# only the x axes differ. But the scales compound. Against He's, the ×10 start's
# spread of ``Z`` is 10 times larger in layer 1 and over 200 times larger in
# layer 2 (the ``std Z`` column), and the output sigmoid's inputs average over
# 3000: every output rounds to exactly 1, so any example of label 0 costs
# infinity. He keeps every layer's activations of order 1 and the outputs away
# from 0 and 1.
