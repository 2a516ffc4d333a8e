"""fastnn.gradient_check: the course's gradient_check_n on both engines.

It passes on the engines' own gradients, with and without L2, for every output
layer and hidden activation, gives the course's printed differences on the
course's test case (right and broken), fails and names the parameter when a
gradient is broken on purpose (an entry, an activation's derivative, an output
layer's delta), checks float32 parameters in float64, and refuses bad input.
"""
import numpy as np
import pytest

import fastnn
from fastnn import gradcheck, reference
from fastnn.gradcheck import GradientCheck, gradient_check
from fastnn.reference import Activation

from conftest import ENGINES, random_problem

# The course's verdict: below 2e-7 the gradients are right.
THRESHOLD = 2e-7
# A broken gradient must fail by a wide margin, not by rounding.
BROKEN = 1e-3


def _network(layers_dims, seed=2):
    parameters = fastnn.initialize_parameters(layers_dims, "he", seed=seed)
    # Non-zero biases, so that their gradients are checked away from the symmetric start.
    rng = np.random.RandomState(1)
    for key in parameters:
        if key.startswith("b"):
            parameters[key] = rng.randn(*parameters[key].shape) * 0.1
    return parameters


@pytest.mark.parametrize("l2", [0.0, 0.7], ids=["no-l2", "l2-0.7"])
@pytest.mark.parametrize("layers_dims", [[3, 1], [3, 4, 3, 1], [3, 6, 5, 4, 1]], ids=str)
@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_right_gradients_pass(engine, layers_dims, l2):
    X, Y = random_problem(3, 40, seed=7)
    parameters = _network(layers_dims)
    before = {key: value.copy() for key, value in parameters.items()}
    result = gradient_check(X, Y, parameters, l2=l2, engine=engine)
    assert result.passed and result.difference < THRESHOLD
    assert (result.engine, result.epsilon, result.l2) == (engine, 1e-7, l2)
    for key in before:                          # the parameters are not modified
        np.testing.assert_array_equal(parameters[key], before[key])


def _course_test_case():
    # The course's gradient_check_n_test_case.
    rng = np.random.RandomState(1)
    X = rng.randn(4, 3)
    Y = np.array([1, 1, 0])
    parameters = {}
    for key, shape in [("W1", (5, 4)), ("b1", (5, 1)), ("W2", (3, 5)), ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1))]:
        parameters[key] = rng.randn(*shape)
    return X, Y, parameters


def _course_bugs(cost_and_gradients):
    """The course's backward_propagation_n with its two planted bugs:
    dW2 = 1/m dZ2 A1^T * 2 and db1 = 4/m sum(dZ1)."""
    def broken(X, Y, parameters, **options):
        cost, grads = cost_and_gradients(X, Y, parameters, **options)
        return cost, dict(grads, dW2=grads["dW2"] * 2, db1=grads["db1"] * 4)
    return broken


