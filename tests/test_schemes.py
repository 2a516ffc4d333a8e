"""Every initialisation scheme: determinism, the formula's scale, and the diagnostics
that explain the study's outcomes."""
import math
import pickle

import numpy as np
import pytest

import fastnn
from fastnn.init import (
    ALIASES,
    INITIALIZATIONS,
    TRUNCATED_NORMAL_STD,
    calculate_gain,
    initialize_parameters,
    register_initialization,
    variance_scaling,
)

FAN_OUT, FAN_IN = 1000, 1000    # 1e6 draws: a standard error of 0.1 % of the scale
N = FAN_OUT * FAN_IN

# name -> (distribution, standard deviation), from the formulas of the papers: a
# normal's std directly, a uniform's bound a (its std is a / sqrt(3)).
SQRT3 = math.sqrt(3)
EXPECTED = {
    "he": ("normal", math.sqrt(2 / FAN_IN)),
    "he_uniform": ("uniform", math.sqrt(6 / FAN_IN) / SQRT3),
    "xavier_normal": ("normal", math.sqrt(2 / (FAN_IN + FAN_OUT))),
    "xavier_uniform": ("uniform", math.sqrt(6 / (FAN_IN + FAN_OUT)) / SQRT3),
    "lecun_normal": ("normal", math.sqrt(1 / FAN_IN)),
    "lecun_uniform": ("uniform", math.sqrt(3 / FAN_IN) / SQRT3),
    "random": ("normal", 10.0),
}


def weights(name, seed=0, fan_out=FAN_OUT, fan_in=FAN_IN, **kwargs):
    return initialize_parameters([fan_in, fan_out], name, seed, **kwargs)["W1"]


@pytest.mark.parametrize("name", sorted(INITIALIZATIONS) + sorted(ALIASES))
def test_same_seed_same_arrays(name):
    np.testing.assert_array_equal(weights(name, 5, 30, 20), weights(name, 5, 30, 20))
    generator_draws = [initialize_parameters([20, 30, 1], name, np.random.default_rng(8))["W1"] for _ in range(2)]
    np.testing.assert_array_equal(*generator_draws)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scale_matches_the_formula(name):
    distribution, std = EXPECTED[name]
    W = weights(name)
    # Five standard errors: std/sqrt(N) for the mean; for the std, std/sqrt(2N) for a
    # normal and a bit less for a uniform. Loose enough never to fail by chance, tight
    # enough (0.5 % of the std) to catch any wrong formula.
    assert abs(W.mean()) < 5 * std / math.sqrt(N)
    assert abs(W.std() - std) < 5 * std / math.sqrt(2 * N)
    if distribution == "uniform":
        limit = std * SQRT3
        assert np.abs(W).max() <= limit and np.abs(W).max() > 0.999 * limit


def test_aliases_are_the_same_scheme():
    for alias, name in ALIASES.items():
        np.testing.assert_array_equal(weights(alias, 1, 7, 5), weights(name, 1, 7, 5))


@pytest.mark.parametrize("mode, fan", [("fan_in", FAN_IN), ("fan_out", 500), ("fan_avg", (FAN_IN + 500) / 2)])
def test_truncated_normal_variance_is_corrected(mode, fan):
    scheme = variance_scaling(2.0, mode, "truncated_normal")
    W = scheme(500, FAN_IN, np.random.RandomState(3))
    std = math.sqrt(2.0 / fan)
    assert np.abs(W).max() <= 2 * std / TRUNCATED_NORMAL_STD
    assert abs(W.std() - std) < 5 * std / math.sqrt(2 * W.size)


@pytest.mark.parametrize("shape", [(40, 40), (60, 20), (20, 60)], ids=["square", "tall", "wide"])
def test_orthogonal(shape):
    gain = calculate_gain("relu")
    W = weights("orthogonal", 2, *shape, gain=gain)
    product = W.T @ W if shape[0] >= shape[1] else W @ W.T
    np.testing.assert_allclose(product, gain**2 * np.eye(min(shape)), atol=1e-12)  # QR is exact to ~1e-15


