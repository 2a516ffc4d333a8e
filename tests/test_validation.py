"""Bad input is rejected in Python with a message naming the problem; odd but valid
input (integers, float32, strided, Fortran order, read-only) is converted."""
import ast
import warnings
from pathlib import Path

import numpy as np
import pytest

import fastnn
import fastnn._validate
from fastnn import engine, reference

from conftest import random_problem

X0, Y0 = random_problem(2, 60, seed=4)
SMALL = dict(layers_dims=[2, 4, 3, 1], num_iterations=20, learning_rate=0.1)


def bad(**changes):
    arguments = {"X": X0, "Y": Y0, **SMALL}
    arguments.update(changes)
    return arguments


BAD_INPUT = {
    "X-transposed": (bad(X=X0.T), ValueError, r"X looks transposed: it has shape \(60, 2\) and Y has 60 labels.*pass X\.T"),
    "X-transposed-flat-Y": (bad(X=X0.T, Y=Y0.ravel()), ValueError, r"X looks transposed.*pass X\.T"),
    "X-1d": (bad(X=X0[0]), ValueError, r"X must be a 2-D array of shape \(n_x, m\)"),
    "X-3d": (bad(X=X0[None]), ValueError, "X must be a 2-D array"),
    "X-empty": (bad(X=np.empty((2, 0)), Y=np.empty((1, 0))), ValueError, "at least one feature and one example"),
    "X-nan": (bad(X=np.where(X0 > 1, np.nan, X0)), ValueError, "X contains NaN or inf"),
    "X-inf": (bad(X=np.where(X0 > 1, np.inf, X0)), ValueError, "X contains NaN or inf"),
    "X-complex": (bad(X=X0 + 1j), TypeError, "X must hold real numbers"),
    "X-strings": (bad(X=X0.astype(str)), TypeError, "X must hold real numbers"),
    "X-object": (bad(X=X0.astype(object)), TypeError, "X must hold real numbers"),
    "X-ragged": (bad(X=[[1.0, 2.0], [3.0]]), TypeError, "X must be an array of numbers"),
    "Y-short": (bad(Y=Y0[:, :-1]), ValueError, r"Y must have shape \(1, m\) = \(1, 60\)"),
    "Y-column": (bad(Y=Y0.T), ValueError, r"got \(60, 1\)"),
    "Y-label-2": (bad(Y=np.where(Y0 > 0, 2.0, 0.0)), ValueError, "Y must hold labels 0 and 1 only, got 2.0"),
    "Y-label-minus-1": (bad(Y=Y0 * 2 - 1), ValueError, "labels 0 and 1 only, got -1.0"),
    "Y-label-half": (bad(Y=Y0 * 0.5), ValueError, "labels 0 and 1 only, got 0.5"),
    "Y-nan": (bad(Y=np.where(Y0 > 0, np.nan, 0.0)), ValueError, "labels 0 and 1 only, got nan"),
    "Y-strings": (bad(Y=np.where(Y0 > 0, "yes", "no")), TypeError, r"Y must hold labels 0 and 1 as numbers, got strings"),
    "Y-string-objects": (bad(Y=np.where(Y0 > 0, "yes", "no").astype(object)), TypeError, "got strings"),
    "dims-n_x": (bad(layers_dims=[3, 4, 1]), ValueError, r"layers_dims\[0\] must equal n_x = X.shape\[0\] = 2, got 3"),
    "dims-output": (bad(layers_dims=[2, 4, 2]), ValueError, r"layers_dims\[-1\] must be 1"),
    "dims-zero": (bad(layers_dims=[2, 0, 1]), ValueError, "positive integers, got 0"),
    "init-unknown": (bad(initialization="hee"), ValueError, "initialization must be one of .*got 'hee'; did you mean 'he'\\?"),
    "init-not-callable": (bad(initialization=3), TypeError, r"initialization must be a scheme's name \(str\) or a callable"),
    "seed-string": (bad(seed="abc"), TypeError, "seed must be an int, a numpy Generator or a RandomState, got 'abc'"),
    "seed-bool": (bad(seed=True), TypeError, "seed must be an int.*got True"),
    "seed-float": (bad(seed=3.0), TypeError, "seed must be an int.*got 3.0"),
    "seed-negative": (bad(seed=-1), ValueError, r"seed must be an int from 0 to 2\*\*32 - 1, got -1"),
    "seed-too-large": (bad(seed=2**32), ValueError, r"seed must be an int from 0 to 2\*\*32 - 1"),
    "seed-warm-start": (bad(seed="abc", parameters=fastnn.initialize_parameters([2, 4, 3, 1])), TypeError, "seed must be an int"),
    "gain-bool": (bad(gain=True), TypeError, "gain must be a number, got True"),
    "gain-nan": (bad(gain=float("nan")), ValueError, "gain must be a finite number"),
    "gain-overflow": (bad(initialization="random", gain=1e308), ValueError, r"gain=1e\+308 scales W1 .* beyond float64's range"),
    "gain-warm-start": (bad(gain=2.0, parameters=fastnn.initialize_parameters([2, 4, 3, 1])), ValueError, r"gain scales drawn initial weights.*warm start"),
    "lr-zero": (bad(learning_rate=0.0), ValueError, "learning_rate must be a finite number > 0"),
    "lr-negative": (bad(learning_rate=-0.1), ValueError, "learning_rate must be a finite number > 0"),
    "lr-nan": (bad(learning_rate=float("nan")), ValueError, "learning_rate must be a finite number > 0"),
    "lr-string": (bad(learning_rate="0.1"), TypeError, "learning_rate must be a number"),
    "lr-bool": (bad(learning_rate=True), TypeError, "learning_rate must be a number"),
    "lr-huge-int": (bad(learning_rate=10**400), ValueError, "learning_rate must be a finite number > 0"),
    "iterations-zero": (bad(num_iterations=0), ValueError, "num_iterations must be >= 1, got 0"),
    "iterations-negative": (bad(num_iterations=-5), ValueError, "num_iterations must be >= 1"),
    "iterations-float": (bad(num_iterations=10.0), TypeError, "num_iterations must be an integer"),
    "params-missing": (bad(parameters={"W1": np.zeros((4, 2))}), ValueError, r"parameters is missing \['b1', 'W2'"),
    "params-shape": (
        bad(parameters={**fastnn.initialize_parameters([2, 4, 3, 1]), "W2": np.zeros((3, 5))}),
        ValueError, r"parameters\['W2'\] must have shape \(3, 4\)",
    ),
    "params-nan": (
        bad(parameters={**fastnn.initialize_parameters([2, 4, 3, 1]), "b1": np.full((4, 1), np.nan)}),
        ValueError, r"parameters\['b1'\] contains NaN or inf",
    ),
    "params-extra": (
        bad(parameters={**fastnn.initialize_parameters([2, 4, 3, 1]), "W9": np.zeros((1, 1))}),
        ValueError, r"parameters has keys \['W9'\]",
    ),
    "params-not-dict": (bad(parameters=[1, 2]), TypeError, "parameters must be a dict"),
}


