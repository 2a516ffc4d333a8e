"""Figures: cost curves and decision boundaries.

Each function draws on the ``Axes`` it is given, or on a new figure's axes, and
returns the axes. Nothing here chooses a backend or shows a window; the command line
decides where figures go.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from fastnn._validate import check_X, check_Y
from fastnn.engine import predict_proba

__all__ = ["plot_costs", "plot_decision_boundary"]


def _axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.figure().add_subplot()


def plot_costs(costs: Any, ax: Any = None, label: str | None = None, title: str | None = None) -> Any:
    """Cost against iteration, on a log scale.

    Parameters
    ----------
    costs : array_like of shape (num_iterations,)
        One cost per iteration, e.g. ``TrainResult.costs``. Infinite costs (a
        saturated start) are left out of the line and marked along the top.
    ax : matplotlib Axes, optional
    label, title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    costs = np.asarray(costs, dtype=np.float64)
    iterations = np.arange(len(costs))
    finite = np.isfinite(costs)
    (line,) = ax.plot(iterations[finite], costs[finite], label=label, linewidth=1.2)
    if not finite.all():
        ax.plot(
            iterations[~finite], np.full((~finite).sum(), 1.0), "|", color=line.get_color(),
            transform=ax.get_xaxis_transform(), markersize=8,
            label=f"{label}: cost = inf" if label else "cost = inf",
        )
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost (binary cross-entropy)")
    if title:
        ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    if label:
        ax.legend()
    return ax


def plot_decision_boundary(
    parameters: Mapping[str, Any],
    X: Any,
    Y: Any,
    ax: Any = None,
    title: str | None = None,
    resolution: int = 300,
) -> Any:
    """The region the network classifies as 1, with the labelled points over it.

    Parameters
    ----------
    parameters : dict
        A trained network with two inputs.
    X : array_like of shape (2, m)
    Y : array_like of shape (1, m)
    ax : matplotlib Axes, optional
    title : str, optional
    resolution : int, default=300
        Grid points per axis.

    Returns
    -------
    matplotlib Axes
    """
    X = check_X(X)
    Y = check_Y(Y, X.shape[1])
    if X.shape[0] != 2:
        raise ValueError(f"a decision boundary is drawn for 2-D inputs, got X of shape {X.shape}")
    ax = _axes(ax)
    pad = 0.5
    x0 = np.linspace(X[0].min() - pad, X[0].max() + pad, resolution)
    x1 = np.linspace(X[1].min() - pad, X[1].max() + pad, resolution)
    xx, yy = np.meshgrid(x0, x1)
    grid = np.vstack([xx.ravel(), yy.ravel()])
    predicted = (predict_proba(grid, parameters) > 0.5).reshape(xx.shape)
    ax.contourf(xx, yy, predicted, levels=[-0.5, 0.5, 1.5], cmap="Spectral", alpha=0.6)
    ax.scatter(X[0], X[1], c=Y[0], cmap="Spectral", s=14, edgecolors="k", linewidths=0.3)
    ax.set_xlim(x0[0], x0[-1])
    ax.set_ylim(x1[0], x1[-1])
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax
