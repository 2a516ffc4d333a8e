"""The kernel's own entry checks: its last line of defence behind fastnn._validate.

The loops run without bounds checks and index every array with the sizes that
``dims`` and ``X`` imply, so an array shorter than that would be read or written
out of bounds. The Python layer never makes such a call; these tests make it on
purpose, on every build this machine runs, and expect a ValueError each time.
"""
import numpy as np
import pytest

import fastnn
from fastnn import _dispatch, engine

BUILDS = _dispatch.available_builds()
DIMS = [2, 10, 5, 1]


def _arguments(m=37):
    X, Y = fastnn.make_donut(m, seed=4)
    dims, offsets, n_params = engine._layout(DIMS)
    theta = engine.pack(fastnn.initialize_parameters(DIMS, "he", 3), DIMS)
    return {
        "X": np.ascontiguousarray(X, dtype=np.float64),
        "Y": np.ascontiguousarray(Y, dtype=np.float64).reshape(1, -1),
        "dims": dims,
        "offsets": offsets,
        "theta": theta,
        "grad": np.empty(n_params),
        "costs": np.empty(3),
        "progress": np.zeros(1, dtype=np.intp),
        "out": np.empty((1, m)),
        "output": 0,
        "weights": None,
        "hidden": 0,
        # train_epochs: three epochs of mini-batches of 16 with Adam, L2 and dropout
        "rates": np.full(3, 0.01),
        "keep_prob": 0.8,
        "permutations": np.array([np.random.RandomState(e).permutation(m) for e in range(3)]),
        "optimizer": 2,
        "velocity": np.zeros(n_params),
        "moment": np.zeros(n_params),
        "steps": np.zeros(1, dtype=np.intp),
    }


def _train(core, a):
    return core.train_chunk(a["X"], a["Y"], a["dims"], a["offsets"], a["theta"], a["grad"],
                            a["costs"], a["progress"], 0.01, 1, a["output"], a["hidden"])


def _train_epochs(core, a):
    return core.train_epochs(a["X"], a["Y"], a["dims"], a["offsets"], a["theta"], a["grad"],
                             a["costs"], a["progress"], a["rates"], a["permutations"], 16,
                             a["optimizer"], 0.9, 0.9, 0.999, 1e-8, 0.1, a["keep_prob"], 4, 0,
                             a["velocity"], a["moment"], a["steps"], 1, a["output"], a["hidden"],
                             sample_weight=a["weights"])


def _gradient(core, a):
    return core.gradient(a["X"], a["Y"], a["dims"], a["offsets"], a["theta"], a["grad"], 1,
                         a["output"], a["hidden"], sample_weight=a["weights"])


def _forward(core, a):
    return core.forward(a["X"], a["dims"], a["offsets"], a["theta"], a["out"], 1,
                        a["output"], a["hidden"])


CALLS = {"train_chunk": _train, "train_epochs": _train_epochs, "gradient": _gradient, "forward": _forward}
TRAINING = ("train_chunk", "train_epochs")

