"""The course's regularisation study and drop-ins for its functions.

The course's notebook "Regularization" trains a [n_x, 20, 3, 1] network by
full-batch gradient descent, without regularisation, with L2 (``lambd``) and with
inverted dropout (``keep_prob``). The functions here keep its names, arguments and
printed output, so a notebook switches to fastnn with one import; :func:`model`
trains on the compiled engine. The forward and backward rules are
:mod:`fastnn.reference`'s, so the course's functions and fastnn's training compute
the same thing.

:func:`run_regularization` runs the notebook's three trainings on
:func:`fastnn.load_regularization_data` (the command ``fastnn regularization``).

Dropout is the one place where fastnn cannot give the course's numbers: fastnn's
masks come from a counter-based generator (:func:`fastnn.reference.dropout_mask`),
not from ``np.random.rand``, so that the compiled kernel can draw the same masks
on any number of threads.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from fastnn import engine, reference
from fastnn._validate import RandomSource, check_model, check_network, check_number, check_X, check_X_Y, check_Y
from fastnn.data import load_regularization_data
from fastnn.init import initialize_parameters as _initialize_parameters
from fastnn.result import TrainResult
from fastnn.study import accuracy, predict

__all__ = [
    "model",
    "initialize_parameters",
    "course_normal",
    "forward_propagation",
    "compute_cost_with_regularization",
    "backward_propagation_with_regularization",
    "forward_propagation_with_dropout",
    "backward_propagation_with_dropout",
    "predict",
    "run_regularization",
    "uses_the_oracle",
    "RegularizationRow",
    "format_table",
    "HIDDEN",
    "STUDY_RUNS",
]

# The study's hidden layers: a network [n_x, 20, 3, 1].
HIDDEN = (20, 3)
INIT_SEED = 3
# The course's forward_propagation_with_dropout calls np.random.seed(1) before
# drawing its masks; fastnn keys its masks by the same seed.
DROPOUT_SEED = 1
# The notebook's model(): learning rate 0.3, 30000 iterations; its lambd = 0.7 and
# keep_prob = 0.86.
STUDY_LEARNING_RATE = 0.3
STUDY_ITERATIONS = 30000
STUDY_LAMBD = 0.7
STUDY_KEEP_PROB = 0.86
# The study's runs, in order.
STUDY_RUNS = ("none", "l2", "dropout")


def course_normal(fan_out: int, fan_in: int, rng: RandomSource) -> np.ndarray:
    r"""LeCun normal initialisation, written as the course's regularisation notebook
    writes it: ``randn(fan_out, fan_in) / sqrt(fan_in)``.

    .. math:: W \sim \mathcal{N}\left(0, \frac{1}{\mathrm{fan\_in}}\right)

    The distribution of ``"lecun_normal"`` (:func:`fastnn.init.variance_scaling`
    with scale 1, normal), whose ``randn * sqrt(1 / fan_in)`` differs from this
    division in the last bit of some weights; dividing gives the course's arrays
    bit for bit. Fan-in is ``W.shape[1]``.
    """
    if isinstance(rng, np.random.Generator):
        return rng.standard_normal((fan_out, fan_in)) / np.sqrt(fan_in)
    return rng.randn(fan_out, fan_in) / np.sqrt(fan_in)


def initialize_parameters(layer_dims: Sequence[int]) -> dict[str, np.ndarray]:
    """The course's ``initialize_parameters`` (regularisation notebook):
    ``np.random.randn(n_l, n_{l-1}) / np.sqrt(n_{l-1})`` after ``np.random.seed(3)``,
    biases zero (:func:`course_normal`; drawn from a local ``RandomState(3)``, the
    same stream, without touching NumPy's global generator)."""
    return _initialize_parameters(layer_dims, course_normal, INIT_SEED)


def model(
    X: Any,
    Y: Any,
    learning_rate: float = 0.3,
    num_iterations: int = 30000,
    print_cost: bool = True,
    lambd: float = 0,
    keep_prob: float = 1,
) -> dict[str, np.ndarray]:
    """The course's ``model``: a [n_x, 20, 3, 1] network trained by full-batch
    gradient descent, with L2 regularisation or dropout.

    Initialised as the course's (:func:`initialize_parameters`, seed 3). Prints
    ``Cost after iteration i: c`` every 10000 iterations, as the course's does,
    once training has finished; it draws no plot. Runs on the compiled engine,
    dropout included.

    Parameters
    ----------
    X : array_like of shape (n_x, m)
    Y : array_like of shape (1, m)
        Labels, 0 or 1.
    learning_rate : float, default=0.3
    num_iterations : int, default=30000
    print_cost : bool, default=True
    lambd : float, default=0
        L2 regularisation strength, >= 0: the cost is the course's
        :func:`compute_cost_with_regularization` and each ``dW`` gains
        ``(lambd / m) W``.
    keep_prob : float, default=1
        Inverted dropout's probability of keeping a hidden unit, in (0, 1]. The
        masks are fastnn's (:func:`fastnn.reference.dropout_mask`, keyed by seed 1
        and the iteration), not the course's ``np.random.rand`` draws, so costs
        and accuracies differ from the course's printed ones. (The course's
        re-seeds with 1 at every iteration, so it drops the same units every
        iteration; fastnn draws new masks each iteration.)

    Unlike the course's, ``lambd`` and ``keep_prob`` may be used together.

    Returns
    -------
    dict of str to ndarray
        The trained parameters ``{"W1", "b1", "W2", "b2", "W3", "b3"}``.

    Raises
    ------
    ValueError, TypeError
        As :func:`fastnn.train` (``lambd`` is its ``l2``).
    """
    n_x = check_X(X).shape[0]
    result = engine.train(
        X, Y, layers_dims=[n_x, *HIDDEN, 1], initialization=course_normal,
        learning_rate=learning_rate, num_iterations=num_iterations, seed=INIT_SEED,
        l2=lambd, keep_prob=keep_prob, shuffle_seed=DROPOUT_SEED,
    )
    if print_cost:
        for i in range(0, result.num_iterations, 10000):
            print("Cost after iteration {}: {}".format(i, result.costs[i]))
    return result.parameters


def compute_cost_with_regularization(
    A3: Any, Y: Any, parameters: Mapping[str, Any], lambd: float
) -> float:
    r"""The course's ``compute_cost_with_regularization``, for a network of any depth:

    .. math:: J = -\frac{1}{m} \sum_i \left(y_i \log a_i + (1 - y_i) \log(1 - a_i)\right)
              + \frac{1}{m} \frac{\lambda}{2} \sum_l \lVert W_l \rVert_F^2

    (:func:`fastnn.reference.compute_cost` and :func:`fastnn.reference.l2_penalty`).

    Parameters
    ----------
    A3 : array_like of shape (1, m)
        The output layer's activations.
    Y : array_like of shape (1, m)
        Labels, 0 or 1.
    parameters : dict
        ``{"W1": ..., "b1": ..., ...}``; the biases are not penalised.
    lambd : float
        >= 0.

    Returns
    -------
    float
    """
    A3 = np.asarray(A3, dtype=np.float64).reshape(1, -1)
    Y = check_Y(Y, A3.shape[1])
    m = Y.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):     # a saturated output: inf, as the course's
        cross_entropy_cost = reference.compute_cost(A3, Y)
    return cross_entropy_cost + 1.0 / m * reference.l2_penalty(parameters, lambd)


