"""The oracle's options from the course unit "Improving deep neural networks":
mini-batches, momentum, Adam, learning-rate decay, L2 regularisation and dropout.

``fastnn.reference.train`` is held, at every epoch, to a restatement of the course's
own code written below the obvious way; the course's optimisation study gives its
published accuracies; the dropout generator is checked against SplitMix64 written
with plain Python ints; every option is checked before anything runs; and with
every option at its default nothing changes, bit for bit.
"""
import math

import numpy as np
import pytest

import fastnn
from fastnn import reference

from conftest import assert_parameters_close, finite_difference_gradients, random_problem

# The restatement below computes the same quantities in the course's regularisation
# notebook's order (1/m applied to each dW, not to dZ_L; a regularised cost per
# mini-batch scaled back up by its size), so the two differ by rounding only:
# measured at <= 3.3e-16 relative over 20 epochs. 1e-12 leaves room for other BLAS
# and still catches any difference in the algorithm, which shows at ~1e-3 or more.
COURSE_COST_RTOL = 1e-12
# Parameters after 20 epochs, relative to the largest entry of each matrix (see
# assert_parameters_close): the same rounding, measured at <= 2.1e-16.
COURSE_PARAM_RTOL = 1e-12


@pytest.fixture(autouse=True)
def _global_random_state_restored():
    """The course's random_mini_batches seeds NumPy's global generator; leave the
    global state as this file found it."""
    state = np.random.get_state()
    yield
    np.random.set_state(state)


# ------------------------------------------------------------- the course's code
# The course's functions, generalised from its three layers to [n_x, ..., 1] and
# written the way its notebooks write them. Where the issue fixes a convention the
# course leaves open (the seed of each epoch, the learning rate of epoch i, the cost
# of an epoch with L2, where dropout's keys come from), the comment says so.


def sigmoid(x):
    s = 1 / (1 + np.exp(-x))
    return s


def relu(x):
    s = np.maximum(0, x)
    return s


def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    """The course's random_mini_batches; each mini-batch also carries its columns
    of X, which key the dropout masks."""
    np.random.seed(seed)
    m = X.shape[1]
    mini_batches = []
    permutation = list(np.random.permutation(m))
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((1, m))
    columns = np.array(permutation)
    num_complete_minibatches = math.floor(m / mini_batch_size)
    for k in range(0, num_complete_minibatches):
        mini_batch_X = shuffled_X[:, k * mini_batch_size:(k + 1) * mini_batch_size]
        mini_batch_Y = shuffled_Y[:, k * mini_batch_size:(k + 1) * mini_batch_size]
        mini_batch_columns = columns[k * mini_batch_size:(k + 1) * mini_batch_size]
        mini_batches.append((mini_batch_X, mini_batch_Y, mini_batch_columns))
    if m % mini_batch_size != 0:
        mini_batch_X = shuffled_X[:, num_complete_minibatches * mini_batch_size:]
        mini_batch_Y = shuffled_Y[:, num_complete_minibatches * mini_batch_size:]
        mini_batch_columns = columns[num_complete_minibatches * mini_batch_size:]
        mini_batches.append((mini_batch_X, mini_batch_Y, mini_batch_columns))
    return mini_batches


def forward_propagation(X, parameters, D=None, keep_prob=1.0):
    """forward_propagation, or forward_propagation_with_dropout when the masks D
    ({l: D_l} for each hidden layer) are given."""
    L = len(parameters) // 2
    cache = [X]
    A = X
    for l in range(1, L):
        Z = np.dot(parameters["W" + str(l)], A) + parameters["b" + str(l)]
        A = relu(Z)
        if D is not None:
            A = A * D[l]
            A = A / keep_prob
        cache.append(A)
    Z = np.dot(parameters["W" + str(L)], A) + parameters["b" + str(L)]
    AL = sigmoid(Z)
    cache.append(AL)
    return AL, cache


def compute_cost(a3, Y):
    m = Y.shape[1]
    logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    cost = 1. / m * np.nansum(logprobs)
    return cost