# The course's printed differences: 1.1890913022840002e-07 for the right backward
# pass, 0.2850931567761624 with its planted bugs. Each difference of costs is divided
# by 2 eps = 2e-7, so the cost's last-bit rounding (~1e-16) moves each approximation
# by ~1e-9: the oracle, which sums as the course does, agrees to ~2e-10 relative;
# the compiled engine, summing in another order, to 3e-10 on the broken case (whose
# difference is large) and 8e-4 on the right one (whose difference is that noise).
COURSE_RIGHT, COURSE_BROKEN = 1.1890913022840002e-07, 0.2850931567761624
RTOL = {"reference": (1e-8, 1e-9), "compiled": (1e-2, 1e-8)}


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_the_courses_test_case_gives_its_printed_differences(engine, monkeypatch):
    X, Y, parameters = _course_test_case()
    right_rtol, broken_rtol = RTOL[engine]
    right = gradient_check(X, Y, parameters, engine=engine)
    assert right.passed
    np.testing.assert_allclose(right.difference, COURSE_RIGHT, rtol=right_rtol)
    module = ENGINES[engine]
    monkeypatch.setattr(module, "cost_and_gradients", _course_bugs(module.cost_and_gradients))
    broken = gradient_check(X, Y, parameters, engine=engine)
    assert not broken.passed
    np.testing.assert_allclose(broken.difference, COURSE_BROKEN, rtol=broken_rtol)
    assert broken.worst_parameter in ("W2", "b1")


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_a_broken_entry_fails_and_is_named(engine, monkeypatch):
    X, Y = random_problem(3, 40, seed=7)
    parameters = _network([3, 4, 3, 1])
    module = ENGINES[engine]
    right = module.cost_and_gradients

    def broken(X, Y, parameters, **options):
        cost, grads = right(X, Y, parameters, **options)
        grads["dW2"] = grads["dW2"].copy()
        grads["dW2"][2, 1] += 0.05
        return cost, grads

    monkeypatch.setattr(module, "cost_and_gradients", broken)
    result = gradient_check(X, Y, parameters, engine=engine)
    assert not result.passed and result.difference > BROKEN
    assert (result.worst_parameter, result.worst_index, result.worst) == ("W2", (2, 1), "W2[2, 1]")
    # The centred difference is the true gradient, 0.05 below the broken one; 1e-7
    # is the approximation's own error (see test_right_gradients_pass).
    assert result.worst_gradient - result.worst_approximation == pytest.approx(0.05, abs=1e-7)
    assert "FAILED" in repr(result) and "worst W2[2, 1]" in repr(result)


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_a_gradient_without_its_l2_term_fails(engine, monkeypatch):
    X, Y = random_problem(3, 40, seed=7)
    parameters = _network([3, 4, 3, 1])
    module = ENGINES[engine]
    right = module.cost_and_gradients

    def forgets_l2(X, Y, parameters, l2=0.0, **options):
        # The regularised cost, but the gradient of the cross-entropy alone.
        return right(X, Y, parameters, l2=l2, **options)[0], right(X, Y, parameters, **options)[1]

    monkeypatch.setattr(module, "cost_and_gradients", forgets_l2)
    result = gradient_check(X, Y, parameters, l2=0.7, engine=engine)
    assert not result.passed and result.difference > BROKEN
    # The largest missing term, (l2 / m) W, sits at the largest weight.
    largest = max(((key, np.unravel_index(np.argmax(np.abs(value)), value.shape), np.abs(value).max())
                   for key, value in parameters.items() if key[0] == "W"), key=lambda item: item[2])
    assert (result.worst_parameter, result.worst_index) == (largest[0], tuple(int(i) for i in largest[1]))
    # Without l2 the same engine passes: the check itself is not what is broken.
    assert gradient_check(X, Y, parameters, engine=engine).passed


def test_passed_is_the_courses_threshold():
    fields = dict(worst_parameter="W1", worst_index=(0, 0), worst_gradient=0.0,
                  worst_approximation=0.0, engine="compiled", epsilon=1e-7, l2=0.0)
    assert GradientCheck(difference=1.999e-7, **fields).passed
    assert not GradientCheck(difference=2e-7, **fields).passed
    assert gradcheck.THRESHOLD == THRESHOLD


# ------------------------------------------- every output layer and activation

ACTIVATIONS = ("relu", "tanh", "sigmoid", "identity")
# case -> (output, K): one sigmoid unit, independent labels, classes, regression.
OUTPUT_CASES = {"sigmoid": ("sigmoid", 1), "multilabel": ("sigmoid", 2), "softmax": ("softmax", 3),
                "identity": ("identity", 2)}


def _model_problem(case, seed=7):
    """X, targets for ``case`` and a [3, 4, 3, K] network with non-zero biases."""
    output, K = OUTPUT_CASES[case]
    X, _ = random_problem(3, 40, seed=seed)
    rng = np.random.RandomState(seed)
    if output == "sigmoid":
        Y = (X[:K] * X[-1:] + 0.3 * rng.randn(K, 40) > 0).astype(float)
    elif output == "softmax":
        Y = (np.floor(X[0] * 1.5) % K).reshape(1, 40)             # class labels
    else:
        Y = np.sin(X[:K]) + 0.1 * rng.randn(K, 40)
    return X, Y, _network([3, 4, 3, K]), output


