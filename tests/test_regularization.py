"""fastnn.regularization: the course's regularisation notebook as drop-ins.

The course's own test cases give its expected outputs; model is the compiled
engine with the course's network and initialisation, dropout included.
"""
import numpy as np
import pytest

import fastnn
from fastnn import reference
from fastnn import regularization as reg

from conftest import assert_parameters_close

MOONS_X, MOONS_Y = fastnn.load_moons()
# The course's test cases print their arrays and expected values to 8 decimals.
PRINTED_ATOL = 1e-7


# ------------------------------------------------------------- initialisation

def test_initialize_parameters_is_the_courses_bit_for_bit():
    # reg_utils' initialize_parameters: np.random.seed(3), randn / sqrt(n_{l-1}).
    state = np.random.get_state()
    try:
        np.random.seed(3)
        dims = [2, 20, 3, 1]
        expected = {l: np.random.randn(dims[l], dims[l - 1]) / np.sqrt(dims[l - 1]) for l in (1, 2, 3)}
    finally:
        np.random.set_state(state)
    parameters = reg.initialize_parameters(dims)
    lecun = fastnn.initialize_parameters(dims, "lecun_normal", 3)
    for l in (1, 2, 3):
        np.testing.assert_array_equal(parameters[f"W{l}"], expected[l])
        np.testing.assert_array_equal(parameters[f"b{l}"], np.zeros((dims[l], 1)))
        # lecun_normal multiplies by sqrt(1 / n): the same numbers but for the last bit.
        np.testing.assert_allclose(lecun[f"W{l}"], expected[l], rtol=1e-15)
    assert any(not np.array_equal(lecun[f"W{l}"], expected[l]) for l in (1, 2, 3))


# ------------------------------------------------------- the course's test cases

def _course_parameters():
    rng = np.random.RandomState(1)
    return {key: rng.randn(*shape) for key, shape in
            [("W1", (2, 3)), ("b1", (2, 1)), ("W2", (3, 2)), ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1))]}


def test_compute_cost_with_regularization_gives_the_courses_expected_output():
    A3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    Y = np.array([[1, 1, 0, 1, 0]])
    # The course's expected_output, np.float64(1.7864859451590758): the same
    # operations on the same numbers, to the last bit.
    assert reg.compute_cost_with_regularization(A3, Y, _course_parameters(), 0.1) == 1.7864859451590758


# The course's test caches share W, b and the first layer's Z.
W1 = np.array([[-1.09989127, -0.17242821, -0.87785842], [0.04221375, 0.58281521, -1.10061918]])
b1 = np.array([[1.14472371], [0.90159072]])
W2 = np.array([[0.50249434, 0.90085595], [-0.68372786, -0.12289023], [-0.93576943, -0.26788808]])
b2 = np.array([[0.53035547], [-0.69166075], [-0.39675353]])
W3 = np.array([[-0.6871727, -0.84520564, -0.67124613]])
b3 = np.array([[-0.0126646]])
Z1 = np.array([[-1.52855314, 3.32524635, 2.13994541, 2.60700654, -0.75942115],
               [-1.98043538, 4.1600994, 0.79051021, 1.46493512, -0.45506242]])
COURSE_X = np.random.RandomState(1).randn(3, 5)
COURSE_Y = np.array([[1, 1, 0, 1, 0]])


def test_backward_propagation_with_regularization_gives_the_courses_expected_output():
    A1 = np.array([[0., 3.32524635, 2.13994541, 2.60700654, 0.], [0., 4.1600994, 0.79051021, 1.46493512, 0.]])
    Z2 = np.array([[0.53035547, 5.94892323, 2.31780174, 3.16005701, 0.53035547],
                   [-0.69166075, -3.47645987, -2.25194702, -2.65416996, -0.69166075],
                   [-0.39675353, -4.62285846, -2.61101729, -3.22874921, -0.39675353]])
    A2 = np.array([[0.53035547, 5.94892323, 2.31780174, 3.16005701, 0.53035547], [0.] * 5, [0.] * 5])
    Z3 = np.array([[-0.3771104, -4.10060224, -1.60539468, -2.18416951, -0.3771104]])
    A3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    cache = (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)
    grads = reg.backward_propagation_with_regularization(COURSE_X, COURSE_Y, cache, 0.7)
    expected = {
        "dW1": [[-0.25604646, 0.12298827, -0.28297129], [-0.17706303, 0.34536094, -0.4410571]],
        "db1": [[0.11845855], [0.21236874]],
        "dW2": [[0.79276486, 0.85133918], [-0.0957219, -0.01720463], [-0.13100772, -0.03750433]],
        "db2": [[0.26135226], [0.], [0.]],
        "dW3": [[-1.77691347, -0.11832879, -0.09397446]],
        "db3": [[-0.38032981]],
    }
    assert grads.keys() == expected.keys()
    for key, value in expected.items():
        np.testing.assert_allclose(grads[key], value, rtol=0, atol=PRINTED_ATOL, err_msg=key)


