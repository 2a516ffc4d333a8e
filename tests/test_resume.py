"""train(..., resume=result) continues a run exactly, on both engines: N epochs and
then M more equal N + M in one call, bit for bit - the parameters, the costs and
the training state - also through a saved file and after a Ctrl-C."""
import dataclasses

import numpy as np
import pytest

import fastnn
from fastnn import engine, reference
from fastnn.result import TrainingState

from conftest import ENGINES, assert_parameters_close

MOONS_X, MOONS_Y = fastnn.load_moons()       # 300 examples: 5 mini-batches of 64 an epoch
DIMS = [2, 5, 2, 1]
RATES = {"gd": 0.1, "momentum": 0.1, "adam": 0.01}
BATCHES = {"full-batch": None, "batch-64": 64}
# A decay step at epochs 30, 60, ... that the split at 200 does not fall on, and
# dropout, whose masks are keyed by the epoch.
SCHEDULES = {"plain": {}, "decay-dropout-l2": dict(decay_rate=0.5, time_interval=30, keep_prob=0.8, l2=0.1)}
# Compiled vs oracle: as tests/test_compiled_course.py, summation order only.
RTOL = 1e-10


def _options(optimizer, batch="batch-64", schedule="decay-dropout-l2"):
    return dict(learning_rate=RATES[optimizer], optimizer=optimizer, mini_batch_size=BATCHES[batch],
                **SCHEDULES[schedule])


def assert_same_state(actual, expected):
    assert actual.options == expected.options
    assert (actual.epochs, actual.adam_steps) == (expected.epochs, expected.adam_steps)
    for part in ("velocity", "second_moment"):
        got, want = getattr(actual, part), getattr(expected, part)
        assert (got is None) == (want is None), part
        for key in want or {}:
            np.testing.assert_array_equal(got[key], want[key], err_msg=f"{part} {key}")


def assert_continues(pieces, whole):
    """The calls ``pieces``, each resumed from the one before, are ``whole``: their
    costs put together are its costs, and the last ends exactly where it does."""
    np.testing.assert_array_equal(np.concatenate([piece.costs for piece in pieces]), whole.costs)
    last = pieces[-1]
    assert last.parameters.keys() == whole.parameters.keys()
    for key in whole.parameters:
        np.testing.assert_array_equal(last.parameters[key], whole.parameters[key], err_msg=key)
    assert_same_state(last.state, whole.state)
    assert (last.layers_dims, last.initialization, last.seed, last.learning_rate) == (
        whole.layers_dims, whole.initialization, whole.seed, whole.learning_rate)


# ---------------------------------------------------------------- continuing exactly


@pytest.mark.parametrize("schedule", list(SCHEDULES))
@pytest.mark.parametrize("batch", list(BATCHES))
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_200_epochs_then_100_equal_300_in_one_go(engine_module, optimizer, batch, schedule):
    options = _options(optimizer, batch, schedule)
    whole = engine_module.train(MOONS_X, MOONS_Y, DIMS, num_iterations=300, **options)
    first = engine_module.train(MOONS_X, MOONS_Y, DIMS, num_iterations=200, **options)
    second = engine_module.train(MOONS_X, MOONS_Y, num_iterations=100, resume=first, **options)
    assert_continues([first, second], whole)
    assert len(second.costs) == 100 and second.state.epochs == 300
    assert abs(whole.costs[-1] - whole.costs[0]) > 1e-3                 # it trained


def test_the_study_continues_bit_for_bit(engine_module, study_data, capsys):
    # As the chunk test of tests/test_study.py does with parameters=, which the
    # study's plain gradient descent allows; printing goes on counting too.
    train_X, train_Y, _, _ = study_data
    whole = engine_module.train(train_X, train_Y, num_iterations=15000, print_cost=True)
    printed = capsys.readouterr().out
    first = engine_module.train(train_X, train_Y, num_iterations=10000, print_cost=True)
    second = engine_module.train(train_X, train_Y, num_iterations=5000, print_cost=True, resume=first)
    assert capsys.readouterr().out == printed
    assert printed.splitlines()[-1].startswith("Cost after iteration 14000: ")
    assert_continues([first, second], whole)
    assert second.initialization == "he" and second.seed == 3


