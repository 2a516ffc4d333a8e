"""The course's optimisation and regularisation options on the compiled engine:
mini-batches, momentum, Adam, learning-rate decay, L2 and dropout, held to the NumPy oracle
(which tests/test_reference_course.py holds to the course's own code) at every
epoch, and the optimisation study's published accuracies."""
import warnings

import numpy as np
import pytest

import fastnn
from fastnn import _dispatch, engine, reference

from conftest import assert_parameters_close
from test_reference_course import BAD_OPTIONS, PUBLISHED_ACCURACY, SMALL, X0, Y0

BUILDS = _dispatch.available_builds()
# Compiled vs oracle, per epoch: the engines differ in summation order only (measured
# <= 6.4e-16 relative over 30 epochs of every combination below); 1e-10, the suite's
# COST_RTOL, leaves room for other compilers and BLAS and catches any real difference.
RTOL = 1e-10

MOONS_X, MOONS_Y = fastnn.load_moons()
DIMS = [2, 5, 4, 3, 1]                 # three hidden layers: every rule runs at depth
START = fastnn.initialize_parameters(DIMS, "he", 3)
EPOCHS = 30
LEARNING_RATES = {"gd": 0.3, "momentum": 0.3, "adam": 0.01}
# 300 examples: 64 leaves a remainder of 44, 100 divides them, 1000 is one shuffled batch.
BATCHES = {"full-batch": None, "batch-64": 64, "batch-100": 100, "batch-1000": 1000}
DECAYS = {"no-decay": {}, "decay": {"decay_rate": 0.5, "time_interval": 7}}


