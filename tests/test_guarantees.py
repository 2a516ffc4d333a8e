"""The promises of the README's "Guarantees" section: interruption, saved models,
threads and resources."""
import _thread
import concurrent.futures
import copy
import ctypes
import dataclasses
import io
import os
import signal
import stat
import subprocess
import sys
import threading
import time
import zipfile

import numpy as np
import pytest

import fastnn
from fastnn import engine
from fastnn.cli import main

from conftest import edited_model_file, random_problem

# ---------------------------------------------------------------- interruption


def test_ctrl_c_stops_training_with_everything_done_so_far():
    # 100,000 examples: the engine sizes its kernel calls to ~0.1 s (CHUNK_WORK).
    X, Y = fastnn.make_donut(100_000, seed=1)
    timer = threading.Timer(0.3, _thread.interrupt_main)  # Ctrl-C, as the OS delivers it
    start = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt) as info:
        fastnn.train(X, Y, num_iterations=1_000_000)
    seconds_after_ctrl_c = time.perf_counter() - start - 0.3
    timer.join()
    # One kernel call is ~0.1 s; 2 s leaves room for a busy machine, and is still far
    # from the ~hour the full run would take.
    assert seconds_after_ctrl_c < 2.0
    partial = info.value.partial_result
    n = partial.num_iterations
    assert 0 < n < 1_000_000
    # The partial result is exactly n iterations of training, never half an update.
    again = fastnn.train(X, Y, num_iterations=n)
    np.testing.assert_array_equal(partial.costs, again.costs)
    for key in again.parameters:
        np.testing.assert_array_equal(partial.parameters[key], again.parameters[key])


def test_interrupted_command_line_keeps_finished_runs(tmp_path):
    command = [sys.executable, "-m", "fastnn", "--init", "he", "zeros", "--iterations", "400000",
               "--out", str(tmp_path / "out"), "--save", str(tmp_path / "models")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=tmp_path)
    try:
        for line in process.stdout:              # wait until the first run has finished
            if line.startswith("-> he:"):
                break
        time.sleep(0.3)                          # inside the second run
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert "interrupted" in err
    assert [line.split()[0] for line in out.splitlines() if line.startswith(("he ", "zeros "))] == ["he"]
    assert (tmp_path / "models" / "model_he.npz").exists()
    assert not (tmp_path / "models" / "model_zeros.npz").exists()
    assert (tmp_path / "out" / "study.json").exists() and (tmp_path / "out" / "cost_he.png").exists()


# ---------------------------------------------------------------- saved models


@pytest.fixture(scope="module")
def trained():
    X, Y = random_problem(2, 80, seed=2)
    return fastnn.train(X, Y, [2, 6, 3, 1], "he", learning_rate=0.05, num_iterations=200, seed=7)


def test_save_and_load_round_trip(tmp_path, trained):
    path = fastnn.save(tmp_path / "model.npz", trained)
    loaded = fastnn.load(path)
    assert loaded.layers_dims == trained.layers_dims
    assert (loaded.initialization, loaded.seed, loaded.learning_rate, loaded.engine) == ("he", 7, 0.05, "compiled")
    np.testing.assert_array_equal(loaded.costs, trained.costs)
    for key in trained.parameters:
        np.testing.assert_array_equal(loaded.parameters[key], trained.parameters[key])
    assert os.listdir(tmp_path) == ["model.npz"]  # no temporary left behind


SEEDS = {
    "int": lambda: 7,
    "generator": lambda: np.random.default_rng(0),
    "randomstate": lambda: np.random.RandomState(0),
    "generator-mt19937": lambda: np.random.Generator(np.random.MT19937(1)),
}


def _draws(rng):
    return rng.randn(5) if isinstance(rng, np.random.RandomState) else rng.standard_normal(5)


def _bit_generator_name(rng):
    state = rng.get_state(legacy=False) if isinstance(rng, np.random.RandomState) else rng.bit_generator.state
    return state["bit_generator"]


