"""The compiled engine against the NumPy oracle, at every iteration."""
import functools

import numpy as np
import pytest

import fastnn
from fastnn import engine, reference

from conftest import COST_RTOL, PARAM_RTOL, assert_parameters_close, random_problem


@functools.cache
def study_runs(name):
    """(compiled, reference) runs of the study from one initialisation, computed once."""
    train_X, train_Y, _, _ = fastnn.load_dataset()
    return engine.train(train_X, train_Y, initialization=name), reference.train(
        train_X, train_Y, initialization=name
    )


@pytest.mark.parametrize("name", ["zeros", "he"])
def test_smooth_study_runs_agree_at_every_iteration(name):
    compiled, oracle = study_runs(name)
    assert len(compiled.costs) == len(oracle.costs) == 15000
    np.testing.assert_array_equal(np.isinf(compiled.costs), np.isinf(oracle.costs))
    np.testing.assert_allclose(compiled.costs, oracle.costs, rtol=COST_RTOL, atol=0)
    assert_parameters_close(compiled.parameters, oracle.parameters, PARAM_RTOL)


def test_large_random_start_agrees_in_outcome(study_data):
    compiled, oracle = study_runs("random")
    train_X, train_Y, test_X, test_Y = study_data
    # The saturated start is inf on both engines...
    assert np.isinf(compiled.costs[0]) and np.isinf(oracle.costs[0])
    # ...and the first iterations, before rounding differences are amplified, agree.
    finite = np.isfinite(oracle.costs[:20])
    np.testing.assert_array_equal(np.isfinite(compiled.costs[:20]), finite)
    np.testing.assert_allclose(compiled.costs[:20][finite], oracle.costs[:20][finite], rtol=1e-9)
    for X, Y in [(train_X, train_Y), (test_X, test_Y)]:
        assert fastnn.accuracy(X, Y, compiled.parameters) == fastnn.accuracy(X, Y, oracle.parameters)
    # Reordering NumPy's own products moves the final cost by ~1 %: 5 % is the
    # tolerance the issue sets for this chaotic run.
    np.testing.assert_allclose(compiled.costs[-1], oracle.costs[-1], rtol=0.05)


# Sizes around the block (B examples) and group (1 -> 2 groups of up to 8 blocks)
# boundaries, and networks of other depths, including plain logistic regression
# ([n_x, 1]).
B = fastnn.build_info()["block_size"]


@pytest.mark.parametrize("m", [1, 2, B - 1, B, B + 1, 700, 8 * B, 8 * B + 1, 16385], ids=lambda m: f"m={m}")
@pytest.mark.parametrize(
    "layers_dims", [[3, 1], [3, 7, 1], [3, 10, 5, 1], [3, 17, 9, 4, 1]], ids=str
)
def test_other_sizes_agree_with_the_reference(m, layers_dims):
    X, Y = random_problem(3, m, seed=m)
    iterations = 30 if m > 1000 else 200
    compiled = engine.train(X, Y, layers_dims, "he", learning_rate=0.1, num_iterations=iterations, seed=1)
    oracle = reference.train(X, Y, layers_dims, "he", learning_rate=0.1, num_iterations=iterations, seed=1)
    np.testing.assert_allclose(compiled.costs, oracle.costs, rtol=COST_RTOL, atol=0)
    assert_parameters_close(compiled.parameters, oracle.parameters, PARAM_RTOL)


@pytest.mark.parametrize("m", [2049, 140_000], ids=lambda m: f"m={m}")
def test_inputs_wider_than_the_hidden_layers(m):
    # n_x = 8 > the hidden width: the scratch rows are sized by the hidden layers.
    X, Y = random_problem(8, m, seed=2)
    compiled = engine.train(X, Y, [8, 2, 1], "he", learning_rate=0.1, num_iterations=5, seed=1)
    oracle = reference.train(X, Y, [8, 2, 1], "he", learning_rate=0.1, num_iterations=5, seed=1)
    np.testing.assert_allclose(compiled.costs, oracle.costs, rtol=COST_RTOL, atol=0)


@pytest.mark.parametrize("build", fastnn.build_info()["available"])
def test_overflow_shows_as_nan_on_every_build(build):
    # Finite inputs whose products overflow: 10 * 1e308 - 10 * 1e308 is inf - inf =
    # NaN without fused multiply-adds, and the ReLU keeps the NaN as np.maximum does
    # (it must not turn it into 0). NumPy's own dot gives inf or NaN here depending
    # on its BLAS kernel, so the reference is not the judge of this case.
    X = np.array([[1e308], [1e308]])
    parameters = {"W1": np.array([[10.0, -10.0]]), "b1": np.zeros((1, 1)),
                  "W2": np.array([[1.0]]), "b2": np.zeros((1, 1))}
    assert np.isnan(fastnn.predict_proba(X, parameters, kernel=build)).all()


def test_predict_proba_matches_the_reference_forward_pass(study_data):
    train_X, train_Y, _, _ = study_data
    parameters = engine.train(train_X, train_Y, num_iterations=500).parameters
    grid = np.random.RandomState(0).uniform(-2, 2, size=(2, 5000))
    np.testing.assert_allclose(
        fastnn.predict_proba(grid, parameters),
        reference.forward(grid, parameters)[-1],
        rtol=1e-13,  # one forward pass: summation order only, a few ulp
    )


def test_saturated_costs_are_inf_exactly_where_the_reference_is():
    # Weights x 10 on a wide input saturate the sigmoid on most examples: the cost is
    # inf on both engines, and the gradient step still runs (inf is not divergence).
    X, Y = random_problem(2, 400, seed=3)
    compiled = engine.train(X * 50, Y, [2, 10, 5, 1], "random", num_iterations=5)
    oracle = reference.train(X * 50, Y, [2, 10, 5, 1], "random", num_iterations=5)
    assert np.isinf(oracle.costs[0])
    np.testing.assert_array_equal(np.isinf(compiled.costs), np.isinf(oracle.costs))
    assert np.all(np.isfinite(compiled.parameters["W1"]))
