"""The oracle's output layers (sigmoid, softmax, identity), hidden activations
(relu, tanh, sigmoid, identity) and dtypes (float64, float32).

The backward pass is held to centred differences for every combination, and to a
restatement written with loops over examples and units in plain Python, which
derives each gradient through the chain rule (the loss's derivative times the
activation's Jacobian) instead of the (A - Y) shortcuts the oracle uses. Then: the
two ways of giving softmax labels train identically, the identity output's cost is
scikit-learn's, a float32 run stays float32 and reaches the study's accuracy, the
checks refuse what they should with a message that says why, the compiled engine
refuses what its kernel does not run yet, and a model file keeps all of it.
"""
import dataclasses
import math

import numpy as np
import pytest

import fastnn
from fastnn import engine, reference
from fastnn._validate import HIDDEN_ACTIVATIONS, OUTPUTS

from conftest import edited_model_file, finite_difference_gradients

# (output, K): one unit and several (multi-label sigmoid, multi-output regression).
OUTPUT_UNITS = [("sigmoid", 1), ("sigmoid", 3), ("softmax", 3), ("identity", 1), ("identity", 2)]
OUTPUT_IDS = [f"{output}-K{K}" for output, K in OUTPUT_UNITS]
DTYPES = {"float64": np.float64, "float32": np.float32}

# Centred differences with eps = 1e-6 carry ~eps^2 truncation and ~1e-16 / eps
# rounding error; measured worst over these networks (6 seeds, with and without
# l2): 7.9e-9 of the largest gradient, 1.3e-6 relative on entries above 1e-3 of it.
# rtol 1e-6, floored at 1e-7 of the largest entry for the small entries, passes
# every right derivative and fails a wrong one (off by O(1); a derivative 1e-4 off
# fails too).
FD_RTOL = 1e-6
FD_ATOL = 1e-7
# float32 gradients against float64 differences at the same (float32) point: only
# float32 rounding differs. Measured over these networks, 6 seeds each, with and
# without l2: at most 4.4e-7 of the largest gradient (about 7 float32 ulps of it,
# eps = 6e-8), and 6.6e-5 relative on entries above 1e-3 of it. 5e-6 and 1e-3
# leave 10x margin and still catch a wrong derivative (off by O(1)).
FLOAT32_RTOL = 1e-3
FLOAT32_ATOL = 5e-6
# Two sums of the same few terms in different orders: ~1e-16 relative, floored at
# the largest entry's scale where terms cancel.
BY_HAND_RTOL = 1e-12


def _problem(output, K, seed=0, dims=(3, 5, 4), m=8, dtype=np.float64):
    """X (n_x, m), targets Y for ``output`` with K units, and parameters of the
    network ``[*dims, K]`` with non-zero biases, in ``dtype``."""
    rng = np.random.RandomState(seed)
    layers = [*dims, K]
    X = rng.randn(layers[0], m)
    parameters = {}
    for l in range(1, len(layers)):
        parameters[f"W{l}"] = (rng.randn(layers[l], layers[l - 1]) * 0.8).astype(dtype)
        parameters[f"b{l}"] = (rng.randn(layers[l], 1) * 0.3).astype(dtype)
    if output == "sigmoid":
        Y = (rng.rand(K, m) > 0.5).astype(np.float64)
    elif output == "softmax":
        Y = rng.randint(0, K, size=(1, m))           # class labels
    else:
        Y = rng.randn(K, m)
    return X, Y, parameters


def _one_hot(labels, K):
    one_hot = np.zeros((K, labels.size))
    one_hot[labels.ravel(), np.arange(labels.size)] = 1
    return one_hot


def _flat(grads, keys):
    return np.concatenate([np.ravel(grads[k]) for k in keys]).astype(np.float64)


def test_the_registries_hold_every_name_the_checks_accept():
    assert set(reference.ACTIVATIONS) == set(HIDDEN_ACTIVATIONS)
    assert set(reference.OUTPUT_LAYERS) == set(OUTPUTS)


# ------------------------------------------------------- finite differences