def compute_cost_with_regularization(A3, Y, parameters, lambd):
    m = Y.shape[1]
    L = len(parameters) // 2
    cross_entropy_cost = compute_cost(A3, Y)
    L2_regularization_cost = (1 / m) * (lambd / 2) * sum(
        np.sum(np.square(parameters["W" + str(l)])) for l in range(1, L + 1)
    )
    cost = cross_entropy_cost + L2_regularization_cost
    return cost


def backward_propagation_with_regularization(X, Y, cache, parameters, lambd, D=None, keep_prob=1.0):
    """backward_propagation_with_regularization, and with dropout when D is given."""
    m = X.shape[1]
    L = len(parameters) // 2
    grads = {}
    dZ = cache[L] - Y
    for l in range(L, 0, -1):
        A_prev = cache[l - 1]
        grads["dW" + str(l)] = 1. / m * np.dot(dZ, A_prev.T) + (lambd / m) * parameters["W" + str(l)]
        grads["db" + str(l)] = 1. / m * np.sum(dZ, axis=1, keepdims=True)
        if l > 1:
            dA = np.dot(parameters["W" + str(l)].T, dZ)
            if D is not None:
                dA = dA * D[l - 1]
                dA = dA / keep_prob
            dZ = np.multiply(dA, np.int64(A_prev > 0))
    return grads


