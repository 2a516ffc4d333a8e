"""The NumPy oracle: the course's algorithms written the obvious way.

Every other engine is tested against this module, so it stays plain: one NumPy
expression per line of the course, each forward rule next to its derivative, no
optimisation. It generalises the study's three layers to any depth
(LINEAR->RELU x (L-1) -> LINEAR->SIGMOID) without changing a single operation of the
three-layer case.

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
from typing import Any, Mapping, Sequence

import numpy as np

from fastnn._validate import (
    OPTIMIZER_STATE, Seed, TrainingState, check_final_cost, check_l2, check_network,
    check_X_Y, divergence,
)
from fastnn.init import Scheme, prepare_training
from fastnn.result import TrainResult

__all__ = [
    "sigmoid", "relu", "dropout", "dropout_backward", "splitmix64", "dropout_mask",
    "forward", "total_cross_entropy", "compute_cost", "l2_penalty", "backward",
    "update", "update_with_momentum", "update_with_adam", "zeros_like_gradients",
    "decayed_learning_rate", "mini_batches", "train", "cost_and_gradients",
]


# SplitMix64's constants (Steele, Lea and Flood, "Fast splittable pseudorandom number
# generators", OOPSLA 2014; Vigna's splitmix64.c): the golden-ratio increment and the
# two multipliers of the finaliser. NumPy's uint64 arithmetic wraps modulo 2**64, as
# C's uint64_t does.
SPLITMIX64_GAMMA = np.uint64(0x9E3779B97F4A7C15)
SPLITMIX64_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
SPLITMIX64_MUL2 = np.uint64(0x94D049BB133111EB)


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-Z)); its derivative, A (1 - A), is folded into dZ_L = A_L - Y."""
    return 1 / (1 + np.exp(-Z))


def relu(Z: np.ndarray) -> np.ndarray:
    """max(0, Z); its derivative is the mask (A > 0), applied in :func:`backward`."""
    return np.maximum(0, Z)


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
) -> list[np.ndarray]:
    """Activations ``[A0 = X, A1, ..., AL]``; ``AL`` of shape (1, m) is the output.

    With ``masks`` (``{l: D_l}``, one boolean array of shape (n_l, m) per hidden
    layer, see :func:`dropout_mask`), each hidden layer's activations are dropped
    out after the ReLU: ``A_l = A_l * D_l / keep_prob``. The input and the output
    never are. Without them (the default) no dropout is applied at all.
    """
    L = len(parameters) // 2
    activations = [X]
    for l in range(1, L + 1):
        Z = np.dot(parameters[f"W{l}"], activations[-1]) + parameters[f"b{l}"]
        if l == L:
            activations.append(sigmoid(Z))
        elif masks is None:
            activations.append(relu(Z))
        else:
            activations.append(dropout(relu(Z), masks[l], keep_prob))
    return activations


def total_cross_entropy(AL: np.ndarray, Y: np.ndarray) -> float:
    """The binary cross-entropy summed over the examples (the optimisation study's
    ``compute_cost``).

    A saturated output (exactly 0 or 1) on the wrong label gives ``inf``; on the right
    label the ``0 * inf`` term is NaN and ``nansum`` drops it.
    """
    logprobs = np.multiply(-np.log(AL), Y) + np.multiply(-np.log(1 - AL), 1 - Y)
    return np.nansum(logprobs)