@pytest.mark.parametrize("l2", [0.0, 0.7], ids=["no-l2", "l2"])
@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("output, K", OUTPUT_UNITS, ids=OUTPUT_IDS)
def test_gradients_match_finite_differences(output, K, activation, dtype, l2):
    X, Y, parameters = _problem(output, K, seed=1, dtype=DTYPES[dtype])
    options = dict(l2=l2, output=output, hidden_activation=activation)
    cost, grads = reference.cost_and_gradients(X, Y, parameters, **options)
    assert all(g.dtype == DTYPES[dtype] for g in grads.values())

    # The differences in float64 at the very same point (float32 is exact in float64).
    at = {key: value.astype(np.float64) for key, value in parameters.items()}
    numeric = finite_difference_gradients(
        lambda p: reference.cost_and_gradients(X, Y, p, **options)[0], at
    )
    keys = sorted(numeric)
    analytic, approx = _flat(grads, keys), _flat(numeric, keys)
    scale = np.abs(approx).max()
    rtol, atol = (FD_RTOL, FD_ATOL) if dtype == "float64" else (FLOAT32_RTOL, FLOAT32_ATOL)
    np.testing.assert_allclose(analytic, approx, rtol=rtol, atol=atol * scale)


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("output, K", [("sigmoid", 1), ("softmax", 3), ("identity", 2)])
def test_dropout_backward_matches_finite_differences(output, K, activation):
    # With dropout the derivative must take each layer's activation before dropout:
    # tanh's 1 - A^2 of the scaled activation would be wrong where units are kept.
    X, Y, parameters = _problem(output, K, seed=2, m=12)
    Y = _one_hot(Y, K) if output == "softmax" else Y
    keep_prob = 0.7
    masks = {l: reference.dropout_mask(4, 0, 0, l, n, np.arange(12), keep_prob) for l, n in ((1, 5), (2, 4))}
    assert not all(mask.all() for mask in masks.values())
    names = dict(output=output, hidden_activation=activation)

    def cost(p):    # the masks held fixed
        return reference.compute_cost(reference.forward(X, p, masks, keep_prob, **names)[-1], Y, output)

    activations = reference.forward(X, parameters, masks, keep_prob, **names)
    grads = reference.backward(Y, activations, parameters, masks, keep_prob, **names)
    numeric = finite_difference_gradients(cost, parameters)
    keys = sorted(numeric)
    approx = _flat(numeric, keys)
    np.testing.assert_allclose(_flat(grads, keys), approx, rtol=FD_RTOL, atol=FD_ATOL * np.abs(approx).max())


# --------------------------------------------------- the restatement by hand
# Plain Python floats and loops, one example and one unit at a time. Each output
# layer gives its loss, the loss's derivative with respect to its activations and
# the activations' Jacobian; the chain rule multiplies them. None of it calls
# fastnn.


def _sigmoid(z):
    return 1 / (1 + math.exp(-z))


HIDDEN_BY_HAND = {   # g(z), g'(z), from z
    "relu": (lambda z: max(0.0, z), lambda z: 1.0 if z > 0 else 0.0),
    "tanh": (math.tanh, lambda z: 1 - math.tanh(z) ** 2),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1 - _sigmoid(z))),
    "identity": (lambda z: z, lambda z: 1.0),
}


def _softmax(z):
    exps = [math.exp(v) for v in z]
    return [e / sum(exps) for e in exps]


OUTPUT_BY_HAND = {   # activation(z), loss(a, y), dloss/da(a, y), Jacobian da_i/dz_j(a)
    "sigmoid": (
        lambda z: [_sigmoid(v) for v in z],
        lambda a, y: sum(-(yk * math.log(ak) + (1 - yk) * math.log(1 - ak)) for ak, yk in zip(a, y)),
        lambda a, y: [-yk / ak + (1 - yk) / (1 - ak) for ak, yk in zip(a, y)],
        lambda a: [[a[i] * (1 - a[i]) if i == j else 0.0 for j in range(len(a))] for i in range(len(a))],
    ),
    "softmax": (
        _softmax,
        lambda a, y: sum(-yk * math.log(ak) for ak, yk in zip(a, y)),
        lambda a, y: [-yk / ak for ak, yk in zip(a, y)],
        lambda a: [[a[i] * ((1.0 if i == j else 0.0) - a[j]) for j in range(len(a))] for i in range(len(a))],
    ),
    "identity": (
        lambda z: list(z),
        lambda a, y: sum((ak - yk) ** 2 for ak, yk in zip(a, y)) / (2 * len(a)),
        lambda a, y: [(ak - yk) / len(a) for ak, yk in zip(a, y)],
        lambda a: [[1.0 if i == j else 0.0 for j in range(len(a))] for i in range(len(a))],
    ),
}


