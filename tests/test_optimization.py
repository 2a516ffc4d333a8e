"""fastnn.optimization: the course's optimisation notebook as drop-ins.

Each function is held to the course's own code (restated in
tests/test_reference_course.py) or to the numbers the course prints; model prints
the course's lines on the compiled engine.
"""
import numpy as np
import pytest

import fastnn
from fastnn import optimization as opt

import test_reference_course as course


@pytest.fixture(autouse=True)
def _global_random_state_restored():
    """random_mini_batches seeds NumPy's global generator, as the course's does."""
    state = np.random.get_state()
    yield
    np.random.set_state(state)


MOONS_X, MOONS_Y = fastnn.load_moons()


# ------------------------------------------------------------------ mini-batches

@pytest.mark.parametrize("size, lengths", [(64, [64, 64, 64, 64, 44]), (100, [100, 100, 100]), (500, [300])],
                         ids=["64-remainder-44", "100-even", "one-batch"])
def test_random_mini_batches_is_the_courses(size, lengths):
    batches = opt.random_mini_batches(MOONS_X, MOONS_Y, size, seed=11)
    expected = course.random_mini_batches(MOONS_X, MOONS_Y, size, seed=11)
    assert [X.shape[1] for X, _ in batches] == lengths
    for (X, Y), (course_X, course_Y, _) in zip(batches, expected, strict=True):
        np.testing.assert_array_equal(X, course_X)
        np.testing.assert_array_equal(Y, course_Y)
        assert Y.dtype == MOONS_Y.dtype          # the labels' dtype is kept, as the course's


def test_random_mini_batches_seeds_the_global_generator_as_documented():
    opt.random_mini_batches(MOONS_X, MOONS_Y, 64, seed=5)
    after = np.random.rand()
    rng = np.random.RandomState(5)
    rng.permutation(300)
    assert after == rng.rand()


def test_training_shuffles_as_random_mini_batches_with_the_seed_incremented():
    # model's seed 10 is incremented before each epoch: epoch e uses seed 11 + e.
    for epoch in range(3):
        batches = opt.random_mini_batches(np.arange(300).reshape(1, 300), MOONS_Y, 64, seed=11 + epoch)
        columns = fastnn.reference.mini_batches(300, 64, 10, epoch)
        for (X, _), expected in zip(batches, columns, strict=True):
            np.testing.assert_array_equal(X[0], expected)


@pytest.mark.parametrize("arguments, error, message", [
    (dict(mini_batch_size=0), ValueError, r"mini_batch_size must be >= 1, got 0"),
    (dict(mini_batch_size=6.4), TypeError, r"mini_batch_size must be an integer"),
    (dict(seed=-1), ValueError, r"seed must be an int from 0 to 2\*\*32 - 1"),
    (dict(Y=MOONS_Y[:, :10]), ValueError, r"Y must have shape \(1, m\) = \(1, 300\)"),
], ids=["size-0", "size-float", "seed-negative", "Y-short"])
def test_random_mini_batches_refuses_bad_input(arguments, error, message):
    arguments = {"X": MOONS_X, "Y": MOONS_Y, **arguments}
    with pytest.raises(error, match=message):
        opt.random_mini_batches(**arguments)


# ------------------------------------------------------------- initialisation

def test_initialize_parameters_is_the_courses():
    # opt_utils' initialize_parameters: np.random.seed(3), randn * sqrt(2 / n_{l-1}).
    np.random.seed(3)
    dims = [2, 5, 2, 1]
    parameters = opt.initialize_parameters(dims)
    for l in range(1, 4):
        W = np.random.randn(dims[l], dims[l - 1]) * np.sqrt(2 / dims[l - 1])
        np.testing.assert_array_equal(parameters[f"W{l}"], W)
        np.testing.assert_array_equal(parameters[f"b{l}"], np.zeros((dims[l], 1)))


