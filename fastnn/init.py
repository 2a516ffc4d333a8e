"""Weight initialisation schemes and their registry.

Every scheme is a function ``scheme(fan_out, fan_in, rng)`` returning the weight
matrix ``W_l`` of shape ``(fan_out, fan_in)`` = ``(n_l, n_{l-1})``: fan-in is
``W.shape[1]`` and fan-out ``W.shape[0]`` (PyTorch's convention). ``rng`` is a
:class:`numpy.random.RandomState` or a :class:`numpy.random.Generator`. Biases always
start at zero.

:func:`initialize_parameters` draws the matrices in layer order W1, W2, ... from one
random state. With an integer seed that is a legacy ``RandomState(seed)``, which
reproduces the study's streams exactly (the study seeds NumPy's global generator
with 3 and draws W1, W2, W3 with ``randn``). :func:`starting_point` is where both
engines get the network a training starts from: the default layer sizes and the
drawn (or, for a warm start, checked) parameters; :func:`resume_point`, where a
run continued with ``resume=`` starts: its parameters and training state.

A scheme can be named (a key of :data:`INITIALIZATIONS` or an alias) or passed
itself, as a callable. The built-in schemes pickle, so they travel to worker
processes (see :func:`fastnn.sweep`).

Most schemes are instances of :func:`variance_scaling`, the general form Keras and
JAX use: weights of variance ``scale / fan`` with ``fan`` the fan-in, the fan-out or
their average, drawn from a normal, a truncated normal or a uniform distribution.
"""
from __future__ import annotations

import difflib
import functools
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from fastnn._validate import (
    ModelOptions,
    RandomSource,
    Seed,
    TrainingOptions,
    TrainingProblem,
    TrainingState,
    as_dtype,
    check_dtype,
    check_layers_dims,
    check_learning_rate,
    check_model,
    check_number,
    check_options,
    check_parameters,
    check_positive_int,
    check_random_state,
    check_resumed_options,
    check_seed,
    check_targets,
    check_training_state,
    check_X_targets,
    infer_layers_dims,
)
from fastnn.result import TrainResult

__all__ = [
    "DEFAULT_HIDDEN",
    "INITIALIZATIONS",
    "Scheme",
    "Start",
    "calculate_gain",
    "default_layers_dims",
    "get_initialization",
    "he",
    "he_uniform",
    "initialize_parameters",
    "initialize_parameters_he",
    "initialize_parameters_random",
    "initialize_parameters_zeros",
    "lecun_normal",
    "lecun_uniform",
    "orthogonal",
    "resume_point",
    "random",
    "register_initialization",
    "scheme_name",
    "starting_layers",
    "starting_point",
    "variance_scaling",
    "xavier_normal",
    "xavier_uniform",
    "zeros",
]

STUDY_SEED = 3
# The study's hidden layers: a network [n_x, 10, 5, 1].
DEFAULT_HIDDEN = (10, 5)
Scheme = Callable[[int, int, RandomSource], np.ndarray]

# Standard deviation of a standard normal truncated to [-2, 2]: dividing by it gives
# a truncated normal the intended variance (the constant Keras and JAX use).
TRUNCATED_NORMAL_STD = 0.87962566103423978


def _normal(rng: RandomSource, shape: tuple[int, int]) -> np.ndarray:
    # randn for RandomState: exactly the study's stream.
    if isinstance(rng, np.random.Generator):
        return rng.standard_normal(shape)
    return rng.randn(*shape)


def _truncated_normal(rng: RandomSource, shape: tuple[int, int]) -> np.ndarray:
    # Standard normal draws outside [-2, 2] are redrawn until none is left.
    values = _normal(rng, shape)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = _normal(rng, (int(outside.sum()), 1))[:, 0]
        outside = np.abs(values) > 2
    return values


def zeros(fan_out: int, fan_in: int, rng: RandomSource) -> np.ndarray:
    """All weights zero: every unit of a layer computes the same function forever,
    so training never breaks the symmetry. Draws nothing from ``rng``."""
    return np.zeros((fan_out, fan_in))


def random(fan_out: int, fan_in: int, rng: RandomSource, scale: float = 10.0) -> np.ndarray:
    r"""Standard normal weights times a fixed ``scale`` (the study's "large random").

    .. math:: W \sim \mathcal{N}(0, \mathrm{scale}^2)

    With the default ``scale=10`` the output sigmoid saturates, which is why the
    study's cost starts at infinity.
    """
    return _normal(rng, (fan_out, fan_in)) * scale