def _by_hand(X, Y, parameters, output, activation):
    """The mean loss and its gradient dW1, by loops over examples and units."""
    L = len(parameters) // 2
    W = [None] + [parameters[f"W{l}"].tolist() for l in range(1, L + 1)]
    b = [None] + [[row[0] for row in parameters[f"b{l}"].tolist()] for l in range(1, L + 1)]
    g, g_prime = HIDDEN_BY_HAND[activation]
    out, loss, loss_prime, jacobian = OUTPUT_BY_HAND[output]
    n_x, m = len(X), len(X[0])
    cost = 0.0
    dW1 = [[0.0] * n_x for _ in b[1]]
    for i in range(m):
        x = [X[k][i] for k in range(n_x)]
        y = [Y[k][i] for k in range(len(Y))]
        a, z = [x], [None]
        for l in range(1, L + 1):
            z.append([sum(W[l][j][k] * a[-1][k] for k in range(len(a[-1]))) + b[l][j] for j in range(len(b[l]))])
            a.append([g(v) for v in z[l]] if l < L else out(z[l]))
        cost += loss(a[L], y) / m
        # dloss/dz_L = sum_i dloss/da_i da_i/dz_j, then back through each layer.
        dloss, J = loss_prime(a[L], y), jacobian(a[L])
        delta = [sum(dloss[i2] * J[i2][j] for i2 in range(len(dloss))) for j in range(len(dloss))]
        for l in range(L, 1, -1):
            delta = [
                sum(W[l][j][k] * delta[j] for j in range(len(delta))) * g_prime(z[l - 1][k])
                for k in range(len(z[l - 1]))
            ]
        for j in range(len(delta)):
            for k in range(n_x):
                dW1[j][k] += delta[j] * x[k] / m
    return cost, np.array(dW1)


@pytest.mark.parametrize("dims", [(3, 4), (3, 4, 3)], ids=["3-4-2", "3-4-3-2"])
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("output", OUTPUTS)
def test_cost_and_gradient_are_the_restatement_by_hand(output, activation, dims):
    X, Y, parameters = _problem(output, 2, seed=3, dims=dims, m=5)
    targets = _one_hot(Y, 2) if output == "softmax" else Y
    expected_cost, expected_dW1 = _by_hand(X.tolist(), targets.tolist(), parameters, output, activation)
    cost, grads = reference.cost_and_gradients(X, Y, parameters, output=output, hidden_activation=activation)
    assert cost == pytest.approx(expected_cost, rel=BY_HAND_RTOL)
    np.testing.assert_allclose(
        grads["dW1"], expected_dW1, rtol=BY_HAND_RTOL, atol=BY_HAND_RTOL * np.abs(expected_dW1).max()
    )


# ------------------------------------------------------------------- softmax

SOFTMAX_X, SOFTMAX_LABELS = fastnn.make_moons(120, noise=0.2, seed=5)
# Three classes: the moons' second class split by the sign of its first coordinate.
SOFTMAX_LABELS = SOFTMAX_LABELS + ((SOFTMAX_LABELS == 1) & (SOFTMAX_X[:1] > 1))
SOFTMAX_OPTIONS = dict(layers_dims=[2, 6, 3], output="softmax", num_iterations=30, learning_rate=0.05)


@pytest.mark.parametrize("options", [{}, {"optimizer": "adam", "mini_batch_size": 32, "keep_prob": 0.8}],
                         ids=["full-batch", "adam-batches-dropout"])
def test_softmax_labels_and_one_hot_train_identically(options):
    assert set(np.unique(SOFTMAX_LABELS)) == {0, 1, 2}
    one_hot = _one_hot(SOFTMAX_LABELS.astype(int), 3)
    runs = [reference.train(SOFTMAX_X, Y, **SOFTMAX_OPTIONS, **options)
            for Y in (SOFTMAX_LABELS, SOFTMAX_LABELS.ravel(), one_hot)]
    for run in runs[1:]:
        np.testing.assert_array_equal(run.costs, runs[0].costs)
        for key in runs[0].parameters:
            np.testing.assert_array_equal(run.parameters[key], runs[0].parameters[key])
    assert runs[0].costs[-1] < runs[0].costs[0]


def test_softmax_probabilities_sum_to_one_and_predict_their_largest():
    result = reference.train(SOFTMAX_X, SOFTMAX_LABELS, **SOFTMAX_OPTIONS)
    probabilities = reference.predict_proba(SOFTMAX_X, result.parameters, output="softmax")
    assert probabilities.shape == (3, 120) and (probabilities > 0).all()
    # Three divisions and two additions, each rounding by at most half an ulp of 1
    # (1.1e-16): at most 5.5e-16 from 1.
    np.testing.assert_allclose(probabilities.sum(axis=0), 1.0, rtol=0, atol=6e-16)
    predicted = reference.predict(SOFTMAX_X, result.parameters, output="softmax")
    assert predicted.shape == (1, 120) and predicted.dtype == np.int64
    np.testing.assert_array_equal(predicted[0], [int(np.argmax(column)) for column in probabilities.T])