@pytest.mark.parametrize("train", [engine.train, reference.train], ids=["compiled", "reference"])
@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_rejected_before_the_kernel(train, case):
    arguments, error, message = BAD_INPUT[case]
    with pytest.raises(error, match=message):
        train(**arguments)


def _variant(array, dtype, layout):
    if dtype == "bool":
        converted = array > 0
    elif dtype == "int64":
        converted = np.round(array * 4).astype(np.int64)
    else:
        converted = array.astype(dtype)
    if layout == "fortran":
        converted = np.asfortranarray(converted)
    elif layout == "strided":
        wide = np.zeros((converted.shape[0], 2 * converted.shape[1]), dtype=converted.dtype)
        wide[:, ::2] = converted
        converted = wide[:, ::2]
    elif layout == "reversed":
        converted = converted[:, ::-1].copy()[:, ::-1]
    return converted


@pytest.mark.parametrize("readonly", [False, True], ids=["writable", "readonly"])
@pytest.mark.parametrize("layout", ["C", "fortran", "strided", "reversed"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "bool"])
def test_odd_but_valid_input_is_converted(dtype, layout, readonly):
    X = _variant(X0, dtype, layout)
    Y = _variant(Y0, "int64" if dtype != "float32" else "float32", layout).clip(0, 1)
    if readonly:
        X.setflags(write=False)
        Y.setflags(write=False)
    before = X.copy()
    got = fastnn.train(X, Y, **SMALL)
    expected = reference.train(np.array(X, dtype=np.float64), np.array(Y, dtype=np.float64), **SMALL)
    # Same data after conversion, so the only difference is summation order.
    np.testing.assert_allclose(got.costs, expected.costs, rtol=1e-12)
    np.testing.assert_array_equal(X, before)


