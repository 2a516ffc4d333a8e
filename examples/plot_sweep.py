"""
Fifty seeds per scheme
======================

The study trains each initialisation from a single seed. :func:`fastnn.sweep`
repeats the training from 50 seeds per scheme, so that the accuracy a scheme gets
can be told apart from the luck of one draw.
"""

import matplotlib.pyplot as plt
import numpy as np

import fastnn
from fastnn.plots import plot_sweep_accuracy, plot_sweep_costs

# %%
# Run the sweep
# -------------
#
# The study's three schemes × 50 seeds = 150 trainings of 15000 iterations each,
# on the study's donut data. The kernel releases the GIL, so the trainings run on a
# thread pool, one thread per core. ``progress=False`` turns off the progress bar.
# Leaving out the first argument sweeps every registered scheme (nine), as the
# command ``fastnn sweep`` does.

result = fastnn.sweep(
    ["zeros", "random", "he"], seeds=range(50), progress=False
)
print(result.table())

# %%
# How lucky is the study's seed? The study draws its He weights with seed 3.

he_runs = result.groups()[("he", 0.01)]
study_run = next(run for run in he_runs if run.seed == 3)
worse = sum(run.test_accuracy < study_run.test_accuracy for run in he_runs)
print(
    f"He, seed 3: test accuracy {study_run.test_accuracy:.2f}; "
    f"{worse} of {len(he_runs)} seeds do worse"
)

# %%
# Test accuracy over the seeds
# ----------------------------
#
# :func:`fastnn.plots.plot_sweep_accuracy` draws one box per scheme. Each run is
# added on top as a grey dot, spread sideways so that equal accuracies stay
# visible, and the study's run (He, seed 3) as a red star.

fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
plot_sweep_accuracy(result, ax=ax)
rng = np.random.default_rng(0)
for position, runs in enumerate(result.groups().values(), start=1):
    accuracies = [run.test_accuracy for run in runs]
    ax.scatter(
        position + rng.uniform(-0.15, 0.15, len(accuracies)),
        accuracies,
        s=8,
        alpha=0.5,
        color="0.3",
        zorder=3,
    )
he_position = list(result.groups()).index(("he", 0.01)) + 1
ax.scatter(
    [he_position],
    [study_run.test_accuracy],
    marker="*",
    s=140,
    color="red",
    zorder=4,
    label="the study's run (seed 3)",
)
ax.legend(loc="lower right", fontsize=8)
ax.tick_params(axis="x", labelrotation=0)

# %%
# Zeros draws nothing at random, so every seed gives the same run and an accuracy
# of 0.5. The ×10 start spreads widely. He is best on the whole, but its box
# plot has a long lower tail: some starts get stuck well below the typical run,
# and the study's single seed sits near the top of the range.

# %%
# Cost curves over the seeds
# --------------------------
#
# :func:`fastnn.plots.plot_sweep_costs` draws, per scheme, the median cost over the
# seeds and the band between the 10th and 90th percentiles (every tenth iteration
# is kept; infinite costs are left out).

fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
plot_sweep_costs(result, ax=ax)