def test_softmax_of_large_logits_does_not_overflow():
    # Output logits 1000, 1001 and 999: exp(1000) overflows a float64, the
    # shifted logits -1, 0 and -2 do not.
    X, _, parameters = _problem("softmax", 3, seed=4)
    parameters["W3"] = np.zeros((3, 4))
    parameters["b3"] = np.array([[1000.0], [1001.0], [999.0]])
    expected = [math.exp(-1), 1.0, math.exp(-2)]
    expected = [e / sum(expected) for e in expected]
    probabilities = reference.predict_proba(X, parameters, output="softmax")
    np.testing.assert_allclose(probabilities, np.array(expected)[:, None] * np.ones((1, 8)), rtol=1e-15)
    labels = np.array([[1, 0, 2, 1, 1, 0, 2, 1]])
    cost, grads = reference.cost_and_gradients(X, labels, parameters, output="softmax")
    expected_cost = -np.mean([math.log(expected[k]) for k in labels[0]])
    assert cost == pytest.approx(expected_cost, rel=1e-14)
    assert all(np.isfinite(g).all() for g in grads.values())


def test_a_true_class_at_probability_zero_costs_inf_and_others_nothing():
    # exp(-800) underflows to 0: the columns whose label is class 0 cost inf, the
    # 0 * log(0) terms of the other columns are dropped, as the sigmoid's are.
    X, _, parameters = _problem("softmax", 2, seed=4, m=4)
    parameters["W3"] = np.zeros((2, 4))
    parameters["b3"] = np.array([[0.0], [800.0]])
    assert reference.cost_and_gradients(X, [1, 1, 1, 1], parameters, output="softmax")[0] == 0.0
    assert reference.cost_and_gradients(X, [1, 0, 1, 1], parameters, output="softmax")[0] == np.inf


# ------------------------------------------------------------------ identity


def _regression(m=200, K=2, seed=6):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, (3, m))
    Y = np.vstack([np.sin(2 * X[0]) + X[1] * X[2], X[0] ** 2 - X[2]])[:K] + 0.05 * rng.randn(K, m)
    return X, Y


def test_identity_output_fits_a_regression():
    X, Y = _regression()
    result = reference.train(X, Y, [3, 16, 2], output="identity", hidden_activation="tanh",
                             initialization="xavier_normal", learning_rate=0.1, num_iterations=1500)
    assert result.costs[-1] < 0.25 * result.costs[0]
    assert result.output == "identity" and result.hidden_activation == "tanh"


@pytest.mark.parametrize("K", [1, 2])
def test_identity_cost_is_scikit_learns_squared_loss(K):
    # The cost of an iteration is that of the parameters before its update: one
    # iteration from a warm start costs the starting point's squared loss, which
    # scikit-learn's MLPRegressor reports as mean_squared_error / 2 (the mean over
    # examples and outputs of (y - p)^2 / 2).
    X, Y = _regression(K=K)
    start = fastnn.initialize_parameters([3, 5, K], "xavier_normal", seed=8)
    result = reference.train(X, Y, parameters=start, output="identity", num_iterations=1)
    p = reference.predict_proba(X, start, output="identity")
    assert p.shape == (K, 200)
    assert result.costs[0] == pytest.approx(((Y - p) ** 2).mean() / 2, rel=1e-12)
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    assert result.costs[0] == pytest.approx(sklearn_metrics.mean_squared_error(Y.T, p.T) / 2, rel=1e-12)
    np.testing.assert_array_equal(reference.predict(X, start, output="identity"), p)


# ------------------------------------------------------------------- float32


@pytest.fixture(scope="module")
def float32_study():
    train_X, train_Y, _, _ = fastnn.load_dataset()
    study = dict(initialization="he", num_iterations=15000, learning_rate=0.01)
    return (train_X, train_Y, reference.train(train_X, train_Y, **study),
            reference.train(train_X, train_Y, **study, dtype=np.float32))


def test_a_float32_study_reaches_the_float64_train_accuracy(float32_study):
    train_X, train_Y, double, single = float32_study
    assert double.dtype == np.float64 and single.dtype == np.float32
    assert all(value.dtype == np.float32 for value in single.parameters.values())
    accuracy = {run.dtype.name: np.mean(reference.predict(train_X, run.parameters) == train_Y)
                for run in (double, single)}
    assert accuracy["float32"] == accuracy["float64"] > 0.9
    assert single.costs.dtype == np.float64


