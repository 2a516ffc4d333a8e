"""Backward passes against finite differences, and one step worked out by hand."""
import math

import numpy as np
import pytest

from conftest import finite_difference_gradients, random_problem


def _problem(layers_dims):
    from fastnn import initialize_parameters

    X, Y = random_problem(3, 40, seed=7)
    parameters = initialize_parameters(layers_dims, "he", seed=2)
    # Non-zero biases, so their gradients are exercised away from the symmetric start.
    for key in parameters:
        if key.startswith("b"):
            parameters[key] = np.random.RandomState(1).randn(*parameters[key].shape) * 0.1
    return X, Y, parameters


@pytest.mark.parametrize("l2", [0.0, 0.7], ids=["no-l2", "l2-0.7"])
@pytest.mark.parametrize("layers_dims", [[3, 1], [3, 4, 3, 1], [3, 6, 5, 4, 1]], ids=str)
def test_backward_pass_matches_finite_differences(engine_module, layers_dims, l2):
    X, Y, parameters = _problem(layers_dims)
    cost, grads = engine_module.cost_and_gradients(X, Y, parameters, l2=l2)
    numeric = finite_difference_gradients(
        lambda p: engine_module.cost_and_gradients(X, Y, p, l2=l2)[0], parameters
    )
    assert grads.keys() == numeric.keys()       # dW1, db1, ...: one per parameter
    analytic = np.concatenate([grads[k].ravel() for k in sorted(numeric)])
    approx = np.concatenate([numeric[k].ravel() for k in sorted(numeric)])
    # Centred differences with eps = 1e-6 on an O(1) cost: truncation ~eps^2 and
    # rounding ~1e-16/eps leave ~1e-10 absolute; 1e-7 relative to the gradient's
    # norm (the usual gradient-check criterion) flags any wrong derivative.
    error = np.linalg.norm(analytic - approx) / (np.linalg.norm(analytic) + np.linalg.norm(approx))
    assert error < 1e-7


def test_l2_adds_the_courses_penalty_and_its_gradient(engine_module):
    X, Y, parameters = _problem([3, 4, 3, 1])
    cost, grads = engine_module.cost_and_gradients(X, Y, parameters)
    cost_l2, grads_l2 = engine_module.cost_and_gradients(X, Y, parameters, l2=0.7)
    m = X.shape[1]
    penalty = sum(np.sum(parameters[f"W{l}"] ** 2) for l in (1, 2, 3))
    # The course's compute_cost_with_regularization: the same terms in another order.
    np.testing.assert_allclose(cost_l2, cost + (1 / m) * (0.7 / 2) * penalty, rtol=1e-15)
    for l in (1, 2, 3):
        # Added to the cross-entropy's gradient as the last operation: exactly.
        np.testing.assert_array_equal(grads_l2[f"dW{l}"], grads[f"dW{l}"] + (0.7 / m) * parameters[f"W{l}"])
        np.testing.assert_array_equal(grads_l2[f"db{l}"], grads[f"db{l}"])


@pytest.mark.parametrize("l2, error, message", [
    (-0.1, ValueError, r"l2 must be >= 0, got -0.1"),
    (float("nan"), ValueError, r"l2 must be a finite number, got nan"),
    ("0.1", TypeError, r"l2 must be a number, got '0.1'"),
], ids=["negative", "nan", "string"])
def test_bad_l2_is_refused(engine_module, l2, error, message):
    X, Y, parameters = _problem([3, 1])
    with pytest.raises(error, match=message):
        engine_module.cost_and_gradients(X, Y, parameters, l2=l2)


def test_one_logistic_step_by_hand(engine_module):
    # One unit, two examples: X = [[1, -1]], Y = [[1, 0]], W = 0.5, b = 0.
    #   z = [0.5, -0.5], a = sigmoid(z) = [s, 1 - s] with s = sigmoid(0.5)
    #   cost = (1/2) (-log s - log(1 - (1 - s))) = -log s
    #   dz = (1/2) (a - y) = [(s - 1)/2, (1 - s)/2]
    #   dW = dz . x = (s - 1)/2 - (1 - s)/2 = s - 1,   db = 0
    #   after one step with learning rate 0.1: W = 0.5 - 0.1 (s - 1), b = 0
    s = 1 / (1 + math.exp(-0.5))  # 0.6224593312018546
    X, Y = np.array([[1.0, -1.0]]), np.array([[1.0, 0.0]])
    parameters = {"W1": np.array([[0.5]]), "b1": np.array([[0.0]])}
    result = engine_module.train(X, Y, parameters=parameters, learning_rate=0.1, num_iterations=1)
    # A handful of roundings separate these from the exact values: 1e-15 relative.
    np.testing.assert_allclose(result.costs[0], -math.log(s), rtol=1e-15)
    np.testing.assert_allclose(result.parameters["W1"][0, 0], 0.5 - 0.1 * (s - 1), rtol=1e-15)
    assert abs(result.parameters["b1"][0, 0]) < 1e-17


def test_one_relu_step_by_hand(engine_module):
    # [1, 1, 1] network, X = [[1, -1]], Y = [[1, 0]], W1 = 1, b1 = 0, W2 = 0.5, b2 = 0.
    #   A1 = relu([1, -1]) = [1, 0];  z2 = [0.5, 0];  a = [s, 1/2]
    #   cost = (1/2) (-log s - log(1/2))
    #   dz2 = (1/2) (a - y) = [(s - 1)/2, 1/4]
    #   dW2 = dz2 . A1 = (s - 1)/2;  db2 = (s - 1)/2 + 1/4
    #   dA1 = W2 dz2 = [(s - 1)/4, 1/8];  dZ1 = dA1 * (A1 > 0) = [(s - 1)/4, 0]
    #   dW1 = dZ1 . x = (s - 1)/4;  db1 = (s - 1)/4
    s = 1 / (1 + math.exp(-0.5))
    X, Y = np.array([[1.0, -1.0]]), np.array([[1.0, 0.0]])
    parameters = {
        "W1": np.array([[1.0]]), "b1": np.array([[0.0]]),
        "W2": np.array([[0.5]]), "b2": np.array([[0.0]]),
    }
    cost, grads = engine_module.cost_and_gradients(X, Y, parameters)
    expected = {"dW1": (s - 1) / 4, "db1": (s - 1) / 4, "dW2": (s - 1) / 2, "db2": (s - 1) / 2 + 0.25}
    np.testing.assert_allclose(cost, 0.5 * (-math.log(s) - math.log(0.5)), rtol=1e-15)
    for key, value in expected.items():
        np.testing.assert_allclose(grads[key][0, 0], value, rtol=1e-14, err_msg=key)