@pytest.mark.parametrize("make_seed", SEEDS.values(), ids=SEEDS.keys())
def test_save_round_trips_every_seed_train_accepts(tmp_path, make_seed):
    X, Y = random_problem(2, 40, seed=3)
    # [2, 3, 1] draws 9 normals: a RandomState is left holding a cached Gaussian.
    result = fastnn.train(X, Y, [2, 3, 1], "he", num_iterations=5, seed=make_seed())
    loaded = fastnn.load(fastnn.save(tmp_path / "model.npz", result))
    assert loaded.elapsed == result.elapsed > 0
    if isinstance(result.seed, int):
        assert loaded.seed == result.seed
    else:
        # The saved object's state is where the initialisation left it: the loaded
        # one draws what it would have drawn next.
        assert type(loaded.seed) is type(result.seed)
        assert _bit_generator_name(loaded.seed) == _bit_generator_name(result.seed)
        np.testing.assert_array_equal(_draws(loaded.seed), _draws(copy.deepcopy(result.seed)))


def test_version_1_files_still_load(tmp_path, trained):
    path = tmp_path / "model.npz"
    np.savez(path, format=np.array("fastnn-model"), format_version=np.array(1),
             layers_dims=np.array(trained.layers_dims), initialization=np.array("he"),
             seed=np.array(7), learning_rate=np.array(0.05), engine=np.array("compiled"),
             costs=trained.costs, **{f"parameter_{k}": v for k, v in trained.parameters.items()})
    loaded = fastnn.load(path)
    assert (loaded.seed, loaded.elapsed, loaded.layers_dims) == (7, 0.0, trained.layers_dims)
    np.testing.assert_array_equal(loaded.parameters["W2"], trained.parameters["W2"])


PARAMETER_KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")       # of trained and trained_adam
# Format version 3's training state: these scalars, then the optimiser's arrays.
STATE_SCALARS = ["state_epochs", "state_adam_steps", "state_optimizer", "state_mini_batch_size",
                 "state_shuffle_seed", "state_beta", "state_beta1", "state_beta2", "state_epsilon",
                 "state_decay_rate", "state_time_interval", "state_l2", "state_keep_prob"]


@pytest.fixture(scope="module")
def trained_adam():
    X, Y = random_problem(2, 80, seed=2)
    return fastnn.train(X, Y, [2, 6, 3, 1], "he", learning_rate=0.01, num_iterations=20, seed=7,
                        optimizer="adam", mini_batch_size=32, decay_rate=0.5, time_interval=7, keep_prob=0.9)


@pytest.mark.parametrize("optimizer, parts", [("gd", []), ("momentum", ["velocity"]),
                                              ("adam", ["velocity", "second_moment"])])
def test_a_saved_state_holds_what_its_optimiser_keeps(tmp_path, optimizer, parts):
    X, Y = random_problem(2, 80, seed=2)
    result = fastnn.train(X, Y, [2, 3, 1], num_iterations=4, optimizer=optimizer, mini_batch_size=32)
    with np.load(fastnn.save(tmp_path / "model.npz", result)) as data:
        assert data["format_version"] == 3
        assert sorted(k for k in data.files if k.startswith("state_")) == sorted(
            STATE_SCALARS + [f"state_{part}_{key}" for part in parts for key in ("W1", "b1", "W2", "b2")])
        assert (data["state_epochs"], data["state_mini_batch_size"], data["state_optimizer"]) == (4, 32, optimizer)
    loaded = fastnn.load(tmp_path / "model.npz")
    assert loaded.state.options == result.state.options
    assert (loaded.state.epochs, loaded.state.adam_steps) == (4, 12 if optimizer == "adam" else 0)
    for part in ("velocity", "second_moment"):
        assert (getattr(loaded.state, part) is None) == (part not in parts)


def test_a_result_without_a_state_saves_and_loads_without_one(tmp_path, trained):
    stateless = dataclasses.replace(trained, state=None)
    assert fastnn.load(fastnn.save(tmp_path / "model.npz", stateless)).state is None


def test_version_2_files_load_without_a_state(tmp_path, trained):
    # Version 2 recorded neither the options nor the optimiser's state: the model
    # loads, and resuming it says why it cannot.
    path = edited_model_file(tmp_path, trained, format_version=np.array(2), **dict.fromkeys(STATE_SCALARS))
    loaded = fastnn.load(path)
    assert loaded.state is None and loaded.elapsed == trained.elapsed
    X, Y = random_problem(2, 80, seed=2)
    with pytest.raises(ValueError, match="the result has no training state"):
        fastnn.train(X, Y, learning_rate=0.05, num_iterations=5, resume=loaded)