def test_nested_lists_are_accepted():
    got = fastnn.train(X0.tolist(), Y0.tolist(), **SMALL)
    expected = fastnn.train(X0, Y0, **SMALL)
    np.testing.assert_array_equal(got.costs, expected.costs)


@pytest.mark.parametrize(
    "X, parameters, error, message",
    [
        (X0[:1], fastnn.initialize_parameters([2, 4, 1]), ValueError, r"layers_dims\[0\] must equal n_x"),
        (X0, fastnn.initialize_parameters([2, 4, 1]), ValueError, r"output='softmax' needs K >= 2 output units"),
        (X0, {"b1": np.zeros((1, 1))}, ValueError, "parameters has no 'W1'"),
        (X0, {"W1": np.zeros((0, 2)), "b1": np.zeros((0, 1)), "W2": np.zeros((1, 0)), "b2": np.ones((1, 1))},
         ValueError, "positive integers, got 0"),
        (np.full((2, 3), np.inf), fastnn.initialize_parameters([2, 4, 1]), ValueError, "X contains NaN or inf"),
        (X0.T, fastnn.initialize_parameters([2, 4, 1]), ValueError,
         r"layers_dims\[0\] must equal n_x = X.shape\[0\] = 60, got 2; X looks transposed.*pass X\.T"),
    ],
    ids=["wrong-n_x", "softmax-one-output", "no-W1", "zero-width", "inf", "X-transposed"],
)
def test_predict_proba_rejects_bad_input(X, parameters, error, message, request):
    output = "softmax" if "softmax" in request.node.callspec.id else "sigmoid"
    with pytest.raises(error, match=message):
        fastnn.predict_proba(X, parameters, output=output)


def test_predict_rejects_bad_labels():
    parameters = fastnn.initialize_parameters([2, 4, 1])
    with pytest.raises(ValueError, match=r"y must hold labels 0 and 1 only"):
        fastnn.predict(X0, Y0 + 1, parameters)
    with pytest.raises(ValueError, match=r"y must have shape \(1, m\) = \(1, 60\)"):
        fastnn.accuracy(X0, Y0[:, :5], parameters)


def test_divergence_stops_with_advice(engine_module):
    # A learning rate of 1e300 on inputs of 1e150 overflows the weights at once, and
    # both engines stop at the same iteration.
    X, Y = random_problem(2, 50, seed=1)
    with pytest.raises(FloatingPointError, match=r"diverged.* at iteration 0 .*smaller learning rate"):
        engine_module.train(X * 1e150, Y, [2, 4, 1], learning_rate=1e300, num_iterations=3000)


# ------------------------------------------------- what users pass and read


@pytest.mark.parametrize("train", [engine.train, reference.train], ids=["compiled", "reference"])
def test_flat_labels_are_a_row(train):
    # scikit-learn's y is a flat array of m labels.
    flat = train(X0, Y0.ravel(), **SMALL)
    row = train(X0, Y0, **SMALL)
    np.testing.assert_array_equal(flat.costs, row.costs)