def _forward(X: Any, parameters: Mapping[str, Any], keep_prob: float | None) -> tuple[np.ndarray, tuple]:
    """The output and the course's cache, with dropout when ``keep_prob`` is given."""
    X = check_X(X)
    layers_dims, parameters = check_network(parameters, X)
    L = len(layers_dims) - 1
    examples = np.arange(X.shape[1])
    cache: list[np.ndarray] = []
    A = X
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = np.dot(W, A) + b
        if l == L:
            A = reference.sigmoid(Z)
            cache += [Z, A, W, b]
        elif keep_prob is None:
            A = reference.relu(Z)
            cache += [Z, A, W, b]
        else:
            D = reference.dropout_mask(DROPOUT_SEED, 0, 0, l, layers_dims[l], examples, keep_prob)
            A = reference.dropout(reference.relu(Z), D, keep_prob)
            cache += [Z, D.astype(np.int64), A, W, b]   # the course's masks are ints
    return A, tuple(cache)


def forward_propagation(X: Any, parameters: Mapping[str, Any]) -> tuple[np.ndarray, tuple]:
    """The course's ``forward_propagation`` (LINEAR -> RELU -> ... -> LINEAR -> SIGMOID),
    for a network of any depth.

    Returns
    -------
    A3 : ndarray of shape (1, m)
        The output.
    cache : tuple
        ``(Z1, A1, W1, b1, Z2, A2, W2, b2, ..., ZL, AL, WL, bL)``, the course's
        layout, for :func:`backward_propagation_with_regularization`.
    """
    return _forward(X, parameters, None)