def variance_scaling(
    scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal"
) -> Scheme:
    r"""The general scheme: weights of variance ``scale / fan``.

    .. math:: \mathrm{Var}(W) = \frac{\mathrm{scale}}{n}, \quad
              n \in \{\mathrm{fan\_in}, \mathrm{fan\_out},
              (\mathrm{fan\_in} + \mathrm{fan\_out}) / 2\}

    Also known as ``tf.keras.initializers.VarianceScaling`` and
    ``jax.nn.initializers.variance_scaling``.

    Parameters
    ----------
    scale : float, default=1.0
        Positive.
    mode : {"fan_in", "fan_out", "fan_avg"}, default="fan_in"
    distribution : {"truncated_normal", "normal", "uniform"}, default="truncated_normal"
        ``normal``: std ``sqrt(scale / n)``; ``truncated_normal``: a normal truncated
        at two standard deviations, its std divided by 0.87962566103423978 so that the
        variance is still ``scale / n``; ``uniform``: on ``[-a, a]`` with
        ``a = sqrt(3 scale / n)``.

    Returns
    -------
    callable
        A scheme ``(fan_out, fan_in, rng) -> W``, named after its options; pass it
        as ``initialization=`` or register it. It pickles (a
        :func:`functools.partial` of a module-level function), so process and
        cluster executors can carry it.

    Raises
    ------
    TypeError
        If ``scale`` is not a number.
    ValueError
        If ``scale`` is not finite and positive or ``mode``/``distribution`` is unknown.
    """
    scale = check_number(scale, "scale", positive=True)
    modes = ("fan_in", "fan_out", "fan_avg")
    distributions = ("truncated_normal", "normal", "uniform")
    if mode not in modes:
        raise ValueError(f"mode must be one of {list(modes)}, got {mode!r}")
    if distribution not in distributions:
        raise ValueError(f"distribution must be one of {list(distributions)}, got {distribution!r}")
    scheme = functools.partial(_variance_scaled, scale=scale, mode=mode, distribution=distribution)
    scheme.__name__ = f"variance_scaling(scale={scale}, mode={mode!r}, distribution={distribution!r})"
    return scheme


def _variance_scaled(
    fan_out: int, fan_in: int, rng: RandomSource, *, scale: float, mode: str, distribution: str
) -> np.ndarray:
    """The draw of :func:`variance_scaling` (module-level, so that schemes pickle)."""
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    shape = (fan_out, fan_in)
    if distribution == "normal":
        # Written as the study writes He: randn(...) * sqrt(2. / fan_in).
        return _normal(rng, shape) * np.sqrt(scale / fan)
    if distribution == "truncated_normal":
        return _truncated_normal(rng, shape) * (np.sqrt(scale / fan) / TRUNCATED_NORMAL_STD)
    limit = np.sqrt(3.0 * scale / fan)
    return rng.uniform(-limit, limit, size=shape)


def _named(function: Scheme, name: str, doc: str) -> Scheme:
    function.__name__ = name
    function.__doc__ = doc
    return function


he = _named(variance_scaling(2.0, "fan_in", "normal"), "he", r"""He initialisation, normal.

K. He, X. Zhang, S. Ren and J. Sun, "Delving Deep into Rectifiers: Surpassing
Human-Level Performance on ImageNet Classification", ICCV 2015.

.. math:: W \sim \mathcal{N}\left(0, \frac{2}{\mathrm{fan\_in}}\right)

Also known as Kaiming normal (``he_normal``, ``kaiming_normal``). Untruncated, so it
draws exactly the study's stream. The variance 2 / fan_in keeps the variance of the
pre-activations constant through ReLU layers, which halve it. (The study's text calls
a variance of 1 / fan_in "Xavier"; that is LeCun's, and Xavier/Glorot's is
2 / (fan_in + fan_out).)""")

he_uniform = _named(variance_scaling(2.0, "fan_in", "uniform"), "he_uniform", r"""He initialisation, uniform.

He et al., ICCV 2015 (see :func:`he`).

.. math:: W \sim \mathcal{U}(-a, a), \quad a = \sqrt{6 / \mathrm{fan\_in}}

Also known as Kaiming uniform (``kaiming_uniform``).""")