def test_a_float32_run_starts_from_the_float64_start_rounded(float32_study):
    # The first cost is the starting point's: the float64 draw rounded to float32
    # gives it exactly, in float32 arithmetic.
    train_X, train_Y, double, single = float32_study
    start = fastnn.initialize_parameters([2, 10, 5, 1], "he", seed=3)
    rounded = {key: value.astype(np.float32) for key, value in start.items()}
    assert single.costs[0] == reference.cost_and_gradients(train_X, train_Y, rounded)[0]
    assert single.costs[0] != double.costs[0]
    assert single.costs[0] == pytest.approx(double.costs[0], rel=1e-6)


def _all_float32(arrays, where):
    for key, value in (arrays.items() if isinstance(arrays, dict) else enumerate(arrays)):
        assert value.dtype == np.float32, f"{where}: {key} is {value.dtype}"


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("output, K", OUTPUT_UNITS, ids=OUTPUT_IDS)
@pytest.mark.parametrize("options", [
    dict(optimizer="gd"),
    dict(optimizer="momentum", mini_batch_size=7, l2=0.3, decay_rate=0.5, time_interval=2),
    dict(optimizer="adam", mini_batch_size=10, keep_prob=0.8, l2=0.1),
], ids=["gd", "momentum-batches-l2-decay", "adam-batches-dropout-l2"])
def test_every_array_of_a_float32_run_stays_float32(monkeypatch, output, K, activation, options):
    X, Y, _ = _problem(output, K, seed=9, m=30)
    seen = []

    def checked(name, function, check):
        def wrapper(*args, **kwargs):
            value = function(*args, **kwargs)
            check(value, name)
            seen.append(name)
            return value
        monkeypatch.setattr(reference, name, wrapper)

    checked("forward", reference.forward, _all_float32)
    checked("backward", reference.backward, _all_float32)
    checked("update", reference.update, _all_float32)
    for name in ("update_with_momentum", "update_with_adam"):
        checked(name, getattr(reference, name), lambda value, where: [_all_float32(d, where) for d in value])
    result = reference.train(X, Y, [3, 5, 4, K], output=output, hidden_activation=activation,
                             num_iterations=4, dtype=np.float32, **options)
    assert {"forward", "backward"} <= set(seen)
    _all_float32(result.parameters, "result")
    for part in (result.state.velocity, result.state.second_moment):
        _all_float32(part or {}, "state")
    assert result.dtype == np.float32 and result.costs.dtype == np.float64


# ------------------------------------------------------------- the defaults


@pytest.mark.parametrize("dtype", [np.float64, np.dtype("float64"), "float64", None], ids=repr)
def test_the_defaults_spelt_out_change_nothing(dtype):
    X, Y, _ = _problem("sigmoid", 1, seed=10, m=40)
    options = dict(layers_dims=[3, 4, 1], num_iterations=20, learning_rate=0.1)
    default = reference.train(X, Y, **options)
    spelt = reference.train(X, Y, **options, output="sigmoid", hidden_activation="relu", dtype=dtype)
    np.testing.assert_array_equal(spelt.costs, default.costs)
    for key in default.parameters:
        np.testing.assert_array_equal(spelt.parameters[key], default.parameters[key])
    assert (spelt.output, spelt.hidden_activation, spelt.dtype) == ("sigmoid", "relu", np.float64)


# ---------------------------------------------------------------- bad input

BAD_X, BAD_Y, _ = _problem("sigmoid", 1, seed=11, m=60)
BAD_LABELS = np.arange(60).reshape(1, 60) % 3
FLOAT32_START = {k: v.astype(np.float32) for k, v in fastnn.initialize_parameters([3, 4, 1]).items()}


def bad(**changes):
    arguments = dict(X=BAD_X, Y=BAD_Y, layers_dims=[3, 4, 1], num_iterations=2)
    arguments.update(changes)
    return arguments


def softmax_bad(**changes):
    return bad(**{"Y": BAD_LABELS, "layers_dims": [3, 4, 3], "output": "softmax", **changes})


