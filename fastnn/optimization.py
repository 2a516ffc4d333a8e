"""The course's optimisation study and drop-ins for its functions.

The course's notebook "Optimization methods" trains a [2, 5, 2, 1] network on the
moons with mini-batch gradient descent, momentum and Adam, then with learning-rate
decay. The functions here keep its names, arguments, return values and printed
output, so a notebook switches to fastnn with one import; :func:`model` trains on
the compiled engine. The update rules are :mod:`fastnn.reference`'s, so the
course's functions and fastnn's training compute the same thing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, MutableMapping, Sequence

import numpy as np

from fastnn import engine, reference
from fastnn._validate import OPTIMIZERS, check_model, check_positive_int, check_seed, check_X_Y
from fastnn.data import load_moons
from fastnn.init import initialize_parameters as _initialize_parameters
from fastnn.result import TrainResult
from fastnn.study import accuracy, predict

__all__ = [
    "model",
    "random_mini_batches",
    "initialize_parameters",
    "initialize_velocity",
    "update_parameters_with_gd",
    "update_parameters_with_momentum",
    "initialize_adam",
    "update_parameters_with_adam",
    "update_lr",
    "schedule_lr_decay",
    "load_dataset",
    "predict",
    "run_optimizers",
    "OptimizerRow",
    "OPTIMIZERS",
    "STUDY_LAYERS_DIMS",
    "DECAY_LEARNING_RATES",
]

# The study's network, learning rate, mini-batch size and epochs; its initialisation
# (He, seed 3) and shuffling seed (10, incremented before each epoch).
STUDY_LAYERS_DIMS = (2, 5, 2, 1)
STUDY_LEARNING_RATE = 0.0007
STUDY_MINI_BATCH_SIZE = 64
STUDY_EPOCHS = 10000
SHUFFLE_SEED = 10
INIT_SEED = 3
# The course's section "Using learning rate decay for each optimization method":
# model(..., learning_rate=0.1 (0.01 for Adam), num_epochs=5000,
# decay=schedule_lr_decay), with model's decay_rate=1 and the decay's time_interval=1000.
DECAY_LEARNING_RATES = {"gd": 0.1, "momentum": 0.1, "adam": 0.01}
DECAY_RATE = 1.0
DECAY_TIME_INTERVAL = 1000
DECAY_EPOCHS = 5000


def initialize_parameters(layers_dims: Sequence[int]) -> dict[str, np.ndarray]:
    """The course's ``initialize_parameters``: He initialisation with seed 3,
    ``np.random.randn(n_l, n_{l-1}) * np.sqrt(2 / n_{l-1})``, biases zero.

    The same arrays, drawn from a local ``RandomState(3)`` rather than after
    ``np.random.seed(3)`` (see :func:`fastnn.initialize_parameters`).
    """
    return _initialize_parameters(layers_dims, "he", INIT_SEED)


def random_mini_batches(X: Any, Y: Any, mini_batch_size: int = 64, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """The course's ``random_mini_batches``: shuffle the columns of (X, Y), then cut
    them into mini-batches.

    Exactly the course's function: it calls ``np.random.seed(seed)`` and draws
    ``np.random.permutation(m)``, so it **re-seeds NumPy's global generator**, as the
    course's does (its mini-batches then match the course's printed ones). The full
    mini-batches of ``mini_batch_size`` shuffled columns come first, in order, and
    the remainder, if any, last. fastnn's own training draws the same permutations
    from a local ``RandomState`` and leaves the global one alone
    (:func:`fastnn.reference.mini_batches`).

    Parameters
    ----------
    X : array_like of shape (n_x, m)
    Y : array_like of shape (1, m)
        Labels, 0 or 1.
    mini_batch_size : int, default=64
    seed : int, default=0
        In [0, 2**32).

    Returns
    -------
    list of (mini_batch_X, mini_batch_Y)
        Arrays of shape (n_x, b) and (1, b), columns of ``X`` and ``Y`` (their
        dtypes kept).

    Raises
    ------
    ValueError, TypeError
        If ``X`` or ``Y`` is invalid (as :func:`fastnn.train` says),
        ``mini_batch_size`` is not an integer >= 1 or ``seed`` not an int in
        [0, 2**32).
    """
    check_X_Y(X, Y)
    mini_batch_size = check_positive_int(mini_batch_size, "mini_batch_size")
    seed = check_seed(seed)
    if not isinstance(seed, int):
        raise TypeError(f"seed must be an int (it seeds np.random), got {seed!r}")
    X, Y = np.asarray(X), np.asarray(Y)
    Y = Y.reshape(1, -1)
    np.random.seed(seed)
    m = X.shape[1]
    mini_batches = []
    permutation = list(np.random.permutation(m))
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((1, m))
    num_complete_minibatches = math.floor(m / mini_batch_size)
    for k in range(0, num_complete_minibatches):
        mini_batch_X = shuffled_X[:, k * mini_batch_size:(k + 1) * mini_batch_size]
        mini_batch_Y = shuffled_Y[:, k * mini_batch_size:(k + 1) * mini_batch_size]
        mini_batches.append((mini_batch_X, mini_batch_Y))
    if m % mini_batch_size != 0:
        mini_batch_X = shuffled_X[:, num_complete_minibatches * mini_batch_size:]
        mini_batch_Y = shuffled_Y[:, num_complete_minibatches * mini_batch_size:]
        mini_batches.append((mini_batch_X, mini_batch_Y))
    return mini_batches


def _in_place(target: MutableMapping[str, np.ndarray], values: Mapping[str, np.ndarray]) -> MutableMapping[str, np.ndarray]:
    # The course's functions assign into the dicts they are given and return them;
    # the reference's return new dicts. Writing the new arrays back into the
    # caller's dicts keeps the course's behaviour exactly.
    target.update(values)
    return target


def update_parameters_with_gd(
    parameters: MutableMapping[str, np.ndarray], grads: Mapping[str, np.ndarray], learning_rate: float
) -> MutableMapping[str, np.ndarray]:
    """The course's ``update_parameters_with_gd``: ``W = W - learning_rate * dW``
    (and ``b``), for every layer (:func:`fastnn.reference.update`).

    Parameters
    ----------
    parameters : dict
        ``{"W1": ..., "b1": ..., ...}``; updated in place, as the course's.
    grads : dict
        ``{"dW1": ..., "db1": ..., ...}`` (other keys, such as ``dZ1``, are ignored).
    learning_rate : float

    Returns
    -------
    dict
        ``parameters``, updated.
    """
    return _in_place(parameters, reference.update(parameters, grads, learning_rate))


def initialize_velocity(parameters: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The course's ``initialize_velocity``: zeros ``v["dW1"], v["db1"], ...``
    shaped like the parameters (:func:`fastnn.reference.zeros_like_gradients`)."""
    return reference.zeros_like_gradients(_float_parameters(parameters))