xavier_normal = _named(variance_scaling(1.0, "fan_avg", "normal"), "xavier_normal", r"""Xavier/Glorot initialisation, normal.

X. Glorot and Y. Bengio, "Understanding the difficulty of training deep feedforward
neural networks", AISTATS 2010.

.. math:: W \sim \mathcal{N}\left(0, \frac{2}{\mathrm{fan\_in} + \mathrm{fan\_out}}\right)

Also known as Glorot normal (``glorot_normal``). Made for tanh/sigmoid layers; with
ReLUs the variance shrinks layer after layer.""")

xavier_uniform = _named(variance_scaling(1.0, "fan_avg", "uniform"), "xavier_uniform", r"""Xavier/Glorot initialisation, uniform.

Glorot and Bengio, AISTATS 2010 (see :func:`xavier_normal`).

.. math:: W \sim \mathcal{U}(-a, a), \quad a = \sqrt{\frac{6}{\mathrm{fan\_in} + \mathrm{fan\_out}}}

Also known as Glorot uniform (``glorot_uniform``), Keras's default.""")

lecun_normal = _named(variance_scaling(1.0, "fan_in", "normal"), "lecun_normal", r"""LeCun initialisation, normal.

Y. LeCun, L. Bottou, G. Orr and K.-R. Müller, "Efficient BackProp", in Neural
Networks: Tricks of the Trade, 1998.

.. math:: W \sim \mathcal{N}\left(0, \frac{1}{\mathrm{fan\_in}}\right)

Half the variance of He's: with ReLUs the pre-activations shrink by about √2 per
layer.""")

lecun_uniform = _named(variance_scaling(1.0, "fan_in", "uniform"), "lecun_uniform", r"""LeCun initialisation, uniform.

LeCun et al., 1998 (see :func:`lecun_normal`).

.. math:: W \sim \mathcal{U}(-a, a), \quad a = \sqrt{3 / \mathrm{fan\_in}}""")


def orthogonal(fan_out: int, fan_in: int, rng: RandomSource) -> np.ndarray:
    r"""A (semi-)orthogonal matrix: the Q of the QR decomposition of a normal matrix,
    with the signs of R's diagonal folded in so that Q is uniformly distributed.

    A. M. Saxe, J. L. McClelland and S. Ganguli, "Exact solutions to the nonlinear
    dynamics of learning in deep linear neural networks", ICLR 2014.

    :math:`W^\top W = I` when fan_out >= fan_in, else :math:`W W^\top = I`; scale
    it with ``gain``. Also known as ``torch.nn.init.orthogonal_``.
    """
    rows, cols = fan_out, fan_in
    flat = _normal(rng, (max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    return q if rows >= cols else q.T


INITIALIZATIONS: dict[str, Scheme] = {
    "zeros": zeros,
    "random": random,
    "he": he,
    "he_uniform": he_uniform,
    "xavier_normal": xavier_normal,
    "xavier_uniform": xavier_uniform,
    "lecun_normal": lecun_normal,
    "lecun_uniform": lecun_uniform,
    "orthogonal": orthogonal,
}

ALIASES = {
    "he_normal": "he",
    "kaiming_normal": "he",
    "kaiming_uniform": "he_uniform",
    "glorot_normal": "xavier_normal",
    "glorot_uniform": "xavier_uniform",
}

GAINS = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0)}


def calculate_gain(nonlinearity: str) -> float:
    """The recommended ``gain`` for a nonlinearity, as ``torch.nn.init.calculate_gain``:
    1 for linear and sigmoid, 5/3 for tanh, √2 for relu.

    Raises
    ------
    ValueError
        For any other name.
    """
    try:
        return GAINS[nonlinearity]
    except (KeyError, TypeError):
        raise ValueError(f"nonlinearity must be one of {sorted(GAINS)}, got {nonlinearity!r}") from None