BAD_INPUT = {
    "output-unknown": (bad(output="softplus"), ValueError,
                       r"output must be one of \['sigmoid', 'softmax', 'identity'\], got 'softplus'"),
    "output-not-str": (bad(output=3), TypeError, r"output must be one of .*, got 3"),
    "activation-unknown": (bad(hidden_activation="gelu"), ValueError,
                           r"hidden_activation must be one of \['relu', 'tanh', 'sigmoid', 'identity'\], got 'gelu'"),
    "activation-not-str": (bad(hidden_activation=np.tanh), TypeError, "hidden_activation must be one of"),
    "dtype-float16": (bad(dtype=np.float16), ValueError, r"dtype must be one of \['float64', 'float32'\], got float16"),
    "dtype-int": (bad(dtype=int), ValueError, "dtype must be one of .*, got int64"),
    "dtype-complex": (bad(dtype=np.complex128), ValueError, "dtype must be one of .*, got complex128"),
    "dtype-object": (bad(dtype=object), ValueError, "dtype must be one of .*, got object"),
    "dtype-str": (bad(dtype=str), ValueError, "dtype must be one of .*, got str"),
    "dtype-unknown-name": (bad(dtype="double-ish"), TypeError, r"dtype must be one of .*got 'double-ish'"),
    "softmax-one-unit": (bad(Y=np.zeros((1, 60)), output="softmax"), ValueError,
                         r"output='softmax' needs K >= 2 output units .* got K = layers_dims\[-1\] = 1"),
    "softmax-label-too-large": (softmax_bad(Y=BAD_LABELS + (BAD_LABELS == 2)), ValueError,
                                r"Y must hold class labels, integers from 0 to K - 1 = 2 .* got 3 "),
    "softmax-label-negative": (softmax_bad(Y=BAD_LABELS - 1), ValueError, r"Y must hold class labels.* got -1 "),
    "softmax-label-fraction": (softmax_bad(Y=BAD_LABELS / 2), ValueError, r"Y must hold class labels.* got 0.5 "),
    "softmax-label-nan": (softmax_bad(Y=np.where(BAD_LABELS == 1, np.nan, BAD_LABELS)), ValueError,
                          r"Y must hold class labels.* got nan "),
    "softmax-two-ones": (softmax_bad(Y=_one_hot(BAD_LABELS, 3) + np.eye(3, 60, 1)), ValueError,
                         r"Y of shape \(K, m\) = \(3, 60\) must be one-hot .* got 2 ones in column 1"),
    "softmax-no-one": (softmax_bad(Y=_one_hot(BAD_LABELS, 3) * (np.arange(60) != 4)), ValueError,
                       "must be one-hot .* got 0 ones in column 4"),
    "softmax-probabilities": (softmax_bad(Y=_one_hot(BAD_LABELS, 3) * 0.5), ValueError,
                              "Y must hold one-hot columns of 0s and 1s, got 0.5"),
    "softmax-wrong-K": (softmax_bad(Y=_one_hot(BAD_LABELS, 3)[:2]), ValueError,
                        r"Y must have shape \(K, m\) = \(3, 60\) .*K = layers_dims\[-1\] = 3\), got \(2, 60\)"),
    "sigmoid-wrong-K": (bad(Y=np.zeros((2, 60)), layers_dims=[3, 4, 3]), ValueError,
                        r"Y must have shape \(K, m\) = \(3, 60\) to match X and the 3 output units"
                        r" \(K = layers_dims\[-1\] = 3\), got \(2, 60\)"),
    "sigmoid-labels-for-K-2": (bad(layers_dims=[3, 4, 2]), ValueError,
                               r"got \(1, 60\); for Y of shape \(1, m\), layers_dims\[-1\] must be 1"),
    "sigmoid-multilabel-2": (bad(Y=np.full((2, 60), 2.0), layers_dims=[3, 4, 2]), ValueError,
                             "Y must hold labels 0 and 1 only, got 2.0"),
    "identity-wrong-K": (bad(Y=np.zeros(60), layers_dims=[3, 4, 2], output="identity"), ValueError,
                         r"Y must have shape \(K, m\) = \(2, 60\) .* got \(1, 60\)"),
    "identity-examples-in-rows": (bad(Y=np.zeros((60, 2)), layers_dims=[3, 4, 2], output="identity"), ValueError,
                                  r"got \(60, 2\) \(examples in rows: pass Y.T\)"),
    "identity-nan": (bad(Y=np.where(BAD_Y > 0, np.nan, 0.5), output="identity"), ValueError, "Y contains NaN or inf"),
    "identity-strings": (bad(Y=BAD_Y.astype(str), output="identity"), TypeError, "Y must hold real numbers"),
    "float32-parameters-dtype-float64": (
        bad(parameters=FLOAT32_START, dtype=np.float64), ValueError,
        r"dtype=float64 but parameters are float32: leave dtype out to train in float32"),
    "float64-parameters-dtype-float32": (
        bad(parameters=fastnn.initialize_parameters([3, 4, 1]), dtype="float32"), ValueError,
        "dtype=float32 but parameters are float64"),
    "int-parameters-dtype-float32": (
        bad(parameters={k: np.ones(v.shape, dtype=int) for k, v in FLOAT32_START.items()}, dtype=np.float32),
        ValueError, r"parameters are float64 \(integer and boolean arrays count as float64\)"),
    "mixed-parameters": (
        bad(parameters={**FLOAT32_START, "W2": FLOAT32_START["W2"].astype(np.float64)}), ValueError,
        r"parameters mix float32 arrays \(W1, b1, b2\) with float64 or other arrays \(W2\)"),
    "X-beyond-float32": (bad(X=BAD_X * 1e300, dtype=np.float32), ValueError,
                         "X holds values beyond float32's range"),
    "identity-Y-beyond-float32": (bad(Y=BAD_Y * 1e300, output="identity", dtype=np.float32), ValueError,
                                  "Y holds values beyond float32's range"),
}


