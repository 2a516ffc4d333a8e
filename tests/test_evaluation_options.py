"""What evaluates a trained network - fastnn.predict, fastnn.accuracy, run_study,
the decision boundary and the cost plot - uses the network's own output layer
and hidden activation, not a sigmoid over ReLUs, and refuses what it cannot
evaluate."""
import numpy as np
import pytest
from matplotlib.figure import Figure

import fastnn
from fastnn import engine
from fastnn.plots import plot_costs, plot_decision_boundary
from fastnn.study import run_study


def _one_hot(labels, K):
    one_hot = np.zeros((K, labels.size))
    one_hot[labels.astype(int).ravel(), np.arange(labels.size)] = 1
    return one_hot


@pytest.fixture(scope="module")
def donut():
    return fastnn.load_dataset()


@pytest.fixture(scope="module")
def tanh_run(donut):
    train_X, train_Y, _, _ = donut
    return fastnn.train(train_X, train_Y, hidden_activation="tanh", num_iterations=3000, learning_rate=0.1)


@pytest.fixture(scope="module")
def softmax_run(donut):
    train_X, train_Y, _, _ = donut
    return fastnn.train(train_X, train_Y, [2, 10, 5, 2], output="softmax", hidden_activation="tanh",
                        num_iterations=3000, learning_rate=0.1)


# ------------------------------------------------------- predict and accuracy


def test_accuracy_uses_the_hidden_activation(donut, tanh_run):
    train_X, train_Y, _, _ = donut
    probabilities = engine.predict_proba(train_X, tanh_run.parameters, hidden_activation="tanh")
    expected = float(np.mean((probabilities > 0.5) == train_Y))
    assert fastnn.accuracy(train_X, train_Y, tanh_run.parameters, hidden_activation="tanh") == expected > 0.8
    # The same weights read as a ReLU network are another classifier.
    assert fastnn.accuracy(train_X, train_Y, tanh_run.parameters) != expected


def test_softmax_predicts_the_most_probable_class(donut, softmax_run, capsys):
    train_X, train_Y, _, _ = donut
    options = dict(output="softmax", hidden_activation="tanh")
    probabilities = engine.predict_proba(train_X, softmax_run.parameters, **options)
    classes = np.argmax(probabilities, axis=0)
    predictions = fastnn.predict(train_X, train_Y, softmax_run.parameters, **options)
    assert predictions.shape == (1, 300) and predictions.dtype == np.int64
    np.testing.assert_array_equal(predictions[0], classes)
    expected = np.mean(classes == train_Y[0])
    assert capsys.readouterr().out == f"Accuracy: {expected}\n"
    # Class labels and one-hot columns are the same labels.
    by_labels = fastnn.accuracy(train_X, train_Y, softmax_run.parameters, **options)
    by_one_hot = fastnn.accuracy(train_X, _one_hot(train_Y, 2), softmax_run.parameters, **options)
    assert by_labels == by_one_hot == expected > 0.8


def test_several_sigmoid_units_are_right_only_together():
    rng = np.random.RandomState(4)
    X, Y = rng.randn(3, 50), (rng.rand(2, 50) > 0.5).astype(float)
    parameters = fastnn.initialize_parameters([3, 4, 2], "he", seed=1)
    predicted = engine.predict_proba(X, parameters) > 0.5
    right = np.all(predicted == Y, axis=0)
    assert 0 < right.mean() < np.mean(predicted == Y)         # counted per example, not per label
    assert fastnn.accuracy(X, Y, parameters) == right.mean()


def test_an_identity_output_has_no_accuracy(donut, softmax_run):
    train_X, train_Y, _, _ = donut
    with pytest.raises(ValueError, match=r"output='identity' is a regression output \(squared error\)"):
        fastnn.accuracy(train_X, train_Y, softmax_run.parameters, output="identity")
    with pytest.raises(ValueError, match="output must be one of .*got 'softplus'"):
        fastnn.predict(train_X, train_Y, softmax_run.parameters, output="softplus")


def test_labels_must_fit_the_output_layer(donut, softmax_run):
    train_X, _, _, _ = donut
    with pytest.raises(ValueError, match=r"y must hold class labels, integers from 0 to K - 1 = 1"):
        fastnn.accuracy(train_X, np.arange(300) % 3, softmax_run.parameters, output="softmax")


