"""Backward passes against finite differences, and one step worked out by hand."""
import math

import numpy as np
import pytest

from conftest import finite_difference_gradients, random_problem


@pytest.mark.parametrize("layers_dims", [[3, 1], [3, 4, 3, 1], [3, 6, 5, 4, 1]], ids=str)
def test_backward_pass_matches_finite_differences(engine_module, layers_dims):
    from fastnn import initialize_parameters

    X, Y = random_problem(3, 40, seed=7)
    parameters = initialize_parameters(layers_dims, "he", seed=2)
    # Non-zero biases, so their gradients are exercised away from the symmetric start.
    for key in parameters:
        if key.startswith("b"):
            parameters[key] = np.random.RandomState(1).randn(*parameters[key].shape) * 0.1
    cost, grads = engine_module.cost_and_gradients(X, Y, parameters)
    numeric = finite_difference_gradients(
        lambda p: engine_module.cost_and_gradients(X, Y, p)[0], parameters
    )
    assert grads.keys() == numeric.keys()       # dW1, db1, ...: one per parameter
    analytic = np.concatenate([grads[k].ravel() for k in sorted(numeric)])
    approx = np.concatenate([numeric[k].ravel() for k in sorted(numeric)])
    # Centred differences with eps = 1e-6 on an O(1) cost: truncation ~eps^2 and
    # rounding ~1e-16/eps leave ~1e-10 absolute; 1e-7 relative to the gradient's
    # norm (the usual gradient-check criterion) flags any wrong derivative.
    error = np.linalg.norm(analytic - approx) / (np.linalg.norm(analytic) + np.linalg.norm(approx))
    assert error < 1e-7


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
