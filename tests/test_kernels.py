"""Every kernel build this machine can run, thread counts, and build selection."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fastnn import _dispatch, engine, reference

from conftest import COST_RTOL, PARAM_RTOL, assert_parameters_close, random_problem

BUILDS = _dispatch.available_builds()


# Records which kernel module each train_chunk call ran in, in a subprocess.
SPY = """
import json, sys
import fastnn
from fastnn import _dispatch
ran = []
for build in _dispatch.available_builds():
    module = _dispatch.load(build)
    def spy(*args, _run=module.train_chunk, _name=module.__name__, **kwargs):
        ran.append(_name)
        return _run(*args, **kwargs)
    module.train_chunk = spy
X, Y, _, _ = fastnn.load_dataset()
costs = fastnn.train(X, Y).costs
json.dump({"ran": sorted(set(ran)), "costs": costs.tolist()}, sys.stdout)
"""


def _recording(module, ran):
    run = module.train_chunk

    def train_chunk(*args, **kwargs):
        ran.append(module.__name__)
        return run(*args, **kwargs)

    return train_chunk


def test_forcing_the_portable_build_runs_the_portable_code(study_data, monkeypatch):
    # The portable build is what every other platform runs: forcing it, by the
    # environment or by name, must run fastnn._core_baseline and nothing else.
    done = _python(SPY, FASTNN_KERNEL="baseline")
    assert done.returncode == 0, done.stderr
    forced = json.loads(done.stdout)
    assert forced["ran"] == ["fastnn._core_baseline"]

    train_X, train_Y, _, _ = study_data
    ran = []
    for build in BUILDS:
        module = _dispatch.load(build)
        monkeypatch.setattr(module, "train_chunk", _recording(module, ran))
    by_name = engine.train(train_X, train_Y, kernel="baseline")
    assert set(ran) == {"fastnn._core_baseline"}
    np.testing.assert_array_equal(by_name.costs, forced["costs"])
    # The other builds sum in more lanes (LANES = 4 vectors: 16 for x86_64_v3, 32 for
    # x86_64_v4, against the baseline's 8) and take exp/log from libmvec rather than
    # scalar libm: over the study's 15000 iterations their costs differ from the
    # baseline's in the last bits (on x86_64_v3, 9482 of the 15000 costs, the first
    # one included).
    for build in [b for b in BUILDS if b != "baseline"]:
        other = engine.train(train_X, train_Y, kernel=build)
        assert not np.array_equal(other.costs, by_name.costs), build
        np.testing.assert_allclose(other.costs, by_name.costs, rtol=COST_RTOL)


@pytest.mark.parametrize("build", BUILDS)
def test_every_build_matches_the_reference_at_every_iteration(build, study_data):
    train_X, train_Y, _, _ = study_data
    compiled = engine.train(train_X, train_Y, num_iterations=15000, kernel=build)
    oracle = reference.train(train_X, train_Y, num_iterations=15000)
    np.testing.assert_allclose(compiled.costs, oracle.costs, rtol=COST_RTOL, atol=0)
    assert_parameters_close(compiled.parameters, oracle.parameters, PARAM_RTOL)


@pytest.mark.skipif(len(BUILDS) < 2, reason="only the baseline build runs on this machine")
@pytest.mark.parametrize("m", [300, 5000], ids=lambda m: f"m={m}")
def test_builds_agree_with_each_other(m):
    X, Y = random_problem(2, m, seed=11)
    runs = {b: engine.train(X, Y, [2, 10, 5, 1], num_iterations=300, kernel=b) for b in BUILDS}
    first = runs[BUILDS[0]]
    for build, run in runs.items():
        # Builds differ in vector width (so in the order of partial sums) and in
        # exp/log (glibc's vector versions are within 4 ulp): rounding-level
        # differences, far inside the oracle tolerance.
        np.testing.assert_allclose(run.costs, first.costs, rtol=COST_RTOL, err_msg=build)


# Sizes that leave part of a vector at the end of the block, for every vector width
# (2, 4 or 8 doubles): the kernel runs those columns as zero padding, which must add
# exact zeros. 13 and 7 units take several tiles per layer.
@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("m", [1, 3, 5, 7, 9, 323, 645], ids=lambda m: f"m={m}")
def test_every_build_handles_partial_vectors(build, m):
    X, Y = random_problem(3, m, seed=m)
    layers = [3, 13, 7, 1]
    compiled = engine.train(X, Y, layers, "he", learning_rate=0.1, num_iterations=100, seed=2, kernel=build)
    oracle = reference.train(X, Y, layers, "he", learning_rate=0.1, num_iterations=100, seed=2)
    np.testing.assert_allclose(compiled.costs, oracle.costs, rtol=COST_RTOL, atol=0)
    assert_parameters_close(compiled.parameters, oracle.parameters, PARAM_RTOL)
    # the forward-only path pads the same way
    probabilities = engine.predict_proba(X, oracle.parameters, kernel=build)
    expected = reference.forward(X, oracle.parameters)[-1].ravel()
    # sigmoid outputs: summation order and libmvec's exp (within 4 ulp) only
    np.testing.assert_allclose(probabilities.ravel(), expected, rtol=1e-13, atol=0)


@pytest.mark.parametrize("build", BUILDS)
def test_thread_count_never_changes_the_result(build):
    # 20000 examples make 8 groups (of up to 8 blocks), so 2 and 3 threads really
    # split the work.
    X, Y = random_problem(3, 20000, seed=5)
    runs = [
        engine.train(X, Y, [3, 10, 5, 1], num_iterations=40, n_threads=t, kernel=build)
        for t in (1, 2, 3)
    ]
    for run in runs[1:]:
        np.testing.assert_array_equal(run.costs, runs[0].costs)
        for key in run.parameters:
            np.testing.assert_array_equal(run.parameters[key], runs[0].parameters[key])
    probabilities = [engine.predict_proba(X, runs[0].parameters, n_threads=t, kernel=build) for t in (1, 3)]
    np.testing.assert_array_equal(probabilities[0], probabilities[1])


def test_the_kernel_refuses_inputs_the_guard_would_refuse():
    # A last line of defence: even called directly, the kernel checks the sizes its
    # loops rely on before it starts.
    X, Y = random_problem(2, 10)
    y = np.ascontiguousarray(Y, dtype=np.float64).reshape(1, -1)
    core = _dispatch.load("baseline")
    for layers in ([3, 4, 1], [2, 0, 1], [2, 4, 2]):
        dims, offsets, n = engine._layout(layers)
        with pytest.raises(ValueError, match="kernel called with"):
            core.gradient(np.ascontiguousarray(X), y, dims, offsets, np.zeros(n), np.empty(n), 1)
    dims, offsets, n = engine._layout([2, 4, 1])
    with pytest.raises(ValueError, match="kernel called with n_threads=0"):
        core.gradient(np.ascontiguousarray(X), y, dims, offsets, np.zeros(n), np.empty(n), 0)


def test_unknown_or_unsupported_build_is_a_clear_error():
    X, Y = random_problem(2, 10)
    with pytest.raises(ValueError, match=r"kernel build must be one of \['x86_64_v4', 'x86_64_v3', 'baseline'\], got 'avx9'"):
        engine.train(X, Y, num_iterations=1, kernel="avx9")
    with pytest.raises(ValueError, match="n_threads must be >= 1"):
        engine.train(X, Y, num_iterations=1, n_threads=0)


def _python(code, **env):
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
        env={**os.environ, **env}, cwd=os.path.dirname(os.path.abspath(__file__)),
    )


def test_environment_variable_forces_a_build():
    done = _python("import fastnn; print(fastnn.build_info()['build'])", FASTNN_KERNEL="baseline")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "baseline"
    done = _python("import fastnn", FASTNN_KERNEL="avx9")
    assert done.returncode != 0
    assert "FASTNN_KERNEL='avx9': kernel build must be one of" in done.stderr


BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_train.py"


@pytest.mark.skipif(not BENCH.exists(), reason="benchmarks/ is not next to these tests")
def test_benchmark_runs_its_correctness_gate_and_writes_json(tmp_path):
    pytest.importorskip("threadpoolctl")
    # A smoke run, not a timing: tiny sizes, one repeat; --keep-env leaves the
    # OpenBLAS variables of the test environment alone.
    done = subprocess.run(
        [sys.executable, str(BENCH), "--m", "300", "5000", "--repeats", "1", "--target", "0.01",
         "--threads", "1", "2", "--no-plot", "--keep-env", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "BLAS:" in done.stdout and "dispatched" in done.stdout
    report = json.loads((tmp_path / "bench_train.json").read_text())
    rows = report["results"]
    assert {r["status"] for r in rows} == {"ok"}
    assert {r["m"] for r in rows} == {300, 5000}
    assert all(r["max_rel_cost_diff"] <= report["gate_rtol"] for r in rows)
    assert {r["build"] for r in rows} == {None, "baseline", BUILDS[0]}


BOUND = BENCH.with_name("bench_bound.py")


@pytest.mark.skipif(not BOUND.exists(), reason="benchmarks/ is not next to these tests")
@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler")
def test_bound_benchmark_measures_the_machine_and_writes_json(tmp_path):
    pytest.importorskip("threadpoolctl")
    done = subprocess.run(
        [sys.executable, str(BOUND), "--m", "300", "--repeats", "1", "--target", "0.01",
         "--keep-env", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "BLAS:" in done.stdout and "bound allows" in done.stdout
    report = json.loads((tmp_path / "bench_bound.json").read_text())
    assert report["build"] == BUILDS[0]
    peak = report["machine_peak"]
    assert peak["arithmetic_ops_per_ns"] > 0 and peak["sigmoid_ns"] > 0 and peak["log_ns"] > 0
    (row,) = report["results"]
    assert row["m"] == 300 and row["bound_us"] > 0 and row["compiled_us"] > 0


@pytest.mark.parametrize("build", BUILDS)
def test_first_layer_weight_gradient_is_the_deeper_layers_sum_bit_for_bit(build):
    # The first layer's dW runs through its own loops (tiles of units outside, pairs
    # of input rows inside); deeper layers' through _backward_input_row, row by row.
    # Both must be the same sums in the same order. Put the same layer first, and
    # then behind an exact identity layer (W1 = I, b1 = 0: A1 = X to the bit): its
    # gradients must be equal to the bit, for every tile width, odd and even input
    # counts, and partial vectors.
    rng = np.random.default_rng(1)
    for n_x in (1, 2, 3, 5, 7, 13):
        for K in (1, 2, 5, 6, 7, 12, 13):
            for m in (1, 8, 37, 257):
                X = rng.standard_normal((n_x, m))
                Y = rng.standard_normal((K, m))
                W, b = rng.standard_normal((K, n_x)), rng.standard_normal((K, 1))
                _, first = engine.cost_and_gradients(
                    X, Y, {"W1": W, "b1": b}, output="identity", kernel=build)
                behind = {"W1": np.eye(n_x), "b1": np.zeros((n_x, 1)), "W2": W, "b2": b}
                _, deeper = engine.cost_and_gradients(
                    X, Y, behind, output="identity", hidden_activation="identity", kernel=build)
                assert np.array_equal(first["dW1"], deeper["dW2"]), (n_x, K, m)
                assert np.array_equal(first["db1"], deeper["db2"]), (n_x, K, m)