def test_gain_multiplies_and_calculate_gain():
    np.testing.assert_array_equal(weights("he", 4, 6, 5, gain=3.0), 3.0 * weights("he", 4, 6, 5))
    assert calculate_gain("relu") == math.sqrt(2) and calculate_gain("sigmoid") == 1.0
    with pytest.raises(ValueError, match="nonlinearity must be one of"):
        calculate_gain("swish")


def test_registering_a_scheme_makes_it_usable_in_this_process():
    def tiny(fan_out, fan_in, rng):
        return rng.uniform(-1e-3, 1e-3, size=(fan_out, fan_in))

    try:
        register_initialization("tiny_test_scheme", tiny)
        X, Y = fastnn.make_donut(50, seed=1)
        result = fastnn.train(X, Y, initialization="tiny_test_scheme", num_iterations=5)
        assert result.initialization == "tiny_test_scheme"
        with pytest.raises(ValueError, match="already registered"):
            register_initialization("he", tiny)
    finally:
        INITIALIZATIONS.pop("tiny_test_scheme", None)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: variance_scaling(0.0), "scale must be a finite number > 0"),
        (lambda: variance_scaling(1.0, "fan_sideways"), "mode must be one of"),
        (lambda: variance_scaling(1.0, "fan_in", "cauchy"), "distribution must be one of"),
        (lambda: initialize_parameters([2, 3], "he", gain=float("nan")), "gain must be a finite number"),
    ],
    ids=["scale", "mode", "distribution", "gain"],
)
def test_bad_scheme_options(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_seed_must_be_an_int_or_a_generator():
    with pytest.raises(TypeError, match="seed must be an int"):
        initialize_parameters([2, 3], "he", seed="3")


@pytest.mark.parametrize("name", sorted(INITIALIZATIONS))
def test_built_in_schemes_survive_pickling(name):
    # Process and cluster executors send the scheme itself to their workers.
    scheme = INITIALIZATIONS[name]
    copy = pickle.loads(pickle.dumps(scheme))
    assert copy.__name__ == scheme.__name__
    np.testing.assert_array_equal(copy(7, 5, np.random.RandomState(1)), scheme(7, 5, np.random.RandomState(1)))


def test_a_scheme_passed_itself_is_drawn_as_its_registered_twin(study_data):
    train_X, train_Y, _, _ = study_data
    scheme = variance_scaling(1.0, "fan_avg", "uniform")   # xavier_uniform's formula
    np.testing.assert_array_equal(weights(scheme, 2, 6, 5), weights("xavier_uniform", 2, 6, 5))
    diagnosis = fastnn.diagnose(train_X, initialization=scheme, Y=train_Y)
    assert diagnosis.initialization == scheme.__name__
    assert diagnosis.cost == fastnn.diagnose(train_X, initialization="xavier_uniform", Y=train_Y).cost


# ---------------------------------------------------------------- diagnostics


def test_diagnose_zeros_shows_symmetry_and_no_gradient(study_data):
    train_X, train_Y, _, _ = study_data
    diagnosis = fastnn.diagnose(train_X, initialization="zeros", Y=train_Y)
    hidden = diagnosis.layers[:2]
    assert all(layer.identical_units for layer in hidden)
    assert [layer.grad_norm for layer in hidden] == [0.0, 0.0]
    assert diagnosis.cost == pytest.approx(math.log(2), rel=1e-12)


def test_diagnose_random_shows_saturation(study_data):
    train_X, train_Y, _, _ = study_data
    diagnosis = fastnn.diagnose(train_X, initialization="random", Y=train_Y)
    assert diagnosis.layers[-1].saturated_fraction > 0.5
    assert diagnosis.cost == np.inf
    he = fastnn.diagnose(train_X, initialization="he", Y=train_Y)
    assert he.layers[-1].saturated_fraction == 0.0
    assert 0.5 < he.layers[0].z_std < 2 and 0.5 < he.layers[1].z_std < 2  # He keeps Z near unit scale
    assert "sigmoid" in he.table()


def test_diagnose_without_labels_has_no_gradients(study_data):
    train_X, _, _, _ = study_data
    diagnosis = fastnn.diagnose(train_X, [2, 4, 1], "lecun_normal", seed=1)
    assert diagnosis.cost is None and math.isnan(diagnosis.layers[0].grad_norm)
