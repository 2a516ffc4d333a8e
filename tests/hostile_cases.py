"""Property-based attacks on every public entry point (run by test_hostile_input.py in
a subprocess, so that a crash fails a test instead of killing the test run).

Each call must either return the right answer - checked against the NumPy
reference where there is one - or raise ValueError/TypeError (FloatingPointError
for training that diverges). Never a crash, a hang or a wrong result.
"""
import os
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fastnn
from fastnn import engine, reference
from fastnn.cli import main

settings.register_profile(
    "hostile", max_examples=int(os.environ.get("FASTNN_HOSTILE_EXAMPLES", "150")),
    deadline=None, database=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("hostile")

REJECTED = (ValueError, TypeError)
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, np.nan, np.inf, -np.inf, 1e308, -1e308, 5e-324, 1e-310]

DTYPES = st.sampled_from(
    [np.bool_, np.int8, np.int64, np.uint16, np.float16, np.float32, np.float64, np.complex128]
)


@st.composite
def arrays(draw, shape=None):
    """Arrays of many dtypes, shapes, values and memory layouts, or Python lists."""
    dtype = np.dtype(draw(DTYPES))
    if shape is None:
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5))
    if dtype.kind in "fc":
        elements = st.one_of(st.sampled_from(SPECIAL), st.floats(-5, 5, width=min(64, dtype.itemsize * 8 // (2 if dtype.kind == "c" else 1))))
    elif dtype.kind == "b":
        elements = st.booleans()
    else:
        info = np.iinfo(dtype)
        elements = st.integers(max(info.min, -3), min(info.max, 3))
    with np.errstate(all="ignore"):
        array = draw(hnp.arrays(dtype, shape, elements=elements))
    layout = draw(st.sampled_from(["C", "F", "reversed", "strided", "readonly", "list", "object"]))
    if layout == "F":
        array = np.asfortranarray(array)
    elif layout == "reversed" and array.ndim:
        array = array[..., ::-1]
    elif layout == "strided" and array.ndim:
        array = np.repeat(array, 2, axis=-1)[..., ::2]
    elif layout == "readonly":
        array.setflags(write=False)
    elif layout == "list":
        return array.tolist()
    elif layout == "object":
        return array.astype(object)
    return array


@st.composite
def training_data(draw):
    """Mostly well-formed X, Y (so that the acceptance path is exercised), one time
    in four anything at all."""
    if draw(st.integers(0, 3)) == 0:
        return draw(arrays()), draw(arrays()), draw(st.none() | layers_dims())
    n_x = draw(st.integers(1, 4))
    m = draw(st.integers(1, 12))
    X = draw(arrays(shape=(n_x, m)))
    labels = st.sampled_from([0, 1]) if draw(st.booleans()) else st.sampled_from([0, 1, 2, -1, 0.5, np.nan, True])
    Y = np.array(draw(st.lists(labels, min_size=m, max_size=m)), dtype=float).reshape(1, m)
    dims = draw(st.none() | st.just([n_x, 3, 2, 1]) | layers_dims())
    return X, Y, dims


def layers_dims():
    size = st.one_of(st.integers(-2, 6), st.floats(allow_nan=True), st.booleans(), st.text(max_size=2))
    return st.one_of(st.lists(size, max_size=5), st.text(max_size=3), st.integers(), st.none())


def parameters_like(dims):
    """A parameters dict for ``dims``, damaged in one of several ways."""
    return st.builds(_damaged, st.just(dims), st.sampled_from(
        ["ok", "missing", "extra", "shape", "nan", "inf", "int", "strings", "list", "not-a-dict", "zero-width"]))


def _damaged(dims, damage):
    parameters = fastnn.initialize_parameters(dims, "he", seed=1)
    last = f"W{len(dims) - 1}"
    if damage == "missing":
        parameters.pop("b1")
    elif damage == "extra":
        parameters["W9"] = np.zeros((1, 1))
    elif damage == "shape":
        parameters["W1"] = parameters["W1"].T
    elif damage == "nan":
        parameters[last] = parameters[last] * np.nan
    elif damage == "inf":
        parameters["b1"] = parameters["b1"] + np.inf
    elif damage == "int":
        parameters = {k: np.round(v * 3).astype(np.int64) for k, v in parameters.items()}
    elif damage == "strings":
        parameters["W1"] = parameters["W1"].astype(str)
    elif damage == "list":
        parameters = {k: v.tolist() for k, v in parameters.items()}
    elif damage == "not-a-dict":
        return list(parameters.values())
    elif damage == "zero-width" and len(dims) > 2:
        # a hidden layer of no units, with every shape consistent
        parameters["W1"], parameters["b1"] = np.zeros((0, dims[0])), np.zeros((0, 1))
        parameters["W2"] = np.zeros((dims[2], 0))
    return parameters


def _same_input(value):
    """What the guard converts an input to, for feeding the reference by hand."""
    return np.array(value, dtype=np.float64)


@given(training_data(), st.sampled_from(["he", "random", "zeros", "hee", None, 3]))
def test_train(data, initialization):
    X, Y, dims = data
    try:
        got = engine.train(X, Y, dims, initialization, num_iterations=3, n_threads=1)
    except REJECTED:
        with pytest.raises(REJECTED):  # the reference's guard agrees
            reference.train(X, Y, dims, initialization, num_iterations=3)
        return
    except FloatingPointError:
        # Divergence (inputs near 1e308 overflow): the oracle diverges too.
        with pytest.raises(FloatingPointError):
            reference.train(X, Y, dims, initialization, num_iterations=3)
        return
    oracle = reference.train(_same_input(X), _same_input(Y), dims, initialization, num_iterations=3)
    np.testing.assert_array_equal(np.isfinite(got.costs), np.isfinite(oracle.costs))
    finite = np.isfinite(oracle.costs)
    np.testing.assert_allclose(got.costs[finite], oracle.costs[finite], rtol=1e-9, atol=1e-300)


@given(arrays(), st.sampled_from([[2, 3, 1], [1, 1], [3, 4, 4, 1]]), st.data())
def test_predict_and_accuracy(X, dims, data):
    parameters = data.draw(parameters_like(dims))
    try:
        got = engine.predict_proba(X, parameters, n_threads=1)
    except REJECTED:
        return
    expected = reference.forward(_same_input(X), {k: np.asarray(v, float) for k, v in parameters.items()})[-1]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-300)
    labels = data.draw(arrays(shape=got.shape))
    try:
        value = fastnn.accuracy(X, labels, parameters)
    except REJECTED:
        return
    assert 0.0 <= value <= 1.0


@given(layers_dims(), st.one_of(st.sampled_from(["zeros", "random", "he"]), st.text(max_size=4), st.none(), st.integers()),
       st.integers(0, 2**32 - 1))
def test_initialize_parameters(dims, initialization, seed):
    try:
        parameters = fastnn.initialize_parameters(dims, initialization, seed)
    except REJECTED:
        return
    for l in range(1, len(dims)):
        assert parameters[f"W{l}"].shape == (dims[l], dims[l - 1])
        assert parameters[f"b{l}"].shape == (dims[l], 1)


@given(st.one_of(st.integers(-3, 3000), st.floats(allow_nan=True), st.none(), st.text(max_size=2)),
       st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-1, 2), st.text(max_size=2)),
       st.one_of(st.integers(0, 2**32 - 1), st.none()))
def test_make_donut(n_samples, noise, seed):
    try:
        X, Y = fastnn.make_donut(n_samples, noise=noise, seed=seed)
    except REJECTED:
        return
    assert X.shape == (2, n_samples) and Y.shape == (1, n_samples)
    assert np.isfinite(X).all() and set(np.unique(Y)) <= {0, 1}


TOKENS = ["--init", "he", "zeros", "hee", "--iterations", "0", "-3", "2", "x", "--learning-rate",
          "nan", "inf", "-0.1", "0.5", "--engine", "gpu", "reference", "compiled", "--quiet", "-q",
          "--no-plots", "--save", "--predict", "missing.npz", "--bogus", "", "--help", "--version"]


@settings(max_examples=60)
@given(st.lists(st.sampled_from(TOKENS), max_size=6))
def test_command_line(argv):
    with tempfile.TemporaryDirectory() as folder:
        cwd = os.getcwd()
        os.chdir(folder)
        try:
            # Short runs first; the drawn tokens come after and override them.
            status = main(["--iterations", "5", "--no-plots", "--quiet"] + argv)
        except SystemExit as exit_:
            status = exit_.code
        finally:
            os.chdir(cwd)
    assert status in (0, 2, None)