def forward_propagation_with_dropout(
    X: Any, parameters: Mapping[str, Any], keep_prob: float = 0.5
) -> tuple[np.ndarray, tuple]:
    """The course's ``forward_propagation_with_dropout``: inverted dropout on every
    hidden layer, ``A = relu(Z) * D / keep_prob``.

    The masks ``D`` are fastnn's, not the course's: :func:`fastnn.reference.dropout_mask`
    keyed by seed 1, epoch 0, step 0, the layer, unit and example, i.e. the masks
    :func:`model` uses at its first iteration. Like the course's (which calls
    ``np.random.seed(1)`` first) every call draws the same masks, but they are not
    the course's ``np.random.rand(...) < keep_prob`` draws, so the numbers the
    course prints for this function cannot be reproduced.

    Returns
    -------
    A3 : ndarray of shape (1, m)
    cache : tuple
        ``(Z1, D1, A1, W1, b1, ..., Z_{L-1}, D_{L-1}, A_{L-1}, W_{L-1}, b_{L-1},
        ZL, AL, WL, bL)``, the course's layout (masks as int arrays of 0 and 1), for
        :func:`backward_propagation_with_dropout`.

    Raises
    ------
    ValueError, TypeError
        For invalid ``X`` or ``parameters`` (as :func:`fastnn.train`), or a
        ``keep_prob`` outside (0, 1].
    """
    keep_prob = check_number(keep_prob, "keep_prob")
    if not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob!r}")
    return _forward(X, parameters, keep_prob)


def _unpack_cache(X: Any, Y: Any, cache: Sequence[Any], hidden_width: int) -> tuple[np.ndarray, list, dict, dict]:
    """Y as (1, m), the activations ``[X, A1, ..., AL]``, the parameters and the
    masks, from the course's cache: ``hidden_width`` entries per hidden layer (4:
    Z, A, W, b; 5: Z, D, A, W, b), then ZL, AL, WL, bL."""
    n = len(cache)
    if n < 4 or (n - 4) % hidden_width:
        layout = "(Z1, A1, W1, b1, ..., ZL, AL, WL, bL)" if hidden_width == 4 else \
            "(Z1, D1, A1, W1, b1, ..., ZL, AL, WL, bL)"
        raise ValueError(f"cache must be the course's tuple {layout}, got {n} entries")
    X, Y = check_X_Y(X, Y)
    L = (n - 4) // hidden_width + 1
    activations, parameters, masks = [X], {}, {}
    for l in range(1, L + 1):
        group = cache[(l - 1) * hidden_width:] if l < L else cache[n - 4:]
        if l < L and hidden_width == 5:
            Z, D, A, W, b = group[:5]
            masks[l] = np.asarray(D)
        else:
            Z, A, W, b = group[:4]
        activations.append(np.asarray(A, dtype=np.float64))
        parameters[f"W{l}"], parameters[f"b{l}"] = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return Y, activations, parameters, masks


