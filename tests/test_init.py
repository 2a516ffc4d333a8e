import re

import numpy as np
import pytest

import fastnn
from fastnn.init import ALIASES, INITIALIZATIONS, initialize_parameters

STUDY_DIMS = [2, 10, 5, 1]


def study_recipe(layers_dims, scheme):
    """The study's own initialisers, verbatim: they seed NumPy's global generator."""
    state = np.random.get_state()
    try:
        np.random.seed(3)
        parameters = {}
        for l in range(1, len(layers_dims)):
            shape = (layers_dims[l], layers_dims[l - 1])
            if scheme == "zeros":
                W = np.zeros(shape)
            elif scheme == "random":
                W = np.random.randn(*shape) * 10
            else:
                W = np.random.randn(*shape) * np.sqrt(2.0 / layers_dims[l - 1])
            parameters["W" + str(l)] = W
            parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
        return parameters
    finally:
        np.random.set_state(state)


@pytest.mark.parametrize("scheme", ["zeros", "random", "he"])
@pytest.mark.parametrize("layers_dims", [STUDY_DIMS, [3, 7, 1], [4, 8, 8, 8, 2]], ids=str)
def test_study_schemes_reproduce_the_study_arrays_exactly(scheme, layers_dims):
    expected = study_recipe(layers_dims, scheme)
    ours = initialize_parameters(layers_dims, scheme)
    drop_in = getattr(fastnn, f"initialize_parameters_{scheme}")(layers_dims)
    for parameters in (ours, drop_in):
        assert list(parameters) == list(expected)
        for key in expected:
            np.testing.assert_array_equal(parameters[key], expected[key])
            assert parameters[key].dtype == np.float64


@pytest.mark.parametrize("scheme", sorted(INITIALIZATIONS))
def test_same_seed_same_arrays_and_global_state_untouched(scheme):
    np.random.seed(0)
    before = np.random.rand()
    np.random.seed(0)
    a = initialize_parameters(STUDY_DIMS, scheme, seed=11)
    b = initialize_parameters(STUDY_DIMS, scheme, seed=11)
    assert np.random.rand() == before
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_different_seeds_differ():
    a = initialize_parameters(STUDY_DIMS, "he", seed=1)
    b = initialize_parameters(STUDY_DIMS, "he", seed=2)
    assert not np.array_equal(a["W1"], b["W1"])


@pytest.mark.parametrize("scheme, std", [("he", np.sqrt(2 / 1000)), ("random", 10.0)])
def test_scale_matches_the_formula(scheme, std):
    W = initialize_parameters([1000, 1000, 1], scheme, seed=5)["W1"]
    n = W.size
    # Sample mean and std of 1e6 normal draws: 5 standard errors (std/sqrt(n) for the
    # mean, std/sqrt(2n) for the std) is loose enough never to fail by chance.
    assert abs(W.mean()) < 5 * std / np.sqrt(n)
    assert abs(W.std() - std) < 5 * std / np.sqrt(2 * n)


def test_unknown_scheme_lists_the_valid_names_sorted_and_suggests_one():
    names = sorted({*INITIALIZATIONS, *ALIASES})
    message = f"initialization must be one of {names}, got 'hee'; did you mean 'he'?"
    with pytest.raises(ValueError, match=re.escape(message)):
        initialize_parameters(STUDY_DIMS, "hee")
    with pytest.raises(ValueError, match=r"got 'qwerty'$"):   # nothing close: no guess
        initialize_parameters(STUDY_DIMS, "qwerty")
    with pytest.raises(TypeError, match=r"initialization must be a scheme's name \(str\) or a callable"):
        initialize_parameters(STUDY_DIMS, None)


@pytest.mark.parametrize(
    "seed, error, message",
    [
        ("3", TypeError, "seed must be an int, a numpy Generator or a RandomState, got '3'"),
        (True, TypeError, "got True"),
        (3.0, TypeError, "got 3.0"),
        (None, TypeError, "got None"),
        (-1, ValueError, r"seed must be an int from 0 to 2\*\*32 - 1, got -1"),
        (2**32, ValueError, "got 4294967296"),
    ],
    ids=["str", "bool", "float", "None", "negative", "too-large"],
)
def test_bad_seed(seed, error, message):
    with pytest.raises(error, match=message):
        initialize_parameters(STUDY_DIMS, "he", seed)


def test_numpy_integer_seeds_are_ints():
    for key, value in initialize_parameters(STUDY_DIMS, "he", np.uint32(2**32 - 1)).items():
        np.testing.assert_array_equal(value, initialize_parameters(STUDY_DIMS, "he", 2**32 - 1)[key])


@pytest.mark.parametrize(
    "layers_dims, error, message",
    [
        ([2], ValueError, "at least an input and an output"),
        ([2, 0, 1], ValueError, "positive integers, got 0 at position 1"),
        ([2, -3, 1], ValueError, "positive integers, got -3"),
        ([2, 2.5, 1], ValueError, "positive integers, got 2.5"),
        ([2, True, 1], ValueError, "positive integers, got True"),
        ("2 10 1", TypeError, "layers_dims must be a list"),
        (7, TypeError, "layers_dims must be a list"),
    ],
    ids=["too-short", "zero", "negative", "float", "bool", "string", "int"],
)
def test_bad_layers_dims(layers_dims, error, message):
    with pytest.raises(error, match=message):
        initialize_parameters(layers_dims, "he")