def test_backward_propagation_with_dropout_gives_the_courses_expected_output():
    D1 = np.array([[True, False, True, True, True], [True, True, True, True, False]])
    A1 = np.array([[0., 0., 4.27989081, 5.21401307, 0.], [0., 8.32019881, 1.58102041, 2.92987024, 0.]])
    Z2 = np.array([[0.53035547, 8.02565606, 4.10524802, 5.78975856, 0.53035547],
                   [-0.69166075, -1.71413186, -3.81223329, -4.61667916, -0.69166075],
                   [-0.39675353, -2.62563561, -4.82528105, -6.0607449, -0.39675353]])
    D2 = np.array([[True, False, True, False, True], [False, True, False, True, True], [False, False, True, False, False]])
    A2 = np.array([[1.06071093, 0., 8.21049603, 0., 1.06071093], [0.] * 5, [0.] * 5])
    Z3 = np.array([[-0.7415562, -0.0126646, -5.65469333, -0.0126646, -0.7415562]])
    A3 = np.array([[0.32266394, 0.49683389, 0.00348883, 0.49683389, 0.32266394]])
    cache = (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)
    grads = reg.backward_propagation_with_dropout(COURSE_X, COURSE_Y, cache, 0.8)
    expected = {
        "dW1": [[0.00019884, 0.00028657, 0.00012138], [0.00035647, 0.00051375, 0.00021761]],
        "db1": [[-0.00037647], [-0.00067492]],
        "dW2": [[-0.00256518, -0.0009476], [0., 0.], [0., 0.]],
        "db2": [[0.06033089], [0.], [0.]],
        "dW3": [[-0.06951191, 0., 0.]],
        "db3": [[-0.2715031]],
    }
    assert grads.keys() == expected.keys()
    for key, value in expected.items():
        np.testing.assert_allclose(grads[key], value, rtol=0, atol=PRINTED_ATOL, err_msg=key)


# ------------------------------------------------------ forward and backward passes

def _network():
    return reg.initialize_parameters([2, 20, 3, 1])


def test_forward_and_backward_with_regularization_are_the_engines():
    parameters = _network()
    A3, cache = reg.forward_propagation(MOONS_X, parameters)
    assert len(cache) == 12 and cache[9] is A3
    cost, grads = reference.cost_and_gradients(MOONS_X, MOONS_Y, parameters, l2=0.7)
    # The same functions of fastnn.reference on the same arrays: identical.
    assert reg.compute_cost_with_regularization(A3, MOONS_Y, parameters, 0.7) == cost
    backward = reg.backward_propagation_with_regularization(MOONS_X, MOONS_Y, cache, 0.7)
    assert backward.keys() == grads.keys()
    for key in grads:
        np.testing.assert_array_equal(backward[key], grads[key])


def test_dropout_forward_draws_fastnns_first_masks_every_call():
    parameters = _network()
    A3, cache = reg.forward_propagation_with_dropout(MOONS_X, parameters, keep_prob=0.8)
    again, _ = reg.forward_propagation_with_dropout(MOONS_X, parameters, keep_prob=0.8)
    np.testing.assert_array_equal(again, A3)
    assert len(cache) == 14
    D1, D2 = cache[1], cache[6]
    assert D1.dtype == np.int64 and D1.shape == (20, 300) and D2.shape == (3, 300)
    # Seed 1 (the course's np.random.seed(1)), epoch 0, step 0, every column.
    masks = {l: reference.dropout_mask(1, 0, 0, l, n, np.arange(300), 0.8) for l, n in ((1, 20), (2, 3))}
    np.testing.assert_array_equal(D1, masks[1])
    np.testing.assert_array_equal(D2, masks[2])
    np.testing.assert_array_equal(A3, reference.forward(MOONS_X, parameters, masks, 0.8)[-1])
    grads = reg.backward_propagation_with_dropout(MOONS_X, MOONS_Y, cache, 0.8)
    expected = reference.backward(MOONS_Y, reference.forward(MOONS_X, parameters, masks, 0.8), parameters, masks, 0.8)
    for key in grads:
        np.testing.assert_array_equal(grads[key], expected[key])