@pytest.mark.parametrize("train", [reference.train, engine.train], ids=["reference", "compiled"])
@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_refused_with_its_reason(train, case):
    arguments, error, message = BAD_INPUT[case]
    with pytest.raises(error, match=message):
        train(**arguments)


@pytest.mark.parametrize("function", ["cost_and_gradients", "predict_proba"])
@pytest.mark.parametrize("module", [reference, engine], ids=["reference", "compiled"])
def test_evaluation_checks_the_same_options(module, function):
    call = getattr(module, function)
    data = (BAD_X, BAD_Y) if function == "cost_and_gradients" else (BAD_X,)
    parameters = fastnn.initialize_parameters([3, 4, 1])
    with pytest.raises(ValueError, match="output must be one of .*, got 'softplus'"):
        call(*data, parameters, output="softplus")
    with pytest.raises(TypeError, match="hidden_activation must be one of .*, got None"):
        call(*data, parameters, hidden_activation=None)
    with pytest.raises(ValueError, match=r"output='softmax' needs K >= 2"):
        call(*data, parameters, output="softmax")


# --------------------------------------------------------- the compiled engine

def test_the_compiled_engine_refuses_dropout_without_relu():
    # The kernel's dropout derivative relies on relu's; the oracle recomputes g(Z).
    with pytest.raises(NotImplementedError, match="keep_prob=0.8 with hidden_activation='tanh' is not in the compiled"):
        engine.train(**bad(hidden_activation="tanh", keep_prob=0.8))
    assert reference.train(**bad(hidden_activation="tanh", keep_prob=0.8)).num_iterations == 2


def test_the_compiled_engine_and_the_oracle_agree_at_the_defaults_spelt_out():
    options = dict(output="sigmoid", hidden_activation="relu", dtype="float64")
    compiled = engine.train(**bad(num_iterations=30), **options)
    oracle = reference.train(**bad(num_iterations=30), **options)
    # Summation order only, as tests/test_compiled_vs_reference.py.
    np.testing.assert_allclose(compiled.costs, oracle.costs, rtol=1e-10)
    assert (compiled.output, compiled.hidden_activation, compiled.dtype) == ("sigmoid", "relu", np.float64)


# ------------------------------------------------------------------- resume

RESUMED = dict(X=SOFTMAX_X, Y=SOFTMAX_LABELS, layers_dims=[2, 6, 3], output="softmax",
               hidden_activation="tanh", optimizer="adam", mini_batch_size=32, learning_rate=0.01)


@pytest.fixture(scope="module")
def float32_softmax_run():
    return reference.train(**RESUMED, num_iterations=10, dtype=np.float32)


@pytest.mark.parametrize("changes, message", [
    ({"output": "sigmoid"}, r"resume: output='sigmoid' but the result was trained with 'softmax'; pass the same"
                            r" options \(output='softmax'\)"),
    ({"hidden_activation": "relu"}, r"resume: hidden_activation='relu' but the result was trained with 'tanh'"),
    ({"dtype": np.float64}, r"resume: dtype='float64' but the result was trained with 'float32'"),
], ids=["output", "hidden_activation", "dtype"])
def test_resume_refuses_another_model(float32_softmax_run, changes, message):
    arguments = {**RESUMED, "num_iterations": 5, **changes}
    with pytest.raises(ValueError, match=message):
        reference.train(**arguments, resume=float32_softmax_run)