def update_parameters_with_momentum(
    parameters: MutableMapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    v: MutableMapping[str, np.ndarray],
    beta: float,
    learning_rate: float,
) -> tuple[MutableMapping[str, np.ndarray], MutableMapping[str, np.ndarray]]:
    """The course's ``update_parameters_with_momentum``; for each W (and b)::

        v["dW"] = beta * v["dW"] + (1 - beta) * grads["dW"]
        W = W - learning_rate * v["dW"]

    (:func:`fastnn.reference.update_with_momentum`, whose keys are the course's).

    Returns
    -------
    parameters, v : dict
        The dicts given, updated in place, as the course's.
    """
    updated, velocity = reference.update_with_momentum(parameters, grads, v, beta, learning_rate)
    return _in_place(parameters, updated), _in_place(v, velocity)


def initialize_adam(parameters: Mapping[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The course's ``initialize_adam``: ``v`` and ``s``, zeros ``"dW1", "db1", ...``
    shaped like the parameters."""
    parameters = _float_parameters(parameters)
    return reference.zeros_like_gradients(parameters), reference.zeros_like_gradients(parameters)


def update_parameters_with_adam(
    parameters: MutableMapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    v: MutableMapping[str, np.ndarray],
    s: MutableMapping[str, np.ndarray],
    t: int,
    learning_rate: float = 0.01,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
) -> tuple[MutableMapping[str, np.ndarray], MutableMapping[str, np.ndarray], MutableMapping[str, np.ndarray],
           dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The course's ``update_parameters_with_adam``; ``t`` counts Adam's steps from 1.
    For each W (and b)::

        v["dW"] = beta1 * v["dW"] + (1 - beta1) * grads["dW"]
        s["dW"] = beta2 * s["dW"] + (1 - beta2) * grads["dW"]**2
        v_corrected["dW"] = v["dW"] / (1 - beta1**t)
        s_corrected["dW"] = s["dW"] / (1 - beta2**t)
        W = W - learning_rate * v_corrected["dW"] / (sqrt(s_corrected["dW"]) + epsilon)

    (:func:`fastnn.reference.update_with_adam`, whose keys are the course's).

    Returns
    -------
    parameters, v, s : dict
        The dicts given, updated in place, as the course's.
    v_corrected, s_corrected : dict
        The bias-corrected moments, as the course's current notebook returns them
        (its earlier version returned the first three only).
    """
    updated, new_v, new_s = reference.update_with_adam(
        parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon
    )
    v_corrected = {key: value / (1 - beta1**t) for key, value in new_v.items()}
    s_corrected = {key: value / (1 - beta2**t) for key, value in new_s.items()}
    return _in_place(parameters, updated), _in_place(v, new_v), _in_place(s, new_s), v_corrected, s_corrected


def update_lr(learning_rate0: float, epoch_num: int, decay_rate: float) -> float:
    r"""The course's ``update_lr``: decay at every epoch,

    .. math:: \alpha = \frac{1}{1 + \mathrm{decay\_rate} \cdot \mathrm{epoch\_num}} \alpha_0

    It is :func:`schedule_lr_decay` with ``time_interval=1``.
    """
    return 1 / (1 + decay_rate * epoch_num) * learning_rate0


def schedule_lr_decay(learning_rate0: float, epoch_num: int, decay_rate: float, time_interval: int = 1000) -> float:
    r"""The course's ``schedule_lr_decay``: decay every ``time_interval`` epochs,

    .. math:: \alpha = \frac{1}{1 + \mathrm{decay\_rate} \cdot
              \lfloor \mathrm{epoch\_num} / \mathrm{time\_interval} \rfloor} \alpha_0

    fastnn's ``decay_rate`` and ``time_interval`` options
    (:func:`fastnn.reference.decayed_learning_rate`) compute the same rate as
    ``learning_rate0 / (1 + ...)``, which may differ from this in the last bit.
    """
    return 1 / (1 + decay_rate * np.floor(epoch_num / time_interval)) * learning_rate0


# The decay functions model() can run on the engine, as the engine's time_interval.
_DECAY_INTERVALS: dict[Callable[..., float], int] = {update_lr: 1, schedule_lr_decay: DECAY_TIME_INTERVAL}


def load_dataset() -> tuple[np.ndarray, np.ndarray]:
    """The course's ``load_dataset``: 300 points on two moons (noise 0.2, seed 3).

    The same arrays as the course's (see :func:`fastnn.load_moons`), without its
    scatter plot and without touching NumPy's global generator.

    Returns
    -------
    train_X : ndarray of shape (2, 300)
    train_Y : ndarray of shape (1, 300)
    """
    return load_moons()


def model(
    X: Any,
    Y: Any,
    layers_dims: Sequence[int],
    optimizer: str,
    learning_rate: float = 0.0007,
    mini_batch_size: int = 64,
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    num_epochs: int = 10000,
    print_cost: bool = True,
    decay: Callable[..., float] | None = None,
    decay_rate: float = 1,
) -> dict[str, np.ndarray]:
    """The course's ``model``: train ``layers_dims`` with mini-batches on the compiled
    engine.

    As the course's: He initialisation with seed 3 (:func:`initialize_parameters`),
    mini-batches reshuffled each epoch with seeds 11, 12, ... (the course's seed 10,
    incremented before each epoch), the optimiser's state from zero and Adam's
    ``t`` counting steps across epochs. Prints ``Cost after epoch i: c`` (``%f``)
    every 1000 epochs, the cost of an epoch being its summed cross-entropy over m.
    Unlike the course's it draws no plot, and it prints once training has finished
    (10000 epochs take a fraction of a second).

    Parameters
    ----------
    X : array_like of shape (n_x, m)
    Y : array_like of shape (1, m)
        Labels, 0 or 1.
    layers_dims : sequence of int
        ``[n_x, ..., 1]``, e.g. the course's ``[2, 5, 2, 1]``.
    optimizer : {"gd", "momentum", "adam"}
    learning_rate, mini_batch_size, beta, beta1, beta2, epsilon, num_epochs
        As the course's (see :func:`fastnn.train`; ``num_epochs`` is its
        ``num_iterations``).
    print_cost : bool, default=True
    decay : {None, update_lr, schedule_lr_decay}, default=None
        Learning-rate decay, as the course's newer notebook takes it: this module's
        :func:`update_lr` (every epoch) or :func:`schedule_lr_decay` (every 1000
        epochs); then ``learning rate after epoch i: r`` is printed too. The engine
        runs epoch ``i`` at ``decay(learning_rate, i, decay_rate)``; the course's
        loop sets that rate only after epoch ``i``, so its rate changes one epoch
        later (and its runs differ from these slightly).
    decay_rate : float, default=1

    Returns
    -------
    dict of str to ndarray
        The trained parameters ``{"W1", "b1", ...}``.

    Raises
    ------
    ValueError, TypeError
        As :func:`fastnn.train`; ValueError for a ``decay`` other than the two above.
    """
    decay_options = {}
    if decay is not None:
        if decay not in _DECAY_INTERVALS:
            raise ValueError(
                "decay must be None, fastnn.optimization.update_lr or"
                f" fastnn.optimization.schedule_lr_decay (the engine runs those two), got {decay!r}"
            )
        decay_options = {"decay_rate": decay_rate, "time_interval": _DECAY_INTERVALS[decay]}
    result = engine.train(
        X, Y, layers_dims, "he", learning_rate, num_epochs, seed=INIT_SEED,
        optimizer=optimizer, mini_batch_size=mini_batch_size, shuffle_seed=SHUFFLE_SEED,
        beta=beta, beta1=beta1, beta2=beta2, epsilon=epsilon, **decay_options,
    )
    if print_cost:
        for i in range(0, result.num_iterations, 1000):
            print("Cost after epoch %i: %f" % (i, result.costs[i]))
            if decay is not None:
                print("learning rate after epoch %i: %f" % (i, decay(learning_rate, i, decay_rate)))
    return result.parameters


def _float_parameters(parameters: Mapping[str, Any]) -> dict[str, np.ndarray]:
    # The course's zeros are float64 whatever the parameters' dtype.
    return {key: np.asarray(value, dtype=np.float64) for key, value in parameters.items()}


@dataclass(frozen=True)
class OptimizerRow:
    """One optimiser's run in :func:`run_optimizers`."""

    optimizer: str
    result: TrainResult
    train_accuracy: float


def run_optimizers(
    optimizers: Sequence[str] = OPTIMIZERS,
    *,
    decay: bool = False,
    num_epochs: int | None = None,
    print_cost: bool = False,
    on_row: Callable[[OptimizerRow], None] | None = None,
    hidden_activation: str = "relu",
    dtype: Any = None,
) -> list[OptimizerRow]:
    """The course's optimisation study on the compiled engine: each optimiser on the
    moons, [2, 5, 2, 1], He with seed 3, mini-batches of 64 shuffled with seeds 11,
    12, ...

    Parameters
    ----------
    optimizers : sequence of {"gd", "momentum", "adam"}, default=all three
    decay : bool, default=False
        Without: learning rate 0.0007, 10000 epochs (the course's first part).
        With: its decay section, :func:`schedule_lr_decay` with ``decay_rate=1``
        and ``time_interval=1000``, learning rate 0.1 (0.01 for Adam), 5000 epochs.
    num_epochs : int, optional
        Overrides the number of epochs.
    print_cost : bool, default=False
        Print the cost every 1000 epochs as training goes.
    on_row : callable, optional
        Called with each row as soon as it is finished.
    hidden_activation : {"relu", "tanh", "sigmoid", "identity"}, default="relu"
        The hidden layers' activation (the course's ReLU by default); the output
        stays the course's sigmoid unit.
    dtype : {float64, float32} or None, default=None
        As for :func:`fastnn.train` (None is float64).

    Returns
    -------
    list of OptimizerRow

    Raises
    ------
    ValueError, TypeError
        As :func:`fastnn.train`; ``hidden_activation`` and ``dtype`` are checked
        before any run.
    """
    model = check_model("sigmoid", hidden_activation, dtype)
    X, Y = load_moons()
    rows = []
    for name in optimizers:
        if decay:
            options = dict(learning_rate=DECAY_LEARNING_RATES.get(name, 0.1), decay_rate=DECAY_RATE,
                           time_interval=DECAY_TIME_INTERVAL)
            epochs = DECAY_EPOCHS
        else:
            options = dict(learning_rate=STUDY_LEARNING_RATE)
            epochs = STUDY_EPOCHS
        result = engine.train(
            X, Y, list(STUDY_LAYERS_DIMS), "he", num_iterations=epochs if num_epochs is None else num_epochs,
            seed=INIT_SEED, optimizer=name, mini_batch_size=STUDY_MINI_BATCH_SIZE,
            shuffle_seed=SHUFFLE_SEED, print_cost=print_cost,
            hidden_activation=model.hidden_activation, dtype=model.dtype, **options,
        )
        row = OptimizerRow(name, result, accuracy(X, Y, result.parameters, output=result.output,
                                                  hidden_activation=result.hidden_activation))
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows


def format_table(rows: Sequence[OptimizerRow]) -> str:
    """The rows as an aligned table: optimizer, final cost, train accuracy, time."""
    header = f"{'optimizer':<11}{'learning rate':>14}{'epochs':>8}{'final cost':>22}{'train acc':>11}{'time (s)':>10}"
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row.optimizer:<11}{row.result.learning_rate:>14g}{row.result.num_iterations:>8}"
            f"{row.result.final_cost:>22.16g}{row.train_accuracy:>11.4f}{row.result.elapsed:>10.3f}"
        )
    return "\n".join(lines)
