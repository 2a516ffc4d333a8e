"""The NumPy oracle: the course's algorithms written the obvious way.

Every other engine is tested against this module, so it stays plain: one NumPy
expression per line of the course, each forward rule next to its derivative, no
optimisation. It generalises the study's three layers to any depth
(LINEAR->RELU x (L-1) -> LINEAR->SIGMOID) without changing a single operation of the
three-layer case.

The network's other shapes are small registries: :data:`ACTIVATIONS` holds each
hidden activation as a pair, its forward rule and its derivative; :data:`OUTPUT_LAYERS`
each output layer with its loss and the gradient that starts backpropagation
(sigmoid with binary cross-entropy, one or more independent labels; softmax with
categorical cross-entropy; identity with squared error). Adding one is adding its
functions and a line there (and its name in :mod:`fastnn._validate`), not editing
the loops. Every array of a run is in its dtype, float64 or float32; no float64
scalar enters a float32 run (NumPy 2 keeps float32 arrays float32 against Python
floats).

Besides the initialisation study's full-batch gradient descent, :func:`train` runs
the rest of the course unit "Improving deep neural networks": mini-batches, L2
regularisation, inverted dropout, momentum, Adam and learning-rate decay. With all
of them at their defaults it runs exactly the study's operations, bit for bit.

Dropout masks come from :func:`dropout_mask`, a counter-based generator
(SplitMix64 keyed by seed, epoch, step, layer, unit and example), not from NumPy's
streams, so that a compiled kernel can draw the very same masks, in any order and
on any number of threads.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Mapping, NamedTuple, Sequence

import numpy as np

from fastnn._validate import (
    OPTIMIZER_STATE, Seed, TrainingState, check_final_cost, check_l2, check_network_data,
    divergence,
)
from fastnn.init import Scheme, prepare_training
from fastnn.result import TrainResult

__all__ = [
    "ACTIVATIONS", "OUTPUT_LAYERS", "Activation", "OutputLayer",
    "relu", "relu_backward", "tanh", "tanh_backward", "sigmoid", "sigmoid_backward",
    "identity", "identity_backward", "softmax", "total_cross_entropy",
    "total_categorical_cross_entropy", "total_squared_error", "cross_entropy_delta",
    "squared_error_delta", "dropout", "dropout_backward", "splitmix64", "dropout_mask",
    "forward", "compute_cost", "l2_penalty", "backward",
    "update", "update_with_momentum", "update_with_adam", "zeros_like_gradients",
    "decayed_learning_rate", "mini_batches", "train", "cost_and_gradients",
    "predict_proba", "predict",
]


# SplitMix64's constants (Steele, Lea and Flood, "Fast splittable pseudorandom number
# generators", OOPSLA 2014; Vigna's splitmix64.c): the golden-ratio increment and the
# two multipliers of the finaliser. NumPy's uint64 arithmetic wraps modulo 2**64, as
# C's uint64_t does.
SPLITMIX64_GAMMA = np.uint64(0x9E3779B97F4A7C15)
SPLITMIX64_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
SPLITMIX64_MUL2 = np.uint64(0x94D049BB133111EB)


# ------------------------------------------------------- hidden activations
# Each activation is a pair: its forward rule A = g(Z), and its derivative as the
# backward pass applies it, dZ = dA * g'(Z), written with the layer's activation
# A = g(Z) (before dropout), from which each of these derivatives follows.


def relu(Z: np.ndarray) -> np.ndarray:
    """max(0, Z). Derivative: :func:`relu_backward`."""
    return np.maximum(0, Z)


def relu_backward(dA: np.ndarray, A: np.ndarray) -> np.ndarray:
    """relu'(Z) is 1 where Z > 0, that is where A > 0, and 0 elsewhere:
    ``dZ = dA * (A > 0)``, with the study's int64 mask. ``dtype=dA.dtype`` keeps a
    float32 run float32 (an int64 array would promote it to float64); in float64
    it is the study's product exactly."""
    return np.multiply(dA, np.int64(A > 0), dtype=dA.dtype)


def tanh(Z: np.ndarray) -> np.ndarray:
    """tanh(Z). Derivative: :func:`tanh_backward`."""
    return np.tanh(Z)


def tanh_backward(dA: np.ndarray, A: np.ndarray) -> np.ndarray:
    """tanh'(Z) = 1 - tanh(Z)^2 = 1 - A^2: ``dZ = dA (1 - A^2)``."""
    return dA * (1 - A**2)


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-Z)), as the study writes it. As a hidden activation its
    derivative is :func:`sigmoid_backward`; as the output layer's, it is folded
    into :func:`cross_entropy_delta`."""
    return 1 / (1 + np.exp(-Z))


def sigmoid_backward(dA: np.ndarray, A: np.ndarray) -> np.ndarray:
    """sigmoid'(Z) = sigmoid(Z) (1 - sigmoid(Z)) = A (1 - A): ``dZ = dA A (1 - A)``."""
    return dA * A * (1 - A)


def identity(Z: np.ndarray) -> np.ndarray:
    """Z itself (a linear layer). Derivative: :func:`identity_backward`."""
    return Z


def identity_backward(dA: np.ndarray, A: np.ndarray) -> np.ndarray:
    """identity'(Z) = 1: ``dZ = dA``."""
    return dA