def test_resuming_the_study_keeps_its_kernel_loop(monkeypatch):
    calls = []
    core = engine._kernel(None)
    first = fastnn.train(MOONS_X, MOONS_Y, num_iterations=20)
    monkeypatch.setattr(engine, "_kernel", lambda build, dtype=None: _Spy(core, calls))
    fastnn.train(MOONS_X, MOONS_Y, num_iterations=20, resume=first)
    assert set(calls) == {"train_chunk"}


class _Spy:
    """The kernel module, recording each training call by name; ``interrupt_at``
    raises KeyboardInterrupt instead of that call (counted from 1), as a Ctrl-C
    seen between two kernel calls does."""

    def __init__(self, core, calls, interrupt_at=None):
        self._core, self._calls, self._interrupt_at = core, calls, interrupt_at

    def __getattr__(self, name):
        function = getattr(self._core, name)
        if name not in ("train_chunk", "train_epochs"):
            return function

        def call(*args, **kwargs):
            self._calls.append(name)
            if len(self._calls) == self._interrupt_at:
                raise KeyboardInterrupt
            return function(*args, **kwargs)

        return call


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_the_state_counts_the_whole_run(engine_module, optimizer):
    first = engine_module.train(MOONS_X, MOONS_Y, DIMS, num_iterations=20, **_options(optimizer))
    second = engine_module.train(MOONS_X, MOONS_Y, num_iterations=10, resume=first, **_options(optimizer))
    state = second.state
    assert isinstance(state, TrainingState)
    assert state.epochs == 30 and second.num_iterations == 10
    assert state.adam_steps == (30 * 5 if optimizer == "adam" else 0)
    assert (state.velocity is None) == (optimizer == "gd")
    assert (state.second_moment is None) == (optimizer != "adam")
    for part in (state.velocity, state.second_moment):
        if part is not None:
            assert {key: value.shape for key, value in part.items()} == {
                key: value.shape for key, value in second.parameters.items()}
    assert state.options == first.state.options
    assert "epochs=30" in repr(state)


def test_the_engines_keep_the_same_state():
    options = _options("adam")
    compiled = fastnn.train(MOONS_X, MOONS_Y, DIMS, num_iterations=30, **options)
    oracle = reference.train(MOONS_X, MOONS_Y, DIMS, num_iterations=30, **options)
    assert (compiled.state.epochs, compiled.state.adam_steps) == (oracle.state.epochs, oracle.state.adam_steps)
    assert_parameters_close(compiled.state.velocity, oracle.state.velocity, RTOL)
    assert_parameters_close(compiled.state.second_moment, oracle.state.second_moment, RTOL)


@pytest.mark.parametrize("resumed_on", sorted(ENGINES))
@pytest.mark.parametrize("trained_on", sorted(ENGINES))
def test_a_run_resumes_on_either_engine(trained_on, resumed_on):
    options = _options("momentum")
    first = ENGINES[trained_on].train(MOONS_X, MOONS_Y, DIMS, num_iterations=20, **options)
    second = ENGINES[resumed_on].train(MOONS_X, MOONS_Y, num_iterations=10, resume=first, **options)
    whole = reference.train(MOONS_X, MOONS_Y, DIMS, num_iterations=30, **options)
    np.testing.assert_allclose(second.costs, whole.costs[20:], rtol=RTOL, atol=0)
    assert_parameters_close(second.parameters, whole.parameters, RTOL)
    assert second.engine == resumed_on


def test_parameters_still_start_afresh(engine_module):
    options = _options("adam")
    first = engine_module.train(MOONS_X, MOONS_Y, DIMS, num_iterations=20, **options)
    afresh = engine_module.train(MOONS_X, MOONS_Y, num_iterations=10, parameters=first.parameters, **options)
    assert (afresh.state.epochs, afresh.state.adam_steps) == (10, 50)
    assert afresh.initialization is None
    resumed = engine_module.train(MOONS_X, MOONS_Y, num_iterations=10, resume=first, **options)
    assert not np.array_equal(afresh.costs, resumed.costs)