@pytest.mark.parametrize("module", [engine, reference], ids=["compiled", "reference"])
def test_cost_and_gradients_checks_its_own_arguments(module):
    parameters = fastnn.initialize_parameters([2, 4, 1])
    flat = module.cost_and_gradients(X0, Y0.ravel(), parameters)
    row = module.cost_and_gradients(X0, Y0, parameters)
    assert flat[0] == row[0]
    for key in row[1]:
        np.testing.assert_array_equal(flat[1][key], row[1][key])
    with pytest.raises(ValueError, match=r"X looks transposed"):
        module.cost_and_gradients(X0.T, Y0, parameters)
    with pytest.raises(ValueError, match=r"parameters do not describe a network for X of shape \(2, 60\)"):
        module.cost_and_gradients(X0, Y0, fastnn.initialize_parameters([3, 4, 1]))
    with pytest.raises(ValueError, match=r"Y must have shape \(1, m\) = \(1, 60\)"):
        module.cost_and_gradients(X0, Y0[:, :5], parameters)
    with pytest.raises(TypeError, match="parameters must be a dict"):
        module.cost_and_gradients(X0, Y0, None)


def test_predict_with_the_arguments_in_the_wrong_order_says_so():
    parameters = fastnn.initialize_parameters([2, 4, 1])
    with pytest.raises(TypeError, match=r"X is a dict.*predict\(X, y, parameters\)"):
        fastnn.predict(parameters, X0, Y0)


@pytest.mark.parametrize("train", [engine.train, reference.train], ids=["compiled", "reference"])
@pytest.mark.parametrize(
    "seed", [7, np.int64(7), np.random.RandomState(7), np.random.default_rng(7)],
    ids=["int", "numpy-int", "RandomState", "Generator"],
)
def test_the_result_records_the_seed_given(train, seed):
    fresh = train(X0, Y0, **SMALL, seed=seed)
    warm = train(X0, Y0, **SMALL, seed=seed, parameters=fresh.parameters)
    for result in (fresh, warm):
        if isinstance(seed, (int, np.integer)):
            assert result.seed == 7 and type(result.seed) is int
        else:
            assert result.seed is seed


@pytest.mark.parametrize("train", [engine.train, reference.train], ids=["compiled", "reference"])
def test_gain_multiplies_the_drawn_weights(train):
    scaled = train(X0, Y0, **SMALL, gain=2)
    start = fastnn.initialize_parameters(SMALL["layers_dims"], "he", 3, gain=2.0)
    expected = train(X0, Y0, **SMALL, parameters=start)
    np.testing.assert_array_equal(scaled.costs, expected.costs)
    assert scaled.initialization == "he"


@pytest.mark.parametrize("train", [engine.train, reference.train], ids=["compiled", "reference"])
def test_a_scheme_can_be_passed_itself(train, tmp_path):
    scheme = fastnn.variance_scaling(2.0, "fan_in", "normal")   # He's formula
    given = train(X0, Y0, **SMALL, initialization=scheme)
    named = train(X0, Y0, **SMALL, initialization="he")
    np.testing.assert_array_equal(given.costs, named.costs)
    assert given.initialization == scheme.__name__
    loaded = fastnn.load(fastnn.save(tmp_path / "model.npz", given))
    assert loaded.initialization == scheme.__name__


def test_parameters_in_the_place_of_data_are_named(study_data):
    train_X, train_Y, _, _ = study_data
    parameters = fastnn.initialize_parameters([2, 10, 5, 1])
    with pytest.raises(TypeError, match=r"X must be an array, got a dict, which looks like the network's parameters"):
        fastnn.predict_proba(parameters, train_X)
    with pytest.raises(TypeError, match=r"X must be an array, got a dict.*order of the arguments"):
        fastnn.cost_and_gradients(parameters, train_X, train_Y)


