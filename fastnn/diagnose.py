"""Why initialisations behave as they do: the network's statistics at initialisation.

For each layer: the mean and spread of the pre-activations Z, the fraction of dead
ReLU units (zero on every example), the fraction of saturated outputs (a sigmoid of
exactly 0 or 1, where the cross-entropy becomes infinite), whether all units of the
layer compute the same thing (symmetry never broken), and the norm of the layer's
weight gradient. Computed with the plain NumPy reference: it runs once, so clarity
beats speed here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from fastnn import reference
from fastnn._validate import check_seed, check_X, check_X_Y
from fastnn.init import Scheme, starting_point

__all__ = ["LayerDiagnosis", "Diagnosis", "diagnose"]


@dataclass(frozen=True)
class LayerDiagnosis:
    """Statistics of one layer at initialisation (see :func:`diagnose`)."""

    layer: int
    units: int
    activation: str
    z_mean: float
    z_std: float
    dead_fraction: float        # ReLU layers: units zero on every example; NaN for the output
    saturated_fraction: float   # output layer: examples with a sigmoid of exactly 0 or 1
    identical_units: bool       # every unit's activations equal to every other's
    grad_norm: float            # Frobenius norm of dW_l; NaN without labels


@dataclass(frozen=True)
class Diagnosis:
    """The per-layer statistics of one initialisation of one network."""

    initialization: str
    seed: Any
    layers_dims: list[int]
    layers: list[LayerDiagnosis]
    cost: float | None

    def table(self) -> str:
        """The statistics as aligned text, one line per layer."""
        lines = [
            f"{self.initialization} (seed {self.seed}), layers {self.layers_dims}"
            + (f", cost {self.cost:.6g}" if self.cost is not None else ""),
            f"{'layer':>5} {'units':>5} {'act':>7} {'mean Z':>10} {'std Z':>10} {'dead':>6}"
            f" {'saturated':>9} {'identical':>9} {'|dW|':>10}",
        ]
        for d in self.layers:
            lines.append(
                f"{d.layer:>5} {d.units:>5} {d.activation:>7} {d.z_mean:>10.4g} {d.z_std:>10.4g}"
                f" {_fraction(d.dead_fraction):>6} {_fraction(d.saturated_fraction):>9}"
                f" {'yes' if d.identical_units else 'no':>9} {d.grad_norm:>10.4g}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def _fraction(value: float) -> str:
    return "-" if np.isnan(value) else f"{value:.0%}"


def diagnose(
    X: Any,
    layers_dims: Sequence[int] | None = None,
    initialization: str | Scheme = "he",
    seed: Any = 3,
    *,
    Y: Any = None,
    gain: float = 1.0,
) -> Diagnosis:
    """Statistics of a network at initialisation, layer by layer.

    Parameters
    ----------
    X : array_like of shape (n_x, m)
    layers_dims : sequence of int, optional
        Default: the study's ``[n_x, 10, 5, 1]``.
    initialization : str or callable, default="he"
        A scheme's name or the scheme itself, as for :func:`fastnn.train`.
    seed : int, Generator or RandomState, default=3
    Y : array_like of shape (1, m) or (m,), optional
        Labels; needed for the cost and the gradient norms (NaN without them).
    gain : float, default=1.0

    Returns
    -------
    Diagnosis
        ``.layers`` holds one :class:`LayerDiagnosis` per layer; ``.table()`` prints
        them.

    Raises
    ------
    ValueError, TypeError
        As :func:`fastnn.train`, for bad inputs or options.
    """
    if Y is None:
        X = check_X(X)
    else:
        X, Y = check_X_Y(X, Y)
    seed = check_seed(seed)
    start = starting_point(X, layers_dims, initialization, seed, None, gain=gain)
    dims, parameters = start.layers_dims, start.parameters
    L = len(dims) - 1
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        activations = reference.forward(X, parameters)
        grads, cost = None, None
        if Y is not None:
            cost = float(reference.compute_cost(activations[-1], Y))
            grads = reference.backward(Y, activations, parameters)
    layers = []
    for l in range(1, L + 1):
        Z = np.dot(parameters[f"W{l}"], activations[l - 1]) + parameters[f"b{l}"]
        A = activations[l]
        hidden = l < L
        layers.append(LayerDiagnosis(
            layer=l,
            units=dims[l],
            activation="relu" if hidden else "sigmoid",
            z_mean=float(Z.mean()),
            z_std=float(Z.std()),
            dead_fraction=float(np.mean(np.all(A == 0, axis=1))) if hidden else float("nan"),
            saturated_fraction=float("nan") if hidden else float(np.mean((A == 0) | (A == 1))),
            identical_units=bool(dims[l] > 1 and np.all(A == A[:1])),
            grad_norm=float(np.linalg.norm(grads[f"dW{l}"])) if grads is not None else float("nan"),
        ))
    return Diagnosis(start.initialization, seed, dims, layers, cost)