def compute_cost(AL: np.ndarray, Y: np.ndarray) -> float:
    """Binary cross-entropy exactly as the study computes it (``compute_loss``):
    the mean over the m examples of :func:`total_cross_entropy`."""
    m = Y.shape[1]
    return 1.0 / m * total_cross_entropy(AL, Y)


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
) -> dict[str, np.ndarray]:
    """Gradients ``dW1, db1, ..., dWL, dbL`` of :func:`compute_cost` plus
    ``l2_penalty(parameters, l2) / m``, for the activations of :func:`forward`
    (with the same ``masks`` and ``keep_prob``, if any).

    Like the study's ``backward_propagation``, the dict also holds the gradients of
    the pre-activations and activations, ``dZ1 ... dZL`` and ``dA1 ... dA(L-1)``. The
    training loop keeps them until the next iteration's replace them, as the study's
    does; freed at once, they left the top of the heap free for glibc to hand back to
    the kernel, and every iteration faulted it in again (benchmarks/README.md).

    The cross-entropy part keeps the studies' order of operations
    (``dZ_L = 1/m (A_L - Y)``, then ``dW = dZ . A_prev^T``); the L2 part,
    ``(l2 / m) W``, is added after it, and only when ``l2 > 0``, so that ``l2=0``
    computes exactly what it always has.
    """
    L = len(activations) - 1
    m = Y.shape[1]
    grads = {}
    dZ = 1.0 / m * (activations[L] - Y)          # sigmoid + cross-entropy
    for l in range(L, 0, -1):
        A_prev = activations[l - 1]
        grads[f"dZ{l}"] = dZ
        grads[f"dW{l}"] = np.dot(dZ, A_prev.T)    # Z = W . A_prev + b
        if l2 > 0:                                 # d/dW of (l2 / 2m) ||W||^2
            grads[f"dW{l}"] = grads[f"dW{l}"] + (l2 / m) * parameters[f"W{l}"]
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True)
        if l > 1:
            dA_prev = np.dot(parameters[f"W{l}"].T, dZ)
            if masks is not None:                  # A_prev = dropout(relu(Z_prev))
                dA_prev = dropout_backward(dA_prev, masks[l - 1], keep_prob)
            grads[f"dA{l - 1}"] = dA_prev
            dZ = np.multiply(dA_prev, np.int64(A_prev > 0))  # relu
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
) -> TrainResult:
    """Train with plain NumPy: the study's full-batch gradient descent and the
    options of the course unit "Improving deep neural networks".

    With every option at its default this is :func:`fastnn.train` (without its
    ``n_threads`` and ``kernel``): the same checks, warnings and result, and the
    study's operations exactly. Each epoch runs its mini-batches in order; each
    mini-batch is one forward pass (with dropout), its cost, one backward pass
    (with L2 and dropout) and one update by the optimiser.

    Parameters
    ----------
    X : array_like of shape (n_x, m)
        Inputs, examples in columns. Integer, boolean, float32 and non-contiguous
        arrays are converted to C-contiguous float64 (the input is never modified).
    Y : array_like of shape (1, m) or (m,)
        Labels, 0 or 1; a flat array of m labels is taken as the row (1, m).
    layers_dims : sequence of int, optional
        ``[n_x, n_1, ..., n_{L-1}, 1]``. Defaults to the study's ``[n_x, 10, 5, 1]``,
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

    Returns
    -------
    TrainResult
        The parameters after the last epoch, and ``costs[e]``, the cost of epoch
        ``e``: the sum over its mini-batches of each one's summed cross-entropy,
        plus ``(l2 / 2) * sum_l ||W_l||^2`` per mini-batch, each computed before
        that mini-batch's update (with its dropout masks), the total divided by m.
        For full batch this is the study's cost, and with ``l2`` the course's
        ``compute_cost_with_regularization``:
        ``cross_entropy + (1 / m) (l2 / 2) sum_l ||W_l||^2``. ``learning_rate`` is
        the one given, before decay. ``state`` holds what ``resume`` needs: the
        epochs trained over the whole run, the velocities and moments (keyed
        ``"W1"``, ... like the parameters, where this module keys them ``"dW1"``,
        ... like the gradients) and Adam's ``t``.

    Raises
    ------
    ValueError, TypeError
        As :func:`fastnn.train` for the data, the network, the study's arguments
        and ``resume``, and as :func:`fastnn._validate.check_options` for the
        options: all before anything is drawn or trained.
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
    )
    X, Y, parameters = problem.X, problem.Y, start_from.parameters
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
        )

    # The run as it stood after the last finished epoch, rebound in one assignment
    # (the update functions make new arrays and never change old ones), so that a
    # Ctrl-C between two mini-batches hands back whole epochs only.
    finished = (0, parameters, v, s, t)
    unit = "iteration" if options.mini_batch_size is None else "epoch"
    start = time.perf_counter()
    try:
        # Saturated sigmoids make log(0) and 0 * inf: expected, and handled by nansum.
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
                    activations = forward(X_batch, parameters, masks, options.keep_prob)
                    summed_cost += total_cross_entropy(activations[-1], Y_batch)
                    if options.l2 > 0:
                        summed_cost += l2_penalty(parameters, options.l2)
                    grads = backward(Y_batch, activations, parameters, masks, options.keep_prob, options.l2)
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
    X: Any, Y: Any, parameters: Mapping[str, Any], *, l2: float = 0.0
) -> tuple[float, dict[str, np.ndarray]]:
    """Cost and gradients at ``parameters``: one forward and one backward pass.

    The same arguments, checks and result as :func:`fastnn.cost_and_gradients`:
    with ``l2 > 0`` the cost is the course's ``compute_cost_with_regularization``,
    ``compute_cost + (1 / m) (l2 / 2) sum_l ||W_l||^2``, and each ``dW_l`` gains
    ``(l2 / m) W_l`` (see :func:`backward`).
    """
    X, Y = check_X_Y(X, Y)
    _, parameters = check_network(parameters, X)
    l2 = check_l2(l2)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        activations = forward(X, parameters)
        cost = compute_cost(activations[-1], Y)
        if l2 > 0:
            cost = cost + 1.0 / Y.shape[1] * l2_penalty(parameters, l2)
        grads = backward(Y, activations, parameters, l2=l2)
    # The parameters' gradients only, as the compiled engine returns them.
    return cost, {key: value for key, value in grads.items() if key[:2] in ("dW", "db")}