def test_a_malformed_state_is_never_saved(tmp_path, trained):
    bad = dataclasses.replace(trained, state=dataclasses.replace(trained.state, epochs=-1))
    with pytest.raises(ValueError, match=r"result.state.epochs must be an int from 0 to 2\*\*63 - 1"):
        fastnn.save(tmp_path / "model.npz", bad)
    assert os.listdir(tmp_path) == []


@pytest.fixture
def restore_umask():
    """Put the process's umask back after a test that sets it."""
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o002, 0o664)], ids=["022", "002"])
def test_a_saved_model_has_the_mode_the_umask_gives(tmp_path, trained, restore_umask, mask, mode):
    os.umask(mask)
    path = fastnn.save(tmp_path / "model.npz", trained)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    (tmp_path / "other").write_text("")            # as any file the user writes
    assert stat.S_IMODE((tmp_path / "other").stat().st_mode) == mode
    fastnn.save(path, trained)                     # replacing it, too
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert sorted(os.listdir(tmp_path)) == ["model.npz", "other"]


def test_a_failed_save_leaves_the_old_file_intact(tmp_path, trained, monkeypatch):
    path = fastnn.save(tmp_path / "model.npz", trained)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        fastnn.save(path, trained)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"format_version": np.array(4)}, "format version 4; this fastnn reads versions 1, 2 and 3"),
        ({"format": np.array("other")}, "is not a fastnn model"),
        ({"costs": None}, "it has no 'costs'"),
        ({"parameter_W2": None}, r"parameters is missing \['W2'\]"),
        ({"parameter_W1": np.zeros((3, 2))}, r"parameters\['W1'\] must have shape \(6, 2\)"),
        ({"parameter_b3": np.full((1, 1), np.nan)}, r"parameters\['b3'\] contains NaN or inf"),
        ({"layers_dims": np.array([2, 6, 0, 1])}, "positive integers"),
        ({"learning_rate": np.array(-1.0)}, "learning_rate must be a finite number > 0"),
        ({"costs": np.array([0.5, np.nan])}, r"'costs' must hold costs >= 0 \(or inf\), got NaN or a negative"),
        ({"costs": np.array([np.inf, -np.inf])}, r"'costs' must hold costs >= 0"),
        ({"seed": np.array(-5)}, r"seed must be an int from 0 to 2\*\*32 - 1, got -5"),
        ({"engine": np.array("gpu")}, r"'engine' must be one of \['compiled', 'reference'\], got 'gpu'"),
        ({"surprise": np.zeros(3)}, r"unexpected arrays \['surprise'\]"),
        ({"seed": np.array('{"type": "Generator", "state": {"bit_generator": "os"}}')},
         "'seed' must be an integer or a saved Generator or RandomState state: unknown bit generator 'os'"),
        ({"seed": np.array('{"type": "Generator", "state": {"bit_generator": "PCG64", "state": 1}}')},
         "'seed' must be an integer or a saved Generator or RandomState state"),
        ({"elapsed": np.array(-1.0)}, "'elapsed' must be a finite number of seconds >= 0"),
        ({"costs": np.array([object()], dtype=object)}, r"'costs' holds Python objects \(pickled data\)"),
        ({"costs": np.array([])}, "'costs' must be a non-empty"),
        ({"layers_dims": np.array([2, 6, 3, 2]), "parameter_W3": np.zeros((2, 3)), "parameter_b3": np.zeros((2, 1))},
         r"layers_dims\[-1\] must be 1"),
    ],
    ids=["version", "format", "no-costs", "no-W2", "W1-shape", "nan", "dims", "learning-rate",
         "nan-cost", "negative-cost", "negative-seed", "engine", "extra-array", "seed-bit-generator", "seed-state", "elapsed", "pickled-object",
         "no-costs-left", "two-outputs"],
)
def test_hand_edited_files_are_rejected(tmp_path, trained, changes, message):
    path = edited_model_file(tmp_path, trained, **changes)
    with pytest.raises(ValueError, match=message):
        fastnn.load(path)


