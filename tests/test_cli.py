"""The command line: the study, its table, its figures and its options."""
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import warnings

import pytest

import fastnn
from fastnn.cli import main
from fastnn.study import run_study


def test_default_run_is_the_study(tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "== he initialization, compiled engine ==" in text
    assert "Cost after iteration 14000: 0.0735789596267" in text
    table = text[text.index("initialization "):].splitlines()
    assert [line.split()[0] for line in table[2:5]] == ["zeros", "random", "he"]
    assert table[3].split()[1] == "inf"
    assert table[4].split()[3:5] == ["0.9933", "0.9600"]
    expected = {f"{kind}_{name}.png" for kind in ("cost", "boundary") for name in ("zeros", "random", "he")}
    assert expected | {"study.png", "study.json"} == set(os.listdir(out))
    for name in expected | {"study.png"}:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    records = json.loads((out / "study.json").read_text(), parse_constant=_strict)
    assert [r["initialization"] for r in records] == ["zeros", "random", "he"]
    assert records[2]["test_accuracy"] == 0.96 and records[2]["first_cost"] == pytest.approx(0.8830537463419761, rel=1e-9)
    assert records[1]["first_cost"] == "inf"     # the documented encoding of an infinite cost


def _strict(constant):
    # Python's json accepts Infinity and NaN; strict parsers (JavaScript's JSON.parse,
    # jq, Go) reject them.
    raise ValueError(f"{constant} is not JSON")


def test_options(tmp_path, capsys):
    out = tmp_path / "none"
    status = main(["--init", "he", "zeros", "--iterations", "1200", "--learning-rate", "0.02",
                   "--engine", "reference", "--no-plots", "--quiet", "--out", str(out)])
    assert status == 0
    text = capsys.readouterr().out
    assert "Cost after" not in text
    assert [line.split()[0] for line in text.splitlines()[2:]] == ["he", "zeros"]
    assert not out.exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--iterations", "0"], "--iterations must be >= 1"),
        (["--learning-rate", "-1"], "--learning-rate must be a finite number > 0"),
        (["--init", "hee"], "invalid choice: 'hee'"),
        (["--engine", "gpu"], "invalid choice: 'gpu'"),
        (["inits", "--seed", "-1"], "--seed must be between 0 and 2**32 - 1, got -1"),
        (["inits", "--seed", str(2**32)], "--seed must be between 0 and 2**32 - 1, got 4294967296"),
        (["sweep", "--init", "hee"], "invalid choice: 'hee'"),
        (["sweep", "--learning-rates", "0.01", "nan"], "--learning-rates must be finite numbers > 0, got nan"),
    ],
    ids=["iterations", "learning-rate", "init", "engine", "inits-seed-negative", "inits-seed-too-big",
         "sweep-init", "sweep-learning-rate"],
)
def test_bad_options_exit_with_usage(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_predict_writes_nothing(tmp_path, monkeypatch, capsys):
    train_X, train_Y, _, _ = fastnn.load_dataset()
    model = fastnn.save(tmp_path / "model.npz", fastnn.train(train_X, train_Y, num_iterations=10))
    monkeypatch.chdir(tmp_path)
    assert main(["--predict", str(model)]) == 0
    assert "test accuracy" in capsys.readouterr().out
    assert os.listdir(tmp_path) == ["model.npz"]       # no empty ./fastnn-results


# One failing run per command: divergence, and a folder that cannot be made.
FAILED_RUNS = {
    "study": (["--init", "he", "--learning-rate", "1e300", "--iterations", "10", "--no-plots"],
              FloatingPointError, "training diverged: the parameters became NaN or inf at iteration 1"),
    "inits": (["inits", "--out", "{file}"], FileExistsError, "File exists"),
    "sweep": (["sweep", "--init", "he", "--seeds", "1", "--iterations", "10", "--learning-rates", "1e300",
               "--no-plots"], FloatingPointError, "training diverged"),
    # 10**12 costs would take 7 TiB: numpy refuses to allocate them.
    "study, too many iterations": (["--init", "he", "--iterations", str(10**12), "--no-plots"],
                                   MemoryError, "Unable to allocate"),
}


@pytest.mark.parametrize("argv, error, message", FAILED_RUNS.values(), ids=FAILED_RUNS.keys())
def test_a_failed_run_is_one_line_and_status_1(argv, error, message, tmp_path, capsys):
    (tmp_path / "file").write_text("")
    argv = [arg.replace("{file}", str(tmp_path / "file")) for arg in argv]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("fastnn: error: ") and message in err and err.count("\n") == 1
    with pytest.raises(error, match=message):
        main(argv + ["--debug"])


def test_a_failed_run_prints_no_traceback(tmp_path):
    command = [sys.executable, "-m", "fastnn", "--init", "he", "--learning-rate", "1e300",
               "--iterations", "10", "--no-plots"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == (
        "fastnn: error: training diverged: the parameters became NaN or inf at iteration 1"
        " (learning_rate=1e+300); try a smaller learning rate\n"
    )
    debug = subprocess.run(command + ["--debug"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert debug.returncode == 1
    assert debug.stderr.startswith("Traceback") and "FloatingPointError: training diverged" in debug.stderr


def test_runs_that_finished_before_a_failure_are_written(tmp_path, capsys):
    # zeros finishes (its weights stay finite, though its cost ends at inf, which
    # is warned about), then he diverges.
    out = tmp_path / "out"
    assert main(["--init", "zeros", "he", "--learning-rate", "1e300", "--iterations", "10", "--quiet",
                 "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert [line.split()[0] for line in captured.out.splitlines()[2:3]] == ["zeros"]
    errors = captured.err.splitlines()
    assert errors[0].startswith("fastnn: warning: the final cost is infinite")
    assert errors[-1].startswith("fastnn: error: training diverged") and len(errors) == 2
    assert {"cost_zeros.png", "boundary_zeros.png", "study.json", "study.png"} == set(os.listdir(out))


def test_a_warning_is_one_readable_line(tmp_path, capsys, monkeypatch):
    import fastnn.cli

    def run_study_that_warns(*args, **kwargs):
        warnings.warn("the final cost is inf: the output sigmoid saturated", RuntimeWarning)
        return run_study(*args, **kwargs)

    monkeypatch.setattr(fastnn.cli, "run_study", run_study_that_warns)
    before = warnings.showwarning
    assert main(["--init", "he", "--iterations", "10", "--no-plots", "--quiet"]) == 0
    assert capsys.readouterr().err == "fastnn: warning: the final cost is inf: the output sigmoid saturated\n"
    assert warnings.showwarning is before      # the command leaves Python's warnings as it found them


def test_help_explains(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for word in ("initialisation study", "--init", "--engine", "--out", "--no-plots", "examples:",
                 "--debug", "exit status: 0 done; 1 a run failed", 'the string "inf"'):
        assert word in text


@pytest.mark.parametrize("command", ["inits", "sweep"])
def test_subcommand_help_gives_debug_and_exit_status(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "--debug" in text and "exit status: 0 done; 1 a run failed" in text


@pytest.mark.parametrize(
    "command",
    [[sys.executable, "-m", "fastnn"], ["fastnn"]],
    ids=["python-m", "console-script"],
)
def test_entry_points(command, tmp_path):
    if command[0] == "fastnn":
        script = shutil.which("fastnn", path=os.path.dirname(sys.executable))
        if script is None:
            try:
                importlib.metadata.distribution("fastnn")
            except importlib.metadata.PackageNotFoundError:
                pytest.skip("fastnn is not installed here (imported from a build folder)")
            pytest.fail("fastnn is installed but its console script is missing")
        command = [script]
    done = subprocess.run(
        command + ["--init", "he", "--iterations", "1000", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "he " in done.stdout and (tmp_path / "study.png").exists()
    version = subprocess.run(
        command + ["--version"], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert version.stdout.startswith("fastnn ")