def register_initialization(name: str, scheme: Scheme) -> None:
    """Make ``scheme(fan_out, fan_in, rng) -> W`` available under ``name`` in this
    process: ``initialization=name`` then works in :func:`fastnn.train`,
    :func:`initialize_parameters`, :func:`fastnn.diagnose` and :func:`fastnn.sweep`.

    The registry lives in the process that registers. :func:`fastnn.sweep` looks each
    name up before it starts and sends the scheme itself to its workers, so a
    registered scheme works on process and cluster executors too, provided it
    pickles: define it at module level, in a module the workers can import (a lambda
    or a function defined inside another function does not pickle). The command
    line's ``--init`` runs in a fresh process and knows only the built-in names.

    Raises
    ------
    ValueError
        If ``name`` is taken (a scheme or an alias).
    TypeError
        If ``name`` is not a string or ``scheme`` is not callable.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    if not callable(scheme):
        raise TypeError(f"scheme must be callable as scheme(fan_out, fan_in, rng), got {scheme!r}")
    if name in INITIALIZATIONS or name in ALIASES:
        raise ValueError(f"initialization {name!r} is already registered")
    INITIALIZATIONS[name] = scheme


def get_initialization(initialization: str | Scheme) -> Scheme:
    """The scheme named ``initialization`` (a registered name or an alias), or
    ``initialization`` itself if it is a callable scheme.

    Raises
    ------
    ValueError
        For an unknown name: the message lists the known names and suggests the
        closest.
    TypeError
        If ``initialization`` is neither a string nor callable.
    """
    if callable(initialization) and not isinstance(initialization, str):
        return initialization
    if not isinstance(initialization, str):
        raise TypeError(
            "initialization must be a scheme's name (str) or a callable"
            f" scheme(fan_out, fan_in, rng), got {type(initialization).__name__}"
        )
    key = ALIASES.get(initialization, initialization)
    if key not in INITIALIZATIONS:
        names = sorted({*INITIALIZATIONS, *ALIASES})
        close = difflib.get_close_matches(initialization, names, n=1)
        suggestion = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"initialization must be one of {names}, got {initialization!r}{suggestion}")
    return INITIALIZATIONS[key]


def scheme_name(initialization: str | Scheme) -> str:
    """How a result records ``initialization``: a name as given, a callable by its
    ``__name__`` (its ``repr`` if it has none)."""
    if isinstance(initialization, str):
        return initialization
    return getattr(initialization, "__name__", None) or repr(initialization)


def initialize_parameters(
    layers_dims: Sequence[int],
    initialization: str | Scheme = "he",
    seed: Seed = STUDY_SEED,
    *,
    gain: float = 1.0,
) -> dict[str, np.ndarray]:
    """Initial parameters of a fully connected network.

    Parameters
    ----------
    layers_dims : sequence of int
        Layer sizes ``[n_x, n_1, ..., n_L]``, at least two, all positive.
    initialization : str or callable, default="he"
        A name in :data:`INITIALIZATIONS` or an alias (``he_normal``,
        ``kaiming_normal``, ``kaiming_uniform``, ``glorot_normal``, ``glorot_uniform``),
        or a scheme ``(fan_out, fan_in, rng) -> W`` itself, e.g. one made by
        :func:`variance_scaling`.
    seed : int, Generator or RandomState, default=3
        An int in [0, 2**32) seeds a legacy ``RandomState`` (the study's streams; 3
        is the study's seed); a ``Generator`` or ``RandomState`` is drawn from
        directly.
    gain : float, default=1.0
        Multiplies every weight matrix (see :func:`calculate_gain`).

    Returns
    -------
    dict of str to ndarray
        ``"W1"`` of shape ``(n_1, n_x)``, ``"b1"`` of shape ``(n_1, 1)``, ... up to
        ``"WL"``, ``"bL"``; all float64 and C-contiguous, biases zero.

    Raises
    ------
    ValueError
        If ``initialization`` is not a known scheme or returns a wrong shape or
        NaN/inf, ``layers_dims`` is not a list of at least two positive integers,
        ``gain`` is not finite, or an int ``seed`` is outside [0, 2**32).
    TypeError
        If ``initialization`` is neither a string nor callable, ``gain`` is not a
        number, or ``seed`` is of the wrong type.
    """
    scheme = get_initialization(initialization)
    dims = check_layers_dims(layers_dims)
    gain = check_number(gain, "gain")
    rng = check_random_state(seed)
    name = scheme_name(initialization)
    parameters = {}
    for l in range(1, len(dims)):
        W = np.asarray(scheme(dims[l], dims[l - 1], rng), dtype=np.float64)
        if W.shape != (dims[l], dims[l - 1]):
            raise ValueError(
                f"initialization {name!r} returned shape {W.shape} for W{l},"
                f" expected {(dims[l], dims[l - 1])}"
            )
        if not np.isfinite(W).all():
            raise ValueError(f"initialization {name!r} produced NaN or inf in W{l}")
        if gain != 1.0:
            with np.errstate(over="ignore"):
                W = W * gain
            if not np.isfinite(W).all():
                raise ValueError(f"gain={gain!r} scales W{l} of initialization {name!r} beyond float64's range")
        parameters[f"W{l}"] = np.ascontiguousarray(W)
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


def default_layers_dims(n_x: int) -> list[int]:
    """The study's network for ``n_x`` inputs: ``[n_x, *DEFAULT_HIDDEN, 1]``."""
    return [n_x, *DEFAULT_HIDDEN, 1]


@dataclass(frozen=True)
class Start:
    """Where a training run starts (see :func:`starting_point` and :func:`resume_point`)."""

    layers_dims: list[int]
    parameters: dict[str, np.ndarray]
    initialization: str | None   # the scheme's name; None for a warm start
    state: TrainingState | None = None   # the run resumed; None for a fresh start


def starting_layers(
    X: np.ndarray,
    layers_dims: Sequence[int] | None,
    parameters: Mapping[str, Any] | None,
    *,
    outputs: int | None = 1,
) -> list[int]:
    """The layer sizes a fresh run trains: ``layers_dims``, else the shapes of
    ``parameters`` (a warm start), else the study's ``[n_x, 10, 5, 1]``; checked
    against the checked ``X`` and, unless None, a number of ``outputs`` units
    (see :func:`fastnn._validate.check_layers_dims`). Draws nothing.

    Raises
    ------
    ValueError, TypeError
        As :func:`fastnn._validate.check_layers_dims` and
        :func:`fastnn._validate.infer_layers_dims`.
    """
    n_x, m = X.shape
    if layers_dims is None:
        layers_dims = default_layers_dims(n_x) if parameters is None else infer_layers_dims(parameters)
    return check_layers_dims(layers_dims, n_x=n_x, m=m, outputs=outputs)


def starting_point(
    X: np.ndarray,
    layers_dims: Sequence[int] | None,
    initialization: str | Scheme,
    seed: Seed,
    parameters: Mapping[str, Any] | None,
    *,
    gain: float = 1.0,
    outputs: int | None = 1,
    dtype: Any = np.float64,
) -> Start:
    """The network a training run starts from, shared by both engines' ``train``.

    Without ``parameters``, ``layers_dims`` defaults to the study's
    ``[n_x, 10, 5, 1]`` and the parameters are drawn by
    :func:`initialize_parameters`, in float64, then converted to ``dtype``: a
    float32 run starts from the float64 run's starting point, rounded. With
    ``parameters`` (a warm start), they are checked and copied, ``layers_dims``
    defaults to their shapes, and ``initialization`` is ignored (recorded as None).

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
        The checked inputs (see :func:`fastnn._validate.check_X`).
    layers_dims, initialization, seed, parameters, gain
        As for :func:`fastnn.train`.
    outputs : int or None, default=1
        The output units the network must have (see :func:`starting_layers`);
        training passes None and checks them against ``Y``.
    dtype : float64 or float32, default=float64
        The parameters' dtype, checked (see
        :func:`fastnn._validate.check_model`, which resolves ``dtype=None``).

    Returns
    -------
    Start
        ``layers_dims``, C-contiguous ``parameters`` in ``dtype`` that the
        caller may modify, and the name of ``initialization`` (None for a warm
        start).

    Raises
    ------
    ValueError
        As :func:`initialize_parameters`; if ``layers_dims`` or ``parameters`` do
        not fit ``X``; if ``gain`` is not 1 for a warm start, which draws nothing
        for it to scale; or if drawn weights overflow float32.
    TypeError
        As :func:`initialize_parameters`.
    """
    gain = check_number(gain, "gain")
    dtype = check_dtype(dtype)
    if parameters is None:
        dims = starting_layers(X, layers_dims, None, outputs=outputs)
        drawn = initialize_parameters(dims, initialization, seed, gain=gain)
        drawn = {key: as_dtype(value, dtype, f"the initial {key}") for key, value in drawn.items()}
        return Start(dims, drawn, scheme_name(initialization))
    if gain != 1.0:
        raise ValueError(
            f"gain scales drawn initial weights, and a warm start (parameters=...) draws"
            f" none; got gain={gain!r}: scale the parameters before passing them"
        )
    dims = starting_layers(X, layers_dims, parameters, outputs=outputs)
    return Start(dims, check_parameters(parameters, dims, dtype=dtype), None)


def resume_point(
    resume: Any,
    X: np.ndarray,
    layers_dims: Sequence[int] | None,
    parameters: Mapping[str, Any] | None,
    *,
    gain: float,
    learning_rate: float,
    num_iterations: int,
    options: TrainingOptions,
    output: str = "sigmoid",
    hidden_activation: str = "relu",
    dtype: Any = None,
) -> Start:
    """Where a run continued with ``train(..., resume=result)`` starts: the
    result's network, parameters and training state, checked against the call.

    Parameters
    ----------
    resume : TrainResult
        The run to continue, with its ``state``.
    X : ndarray of shape (n_x, m)
        The checked inputs.
    layers_dims, parameters, gain
        As for :func:`fastnn.train`: ``layers_dims`` may be left out or must be
        the result's, ``parameters`` must be left out, ``gain`` must stay 1.
    learning_rate, num_iterations, options
        The call's checked learning rate, additional epochs and options
        (:func:`fastnn._validate.check_options`), which must equal those the
        result was trained with (:func:`fastnn._validate.check_resumed_options`).
    output, hidden_activation, dtype
        The call's model options (names checked by
        :func:`fastnn._validate.check_model`), which must equal the result's
        ``output``, ``hidden_activation`` and ``dtype``; ``dtype=None`` takes the
        result's.

    Returns
    -------
    Start
        The result's ``layers_dims``, copies of its parameters and a checked copy
        of its state in its dtype, and its ``initialization``.

    Raises
    ------
    TypeError
        If ``resume`` is not a TrainResult, or its state is malformed (see
        :func:`fastnn._validate.check_training_state`).
    ValueError
        If ``parameters`` are given too; the result has no state; ``gain`` is not
        1; its network does not fit ``X`` or differs from ``layers_dims``; its
        parameters or state are malformed; an option, the learning rate, the
        output layer, the hidden activation or the dtype differs from the
        result's; its own ``output`` or ``hidden_activation`` is unknown; or the
        epochs would count past what the shuffling seeds
        (``shuffle_seed + epoch + 1 < 2**32``) or a Py_ssize_t can hold.
    """
    if not isinstance(resume, TrainResult):
        raise TypeError(
            "resume must be a TrainResult (from fastnn.train, fastnn.reference.train or"
            f" fastnn.load), got {type(resume).__name__}"
        )
    if parameters is not None:
        raise ValueError(
            "pass parameters (a fresh start from those weights) or resume (continuing a"
            " run with its optimiser state), not both"
        )
    if resume.state is None:
        raise ValueError(
            "resume: the result has no training state (a model saved by an older fastnn,"
            " in format version 1 or 2); start afresh from its weights with"
            " parameters=result.parameters"
        )
    if check_number(gain, "gain") != 1.0:
        raise ValueError(
            f"gain scales drawn initial weights, and resume draws none; got gain={gain!r}"
        )
    n_x, m = X.shape
    try:
        dims = check_layers_dims(resume.layers_dims, n_x=n_x, m=m, outputs=None)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"resume: the result's network does not fit X of shape {X.shape}: {exc}") from None
    if layers_dims is not None and check_layers_dims(layers_dims) != dims:
        raise ValueError(
            f"resume: layers_dims={list(layers_dims)} but the result's network is {dims};"
            " leave layers_dims out or pass the same"
        )
    try:
        trained = check_model(
            resume.output, resume.hidden_activation, None, resume.parameters, name="resume.parameters"
        )
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"resume: {exc}") from None
    start = check_parameters(resume.parameters, dims, "resume.parameters", trained.dtype)
    state = check_training_state(resume.state, dims, "resume.state", trained.dtype)
    if state.epochs < len(resume.costs):
        raise ValueError(
            f"resume.state.epochs must count at least the {len(resume.costs)} iterations of"
            f" the result's costs, got {state.epochs}"
        )
    # dtype=None continues in the result's dtype; any other must be the same.
    asked = ModelOptions(output, hidden_activation, trained.dtype if dtype is None else check_dtype(dtype))
    check_resumed_options(
        options, learning_rate, state.options, check_learning_rate(resume.learning_rate), asked, trained
    )
    total = state.epochs + num_iterations
    if total > np.iinfo(np.intp).max:
        raise ValueError(
            f"resume: {state.epochs} epochs trained and num_iterations={num_iterations} more"
            " count past the largest epoch number this platform's kernel takes"
        )
    try:
        check_options(total, **vars(options))
    except ValueError as exc:
        raise ValueError(
            f"resume: {exc} (with the {state.epochs} epochs already trained counted in num_iterations)"
        ) from None
    return Start(dims, start, resume.initialization, state)



