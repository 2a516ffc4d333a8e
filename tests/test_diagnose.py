"""fastnn.diagnose for every hidden activation and output layer: the statistics
at initialisation follow the network asked for.

Dead units and saturation are pinned on a network whose activations are known
exactly (one input, hand-set weights); the cost and gradient norms are held to
the oracle's for every output layer; bad options are refused before anything is
drawn. The study's own diagnostics are in tests/test_schemes.py.
"""
import math

import numpy as np
import pytest

import fastnn
from fastnn import reference
from fastnn.diagnose import SATURATION_MARGIN

ACTIVATIONS = ("relu", "tanh", "sigmoid", "identity")

# One input: four examples at 1 and one at 0.001. Layer 1's four units have the
# weights below (and zero biases), so their activations are known in closed form:
#   unit 0: saturated (or dead) on every example, 0.001 included  -> dead
#   unit 1: saturated at x = 1, not at x = 0.001 (tanh(1) = 0.76)
#   unit 2: just inside the margin at x = 1 (|tanh| = 0.991 > 0.99)
#   unit 3: just outside it at x = 1 (|tanh| = 0.989 < 0.99)
# so 5 + 4 + 4 + 0 = 13 of the 20 activations are saturated, and 1 unit in 4 dead.
# The sigmoid's margin is 0.005 of its range (0, 1): 0.996 is inside, 0.994 not.
X_PINNED = np.array([[1.0, 1.0, 1.0, 1.0, 0.001]])
FIRST_LAYER = {
    "relu": [-1.0, 1.0, 2.0, 3.0],                  # unit 0 is 0 on every example
    "tanh": [1e6, 1000.0, math.atanh(0.991), math.atanh(0.989)],
    "sigmoid": [-1e6, -1000.0, math.log(0.996 / 0.004), math.log(0.994 / 0.006)],
    "identity": [-1.0, 1.0, 2.0, 3.0],
}
# (dead_fraction, saturated_fraction) of layer 1; NaN where the statistic does not apply.
EXPECTED = {
    "relu": (0.25, math.nan),
    "tanh": (0.25, 13 / 20),
    "sigmoid": (0.25, 13 / 20),
    "identity": (math.nan, math.nan),
}


def _pinned_scheme(activation):
    def pinned(fan_out, fan_in, rng):
        if fan_in == 1:
            return np.array(FIRST_LAYER[activation]).reshape(fan_out, 1)
        return np.full((fan_out, fan_in), 0.1)
    return pinned


def test_the_margin_is_half_a_percent_of_the_range():
    assert SATURATION_MARGIN == 0.005


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dead_and_saturated_units_follow_the_hidden_activation(activation):
    diagnosis = fastnn.diagnose(X_PINNED, [1, 4, 1], _pinned_scheme(activation), hidden_activation=activation)
    hidden, output = diagnosis.layers
    assert (hidden.activation, output.activation) == (activation, "sigmoid")
    np.testing.assert_equal((hidden.dead_fraction, hidden.saturated_fraction), EXPECTED[activation])
    assert math.isnan(output.dead_fraction)
    # The output layer's pre-activations are those of the activation asked for.
    g = reference.ACTIVATIONS[activation].forward
    with np.errstate(over="ignore"):              # the sigmoid of -1e6 is the 0 it means
        Z2 = 0.1 * g(np.array(FIRST_LAYER[activation]).reshape(4, 1) @ X_PINNED).sum(axis=0)
    assert output.z_std == pytest.approx(float(Z2.std()), rel=1e-12)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_hidden_layer_is_diagnosed_with_the_activation(activation, study_data):
    train_X, train_Y, _, _ = study_data
    diagnosis = fastnn.diagnose(train_X, initialization="random", Y=train_Y, hidden_activation=activation)
    parameters = fastnn.initialize_parameters([2, 10, 5, 1], "random", seed=3)
    with np.errstate(over="ignore"):              # ×10 weights saturate the output sigmoid
        activations = reference.forward(train_X, parameters, hidden_activation=activation)
    for l, layer in enumerate(diagnosis.layers[:2], start=1):
        assert layer.activation == activation
        Z = parameters[f"W{l}"] @ activations[l - 1] + parameters[f"b{l}"]
        assert layer.z_std == pytest.approx(float(Z.std()), rel=1e-12)
    # ×10 weights saturate tanh and sigmoid units on most examples (the vanishing
    # gradients of Glorot and Bengio, 2010); ReLU and identity units cannot saturate.
    saturated = [layer.saturated_fraction for layer in diagnosis.layers[:2]]
    if activation in ("tanh", "sigmoid"):
        assert min(saturated) > 0.4
    else:
        assert all(math.isnan(value) for value in saturated)
    assert diagnosis.table().count(f" {activation} ") >= 2


