"""The kernel's scikit-learn forms (optimizers 3 and 4, ``sklearn`` losses, sample
weights) against scikit-learn's own MLP estimators, epoch by epoch: the same
initial weights drawn as scikit-learn draws them, the same shuffles from the same
random state, one kernel call per epoch."""
import warnings

import numpy as np
import pytest

from fastnn import engine

sklearn = pytest.importorskip("sklearn")
from sklearn.datasets import load_diabetes, load_iris  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils import check_random_state, shuffle  # noqa: E402

EPOCHS = 6
HIDDEN = (8, 5)
# Summation order only (BLAS and the kernel's lanes against NumPy's): measured
# 4e-16 at most over these runs; a wrong term moves the losses by > 1e-3.
RTOL = 1e-12


def _glorot(dims, activation, rs):
    """scikit-learn's _init_coef for each layer in order, as (n_out, n_in) W and b."""
    theta = []
    for fan_in, fan_out in zip(dims, dims[1:]):
        bound = np.sqrt((2.0 if activation == "logistic" else 6.0) / (fan_in + fan_out))
        W = rs.uniform(-bound, bound, (fan_in, fan_out)).T
        b = rs.uniform(-bound, bound, fan_out)
        theta += [W.ravel(), b]
    return np.concatenate(theta)


def _kernel_run(X, Y, output, solver, activation, sample_weight, **options):
    dims = [X.shape[1], *HIDDEN, Y.shape[0]]
    rs = check_random_state(0)
    theta = _glorot(dims, activation, rs)
    d, o, n = engine._layout(dims)
    core = engine._kernel(None)
    velocity, moment, steps = np.zeros(n), np.zeros(n), np.zeros(1, np.intp)
    order = np.arange(X.shape[0])
    losses = []
    for _ in range(EPOCHS):
        order = shuffle(order, random_state=rs)
        cost = np.empty(1)
        core.train_epochs(
            np.ascontiguousarray(X.T), Y, d, o, theta, np.empty(n), cost, np.zeros(1, np.intp),
            np.array([options.get("learning_rate_init", 0.001)]), order.reshape(1, -1).astype(np.intp), 32,
            4 if solver == "adam" else 3, options.get("momentum", 0.9), 0.9, 0.999, 1e-8, 1e-3, 1.0, 0, 0,
            velocity, moment, steps, 1, output=core.OUTPUTS[output],
            hidden=core.HIDDEN_ACTIVATIONS["sigmoid" if activation == "logistic" else activation],
            nesterov=options.get("nesterovs_momentum", True), sklearn_loss=True,
            sample_weight=None if sample_weight is None else np.ascontiguousarray(sample_weight),
        )
        losses.append(cost[0])
    return np.array(losses), theta[: dims[0] * dims[1]].reshape(dims[1], dims[0]).T


CASES = {
    "adam-softmax": (MLPClassifier, "softmax", "adam", "relu", False, {}),
    "sgd-nesterov-softmax": (MLPClassifier, "softmax", "sgd", "relu", False, {"learning_rate_init": 0.1}),
    "sgd-momentum-tanh": (MLPClassifier, "softmax", "sgd", "tanh", False,
                          {"learning_rate_init": 0.1, "nesterovs_momentum": False}),
    "adam-logistic": (MLPClassifier, "softmax", "adam", "logistic", False, {}),
    "adam-weights": (MLPClassifier, "softmax", "adam", "relu", True, {}),
    "adam-binary-identity": (MLPClassifier, "sigmoid", "adam", "identity", False, {}),
    "adam-regression": (MLPRegressor, "identity", "adam", "relu", False, {}),
    "sgd-regression-weights": (MLPRegressor, "identity", "sgd", "relu", True, {"learning_rate_init": 0.01}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_kernel_trains_as_scikit_learn(case):
    estimator, output, solver, activation, weighted, options = CASES[case]
    if estimator is MLPRegressor:
        X, y = load_diabetes(return_X_y=True)
        y = (y - y.mean()) / y.std()
        Y = y.reshape(1, -1)
    else:
        X, y = load_iris(return_X_y=True)
        if output == "sigmoid":
            y = (y == 2).astype(int)
            Y = y.reshape(1, -1).astype(float)
        else:
            Y = np.eye(3)[y].T.copy()
    X = StandardScaler().fit_transform(X)
    weights = np.random.RandomState(1).rand(len(y)) + 0.2 if weighted else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = estimator(hidden_layer_sizes=HIDDEN, solver=solver, activation=activation, batch_size=32,
                           max_iter=EPOCHS, random_state=0, tol=0, n_iter_no_change=1000, alpha=1e-3,
                           **options).fit(X, y, sample_weight=weights)
    losses, W1 = _kernel_run(X, np.ascontiguousarray(Y), output, solver, activation, weights, **options)
    np.testing.assert_allclose(losses, theirs.loss_curve_, rtol=RTOL)
    np.testing.assert_allclose(W1, theirs.coefs_[0], rtol=1e-10, atol=1e-14)