def _with_member(path, key, header, data):
    """``path`` rewritten with member ``key`` replaced by a hand-made ``.npy``: the
    given header dict, then ``data`` bytes."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    npy = io.BytesIO()
    np.lib.format.write_array_header_1_0(npy, header)
    members[f"{key}.npy"] = npy.getvalue() + data
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


@pytest.mark.parametrize(
    "key, shape, message",
    [
        ("parameter_W1", (10**12,), r"parameters\['W1'\] must have shape \(6, 2\)"),
        ("parameter_W1", (6 * 10**6, 2 * 10**6), r"parameters\['W1'\] must have shape \(6, 2\)"),
        ("costs", (10**12,), r"'costs' declares shape \(1000000000000,\) of float64 \(8000000000000 bytes\)"
                             r" but holds 1600 bytes"),
        ("layers_dims", (10**12,), r"'layers_dims' declares shape"),
    ],
    ids=["W1-1d", "W1-huge", "costs", "layers_dims"],
)
def test_a_huge_declared_shape_is_refused_before_reading(tmp_path, trained, key, shape, message):
    # Read blindly, the header alone asks for terabytes ("Unable to allocate 7.28 TiB").
    path = fastnn.save(tmp_path / "model.npz", trained)
    descr = "<i8" if key == "layers_dims" else "<f8"
    _with_member(path, key, {"descr": descr, "fortran_order": False, "shape": shape}, bytes(8 * 200))
    with pytest.raises(ValueError, match=message):
        fastnn.load(path)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"state_velocity_W1": np.zeros((3, 2))}, r"state_velocity\['W1'\] must have shape \(6, 2\)"),
        ({"state_velocity_W1": np.zeros(12)}, r"state_velocity\['W1'\] must have shape \(6, 2\)"),
        ({"state_second_moment_b2": None}, r"state_second_moment is missing \['b2'\]"),
        ({"state_velocity_W4": np.zeros((1, 1))}, r"state_velocity has keys \['W4'\] not in a network"),
        ({"state_velocity_b3": np.full((1, 1), np.nan)}, r"state.velocity\['b3'\] contains NaN or inf"),
        ({"state_second_moment_W2": -np.ones((3, 6))}, r"state.second_moment\['W2'\] must be >= 0"),
        ({"state_velocity_W1": np.array([[object()] * 2] * 6, dtype=object)}, "holds Python objects"),
        ({"state_optimizer": np.array("sgd")}, r"'state_optimizer' must be one of \['gd', 'momentum', 'adam'\]"),
        ({"state_optimizer": np.array("gd"), "state_adam_steps": np.array(0)},
         r"unexpected arrays \['state_velocity_W1', .*\]: optimizer 'gd' keeps no velocity"),
        ({"state_optimizer": np.array("momentum"), "state_adam_steps": np.array(0)},
         r"unexpected arrays \['state_second_moment_W1', .*\]: optimizer 'momentum' keeps no second moment"),
        ({"state_optimizer": np.array("momentum"), **dict.fromkeys(f"state_second_moment_{k}" for k in PARAMETER_KEYS)},
         "state.adam_steps must be 0 for optimizer 'momentum', got 60"),
        ({"state_beta1": np.array(1.5)}, r"state.options: beta1 must be in \[0, 1\), got 1.5"),
        ({"state_keep_prob": np.array(0.0)}, r"state.options: keep_prob must be in \(0, 1\]"),
        ({"state_mini_batch_size": np.array(-1)}, "state.options: mini_batch_size must be an integer >= 1"),
        ({"state_shuffle_seed": np.array(2**32 - 5)},
         r"state.options: shuffle_seed must be an int from 0 to 2\*\*32 - 1 - num_iterations = 4294967275"),
        ({"state_epochs": np.array(-1)}, r"state.epochs must be an int from 0 to 2\*\*63 - 1, got -1"),
        ({"state_epochs": np.array(2**64 - 1, dtype=np.uint64)}, r"state.epochs must be an int from 0 to 2\*\*63 - 1"),
        ({"state_epochs": np.array(5)}, "'state_epochs' must count at least the 20 iterations of 'costs', got 5"),
        ({"state_adam_steps": np.array(60.0)}, "'state_adam_steps' must be a scalar of dtype kind 'iu', got float64"),
        ({"state_l2": np.zeros(2)}, r"'state_l2' must be a scalar of dtype kind 'f', got float64 of shape \(2,\)"),
        ({"state_epochs": None}, "it is not a complete fastnn model: it has no 'state_epochs'"),
        ({"format_version": np.array(2)}, r"unexpected arrays \['state_adam_steps', 'state_beta', "),
    ],
    ids=["velocity-shape", "velocity-1d", "no-moment", "extra-layer", "nan-velocity", "negative-moment",
         "pickled-object", "optimizer", "gd-with-arrays", "momentum-with-moment", "momentum-steps", "beta1",
         "keep-prob", "batch-size", "shuffle-seeds", "negative-epochs", "huge-epochs", "fewer-epochs-than-costs",
         "float-steps", "l2-array", "half-a-state", "state-in-version-2"],
)
def test_hand_edited_states_are_rejected(tmp_path, trained_adam, changes, message):
    path = edited_model_file(tmp_path, trained_adam, **changes)
    with pytest.raises(ValueError, match=message):
        fastnn.load(path)


@pytest.mark.parametrize("key", ["state_velocity_W1", "state_second_moment_b1"])
def test_a_huge_declared_state_shape_is_refused_before_reading(tmp_path, trained_adam, key):
    path = fastnn.save(tmp_path / "model.npz", trained_adam)
    _with_member(path, key, {"descr": "<f8", "fortran_order": False, "shape": (6 * 10**6, 2 * 10**6)}, bytes(96))
    with pytest.raises(ValueError, match=r"state_(velocity|second_moment)\['(W1|b1)'\] must have shape"):
        fastnn.load(path)


@pytest.mark.parametrize(
    "damage, message",
    [
        ("truncated", "not a readable fastnn model"),
        ("garbage", "not a fastnn model file"),
        ("empty", "not a fastnn model file"),
        ("npy", "not a fastnn model file"),
    ],
    ids=["truncated", "garbage", "empty", "npy"],
)
def test_corrupted_files_are_rejected(tmp_path, trained, damage, message):
    path = fastnn.save(tmp_path / "model.npz", trained)
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\0" + os.urandom(len(data)))   # never a zip's "PK" by chance
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        np.save(path.with_suffix(".npy"), np.zeros(3))
        path = path.with_suffix(".npy")
    with pytest.raises(ValueError, match=message):
        fastnn.load(path)


def _zip_of_text(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")


@pytest.mark.parametrize(
    "name, write",
    [
        ("study.png", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))),
        ("study.json", lambda p: p.write_text('[{"initialization": "he"}]')),
        ("report.docx", _zip_of_text),
        ("arrays.npz", lambda p: np.savez(p, W1=np.zeros((2, 2)))),
    ],
    ids=["png", "json", "zip", "npz"],
)
def test_a_file_that_is_not_a_model_is_called_that(tmp_path, name, write):
    # Not numpy's advice to load it "unsafely using allow_pickle=": a model never
    # needs that, and a user should not be told to try it.
    path = tmp_path / name
    write(path)
    with pytest.raises(ValueError, match=r"is not a fastnn model file \(as written by fastnn.save or fastnn --save\)") as info:
        fastnn.load(path)
    assert "pickle" not in str(info.value)


def test_predict_on_a_file_that_is_not_a_model_says_so(tmp_path, capsys):
    path = tmp_path / "study.json"
    path.write_text('[{"initialization": "he"}]')
    assert main(["--predict", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"fastnn: error: {path} is not a fastnn model file") and "pickle" not in err


def test_missing_file_and_wrong_argument():
    with pytest.raises(FileNotFoundError):
        fastnn.load("/nonexistent/model.npz")
    with pytest.raises(TypeError, match="result must be a TrainResult"):
        fastnn.save("model.npz", {"W1": np.zeros((1, 1))})


def test_command_line_saves_and_predicts(tmp_path, capsys):
    assert main(["--init", "he", "--iterations", "3000", "--no-plots", "--quiet",
                 "--save", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["--predict", str(tmp_path / "model_he.npz")]) == 0
    out = capsys.readouterr().out
    assert "train accuracy" in out and "test accuracy" in out and "TrainResult(" in out
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    assert main(["--predict", str(tmp_path / "bad.npz")]) == 2
    assert "not a fastnn model file" in capsys.readouterr().err


# ---------------------------------------------------------------- threads


# Three hundred iterations from x10 weights end with an infinite cost, which train
# warns about; the warning is right and not what this test is about.
@pytest.mark.filterwarnings("ignore:the final cost is infinite:RuntimeWarning")
def test_parallel_trainings_equal_sequential_ones():
    X, Y = random_problem(2, 3000, seed=9)
    jobs = [(init, seed) for init in ("he", "random", "zeros") for seed in (1, 2, 3)]

    def run(job):
        return fastnn.train(X, Y, [2, 10, 5, 1], job[0], num_iterations=300, seed=job[1], n_threads=1)

    sequential = [run(job) for job in jobs]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(run, jobs))
    for a, b in zip(sequential, parallel):
        np.testing.assert_array_equal(a.costs, b.costs)
        for key in a.parameters:
            np.testing.assert_array_equal(a.parameters[key], b.parameters[key])


def test_training_releases_the_gil():
    # One kernel call of ~0.5 s runs in a thread while the main thread records how
    # long it is ever kept from running Python. Holding the GIL, the kernel would
    # stop it for the whole call; released, the pauses are scheduling noise.
    X, Y = fastnn.make_donut(200_000, seed=3)
    X, Y = np.ascontiguousarray(X, dtype=float), np.ascontiguousarray(Y, dtype=float).reshape(1, -1)
    dims, offsets, n_params = engine._layout([2, 10, 5, 1])
    theta = engine.pack(fastnn.initialize_parameters([2, 10, 5, 1]), [2, 10, 5, 1])
    core = engine._kernel(None)
    costs, grad, progress = np.empty(100), np.empty(n_params), np.zeros(1, dtype=np.intp)
    worker = threading.Thread(
        target=core.train_chunk, args=(X, Y, dims, offsets, theta, grad, costs, progress, 0.01, 1)
    )
    start = time.perf_counter()
    longest, last = 0.0, start      # from before start(): a GIL-holding call could
    worker.start()                  # already freeze the main thread inside start()
    while worker.is_alive():
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    now = time.perf_counter()
    longest = max(longest, now - last)   # a pause that lasted until the call ended
    call = now - start
    worker.join()
    assert progress[0] == 100 and call > 0.2
    # GIL held: the longest pause would be about the whole call.
    assert longest < call / 3, f"main thread paused {longest:.3f} s during a {call:.3f} s kernel call"


# ---------------------------------------------------------------- resources


def _heap_bytes_in_use():
    """Bytes the process's heap holds for live allocations, or None where that
    cannot be read. Under AddressSanitizer (CI's debug stage) freed memory waits in a
    quarantine of up to 256 MB before reuse, so resident memory grows without a leak;
    the sanitizer's own count of allocated bytes leaves the quarantine out."""
    try:
        allocated = ctypes.CDLL(None).__sanitizer_get_current_allocated_bytes
    except AttributeError:
        return None
    allocated.restype = ctypes.c_size_t
    return allocated()


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads Linux's /proc")
def test_ten_thousand_calls_leave_memory_flat():
    def bytes_in_use():
        in_use = _heap_bytes_in_use()
        if in_use is not None:
            return in_use
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    X, Y = random_problem(2, 50, seed=4)

    def calls(n):
        for _ in range(n):
            result = fastnn.train(X, Y, [2, 4, 1], num_iterations=3)
            engine.predict_proba(X, result.parameters)
            engine.cost_and_gradients(X, Y, result.parameters)

    calls(500)                                   # warm-up: caches, allocator pools
    before = bytes_in_use()
    calls(10_000)
    growth = bytes_in_use() - before
    # A leak of even one 50-example array per call (400 bytes of data and its header)
    # would be > 4 MB here.
    assert growth < 4 * 2**20, f"memory in use grew by {growth / 2**20:.1f} MB"