# Each damage: (name, which calls read the damaged argument, how to damage it).
DAMAGES = [
    ("theta too short", CALLS, lambda a: a.update(theta=a["theta"][:-1].copy())),
    ("theta too long", CALLS, lambda a: a.update(theta=np.append(a["theta"], 0.0))),
    ("grad too short", (*TRAINING, "gradient"), lambda a: a.update(grad=a["grad"][:-1].copy())),
    ("offsets too short", CALLS, lambda a: a.update(offsets=a["offsets"][:-1].copy())),
    ("offsets out of place", CALLS, lambda a: a["offsets"].__setitem__(3, a["offsets"][3] + 1)),
    ("Y too short", (*TRAINING, "gradient"), lambda a: a.update(Y=a["Y"][:, :-1].copy())),
    ("Y with another K", (*TRAINING, "gradient"), lambda a: a.update(Y=np.vstack([a["Y"], a["Y"]]))),
    ("X with another n_x", CALLS, lambda a: a.update(X=np.vstack([a["X"], a["X"][:1]]))),
    ("two outputs", CALLS, lambda a: a["dims"].__setitem__(3, 2)),
    ("a zero-width layer", CALLS, lambda a: a["dims"].__setitem__(2, 0)),
    ("out too short", ("forward",), lambda a: a.update(out=a["out"][:, :-1].copy())),
    ("out with another K", ("forward",), lambda a: a.update(out=np.empty((2, a["X"].shape[1])))),
    ("an unknown output", CALLS, lambda a: a.update(output=3)),
    ("a negative output", CALLS, lambda a: a.update(output=-1)),
    ("an unknown activation", CALLS, lambda a: a.update(hidden=4)),
    ("dropout without relu", ("train_epochs",), lambda a: a.update(hidden=1)),
    ("no progress counter", TRAINING, lambda a: a.update(progress=np.zeros(0, dtype=np.intp))),
    ("a rate short", ("train_epochs",), lambda a: a.update(rates=a["rates"][:-1].copy())),
    ("an example past the end", ("train_epochs",), lambda a: a["permutations"].__setitem__((1, 5), 37)),
    ("a negative example", ("train_epochs",), lambda a: a["permutations"].__setitem__((2, 0), -1)),
    ("permutations of another m", ("train_epochs",), lambda a: a.update(permutations=a["permutations"][:, :-1].copy())),
    ("an epoch's permutation short", ("train_epochs",), lambda a: a.update(permutations=a["permutations"][:-1].copy())),
    ("velocity short", ("train_epochs",), lambda a: a.update(velocity=a["velocity"][:-1].copy())),
    ("second moment short", ("train_epochs",), lambda a: a.update(moment=a["moment"][:-1].copy())),
    ("no step counter", ("train_epochs",), lambda a: a.update(steps=np.zeros(0, dtype=np.intp))),
    ("an unknown optimiser", ("train_epochs",), lambda a: a.update(optimizer=5)),
    ("sample weights short", ("train_epochs", "gradient"), lambda a: a.update(weights=np.ones(a["X"].shape[1] - 1))),
    ("keep_prob 0", ("train_epochs",), lambda a: a.update(keep_prob=0.0)),
    ("keep_prob above 1", ("train_epochs",), lambda a: a.update(keep_prob=1.5)),
]


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("call", sorted(CALLS))
def test_untouched_arguments_are_accepted(build, call):
    # The baseline of the attacks below: the same call with nothing damaged runs.
    CALLS[call](_dispatch.load(build), _arguments())


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize(
    "call, damage",
    [(call, damage) for name, calls, damage in DAMAGES for call in calls],
    ids=[f"{call}-{name}" for name, calls, _ in DAMAGES for call in calls],
)
def test_arrays_that_do_not_fit_the_network_are_refused(build, call, damage):
    arguments = _arguments()
    damage(arguments)
    theta_before = arguments["theta"].copy()
    with pytest.raises(ValueError, match="kernel called with"):
        CALLS[call](_dispatch.load(build), arguments)
    np.testing.assert_array_equal(arguments["theta"], theta_before)


def _wrapped_layout(dims):
    """The offsets and parameter count of ``dims`` counted as 64-bit C integers do,
    wrapping around: what an entry check with that arithmetic would accept."""
    def wrap(x):
        return (x + 2**63) % 2**64 - 2**63

    offsets, position = [], 0
    for l in range(1, len(dims)):
        offsets.append(position)
        position = wrap(position + dims[l] * dims[l - 1])
        offsets.append(position)
        position = wrap(position + dims[l])
    return np.array(offsets, dtype=np.intp), position


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("call", sorted(CALLS))
def test_layer_sizes_whose_counts_overflow_are_refused(build, call):
    # [1, 2**62, 2, 1] has 2**63 + 2**62 + 5 parameters, which 64-bit arithmetic
    # wraps round to 5: a theta of 5 values and offsets that fit the wrapped count
    # would otherwise pass, and the loops would run over a layer of 2**62 units.
    dims = [1, 2**62, 2, 1]
    offsets, n_params = _wrapped_layout(dims)
    assert n_params == 5
    arguments = _arguments(m=8)
    arguments.update(X=np.ones((1, 8)), dims=np.array(dims, dtype=np.intp), offsets=offsets,
                     theta=np.zeros(n_params), grad=np.zeros(n_params))
    with pytest.raises(ValueError, match="kernel called with"):
        CALLS[call](_dispatch.load(build), arguments)