def _parameter_gradients(grads: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {key: value for key, value in grads.items() if key[:2] in ("dW", "db")}


def backward_propagation_with_regularization(
    X: Any, Y: Any, cache: Sequence[Any], lambd: float
) -> dict[str, np.ndarray]:
    """The course's ``backward_propagation_with_regularization``: the gradients of
    :func:`compute_cost_with_regularization`, each ``dW`` gaining ``(lambd / m) W``
    (:func:`fastnn.reference.backward`).

    Parameters
    ----------
    X : array_like of shape (n_x, m)
    Y : array_like of shape (1, m)
    cache : tuple
        From :func:`forward_propagation` (or the course's own):
        ``(Z1, A1, W1, b1, ..., ZL, AL, WL, bL)``.
    lambd : float

    Returns
    -------
    dict
        ``{"dW1", "db1", ..., "dWL", "dbL"}``. Unlike the course's, not the
        intermediate ``dZ`` and ``dA``: fastnn folds the 1/m into ``dZL`` (the
        course applies it to each ``dW``), so its intermediates are the course's
        divided by m and would mislead.
    """
    Y, activations, parameters, _ = _unpack_cache(X, Y, cache, 4)
    return _parameter_gradients(reference.backward(Y, activations, parameters, l2=lambd))


def backward_propagation_with_dropout(
    X: Any, Y: Any, cache: Sequence[Any], keep_prob: float
) -> dict[str, np.ndarray]:
    """The course's ``backward_propagation_with_dropout``: each hidden layer's
    ``dA`` takes the forward pass's mask and scale, ``dA * D / keep_prob``
    (:func:`fastnn.reference.backward`).

    Parameters
    ----------
    X : array_like of shape (n_x, m)
    Y : array_like of shape (1, m)
    cache : tuple
        From :func:`forward_propagation_with_dropout` (or the course's own, whose
        masks then are the course's): ``(Z1, D1, A1, W1, b1, ..., ZL, AL, WL, bL)``.
    keep_prob : float

    Returns
    -------
    dict
        ``{"dW1", "db1", ..., "dWL", "dbL"}``; not the intermediate ``dZ`` and
        ``dA`` (see :func:`backward_propagation_with_regularization`).
    """
    keep_prob = check_number(keep_prob, "keep_prob")
    if not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob!r}")
    Y, activations, parameters, masks = _unpack_cache(X, Y, cache, 5)
    return _parameter_gradients(reference.backward(Y, activations, parameters, masks, keep_prob))


@dataclass(frozen=True)
class RegularizationRow:
    """One run of :func:`run_regularization`."""

    run: str
    """``"none"``, ``"l2"`` or ``"dropout"``."""
    label: str
    """The run as the table names it, e.g. ``"L2 lambd=0.7"``."""
    result: TrainResult
    train_accuracy: float
    test_accuracy: float


def uses_the_oracle(run: str, hidden_activation: str) -> bool:
    """Whether :func:`run_regularization` trains ``run`` on the NumPy oracle: the
    dropout run with hidden units other than ReLU, which the compiled engine's
    dropout does not take (its derivative relies on ReLU's)."""
    return run == "dropout" and hidden_activation != "relu"