# ---------------------------------------------------------------- saved and interrupted runs


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_a_saved_run_resumes_bit_for_bit(engine_module, tmp_path, optimizer):
    options = _options(optimizer)
    whole = engine_module.train(MOONS_X, MOONS_Y, DIMS, num_iterations=300, **options)
    first = engine_module.train(MOONS_X, MOONS_Y, DIMS, num_iterations=200, **options)
    loaded = fastnn.load(fastnn.save(tmp_path / "model.npz", first))
    assert_same_state(loaded.state, first.state)
    second = engine_module.train(MOONS_X, MOONS_Y, num_iterations=100, resume=loaded, **options)
    assert_continues([first, second], whole)


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_a_ctrl_c_of_the_compiled_engine_resumes_exactly(optimizer, monkeypatch):
    # Kernel calls of 7 epochs; Ctrl-C is seen before the third call of a run
    # already resumed once: its partial result holds the 100 + 14 epochs done.
    options = _options(optimizer)
    whole = fastnn.train(MOONS_X, MOONS_Y, DIMS, num_iterations=300, **options)
    first = fastnn.train(MOONS_X, MOONS_Y, DIMS, num_iterations=100, **options)
    monkeypatch.setattr(engine, "CHUNK", 7)
    core = engine._kernel(None)
    with monkeypatch.context() as patch:
        patch.setattr(engine, "_kernel", lambda build, dtype=None: _Spy(core, [], interrupt_at=3))
        with pytest.raises(KeyboardInterrupt) as info:
            fastnn.train(MOONS_X, MOONS_Y, num_iterations=200, resume=first, **options)
    partial = info.value.partial_result
    assert (partial.num_iterations, partial.state.epochs) == (14, 114)
    rest = fastnn.train(MOONS_X, MOONS_Y, num_iterations=186, resume=partial, **options)
    assert_continues([first, partial, rest], whole)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_a_ctrl_c_of_the_oracle_between_mini_batches_resumes_exactly(optimizer, monkeypatch):
    # Ctrl-C at the 4th of the 5 mini-batches of epoch 14: the partial result is
    # the 14 epochs finished, without the three updates of the unfinished one.
    options = _options(optimizer, schedule="plain")
    whole = reference.train(MOONS_X, MOONS_Y, DIMS, num_iterations=30, **options)
    update = {"gd": "update", "momentum": "update_with_momentum", "adam": "update_with_adam"}[optimizer]
    calls = []

    def interrupted(*args, _update=getattr(reference, update)):
        calls.append(None)
        if len(calls) == 14 * 5 + 4:
            raise KeyboardInterrupt
        return _update(*args)

    with monkeypatch.context() as patch:
        patch.setattr(reference, update, interrupted)
        with pytest.raises(KeyboardInterrupt) as info:
            reference.train(MOONS_X, MOONS_Y, DIMS, num_iterations=30, **options)
    partial = info.value.partial_result
    assert (partial.num_iterations, partial.state.epochs) == (14, 14)
    assert partial.state.adam_steps == (14 * 5 if optimizer == "adam" else 0)
    rest = reference.train(MOONS_X, MOONS_Y, num_iterations=16, resume=partial, **options)
    assert_continues([partial, rest], whole)


# ---------------------------------------------------------------- refused before anything runs


@pytest.fixture(scope="module")
def adam_run():
    return fastnn.train(MOONS_X, MOONS_Y, DIMS, num_iterations=20, **_options("adam"))


def _with_state(result, **changes):
    return dataclasses.replace(result, state=dataclasses.replace(result.state, **changes))


def _call(resume, **overrides):
    arguments = dict(num_iterations=5, resume=resume, **_options("adam"))
    arguments.update(overrides)
    X = arguments.pop("X", MOONS_X)
    return X, arguments