def update_parameters_with_gd(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
    return parameters


def initialize_velocity(parameters):
    L = len(parameters) // 2
    v = {}
    for l in range(1, L + 1):
        v["dW" + str(l)] = np.zeros(parameters["W" + str(l)].shape)
        v["db" + str(l)] = np.zeros(parameters["b" + str(l)].shape)
    return v


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        v["dW" + str(l)] = beta * v["dW" + str(l)] + (1 - beta) * grads["dW" + str(l)]
        v["db" + str(l)] = beta * v["db" + str(l)] + (1 - beta) * grads["db" + str(l)]
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * v["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * v["db" + str(l)]
    return parameters, v


def initialize_adam(parameters):
    L = len(parameters) // 2
    v = {}
    s = {}
    for l in range(1, L + 1):
        v["dW" + str(l)] = np.zeros(parameters["W" + str(l)].shape)
        v["db" + str(l)] = np.zeros(parameters["b" + str(l)].shape)
        s["dW" + str(l)] = np.zeros(parameters["W" + str(l)].shape)
        s["db" + str(l)] = np.zeros(parameters["b" + str(l)].shape)
    return v, s


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01,
                                beta1=0.9, beta2=0.999, epsilon=1e-8):
    L = len(parameters) // 2
    v_corrected = {}
    s_corrected = {}
    for l in range(1, L + 1):
        for p in ("W", "b"):
            key = "d" + p + str(l)
            v[key] = beta1 * v[key] + (1 - beta1) * grads[key]
            v_corrected[key] = v[key] / (1 - beta1 ** t)
            s[key] = beta2 * s[key] + (1 - beta2) * np.power(grads[key], 2)
            s_corrected[key] = s[key] / (1 - beta2 ** t)
            parameters[p + str(l)] = parameters[p + str(l)] - learning_rate * v_corrected[key] / (
                np.sqrt(s_corrected[key]) + epsilon)
    return parameters, v, s


def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
    learning_rate = learning_rate0 / (1 + decay_rate * np.floor(epoch_num / time_interval))
    return learning_rate


def model(X, Y, parameters, optimizer, learning_rate=0.0007, mini_batch_size=64, beta=0.9,
          beta1=0.9, beta2=0.999, epsilon=1e-8, num_epochs=5000, shuffle_seed=10,
          lambd=0.0, decay_rate=0.0, time_interval=1000, keep_prob=1.0):
    """The optimisation notebook's model, with the regularisation notebook's L2 and
    dropout; mini_batch_size=None is the regularisation notebook's full batch."""
    parameters = {key: value.copy() for key, value in parameters.items()}
    L = len(parameters) // 2
    costs = []
    t = 0
    seed = shuffle_seed
    m = X.shape[1]
    learning_rate0 = learning_rate
    if optimizer == "momentum":
        v = initialize_velocity(parameters)
    elif optimizer == "adam":
        v, s = initialize_adam(parameters)
    for i in range(num_epochs):
        # The issue's convention: epoch i runs at schedule_lr_decay(lr0, i, ...).
        # (The course's loop sets it after epoch i, so epoch i + 1 runs at it.)
        learning_rate = schedule_lr_decay(learning_rate0, i, decay_rate, time_interval)
        seed = seed + 1
        if mini_batch_size is None:
            minibatches = [(X, Y, np.arange(m))]
        else:
            minibatches = random_mini_batches(X, Y, mini_batch_size, seed)
        cost_total = 0
        for step, (minibatch_X, minibatch_Y, columns) in enumerate(minibatches):
            D = None
            if keep_prob < 1:
                # The issue's masks: keyed by (seed, epoch, step, layer, unit, column of X).
                D = {l: reference.dropout_mask(shuffle_seed, i, step, l, parameters["W" + str(l)].shape[0],
                                               columns, keep_prob) for l in range(1, L)}
            AL, cache = forward_propagation(minibatch_X, parameters, D, keep_prob)
            # The issue's cost of an epoch: each mini-batch's summed, regularised cost.
            cost_total += minibatch_X.shape[1] * compute_cost_with_regularization(AL, minibatch_Y, parameters, lambd)
            grads = backward_propagation_with_regularization(
                minibatch_X, minibatch_Y, cache, parameters, lambd, D, keep_prob)
            if optimizer == "gd":
                parameters = update_parameters_with_gd(parameters, grads, learning_rate)
            elif optimizer == "momentum":
                parameters, v = update_parameters_with_momentum(parameters, grads, v, beta, learning_rate)
            elif optimizer == "adam":
                t = t + 1
                parameters, v, s = update_parameters_with_adam(
                    parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon)
        cost_avg = cost_total / m
        costs.append(cost_avg)
    return parameters, np.array(costs)


def study_gradient_descent(X, Y, parameters, learning_rate, num_iterations):
    """The initialisation study's model, generalised to any depth, in its exact order
    of operations: forward_propagation, compute_loss, backward_propagation,
    update_parameters."""
    parameters = {key: value.copy() for key, value in parameters.items()}
    L = len(parameters) // 2
    m = X.shape[1]
    costs = []
    for i in range(num_iterations):
        a = [X]
        for l in range(1, L + 1):
            z = np.dot(parameters["W" + str(l)], a[-1]) + parameters["b" + str(l)]
            a.append(relu(z) if l < L else sigmoid(z))
        logprobs = np.multiply(-np.log(a[L]), Y) + np.multiply(-np.log(1 - a[L]), 1 - Y)
        costs.append(1. / m * np.nansum(logprobs))
        grads = {}
        dz = 1. / m * (a[L] - Y)
        for l in range(L, 0, -1):
            grads["dW" + str(l)] = np.dot(dz, a[l - 1].T)
            grads["db" + str(l)] = np.sum(dz, axis=1, keepdims=True)
            if l > 1:
                da = np.dot(parameters["W" + str(l)].T, dz)
                dz = np.multiply(da, np.int64(a[l - 1] > 0))
        for l in range(1, L + 1):
            parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
            parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
    return parameters, np.array(costs)


# ------------------------------------------------------- defaults change nothing


def test_defaults_are_the_study_bit_for_bit(study_data):
    train_X, train_Y, _, _ = study_data
    result = reference.train(train_X, train_Y, num_iterations=2000)
    start = fastnn.initialize_parameters([2, 10, 5, 1], "he", 3)
    parameters, costs = study_gradient_descent(train_X, train_Y.astype(float), start, 0.01, 2000)
    np.testing.assert_array_equal(result.costs, costs)
    for key in parameters:
        np.testing.assert_array_equal(result.parameters[key], parameters[key], err_msg=key)


DEFAULTS = dict(optimizer="gd", mini_batch_size=None, shuffle_seed=10, beta=0.9, beta1=0.9, beta2=0.999,
                epsilon=1e-8, decay_rate=0.0, time_interval=1000, l2=0.0, keep_prob=1.0)


@pytest.mark.parametrize(
    "options",
    [
        DEFAULTS,
        {"keep_prob": 1.0, "l2": 0.0, "decay_rate": 0.0},
        # v = 0 v + 1 dW is dW exactly, so momentum with beta 0 is gradient descent.
        {"optimizer": "momentum", "beta": 0.0},
        # floor(e / time_interval) is 0 for the whole run: the rate is divided by 1.0.
        {"decay_rate": 0.5, "time_interval": 2001},
        # Full batch never shuffles, so its seed does not matter without dropout.
        {"shuffle_seed": 12345},
    ],
    ids=["all-explicit", "neutral-regularisation", "momentum-beta-0", "decay-after-the-run", "other-seed"],
)
def test_neutral_options_are_the_defaults_bit_for_bit(options, study_data):
    train_X, train_Y, _, _ = study_data
    default = reference.train(train_X, train_Y, num_iterations=2000)
    given = reference.train(train_X, train_Y, num_iterations=2000, **options)
    np.testing.assert_array_equal(given.costs, default.costs)
    for key in default.parameters:
        np.testing.assert_array_equal(given.parameters[key], default.parameters[key], err_msg=key)


def test_keep_prob_1_takes_no_dropout_path(study_data, monkeypatch):
    def no_mask(*args):
        raise AssertionError("keep_prob=1 drew a dropout mask")

    monkeypatch.setattr(reference, "dropout_mask", no_mask)
    train_X, train_Y, _, _ = study_data
    reference.train(train_X, train_Y, num_iterations=5, mini_batch_size=64, keep_prob=1.0)


# ------------------------------------------------ the oracle against the course

COURSE_X, COURSE_Y = fastnn.make_donut(320, noise=0.1, seed=1)
COURSE_Y = COURSE_Y.astype(float)
COURSE_DIMS = [2, 5, 4, 3, 1]        # three hidden layers, so every rule runs at depth
COURSE_START = fastnn.initialize_parameters(COURSE_DIMS, "he", 3)
COURSE_EPOCHS = 20
LEARNING_RATES = {"gd": 0.3, "momentum": 0.3, "adam": 0.01}
# 320 examples: batches of 64 divide them evenly; of 100 leave a remainder of 20.
BATCHES = {"full-batch": None, "batch-64": 64, "batch-100-remainder-20": 100}
DECAYS = {"no-decay": {}, "decay": {"decay_rate": 0.5, "time_interval": 4}}


def _hold_to_the_course(optimizer, batch, l2, decay, keep_prob=1.0):
    options = dict(optimizer=optimizer, mini_batch_size=BATCHES[batch], l2=l2, keep_prob=keep_prob, **DECAYS[decay])
    result = reference.train(COURSE_X, COURSE_Y, parameters=COURSE_START, num_iterations=COURSE_EPOCHS,
                             learning_rate=LEARNING_RATES[optimizer], **options)
    parameters, costs = model(
        COURSE_X, COURSE_Y, COURSE_START, optimizer, learning_rate=LEARNING_RATES[optimizer],
        mini_batch_size=BATCHES[batch], num_epochs=COURSE_EPOCHS, lambd=l2, keep_prob=keep_prob,
        **DECAYS[decay],
    )
    assert result.costs.shape == (COURSE_EPOCHS,)
    np.testing.assert_allclose(result.costs, costs, rtol=COURSE_COST_RTOL, atol=0)
    assert_parameters_close(result.parameters, parameters, COURSE_PARAM_RTOL)
    # The run must have moved, or agreeing would prove nothing.
    assert abs(costs[-1] - costs[0]) > 1e-3


@pytest.mark.parametrize("decay", sorted(DECAYS))
@pytest.mark.parametrize("l2", [0.0, 0.7], ids=["no-l2", "l2-0.7"])
@pytest.mark.parametrize("batch", list(BATCHES))
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_the_oracle_is_the_course_at_every_epoch(optimizer, batch, l2, decay):
    _hold_to_the_course(optimizer, batch, l2, decay)


@pytest.mark.parametrize(
    "optimizer, batch, l2",
    [("gd", "full-batch", 0.0), ("momentum", "batch-64", 0.0), ("adam", "batch-100-remainder-20", 0.7)],
    ids=["gd-full-batch", "momentum-batch-64", "adam-batch-100-l2"],
)
def test_the_oracle_with_dropout_is_the_course_at_every_epoch(optimizer, batch, l2):
    _hold_to_the_course(optimizer, batch, l2, "decay", keep_prob=0.8)


def test_mini_batches_are_the_courses():
    X, Y = COURSE_X[:, :10], COURSE_Y[:, :10]
    for epoch in range(3):
        # The course increments its seed (10) before each epoch.
        expected = [columns for _, _, columns in random_mini_batches(X, Y, 4, seed=10 + epoch + 1)]
        got = reference.mini_batches(10, 4, 10, epoch)
        assert [len(columns) for columns in got] == [4, 4, 2]
        for columns, course_columns in zip(got, expected, strict=True):
            np.testing.assert_array_equal(columns, course_columns)
    np.testing.assert_array_equal(reference.mini_batches(10, None, 10, 0)[0], np.arange(10))


def test_mini_batches_print_epochs(capsys):
    result = reference.train(COURSE_X, COURSE_Y, layers_dims=COURSE_DIMS, num_iterations=1001,
                             mini_batch_size=128, optimizer="adam", print_cost=True)
    assert capsys.readouterr().out == "".join(
        f"Cost after epoch {i}: {result.costs[i]}\n" for i in (0, 1000)
    )


# ------------------------------------------------ the course's optimisation study

# Train accuracies the course publishes for its optimisation study (4 digits).
PUBLISHED_ACCURACY = {"gd": 0.7967, "momentum": 0.7967, "adam": 0.94}


@pytest.fixture(scope="module")
def moons():
    # The course's np.random.seed(3); make_moons(n_samples=300, noise=.2), transposed;
    # tests/test_data.py holds load_moons to scikit-learn and to the arrays' fingerprint.
    return fastnn.load_moons()


# 10000 epochs of 5 mini-batches in NumPy: ~10 s per optimiser.
@pytest.mark.slow
@pytest.mark.parametrize("optimizer", sorted(PUBLISHED_ACCURACY))
def test_the_course_optimisation_study_gives_its_published_accuracy(optimizer, moons):
    X, Y = moons
    start = fastnn.initialize_parameters([2, 5, 2, 1], "he", 3)
    result = reference.train(X, Y, parameters=start, learning_rate=0.0007, num_iterations=10000,
                             optimizer=optimizer, mini_batch_size=64, shuffle_seed=10)
    accuracy = np.mean((reference.forward(X, result.parameters)[-1] > 0.5) == Y)
    assert round(accuracy, 4) == PUBLISHED_ACCURACY[optimizer]


# ------------------------------------------------------------------ dropout

UINT64 = 2**64 - 1


def splitmix64_int(z):
    """SplitMix64 on Python ints, reduced modulo 2**64 by hand."""
    z = (z + 0x9E3779B97F4A7C15) & UINT64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & UINT64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & UINT64
    return z ^ (z >> 31)


def keeps(seed, epoch, step, layer, unit, example, keep_prob):
    h = splitmix64_int(seed)
    for field in (epoch, step, layer, unit, example):
        h = splitmix64_int(h ^ field)
    return (h >> 11) * 2.0**-53 < keep_prob


def test_splitmix64_is_the_published_generator():
    # The first two outputs of splitmix64.c seeded with 0 (its state advances by
    # 0x9E3779B97F4A7C15 before each output, so the second hashes that constant).
    assert splitmix64_int(0) == 0xE220A8397B1DCDAF
    assert splitmix64_int(0x9E3779B97F4A7C15) == 0x6E789E6AA1B965F4
    states = [0, 1, 0x9E3779B97F4A7C15, 2**63, UINT64, 123456789 * 987654321]
    with np.errstate(over="ignore"):
        got = reference.splitmix64(np.array(states, dtype=np.uint64))
    assert got.dtype == np.uint64
    assert [int(h) for h in got] == [splitmix64_int(z) for z in states]


@pytest.mark.parametrize(
    "seed, epoch, step, layer, keep_prob",
    [(0, 0, 0, 1, 0.5), (10, 7, 3, 2, 0.8), (2**32 - 1, 10**6, 4000, 9, 0.1)],
    ids=["zeros", "course-seed", "large-fields"],
)
def test_dropout_mask_is_the_specified_hash(seed, epoch, step, layer, keep_prob):
    examples = np.array([0, 1, 2, 63, 64, 299, 10**6, 2**40])
    mask = reference.dropout_mask(seed, epoch, step, layer, 5, examples, keep_prob)
    expected = [[keeps(seed, epoch, step, layer, unit, int(e), keep_prob) for e in examples] for unit in range(5)]
    assert mask.dtype == bool and mask.shape == (5, 8)
    np.testing.assert_array_equal(mask, expected)


# dropout_mask(10, 0, 0, 1, 3, range(8), 0.5): key (seed 10, epoch 0, step 0, layer 1),
# units 0-2 in rows, examples 0-7 in columns; pinned from the plain-Python
# SplitMix64 above, so that a compiled kernel's masks can be checked against it.
KNOWN_MASK = [
    [1, 1, 0, 0, 0, 1, 1, 0],
    [1, 1, 1, 1, 0, 1, 0, 0],
    [1, 1, 0, 1, 0, 0, 0, 0],
]


def test_a_known_mask():
    mask = reference.dropout_mask(10, 0, 0, 1, 3, np.arange(8), 0.5)
    expected = [[keeps(10, 0, 0, 1, unit, example, 0.5) for example in range(8)] for unit in range(3)]
    np.testing.assert_array_equal(mask, expected)
    np.testing.assert_array_equal(mask.astype(int), KNOWN_MASK)


def test_dropout_decisions_do_not_depend_on_how_the_examples_are_batched():
    m = 300
    whole = reference.dropout_mask(10, 4, 0, 2, 7, np.arange(m), 0.7)
    np.testing.assert_array_equal(reference.dropout_mask(10, 4, 0, 2, 7, np.arange(m), 0.7), whole)
    # The same examples, shuffled and cut into batches of 64 and a remainder.
    permutation = np.random.RandomState(0).permutation(m)
    for columns in np.split(permutation, [64, 128, 192, 256]):
        np.testing.assert_array_equal(reference.dropout_mask(10, 4, 0, 2, 7, columns, 0.7), whole[:, columns])


@pytest.mark.parametrize("keep_prob", [0.1, 0.5, 0.8, 0.95])
def test_dropout_keeps_a_fraction_keep_prob(keep_prob):
    mask = reference.dropout_mask(10, 3, 1, 2, 200, np.arange(5000), keep_prob)
    # 10**6 draws: the kept fraction's standard deviation is sqrt(p (1 - p) / 10**6)
    # <= 5e-4, so 5e-3 (10 sigma) fails only for a biased generator or comparison.
    assert abs(mask.mean() - keep_prob) < 5e-3
    # Per unit, 5000 draws: standard deviation <= 7.1e-3; 0.05 is 7 sigma.
    assert np.abs(mask.mean(axis=1) - keep_prob).max() < 0.05


@pytest.mark.parametrize("field", ["seed", "epoch", "step", "layer"])
def test_each_field_of_the_key_draws_a_new_mask(field):
    key = dict(seed=10, epoch=3, step=1, layer=2)
    other = {**key, field: key[field] + 1}
    a = reference.dropout_mask(**key, n_units=100, examples=np.arange(1000), keep_prob=0.5)
    b = reference.dropout_mask(**other, n_units=100, examples=np.arange(1000), keep_prob=0.5)
    # Independent masks agree on half of 10**5 decisions (standard deviation 1.6e-3);
    # 0.02 is 12 sigma, and a field the hash ignored would agree everywhere.
    assert abs(np.mean(a == b) - 0.5) < 0.02


@pytest.mark.parametrize("l2", [0.0, 0.7], ids=["no-l2", "l2-0.7"])
@pytest.mark.parametrize("keep_prob", [1.0, 0.7], ids=["no-dropout", "keep-0.7"])
def test_backward_with_dropout_and_l2_matches_finite_differences(keep_prob, l2):
    X, Y = random_problem(3, 40, seed=7)
    m = X.shape[1]
    parameters = fastnn.initialize_parameters([3, 6, 5, 1], "he", seed=2)
    # Non-zero biases, so their gradients are exercised away from the symmetric start.
    for key in parameters:
        if key.startswith("b"):
            parameters[key] = np.random.RandomState(1).randn(*parameters[key].shape) * 0.1
    masks = None
    if keep_prob < 1:
        masks = {l: reference.dropout_mask(10, 0, 0, l, n, np.arange(m), keep_prob) for l, n in ((1, 6), (2, 5))}
        assert not all(mask.all() for mask in masks.values())

    def cost(p):  # the masks held fixed
        AL = reference.forward(X, p, masks, keep_prob)[-1]
        return reference.compute_cost(AL, Y) + reference.l2_penalty(p, l2) / m

    activations = reference.forward(X, parameters, masks, keep_prob)
    grads = reference.backward(Y, activations, parameters, masks, keep_prob, l2)
    numeric = finite_difference_gradients(cost, parameters)
    analytic = np.concatenate([grads[k].ravel() for k in sorted(numeric)])
    approx = np.concatenate([numeric[k].ravel() for k in sorted(numeric)])
    # Centred differences with eps = 1e-6 on an O(1) cost leave ~1e-10 absolute;
    # 1e-7 relative to the gradient's norm flags any wrong derivative.
    error = np.linalg.norm(analytic - approx) / (np.linalg.norm(analytic) + np.linalg.norm(approx))
    assert error < 1e-7


# --------------------------------------------------------------- validation

X0, Y0 = random_problem(2, 60, seed=4)
SMALL = dict(layers_dims=[2, 4, 3, 1], num_iterations=20, learning_rate=0.1)

BAD_OPTIONS = {
    "optimizer-unknown": ({"optimizer": "sgd"}, ValueError, r"optimizer must be one of \['gd', 'momentum', 'adam'\], got 'sgd'"),
    "optimizer-case": ({"optimizer": "Adam"}, ValueError, r"optimizer must be one of .*got 'Adam'"),
    "optimizer-none": ({"optimizer": None}, TypeError, r"optimizer must be one of .*got None"),
    "batch-zero": ({"mini_batch_size": 0}, ValueError, r"mini_batch_size must be an integer >= 1, or None for full batch, got 0"),
    "batch-negative": ({"mini_batch_size": -64}, ValueError, "mini_batch_size must be an integer >= 1"),
    "batch-float": ({"mini_batch_size": 64.0}, TypeError, "mini_batch_size must be an integer >= 1.*got 64.0"),
    "batch-bool": ({"mini_batch_size": True}, TypeError, "mini_batch_size must be an integer.*got True"),
    "keep-prob-zero": ({"keep_prob": 0.0}, ValueError, r"keep_prob must be in \(0, 1\], got 0.0"),
    "keep-prob-above-1": ({"keep_prob": 1.5}, ValueError, r"keep_prob must be in \(0, 1\], got 1.5"),
    "keep-prob-nan": ({"keep_prob": float("nan")}, ValueError, "keep_prob must be a finite number"),
    "keep-prob-string": ({"keep_prob": "0.8"}, TypeError, "keep_prob must be a number"),
    "l2-negative": ({"l2": -0.1}, ValueError, "l2 must be >= 0, got -0.1"),
    "l2-inf": ({"l2": float("inf")}, ValueError, "l2 must be a finite number, got inf"),
    "l2-bool": ({"l2": True}, TypeError, "l2 must be a number, got True"),
    "beta-1": ({"beta": 1.0}, ValueError, r"beta must be in \[0, 1\), got 1.0"),
    "beta-negative": ({"beta": -0.1}, ValueError, r"beta must be in \[0, 1\)"),
    "beta1-1": ({"beta1": 1}, ValueError, r"beta1 must be in \[0, 1\), got 1"),
    "beta2-above-1": ({"beta2": 1.001}, ValueError, r"beta2 must be in \[0, 1\), got 1.001"),
    "beta2-nan": ({"beta2": float("nan")}, ValueError, "beta2 must be a finite number"),
    "epsilon-zero": ({"epsilon": 0.0}, ValueError, "epsilon must be a finite number > 0, got 0.0"),
    "epsilon-negative": ({"epsilon": -1e-8}, ValueError, "epsilon must be a finite number > 0"),
    "decay-negative": ({"decay_rate": -1.0}, ValueError, "decay_rate must be >= 0, got -1.0"),
    "decay-inf": ({"decay_rate": float("inf")}, ValueError, "decay_rate must be a finite number"),
    "interval-zero": ({"time_interval": 0}, ValueError, "time_interval must be >= 1, got 0"),
    "interval-float": ({"time_interval": 1000.0}, TypeError, "time_interval must be an integer, got 1000.0"),
    "shuffle-seed-negative": ({"shuffle_seed": -1}, ValueError, r"shuffle_seed must be an int from 0 to 2\*\*32 - 1, got -1"),
    "shuffle-seed-too-large": ({"shuffle_seed": 2**32}, ValueError, r"shuffle_seed must be an int from 0 to 2\*\*32 - 1, got 4294967296"),
    # 20 epochs: the last would shuffle with RandomState(2**32 - 20 + 19 + 1) = 2**32.
    "shuffle-seed-past-the-last-epoch": (
        {"shuffle_seed": 2**32 - 20, "mini_batch_size": 16}, ValueError,
        r"shuffle_seed must be an int from 0 to 2\*\*32 - 1 - num_iterations = 4294967275 .*got 4294967276",
    ),
    "shuffle-seed-float": ({"shuffle_seed": 10.0}, TypeError, "shuffle_seed must be an int, got 10.0"),
    "shuffle-seed-bool": ({"shuffle_seed": False}, TypeError, "shuffle_seed must be an int, got False"),
}


@pytest.mark.parametrize("case", sorted(BAD_OPTIONS))
def test_bad_options_are_rejected_before_anything_runs(case):
    options, error, message = BAD_OPTIONS[case]
    drawn = []

    def scheme(fan_out, fan_in, rng):
        drawn.append((fan_out, fan_in))
        return rng.randn(fan_out, fan_in)

    with pytest.raises(error, match=message):
        reference.train(X0, Y0, **SMALL, initialization=scheme, **options)
    assert drawn == []


def test_the_largest_shuffle_seed_trains():
    # Its last epoch shuffles with RandomState(2**32 - 1), the largest seed there is.
    result = reference.train(X0, Y0, **SMALL, mini_batch_size=16, shuffle_seed=2**32 - 21)
    assert np.isfinite(result.costs).all()


@pytest.mark.parametrize(
    "options",
    [{"mini_batch_size": np.int64(16)}, {"beta": np.float32(0.5), "optimizer": "momentum"},
     {"keep_prob": 1}, {"shuffle_seed": np.uint32(7)}, {"l2": 1}],
    ids=["numpy-batch", "numpy-beta", "int-keep-prob", "numpy-seed", "int-l2"],
)
def test_numpy_and_integer_options_are_accepted(options):
    reference.train(X0, Y0, **SMALL, **options)
