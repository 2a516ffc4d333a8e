"""The multi-seed sweep: its numbers, its independence from the executor, its files."""
import concurrent.futures
import csv
import json
import warnings
import multiprocessing
import os

import numpy as np
import pytest

import fastnn
from fastnn.cli import main
from fastnn.init import INITIALIZATIONS


@pytest.fixture(scope="module")
def small_sweep():
    # 20 seeds of the full 15000 iterations, for the two schemes the issue names
    # (He's mean test accuracy: 0.92 over these seeds, 0.93 over 50; 8 seeds, with
    # one bad start among them, gave 0.89).
    return fastnn.sweep(["zeros", "he"], seeds=range(20), progress=False)


def test_he_learns_and_zeros_does_not(small_sweep):
    rows = {row["initialization"]: row for row in small_sweep.summary()}
    assert rows["zeros"]["test_accuracy_mean"] == 0.5 and rows["zeros"]["test_accuracy_std"] == 0.0
    assert rows["he"]["test_accuracy_mean"] >= 0.90
    assert rows["he"]["runs"] == 20


def test_the_executor_never_changes_the_numbers(small_sweep):
    with concurrent.futures.ThreadPoolExecutor(1) as one:
        again = fastnn.sweep(["zeros", "he"], seeds=range(20), executor=one, progress=False)
    for a, b in zip(small_sweep.runs, again.runs):
        assert (a.initialization, a.seed, a.final_cost, a.test_accuracy) == (
            b.initialization, b.seed, b.final_cost, b.test_accuracy)
        np.testing.assert_array_equal(a.curve, b.curve)


def test_a_sweep_run_is_a_plain_training():
    run = fastnn.sweep(["he"], seeds=[3], progress=False).runs[0]
    X, Y, tX, tY = fastnn.load_dataset()
    result = fastnn.train(X, Y, initialization="he", seed=3)
    assert run.final_cost == result.costs[-1]
    assert run.test_accuracy == fastnn.accuracy(tX, tY, result.parameters) == 0.96


def test_files_load_back(tmp_path, small_sweep):
    with open(small_sweep.to_csv(tmp_path / "s.csv")) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 40 and float(rows[0]["final_cost"]) == small_sweep.runs[0].final_cost
    data = json.loads(open(small_sweep.to_json(tmp_path / "s.json")).read())
    assert len(data["runs"]) == 40 and data["summary"][1]["initialization"] == "he"


def _refuse(constant):
    raise ValueError(f"not strict JSON: {constant}")


def test_json_is_strict_where_costs_are_infinite(tmp_path):
    # One iteration from x10 weights: the final costs are inf, and so the summary's
    # mean is inf and its spread NaN. Strict parsers reject Infinity and NaN, so they
    # are written as strings that float() reads back.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the infinite final cost, warned about
        result = fastnn.sweep(["random"], seeds=range(2), num_iterations=1, progress=False)
    assert np.isinf(result.runs[0].final_cost)
    data = json.loads(open(result.to_json(tmp_path / "s.json")).read(), parse_constant=_refuse)
    assert data["runs"][0]["final_cost"] == "inf" and float(data["runs"][0]["final_cost"]) == np.inf
    assert data["summary"][0]["final_cost_mean"] == "inf"
    assert data["summary"][0]["final_cost_std"] == "nan"


