"""Why initialisations behave as they do: the network's statistics at initialisation.

For each layer: the mean and spread of the pre-activations Z; for hidden layers
the fraction of dead units (a ReLU at zero on every example; a tanh or sigmoid
saturated on every example) and of saturated activations (a tanh or sigmoid in
its flat tails, where it passes back almost no gradient); for the output layer
the fraction of saturated outputs (a sigmoid or softmax probability of exactly 0
or 1, where the cross-entropy becomes infinite); whether all units of the layer
compute the same thing (symmetry never broken), and the norm of the layer's
weight gradient. Computed with the plain NumPy reference, in float64, for any
output layer and hidden activation: it runs once, so clarity beats speed here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from fastnn import reference
from fastnn._validate import (
    check_model, check_output_units, check_seed, check_targets, check_X, check_X_targets,
)
from fastnn.init import Scheme, starting_layers, starting_point

__all__ = ["LayerDiagnosis", "Diagnosis", "diagnose", "SATURATION_MARGIN"]

# A tanh or sigmoid unit is saturated where its activation lies within 0.5 % of
# its range's width of either end: |tanh| > 0.99, a sigmoid below 0.005 or above
# 0.995. There its slope is below 2 % of its largest: 1 - 0.99^2 = 0.0199 for
# tanh, and 0.995 * 0.005 / 0.25 = 0.0199 for the sigmoid (a tanh is a sigmoid
# rescaled, tanh(z) = 2 sigmoid(2z) - 1, so one margin fits both).
SATURATION_MARGIN = 0.005
# The range of each hidden activation that saturates; ReLU and identity do not.
SATURATING = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}


@dataclass(frozen=True)
class LayerDiagnosis:
    """Statistics of one layer at initialisation (see :func:`diagnose`).

    Attributes
    ----------
    layer, units : int
        The layer ``l`` (from 1) and its size.
    activation : str
        The hidden activation, or the output layer's.
    z_mean, z_std : float
        Mean and standard deviation of the pre-activations ``Z_l`` over units and
        examples.
    dead_fraction : float
        Hidden layers: the fraction of units that pass back no gradient, or
        almost none, on every example - a ReLU at 0, a tanh or sigmoid saturated
        (as ``saturated_fraction`` counts it). NaN for identity units, which
        cannot die, and for the output layer.
    saturated_fraction : float
        Hidden tanh or sigmoid layers: the fraction of activations (units times
        examples) within :data:`SATURATION_MARGIN` of their range's width of
        either end. The sigmoid or softmax output layer: the fraction of outputs
        of exactly 0 or 1, where the cross-entropy becomes infinite on a wrong
        label. NaN for ReLU and identity hidden units and an identity output,
        which have no saturating bound.
    identical_units : bool
        Every unit's activations equal to every other's (symmetry never broken).
    grad_norm : float
        Frobenius norm of ``dW_l``; NaN without targets.
    """

    layer: int
    units: int
    activation: str
    z_mean: float
    z_std: float
    dead_fraction: float
    saturated_fraction: float
    identical_units: bool
    grad_norm: float


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
            f"{'layer':>5} {'units':>5} {'act':>8} {'mean Z':>10} {'std Z':>10} {'dead':>6}"
            f" {'saturated':>9} {'identical':>9} {'|dW|':>10}",
        ]
        for d in self.layers:
            lines.append(
                f"{d.layer:>5} {d.units:>5} {d.activation:>8} {d.z_mean:>10.4g} {d.z_std:>10.4g}"
                f" {_fraction(d.dead_fraction):>6} {_fraction(d.saturated_fraction):>9}"
                f" {'yes' if d.identical_units else 'no':>9} {d.grad_norm:>10.4g}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def _fraction(value: float) -> str:
    return "-" if np.isnan(value) else f"{value:.0%}"


def _hidden_statistics(A: np.ndarray, hidden_activation: str) -> tuple[float, float]:
    """``(dead_fraction, saturated_fraction)`` of a hidden layer's activations
    ``A`` of shape (n_l, m) (see :class:`LayerDiagnosis`)."""
    if hidden_activation == "relu":
        return float(np.mean(np.all(A == 0, axis=1))), float("nan")
    if hidden_activation not in SATURATING:      # identity
        return float("nan"), float("nan")
    low, high = SATURATING[hidden_activation]
    margin = SATURATION_MARGIN * (high - low)
    saturated = (A < low + margin) | (A > high - margin)
    return float(np.mean(np.all(saturated, axis=1))), float(np.mean(saturated))


def diagnose(
    X: Any,
    layers_dims: Sequence[int] | None = None,
    initialization: str | Scheme = "he",
    seed: Any = 3,
    *,
    Y: Any = None,
    gain: float = 1.0,
    output: str = "sigmoid",
    hidden_activation: str = "relu",
) -> Diagnosis:
    """Statistics of a network at initialisation, layer by layer.

    Parameters
    ----------
    X : array_like of shape (n_x, m)
    layers_dims : sequence of int, optional
        Default: the study's ``[n_x, 10, 5, 1]``. ``output="softmax"`` needs
        ``layers_dims[-1] >= 2``.
    initialization : str or callable, default="he"
        A scheme's name or the scheme itself, as for :func:`fastnn.train`.
    seed : int, Generator or RandomState, default=3
    Y : array_like of shape (K, m), (1, m) or (m,), optional
        Targets for ``output``, as for :func:`fastnn.train`; needed for the cost
        and the gradient norms (NaN without them).
    gain : float, default=1.0
    output : {"sigmoid", "softmax", "identity"}, default="sigmoid"
        The output layer: its activation gives the last layer's statistics, and
        its loss the cost and the gradients.
    hidden_activation : {"relu", "tanh", "sigmoid", "identity"}, default="relu"
        The hidden layers' activation. It decides which of the hidden statistics
        apply: dead units for ReLU (zero on every example); saturated
        activations for tanh and sigmoid (within :data:`SATURATION_MARGIN` of
        their range's width of either end, where the slope is below 2 % of its
        largest) and dead units, saturated on every example; neither for
        identity (see :class:`LayerDiagnosis`).

    Returns
    -------
    Diagnosis
        ``.layers`` holds one :class:`LayerDiagnosis` per layer; ``.table()`` prints
        them.

    Raises
    ------
    ValueError, TypeError
        As :func:`fastnn.train`, for bad inputs or options (``Y`` checked
        against ``output``), all before anything is drawn.

    Examples
    --------
    >>> import fastnn
    >>> train_X, train_Y, _, _ = fastnn.load_dataset()
    >>> print(fastnn.diagnose(train_X, initialization="he").table())
    he (seed 3), layers [2, 10, 5, 1]
    layer units      act     mean Z      std Z   dead saturated identical       |dW|
        1    10     relu  2.735e-05     0.8865     0%         -        no        nan
        2     5     relu    -0.1298      1.079    20%         -        no        nan
        3     1  sigmoid     0.9047     0.6348      -        0%        no        nan
    """
    model = check_model(output, hidden_activation)
    if Y is None:
        X, targets = check_X(X), None
    else:
        X, targets = check_X_targets(X, Y, output=model.output)
    seed = check_seed(seed)
    dims = starting_layers(X, layers_dims, None, outputs=None)
    check_output_units(model.output, dims[-1])
    if targets is not None:
        Y = check_targets(targets, X.shape[1], dims[-1], model.output)
    start = starting_point(X, dims, initialization, seed, None, gain=gain, outputs=None)
    parameters = start.parameters
    L = len(dims) - 1
    names = dict(output=model.output, hidden_activation=model.hidden_activation)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        activations = reference.forward(X, parameters, **names)
        grads, cost = None, None
        if targets is not None:
            cost = float(reference.compute_cost(activations[-1], Y, model.output))
            grads = reference.backward(Y, activations, parameters, **names)
    layers = []
    for l in range(1, L + 1):
        Z = np.dot(parameters[f"W{l}"], activations[l - 1]) + parameters[f"b{l}"]
        A = activations[l]
        if l < L:
            activation = model.hidden_activation
            dead, saturated = _hidden_statistics(A, activation)
        else:
            activation = model.output
            dead = float("nan")
            saturated = float("nan") if activation == "identity" else float(np.mean((A == 0) | (A == 1)))
        layers.append(LayerDiagnosis(
            layer=l,
            units=dims[l],
            activation=activation,
            z_mean=float(Z.mean()),
            z_std=float(Z.std()),
            dead_fraction=dead,
            saturated_fraction=saturated,
            identical_units=bool(dims[l] > 1 and np.all(A == A[:1])),
            grad_norm=float(np.linalg.norm(grads[f"dW{l}"])) if grads is not None else float("nan"),
        ))
    return Diagnosis(start.initialization, seed, dims, layers, cost)