# ------------------------------------------------------------------ run_study


def test_run_study_trains_and_evaluates_the_model_asked_for(donut):
    train_X, train_Y, test_X, test_Y = donut
    (row,) = run_study(["he"], num_iterations=500, learning_rate=0.1, output="softmax",
                       hidden_activation="tanh", dtype="float32")
    result = row.result
    assert (result.output, result.hidden_activation, result.dtype) == ("softmax", "tanh", np.float32)
    assert result.layers_dims == [2, 10, 5, 2]
    options = dict(output="softmax", hidden_activation="tanh")
    assert row.train_accuracy == fastnn.accuracy(train_X, train_Y, result.parameters, **options)
    assert row.test_accuracy == fastnn.accuracy(test_X, test_Y, result.parameters, **options)
    same = fastnn.train(train_X, train_Y, [2, 10, 5, 2], num_iterations=500, learning_rate=0.1, **options,
                        dtype=np.float32)
    np.testing.assert_array_equal(result.costs, same.costs)


def test_run_study_refuses_a_regression_before_training(monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("trained")

    monkeypatch.setitem(fastnn.study.ENGINES, "compiled", no_training)
    with pytest.raises(ValueError, match="output='identity' is a regression output"):
        run_study(["he"], output="identity")
    with pytest.raises(ValueError, match="hidden_activation must be one of"):
        run_study(["he"], hidden_activation="gelu")


# --------------------------------------------------------------------- plots


def _recorded_regions(parameters, X, Y, **options):
    """The class grid plot_decision_boundary fills, caught on its way to contourf."""
    ax = Figure().add_subplot()
    calls = []
    fill = ax.contourf

    def recording(*args, **kwargs):
        calls.append(args)
        return fill(*args, **kwargs)

    ax.contourf = recording
    plot_decision_boundary(parameters, X, Y, ax=ax, resolution=25, **options)
    (xx, yy, regions), = calls
    return np.vstack([xx.ravel(), yy.ravel()]), regions.ravel()


def test_the_decision_boundary_is_the_networks(donut, tanh_run, softmax_run):
    train_X, train_Y, _, _ = donut
    grid, regions = _recorded_regions(tanh_run.parameters, train_X, train_Y, hidden_activation="tanh")
    expected = engine.predict_proba(grid, tanh_run.parameters, hidden_activation="tanh")[0] > 0.5
    np.testing.assert_array_equal(regions, expected)
    assert 0 < regions.mean() < 1
    options = dict(output="softmax", hidden_activation="tanh")
    grid, regions = _recorded_regions(softmax_run.parameters, train_X, train_Y, **options)
    np.testing.assert_array_equal(regions, np.argmax(engine.predict_proba(grid, softmax_run.parameters, **options), 0))
    assert 0 < regions.mean() < 1


@pytest.mark.parametrize("dims, output, message", [
    ([2, 4, 1], "identity", "got output='identity' with 1 output unit"),
    ([2, 4, 3], "softmax", "got output='softmax' with 3 output units"),
    ([2, 4, 2], "sigmoid", "got output='sigmoid' with 2 output units"),
], ids=["identity", "softmax-3", "sigmoid-2"])
def test_a_network_that_does_not_split_two_classes_is_refused(dims, output, message, donut):
    train_X, train_Y, _, _ = donut
    parameters = fastnn.initialize_parameters(dims, "he")
    with pytest.raises(ValueError, match="a decision boundary is drawn between two classes.*" + message):
        plot_decision_boundary(parameters, train_X, train_Y, ax=Figure().add_subplot(), output=output)


@pytest.mark.parametrize("output, axis, marker", [
    ("sigmoid", "cost (binary cross-entropy)", "cost = inf (sigmoid saturated)"),
    ("softmax", "cost (categorical cross-entropy)", "cost = inf (softmax saturated)"),
    ("identity", "cost (squared error)", "cost = inf (outputs overflowed)"),
])
def test_the_cost_plot_names_the_output_layers_loss(output, axis, marker):
    ax = plot_costs([np.inf, 2.0, 1.0], ax=Figure().add_subplot(), output=output)
    assert ax.get_ylabel() == axis
    assert [text.get_text() for text in ax.get_legend().get_texts()] == [marker]
