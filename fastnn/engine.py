"""The compiled engine's Python side: pack parameters, allocate, call the kernel.

:func:`train` runs the kernel in chunks of iterations. Between chunks control comes
back to Python: costs are printed, Ctrl-C is honoured, and a divergence flagged by the
kernel is raised with advice. Nothing is allocated per iteration; the kernel
(``fastnn._core_<build>``, source in ``src_pyx/_kernel.pxi.tp``, build chosen by
``fastnn._dispatch``) runs each chunk without the GIL.
"""
from __future__ import annotations

import contextlib
import time
from typing import Any, Mapping, Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from fastnn import _dispatch
from fastnn._validate import (
    OPTIMIZER_STATE,
    ModelOptions,
    Seed,
    TrainingOptions,
    TrainingState,
    check_final_cost,
    check_l2,
    check_network_data,
    check_positive_int,
    divergence,
)
from fastnn.init import Scheme, prepare_training
from fastnn.result import TrainResult

# The kernel build used when a call does not name one is chosen once, by _dispatch
# (which build_info reports); choosing it now makes a bad FASTNN_KERNEL fail the import.
_dispatch.default_build()

__all__ = ["train", "predict_proba", "cost_and_gradients", "pack", "unpack"]

# Iterations per kernel call: at most 1000 (a few ms at the study's size), and fewer
# on big problems, so that one call does at most CHUNK_WORK example x parameter
# updates (~0.1 s): printing and Ctrl-C stay responsive at any size. With
# mini-batches a call also takes its epochs' permutations, at most CHUNK_EXAMPLES
# indices (32 MB), so memory stays flat as m grows whatever the network's size.
CHUNK = 1000
CHUNK_WORK = 300_000_000
CHUNK_EXAMPLES = 1 << 22


