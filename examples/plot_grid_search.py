"""
A grid search with scikit-learn
===============================

:class:`fastnn.MLPClassifier` is scikit-learn's
:class:`~sklearn.neural_network.MLPClassifier` with its training loop moved into
fastnn's compiled kernel. It keeps scikit-learn's parameters, fitted attributes
and random draws, so it works wherever the original does: here inside
:class:`~sklearn.model_selection.GridSearchCV`, tuning the L2 penalty ``alpha``
and the hidden layers on two noisy moons.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier

import fastnn

X, y = make_moons(n_samples=500, noise=0.3, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, random_state=0
)

# %%
# The search
# ----------
#
# Four penalties × three architectures, each scored by 5-fold cross-validation on
# the training part: 60 fits, then one more of the best setting on the whole
# training part. Every fit stops by scikit-learn's own rule (no improvement of the
# loss for 10 epochs) well before ``max_iter``.

param_grid = {
    "alpha": [1e-4, 1e-2, 1e-1, 1.0],
    "hidden_layer_sizes": [(4,), (16,), (16, 8)],
}
search = GridSearchCV(
    fastnn.MLPClassifier(max_iter=2000, random_state=0), param_grid, cv=5
)
search.fit(X_train, y_train)

print("best parameters:", search.best_params_)
best_std = search.cv_results_["std_test_score"][search.best_index_]
print(
    f"best cross-validated accuracy: {search.best_score_:.4f} ± {best_std:.4f} over the folds"
)
print(
    f"accuracy of the refitted best model on the held-out test set: "
    f"{search.score(X_test, y_test):.4f}"
)

# %%
# The mean cross-validated accuracy of every setting, with one standard deviation
# over the five folds (the three architectures' points are shifted a little
# sideways so that their bars do not hide each other). The settings differ by less
# than the folds do: on 350 noisy points, the grid's choice is not a sharp one.

results = search.cv_results_
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
for shift, hidden in zip([0.9, 1.0, 1.1], param_grid["hidden_layer_sizes"]):
    chosen = [
        i
        for i, params in enumerate(results["params"])
        if params["hidden_layer_sizes"] == hidden
    ]
    alphas = [results["params"][i]["alpha"] * shift for i in chosen]
    ax.errorbar(
        alphas,
        results["mean_test_score"][chosen],
        yerr=results["std_test_score"][chosen],
        marker="o",
        capsize=3,
        label=f"hidden_layer_sizes={hidden}",
    )
ax.set_xscale("log")
ax.set_xlabel("alpha (L2 penalty)")
ax.set_ylabel("mean cross-validated accuracy")
ax.set_title("GridSearchCV over fastnn.MLPClassifier")
ax.grid(True, which="both", alpha=0.3)
ax.legend()

# %%
# The same fit as scikit-learn's
# ------------------------------
#
# Fit the best setting with both classes, from the same ``random_state``: the
# initial weights and the shuffles are scikit-learn's own draws, so the two
# trainings follow the same path, and their loss curves agree to rounding.

settings = dict(search.best_params_, max_iter=2000, random_state=0)
models = {}
for name, cls in [
    ("fastnn", fastnn.MLPClassifier),
    ("scikit-learn", SklearnMLPClassifier),
]:
    start = time.perf_counter()
    models[name] = cls(**settings).fit(X_train, y_train)
    elapsed = time.perf_counter() - start
    print(
        f"{name:<13} {models[name].n_iter_} epochs in {elapsed:.3f} s, "
        f"test accuracy {models[name].score(X_test, y_test):.4f}"
    )

ours = np.asarray(models["fastnn"].loss_curve_)
theirs = np.asarray(models["scikit-learn"].loss_curve_)
relative = np.max(np.abs(ours - theirs) / np.abs(theirs))
print(f"largest relative difference between the loss curves: {relative:.2e}")
assert len(ours) == len(theirs) and relative <= 1e-9

fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
ax.plot(
    theirs,
    linewidth=4,
    alpha=0.4,
    label="sklearn.neural_network.MLPClassifier",
)
ax.plot(ours, linewidth=1.2, label="fastnn.MLPClassifier")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("loss (cross-entropy + L2 penalty)")
ax.set_title(f"loss curves, {search.best_params_}", fontsize=9)
ax.grid(True, which="both", alpha=0.3)
ax.legend()
