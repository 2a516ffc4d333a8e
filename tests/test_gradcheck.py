"""fastnn.gradient_check: the course's gradient_check_n on both engines.

It passes on the engines' own gradients, with and without L2, gives the course's
printed differences on the course's test case (right and broken), fails and names
the parameter when a gradient is broken on purpose, and refuses bad input.
"""
import numpy as np
import pytest

import fastnn
from fastnn import gradcheck
from fastnn.gradcheck import GradientCheck, gradient_check

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
    with pytest.raises(ValueError, match=r"the cost is inf at these parameters"):
        gradient_check(X, Y, parameters, engine=engine)