# output -> the study's network with its output units
OUTPUTS = {"sigmoid": [2, 10, 5, 1], "softmax": [2, 10, 5, 2], "identity": [2, 10, 5, 1]}


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("output", OUTPUTS)
def test_the_cost_and_gradients_are_the_output_layers(output, activation, study_data):
    train_X, train_Y, _, _ = study_data
    dims = OUTPUTS[output]
    diagnosis = fastnn.diagnose(train_X, dims, "he", Y=train_Y, output=output, hidden_activation=activation)
    assert diagnosis.layers[-1].activation == output and diagnosis.layers_dims == dims
    # The study's 0/1 labels are the classes for softmax and the targets for identity.
    cost, grads = reference.cost_and_gradients(
        train_X, train_Y, fastnn.initialize_parameters(dims, "he", seed=3),
        output=output, hidden_activation=activation,
    )
    assert diagnosis.cost == pytest.approx(cost, rel=1e-12)
    np.testing.assert_allclose([layer.grad_norm for layer in diagnosis.layers],
                               [np.linalg.norm(grads[f"dW{l}"]) for l in (1, 2, 3)], rtol=1e-12)


def test_saturated_outputs_follow_the_output_layer(study_data):
    train_X, train_Y, _, _ = study_data
    options = dict(initialization="random", Y=train_Y, hidden_activation="tanh")
    softmax = fastnn.diagnose(train_X, [2, 10, 5, 2], output="softmax", **options).layers[-1]
    parameters = fastnn.initialize_parameters([2, 10, 5, 2], "random", seed=3)
    probabilities = reference.predict_proba(train_X, parameters, output="softmax", hidden_activation="tanh")
    expected = np.mean((probabilities == 0) | (probabilities == 1))
    assert softmax.saturated_fraction == expected > 0.1
    identity = fastnn.diagnose(train_X, output="identity", **options).layers[-1]
    assert math.isnan(identity.saturated_fraction) and identity.activation == "identity"


BAD = {
    "softmax-one-unit": (dict(output="softmax"), ValueError, r"output='softmax' needs K >= 2 output units"),
    "output-unknown": (dict(output="softplus"), ValueError, r"output must be one of .*got 'softplus'"),
    "activation-unknown": (dict(hidden_activation="gelu"), ValueError,
                           r"hidden_activation must be one of \['relu', 'tanh', 'sigmoid', 'identity'\]"),
    "activation-not-str": (dict(hidden_activation=np.tanh), TypeError, "hidden_activation must be one of"),
    "softmax-label-beyond-K": (dict(output="softmax", layers_dims=[2, 10, 5, 2], Y=np.arange(300) % 3),
                               ValueError, r"Y must hold class labels, integers from 0 to K - 1 = 1"),
    "sigmoid-labels-for-K-2": (dict(layers_dims=[2, 10, 5, 2], Y=np.zeros(300)), ValueError,
                               r"for Y of shape \(1, m\), layers_dims\[-1\] must be 1"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_options_are_refused_before_anything_is_drawn(case, study_data):
    train_X, _, _, _ = study_data                 # 300 examples
    changes, error, message = BAD[case]
    rng = np.random.RandomState(5)
    state = rng.get_state()[1].copy()
    with pytest.raises(error, match=message):
        fastnn.diagnose(train_X, seed=rng, **changes)
    np.testing.assert_array_equal(rng.get_state()[1], state)