class Activation(NamedTuple):
    """A hidden activation: ``forward(Z) -> A`` and ``backward(dA, A) -> dZ``."""

    forward: Callable[[np.ndarray], np.ndarray]
    backward: Callable[[np.ndarray, np.ndarray], np.ndarray]


# The hidden activations by name (fastnn._validate.HIDDEN_ACTIVATIONS).
ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation(relu, relu_backward),
    "tanh": Activation(tanh, tanh_backward),
    "sigmoid": Activation(sigmoid, sigmoid_backward),
    "identity": Activation(identity, identity_backward),
}


# ------------------------------------------------------------- output layers
# Each output layer is its activation, its loss summed over a batch's examples,
# and the gradient dZ_L of the batch's mean loss with respect to its
# pre-activation, where backpropagation starts; each loss is the one whose
# derivative cancels its activation's, so that dZ_L is (A - Y) up to a scale.
# Y is (K, m), A (K, m); a loss's NaN terms (0 * log 0, a saturated output on the
# right label) are dropped by nansum, a saturated output on a wrong label gives inf.


def total_cross_entropy(AL: np.ndarray, Y: np.ndarray) -> float:
    """The binary cross-entropy summed over the examples (the optimisation study's
    ``compute_cost``), and over the output units when there are several (each
    unit its own label).

    A saturated output (exactly 0 or 1) on the wrong label gives ``inf``; on the right
    label the ``0 * inf`` term is NaN and ``nansum`` drops it.
    """
    logprobs = np.multiply(-np.log(AL), Y) + np.multiply(-np.log(1 - AL), 1 - Y)
    return np.nansum(logprobs)