def test_dropout_with_keep_prob_1_is_the_plain_forward():
    parameters = _network()
    A3, cache = reg.forward_propagation_with_dropout(MOONS_X, parameters, keep_prob=1.0)
    np.testing.assert_array_equal(A3, reg.forward_propagation(MOONS_X, parameters)[0])
    assert cache[1].all() and cache[6].all()


@pytest.mark.parametrize("call, message", [
    (lambda c: reg.backward_propagation_with_regularization(MOONS_X, MOONS_Y, c[:11], 0.7),
     r"cache must be the course's tuple \(Z1, A1, W1, b1, \.\.\., ZL, AL, WL, bL\), got 11 entries"),
    (lambda c: reg.backward_propagation_with_dropout(MOONS_X, MOONS_Y, c, 0.8),
     r"cache must be the course's tuple \(Z1, D1, A1, W1, b1, \.\.\., ZL, AL, WL, bL\), got 12 entries"),
    (lambda c: reg.forward_propagation_with_dropout(MOONS_X, _network(), keep_prob=0),
     r"keep_prob must be in \(0, 1\], got 0"),
    (lambda c: reg.backward_propagation_with_regularization(MOONS_X.T, MOONS_Y, c, 0.7),
     r"X looks transposed"),
], ids=["short-cache", "cache-without-masks", "keep-prob-0", "X-transposed"])
def test_bad_input_is_refused(call, message):
    _, cache = reg.forward_propagation(MOONS_X, _network())
    with pytest.raises(ValueError, match=message):
        call(cache)


# --------------------------------------------------------------------- model

def _train(**options):
    return fastnn.train(MOONS_X, MOONS_Y, [2, 20, 3, 1], reg.course_normal, 0.3, seed=3, **options)


def test_model_is_the_compiled_engine_and_prints_every_10000_iterations(capsys):
    parameters = reg.model(MOONS_X, MOONS_Y, num_iterations=10001)
    result = _train(num_iterations=10001)
    assert capsys.readouterr().out == (
        f"Cost after iteration 0: {result.costs[0]}\nCost after iteration 10000: {result.costs[10000]}\n"
    )
    for key in result.parameters:
        np.testing.assert_array_equal(parameters[key], result.parameters[key])


def test_model_with_lambd_is_the_engines_l2(capsys):
    parameters = reg.model(MOONS_X, MOONS_Y, num_iterations=200, lambd=0.7, print_cost=False)
    assert capsys.readouterr().out == ""
    result = _train(num_iterations=200, l2=0.7)
    for key in result.parameters:
        np.testing.assert_array_equal(parameters[key], result.parameters[key])


def test_model_with_dropout_trains_on_the_compiled_engine():
    # The compiled engine draws the oracle's masks: the same run on both agrees to
    # rounding (tests/test_compiled_course.py: <= 1e-10 relative at every epoch).
    parameters = reg.model(MOONS_X, MOONS_Y, num_iterations=50, keep_prob=0.86, print_cost=False)
    compiled = fastnn.train(MOONS_X, MOONS_Y, [2, 20, 3, 1], reg.course_normal, 0.3, 50, seed=3,
                            keep_prob=0.86, shuffle_seed=1)
    oracle = reference.train(MOONS_X, MOONS_Y, [2, 20, 3, 1], reg.course_normal, 0.3, 50, seed=3,
                             keep_prob=0.86, shuffle_seed=1)
    for key in compiled.parameters:
        np.testing.assert_array_equal(parameters[key], compiled.parameters[key])
    assert_parameters_close(compiled.parameters, oracle.parameters, 1e-10)


def test_model_refuses_bad_options():
    with pytest.raises(ValueError, match=r"keep_prob must be in \(0, 1\], got 1.5"):
        reg.model(MOONS_X, MOONS_Y, num_iterations=3, keep_prob=1.5)
    with pytest.raises(ValueError, match=r"l2 must be >= 0, got -1"):
        reg.model(MOONS_X, MOONS_Y, num_iterations=3, lambd=-1)