BAD_RESUMES = {
    "not-a-result": (lambda r: (r.parameters, {}), TypeError, "resume must be a TrainResult .* got dict"),
    "no-state": (lambda r: (dataclasses.replace(r, state=None), {}), ValueError,
                 r"resume: the result has no training state .* parameters=result.parameters"),
    "with-parameters": (lambda r: (r, {"parameters": r.parameters}), ValueError,
                        "pass parameters .* or resume .*, not both"),
    "other-layers": (lambda r: (r, {"layers_dims": [2, 4, 1]}), ValueError,
                     r"resume: layers_dims=\[2, 4, 1\] but the result's network is \[2, 5, 2, 1\]"),
    "other-X": (lambda r: (r, {"X": np.vstack([MOONS_X, MOONS_X[:1]])}), ValueError,
                r"resume: the result's network does not fit X of shape \(3, 300\)"),
    "other-optimizer": (lambda r: (r, {"optimizer": "gd"}), ValueError,
                        r"resume: optimizer='gd' but the result was trained with 'adam'; pass the same"
                        r" options \(optimizer='adam'\) or start afresh"),
    "other-learning-rate": (lambda r: (r, {"learning_rate": 0.02}), ValueError,
                            r"learning_rate=0.02 but the result was trained with 0.01"),
    "defaults": (lambda r: (r, {"learning_rate": 0.01, "optimizer": "gd", "mini_batch_size": None,
                                "decay_rate": 0.0, "time_interval": 1000, "keep_prob": 1.0, "l2": 0.0}),
                 ValueError, r"optimizer='gd' .*, mini_batch_size=None but the result was trained with 64, .*"
                             r"keep_prob=1.0 but the result was trained with 0.8; pass the same options"
                             r" \(optimizer='adam', mini_batch_size=64, .*\)"),
    "gain": (lambda r: (r, {"gain": 2.0}), ValueError, "resume draws none; got gain=2.0"),
    "state-type": (lambda r: (dataclasses.replace(r, state={"epochs": 20}), {}), TypeError,
                   "resume.state must be a TrainingState, got dict"),
    "options-type": (lambda r: (_with_state(r, options={}), {}), TypeError,
                     "resume.state.options must be TrainingOptions"),
    "velocity-shape": (lambda r: (_with_state(r, velocity={**r.state.velocity, "W1": np.zeros((2, 5))}), {}),
                       ValueError, r"resume.state.velocity\['W1'\] must have shape \(5, 2\)"),
    "no-second-moment": (lambda r: (_with_state(r, second_moment=None), {}), ValueError,
                         "resume.state.second_moment is missing: optimizer 'adam' keeps one"),
    "negative-moment": (lambda r: (_with_state(r, second_moment={**r.state.second_moment,
                                                                 "b3": -np.ones((1, 1))}), {}),
                        ValueError, r"resume.state.second_moment\['b3'\] must be >= 0"),
    "nan-velocity": (lambda r: (_with_state(r, velocity={**r.state.velocity, "b1": np.full((5, 1), np.nan)}), {}),
                     ValueError, r"resume.state.velocity\['b1'\] contains NaN or inf"),
    "negative-steps": (lambda r: (_with_state(r, adam_steps=-1), {}), ValueError,
                       r"resume.state.adam_steps must be an int from 0 to 2\*\*63 - 1, got -1"),
    "fewer-epochs-than-costs": (lambda r: (_with_state(r, epochs=3), {}), ValueError,
                                "resume.state.epochs must count at least the 20 iterations"),
    "bad-options": (lambda r: (_with_state(r, options=dataclasses.replace(r.state.options, beta1=1.5)), {}),
                    ValueError, r"resume.state.options: beta1 must be in \[0, 1\), got 1.5"),
    "shuffle-seeds-run-out": (
        lambda r: (_with_state(r, options=dataclasses.replace(r.state.options, shuffle_seed=2**32 - 23)),
                   {"shuffle_seed": 2**32 - 23}),
        ValueError, r"resume: shuffle_seed must be an int from 0 to 2\*\*32 - 1 - num_iterations = 4294967270"
                    r" .* \(with the 20 epochs already trained counted in num_iterations\)"),
}


@pytest.mark.parametrize("case", list(BAD_RESUMES))
def test_a_bad_resume_is_refused_with_its_reason(engine_module, adam_run, case):
    make, error, message = BAD_RESUMES[case]
    resume, overrides = make(adam_run)
    X, arguments = _call(resume, **overrides)
    with pytest.raises(error, match=message):
        engine_module.train(X, MOONS_Y, **arguments)


def test_a_partial_result_with_no_finished_epoch_resumes(engine_module):
    # A Ctrl-C before the first epoch finished: nothing to add, nothing lost.
    options = _options("adam")
    first = engine_module.train(MOONS_X, MOONS_Y, DIMS, num_iterations=10, **options)
    empty = dataclasses.replace(first, costs=first.costs[:0])
    second = engine_module.train(MOONS_X, MOONS_Y, num_iterations=5, resume=empty, **options)
    assert second.state.epochs == 15
