"""The study's published figures, reproduced through the public API."""
import numpy as np
import pytest

import fastnn

from conftest import COST_RTOL, ENGINES

# (cost at iteration 0, cost at iteration 14000, train accuracy, test accuracy)
PUBLISHED = {
    "zeros": (0.6931471805599453, 0.6931471805599453, 0.5, 0.5),
    "random": (np.inf, 0.3828, 0.83, 0.86),
    "he": (0.8830537463419761, 0.07357895962677366, 0.9933333333333333, 0.96),
}


@pytest.mark.parametrize("name", ["zeros", "random", "he"])
def test_the_published_table(name, study_data):
    train_X, train_Y, test_X, test_Y = study_data
    first, at_14000, train_accuracy, test_accuracy = PUBLISHED[name]
    result = fastnn.train(train_X, train_Y, initialization=name)
    assert fastnn.accuracy(train_X, train_Y, result.parameters) == train_accuracy
    assert fastnn.accuracy(test_X, test_Y, result.parameters) == test_accuracy
    if name == "random":
        assert result.costs[0] == np.inf
        # Chaotic after the saturated start: only the level is stable across machines.
        np.testing.assert_allclose(result.costs[14000], at_14000, rtol=0.01)
    else:
        # Smooth trajectories: only summation order differs from the study (~1e-15).
        np.testing.assert_allclose(result.costs[[0, 14000]], [first, at_14000], rtol=1e-9)


def test_model_is_a_drop_in(study_data, capsys):
    train_X, train_Y, test_X, test_Y = study_data
    parameters = fastnn.model(train_X, train_Y, initialization="he")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 15
    assert lines[0].startswith("Cost after iteration 0: 0.88305374634197")
    assert lines[14].startswith("Cost after iteration 14000: 0.0735789596267")
    assert sorted(parameters) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    predictions = fastnn.predict(test_X, test_Y, parameters)
    assert capsys.readouterr().out == "Accuracy: 0.96\n"
    assert predictions.shape == (1, 100) and set(np.unique(predictions)) <= {0, 1}


def test_model_quiet_and_options(study_data, capsys):
    train_X, train_Y, _, _ = study_data
    parameters = fastnn.model(train_X, train_Y, num_iterations=10, print_cost=False, initialization="zeros")
    assert capsys.readouterr().out == ""
    assert np.all(parameters["W1"] == 0)


def test_both_engines_print_the_costs_they_return(study_data, capsys):
    train_X, train_Y, _, _ = study_data
    results = {}
    for name, module in sorted(ENGINES.items()):
        results[name] = module.train(train_X, train_Y, num_iterations=2500, print_cost=True)
        # Exactly the study's line, print(f"Cost after iteration {i}: {cost}"), with
        # the very cost the result holds.
        assert capsys.readouterr().out == "".join(
            f"Cost after iteration {i}: {results[name].costs[i]}\n" for i in (0, 1000, 2000)
        ), name
    np.testing.assert_allclose(
        results["compiled"].costs[[0, 1000, 2000]], results["reference"].costs[[0, 1000, 2000]], rtol=COST_RTOL
    )


def test_training_in_chunks_equals_training_in_one_go(study_data):
    train_X, train_Y, _, _ = study_data
    whole = fastnn.train(train_X, train_Y, num_iterations=15000)
    first = fastnn.train(train_X, train_Y, num_iterations=10000)
    second = fastnn.train(train_X, train_Y, parameters=first.parameters, num_iterations=5000)
    np.testing.assert_array_equal(np.concatenate([first.costs, second.costs]), whole.costs)
    for key in whole.parameters:
        np.testing.assert_array_equal(second.parameters[key], whole.parameters[key])
    assert second.initialization is None


def test_train_never_modifies_its_inputs(study_data):
    train_X, train_Y, _, _ = study_data
    X, Y = train_X.copy(), train_Y.copy()
    start = fastnn.initialize_parameters([2, 10, 5, 1], "he")
    saved = {k: v.copy() for k, v in start.items()}
    result = fastnn.train(X, Y, parameters=start, num_iterations=100)
    np.testing.assert_array_equal(X, train_X)
    np.testing.assert_array_equal(Y, train_Y)
    for key in saved:
        np.testing.assert_array_equal(start[key], saved[key])
        assert not np.shares_memory(result.parameters[key], start[key])


def test_result_repr_and_fields(study_data):
    train_X, train_Y, _, _ = study_data
    result = fastnn.train(train_X, train_Y, num_iterations=3)
    assert result.num_iterations == 3 and result.costs.dtype == np.float64
    assert result.final_cost == result.costs[-1]
    text = repr(result)
    assert "engine='compiled'" in text and "layers_dims=[2, 10, 5, 1]" in text
    assert "W1(10, 2)" in text and "iterations=3" in text
