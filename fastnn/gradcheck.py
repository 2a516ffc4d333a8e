"""Gradient checking: the course's ``gradient_check_n`` on either engine.

The analytic gradients an engine's backward pass gives (its ``cost_and_gradients``)
are compared with centred differences of the same engine's cost, parameter by
parameter, by the course's relative difference. Below 2e-7 the backward pass is
taken to be correct, as the course takes it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from fastnn import engine as _engine
from fastnn import reference as _reference
from fastnn._validate import check_l2, check_network, check_number, check_X_Y
from fastnn.engine import pack, unpack

__all__ = ["gradient_check", "GradientCheck", "THRESHOLD", "ENGINES"]

# The course's verdict: a relative difference below 2e-7 means the gradients are right.
THRESHOLD = 2e-7

# The engines' modules; each one's cost_and_gradients is looked up at call time.
ENGINES = {"compiled": _engine, "reference": _reference}


@dataclass(frozen=True, repr=False)
class GradientCheck:
    """The result of :func:`gradient_check`.

    Attributes
    ----------
    difference : float
        ``||g - g_approx|| / (||g|| + ||g_approx||)`` over all parameters, ``g`` the
        analytic gradient and ``g_approx`` the centred differences (0 when both are
        exactly zero).
    worst_parameter : str
        The parameter holding the entry where ``|g - g_approx|`` is largest, e.g. ``"W2"``.
    worst_index : tuple of int
        That entry's (row, column) in the parameter.
    worst_gradient : float
        The analytic gradient there.
    worst_approximation : float
        The centred difference there.
    engine : str
        ``"compiled"`` or ``"reference"``.
    epsilon : float
    l2 : float
    """

    difference: float
    worst_parameter: str
    worst_index: tuple[int, ...]
    worst_gradient: float
    worst_approximation: float
    engine: str
    epsilon: float
    l2: float

    @property
    def passed(self) -> bool:
        """Whether ``difference`` is below :data:`THRESHOLD` (2e-7), the course's test."""
        return self.difference < THRESHOLD

    @property
    def worst(self) -> str:
        """The worst entry as ``"W2[3, 1]"``."""
        return f"{self.worst_parameter}[{', '.join(map(str, self.worst_index))}]"

    def __repr__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return (
            f"GradientCheck(engine={self.engine!r}, difference={self.difference:.3g} {verdict}"
            f" (threshold {THRESHOLD:g}), worst {self.worst}: gradient {self.worst_gradient:.10g},"
            f" approximation {self.worst_approximation:.10g}; epsilon={self.epsilon:g}, l2={self.l2:g})"
        )