def _both(**options):
    arguments = dict(parameters=START, num_iterations=EPOCHS, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # a final cost of inf is not the point
        compiled = fastnn.train(MOONS_X, MOONS_Y, **arguments)
        oracle = reference.train(MOONS_X, MOONS_Y, **arguments)
    return compiled, oracle


@pytest.mark.parametrize("decay", sorted(DECAYS))
@pytest.mark.parametrize("l2", [0.0, 0.7], ids=["no-l2", "l2-0.7"])
@pytest.mark.parametrize("batch", list(BATCHES))
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_compiled_equals_the_oracle_at_every_epoch(optimizer, batch, l2, decay):
    compiled, oracle = _both(optimizer=optimizer, mini_batch_size=BATCHES[batch], l2=l2,
                             learning_rate=LEARNING_RATES[optimizer], **DECAYS[decay])
    np.testing.assert_allclose(compiled.costs, oracle.costs, rtol=RTOL, atol=0)
    assert_parameters_close(compiled.parameters, oracle.parameters, RTOL)
    assert abs(oracle.costs[-1] - oracle.costs[0]) > 1e-3      # it trained


@pytest.mark.parametrize("build", BUILDS)
def test_every_build_runs_the_options(build):
    options = dict(optimizer="adam", mini_batch_size=64, l2=0.3, decay_rate=1.0, time_interval=5,
                   learning_rate=0.01, parameters=START, num_iterations=EPOCHS)
    compiled = fastnn.train(MOONS_X, MOONS_Y, kernel=build, **options)
    oracle = reference.train(MOONS_X, MOONS_Y, **options)
    np.testing.assert_allclose(compiled.costs, oracle.costs, rtol=RTOL, atol=0)


@pytest.mark.parametrize("optimizer", sorted(PUBLISHED_ACCURACY))
def test_the_optimisation_study_gives_its_published_accuracy(optimizer):
    # The course: np.random.seed(3); make_moons(300, noise=.2); [2, 5, 2, 1], He
    # initialisation with seed 3, lr 0.0007, mini-batches of 64, 10000 epochs.
    result = fastnn.train(MOONS_X, MOONS_Y, [2, 5, 2, 1], "he", 0.0007, 10000, seed=3,
                          optimizer=optimizer, mini_batch_size=64)
    assert round(fastnn.accuracy(MOONS_X, MOONS_Y, result.parameters), 4) == PUBLISHED_ACCURACY[optimizer]


def test_thread_count_never_changes_a_momentum_run():
    # 6,000 examples make three groups of blocks, so 2 and 3 threads really split them.
    X, Y = fastnn.make_moons(6000, seed=5)
    runs = [fastnn.train(X, Y, [2, 8, 4, 1], num_iterations=20, learning_rate=0.1, optimizer="momentum",
                         l2=0.1, n_threads=threads) for threads in (1, 2, 3)]
    for run in runs[1:]:
        np.testing.assert_array_equal(run.costs, runs[0].costs)
        for key in run.parameters:
            np.testing.assert_array_equal(run.parameters[key], runs[0].parameters[key])


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_chunks_carry_the_optimiser_state(optimizer, monkeypatch):
    # Kernel calls of 3 epochs, then of all 25: the velocities, Adam's moments and
    # its step count pass from one call to the next, so the results are identical.
    options = dict(layers_dims=[2, 5, 2, 1], num_iterations=25, learning_rate=0.01,
                   optimizer=optimizer, mini_batch_size=64, decay_rate=0.3, time_interval=4)
    whole = fastnn.train(MOONS_X, MOONS_Y, **options)
    monkeypatch.setattr(engine, "CHUNK", 3)
    chunked = fastnn.train(MOONS_X, MOONS_Y, **options)
    np.testing.assert_array_equal(chunked.costs, whole.costs)
    for key in whole.parameters:
        np.testing.assert_array_equal(chunked.parameters[key], whole.parameters[key])


def test_defaults_still_run_the_study_loop(monkeypatch):
    # The study's full-batch gradient descent keeps its own kernel loop (and its speed).
    calls = []
    core = engine._kernel(None)
    monkeypatch.setattr(engine, "_kernel", lambda build, dtype=None: _Spy(core, calls))
    fastnn.train(X0, Y0, **SMALL)
    assert set(calls) == {"train_chunk"}
    fastnn.train(X0, Y0, **SMALL, optimizer="momentum")
    assert calls[-1] == "train_epochs"


class _Spy:
    def __init__(self, core, calls):
        self._core, self._calls = core, calls

    def __getattr__(self, name):
        if name.startswith(("train_", "gradient", "forward")):
            self._calls.append(name)
        return getattr(self._core, name)


def test_divergence_stops_at_the_oracles_epoch():
    options = dict(layers_dims=[2, 4, 1], num_iterations=50, learning_rate=1e300, optimizer="momentum",
                   mini_batch_size=32)
    with pytest.raises(FloatingPointError, match=r"diverged.* at iteration (\d+) ") as compiled:
        fastnn.train(MOONS_X * 1e150, MOONS_Y, **options)
    with pytest.raises(FloatingPointError, match=r"diverged.* at iteration (\d+) ") as oracle:
        reference.train(MOONS_X * 1e150, MOONS_Y, **options)
    assert str(compiled.value) == str(oracle.value)


@pytest.mark.parametrize("keep_prob", [0.8, 0.5])
@pytest.mark.parametrize("batch", ["full-batch", "batch-64"])
@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_dropout_equals_the_oracle_at_every_epoch(optimizer, batch, keep_prob):
    # The kernel draws the oracle's masks (SplitMix64 keyed by seed, epoch, step,
    # layer, unit and example), so the runs agree as closely as without dropout.
    compiled, oracle = _both(optimizer=optimizer, mini_batch_size=BATCHES[batch], keep_prob=keep_prob,
                             l2=0.3, learning_rate=LEARNING_RATES[optimizer], shuffle_seed=4)
    np.testing.assert_allclose(compiled.costs, oracle.costs, rtol=RTOL, atol=0)
    assert_parameters_close(compiled.parameters, oracle.parameters, RTOL)
    plain, _ = _both(optimizer=optimizer, mini_batch_size=BATCHES[batch], l2=0.3,
                     learning_rate=LEARNING_RATES[optimizer], shuffle_seed=4)
    assert abs(plain.costs[-1] - compiled.costs[-1]) > 1e-6      # dropout did something


@pytest.mark.parametrize("build", BUILDS)
def test_every_build_draws_the_same_masks(build):
    options = dict(mini_batch_size=100, keep_prob=0.7, learning_rate=0.1, parameters=START,
                   num_iterations=EPOCHS)
    compiled = fastnn.train(MOONS_X, MOONS_Y, kernel=build, **options)
    oracle = reference.train(MOONS_X, MOONS_Y, **options)
    np.testing.assert_allclose(compiled.costs, oracle.costs, rtol=RTOL, atol=0)


def test_thread_count_never_changes_a_dropout_run():
    # Full batch over 6,000 examples: three groups of blocks, each drawing the masks
    # of its own examples; the masks depend on the example, not on who draws them.
    X, Y = fastnn.make_moons(6000, seed=5)
    runs = [fastnn.train(X, Y, [2, 8, 4, 1], num_iterations=20, learning_rate=0.1, keep_prob=0.6,
                         n_threads=threads) for threads in (1, 2, 3)]
    for run in runs[1:]:
        np.testing.assert_array_equal(run.costs, runs[0].costs)
        for key in run.parameters:
            np.testing.assert_array_equal(run.parameters[key], runs[0].parameters[key])


@pytest.mark.parametrize("case", sorted(BAD_OPTIONS))
def test_bad_options_are_rejected_before_anything_runs(case):
    options, error, message = BAD_OPTIONS[case]
    drawn = []

    def scheme(fan_out, fan_in, rng):
        drawn.append((fan_out, fan_in))
        return rng.randn(fan_out, fan_in)

    with pytest.raises(error, match=message):
        fastnn.train(X0, Y0, **SMALL, initialization=scheme, **options)
    assert drawn == []


def test_a_call_holds_a_bounded_number_of_permutations():
    # With mini-batches each kernel call takes its epochs' permutations: a tiny
    # network over many examples must not get a thousand epochs of them at once.
    assert engine._chunk_iterations(100_000, 3, mini_batches=True) * 100_000 <= engine.CHUNK_EXAMPLES
    assert engine._chunk_iterations(100_000, 3) == engine.CHUNK        # full batch: none
    assert engine._chunk_iterations(10_000_000, 3, mini_batches=True) == 1