def test_resume_refuses_a_result_with_an_unknown_output(float32_softmax_run):
    broken = dataclasses.replace(float32_softmax_run, output="softplus")
    with pytest.raises(ValueError, match="resume: output must be one of .*, got 'softplus'"):
        reference.train(**RESUMED, num_iterations=5, resume=broken)


def test_a_float32_run_resumes_bit_for_bit_through_a_file(tmp_path, float32_softmax_run):
    loaded = fastnn.load(fastnn.save(tmp_path / "model.npz", float32_softmax_run))
    assert (loaded.output, loaded.hidden_activation, loaded.dtype) == ("softmax", "tanh", np.float32)
    for key, value in float32_softmax_run.parameters.items():
        assert loaded.parameters[key].dtype == np.float32
        np.testing.assert_array_equal(loaded.parameters[key], value)
    for part in ("velocity", "second_moment"):
        for key, value in getattr(float32_softmax_run.state, part).items():
            assert getattr(loaded.state, part)[key].dtype == np.float32
            np.testing.assert_array_equal(getattr(loaded.state, part)[key], value)
    # dtype=None continues in the result's dtype.
    resumed = reference.train(**RESUMED, num_iterations=5, resume=loaded)
    whole = reference.train(**RESUMED, num_iterations=15, dtype=np.float32)
    np.testing.assert_array_equal(np.concatenate([float32_softmax_run.costs, resumed.costs]), whole.costs)
    for key in whole.parameters:
        np.testing.assert_array_equal(resumed.parameters[key], whole.parameters[key])


# ---------------------------------------------------------------- save/load


@pytest.mark.parametrize("output, K", OUTPUT_UNITS, ids=OUTPUT_IDS)
def test_save_and_load_keep_the_output_and_activation(tmp_path, output, K):
    X, Y, _ = _problem(output, K, seed=12, m=20)
    result = reference.train(X, Y, [3, 4, K], output=output, hidden_activation="sigmoid", num_iterations=3)
    path = fastnn.save(tmp_path / "model.npz", result)
    loaded = fastnn.load(path)
    assert (loaded.output, loaded.hidden_activation, loaded.layers_dims) == (output, "sigmoid", [3, 4, K])
    with np.load(path) as data:
        assert (data["output"].item(), data["hidden_activation"].item()) == (output, "sigmoid")


def test_a_default_models_file_is_the_one_earlier_versions_wrote(tmp_path):
    result = reference.train(**bad(), dtype=np.float32)
    path = fastnn.save(tmp_path / "model.npz", result)
    with np.load(path) as data:
        assert "output" not in data.files and "hidden_activation" not in data.files
        assert data["parameter_W1"].dtype == np.float32
    loaded = fastnn.load(path)
    assert (loaded.output, loaded.hidden_activation, loaded.dtype) == ("sigmoid", "relu", np.float32)


@pytest.mark.parametrize("changes, message", [
    ({"output": np.array("softplus")}, "output must be one of .*, got 'softplus'"),
    ({"hidden_activation": np.array(3)}, r"'hidden_activation' must be a scalar of dtype kind 'U'"),
    ({"hidden_activation": None}, "it has no 'hidden_activation'"),
    ({"output": np.array("softmax"), "layers_dims": np.array([2, 6, 1]),
      "parameter_W2": np.zeros((1, 6), np.float32), "parameter_b2": np.zeros((1, 1), np.float32)},
     r"output='softmax' needs K >= 2"),
    ({"parameter_W1": np.zeros((6, 2))}, r"parameters \['b1', 'W2', 'b2'\] are float32 but \['W1'\] are not"),
    ({"state_velocity_W1": np.zeros((6, 2))}, "'state_velocity_W1' is float64 but the parameters are float32"),
], ids=["unknown-output", "activation-not-a-string", "activation-missing", "softmax-one-unit",
        "float64-among-float32", "float64-state"])
def test_hand_edited_model_options_are_refused(tmp_path, float32_softmax_run, changes, message):
    with pytest.raises(ValueError, match=message):
        fastnn.load(edited_model_file(tmp_path, float32_softmax_run, **changes))


def test_save_refuses_a_result_it_could_not_load(tmp_path, float32_softmax_run):
    with pytest.raises(ValueError, match="result: hidden_activation must be one of"):
        fastnn.save(tmp_path / "model.npz", dataclasses.replace(float32_softmax_run, hidden_activation="gelu"))
    assert not (tmp_path / "model.npz").exists()
