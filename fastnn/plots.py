"""Figures: cost curves and decision boundaries.

Each function draws on the ``Axes`` it is given, or on a new figure's axes, and
returns the axes. Nothing here chooses a backend or shows a window; the command line
decides where figures go.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from fastnn import reference
from fastnn._validate import OUTPUTS, check_choice, check_X, check_Y, infer_layers_dims
from fastnn.engine import predict_proba
from fastnn.study import CLASSIFIER_OUTPUTS

__all__ = [
    "plot_costs",
    "plot_decision_boundary",
    "plot_sweep_costs",
    "plot_sweep_accuracy",
    "plot_activation_spread",
]

# The legend's explanation of the marks along the top of a cost plot: the cross-
# entropy is infinite where the output sigmoid is exactly 0 or 1 on a wrong label
# (where a softmax gives a true class probability 0); a squared error only where
# the outputs overflow.
INF_COST_LABELS = {
    "sigmoid": "cost = inf (sigmoid saturated)",
    "softmax": "cost = inf (softmax saturated)",
    "identity": "cost = inf (outputs overflowed)",
}
INF_COST_LABEL = INF_COST_LABELS["sigmoid"]
# Each output layer's loss, for the cost axis.
COST_AXIS_LABELS = {
    "sigmoid": "cost (binary cross-entropy)",
    "softmax": "cost (categorical cross-entropy)",
    "identity": "cost (squared error)",
}
# Where a spread of exactly 0 is drawn on a log axis (unless a real spread is lower).
ZERO_SPREAD_AT = 1e-12


def _axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.figure().add_subplot()


def plot_costs(
    costs: Any, ax: Any = None, label: str | None = None, title: str | None = None, *, output: str = "sigmoid"
) -> Any:
    """Cost against iteration, on a log scale.

    Parameters
    ----------
    costs : array_like of shape (num_iterations,)
        One cost per iteration, e.g. ``TrainResult.costs``. Infinite costs (a
        saturated start) are left out of the line and marked along the top, with
        a legend entry "cost = inf (sigmoid saturated)" (as :data:`INF_COST_LABELS`
        words it for ``output``).
    ax : matplotlib Axes, optional
    label, title : str, optional
    output : {"sigmoid", "softmax", "identity"}, default="sigmoid"
        The output layer whose loss the costs are (a :class:`fastnn.TrainResult`'s
        ``output``): it names the loss on the axis and the reason for an
        infinite cost.

    Returns
    -------
    matplotlib Axes
    """
    output = check_choice(output, "output", OUTPUTS)
    ax = _axes(ax)
    costs = np.asarray(costs, dtype=np.float64)
    iterations = np.arange(len(costs))
    finite = np.isfinite(costs)
    (line,) = ax.plot(iterations[finite], costs[finite], label=label, linewidth=1.2)
    if not finite.all():
        ax.plot(
            iterations[~finite], np.full((~finite).sum(), 1.0), "|", color=line.get_color(),
            transform=ax.get_xaxis_transform(), markersize=8, clip_on=False,
            label=f"{label}: {INF_COST_LABELS[output]}" if label else INF_COST_LABELS[output],
        )
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel(COST_AXIS_LABELS[output])
    if title:
        ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    if label or not finite.all():
        ax.legend()
    return ax


def _class_colors() -> tuple[list, list]:
    """``(regions, points)``: one colour per class, 0 then 1, from the Spectral map:
    points at its two ends, the regions (drawn at alpha 0.6) a quarter of the way in."""
    import matplotlib

    spectral = matplotlib.colormaps["Spectral"]
    return [spectral(0.25), spectral(0.75)], [spectral(0.0), spectral(1.0)]


def plot_decision_boundary(
    parameters: Mapping[str, Any],
    X: Any,
    Y: Any,
    ax: Any = None,
    title: str | None = None,
    resolution: int = 300,
    *,
    output: str = "sigmoid",
    hidden_activation: str = "relu",
) -> Any:
    """The region the network classifies as 1, with the labelled points over it.

    The legend pairs each label with its colours: "label 0" is the points of
    label 0 over the region the network classifies as 0, likewise "label 1".

    Parameters
    ----------
    parameters : dict
        A trained network with two inputs that classifies two classes: one
        sigmoid unit (class 1 where its probability is above 0.5) or a softmax
        over two units (the class of the larger probability).
    X : array_like of shape (2, m)
    Y : array_like of shape (1, m)
        Labels 0 and 1.
    ax : matplotlib Axes, optional
    title : str, optional
    resolution : int, default=300
        Grid points per axis.
    output : {"sigmoid", "softmax"}, default="sigmoid"
        The network's output layer (a :class:`fastnn.TrainResult`'s ``output``).
    hidden_activation : {"relu", "tanh", "sigmoid", "identity"}, default="relu"
        Its hidden layers' activation (a :class:`fastnn.TrainResult`'s
        ``hidden_activation``).

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    ValueError
        If ``X`` is not 2-D inputs, ``Y`` is not 0/1 labels, or the network does
        not classify two classes (an identity output, several sigmoid units, a
        softmax over other than two); and as :func:`fastnn.predict_proba`.
    """
    output = check_choice(output, "output", OUTPUTS)
    X = check_X(X)
    Y = check_Y(Y, X.shape[1])
    if X.shape[0] != 2:
        raise ValueError(f"a decision boundary is drawn for 2-D inputs, got X of shape {X.shape}")
    K = infer_layers_dims(parameters)[-1]
    if CLASSIFIER_OUTPUTS.get(output) != K:
        raise ValueError(
            f"a decision boundary is drawn between two classes, by one sigmoid unit or a softmax"
            f" over two units; got output={output!r} with {K} output unit{'s' if K > 1 else ''}"
        )
    ax = _axes(ax)
    pad = 0.5
    x0 = np.linspace(X[0].min() - pad, X[0].max() + pad, resolution)
    x1 = np.linspace(X[1].min() - pad, X[1].max() + pad, resolution)
    xx, yy = np.meshgrid(x0, x1)
    grid = np.vstack([xx.ravel(), yy.ravel()])
    probabilities = predict_proba(grid, parameters, output=output, hidden_activation=hidden_activation)
    predicted = reference.OUTPUT_LAYERS[output].predict(probabilities).reshape(xx.shape)
    regions, points = _class_colors()
    ax.contourf(xx, yy, predicted, levels=[-0.5, 0.5, 1.5], colors=regions, alpha=0.6)
    ax.scatter(X[0], X[1], c=[points[int(y)] for y in Y[0]], s=14, edgecolors="k", linewidths=0.3)
    _class_legend(ax, regions, points)
    ax.set_xlim(x0[0], x0[-1])
    ax.set_ylim(x1[0], x1[-1])
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax


def _class_legend(ax: Any, regions: list, points: list) -> None:
    from matplotlib.legend_handler import HandlerTuple
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        (Patch(facecolor=region, alpha=0.6), Line2D([], [], linestyle="none", marker="o", markersize=4,
                                                    markerfacecolor=point, markeredgecolor="k",
                                                    markeredgewidth=0.3))
        for region, point in zip(regions, points)
    ]
    ax.legend(handles, ["label 0", "label 1"], handler_map={tuple: HandlerTuple(ndivide=1)},
              loc="upper right", fontsize=8, framealpha=0.9)


def plot_sweep_costs(result: Any, ax: Any = None, learning_rate: float | None = None) -> Any:
    """Cost curves of a sweep: per scheme, the median over seeds and the band between
    the 10th and 90th percentiles (infinite costs left out).

    Parameters
    ----------
    result : fastnn.sweep.SweepResult
    ax : matplotlib Axes, optional
    learning_rate : float, optional
        Which learning rate to draw; default: the first.
    """
    from fastnn.sweep import CURVE_EVERY

    ax = _axes(ax)
    groups = result.groups()
    rates = sorted({lr for _, lr in groups})
    learning_rate = rates[0] if learning_rate is None else learning_rate
    for (name, lr), runs in groups.items():
        if lr != learning_rate:
            continue
        curves = np.array([run.curve for run in runs])
        curves = np.where(np.isfinite(curves), curves, np.nan)
        iterations = np.arange(curves.shape[1]) * CURVE_EVERY
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-inf columns
                median = np.nanmedian(curves, axis=0)
                low, high = np.nanpercentile(curves, [10, 90], axis=0)
        (line,) = ax.plot(iterations, median, label=name, linewidth=1.2)
        ax.fill_between(iterations, low, high, color=line.get_color(), alpha=0.15, linewidth=0)
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost (median, 10-90 % band)")
    ax.set_title(f"cost over {len(next(iter(groups.values())))} seeds, learning rate {learning_rate:g}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    return ax


def plot_sweep_accuracy(result: Any, ax: Any = None) -> Any:
    """Box plot of test accuracy per scheme (and learning rate) over the seeds."""
    ax = _axes(ax)
    groups = result.groups()
    rates = {lr for _, lr in groups}
    labels = [name if len(rates) == 1 else f"{name}\nlr {lr:g}" for name, lr in groups]
    ax.boxplot([[run.test_accuracy for run in runs] for runs in groups.values()], tick_labels=labels)
    ax.set_ylabel("test accuracy")
    ax.set_title("test accuracy over seeds")
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    ax.grid(True, axis="y", alpha=0.3)
    return ax


def plot_activation_spread(diagnoses: Any, ax: Any = None) -> Any:
    """Standard deviation of each layer's pre-activations at initialisation, one line
    per scheme (from :func:`fastnn.diagnose`): how the signal grows or shrinks.

    A spread of exactly 0 (zeros, where every unit computes 0) has no place on the
    log axis: it is drawn as a hollow marker at 1e-12 (lower, if a real spread is
    lower), with a legend entry saying so. The layer axis has a tick per layer.
    """
    from matplotlib.lines import Line2D

    ax = _axes(ax)
    spreads = [np.array([layer.z_std for layer in d.layers], dtype=np.float64) for d in diagnoses]
    positive = [s[s > 0].min() for s in spreads if (s > 0).any()]
    zero_at = min([ZERO_SPREAD_AT] + [value / 10 for value in positive])
    for diagnosis, stds in zip(diagnoses, spreads):
        layers = np.arange(1, len(stds) + 1)
        zero = stds == 0
        (line,) = ax.plot(layers, np.where(zero, zero_at, stds), marker="o", markevery=list(~zero),
                          label=diagnosis.initialization)
        if zero.any():
            ax.plot(layers[zero], np.full(zero.sum(), zero_at), "o", color=line.get_color(),
                    markerfacecolor="white")
    ax.set_yscale("log")
    ax.set_xticks(range(1, max((len(s) for s in spreads), default=1) + 1))
    ax.set_xlabel("layer")
    ax.set_ylabel("std of pre-activations Z")
    ax.set_title("signal through the network at initialisation")
    ax.grid(True, which="both", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if any((s == 0).any() for s in spreads):
        handles.append(Line2D([], [], linestyle="none", marker="o", color="0.3", markerfacecolor="white"))
        labels.append(f"std = 0 (drawn at {zero_at:g})")
    ax.legend(handles, labels, fontsize=7, ncol=2)
    return ax