@pytest.mark.parametrize("l2", [0.0, 0.7], ids=["no-l2", "l2-0.7"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("case", OUTPUT_CASES)
@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_every_output_and_activation_passes(engine, case, activation, l2):
    X, Y, parameters, output = _model_problem(case)
    result = gradient_check(X, Y, parameters, l2=l2, engine=engine, output=output,
                            hidden_activation=activation)
    # Measured: at most 2.4e-8 over these cases, a margin of 8 below the course's 2e-7.
    assert result.passed and result.difference < THRESHOLD
    assert (result.output, result.hidden_activation) == (output, activation)
    assert f"output={output!r}, hidden_activation={activation!r}" in repr(result)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("case", OUTPUT_CASES)
@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_a_scaled_entry_fails_for_every_output_and_activation(engine, case, activation, monkeypatch):
    X, Y, parameters, output = _model_problem(case)
    module = ENGINES[engine]
    right = module.cost_and_gradients
    seen = []

    def doubles_db3(X, Y, parameters, **options):
        seen.append((options["output"], options["hidden_activation"]))
        cost, grads = right(X, Y, parameters, **options)
        grads["db3"] = grads["db3"].copy()
        grads["db3"][0, 0] *= 2
        return cost, grads

    monkeypatch.setattr(module, "cost_and_gradients", doubles_db3)
    result = gradient_check(X, Y, parameters, engine=engine, output=output, hidden_activation=activation)
    assert set(seen) == {(output, activation)}          # every evaluation used the model asked for
    assert not result.passed and result.difference > BROKEN
    assert (result.worst_parameter, result.worst_index) == ("b3", (0, 0))
    # The differences give the true gradient, half the doubled one (to their own error).
    assert result.worst_gradient == pytest.approx(2 * result.worst_approximation, rel=1e-5)


# Plausible slips in each derivative: the check must catch every one.
WRONG_DERIVATIVES = {
    "relu": lambda dA, A: dA * (A >= 0),                # lets gradients through units at 0
    "tanh": lambda dA, A: dA * (1 - A),                 # forgot the square
    "sigmoid": lambda dA, A: dA * A,                    # forgot the (1 - A)
    "identity": lambda dA, A: dA * (A > 0),             # relu's mask, copied
}
WRONG_DELTAS = {
    "sigmoid": lambda AL, Y: AL - Y,                                    # forgot the 1 / m
    "softmax": lambda AL, Y: AL * (1 - AL) * (AL - Y) / Y.shape[1],     # the sigmoid's chain rule
    "identity": lambda AL, Y: (AL - Y) / Y.shape[1],                    # forgot the 1 / K
}


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_wrong_activation_derivative_fails(activation, monkeypatch):
    X, Y, parameters, output = _model_problem("softmax")
    forward = reference.ACTIVATIONS[activation].forward
    assert gradient_check(X, Y, parameters, engine="reference", output=output,
                          hidden_activation=activation).passed
    monkeypatch.setitem(reference.ACTIVATIONS, activation, Activation(forward, WRONG_DERIVATIVES[activation]))
    result = gradient_check(X, Y, parameters, engine="reference", output=output, hidden_activation=activation)
    assert not result.passed and result.difference > BROKEN
    assert result.worst_parameter in ("W1", "b1", "W2", "b2")     # below the output layer


@pytest.mark.parametrize("case", ["sigmoid", "softmax", "identity"])
def test_a_wrong_output_delta_fails(case, monkeypatch):
    X, Y, parameters, output = _model_problem(case)
    layer = reference.OUTPUT_LAYERS[output]
    assert gradient_check(X, Y, parameters, engine="reference", output=output, hidden_activation="tanh").passed
    monkeypatch.setitem(reference.OUTPUT_LAYERS, output, layer._replace(delta=WRONG_DELTAS[output]))
    result = gradient_check(X, Y, parameters, engine="reference", output=output, hidden_activation="tanh")
    assert not result.passed and result.difference > BROKEN


# ------------------------------------------------------------------- float32


@pytest.mark.parametrize("case", OUTPUT_CASES)
@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_float32_parameters_are_checked_in_float64(engine, case):
    X, Y, parameters, output = _model_problem(case)
    single = {key: value.astype(np.float32) for key, value in parameters.items()}
    before = {key: value.copy() for key, value in single.items()}
    options = dict(engine=engine, output=output, hidden_activation="tanh")
    result = gradient_check(X, Y, single, **options)
    # The very check of the same point in float64: float32 values are exact in
    # float64, and both sides are computed there (in float32 the differences of
    # 1e-7 steps would be rounding noise and the check would fail).
    assert result == gradient_check(X, Y, {k: v.astype(np.float64) for k, v in single.items()}, **options)
    assert result.passed
    for key in before:
        assert single[key].dtype == np.float32
        np.testing.assert_array_equal(single[key], before[key])


def test_float32_parameters_still_catch_a_broken_gradient(monkeypatch):
    X, Y, parameters, output = _model_problem("softmax")
    single = {key: value.astype(np.float32) for key, value in parameters.items()}
    monkeypatch.setitem(reference.ACTIVATIONS, "tanh", Activation(np.tanh, WRONG_DERIVATIVES["tanh"]))
    result = gradient_check(X, Y, single, engine="reference", output=output, hidden_activation="tanh")
    assert not result.passed and result.difference > BROKEN


X0, Y0 = random_problem(3, 10, seed=1)
P0 = _network([3, 2, 1])

BAD_INPUT = {
    "epsilon-zero": (dict(epsilon=0.0), ValueError, r"epsilon must be a finite number > 0, got 0.0"),
    "epsilon-negative": (dict(epsilon=-1e-7), ValueError, r"epsilon must be a finite number > 0"),
    "epsilon-nan": (dict(epsilon=float("nan")), ValueError, r"epsilon must be a finite number > 0, got nan"),
    "epsilon-string": (dict(epsilon="1e-7"), TypeError, r"epsilon must be a number"),
    "engine-unknown": (dict(engine="gpu"), ValueError, r"engine must be one of \['compiled', 'reference'\], got 'gpu'"),
    "engine-none": (dict(engine=None), TypeError, r"engine must be one of \['compiled', 'reference'\], got None"),
    "l2-negative": (dict(l2=-0.5), ValueError, r"l2 must be >= 0, got -0.5"),
    "X-transposed": (dict(X=X0.T), ValueError, r"X looks transposed"),
    "X-nan": (dict(X=np.where(X0 > 1, np.nan, X0)), ValueError, r"X contains NaN or inf"),
    "Y-labels": (dict(Y=Y0 * 2), ValueError, r"Y must hold labels 0 and 1 only"),
    "parameters-wrong-width": (dict(parameters=_network([4, 2, 1])), ValueError,
                               r"parameters do not describe a network for X of shape \(3, 10\)"),
    "parameters-first": (dict(X=P0, parameters=X0), TypeError, r"X must be an array, got a dict"),
    "output-unknown": (dict(output="softplus"), ValueError,
                       r"output must be one of \['sigmoid', 'softmax', 'identity'\], got 'softplus'"),
    "output-not-str": (dict(output=None), TypeError, r"output must be one of .*, got None"),
    "activation-unknown": (dict(hidden_activation="gelu"), ValueError,
                           r"hidden_activation must be one of \['relu', 'tanh', 'sigmoid', 'identity'\], got 'gelu'"),
    "softmax-one-unit": (dict(output="softmax"), ValueError, r"output='softmax' needs K >= 2 output units"),
    "softmax-labels-beyond-K": (dict(Y=np.arange(10) % 3, parameters=_network([3, 2, 2]), output="softmax"),
                                ValueError, r"Y must hold class labels, integers from 0 to K - 1 = 1"),
    "mixed-float32": (dict(parameters={**P0, "W1": P0["W1"].astype(np.float32)}), ValueError,
                      r"parameters mix float32 arrays \(W1\) with float64 or other arrays"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_refused(case):
    changes, error, message = BAD_INPUT[case]
    arguments = {"X": X0, "Y": Y0, "parameters": P0, **changes}
    with pytest.raises(error, match=message):
        gradient_check(**arguments)


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_a_saturated_cost_is_refused(engine):
    # One unit, weight 1000: sigmoid(1000) is exactly 1 on an example labelled 0.
    X, Y = np.array([[1.0, -1.0]]), np.array([[0.0, 1.0]])
    parameters = {"W1": np.array([[1000.0]]), "b1": np.array([[0.0]])}
    with pytest.raises(ValueError, match=r"the cost is inf at these parameters \(the output sigmoid saturated"):
        gradient_check(X, Y, parameters, engine=engine)


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_a_softmax_with_a_true_class_at_zero_is_refused(engine):
    # exp(-800) underflows: class 0 has probability exactly 0, and the first
    # example's label is 0.
    X, Y = np.array([[1.0, -1.0]]), np.array([0, 1])
    parameters = {"W1": np.zeros((2, 1)), "b1": np.array([[0.0], [800.0]])}
    with pytest.raises(ValueError, match=r"the cost is inf at these parameters \(the softmax gave a true class"):
        gradient_check(X, Y, parameters, engine=engine, output="softmax")