def test_progress_callback_and_bad_options():
    seen = []
    fastnn.sweep(["zeros"], seeds=range(3), num_iterations=10, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (3, 3)
    with pytest.raises(ValueError, match="initialization must be one of"):
        fastnn.sweep(["hee"], seeds=range(2))
    with pytest.raises(ValueError, match="learning_rate must be a finite number > 0"):
        fastnn.sweep(["he"], seeds=range(2), learning_rates=[-1.0])


@pytest.mark.parametrize(
    "options, error, message",
    [
        (dict(learning_rates=["x"]), TypeError, "learning_rate must be a number, got 'x'"),
        (dict(learning_rates=[True]), TypeError, "learning_rate must be a number, got True"),
        (dict(seeds=["a"]), TypeError, "seed must be an int.*got 'a'"),
        (dict(seeds=[1.5]), TypeError, "seed must be an int.*got 1.5"),
        (dict(seeds=[True]), TypeError, "seed must be an int.*got True"),
        (dict(seeds=[np.random.default_rng(1)]), TypeError, "a sweep's seeds must be ints"),
        (dict(num_iterations=0), ValueError, "num_iterations must be >= 1"),
        (dict(data=(*fastnn.load_dataset()[:2], np.zeros((4, 10)), np.zeros((1, 10)))),
         ValueError, "the test data has 4 features and the training data 2"),
        (dict(output="identity"), ValueError, "output='identity' is a regression output"),
        (dict(hidden_activation="gelu"), ValueError, "hidden_activation must be one of"),
        (dict(dtype="float16"), ValueError, r"dtype must be one of \['float64', 'float32'\]"),
    ],
    ids=["lr-string", "lr-bool", "seed-string", "seed-float", "seed-bool", "seed-generator", "iterations",
         "test-features", "output-identity", "activation", "dtype"],
)
def test_bad_options_are_refused_before_anything_runs(options, error, message):
    with pytest.raises(error, match=message):
        fastnn.sweep(["he"], **{"seeds": range(2), **options}, executor=RecordingExecutor())


class RecordingExecutor(concurrent.futures.Executor):
    """Runs each job at once, in this thread, and counts them."""

    def __init__(self):
        self.jobs = 0

    def submit(self, fn, /, *args, **kwargs):
        self.jobs += 1
        future = concurrent.futures.Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_a_scheme_that_does_not_pickle_is_refused_before_any_job():
    executor = RecordingExecutor()
    local = lambda fan_out, fan_in, rng: rng.uniform(-1e-3, 1e-3, size=(fan_out, fan_in))  # noqa: E731
    with pytest.raises(ValueError, match=r"'<lambda>' cannot be sent to the executor's workers.*module level"):
        fastnn.sweep(["he", local], seeds=range(2), num_iterations=10, executor=executor, progress=False)
    assert executor.jobs == 0
    # A thread pool shares this process's memory, so there nothing has to pickle.
    runs = fastnn.sweep([local], seeds=range(2), num_iterations=10, progress=False).runs
    assert [run.initialization for run in runs] == ["<lambda>", "<lambda>"]


SCHEME_MODULE = """
def tiny(fan_out, fan_in, rng):
    return rng.uniform(-1e-3, 1e-3, size=(fan_out, fan_in))
"""


def test_registered_schemes_work_in_spawned_worker_processes(tmp_path, monkeypatch):
    # Spawned workers start with only the built-in schemes registered: the sweep
    # must send them the scheme, which they import from this module.
    (tmp_path / "fastnn_sweep_test_schemes.py").write_text(SCHEME_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    import fastnn_sweep_test_schemes

    monkeypatch.setitem(INITIALIZATIONS, "tiny_sweep_test", fastnn_sweep_test_schemes.tiny)
    schemes = ["tiny_sweep_test", fastnn.variance_scaling(0.5, "fan_out", "uniform")]
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=spawn) as pool:
        remote = fastnn.sweep(schemes, seeds=range(2), num_iterations=50, executor=pool, progress=False)
    local = fastnn.sweep(schemes, seeds=range(2), num_iterations=50, progress=False)
    assert [(r.initialization, r.seed) for r in remote.runs] == [(r.initialization, r.seed) for r in local.runs]
    assert remote.runs[0].initialization == "tiny_sweep_test"
    for a, b in zip(remote.runs, local.runs):
        np.testing.assert_array_equal(a.curve, b.curve)


def test_command_lines(tmp_path, capsys):
    assert main(["sweep", "--init", "zeros", "he", "--seeds", "2", "--iterations", "200",
                 "--learning-rates", "0.01", "0.1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "test acc" in out and "he" in out
    for name in ("sweep.csv", "sweep.json", "sweep_costs.png", "sweep_accuracy.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert main(["inits", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in fastnn.INITIALIZATIONS)
    assert (tmp_path / "inits.png").stat().st_size > 0


def test_dask_executor_drops_in():
    distributed = pytest.importorskip("distributed")
    # Worker processes on loopback: the jobs and results really cross a connection.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        result = fastnn.sweep(["he"], seeds=range(2), num_iterations=200, executor=client.get_executor(),
                              progress=False)
    local = fastnn.sweep(["he"], seeds=range(2), num_iterations=200, progress=False)
    assert [r.final_cost for r in result.runs] == [r.final_cost for r in local.runs]