def run_regularization(
    runs: Sequence[str] = STUDY_RUNS,
    *,
    num_iterations: int = STUDY_ITERATIONS,
    lambd: float = STUDY_LAMBD,
    keep_prob: float = STUDY_KEEP_PROB,
    print_cost: bool = False,
    on_row: Callable[[RegularizationRow], None] | None = None,
    hidden_activation: str = "relu",
    dtype: Any = None,
) -> list[RegularizationRow]:
    """The regularisation notebook's study on the compiled engine: :func:`model`'s
    training without regularisation, with L2 and with dropout, on
    :func:`fastnn.load_regularization_data`.

    Each run trains the [2, 20, 3, 1] network from the notebook's initialisation
    (:func:`course_normal`, seed 3) by full-batch gradient descent at learning
    rate 0.3; dropout's masks are keyed by seed 1 (see :func:`model`).

    With the defaults (30000 iterations, ``lambd=0.7``, ``keep_prob=0.86``) the
    study gives (the same on the baseline and x86-64-v3 kernel builds and on
    the NumPy oracle, :func:`fastnn.reference.train`):

    ========  =========  ========  ==========
    run       train acc  test acc  gap
    ========  =========  ========  ==========
    none      0.965      0.869     9.6 points
    l2        0.930      0.901     2.9 points
    dropout   0.945      0.904     4.1 points
    ========  =========  ========  ==========

    Unregularised, the network bends its boundary round the training set's noisy
    points and loses on the test set; both regularisers give up some training
    accuracy for test accuracy. How much dropout gains depends on the draw: of
    the five pairs of data seeds tried, on one it barely narrowed the gap; L2
    narrowed it on all five. The unregularised run is the fragile one: on
    other draws the kernel builds' last-bit differences sent it to different
    ends (a cost of 0.080 or 0.090 on seeds 1 and 2); on this draw they agree.

    Parameters
    ----------
    runs : sequence of {"none", "l2", "dropout"}, default=all three
    num_iterations : int, default=30000
    lambd : float, default=0.7
        The L2 run's strength (:func:`fastnn.train`'s ``l2``).
    keep_prob : float, default=0.86
        The dropout run's probability of keeping a hidden unit.
    print_cost : bool, default=False
        After each run, print ``Cost after iteration i: c`` every 10000
        iterations, as :func:`model` does.
    on_row : callable, optional
        Called with each row as soon as it is finished.
    hidden_activation : {"relu", "tanh", "sigmoid", "identity"}, default="relu"
        The hidden layers' activation (the notebook's ReLU by default); the
        output stays its sigmoid unit. The compiled engine's dropout needs ReLU
        units (see :func:`uses_the_oracle`), so with any other the dropout run
        trains on the NumPy oracle, :func:`fastnn.reference.train`, which
        computes the same run (to the rounding of its sums) more slowly - about
        10 s for 30000 iterations - and its label ends "(reference engine)".
    dtype : {float64, float32} or None, default=None
        As for :func:`fastnn.train` (None is float64).

    Returns
    -------
    list of RegularizationRow

    Raises
    ------
    ValueError, TypeError
        For an unknown run, or options :func:`fastnn.train` refuses; the runs,
        ``hidden_activation`` and ``dtype`` are checked before any run.
    """
    options = {"none": {}, "l2": {"l2": lambd}, "dropout": {"keep_prob": keep_prob}}
    labels = {"none": "none", "l2": f"L2 lambd={lambd:g}", "dropout": f"dropout keep_prob={keep_prob:g}"}
    for run in runs:
        if run not in options:
            raise ValueError(f"runs must be among {list(STUDY_RUNS)}, got {run!r}")
    model = check_model("sigmoid", hidden_activation, dtype)
    train_X, train_Y, test_X, test_Y = load_regularization_data()
    rows = []
    for run in runs:
        oracle = uses_the_oracle(run, model.hidden_activation)
        result = (reference.train if oracle else engine.train)(
            train_X, train_Y, [train_X.shape[0], *HIDDEN, 1], course_normal, STUDY_LEARNING_RATE,
            num_iterations, seed=INIT_SEED, shuffle_seed=DROPOUT_SEED,
            hidden_activation=model.hidden_activation, dtype=model.dtype, **options[run],
        )
        if print_cost:
            for i in range(0, result.num_iterations, 10000):
                print("Cost after iteration {}: {}".format(i, result.costs[i]))
        evaluated = dict(output=result.output, hidden_activation=result.hidden_activation)
        label = labels[run] + (" (reference engine)" if oracle else "")
        row = RegularizationRow(run, label, result, accuracy(train_X, train_Y, result.parameters, **evaluated),
                                accuracy(test_X, test_Y, result.parameters, **evaluated))
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows


def format_table(rows: Sequence[RegularizationRow]) -> str:
    """The rows as an aligned table: run, final cost, train and test accuracy, time."""
    width = max([26] + [len(row.label) + 1 for row in rows])   # wider for an oracle's label
    header = f"{'run':<{width}}{'iterations':>11}{'final cost':>22}{'train acc':>11}{'test acc':>10}{'time (s)':>10}"
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row.label:<{width}}{row.result.num_iterations:>11}{row.result.final_cost:>22.16g}"
            f"{row.train_accuracy:>11.4f}{row.test_accuracy:>10.4f}{row.result.elapsed:>10.3f}"
        )
    return "\n".join(lines)