def prepare_training(
    X: Any,
    Y: Any,
    layers_dims: Sequence[int] | None,
    initialization: str | Scheme,
    learning_rate: Any,
    num_iterations: Any,
    seed: Any,
    parameters: Mapping[str, Any] | None,
    resume: Any,
    gain: Any,
    *,
    output: Any = "sigmoid",
    hidden_activation: Any = "relu",
    dtype: Any = None,
    **options: Any,
) -> tuple[TrainingProblem, TrainingOptions, Start]:
    """Everything both engines' ``train`` check and prepare before training, in one
    place: the model (:func:`fastnn._validate.check_model`: output layer, hidden
    activation, dtype), the data and numbers, the course's options
    (:func:`fastnn._validate.check_options`), the network - its layers
    (:func:`starting_layers`) or the result to continue (:func:`resume_point`) -
    then ``Y`` against its output layer (:func:`fastnn._validate.check_targets`),
    and last where the run starts: drawn or given parameters
    (:func:`starting_point`). Nothing is drawn before every check passed.

    ``dtype=None`` is float64, or the dtype of ``parameters`` or of the resumed
    result's parameters.

    Returns
    -------
    problem, options, start : TrainingProblem, TrainingOptions, Start
        ``problem.model`` holds the checked output layer, hidden activation and
        dtype; ``problem.X``, ``problem.Y`` (of shape (K, m), K =
        ``start.layers_dims[-1]``) and ``start``'s arrays are in that dtype.
    """
    # With resume, only the names and the dtype itself are checked here; resume_point
    # compares them with the result's, and its dtype is taken below.
    model = check_model(output, hidden_activation, dtype, parameters if resume is None else None)
    X, targets = check_X_targets(X, Y, output=model.output)
    learning_rate = check_learning_rate(learning_rate)
    num_iterations = check_positive_int(num_iterations, "num_iterations")
    seed = check_seed(seed)
    gain = check_number(gain, "gain")
    checked = check_options(num_iterations, **options)
    if resume is None:
        dims = starting_layers(X, layers_dims, parameters, outputs=None)
    else:
        start = resume_point(
            resume, X, layers_dims, parameters, gain=gain, learning_rate=learning_rate,
            num_iterations=num_iterations, options=checked, output=model.output,
            hidden_activation=model.hidden_activation, dtype=dtype,
        )
        dims = start.layers_dims
        model = check_model(model.output, model.hidden_activation, None, start.parameters)
    Y = check_targets(targets, X.shape[1], dims[-1], model.output, model.dtype)
    X = as_dtype(X, model.dtype, "X")
    if resume is None:
        start = starting_point(
            X, dims, initialization, seed, parameters, gain=gain, outputs=None, dtype=model.dtype
        )
    problem = TrainingProblem(X, Y, learning_rate, num_iterations, seed, gain, model)
    return problem, checked, start


def initialize_parameters_zeros(layers_dims: Sequence[int]) -> dict[str, np.ndarray]:
    """The study's ``initialize_parameters_zeros``: all parameters zero."""
    return initialize_parameters(layers_dims, "zeros")


def initialize_parameters_random(layers_dims: Sequence[int]) -> dict[str, np.ndarray]:
    """The study's ``initialize_parameters_random``: ``randn * 10`` with seed 3."""
    return initialize_parameters(layers_dims, "random")


def initialize_parameters_he(layers_dims: Sequence[int]) -> dict[str, np.ndarray]:
    """The study's ``initialize_parameters_he``: ``randn * sqrt(2 / fan_in)``, seed 3."""
    return initialize_parameters(layers_dims, "he")