def gradient_check(
    X: Any,
    Y: Any,
    parameters: Mapping[str, Any],
    epsilon: float = 1e-7,
    l2: float = 0.0,
    engine: str = "compiled",
) -> GradientCheck:
    r"""Check an engine's backward pass against centred differences of its cost.

    As the course's ``gradient_check_n``: the parameters are laid end to end in the
    order W1, b1, W2, b2, ... (each row by row); for every entry :math:`\theta_i`

    .. math:: g^{approx}_i = \frac{J(\theta + \varepsilon e_i) - J(\theta - \varepsilon e_i)}{2 \varepsilon}

    with :math:`J` the engine's cost, and the result is the relative difference

    .. math:: \frac{\lVert g - g^{approx} \rVert_2}{\lVert g \rVert_2 + \lVert g^{approx} \rVert_2}

    where :math:`g` is the engine's analytic gradient. Both come from the engine's
    ``cost_and_gradients`` (:func:`fastnn.cost_and_gradients` or
    :func:`fastnn.reference.cost_and_gradients`), so what is checked is exactly
    what training uses. It costs two cost evaluations per parameter.

    Parameters
    ----------
    X : array_like of shape (n_x, m)
    Y : array_like of shape (1, m) or (m,)
        Labels, 0 or 1.
    parameters : dict
        ``{"W1": ..., "b1": ..., ...}`` with a single output unit; not modified.
    epsilon : float, default=1e-7
        The step of the centred differences (the course's 1e-7); > 0.
    l2 : float, default=0.0
        Check the L2-regularised cost ``cross_entropy + (1 / m) (l2 / 2) sum_l ||W_l||^2``
        and its gradient, which gains ``(l2 / m) W_l``; >= 0.
    engine : {"compiled", "reference"}, default="compiled"

    Returns
    -------
    GradientCheck
        ``.difference``, ``.passed`` (``difference < 2e-7``) and the worst entry:
        ``.worst_parameter`` (e.g. ``"W2"``), ``.worst_index``,
        ``.worst_gradient`` and ``.worst_approximation``.

    Raises
    ------
    ValueError
        If ``engine`` is unknown, ``epsilon`` is not a finite number > 0, ``l2`` is
        negative or not finite, an array is invalid (as :func:`fastnn.train` says
        for ``X``, ``Y`` and ``parameters``), or the cost is not finite at
        ``parameters`` or at one of the shifted points (a saturated sigmoid, where
        differences say nothing).
    TypeError
        If ``engine`` is not a string, or as :func:`fastnn.train` for the arrays,
        ``epsilon`` and ``l2``.

    Notes
    -----
    A ReLU's kink within ``epsilon`` of a pre-activation makes one difference
    straddle it, and the check can fail although the backward pass is right;
    at random parameters that is very unlikely.
    """
    if not isinstance(engine, str):
        raise TypeError(f"engine must be one of {sorted(ENGINES)}, got {engine!r}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {sorted(ENGINES)}, got {engine!r}")
    epsilon = check_number(epsilon, "epsilon", positive=True)
    l2 = check_l2(l2)
    X, Y = check_X_Y(X, Y)
    layers_dims, checked = check_network(parameters, X)
    module = ENGINES[engine]

    cost, grads = module.cost_and_gradients(X, Y, checked, l2=l2)
    if not np.isfinite(cost):
        raise ValueError(
            f"the cost is {cost} at these parameters (the output sigmoid saturated on"
            " wrong labels): centred differences cannot check the gradients there"
        )
    names = [f"{kind}{l}" for l in range(1, len(layers_dims)) for kind in "Wb"]
    theta = pack(checked, layers_dims)
    gradient = np.concatenate([np.ravel(grads[f"d{name}"]) for name in names])
    approximation = np.empty_like(theta)
    for i in range(theta.size):
        value = theta[i]
        theta[i] = value + epsilon
        cost_plus = module.cost_and_gradients(X, Y, unpack(theta, layers_dims), l2=l2)[0]
        theta[i] = value - epsilon
        cost_minus = module.cost_and_gradients(X, Y, unpack(theta, layers_dims), l2=l2)[0]
        theta[i] = value
        approximation[i] = (cost_plus - cost_minus) / (2 * epsilon)
    if not np.isfinite(approximation).all():
        name, index = _locate(int(np.argmin(np.isfinite(approximation))), names, checked)
        raise ValueError(
            f"the cost is not finite when {name}{list(index)} is shifted by epsilon={epsilon!r}"
            " (the output sigmoid saturates): centred differences cannot check the gradients there"
        )

    numerator = np.linalg.norm(gradient - approximation)
    denominator = np.linalg.norm(gradient) + np.linalg.norm(approximation)
    difference = float(numerator / denominator) if denominator > 0 else 0.0
    worst = int(np.argmax(np.abs(gradient - approximation)))
    name, index = _locate(worst, names, checked)
    return GradientCheck(
        difference=difference,
        worst_parameter=name,
        worst_index=index,
        worst_gradient=float(gradient[worst]),
        worst_approximation=float(approximation[worst]),
        engine=engine,
        epsilon=epsilon,
        l2=l2,
    )


def _locate(position: int, names: list[str], parameters: Mapping[str, np.ndarray]) -> tuple[str, tuple[int, ...]]:
    """The parameter and the (row, column) of entry ``position`` of the packed vector."""
    for name in names:
        size = parameters[name].size
        if position < size:
            return name, tuple(int(i) for i in np.unravel_index(position, parameters[name].shape))
        position -= size
    raise IndexError(position)  # pragma: no cover - position is always inside
