"""The command line's course commands: `fastnn optimizers` and `fastnn gradcheck`."""
import os

import pytest

import fastnn
from fastnn import engine
from fastnn.cli import main
from conftest import table_rows

MOONS_X, MOONS_Y = fastnn.load_moons()
PNG = b"\x89PNG\r\n\x1a\n"


def test_optimizers_is_the_course_study(capsys, tmp_path):
    # The full study (10000 epochs, ~0.5 s in all): the course's published accuracies.
    assert main(["optimizers", "--no-plots", "--quiet", "--out", str(tmp_path / "none")]) == 0
    text = capsys.readouterr().out
    assert "Cost after" not in text and "==" not in text
    assert text.splitlines()[0].split() == ["optimizer", "learning", "rate", "epochs", "final", "cost",
                                            "train", "acc", "time", "(s)"]
    rows = table_rows(text, "optimizer")
    assert [row[:3] for row in rows] == [["gd", "0.0007", "10000"], ["momentum", "0.0007", "10000"],
                                         ["adam", "0.0007", "10000"]]
    assert [row[4] for row in rows] == ["0.7967", "0.7967", "0.9400"]
    assert not (tmp_path / "none").exists()


def test_optimizers_writes_the_figures_and_prints_the_costs(capsys, tmp_path):
    out = tmp_path / "results"
    assert main(["optimizers", "--epochs", "1001", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    for name in ("gd", "momentum", "adam"):
        assert f"== {name}, compiled engine ==" in text
    result = fastnn.train(MOONS_X, MOONS_Y, [2, 5, 2, 1], "he", 0.0007, 1001, seed=3, optimizer="momentum",
                          mini_batch_size=64, shuffle_seed=10)
    assert f"Cost after epoch 1000: {result.costs[1000]}" in text
    rows = table_rows(text, "optimizer")
    # The table's final cost is the engine's, to the 16 digits it prints.
    assert float(rows[1][3]) == pytest.approx(result.final_cost, rel=1e-15)
    assert float(rows[1][4]) == round(fastnn.accuracy(MOONS_X, MOONS_Y, result.parameters), 4)
    expected = {"optimizers_cost.png"} | {f"optimizers_boundary_{name}.png" for name in ("gd", "momentum", "adam")}
    assert set(os.listdir(out)) == expected
    for name in expected:
        assert (out / name).read_bytes()[:8] == PNG


def test_optimizers_decay_is_the_courses_decay_section(capsys, tmp_path):
    out = tmp_path / "decay"
    assert main(["optimizers", "--decay", "--epochs", "1001", "--optimizer", "momentum", "adam",
                 "--quiet", "--out", str(out)]) == 0
    rows = table_rows(capsys.readouterr().out, "optimizer")
    # lr 0.1 (Adam 0.01), decay_rate 1, time_interval 1000: the rate halves at epoch 1000.
    assert [row[:3] for row in rows] == [["momentum", "0.1", "1001"], ["adam", "0.01", "1001"]]
    result = fastnn.train(MOONS_X, MOONS_Y, [2, 5, 2, 1], "he", 0.01, 1001, seed=3, optimizer="adam",
                          mini_batch_size=64, decay_rate=1, time_interval=1000)
    assert float(rows[1][3]) == pytest.approx(result.final_cost, rel=1e-15)
    assert set(os.listdir(out)) == {"optimizers_decay_cost.png", "optimizers_decay_boundary_momentum.png",
                                    "optimizers_decay_boundary_adam.png"}


def test_optimizers_help_states_the_decay_values(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["optimizers", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for fact in ("decay_rate 1", "time_interval 1000", "lr 0.1 for gradient descent and momentum and 0.01 for Adam",
                 "for 5000 epochs", "learning rate 0.0007 for 10000 epochs", "mini-batches of 64"):
        assert fact in text


@pytest.mark.parametrize("argv, message", [
    (["optimizers", "--epochs", "0"], "--epochs must be >= 1, got 0"),
    (["optimizers", "--optimizer", "sgd"], "invalid choice: 'sgd'"),
    (["gradcheck", "--epsilon", "0"], "--epsilon must be a finite number > 0, got 0.0"),
    (["gradcheck", "--epsilon", "inf"], "--epsilon must be a finite number > 0, got inf"),
    (["gradcheck", "--l2", "-1"], "--l2 must be a finite number >= 0, got -1.0"),
], ids=["epochs-0", "optimizer", "epsilon-0", "epsilon-inf", "l2-negative"])
def test_bad_options_exit_with_usage(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_optimizers_reports_an_unwritable_folder_in_one_line(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["optimizers", "--epochs", "2", "--out", str(blocker / "sub")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("fastnn: error: ") and err.count("\n") == 1


@pytest.mark.parametrize("l2", ["0", "0.7"])
def test_gradcheck_passes_on_both_engines(l2, capsys):
    assert main(["gradcheck", "--l2", l2]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("gradient check: [2, 10, 5, 1] network at He initialisation (seed 3)")
    assert [line.split()[0] for line in lines[1:]] == ["compiled", "reference"]
    for line in lines[1:]:
        assert line.split()[3] == "PASSED"
        assert float(line.split()[2]) < 2e-7         # the course's threshold, as printed


def test_gradcheck_fails_with_status_1_and_names_the_parameter(monkeypatch, capsys):
    right = engine.cost_and_gradients

    def broken(X, Y, parameters, **options):
        cost, grads = right(X, Y, parameters, **options)
        grads["db2"] = grads["db2"] + 0.01
        return cost, grads

    monkeypatch.setattr(engine, "cost_and_gradients", broken)
    assert main(["gradcheck"]) == 1
    compiled, reference = capsys.readouterr().out.splitlines()[1:]
    assert compiled.split()[3] == "FAILED" and "(worst b2[" in compiled
    assert reference.split()[3] == "PASSED"