def test_optimiser_states_start_at_zero_with_the_courses_keys():
    parameters = opt.initialize_parameters([2, 5, 2, 1])
    v = opt.initialize_velocity(parameters)
    adam_v, adam_s = opt.initialize_adam(parameters)
    for state in (v, adam_v, adam_s):
        assert list(state) == ["dW1", "db1", "dW2", "db2", "dW3", "db3"]
        for key, value in state.items():
            assert value.shape == parameters[key[1:]].shape and value.dtype == np.float64
            assert not value.any()
    assert adam_v["dW1"] is not adam_s["dW1"]


# -------------------------------------------------------------------- updates

def _state(seed=0):
    rng = np.random.RandomState(seed)
    parameters = opt.initialize_parameters([3, 4, 2, 1])
    grads = {f"d{key}": rng.randn(*value.shape) for key, value in parameters.items()}
    grads["dZ1"] = rng.randn(4, 7)           # the course's grads carry more than dW and db
    moments = [{f"d{key}": rng.randn(*value.shape) ** 2 for key, value in parameters.items()} for _ in range(2)]
    return parameters, grads, moments[0], moments[1]


def _copy(d):
    return {key: value.copy() for key, value in d.items()}


def _assert_same(actual, expected):
    assert actual.keys() == expected.keys()
    for key in expected:
        # The reference's update rules are the course's operations, one for one.
        np.testing.assert_array_equal(actual[key], expected[key], err_msg=key)


def test_update_parameters_with_gd_is_the_courses():
    parameters, grads, _, _ = _state()
    expected = course.update_parameters_with_gd(_copy(parameters), grads, 0.01)
    returned = opt.update_parameters_with_gd(parameters, grads, 0.01)
    assert returned is parameters                 # updated in place and returned, as the course's
    _assert_same(parameters, expected)


def test_update_parameters_with_momentum_is_the_courses():
    parameters, grads, v, _ = _state()
    expected_parameters, expected_v = course.update_parameters_with_momentum(_copy(parameters), grads, _copy(v), 0.9, 0.01)
    returned_parameters, returned_v = opt.update_parameters_with_momentum(parameters, grads, v, 0.9, 0.01)
    assert returned_parameters is parameters and returned_v is v
    _assert_same(parameters, expected_parameters)
    _assert_same(v, expected_v)


@pytest.mark.parametrize("t", [1, 2, 50])
def test_update_parameters_with_adam_is_the_courses(t):
    parameters, grads, v, s = _state()
    expected = course.update_parameters_with_adam(_copy(parameters), grads, _copy(v), _copy(s), t, 0.01, 0.9, 0.999, 1e-8)
    returned = opt.update_parameters_with_adam(parameters, grads, v, s, t, 0.01, 0.9, 0.999, 1e-8)
    assert len(returned) == 5 and returned[0] is parameters and returned[1] is v and returned[2] is s
    for actual, wanted in zip(returned[:3], expected, strict=True):
        _assert_same(actual, wanted)
    # The course's current notebook also returns the bias-corrected moments.
    _assert_same(returned[3], {key: value / (1 - 0.9**t) for key, value in v.items()})
    _assert_same(returned[4], {key: value / (1 - 0.999**t) for key, value in s.items()})


# --------------------------------------------------------------------- decay

def test_decay_helpers_give_the_courses_expected_output():
    # The course's printed expected outputs.
    assert opt.update_lr(0.5, 2, 1) == 0.16666666666666666
    assert opt.schedule_lr_decay(0.5, 10, 0.3, 100) == 0.5
    assert opt.schedule_lr_decay(0.5, 100, 0.3, 100) == 0.3846153846153846


@pytest.mark.parametrize("epoch", [0, 1, 999, 1000, 1001, 4999])
def test_decay_helpers_are_the_engines_rate(epoch):
    # The engine's rate is lr / (1 + ...), the course's (1 / (1 + ...)) * lr: equal
    # to the last bit or two.
    engine_rate = fastnn.reference.decayed_learning_rate(0.1, epoch, 1.0, 1000)
    assert opt.schedule_lr_decay(0.1, epoch, 1.0) == pytest.approx(engine_rate, rel=1e-15)
    assert opt.update_lr(0.1, epoch, 1.0) == pytest.approx(
        fastnn.reference.decayed_learning_rate(0.1, epoch, 1.0, 1), rel=1e-15)


# --------------------------------------------------------------------- model

