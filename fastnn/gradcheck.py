"""Gradient checking: the course's ``gradient_check_n`` on either engine.

The analytic gradients an engine's backward pass gives (its ``cost_and_gradients``)
are compared with centred differences of the same engine's cost, parameter by
parameter, by the course's relative difference, for any output layer and hidden
activation. Below 2e-7 the backward pass is taken to be correct, as the course
takes it. The check runs in float64: float32 parameters are cast up (exactly), as
centred differences in float32 would measure nothing but rounding.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from fastnn import engine as _engine
from fastnn import reference as _reference
from fastnn._validate import check_l2, check_model, check_network_data, check_number
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
    output : str
        The output layer (and so the loss) whose gradients were checked.
    hidden_activation : str
        The hidden layers' activation.
    """

    difference: float
    worst_parameter: str
    worst_index: tuple[int, ...]
    worst_gradient: float
    worst_approximation: float
    engine: str
    epsilon: float
    l2: float
    output: str = "sigmoid"
    hidden_activation: str = "relu"

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
            f" approximation {self.worst_approximation:.10g}; epsilon={self.epsilon:g}, l2={self.l2:g},"
            f" output={self.output!r}, hidden_activation={self.hidden_activation!r})"
        )


# Why the cost can be infinite, by output layer (for the messages).
_INFINITE_COST = {
    "sigmoid": "the output sigmoid saturated on wrong labels",
    "softmax": "the softmax gave a true class probability 0",
    "identity": "the outputs overflowed",
}