# ------------------------------------------------------------------ divergence


@pytest.mark.parametrize("train", [engine.train, reference.train], ids=["compiled", "reference"])
def test_an_infinite_final_cost_warns(train, study_data):
    train_X, train_Y, _, _ = study_data
    with pytest.warns(RuntimeWarning, match=r"final cost is infinite.*smaller learning rate"):
        result = train(train_X, train_Y, learning_rate=1e6, num_iterations=10)
    assert np.isinf(result.costs[-1])
    assert all(np.isfinite(value).all() for value in result.parameters.values())


@pytest.mark.parametrize("train", [engine.train, reference.train], ids=["compiled", "reference"])
def test_a_start_that_never_leaves_saturation_warns_about_the_weights(train, study_data):
    # The x10 random start's cost is inf for its first 45 iterations.
    train_X, train_Y, _, _ = study_data
    with pytest.warns(RuntimeWarning, match=r"final cost is infinite.*infinite from the first iteration.*initial weights"):
        result = train(train_X, train_Y, initialization="random", num_iterations=10)
    assert np.isinf(result.costs).all()


@pytest.mark.parametrize("train", [engine.train, reference.train], ids=["compiled", "reference"])
def test_an_infinite_cost_at_the_start_only_does_not_warn(train, study_data):
    # The study's x10 random start saturates the output at first (cost inf for the
    # first 45 iterations), then recovers.
    train_X, train_Y, _, _ = study_data
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = train(train_X, train_Y, initialization="random", num_iterations=100)
    assert np.isinf(result.costs[0]) and np.isfinite(result.costs[-1])


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "call",
    [
        lambda: fastnn.initialize_parameters([2, 3], gain=np.float32(2.0)),
        lambda: fastnn.variance_scaling(np.float32(2.0)),
        lambda: fastnn.train(X0, Y0, **{**SMALL, "learning_rate": np.float32(0.5)}),
    ],
    ids=["gain", "scale", "learning_rate"],
)
def test_numpy_scalars_are_numbers(call):
    call()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: fastnn.initialize_parameters([2, 3], gain=True), "gain must be a number, got True"),
        (lambda: fastnn.variance_scaling(True), "scale must be a number, got True"),
        (lambda: fastnn.variance_scaling("2"), "scale must be a number, got '2'"),
    ],
    ids=["gain", "scale", "scale-string"],
)
def test_booleans_and_strings_are_not_numbers(call, message):
    with pytest.raises(TypeError, match=message):
        call()


def test_the_guard_imports_nothing_of_fastnn():
    # fastnn._validate sits under every other module: it must not import any of them
    # (it once imported fastnn.init, which imports it: a cycle).
    source = Path(fastnn._validate.__file__).read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
    assert not {name for name in imported if name.startswith(("fastnn", "."))}


@pytest.mark.parametrize("module", [engine, reference], ids=["compiled", "reference"])
@pytest.mark.parametrize("output", ["sigmoid", "softmax", "identity"])
def test_one_example_with_as_many_outputs_as_features_is_not_transposed(module, output):
    # X (3, 1) and Y (3, 1): three targets of one example. Y's one column matches X's,
    # so nothing is transposed (this was once refused as "X looks transposed").
    X = np.array([[0.1], [0.2], [0.3]])
    Y = np.array([[1.0], [0.0], [0.0]])
    parameters = fastnn.initialize_parameters([3, 4, 3], seed=0)
    cost, _ = module.cost_and_gradients(X, Y, parameters, output=output)
    result = module.train(X, Y, [3, 4, 3], num_iterations=2, output=output)
    assert np.isfinite(cost) and len(result.costs) == 2
    with pytest.raises(ValueError, match=r"X looks transposed"):     # one label per row of X
        module.train(X, Y.ravel(), [3, 4, 3], num_iterations=2, output=output)