def cross_entropy_delta(AL: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``dZ_L = 1/m (A_L - Y)``, the gradient of the mean cross-entropy for both
    sigmoid and softmax outputs. Sigmoid: dL/dA = (A - Y) / (A (1 - A)) per unit,
    and dA/dZ = A (1 - A). Softmax: dL/dA_i = -Y_i / A_i and dA_i/dZ_j =
    A_i (delta_ij - A_j), so dL/dZ_j = A_j sum_i Y_i - Y_j = A_j - Y_j, as each
    one-hot column sums to 1."""
    m = Y.shape[1]
    return 1.0 / m * (AL - Y)


def softmax(Z: np.ndarray) -> np.ndarray:
    """``exp(Z_k) / sum_j exp(Z_j)`` down each column. Each column's maximum is
    subtracted first, which changes nothing mathematically and keeps ``exp`` from
    overflowing: the largest term is exp(0) = 1. Derivative: folded into
    :func:`cross_entropy_delta`."""
    shifted = Z - np.max(Z, axis=0, keepdims=True)
    exps = np.exp(shifted)
    return exps / np.sum(exps, axis=0, keepdims=True)


def total_categorical_cross_entropy(AL: np.ndarray, Y: np.ndarray) -> float:
    """``-sum Y log(A)`` over the classes and the examples, for one-hot ``Y``.
    A class at probability 0 gives ``0 * -inf`` = NaN, dropped, where it is not
    the true class, and ``inf`` where it is."""
    return np.nansum(-Y * np.log(AL))


def total_squared_error(AL: np.ndarray, Y: np.ndarray) -> float:
    """``sum (A - Y)^2 / (2 K)`` over the K outputs and the examples: divided by m
    it is scikit-learn's squared loss, the mean over examples and outputs of
    ``(a - y)^2 / 2``."""
    K = Y.shape[0]
    return np.sum((AL - Y) ** 2) / (2 * K)


def squared_error_delta(AL: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``dZ_L = (A_L - Y) / (m K)``, the gradient of the mean squared error
    ``sum (A - Y)^2 / (2 m K)`` through the identity output."""
    K, m = Y.shape
    return 1.0 / (m * K) * (AL - Y)


def _threshold(AL: np.ndarray) -> np.ndarray:
    # The study's predict: 1 where the probability is above 0.5.
    return (AL > 0.5).astype(np.int64)


def _most_probable(AL: np.ndarray) -> np.ndarray:
    # The class of the largest probability (the first, on a tie), as a row.
    return np.argmax(AL, axis=0).astype(np.int64).reshape(1, -1)


class OutputLayer(NamedTuple):
    """An output layer: ``activation(Z) -> A``, ``loss(A, Y)`` summed over the
    batch, ``delta(A, Y) -> dZ_L`` of the batch's mean loss, and ``predict(A)``,
    the predictions its probabilities (or values) give."""

    activation: Callable[[np.ndarray], np.ndarray]
    loss: Callable[[np.ndarray, np.ndarray], float]
    delta: Callable[[np.ndarray, np.ndarray], np.ndarray]
    predict: Callable[[np.ndarray], np.ndarray]


# The output layers by name (fastnn._validate.OUTPUTS).
OUTPUT_LAYERS: dict[str, OutputLayer] = {
    "sigmoid": OutputLayer(sigmoid, total_cross_entropy, cross_entropy_delta, _threshold),
    "softmax": OutputLayer(softmax, total_categorical_cross_entropy, cross_entropy_delta, _most_probable),
    "identity": OutputLayer(identity, total_squared_error, squared_error_delta, identity),
}


# ------------------------------------------------------------------ dropout


def dropout(A: np.ndarray, D: np.ndarray, keep_prob: float) -> np.ndarray:
    """Inverted dropout, as the course's ``forward_propagation_with_dropout``: keep
    the units where the mask ``D`` is true and scale them by ``1 / keep_prob``, so
    that each activation keeps its expected value. Derivative: :func:`dropout_backward`."""
    return A * D / keep_prob


def dropout_backward(dA: np.ndarray, D: np.ndarray, keep_prob: float) -> np.ndarray:
    """The derivative of :func:`dropout` with the mask held fixed: the same mask and
    scale on the gradient, ``dA * D / keep_prob``."""
    return dA * D / keep_prob


def splitmix64(z: np.ndarray) -> np.ndarray:
    """One SplitMix64 output for the state ``z`` (uint64 scalars or arrays):

    ``z += 0x9E3779B97F4A7C15; z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EB; return z ^ (z >> 31)``, modulo 2**64.

    ``splitmix64(0)`` is 0xE220A8397B1DCDAF, the first output of the reference
    ``splitmix64.c`` seeded with 0. The caller silences NumPy's overflow warnings:
    the wrap-around is the algorithm.
    """
    z = z + SPLITMIX64_GAMMA
    z = (z ^ (z >> np.uint64(30))) * SPLITMIX64_MUL1
    z = (z ^ (z >> np.uint64(27))) * SPLITMIX64_MUL2
    return z ^ (z >> np.uint64(31))


def dropout_mask(
    seed: int, epoch: int, step: int, layer: int, n_units: int, examples: Any, keep_prob: float
) -> np.ndarray:
    """Which units of hidden layer ``layer`` dropout keeps for the given examples.

    Each decision is a pure function of its key, drawn by hashing the key's fields
    one after another with ``mix`` = :func:`splitmix64`::

        h = mix(seed)
        h = mix(h ^ epoch)
        h = mix(h ^ step)
        h = mix(h ^ layer)
        h = mix(h ^ unit)
        h = mix(h ^ example)
        keep = (h >> 11) * 2**-53 < keep_prob

    all in uint64 arithmetic modulo 2**64, every field a non-negative integer;
    ``(h >> 11) * 2**-53`` is a double in [0, 1) with 53 random bits, exact in C
    as in NumPy. No state is carried from one draw to the next, so a compiled
    kernel draws the same masks in any order, on any number of threads, however the
    examples are split into blocks. ``keep_prob`` enters only the final comparison:
    a unit kept at some ``keep_prob`` is kept at every larger one.

    Parameters
    ----------
    seed : int
        ``shuffle_seed`` of :func:`train`.
    epoch : int
        The epoch, from 0 (the iteration, for full batch).
    step : int
        The mini-batch's index within its epoch, from 0 (0 for full batch).
    layer : int
        The hidden layer ``l``, from 1 (``A_l`` of ``W_l``).
    n_units : int
        The layer's size; units are numbered from 0.
    examples : array_like of int, shape (m_batch,)
        Each example's column in the whole ``X`` (not in the mini-batch).
    keep_prob : float
        The probability of keeping a unit, in (0, 1].

    Returns
    -------
    ndarray of bool, shape (n_units, m_batch)
        The mask ``D_l``: True where the unit is kept.
    """
    units = np.arange(n_units, dtype=np.uint64).reshape(n_units, 1)
    examples = np.asarray(examples, dtype=np.uint64).reshape(1, -1)
    with np.errstate(over="ignore"):
        h = splitmix64(np.uint64(seed))
        h = splitmix64(h ^ np.uint64(epoch))
        h = splitmix64(h ^ np.uint64(step))
        h = splitmix64(h ^ np.uint64(layer))
        h = splitmix64(h ^ units)             # shape (n_units, 1)
        h = splitmix64(h ^ examples)          # shape (n_units, m_batch)
    uniform = (h >> np.uint64(11)).astype(np.float64) * 2.0**-53
    return uniform < keep_prob


def forward(
    X: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    masks: Mapping[int, np.ndarray] | None = None,
    keep_prob: float = 1.0,
    *,
    output: str = "sigmoid",
    hidden_activation: str = "relu",
) -> list[np.ndarray]:
    """Activations ``[A0 = X, A1, ..., AL]``; ``AL`` of shape (K, m) is the output.

    Each hidden layer is ``A_l = g(W_l A_{l-1} + b_l)`` with ``g`` the
    ``hidden_activation`` (:data:`ACTIVATIONS`), the last has the ``output``
    layer's activation (:data:`OUTPUT_LAYERS`). With ``masks`` (``{l: D_l}``, one
    boolean array of shape (n_l, m) per hidden layer, see :func:`dropout_mask`),
    each hidden layer's activations are dropped out after the activation:
    ``A_l = A_l * D_l / keep_prob``. The input and the output never are. Without
    them (the default) no dropout is applied at all.
    """
    L = len(parameters) // 2
    g = ACTIVATIONS[hidden_activation].forward
    activations = [X]
    for l in range(1, L + 1):
        Z = np.dot(parameters[f"W{l}"], activations[-1]) + parameters[f"b{l}"]
        if l == L:
            activations.append(OUTPUT_LAYERS[output].activation(Z))
        elif masks is None:
            activations.append(g(Z))
        else:
            activations.append(dropout(g(Z), masks[l], keep_prob))
    return activations


def compute_cost(AL: np.ndarray, Y: np.ndarray, output: str = "sigmoid") -> float:
    """The mean over the m examples of the ``output`` layer's loss; for the
    sigmoid, binary cross-entropy exactly as the study computes it
    (``compute_loss``): ``1/m`` times :func:`total_cross_entropy`."""
    m = Y.shape[1]
    return 1.0 / m * OUTPUT_LAYERS[output].loss(AL, Y)


def l2_penalty(parameters: Mapping[str, np.ndarray], l2: float) -> float:
    """``(l2 / 2) * sum_l ||W_l||^2``, the Frobenius norms of the weights (not the
    biases); the course's ``compute_cost_with_regularization`` adds it divided by m.
    Its gradient, ``l2 * W_l``, is added in :func:`backward`."""
    L = len(parameters) // 2
    return l2 / 2 * sum(np.sum(np.square(parameters[f"W{l}"])) for l in range(1, L + 1))


def backward(
    Y: np.ndarray,
    activations: Sequence[np.ndarray],
    parameters: Mapping[str, np.ndarray],
    masks: Mapping[int, np.ndarray] | None = None,
    keep_prob: float = 1.0,
    l2: float = 0.0,
    *,
    output: str = "sigmoid",
    hidden_activation: str = "relu",
) -> dict[str, np.ndarray]:
    """Gradients ``dW1, db1, ..., dWL, dbL`` of :func:`compute_cost` plus
    ``l2_penalty(parameters, l2) / m``, for the activations of :func:`forward`
    (with the same ``masks``, ``keep_prob``, ``output`` and ``hidden_activation``).

    Like the study's ``backward_propagation``, the dict also holds the gradients of
    the pre-activations and activations, ``dZ1 ... dZL`` and ``dA1 ... dA(L-1)``. The
    training loop keeps them until the next iteration's replace them, as the study's
    does; freed at once, they left the top of the heap free for glibc to hand back to
    the kernel, and every iteration faulted it in again (benchmarks/README.md).

    The loss's part keeps the studies' order of operations (``dZ_L`` from the
    output layer, :data:`OUTPUT_LAYERS` - ``1/m (A_L - Y)`` for the sigmoid - then
    ``dW = dZ . A_prev^T``); the L2 part, ``(l2 / m) W``, is added after it, and
    only when ``l2 > 0``, so that ``l2=0`` computes exactly what it always has.

    Each hidden activation's derivative takes the layer's activation before
    dropout, ``g(Z)``: with ``masks`` the stored activation is ``g(Z) D /
    keep_prob``, and ``1 - A^2`` of that is not tanh's derivative, so ``g(Z)`` is
    recomputed here exactly as :func:`forward` computed it. (For ReLU either
    gives the same bits: where a unit is dropped its ``dA`` is already 0.)
    """
    L = len(activations) - 1
    m = Y.shape[1]
    g = ACTIVATIONS[hidden_activation]
    grads = {}
    dZ = OUTPUT_LAYERS[output].delta(activations[L], Y)
    for l in range(L, 0, -1):
        A_prev = activations[l - 1]
        grads[f"dZ{l}"] = dZ
        grads[f"dW{l}"] = np.dot(dZ, A_prev.T)    # Z = W . A_prev + b
        if l2 > 0:                                 # d/dW of (l2 / 2m) ||W||^2
            grads[f"dW{l}"] = grads[f"dW{l}"] + (l2 / m) * parameters[f"W{l}"]
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True)
        if l > 1:
            dA_prev = np.dot(parameters[f"W{l}"].T, dZ)
            if masks is not None:                  # A_prev = dropout(g(Z_prev))
                dA_prev = dropout_backward(dA_prev, masks[l - 1], keep_prob)
                A_prev = g.forward(np.dot(parameters[f"W{l - 1}"], activations[l - 2]) + parameters[f"b{l - 1}"])
            grads[f"dA{l - 1}"] = dA_prev
            dZ = g.backward(dA_prev, A_prev)
    return grads