def test_load_dataset_is_the_moons():
    X, Y = opt.load_dataset()
    np.testing.assert_array_equal(X, MOONS_X)
    np.testing.assert_array_equal(Y, MOONS_Y)


# The course's printed output for 5000 epochs (its current notebook's default), and
# its train accuracies (the table that follows: 71.7 %, 71.7 %, 94 %).
COURSE_PRINTED = {
    "gd": ["0.702405", "0.668101", "0.635288", "0.600491", "0.573367"],
    "momentum": ["0.702413", "0.668167", "0.635388", "0.600591", "0.573444"],
}
COURSE_ACCURACY = {"gd": 0.7166666666666667, "momentum": 0.7166666666666667, "adam": 0.94}


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_model_prints_the_courses_costs_and_reaches_its_accuracy(optimizer, capsys):
    parameters = opt.model(MOONS_X, MOONS_Y, [2, 5, 2, 1], optimizer, num_epochs=5000)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(": ")[0] for line in lines] == [f"Cost after epoch {i}" for i in range(0, 5000, 1000)]
    if optimizer in COURSE_PRINTED:
        assert [line.split(": ")[1] for line in lines] == COURSE_PRINTED[optimizer]
    accuracy = fastnn.accuracy(MOONS_X, MOONS_Y, parameters)
    if optimizer == "adam":
        assert round(accuracy, 2) == COURSE_ACCURACY[optimizer]   # the course prints "94%"
    else:
        assert accuracy == COURSE_ACCURACY[optimizer]


def test_model_is_the_compiled_engine_with_the_courses_settings(capsys):
    parameters = opt.model(MOONS_X, MOONS_Y, [2, 5, 2, 1], "adam", num_epochs=30, print_cost=False)
    assert capsys.readouterr().out == ""
    result = fastnn.train(MOONS_X, MOONS_Y, [2, 5, 2, 1], "he", 0.0007, 30, seed=3, optimizer="adam",
                          mini_batch_size=64, shuffle_seed=10)
    _assert_same(parameters, result.parameters)


@pytest.mark.parametrize("decay, time_interval", [(opt.update_lr, 1), (opt.schedule_lr_decay, 1000)],
                         ids=["update_lr", "schedule_lr_decay"])
def test_model_runs_the_courses_decay_functions_on_the_engine(decay, time_interval, capsys):
    parameters = opt.model(MOONS_X, MOONS_Y, [2, 5, 2, 1], "gd", learning_rate=0.1, num_epochs=1001,
                           decay=decay, decay_rate=1)
    result = fastnn.train(MOONS_X, MOONS_Y, [2, 5, 2, 1], "he", 0.1, 1001, seed=3, mini_batch_size=64,
                          decay_rate=1, time_interval=time_interval)
    _assert_same(parameters, result.parameters)
    lines = capsys.readouterr().out.splitlines()
    # The course's first line (its table: epoch 0, cost 0.701091), then the rate.
    assert lines[:2] == ["Cost after epoch 0: 0.701091", "learning rate after epoch 0: 0.100000"]
    assert lines[3] == f"learning rate after epoch 1000: {decay(0.1, 1000, 1):f}"


def test_model_refuses_a_decay_the_engine_cannot_run():
    with pytest.raises(ValueError, match=r"decay must be None, fastnn.optimization.update_lr or"):
        opt.model(MOONS_X, MOONS_Y, [2, 5, 2, 1], "gd", decay=lambda lr, epoch, rate: lr)


def test_model_refuses_an_unknown_optimizer():
    with pytest.raises(ValueError, match=r"optimizer must be one of \['gd', 'momentum', 'adam'\], got 'sgd'"):
        opt.model(MOONS_X, MOONS_Y, [2, 5, 2, 1], "sgd")


def test_predict_prints_the_accuracy(capsys):
    parameters = opt.initialize_parameters([2, 5, 2, 1])
    p = opt.predict(MOONS_X, MOONS_Y, parameters)
    assert p.shape == (1, 300) and set(np.unique(p)) <= {0, 1}
    assert capsys.readouterr().out == f"Accuracy: {np.mean(p[0] == MOONS_Y[0])}\n"