def _chunk_iterations(m: int, n_params: int, mini_batches: bool = False) -> int:
    chunk = min(CHUNK, CHUNK_WORK // (m * n_params))
    if mini_batches:
        chunk = min(chunk, CHUNK_EXAMPLES // m)
    return max(1, chunk)


def _threads(n_threads: int | None) -> int:
    # The kernel uses at most one thread per group of examples, and a problem that
    # fits in one group (the study's 300 examples) runs on one thread whatever is
    # asked, so the default costs nothing on small data.
    if n_threads is None:
        return _dispatch.available_cores()
    return check_positive_int(n_threads, "n_threads")


# The kernel's codes for the optimisers (src_pyx/_kernel.pxi.tp: OPT_GD, ...).
OPTIMIZER_CODES = {"gd": 0, "momentum": 1, "adam": 2}


def _decayed_learning_rate(learning_rate: float, epoch: int, options: TrainingOptions) -> float:
    """The learning rate of epoch ``epoch`` (from 0):
    ``learning_rate / (1 + decay_rate * floor(epoch / time_interval))``, computed as
    the oracle computes it."""
    return learning_rate / (1 + options.decay_rate * (epoch // options.time_interval))


def _permutations(m: int, shuffle_seed: int, epochs: range) -> np.ndarray:
    """The order of the examples in each epoch, one row each: ``np.random.seed(
    shuffle_seed + epoch + 1); np.random.permutation(m)``, from a local RandomState.
    Re-seeding one RandomState draws the same stream as a new ``RandomState(seed)``
    (both seed MT19937 the legacy way) in a fifteenth of the time."""
    rng = np.random.RandomState()
    permutations = np.empty((len(epochs), m), dtype=np.intp)
    for row, epoch in enumerate(epochs):
        rng.seed(shuffle_seed + epoch + 1)
        permutations[row] = rng.permutation(m)
    return permutations


def _kernel(build: str | None, dtype: np.dtype = np.dtype(np.float64)):
    return _dispatch.load(_dispatch.default_build() if build is None else build, np.dtype(dtype).name)


# Layers with at least this many weights run their products through BLAS (gemm)
# instead of the kernel's register tiles, per precision. Measured with gradient calls
# at m = 1797 (1 thread, x86_64_v3 build; bench_widths.py times whole networks): in
# float64 gemm was 1.02x the tiles' speed at 1,024 weights a layer ([64, 16, 1]),
# 1.19x at 2,048 and 1.28x at 4,096, and 0.75x at 256; in float32, whose tiles hold
# twice the values, 0.83x at 2,048, 1.03x at 4,096, 1.14x at 8,192.
BLAS_MIN_WEIGHTS = {"float64": 2048, "float32": 4096}


def _kernel_arguments(core, model: ModelOptions, options: TrainingOptions | None = None) -> dict[str, Any]:
    """The kernel's keyword arguments for ``model``: the codes of its output layer
    and hidden activation (the kernel module's own tables) and the BLAS threshold of
    its precision.

    Raises
    ------
    NotImplementedError
        For dropout (``keep_prob < 1``) with hidden units other than ReLU, which
        only :func:`fastnn.reference.train` runs: the kernel's dropout derivative
        relies on ReLU's.
    """
    if options is not None and options.keep_prob < 1 and model.hidden_activation != "relu":
        raise NotImplementedError(
            f"keep_prob={options.keep_prob} with hidden_activation={model.hidden_activation!r}"
            " is not in the compiled engine (its dropout needs relu hidden units);"
            " fastnn.reference.train runs it"
        )
    return {
        "output": core.OUTPUTS[model.output],
        "hidden": core.HIDDEN_ACTIVATIONS[model.hidden_activation],
        "blas_min_weights": BLAS_MIN_WEIGHTS[model.dtype.name],
    }


def _one_blas_thread(layers_dims: Sequence[int], dtype: np.dtype):
    """A context in which BLAS runs on one thread, if a layer of ``layers_dims``
    goes through BLAS (else nothing): the kernel calls gemm from each of its own
    threads, and a BLAS starting threads of its own inside them would oversubscribe
    the cores."""
    threshold = BLAS_MIN_WEIGHTS[np.dtype(dtype).name]
    if any(n_in * n_out >= threshold for n_in, n_out in zip(layers_dims, layers_dims[1:])):
        return threadpool_limits(1, user_api="blas")
    return contextlib.nullcontext()


def _layout(layers_dims: Sequence[int]) -> tuple[np.ndarray, np.ndarray, int]:
    """``dims``, the offsets of W_l and b_l in the packed buffer, and its length."""
    dims = np.asarray(layers_dims, dtype=np.intp)
    offsets = np.empty(2 * (len(dims) - 1), dtype=np.intp)
    position = 0
    for l in range(1, len(dims)):
        offsets[2 * (l - 1)] = position
        position += dims[l] * dims[l - 1]
        offsets[2 * (l - 1) + 1] = position
        position += dims[l]
    return dims, offsets, position


def pack(
    parameters: Mapping[str, np.ndarray], layers_dims: Sequence[int], dtype: Any = np.float64
) -> np.ndarray:
    """W1, b1, W2, b2, ... flattened into one buffer of ``dtype``, the kernel's layout."""
    L = len(layers_dims) - 1
    return np.concatenate(
        [np.ravel(parameters[f"{name}{l}"]) for l in range(1, L + 1) for name in "Wb"]
    ).astype(dtype, copy=False)


def unpack(theta: np.ndarray, layers_dims: Sequence[int]) -> dict[str, np.ndarray]:
    """The inverse of :func:`pack`: fresh arrays ``{"W1": ..., "b1": ..., ...}``."""
    _, offsets, _ = _layout(layers_dims)
    parameters = {}
    for l in range(1, len(layers_dims)):
        n_out, n_in = layers_dims[l], layers_dims[l - 1]
        w, b = offsets[2 * (l - 1)], offsets[2 * (l - 1) + 1]
        parameters[f"W{l}"] = theta[w : w + n_out * n_in].reshape(n_out, n_in).copy()
        parameters[f"b{l}"] = theta[b : b + n_out].reshape(n_out, 1).copy()
    return parameters


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
    n_threads: int | None = None,
    kernel: str | None = None,
) -> TrainResult:
    """Train the network on the compiled engine: by default the study's full-batch
    gradient descent; also mini-batches, momentum, Adam, learning-rate decay and L2.

    Parameters
    ----------
    X : array_like of shape (n_x, m)
        Inputs, examples in columns. Integer, boolean, float and non-contiguous
        arrays are converted to C-contiguous arrays of the run's dtype (the input
        is never modified).
    Y : array_like of shape (K, m), or (1, m) or (m,)
        Targets for ``output``, K = ``layers_dims[-1]``: labels 0 or 1 (sigmoid),
        one-hot columns or a row of class labels 0 to K - 1 (softmax), or real
        values (identity); a flat array of m values (scikit-learn's ``y``) is
        taken as the row (1, m).
    layers_dims : sequence of int, optional
        ``[n_x, n_1, ..., n_{L-1}, K]``. Defaults to the study's ``[n_x, 10, 5, 1]``,
        or to the shapes of ``parameters`` when those are given.
    initialization : str or callable, default="he"
        Scheme for the initial weights: a name in
        :data:`fastnn.init.INITIALIZATIONS` (or an alias), or a scheme
        ``(fan_out, fan_in, rng) -> W`` itself, such as
        ``fastnn.variance_scaling(...)``; the result records a callable by its
        ``__name__``. Ignored when ``parameters`` are given.
    learning_rate : float, default=0.01
    num_iterations : int, default=15000
        Iterations (epochs, with mini-batches) to run; with ``resume``, how many
        more.
    seed : int, Generator or RandomState, default=3
        Seed of the initialisation (the study's 3): an int in [0, 2**32) seeds a
        legacy ``RandomState``; a ``Generator`` or ``RandomState`` is drawn from.
        Checked even for a warm start, and recorded in the result as given (with
        ``resume``, the result records the resumed run's seed instead).
    parameters : dict, optional
        Start from these parameters (a warm start) instead of drawing new ones.
        They are copied, not modified. The optimiser's state and the epoch count
        start afresh, at zero.
    resume : TrainResult, optional
        Continue this run exactly where it stopped, as if it had never stopped:
        its parameters, its ``state`` (epochs trained, so that shuffling,
        learning-rate decay and dropout masks go on from there; the optimiser's
        velocities, moments and step count) and its network; ``num_iterations``
        more iterations. N iterations and then M more give, bit for bit, the
        N + M of one call, on the same engine (a result of either engine resumes
        on either). Every option - ``learning_rate``, ``optimizer``,
        ``mini_batch_size``, ``shuffle_seed``, ``beta``, ``beta1``, ``beta2``,
        ``epsilon``, ``decay_rate``, ``time_interval``, ``l2``, ``keep_prob`` -
        must be passed again with the value the run was trained with (the
        signature's defaults cannot tell an option left out from one passed at
        its default, and a changed option would not continue the run);
        ``layers_dims`` may be left out; ``initialization`` and ``seed`` are
        ignored. Not with ``parameters``.
    gain : float, default=1.0
        Multiplies the drawn initial weights (see :func:`fastnn.calculate_gain`);
        must stay 1 for a warm start or ``resume``.
    print_cost : bool, default=False
        Print ``Cost after iteration i: c`` every 1000 iterations, as the study does
        (``epoch`` with mini-batches); a resumed run goes on counting from the
        epochs it had trained.
    optimizer, mini_batch_size, shuffle_seed, beta, beta1, beta2, epsilon, decay_rate, time_interval, l2, keep_prob
        The course's optimisation and regularisation options, exactly as
        :func:`fastnn.reference.train` defines them (with mini-batches,
        ``num_iterations`` counts epochs; dropout draws the oracle's masks, bit for
        bit). At their defaults training is the study's full-batch gradient
        descent, on its own kernel loop.
    output, hidden_activation, dtype
        The output layer and its loss, the hidden units and the precision, as
        :func:`fastnn.reference.train` defines them; ``dtype=None`` is float64
        unless ``parameters`` or ``resume`` are float32. Layers with at least
        :data:`BLAS_MIN_WEIGHTS` weights run through BLAS. Dropout
        (``keep_prob < 1``) needs ReLU hidden units here.
    n_threads : int, optional
        Threads to run on; default: all cores available to the process. Examples are
        split into groups of blocks of 320 that threads take whole: 8 blocks a group
        up to 163,840 examples, then at most 64 groups (fewer for networks of more
        than 8,192 to 32,768 parameters, by the build's vector width, whose groups'
        partial gradients would pass 32 MiB), so up to 2,560 examples one thread
        runs. The result is bitwise identical for any number of threads.
    kernel : str, optional
        Kernel build to use (see :func:`fastnn.build_info`); default: the best one
        this CPU supports, or the ``FASTNN_KERNEL`` environment variable.

    Returns
    -------
    TrainResult
        ``.parameters`` after the last iteration, ``.costs``, one per iteration of
        this call, and ``.state``, what ``resume`` needs to continue.

    Raises
    ------
    ValueError
        If an array has the wrong shape (``X`` transposed is named as such), holds
        NaN or inf, ``Y`` holds targets its output layer does not take (or does not
        match K), ``output``, ``hidden_activation`` or ``dtype`` is not one of
        those listed, ``parameters`` are of the other dtype, ``layers_dims`` does not
        fit ``X`` or is not positive, the initialisation is unknown,
        ``learning_rate``/``num_iterations`` is not positive, an int ``seed`` is
        outside [0, 2**32), ``gain`` is not finite, or ``gain`` is not 1 for a warm
        start or ``resume``; with ``resume``, if ``parameters`` are given too, the
        result has no state, its network does not fit ``X`` or ``layers_dims``,
        or an option or the learning rate differs from the result's (the message
        lists them) - see :func:`fastnn.init.resume_point`.
    TypeError
        If an array does not hold real numbers, an option has the wrong type, or
        ``resume`` is not a TrainResult.
    NotImplementedError
        For dropout with hidden units other than ReLU, which only
        :func:`fastnn.reference.train` runs.
    FloatingPointError
        If the parameters overflow to NaN or inf (learning rate too large); the
        message names the iteration.
    KeyboardInterrupt
        On Ctrl-C, within about 0.1 s and never in the middle of an update. The
        exception's ``partial_result`` attribute is a :class:`TrainResult` with the
        parameters, costs and state of every iteration completed so far; pass it
        as ``resume`` to continue exactly.

    Warns
    -----
    RuntimeWarning
        If the final cost is infinite (the output sigmoid saturated on wrong
        labels): the message points at the learning rate if the cost was finite
        earlier, else at the initial weights. An infinite cost at the first
        iterations only, as the study's large random start has, gives no warning.

    Examples
    --------
    The study's He run, then 5,000 more iterations from where it stopped:

    >>> import fastnn
    >>> train_X, train_Y, test_X, test_Y = fastnn.load_dataset()
    >>> result = fastnn.train(train_X, train_Y, [2, 10, 5, 1], initialization="he")
    >>> len(result.costs), round(result.final_cost, 4)
    (15000, 0.0648)
    >>> fastnn.accuracy(test_X, test_Y, result.parameters)
    0.96
    >>> more = fastnn.train(train_X, train_Y, resume=result, num_iterations=5000)
    >>> more.final_cost < result.final_cost
    True
    """
    problem, options, start_from = prepare_training(
        X, Y, layers_dims, initialization, learning_rate, num_iterations, seed, parameters,
        resume, gain,
        optimizer=optimizer, mini_batch_size=mini_batch_size, shuffle_seed=shuffle_seed,
        beta=beta, beta1=beta1, beta2=beta2, epsilon=epsilon, decay_rate=decay_rate,
        time_interval=time_interval, l2=l2, keep_prob=keep_prob,
        output=output, hidden_activation=hidden_activation, dtype=dtype,
    )
    resumed = start_from.state
    done_before = 0 if resumed is None else resumed.epochs   # epochs of the run so far
    dtype = problem.model.dtype
    core = _kernel(kernel, dtype)
    model = _kernel_arguments(core, problem.model, options)
    threads = _threads(n_threads)
    dims, offsets, n_params = _layout(start_from.layers_dims)
    theta = pack(start_from.parameters, start_from.layers_dims, dtype)
    grad = np.empty(n_params, dtype)
    y = problem.Y
    costs = np.empty(problem.num_iterations)
    progress = np.zeros(1, dtype=np.intp)  # iterations finished; the kernel counts
    chunk_size = _chunk_iterations(problem.X.shape[1], n_params, options.mini_batch_size is not None)
    kept = OPTIMIZER_STATE[options.optimizer]

    def result(iterations: int) -> TrainResult:
        state = TrainingState(
            options, done_before + iterations, int(adam_steps[0]),
            velocity=unpack(velocity, start_from.layers_dims) if "velocity" in kept else None,
            second_moment=unpack(second_moment, start_from.layers_dims) if "second_moment" in kept else None,
        )
        return TrainResult(
            parameters=unpack(theta, start_from.layers_dims),
            costs=costs[:iterations],
            layers_dims=start_from.layers_dims,
            initialization=start_from.initialization,
            learning_rate=problem.learning_rate,
            seed=problem.seed if resume is None else resume.seed,
            engine="compiled",
            elapsed=time.perf_counter() - start,
            state=state,
            output=problem.model.output,
            hidden_activation=problem.model.hidden_activation,
        )

    # The study's full-batch gradient descent keeps its own kernel loop; every other
    # combination of options runs epochs of batches with an optimiser's state.
    study = (options.optimizer == "gd" and options.mini_batch_size is None
             and options.l2 == 0 and options.decay_rate == 0 and options.keep_prob == 1)
    # The optimiser's state, carried from one kernel call to the next (and over from
    # the run resumed): zeros where it starts afresh or the optimiser keeps none.
    velocity, second_moment = np.zeros(n_params, dtype), np.zeros(n_params, dtype)
    adam_steps = np.zeros(1, dtype=np.intp)
    if resumed is not None:
        if resumed.velocity is not None:
            velocity = pack(resumed.velocity, start_from.layers_dims, dtype)
        if resumed.second_moment is not None:
            second_moment = pack(resumed.second_moment, start_from.layers_dims, dtype)
        adam_steps[0] = resumed.adam_steps
    unit = "iteration" if options.mini_batch_size is None else "epoch"

    def run_chunk(first: int, chunk: np.ndarray) -> int:
        # ``first`` is the run's epoch number of ``chunk[0]``, which fixes its
        # permutation, its decayed rate and its dropout masks.
        if study:
            return core.train_chunk(
                problem.X, y, dims, offsets, theta, grad, chunk, progress,
                problem.learning_rate, threads, **model,
            )
        epochs = range(first, first + len(chunk))
        rates = np.array([_decayed_learning_rate(problem.learning_rate, e, options) for e in epochs])
        permutations = None
        if options.mini_batch_size is not None:
            permutations = _permutations(problem.X.shape[1], options.shuffle_seed, epochs)
        return core.train_epochs(
            problem.X, y, dims, offsets, theta, grad, chunk, progress, rates, permutations,
            options.mini_batch_size or problem.X.shape[1], OPTIMIZER_CODES[options.optimizer],
            options.beta, options.beta1, options.beta2, options.epsilon, options.l2,
            options.keep_prob, options.shuffle_seed, first, velocity, second_moment, adam_steps,
            threads, **model,
        )

    start = time.perf_counter()
    try:
        with _one_blas_thread(start_from.layers_dims, dtype):
            for first in range(0, problem.num_iterations, chunk_size):
                chunk = costs[first : first + chunk_size]
                epoch = done_before + first
                done = run_chunk(epoch, chunk)
                if print_cost:
                    for i in range(epoch + (-epoch) % 1000, epoch + done, 1000):
                        print(f"Cost after {unit} {i}: {costs[i - done_before]}")
                if done < len(chunk):
                    raise divergence(epoch + done - 1, problem.learning_rate)
    except KeyboardInterrupt as interrupt:
        # Ctrl-C is seen between kernel calls, never inside an update: the work done
        # so far is consistent, and goes with the exception.
        interrupt.partial_result = result(int(progress[0]))
        raise
    check_final_cost(costs, problem.learning_rate)
    return result(problem.num_iterations)


def predict_proba(
    X: Any,
    parameters: Mapping[str, Any],
    *,
    output: str = "sigmoid",
    hidden_activation: str = "relu",
    n_threads: int | None = None,
    kernel: str | None = None,
) -> np.ndarray:
    """The network's output layer on the compiled engine: the sigmoid
    probabilities, the softmax's class probabilities or the identity's values.

    Parameters
    ----------
    X : array_like of shape (n_x, m)
    parameters : dict
        ``{"W1": ..., "b1": ..., ...}``, float64 or float32 (computed in their dtype).
    output, hidden_activation : str
        As for :func:`train`.
    n_threads, kernel
        As for :func:`train`.

    Returns
    -------
    ndarray of shape (K, m)
        In the parameters' dtype; for softmax each column sums to 1.

    Raises
    ------
    ValueError, TypeError
        As :func:`train`, for ``X``, ``parameters``, ``output`` and
        ``hidden_activation``.
    """
    model, X, _, layers_dims, checked = check_network_data(
        X, None, parameters, output=output, hidden_activation=hidden_activation
    )
    dims, offsets, _ = _layout(layers_dims)
    out = np.empty((layers_dims[-1], X.shape[1]), model.dtype)
    core = _kernel(kernel, model.dtype)
    with _one_blas_thread(layers_dims, model.dtype):
        core.forward(
            X, dims, offsets, pack(checked, layers_dims, model.dtype), out, _threads(n_threads),
            **_kernel_arguments(core, model),
        )
    return out


def cost_and_gradients(
    X: Any, Y: Any, parameters: Mapping[str, Any], *, l2: float = 0.0,
    output: str = "sigmoid", hidden_activation: str = "relu",
    n_threads: int | None = None, kernel: str | None = None,
) -> tuple[float, dict[str, np.ndarray]]:
    """Cost and gradients at ``parameters``, computed as a full-batch training
    iteration of the compiled engine computes them (for gradient checks and
    diagnostics): exactly so without L2; with ``l2`` the penalty's sum and its
    place in the cost differ from the training loop's by rounding (1 ulp).

    Parameters
    ----------
    X : array_like of shape (n_x, m)
    Y : array_like of shape (K, m), or (1, m) or (m,)
        Targets for ``output``, as for :func:`train`.
    parameters : dict
        ``{"W1": ..., "b1": ..., ...}``; not modified. Computed in their dtype.
    l2 : float, default=0.0
        L2 regularisation strength (the course's ``lambd``), >= 0: the cost gains
        ``(1 / m) (l2 / 2) sum_l ||W_l||^2`` (the course's
        ``compute_cost_with_regularization``) and each ``dW_l`` gains
        ``(l2 / m) W_l``. 0 leaves both exactly as they were.
    output, hidden_activation : str
        As for :func:`train`.
    n_threads, kernel
        As for :func:`train`.

    Returns
    -------
    cost : float
    grads : dict
        ``{"dW1": ..., "db1": ..., ...}``, shaped like the parameters.

    Raises
    ------
    ValueError, TypeError
        As :func:`train`, for ``X``, ``Y``, ``parameters``, ``l2``, ``output``
        and ``hidden_activation``.
    """
    model, X, Y, layers_dims, checked = check_network_data(
        X, Y, parameters, output=output, hidden_activation=hidden_activation
    )
    l2 = check_l2(l2)
    dims, offsets, n_params = _layout(layers_dims)
    grad = np.empty(n_params, model.dtype)
    core = _kernel(kernel, model.dtype)
    with _one_blas_thread(layers_dims, model.dtype):
        cost = core.gradient(
            X, Y, dims, offsets,
            pack(checked, layers_dims, model.dtype), grad,
            _threads(n_threads), **_kernel_arguments(core, model),
        )
    grads = {f"d{key}": value for key, value in unpack(grad, layers_dims).items()}
    if l2 > 0:
        # The L2 terms are added here, in Python, once per call (not a training loop):
        # after the cross-entropy's, in the oracle's order (fastnn.reference.backward
        # and l2_penalty), so that l2=0 changes nothing.
        m = X.shape[1]
        L = len(layers_dims) - 1
        penalty = l2 / 2 * sum(np.sum(np.square(checked[f"W{l}"])) for l in range(1, L + 1))
        cost = float(cost + 1.0 / m * penalty)      # a float, as without l2, in either dtype
        for l in range(1, L + 1):
            grads[f"dW{l}"] = grads[f"dW{l}"] + (l2 / m) * checked[f"W{l}"]
    return cost, grads