@pytest.mark.parametrize("build", BUILDS)
def test_epochs_run_one_at_a_time_equal_one_call(build):
    # The Epochs object train_epochs makes, kept and run epoch by epoch (as the
    # scikit-learn estimators run it), trains bit for bit as one call.
    core = _dispatch.load(build)
    whole, parts = _arguments(), _arguments()
    _train_epochs(core, whole)
    epochs = core.Epochs(parts["X"], parts["Y"], parts["dims"], parts["offsets"], parts["theta"], parts["grad"],
                         16, parts["optimizer"], 0.9, 0.9, 0.999, 1e-8, 0.1, parts["keep_prob"], 4,
                         parts["velocity"], parts["moment"], parts["steps"], 1)
    costs = np.empty(3)
    for e in range(3):
        assert epochs.run(costs[e:e + 1], parts["progress"], parts["rates"][e:e + 1],
                          parts["permutations"][e:e + 1].copy(), e) == 1
        assert epochs.finite
    np.testing.assert_array_equal(costs, whole["costs"])
    for key in ("theta", "velocity", "moment", "steps", "progress"):
        np.testing.assert_array_equal(parts[key], whole[key])
    with pytest.raises(ValueError, match="kernel called with"):
        epochs.run(costs[:1], parts["progress"], parts["rates"][:1], None, 0)        # full batch: not this one's
    with pytest.raises(ValueError, match="kernel called with example 37 of 37"):
        epochs.run(costs[:1], parts["progress"], parts["rates"][:1], np.full((1, 37), 37, dtype=np.intp), 0)


def _epochs_from(core, X, Y, dims, dtype, batch_size, X_rows=None):
    """An Adam Epochs object (scikit-learn's form) on X, from fixed parameters."""
    layout, offsets, n_params = engine._layout(dims)
    theta = np.random.RandomState(5).uniform(-0.5, 0.5, n_params).astype(dtype)
    state = (np.zeros(n_params, dtype), np.zeros(n_params, dtype), np.zeros(1, dtype=np.intp))
    epochs = core.Epochs(X, Y, layout, offsets, theta, np.empty(n_params, dtype), batch_size,
                         4, 0.0, 0.9, 0.999, 1e-8, 1e-4, 1.0, 0, *state, 1,
                         sklearn_loss=True, X_rows=X_rows)
    return epochs, theta


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("precision", ["float64", "float32"])
@pytest.mark.parametrize("n_x", [1, 3, 4, 9])
def test_epochs_gather_from_rows_as_from_columns(build, precision, n_x):
    # Given X's rows too (X_rows), Epochs gathers each mini-batch from them, four
    # examples and four features at a time, transposed in registers; it must train
    # on the same batches, bit for bit, as when it gathers from X's columns. Feature
    # counts below, at and past one block of four; batches of 16, 16 and 5 (a last
    # block of one example) and of 6.
    core = _dispatch.load(build, precision)
    dtype = np.float32 if precision == "float32" else np.float64
    rng = np.random.RandomState(n_x)
    m = 37
    rows = rng.standard_normal((m, n_x)).astype(dtype)
    X = np.ascontiguousarray(rows.T)
    Y = (rng.uniform(size=(1, m)) < 0.5).astype(dtype)
    orders = np.array([rng.permutation(m) for _ in range(3)])
    for batch_size in (16, 6):
        results = []
        for X_rows in (None, rows):
            epochs, theta = _epochs_from(core, X, Y, [n_x, 7, 1], dtype, batch_size, X_rows)
            costs = np.empty(3)
            epochs.run(costs, np.zeros(1, dtype=np.intp), np.full(3, 0.01), orders, 0)
            results.append((costs, theta))
        np.testing.assert_array_equal(results[0][0], results[1][0])
        np.testing.assert_array_equal(results[0][1], results[1][1])


@pytest.mark.parametrize("build", BUILDS)
def test_epochs_refuse_rows_of_another_shape(build):
    core = _dispatch.load(build)
    X = np.ones((3, 10))
    for rows in (np.ones((10, 2)), np.ones((9, 3)), np.ones((3, 10))):
        with pytest.raises(ValueError, match=r"kernel called with X_rows of shape"):
            _epochs_from(core, X, np.ones((1, 10)), [3, 4, 1], np.float64, 4, rows)


@pytest.mark.parametrize("build", BUILDS)
def test_epochs_keep_their_own_layer_sizes(build):
    # An Epochs object outlives the call that made it: the layer sizes and offsets
    # it checked must stay what it runs on, whatever becomes of the caller's arrays
    # (here changed to sizes far past every buffer, then dropped).
    core = _dispatch.load(build)
    runs = []
    for spoil in (False, True):
        a = _arguments()
        dims, offsets = a["dims"].copy(), a["offsets"].copy()
        epochs = core.Epochs(a["X"], a["Y"], dims, offsets, a["theta"], a["grad"], 16, 2, 0.9, 0.9,
                             0.999, 1e-8, 0.1, 1.0, 4, a["velocity"], a["moment"], a["steps"], 1)
        if spoil:
            dims[...] = 10**9
            offsets[...] = 10**12
            del dims, offsets
        epochs.run(a["costs"], a["progress"], a["rates"], a["permutations"], 0)
        runs.append((a["costs"].copy(), a["theta"].copy()))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