def update(
    parameters: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], learning_rate: float
) -> dict[str, np.ndarray]:
    """One gradient-descent step: ``W - learning_rate * dW``, ``b - learning_rate * db``."""
    L = len(parameters) // 2
    updated = {}
    for l in range(1, L + 1):
        updated[f"W{l}"] = parameters[f"W{l}"] - learning_rate * grads[f"dW{l}"]
        updated[f"b{l}"] = parameters[f"b{l}"] - learning_rate * grads[f"db{l}"]
    return updated


def zeros_like_gradients(parameters: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """An optimiser's initial state: zeros ``dW1, db1, ...`` shaped like the
    parameters (the course's ``initialize_velocity`` and ``initialize_adam``)."""
    return {f"d{key}": np.zeros_like(value) for key, value in parameters.items()}


def update_with_momentum(
    parameters: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    velocity: Mapping[str, np.ndarray],
    beta: float,
    learning_rate: float,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """One step of gradient descent with momentum, as the course's
    ``update_parameters_with_momentum``; for each parameter W (and b)::

        v = beta * v + (1 - beta) * dW
        W = W - learning_rate * v

    Returns the updated parameters and velocities.
    """
    updated, new_velocity = {}, {}
    for key in parameters:                          # "W1", "b1", ...
        d = f"d{key}"
        new_velocity[d] = beta * velocity[d] + (1 - beta) * grads[d]
        updated[key] = parameters[key] - learning_rate * new_velocity[d]
    return updated, new_velocity


def update_with_adam(
    parameters: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    v: Mapping[str, np.ndarray],
    s: Mapping[str, np.ndarray],
    t: int,
    learning_rate: float,
    beta1: float,
    beta2: float,
    epsilon: float,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """One Adam step, as the course's ``update_parameters_with_adam`` (Kingma and
    Ba, "Adam: a method for stochastic optimization", ICLR 2015); ``t`` counts the
    steps from 1. For each parameter W (and b)::

        v = beta1 * v + (1 - beta1) * dW
        s = beta2 * s + (1 - beta2) * dW**2
        v_corrected = v / (1 - beta1**t)
        s_corrected = s / (1 - beta2**t)
        W = W - learning_rate * v_corrected / (sqrt(s_corrected) + epsilon)

    Returns the updated parameters, ``v`` and ``s``.
    """
    updated, new_v, new_s = {}, {}, {}
    for key in parameters:                          # "W1", "b1", ...
        d = f"d{key}"
        new_v[d] = beta1 * v[d] + (1 - beta1) * grads[d]
        new_s[d] = beta2 * s[d] + (1 - beta2) * np.square(grads[d])
        v_corrected = new_v[d] / (1 - beta1**t)
        s_corrected = new_s[d] / (1 - beta2**t)
        updated[key] = parameters[key] - learning_rate * v_corrected / (np.sqrt(s_corrected) + epsilon)
    return updated, new_v, new_s


def decayed_learning_rate(
    learning_rate: float, epoch: int, decay_rate: float, time_interval: int
) -> float:
    """The learning rate of epoch ``epoch`` (from 0), as the course's
    ``schedule_lr_decay``: ``learning_rate / (1 + decay_rate * floor(epoch / time_interval))``.
    ``decay_rate=0`` gives ``learning_rate`` exactly (it is divided by 1.0)."""
    return learning_rate / (1 + decay_rate * (epoch // time_interval))


def mini_batches(m: int, mini_batch_size: int | None, shuffle_seed: int, epoch: int) -> list[np.ndarray]:
    """The columns of ``X`` in each mini-batch of epoch ``epoch`` (from 0), in order.

    As the course's ``random_mini_batches(X, Y, mini_batch_size, seed)`` called with
    ``seed = shuffle_seed + epoch + 1``: the columns are permuted by
    ``RandomState(seed).permutation(m)`` (the stream ``np.random.seed(seed)`` gives,
    without touching NumPy's global state); the full batches of ``mini_batch_size``
    permuted columns come first, in order, and the remainder, if any, last.
    ``mini_batch_size=None`` is one batch of all columns in their own order: no
    shuffling at all.
    """
    if mini_batch_size is None:
        return [np.arange(m)]
    permutation = np.random.RandomState(shuffle_seed + epoch + 1).permutation(m)
    return [permutation[k:k + mini_batch_size] for k in range(0, m, mini_batch_size)]


def train(
    X: Any,
    Y: Any,
    layers_dims: Sequence[int] | None = None,
    initialization: str | Scheme = "he",
    learning_rate: float = 0.01,
    num_iterations: int = 15000,
    seed: Seed = 3,
    parameters: Mapping[str, Any] | None = None,
    *,
    resume: TrainResult | None = None,
    gain: float = 1.0,
    print_cost: bool = False,
    optimizer: str = "gd",
    mini_batch_size: int | None = None,
    shuffle_seed: int = 10,
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    decay_rate: float = 0.0,
    time_interval: int = 1000,
    l2: float = 0.0,
    keep_prob: float = 1.0,
    output: str = "sigmoid",
    hidden_activation: str = "relu",
    dtype: Any = None,
) -> TrainResult:
    """Train with plain NumPy: the study's full-batch gradient descent and the
    options of the course unit "Improving deep neural networks", for any output
    layer, hidden activation and float dtype.

    With every option at its default this is :func:`fastnn.train` (without its
    ``n_threads`` and ``kernel``): the same checks, warnings and result, and the
    study's operations exactly. Each epoch runs its mini-batches in order; each
    mini-batch is one forward pass (with dropout), its cost, one backward pass
    (with L2 and dropout) and one update by the optimiser.

    Parameters
    ----------
    X : array_like of shape (n_x, m)
        Inputs, examples in columns. Integer, boolean, float32 and non-contiguous
        arrays are converted to a C-contiguous array of the run's ``dtype`` (the
        input is never modified).
    Y : array_like of shape (K, m), (1, m) or (m,)
        Targets for the K = ``layers_dims[-1]`` outputs; a flat array of m values
        is taken as the row (1, m). By ``output``: "sigmoid", labels 0 or 1 (one
        row per unit); "softmax", one-hot columns (K, m) or a row of class labels
        0 to K - 1, which is converted to the same one-hot array; "identity", any
        finite numbers.
    layers_dims : sequence of int, optional
        ``[n_x, n_1, ..., n_{L-1}, K]``. Defaults to the study's ``[n_x, 10, 5, 1]``,
        or to the shapes of ``parameters`` when those are given.
    initialization : str or callable, default="he"
        Scheme for the initial weights: a name in
        :data:`fastnn.init.INITIALIZATIONS` (or an alias), or a scheme
        ``(fan_out, fan_in, rng) -> W`` itself. Ignored when ``parameters`` are given.
    learning_rate : float, default=0.01
        The learning rate of epoch 0 (of every epoch without ``decay_rate``).
    num_iterations : int, default=15000
        Number of epochs: passes over all m examples. For full batch, an epoch is
        one iteration (one update). With ``resume``, how many more.
    seed : int, Generator or RandomState, default=3
        Seed of the initialisation (the study's 3): an int in [0, 2**32) seeds a
        legacy ``RandomState``; a ``Generator`` or ``RandomState`` is drawn from.
        Checked even for a warm start, and recorded in the result as given.
    parameters : dict, optional
        Start from these parameters (a warm start) instead of drawing new ones.
        They are copied, not modified. The optimiser's state and the epoch count
        start afresh, at zero.
    resume : TrainResult, optional
        Continue this run exactly, as :func:`fastnn.train` does: its parameters,
        network and ``state`` - the epochs trained (epoch numbers, and so the
        permutations, decayed learning rates and dropout masks, go on from
        there), the velocities ``v``, Adam's ``s`` and its step count ``t`` - for
        ``num_iterations`` more epochs; N epochs and then M give the N + M of one
        call bit for bit. Every option and the learning rate must be passed again
        with the values the run was trained with; ``layers_dims`` may be left
        out; ``initialization`` and ``seed`` are ignored. Not with ``parameters``.
    gain : float, default=1.0
        Multiplies the drawn initial weights; must stay 1 for a warm start or
        ``resume``.
    print_cost : bool, default=False
        Print the cost every 1000 epochs, as the studies do: ``Cost after
        iteration i: c`` for full batch, ``Cost after epoch i: c`` with mini-batches;
        a resumed run goes on counting from the epochs it had trained.
    optimizer : {"gd", "momentum", "adam"}, default="gd"
        The update of each mini-batch step, as the course's
        ``update_parameters_with_gd``, ``update_parameters_with_momentum`` and
        ``update_parameters_with_adam`` (see :func:`update`,
        :func:`update_with_momentum`, :func:`update_with_adam`). The velocities
        start at zero; Adam's step count ``t`` starts at 1 and counts mini-batch
        steps across epochs.
    mini_batch_size : int, optional
        Examples per mini-batch. Epoch ``e`` permutes the columns with
        ``RandomState(shuffle_seed + e + 1).permutation(m)`` and takes full batches
        in order, the remainder last (the course's ``random_mini_batches`` with
        its seed incremented before each epoch; see :func:`mini_batches`).
        None (the default) is full batch, unshuffled.
    shuffle_seed : int, default=10
        The course's seed for the mini-batches (10), and the seed of the dropout
        masks. An int from 0 to ``2**32 - 1 - num_iterations``.
    beta : float, default=0.9
        Momentum's coefficient, in [0, 1): ``v = beta v + (1 - beta) dW``.
    beta1 : float, default=0.9
        Adam's decay of the first moment ``v``, in [0, 1).
    beta2 : float, default=0.999
        Adam's decay of the second moment ``s``, in [0, 1).
    epsilon : float, default=1e-8
        Added to ``sqrt(s_corrected)`` in Adam's denominator; > 0.
    decay_rate : float, default=0.0
        Learning-rate decay, >= 0: epoch ``e`` uses
        ``learning_rate / (1 + decay_rate * floor(e / time_interval))`` (the
        course's ``schedule_lr_decay``). 0 leaves the learning rate as it is.
    time_interval : int, default=1000
        Epochs between two decays of the learning rate; >= 1.
    l2 : float, default=0.0
        L2 regularisation strength (the course's ``lambd``), >= 0: each mini-batch's
        ``dW_l`` gains ``(l2 / m_batch) * W_l``, and the cost gains the penalty
        below.
    keep_prob : float, default=1.0
        Inverted dropout's probability of keeping a hidden unit, in (0, 1]: every
        hidden layer's activations become ``A_l * D_l / keep_prob`` after the ReLU,
        and their gradients ``dA_l * D_l / keep_prob``; never the input or the
        output. The masks ``D_l`` come from :func:`dropout_mask`, keyed by
        ``(shuffle_seed, epoch, step, l, unit, example)``, where ``step`` is the
        mini-batch's index in its epoch (0 for full batch) and ``example`` its
        column in ``X``. 1 takes no dropout path at all.
    output : {"sigmoid", "softmax", "identity"}, default="sigmoid"
        The output layer and its loss (:data:`OUTPUT_LAYERS`), each with
        ``dZ_L`` of the mean loss: "sigmoid", binary cross-entropy summed over
        the K units (independent labels when K > 1), ``dZ_L = (A - Y) / m``;
        "softmax" (K >= 2), categorical cross-entropy ``-sum Y log A``, computed
        stably, ``dZ_L = (A - Y) / m``; "identity", squared error with
        scikit-learn's scale, the mean over examples and outputs of
        ``(a - y)^2 / 2``, ``dZ_L = (A - Y) / (m K)``.
    hidden_activation : {"relu", "tanh", "sigmoid", "identity"}, default="relu"
        The hidden layers' activation (:data:`ACTIVATIONS`); dropout applies
        after it.
    dtype : {float64, float32} or None, default=None
        What the run computes in: ``X``, ``Y``, the parameters, the optimiser's
        state and every operation (``np.float32``, ``np.dtype("float32")`` or
        ``"float32"``). Drawn initial parameters are drawn in float64, as for a
        float64 run, and rounded. None: the dtype of ``parameters`` or of the
        ``resume`` result, else float64; a dtype that contradicts theirs is an
        error. The costs are float64 either way.

    Returns
    -------
    TrainResult
        The parameters after the last epoch, and ``costs[e]``, the cost of epoch
        ``e``: the sum over its mini-batches of each one's summed loss (see
        ``output``), plus ``(l2 / 2) * sum_l ||W_l||^2`` per mini-batch, each
        computed before that mini-batch's update (with its dropout masks), the
        total divided by m. For full batch this is the study's cost, and with
        ``l2`` the course's ``compute_cost_with_regularization``:
        ``cross_entropy + (1 / m) (l2 / 2) sum_l ||W_l||^2``. ``learning_rate`` is
        the one given, before decay. ``state`` holds what ``resume`` needs: the
        epochs trained over the whole run, the velocities and moments (keyed
        ``"W1"``, ... like the parameters, where this module keys them ``"dW1"``,
        ... like the gradients) and Adam's ``t``. ``output`` and
        ``hidden_activation`` are recorded; ``dtype`` is the parameters'.

    Raises
    ------
    ValueError, TypeError
        As :func:`fastnn.train` for the data, the network, the study's arguments
        and ``resume``, as :func:`fastnn._validate.check_options` for the
        options, as :func:`fastnn._validate.check_model` for ``output``,
        ``hidden_activation`` and ``dtype`` and as
        :func:`fastnn._validate.check_targets` for ``Y`` against the output
        layer: all before anything is drawn or trained.
    FloatingPointError
        At the epoch whose update left a parameter NaN or inf.
    KeyboardInterrupt
        On Ctrl-C, with a ``partial_result`` attribute as :func:`fastnn.train`'s:
        the parameters, costs and state after the last finished epoch (an epoch
        interrupted between its mini-batches is not counted, and its updates are
        left out), to pass as ``resume``.

    Warns
    -----
    RuntimeWarning
        If the final cost is infinite (see :func:`fastnn._validate.check_final_cost`).
    """
    problem, options, start_from = prepare_training(
        X, Y, layers_dims, initialization, learning_rate, num_iterations, seed, parameters,
        resume, gain,
        optimizer=optimizer, mini_batch_size=mini_batch_size, shuffle_seed=shuffle_seed,
        beta=beta, beta1=beta1, beta2=beta2, epsilon=epsilon, decay_rate=decay_rate,
        time_interval=time_interval, l2=l2, keep_prob=keep_prob,
        output=output, hidden_activation=hidden_activation, dtype=dtype,
    )
    X, Y, parameters = problem.X, problem.Y, start_from.parameters
    model = problem.model
    loss = OUTPUT_LAYERS[model.output].loss
    m = X.shape[1]
    dims = start_from.layers_dims
    L = len(dims) - 1
    v = zeros_like_gradients(parameters)          # momentum's velocity, Adam's first moment
    s = zeros_like_gradients(parameters)          # Adam's second moment
    t = 0                                         # Adam's steps so far
    done_before = 0                               # epochs of the run before this call
    resumed = start_from.state
    if resumed is not None:                       # its state is keyed "W1", ours "dW1"
        done_before, t = resumed.epochs, resumed.adam_steps
        if resumed.velocity is not None:
            v = {f"d{key}": value for key, value in resumed.velocity.items()}
        if resumed.second_moment is not None:
            s = {f"d{key}": value for key, value in resumed.second_moment.items()}
    kept = OPTIMIZER_STATE[options.optimizer]
    costs = np.empty(problem.num_iterations)

    def result(epochs: int, parameters: dict, v: dict, s: dict, t: int) -> TrainResult:
        state = TrainingState(
            options, done_before + epochs, t,
            velocity={key[1:]: value for key, value in v.items()} if "velocity" in kept else None,
            second_moment={key[1:]: value for key, value in s.items()} if "second_moment" in kept else None,
        )
        return TrainResult(
            parameters=parameters,
            costs=costs[:epochs],
            layers_dims=start_from.layers_dims,
            initialization=start_from.initialization,
            learning_rate=problem.learning_rate,
            seed=problem.seed if resume is None else resume.seed,
            engine="reference",
            elapsed=time.perf_counter() - start,
            state=state,
            output=model.output,
            hidden_activation=model.hidden_activation,
        )

    # The run as it stood after the last finished epoch, rebound in one assignment
    # (the update functions make new arrays and never change old ones), so that a
    # Ctrl-C between two mini-batches hands back whole epochs only.
    finished = (0, parameters, v, s, t)
    unit = "iteration" if options.mini_batch_size is None else "epoch"
    start = time.perf_counter()
    try:
        # Saturated outputs make log(0) and 0 * inf: expected, and handled by nansum.
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            for i in range(problem.num_iterations):
                epoch = done_before + i                   # the run's epoch number
                rate = decayed_learning_rate(
                    problem.learning_rate, epoch, options.decay_rate, options.time_interval
                )
                summed_cost = 0.0
                batches = mini_batches(m, options.mini_batch_size, options.shuffle_seed, epoch)
                for step, columns in enumerate(batches):
                    if options.mini_batch_size is None:
                        X_batch, Y_batch = X, Y               # the data itself, as the study
                    else:
                        X_batch, Y_batch = X[:, columns], Y[:, columns]
                    masks = None
                    if options.keep_prob < 1:
                        masks = {
                            l: dropout_mask(
                                options.shuffle_seed, epoch, step, l, dims[l], columns, options.keep_prob
                            )
                            for l in range(1, L)
                        }
                    activations = forward(
                        X_batch, parameters, masks, options.keep_prob,
                        output=model.output, hidden_activation=model.hidden_activation,
                    )
                    summed_cost += loss(activations[-1], Y_batch)
                    if options.l2 > 0:
                        summed_cost += l2_penalty(parameters, options.l2)
                    grads = backward(
                        Y_batch, activations, parameters, masks, options.keep_prob, options.l2,
                        output=model.output, hidden_activation=model.hidden_activation,
                    )
                    if options.optimizer == "gd":
                        parameters = update(parameters, grads, rate)
                    elif options.optimizer == "momentum":
                        parameters, v = update_with_momentum(parameters, grads, v, options.beta, rate)
                    else:  # "adam"
                        t += 1
                        parameters, v, s = update_with_adam(
                            parameters, grads, v, s, t, rate, options.beta1, options.beta2, options.epsilon
                        )
                    if not all(np.isfinite(value).all() for value in parameters.values()):
                        raise divergence(epoch, problem.learning_rate)
                costs[i] = 1.0 / m * summed_cost
                finished = (i + 1, parameters, v, s, t)
                if print_cost and epoch % 1000 == 0:
                    print(f"Cost after {unit} {epoch}: {costs[i]}")
    except KeyboardInterrupt as interrupt:
        interrupt.partial_result = result(*finished)
        raise
    check_final_cost(costs, problem.learning_rate)
    return result(*finished)


def cost_and_gradients(
    X: Any,
    Y: Any,
    parameters: Mapping[str, Any],
    *,
    l2: float = 0.0,
    output: str = "sigmoid",
    hidden_activation: str = "relu",
) -> tuple[float, dict[str, np.ndarray]]:
    """Cost and gradients at ``parameters``: one forward and one backward pass.

    The same arguments, checks and result as :func:`fastnn.cost_and_gradients`:
    with ``l2 > 0`` the cost is the course's ``compute_cost_with_regularization``,
    ``compute_cost + (1 / m) (l2 / 2) sum_l ||W_l||^2``, and each ``dW_l`` gains
    ``(l2 / m) W_l`` (see :func:`backward`).

    Parameters
    ----------
    X : array_like of shape (n_x, m)
    Y : array_like of shape (K, m), (1, m) or (m,)
        Targets for the output layer, as for :func:`train`.
    parameters : dict
        ``{"W1": ..., "b1": ..., ...}``; not modified. Everything is computed in
        their dtype (float32 if they all are, else float64).
    l2 : float, default=0.0
    output, hidden_activation : str
        As for :func:`train`.

    Returns
    -------
    cost : float
        A float64 scalar whatever the dtype.
    grads : dict
        ``{"dW1": ..., "db1": ..., ...}``, shaped like the parameters, in their dtype.

    Raises
    ------
    ValueError, TypeError
        As :func:`train`, for ``X``, ``Y``, ``parameters``, ``l2``, ``output``
        and ``hidden_activation``.
    """
    model, X, Y, _, parameters = check_network_data(
        X, Y, parameters, output=output, hidden_activation=hidden_activation
    )
    l2 = check_l2(l2)
    names = dict(output=model.output, hidden_activation=model.hidden_activation)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        activations = forward(X, parameters, **names)
        cost = compute_cost(activations[-1], Y, model.output)
        if l2 > 0:
            cost = cost + 1.0 / Y.shape[1] * l2_penalty(parameters, l2)
        grads = backward(Y, activations, parameters, l2=l2, **names)
    # The parameters' gradients only, as the compiled engine returns them.
    return np.float64(cost), {key: value for key, value in grads.items() if key[:2] in ("dW", "db")}


def predict_proba(
    X: Any, parameters: Mapping[str, Any], *, output: str = "sigmoid", hidden_activation: str = "relu"
) -> np.ndarray:
    """The network's outputs: the sigmoid's probabilities, the softmax's (each
    column sums to 1) or the identity's values.

    Parameters
    ----------
    X : array_like of shape (n_x, m)
    parameters : dict
        ``{"W1": ..., "b1": ..., ...}``, computed in their dtype (see
        :func:`cost_and_gradients`).
    output, hidden_activation : str
        As for :func:`train`.

    Returns
    -------
    ndarray of shape (K, m)
        In the parameters' dtype.

    Raises
    ------
    ValueError, TypeError
        As :func:`train`, for ``X``, ``parameters``, ``output`` and
        ``hidden_activation``.
    """
    model, X, _, _, parameters = check_network_data(
        X, None, parameters, output=output, hidden_activation=hidden_activation
    )
    # A saturating sigmoid overflows exp(-Z) to inf, and 1 / (1 + inf) is the 0 it means.
    with np.errstate(over="ignore"):
        return forward(X, parameters, output=model.output, hidden_activation=model.hidden_activation)[-1]


def predict(
    X: Any, parameters: Mapping[str, Any], *, output: str = "sigmoid", hidden_activation: str = "relu"
) -> np.ndarray:
    """The network's predictions, by output layer: "sigmoid", 1 where the
    probability is above 0.5, else 0, as the study's ``predict`` (int64, shape
    (K, m)); "softmax", the class of the largest probability, the first on a tie
    (int64, shape (1, m), as the labels :func:`train` takes); "identity", the
    outputs themselves (shape (K, m), the parameters' dtype).

    Parameters and Raises as :func:`predict_proba`. Unlike the study's
    ``fastnn.predict(X, y, parameters)``, this takes no labels and prints nothing.
    """
    probabilities = predict_proba(X, parameters, output=output, hidden_activation=hidden_activation)
    return OUTPUT_LAYERS[output].predict(probabilities)
