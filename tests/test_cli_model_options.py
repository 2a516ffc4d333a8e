"""The command line's --output, --hidden-activation and --dtype: each command that
takes them trains, checks or diagnoses that network, reports and saves it with
its options, draws it as it is, and refuses what its data cannot take."""
import json

import numpy as np
import pytest

import fastnn
import fastnn.plots
from fastnn import engine, reference
from fastnn.cli import main
from fastnn.init import INITIALIZATIONS
from fastnn.regularization import course_normal

from conftest import table_rows

TRAIN_X, TRAIN_Y, TEST_X, TEST_Y = fastnn.load_dataset()
MOONS_X, MOONS_Y = fastnn.load_moons()
PNG = b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------ the study


def test_the_study_trains_saves_and_reports_the_network_asked_for(tmp_path, capsys):
    out, models = tmp_path / "out", tmp_path / "models"
    assert main(["--init", "he", "--iterations", "600", "--learning-rate", "0.1", "--hidden-activation", "tanh",
                 "--output", "softmax", "--dtype", "float32", "--save", str(models), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "== he initialization, compiled engine, tanh hidden units, softmax output, float32 ==" in text
    options = dict(output="softmax", hidden_activation="tanh")
    expected = fastnn.train(TRAIN_X, TRAIN_Y, [2, 10, 5, 2], num_iterations=600, learning_rate=0.1,
                            dtype=np.float32, **options)
    (row,) = table_rows(text, "initialization")
    assert float(row[2]) == pytest.approx(expected.final_cost, rel=1e-15)
    accuracies = [fastnn.accuracy(X, Y, expected.parameters, **options)
                  for X, Y in ((TRAIN_X, TRAIN_Y), (TEST_X, TEST_Y))]
    assert [float(row[3]), float(row[4])] == [round(a, 4) for a in accuracies]
    # The saved model is the run, with its options.
    loaded = fastnn.load(models / "model_he.npz")
    assert (loaded.output, loaded.hidden_activation, loaded.dtype, loaded.layers_dims) == (
        "softmax", "tanh", np.float32, [2, 10, 5, 2])
    for key, value in expected.parameters.items():
        np.testing.assert_array_equal(loaded.parameters[key], value)
    (record,) = json.loads((out / "study.json").read_text())
    assert (record["output"], record["hidden_activation"], record["dtype"]) == ("softmax", "tanh", "float32")
    assert (out / "boundary_he.png").read_bytes()[:8] == PNG
    # --predict evaluates the file with its own options: the table's accuracies.
    assert main(["--predict", str(models / "model_he.npz")]) == 0
    predicted = capsys.readouterr().out
    assert f"train accuracy {accuracies[0]:.4f}\ntest accuracy  {accuracies[1]:.4f}\n" in predicted


def test_predict_evaluates_a_model_with_its_hidden_activation(tmp_path, capsys):
    result = fastnn.train(TRAIN_X, TRAIN_Y, hidden_activation="tanh", num_iterations=3000, learning_rate=0.1)
    path = fastnn.save(tmp_path / "tanh.npz", result)
    assert main(["--predict", str(path)]) == 0
    text = capsys.readouterr().out
    tanh = [fastnn.accuracy(X, Y, result.parameters, hidden_activation="tanh")
            for X, Y in ((TRAIN_X, TRAIN_Y), (TEST_X, TEST_Y))]
    relu = [fastnn.accuracy(X, Y, result.parameters) for X, Y in ((TRAIN_X, TRAIN_Y), (TEST_X, TEST_Y))]
    assert round(tanh[0], 4) != round(relu[0], 4)           # read as ReLUs it is another classifier
    assert f"train accuracy {tanh[0]:.4f}\ntest accuracy  {tanh[1]:.4f}\n" in text


@pytest.mark.parametrize("dims, output, words", [
    ([2, 4, 1], "identity", "has an identity output, a regression"),
    ([2, 4, 2], "sigmoid", "has 2 sigmoid output units, one label each"),
], ids=["identity", "multilabel"])
def test_predict_refuses_a_model_the_study_cannot_score(dims, output, words, tmp_path, capsys):
    Y = np.vstack([TRAIN_Y] * dims[-1]) if output == "sigmoid" else TRAIN_X[:1]     # labels, or numbers
    path = fastnn.save(tmp_path / "model.npz", fastnn.train(TRAIN_X, Y, dims, output=output, num_iterations=2))
    assert main(["--predict", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"fastnn: error: {path} {words}") and err.count("\n") == 1


@pytest.mark.parametrize("argv", [["--output", "identity"], ["sweep", "--output", "identity"]], ids=["study", "sweep"])
def test_commands_that_classify_refuse_a_regression_output(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv + ["--no-plots"])
    assert exit_info.value.code == 2
    # The usage, then one line that says why.
    assert capsys.readouterr().err.splitlines()[-1].endswith(
        "error: --output identity is a regression output (squared error), and this command"
        " reports accuracy on two classes: use --output sigmoid or --output softmax"
    )


@pytest.mark.parametrize("argv, message", [
    (["--hidden-activation", "gelu"], "argument --hidden-activation: invalid choice: 'gelu'"),
    (["--dtype", "float16"], "argument --dtype: invalid choice: 'float16'"),
    (["--output", "softplus"], "argument --output: invalid choice: 'softplus'"),
    (["optimizers", "--output", "softmax"], "unrecognized arguments: --output softmax"),
    (["inits", "--dtype", "float32"], "unrecognized arguments: --dtype float32"),
    (["gradcheck", "--dtype", "float32"], "unrecognized arguments: --dtype float32"),
], ids=["activation", "dtype", "output", "optimizers-output", "inits-dtype", "gradcheck-dtype"])
def test_unknown_or_unoffered_options_are_bad_usage(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


# ------------------------------------------------------- figures of each command


FIGURE_COMMANDS = {
    "study": (["--init", "he", "--iterations", "50", "--hidden-activation", "tanh", "--output", "softmax"],
              "softmax", "tanh"),
    "optimizers": (["optimizers", "--optimizer", "adam", "--epochs", "50", "--hidden-activation", "sigmoid"],
                   "sigmoid", "sigmoid"),
    "regularization": (["regularization", "--iterations", "50", "--hidden-activation", "identity"],
                       "sigmoid", "identity"),
}


@pytest.mark.parametrize("command", FIGURE_COMMANDS)
def test_figures_draw_the_trained_network(command, tmp_path, monkeypatch, capsys):
    argv, output, activation = FIGURE_COMMANDS[command]
    drawn = []
    for name in ("plot_decision_boundary", "plot_costs"):
        original = getattr(fastnn.plots, name)

        def recording(*args, _original=original, _name=name, **kwargs):
            drawn.append((_name, kwargs.get("output"), kwargs.get("hidden_activation")))
            return _original(*args, **kwargs)

        monkeypatch.setattr(fastnn.plots, name, recording)
    assert main(argv + ["--quiet", "--out", str(tmp_path)]) == 0
    boundaries = [call for call in drawn if call[0] == "plot_decision_boundary"]
    costs = [call for call in drawn if call[0] == "plot_costs"]
    assert boundaries and set(boundaries) == {("plot_decision_boundary", output, activation)}
    assert costs and set(costs) == {("plot_costs", output, None)}


# ------------------------------------------------------------------ the others


@pytest.mark.parametrize("output, K, activation", [("softmax", 2, "tanh"), ("identity", 1, "sigmoid")])
def test_inits_diagnoses_the_network_asked_for(output, K, activation, capsys):
    assert main(["inits", "--hidden-activation", activation, "--output", output, "--no-plots"]) == 0
    text = capsys.readouterr().out
    expected = [fastnn.diagnose(TRAIN_X, [2, 10, 5, K], name, 3, Y=TRAIN_Y, output=output,
                                hidden_activation=activation).table() for name in INITIALIZATIONS]
    assert text == "\n\n".join(expected) + "\n"
    assert f" {activation} " in text and f" {output} " in text


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "identity"])
@pytest.mark.parametrize("output, K", [("sigmoid", 1), ("softmax", 2), ("identity", 1)])
def test_gradcheck_checks_the_network_asked_for(output, K, activation, monkeypatch, capsys):
    seen = set()
    for module in (engine, reference):
        right = module.cost_and_gradients

        def recording(X, Y, parameters, _right=right, **options):
            seen.add((options["output"], options["hidden_activation"], parameters["W3"].shape[0]))
            return _right(X, Y, parameters, **options)

        monkeypatch.setattr(module, "cost_and_gradients", recording)
    assert main(["gradcheck", "--output", output, "--hidden-activation", activation]) == 0
    assert seen == {(output, activation, K)}
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"gradient check: [2, 10, 5, {K}] network at He initialisation (seed 3),"
                               f" {activation} hidden units and a")
    assert [line.split()[3] for line in lines[1:]] == ["PASSED", "PASSED"]


def test_gradcheck_fails_a_broken_derivative_of_the_activation_asked_for(monkeypatch, capsys):
    wrong = reference.Activation(np.tanh, lambda dA, A: dA * (1 - A))         # forgot the square
    monkeypatch.setitem(reference.ACTIVATIONS, "tanh", wrong)
    assert main(["gradcheck", "--hidden-activation", "tanh", "--output", "softmax"]) == 1
    compiled, oracle = capsys.readouterr().out.splitlines()[1:]
    assert compiled.split()[3] == "PASSED" and oracle.split()[3] == "FAILED"
    assert main(["gradcheck", "--hidden-activation", "relu", "--output", "softmax"]) == 0


def test_sweep_trains_and_records_the_network_asked_for(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(["sweep", "--init", "he", "--seeds", "2", "--iterations", "300", "--learning-rates", "0.1",
                 "--hidden-activation", "tanh", "--output", "softmax", "--dtype", "float32",
                 "--no-plots", "--out", str(out)]) == 0
    data = json.loads((out / "sweep.json").read_text())
    assert (data["output"], data["hidden_activation"], data["dtype"]) == ("softmax", "tanh", "float32")
    options = dict(output="softmax", hidden_activation="tanh")
    for run in data["runs"]:
        result = fastnn.train(TRAIN_X, TRAIN_Y, [2, 10, 5, 2], seed=run["seed"], num_iterations=300,
                              learning_rate=0.1, dtype=np.float32, **options)
        assert run["final_cost"] == result.final_cost
        assert run["test_accuracy"] == fastnn.accuracy(TEST_X, TEST_Y, result.parameters, **options)


def test_optimizers_trains_the_network_asked_for(capsys):
    assert main(["optimizers", "--optimizer", "adam", "--epochs", "300", "--hidden-activation", "tanh",
                 "--dtype", "float32", "--no-plots"]) == 0
    text = capsys.readouterr().out
    assert "== adam, compiled engine, tanh hidden units, float32 ==" in text
    result = fastnn.train(MOONS_X, MOONS_Y, [2, 5, 2, 1], "he", 0.0007, 300, seed=3, optimizer="adam",
                          mini_batch_size=64, shuffle_seed=10, hidden_activation="tanh", dtype=np.float32)
    (row,) = table_rows(text, "optimizer")
    assert float(row[3]) == pytest.approx(result.final_cost, rel=1e-15)
    assert float(row[4]) == round(fastnn.accuracy(MOONS_X, MOONS_Y, result.parameters, hidden_activation="tanh"), 4)


def test_regularization_runs_dropout_without_relu_on_the_oracle(capsys):
    assert main(["regularization", "--iterations", "200", "--hidden-activation", "tanh", "--dtype", "float32",
                 "--no-plots"]) == 0
    text = capsys.readouterr().out
    assert "== regularization: l2, compiled engine, tanh hidden units, float32 ==" in text
    assert "== regularization: dropout, reference engine, tanh hidden units, float32 ==" in text
    rows = {" ".join(row[:-5]): row[-5:] for row in table_rows(text, "run")}
    assert list(rows) == ["none", "L2 lambd=0.7", "dropout keep_prob=0.86 (reference engine)"]
    X, Y, _, _ = fastnn.load_regularization_data()
    study = dict(seed=3, shuffle_seed=1, hidden_activation="tanh", dtype=np.float32)
    for label, train, options in [("L2 lambd=0.7", engine.train, {"l2": 0.7}),
                                  ("dropout keep_prob=0.86 (reference engine)", reference.train, {"keep_prob": 0.86})]:
        result = train(X, Y, [2, 20, 3, 1], course_normal, 0.3, 200, **study, **options)
        assert float(rows[label][1]) == pytest.approx(result.final_cost, rel=1e-15), label
        assert float(rows[label][2]) == round(fastnn.accuracy(X, Y, result.parameters, hidden_activation="tanh"), 4)


# ------------------------------------------------------------------------ help

OFFERED = {   # command -> (--output's help, whether --dtype is offered)
    "study": ("identity, a regression output, is refused", True),
    "sweep": ("identity, a regression output, is refused", True),
    "inits": ("or identity (one unit, squared error", False),
    "gradcheck": ("or identity (one unit, squared error", False),
    "optimizers": (None, True),
    "regularization": (None, True),
}


@pytest.mark.parametrize("command", OFFERED)
def test_help_explains_each_option(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(([] if command == "study" else [command]) + ["--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    output_help, dtype = OFFERED[command]
    assert "--hidden-activation {relu,tanh,sigmoid,identity} activation of the hidden layers: relu (default" in text
    if output_help is None:
        assert "--output" not in text
    else:
        assert "--output {sigmoid,softmax,identity} output layer and its loss: sigmoid (default: one unit" in text
        assert output_help in text
    assert ("--dtype {float64,float32} precision of the parameters, the data and every operation" in text) == dtype
