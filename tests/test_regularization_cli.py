"""The command line's `fastnn regularization`: the regularisation study."""
import os

import pytest

import fastnn
from fastnn import engine
from fastnn.cli import main
from fastnn.regularization import course_normal

TRAIN_X, TRAIN_Y, TEST_X, TEST_Y = fastnn.load_regularization_data()
PNG = b"\x89PNG\r\n\x1a\n"
FIGURES = {"regularization_cost.png"} | {f"regularization_boundary_{run}.png" for run in ("none", "l2", "dropout")}


def _table(text):
    """The closing table's rows: {run label: (iterations, final cost, train acc, test acc)}."""
    lines = text[text.index("run "):].splitlines()
    assert lines[0].split() == ["run", "iterations", "final", "cost", "train", "acc", "test", "acc", "time", "(s)"]
    rows = {}
    for line in lines[2:]:
        if not line.strip():
            break
        *label, iterations, cost, train, test, _ = line.split()
        rows[" ".join(label)] = (int(iterations), float(cost), float(train), float(test))
    return rows


def _train(iterations, **options):
    """The study's run as the command documents it, straight on the engine."""
    return fastnn.train(TRAIN_X, TRAIN_Y, [2, 20, 3, 1], course_normal, 0.3, iterations, seed=3,
                        shuffle_seed=1, **options)


def test_the_full_study_overfits_without_regularisation_and_both_regularisers_narrow_the_gap(capsys, tmp_path):
    # 30000 iterations each, ~1.3 s in all. Measured (baseline and x86-64-v3 builds):
    # none 0.9650 / 0.8690, L2 0.9300 / 0.9010, dropout 0.9450 / 0.9040 (train / test).
    assert main(["regularization", "--no-plots", "--quiet", "--out", str(tmp_path / "none")]) == 0
    text = capsys.readouterr().out
    assert "Cost after" not in text and "==" not in text
    rows = _table(text)
    assert list(rows) == ["none", "L2 lambd=0.7", "dropout keep_prob=0.86"]
    assert all(row[0] == 30000 for row in rows.values())
    gap = {label: train - test for label, (_, _, train, test) in rows.items()}
    test = {label: row[3] for label, row in rows.items()}
    # Margins of a few points below what was measured: the unregularised run ends
    # where the last bits of its sums send it, which a kernel build can change.
    assert gap["none"] > 0.07                                           # measured 0.096
    for label in ("L2 lambd=0.7", "dropout keep_prob=0.86"):
        assert gap[label] < gap["none"] - 0.04, label                    # measured 0.067 and 0.055 narrower
        assert test[label] > test["none"] + 0.02, label                  # measured +0.032 and +0.035
    assert not (tmp_path / "none").exists()


def test_a_short_study_prints_the_engines_runs_and_writes_its_figures(capsys, tmp_path):
    out = tmp_path / "results"
    assert main(["regularization", "--iterations", "10001", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    for run in ("none", "l2", "dropout"):
        assert f"== regularization: {run}, compiled engine ==" in text
    rows = _table(text)
    for label, options in [("none", {}), ("L2 lambd=0.7", {"l2": 0.7}), ("dropout keep_prob=0.86", {"keep_prob": 0.86})]:
        result = _train(10001, **options)
        # The table is the engine's run, to the 16 digits it prints.
        assert rows[label][:2] == (10001, pytest.approx(result.final_cost, rel=1e-15))
        assert rows[label][2:] == (round(fastnn.accuracy(TRAIN_X, TRAIN_Y, result.parameters), 4),
                                   round(fastnn.accuracy(TEST_X, TEST_Y, result.parameters), 4))
    assert f"Cost after iteration 10000: {_train(10001, l2=0.7).costs[10000]}" in text
    assert set(os.listdir(out)) == FIGURES
    for name in FIGURES:
        assert (out / name).read_bytes()[:8] == PNG


def test_lambd_and_keep_prob_reach_the_engine(capsys, tmp_path):
    assert main(["regularization", "--iterations", "50", "--lambd", "0.1", "--keep-prob", "0.5",
                 "--no-plots", "--quiet"]) == 0
    rows = _table(capsys.readouterr().out)
    assert list(rows) == ["none", "L2 lambd=0.1", "dropout keep_prob=0.5"]
    assert rows["L2 lambd=0.1"][1] == pytest.approx(_train(50, l2=0.1).final_cost, rel=1e-15)
    assert rows["dropout keep_prob=0.5"][1] == pytest.approx(_train(50, keep_prob=0.5).final_cost, rel=1e-15)


def test_help_states_the_study_and_its_numbers(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["regularization", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for fact in ("[2, 20, 3, 1]", "learning rate 0.3 for 30000 iterations", "(lambd 0.7)", "(keep_prob 0.86",
                 "200 training points (noise 0.3, seed 5) and 1000 test points (seed 6)",
                 "none 0.9650 0.8690", "L2 lambd=0.7 0.9300 0.9010", "dropout keep_prob=0.86 0.9450 0.9040",
                 "2 bad usage; 130 interrupted"):
        assert fact in text


def test_the_main_help_lists_the_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "fastnn regularization " in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--iterations", "0"], "--iterations must be >= 1, got 0"),
    (["--lambd", "0"], "--lambd must be a finite number > 0, got 0.0"),
    (["--lambd", "-1"], "--lambd must be a finite number > 0, got -1.0"),
    (["--lambd", "inf"], "--lambd must be a finite number > 0, got inf"),
    (["--lambd", "nan"], "--lambd must be a finite number > 0, got nan"),
    (["--keep-prob", "0"], "--keep-prob must be in (0, 1) (1 keeps every unit: no dropout), got 0.0"),
    (["--keep-prob", "1"], "--keep-prob must be in (0, 1) (1 keeps every unit: no dropout), got 1.0"),
    (["--keep-prob", "1.5"], "--keep-prob must be in (0, 1)"),
    (["--keep-prob", "half"], "argument --keep-prob: invalid float value: 'half'"),
    (["--seed", "1"], "unrecognized arguments: --seed 1"),
], ids=["iterations-0", "lambd-0", "lambd-negative", "lambd-inf", "lambd-nan", "keep-prob-0", "keep-prob-1",
        "keep-prob-above-1", "keep-prob-not-a-number", "unknown-option"])
def test_bad_options_exit_with_usage(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["regularization", *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_an_unwritable_folder_is_one_line_and_status_1(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["regularization", "--iterations", "2", "--out", str(blocker / "sub")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("fastnn: error: ") and err.count("\n") == 1


@pytest.mark.parametrize("error, status, message", [
    (KeyboardInterrupt(), 130, "interrupted: writing the runs that finished\n"),
    (FloatingPointError("parameters became NaN at iteration 7"), 1,
     "fastnn: error: parameters became NaN at iteration 7\n"),
], ids=["ctrl-c", "failed-run"])
def test_a_stopped_study_still_writes_the_runs_that_finished(error, status, message, monkeypatch, tmp_path, capsys):
    train = engine.train

    def stops_at_dropout(*args, **options):
        if "keep_prob" in options:
            raise error
        return train(*args, **options)

    monkeypatch.setattr(engine, "train", stops_at_dropout)
    out = tmp_path / "results"
    assert main(["regularization", "--iterations", "20", "--quiet", "--out", str(out)]) == status
    captured = capsys.readouterr()
    assert list(_table(captured.out)) == ["none", "L2 lambd=0.7"]
    assert captured.err.endswith(message) and captured.err.count("\n") <= 2
    assert set(os.listdir(out)) == {"regularization_cost.png", "regularization_boundary_none.png",
                                    "regularization_boundary_l2.png"}
