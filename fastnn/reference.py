"""The NumPy oracle: the study's algorithm written the obvious way.

Every other engine is tested against this module, so it stays plain: one NumPy
expression per line of the study, each forward rule next to its derivative, no
optimisation. It generalises the study's three layers to any depth
(LINEAR->RELU x (L-1) -> LINEAR->SIGMOID) without changing a single operation of the
three-layer case.
"""
from __future__ import annotations

import time
from typing import Any, Mapping, Sequence

import numpy as np

from fastnn._validate import (
    Seed, check_final_cost, check_network, check_training, check_X_Y, divergence,
)
from fastnn.init import Scheme, starting_point
from fastnn.result import TrainResult

__all__ = [
    "sigmoid", "relu", "forward", "compute_cost", "backward", "update", "train",
    "cost_and_gradients",
]


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-Z)); its derivative, A (1 - A), is folded into dZ_L = A_L - Y."""
    return 1 / (1 + np.exp(-Z))


def relu(Z: np.ndarray) -> np.ndarray:
    """max(0, Z); its derivative is the mask (A > 0), applied in :func:`backward`."""
    return np.maximum(0, Z)


def forward(X: np.ndarray, parameters: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    """Activations ``[A0 = X, A1, ..., AL]``; ``AL`` of shape (1, m) is the output."""
    L = len(parameters) // 2
    activations = [X]
    for l in range(1, L + 1):
        Z = np.dot(parameters[f"W{l}"], activations[-1]) + parameters[f"b{l}"]
        activations.append(relu(Z) if l < L else sigmoid(Z))
    return activations


def compute_cost(AL: np.ndarray, Y: np.ndarray) -> float:
    """Binary cross-entropy exactly as the study computes it (``compute_loss``).

    A saturated output (exactly 0 or 1) on the wrong label gives ``inf``; on the right
    label the ``0 * inf`` term is NaN and ``nansum`` drops it.
    """
    m = Y.shape[1]
    logprobs = np.multiply(-np.log(AL), Y) + np.multiply(-np.log(1 - AL), 1 - Y)
    return 1.0 / m * np.nansum(logprobs)


def backward(
    Y: np.ndarray, activations: Sequence[np.ndarray], parameters: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Gradients ``dW1, db1, ..., dWL, dbL`` of :func:`compute_cost`.

    Like the study's ``backward_propagation``, the dict also holds the gradients of
    the pre-activations and activations, ``dZ1 ... dZL`` and ``dA1 ... dA(L-1)``. The
    training loop keeps them until the next iteration's replace them, as the study's
    does; freed at once, they left the top of the heap free for glibc to hand back to
    the kernel, and every iteration faulted it in again (benchmarks/README.md).
    """
    L = len(activations) - 1
    m = Y.shape[1]
    grads = {}
    dZ = 1.0 / m * (activations[L] - Y)          # sigmoid + cross-entropy
    for l in range(L, 0, -1):
        A_prev = activations[l - 1]
        grads[f"dZ{l}"] = dZ
        grads[f"dW{l}"] = np.dot(dZ, A_prev.T)    # Z = W . A_prev + b
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True)
        if l > 1:
            dA_prev = np.dot(parameters[f"W{l}"].T, dZ)
            grads[f"dA{l - 1}"] = dA_prev
            dZ = np.multiply(dA_prev, np.int64(A_prev > 0))  # relu
    return grads


def update(
    parameters: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], learning_rate: float
) -> dict[str, np.ndarray]:
    """One gradient-descent step: ``W - learning_rate * dW``, ``b - learning_rate * db``."""
    L = len(parameters) // 2
    updated = {}
    for l in range(1, L + 1):
        updated[f"W{l}"] = parameters[f"W{l}"] - learning_rate * grads[f"dW{l}"]
        updated[f"b{l}"] = parameters[f"b{l}"] - learning_rate * grads[f"db{l}"]
    return updated


def train(
    X: Any,
    Y: Any,
    layers_dims: Sequence[int] | None = None,
    initialization: str | Scheme = "he",
    learning_rate: float = 0.01,
    num_iterations: int = 15000,
    seed: Seed = 3,
    parameters: Mapping[str, Any] | None = None,
    *,
    gain: float = 1.0,
    print_cost: bool = False,
) -> TrainResult:
    """Train with plain NumPy; the same signature, checks, warnings and result as
    :func:`fastnn.train` (without its ``n_threads`` and ``kernel``).

    Like it, it raises ``FloatingPointError`` at the iteration whose update left a
    parameter NaN or inf.
    """
    problem = check_training(X, Y, learning_rate, num_iterations, seed, gain)
    start_from = starting_point(
        problem.X, layers_dims, initialization, problem.seed, parameters, gain=problem.gain
    )
    X, Y, parameters = problem.X, problem.Y, start_from.parameters
    costs = np.empty(problem.num_iterations)
    start = time.perf_counter()
    # Saturated sigmoids make log(0) and 0 * inf: expected, and handled by nansum.
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        for i in range(problem.num_iterations):
            activations = forward(X, parameters)
            costs[i] = compute_cost(activations[-1], Y)
            grads = backward(Y, activations, parameters)
            parameters = update(parameters, grads, problem.learning_rate)
            if print_cost and i % 1000 == 0:
                print(f"Cost after iteration {i}: {costs[i]}")
            if not all(np.isfinite(value).all() for value in parameters.values()):
                raise divergence(i, problem.learning_rate)
    check_final_cost(costs, problem.learning_rate)
    return TrainResult(
        parameters=parameters,
        costs=costs,
        layers_dims=start_from.layers_dims,
        initialization=start_from.initialization,
        learning_rate=problem.learning_rate,
        seed=problem.seed,
        engine="reference",
        elapsed=time.perf_counter() - start,
    )


def cost_and_gradients(
    X: Any, Y: Any, parameters: Mapping[str, Any]
) -> tuple[float, dict[str, np.ndarray]]:
    """Cost and gradients at ``parameters``: one forward and one backward pass.

    The same arguments, checks and result as :func:`fastnn.cost_and_gradients`.
    """
    X, Y = check_X_Y(X, Y)
    _, parameters = check_network(parameters, X)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        activations = forward(X, parameters)
        cost = compute_cost(activations[-1], Y)
        grads = backward(Y, activations, parameters)
    # The parameters' gradients only, as the compiled engine returns them.
    return cost, {key: value for key, value in grads.items() if key[:2] in ("dW", "db")}