def gradient_check(
    X: Any,
    Y: Any,
    parameters: Mapping[str, Any],
    epsilon: float = 1e-7,
    l2: float = 0.0,
    engine: str = "compiled",
    *,
    output: str = "sigmoid",
    hidden_activation: str = "relu",
) -> GradientCheck:
    r"""Check an engine's backward pass against centred differences of its cost.

    As the course's ``gradient_check_n``: the parameters are laid end to end in the
    order W1, b1, W2, b2, ... (each row by row); for every entry :math:`\theta_i`

    .. math:: g^{approx}_i = \frac{J(\theta + \varepsilon e_i) - J(\theta - \varepsilon e_i)}{2 \varepsilon}

    with :math:`J` the engine's cost, and the result is the relative difference

    .. math:: \frac{\lVert g - g^{approx} \rVert_2}{\lVert g \rVert_2 + \lVert g^{approx} \rVert_2}

    where :math:`g` is the engine's analytic gradient. Both come from the engine's
    ``cost_and_gradients`` (:func:`fastnn.cost_and_gradients` or
    :func:`fastnn.reference.cost_and_gradients`) with the same ``output`` and
    ``hidden_activation``, so what is checked is exactly what training uses. It
    costs two cost evaluations per parameter.

    Parameters
    ----------
    X : array_like of shape (n_x, m)
    Y : array_like of shape (K, m), or (1, m) or (m,)
        Targets for ``output``, as for :func:`fastnn.train`: labels 0 or 1 per
        sigmoid unit, class labels or one-hot columns for softmax, real numbers
        for identity.
    parameters : dict
        ``{"W1": ..., "b1": ..., ...}`` with K output units; not modified.
        float32 parameters are checked in float64: they are cast up, which is
        exact, and both the gradients and the differences are the engine's
        float64 ones at that very point. (In float32 the differences would be
        rounding noise: its resolution, 1.2e-7 relative, is that of ``epsilon``
        itself.) This checks the backward pass's formulas, which both
        precisions share; it does not measure float32 rounding.
    epsilon : float, default=1e-7
        The step of the centred differences (the course's 1e-7); > 0.
    l2 : float, default=0.0
        Check the L2-regularised cost ``loss + (1 / m) (l2 / 2) sum_l ||W_l||^2``
        and its gradient, which gains ``(l2 / m) W_l``; >= 0.
    engine : {"compiled", "reference"}, default="compiled"
    output : {"sigmoid", "softmax", "identity"}, default="sigmoid"
        The output layer and its loss, as for :func:`fastnn.train`.
    hidden_activation : {"relu", "tanh", "sigmoid", "identity"}, default="relu"
        The hidden layers' activation, as for :func:`fastnn.train`.

    Returns
    -------
    GradientCheck
        ``.difference``, ``.passed`` (``difference < 2e-7``) and the worst entry:
        ``.worst_parameter`` (e.g. ``"W2"``), ``.worst_index``,
        ``.worst_gradient`` and ``.worst_approximation``.

    Raises
    ------
    ValueError
        If ``engine``, ``output`` or ``hidden_activation`` is unknown,
        ``epsilon`` is not a finite number > 0, ``l2`` is negative or not finite,
        an array is invalid (as :func:`fastnn.train` says for ``X``, ``Y``
        against ``output``, and ``parameters``, which must not mix float32 with
        other arrays), or the cost is not finite at ``parameters`` or at one of
        the shifted points (a saturated output, where differences say nothing).
    TypeError
        If ``engine``, ``output`` or ``hidden_activation`` is not a string, or as
        :func:`fastnn.train` for the arrays, ``epsilon`` and ``l2``.

    Notes
    -----
    With ReLU hidden units, a kink within ``epsilon`` of a pre-activation makes
    one difference straddle it, and the check can fail although the backward
    pass is right; at random parameters that is very unlikely. tanh, sigmoid
    and identity units are smooth.

    Examples
    --------
    >>> import fastnn
    >>> train_X, train_Y, _, _ = fastnn.load_dataset()
    >>> parameters = fastnn.initialize_parameters([2, 4, 1], "he", seed=0)
    >>> check = fastnn.gradient_check(train_X[:, :20], train_Y[:, :20], parameters)
    >>> check.passed                  # the relative difference is below 2e-7
    True
    >>> check.worst_parameter in parameters
    True
    """
    if not isinstance(engine, str):
        raise TypeError(f"engine must be one of {sorted(ENGINES)}, got {engine!r}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {sorted(ENGINES)}, got {engine!r}")
    epsilon = check_number(epsilon, "epsilon", positive=True)
    l2 = check_l2(l2)
    # The names, and float32 parameters unmixed; these are then cast up, exactly,
    # so that X and Y are checked and used in float64 too.
    model = check_model(output, hidden_activation, None, parameters)
    if model.dtype == np.float32:
        parameters = {key: value.astype(np.float64) for key, value in parameters.items()}
    _, X, Y, layers_dims, checked = check_network_data(
        X, Y, parameters, output=model.output, hidden_activation=model.hidden_activation
    )
    module = ENGINES[engine]
    options = dict(l2=l2, output=model.output, hidden_activation=model.hidden_activation)

    cost, grads = module.cost_and_gradients(X, Y, checked, **options)
    if not np.isfinite(cost):
        raise ValueError(
            f"the cost is {cost} at these parameters ({_INFINITE_COST[model.output]}):"
            " centred differences cannot check the gradients there"
        )
    names = [f"{kind}{l}" for l in range(1, len(layers_dims)) for kind in "Wb"]
    theta = pack(checked, layers_dims)
    gradient = np.concatenate([np.ravel(grads[f"d{name}"]) for name in names])
    approximation = np.empty_like(theta)
    for i in range(theta.size):
        value = theta[i]
        theta[i] = value + epsilon
        cost_plus = module.cost_and_gradients(X, Y, unpack(theta, layers_dims), **options)[0]
        theta[i] = value - epsilon
        cost_minus = module.cost_and_gradients(X, Y, unpack(theta, layers_dims), **options)[0]
        theta[i] = value
        approximation[i] = (cost_plus - cost_minus) / (2 * epsilon)
    if not np.isfinite(approximation).all():
        name, index = _locate(int(np.argmin(np.isfinite(approximation))), names, checked)
        raise ValueError(
            f"the cost is not finite when {name}{list(index)} is shifted by epsilon={epsilon!r}"
            f" ({_INFINITE_COST[model.output]}): centred differences cannot check the gradients there"
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
        output=model.output,
        hidden_activation=model.hidden_activation,
    )


def _locate(position: int, names: list[str], parameters: Mapping[str, np.ndarray]) -> tuple[str, tuple[int, ...]]:
    """The parameter and the (row, column) of entry ``position`` of the packed vector."""
    for name in names:
        size = parameters[name].size
        if position < size:
            return name, tuple(int(i) for i in np.unravel_index(position, parameters[name].shape))
        position -= size
    raise IndexError(position)  # pragma: no cover - position is always inside
