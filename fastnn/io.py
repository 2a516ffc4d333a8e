"""Saving and loading trained models.

A model file is NumPy's ``.npz`` (a zip of ``.npy`` arrays) holding plain numeric and
string arrays only, read back with ``allow_pickle=False``: opening an untrusted file
cannot run code. Writes are atomic - the file is written under a temporary name in
the same folder and renamed into place - so a crash never leaves a half-written
model; its permissions follow the umask, like any file the user writes. Every field
is validated on load, as the training guard validates input.

The arrays of format version 3 (version 2, still read, had no training state;
version 1 had no ``elapsed`` either, and only integer seeds; both load with
``state`` None, which ``resume`` refuses: they did not record the options or the
optimiser's state, so nothing could continue them exactly):

- ``format``: the string ``"fastnn-model"``; ``format_version``: 3.
- ``layers_dims``: int64 ``[n_x, n_1, ..., K]``.
- ``parameter_W1``, ``parameter_b1``, ... ``parameter_bL``: all float64 or all
  float32 (the run's dtype, which loading keeps), the shapes ``layers_dims``
  implies.
- ``output`` and ``hidden_activation``: strings, both or neither. They are written
  for every model that earlier files could not describe - an output layer other
  than one sigmoid unit, or hidden layers other than ReLU - and left out
  otherwise, so a default model's file is the one earlier versions wrote and
  read. A file without them holds a single sigmoid output unit over ReLU layers
  (``layers_dims[-1]`` must be 1).
- ``costs``: float64, one per iteration.
- ``initialization`` (``""`` for a warm start) and ``engine``: strings;
  ``learning_rate`` and ``elapsed`` (seconds spent training): float64.
- ``seed``: int64 for an integer seed; for a ``Generator`` or ``RandomState``, a
  JSON string ``{"type": "Generator", "state": ...}`` (or ``"RandomState"``) holding
  its bit generator's state (``RandomState.get_state(legacy=False)``, which includes
  the cached Gaussian), and ``"null"`` for None.
- The training state (:class:`fastnn.result.TrainingState`), all of these or, for
  a result without one, none: ``state_epochs`` and ``state_adam_steps``, int64;
  the options ``state_optimizer`` (a string), ``state_mini_batch_size`` (int64, 0
  for full batch), ``state_shuffle_seed`` and ``state_time_interval`` (int64),
  ``state_beta``, ``state_beta1``, ``state_beta2``, ``state_epsilon``,
  ``state_decay_rate``, ``state_l2`` and ``state_keep_prob`` (float64); and,
  shaped like the parameters and in their dtype, ``state_velocity_W1``, ... for
  momentum and Adam, ``state_second_moment_W1``, ... for Adam only (an
  optimiser's file holds exactly the arrays it keeps). The learning rate is
  ``learning_rate``.

A ``Generator`` or ``RandomState`` seed is the object the result holds, so what is
saved is its state when :func:`save` is called - after the initialisation's draws -
and :func:`load` rebuilds an object of the same type, bit generator and state: it
draws what the saved one would have drawn next.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import secrets
import zipfile
import zlib
from pathlib import Path
from typing import Any, Iterator, Union

import numpy as np

from fastnn._validate import (
    OPTIMIZER_STATE,
    TrainingOptions,
    TrainingState,
    check_layers_dims,
    check_learning_rate,
    check_model,
    check_output_units,
    check_parameter_shape,
    check_parameters,
    check_seed,
    check_training_state,
    parameter_shapes,
)
from fastnn.result import TrainResult

__all__ = ["save", "load", "json_number", "FORMAT", "FORMAT_VERSION"]

FORMAT = "fastnn-model"
FORMAT_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
# A zip's first bytes: a member's local header, or the end record of an empty zip.
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
# Deflate expands at most 1032-fold (a 258-byte match in about 2 bits), so no
# deflated member holds more than this many bytes per compressed byte.
_MAX_DEFLATE_RATIO = 1032
PathLike = Union[str, "os.PathLike[str]"]
ENGINES = ("compiled", "reference")     # the engines whose results a model file holds
_FIELDS = {
    1: ("format", "format_version", "layers_dims", "initialization", "seed",
        "learning_rate", "engine", "costs"),
}
_FIELDS[2] = _FIELDS[1] + ("elapsed",)
_FIELDS[3] = _FIELDS[2]
# Version 3's training state: its scalars (all or none of them) with the dtype
# kinds they may have, then the prefixes of its arrays, which the optimiser decides.
_STATE_SCALARS = {
    "state_epochs": "iu", "state_adam_steps": "iu", "state_optimizer": "U",
    "state_mini_batch_size": "iu", "state_shuffle_seed": "iu", "state_beta": "f",
    "state_beta1": "f", "state_beta2": "f", "state_epsilon": "f", "state_decay_rate": "f",
    "state_time_interval": "iu", "state_l2": "f", "state_keep_prob": "f",
}
_STATE_ARRAYS = ("velocity", "second_moment")       # state_velocity_W1, ...
# The model's options beyond a sigmoid unit over ReLU layers: both or neither.
_MODEL_FIELDS = ("output", "hidden_activation")
# The bit generators a saved random state may name; a file never picks an arbitrary
# attribute of numpy.random.
_BIT_GENERATORS = {
    name: getattr(np.random, name) for name in ("MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64")
}


def json_number(value: float) -> float | str:
    """``value`` for strict JSON (the study's and the sweep's files): a finite float
    as itself, and inf, -inf and NaN, which JSON cannot hold, as the strings "inf",
    "-inf" and "nan", which ``float()`` reads back."""
    value = float(value)
    return value if math.isfinite(value) else str(value)


def _state_to_json(value: Any) -> Any:
    # Bit generator states hold NumPy arrays (MT19937's key) and scalars.
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"unexpected {type(value).__name__} in a random state")


def _encode_seed(seed: Any) -> np.ndarray:
    """The ``seed`` array: int64 for an integer, else a JSON string (see the module)."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_)):
        return np.array(seed, dtype=np.int64)
    if seed is None:
        record = None
    elif isinstance(seed, np.random.Generator):
        record = {"type": "Generator", "state": seed.bit_generator.state}
    elif isinstance(seed, np.random.RandomState):
        record = {"type": "RandomState", "state": seed.get_state(legacy=False)}
    else:
        raise TypeError(
            "result.seed must be an int, None, a numpy Generator or a RandomState,"
            f" got {type(seed).__name__}"
        )
    return np.array(json.dumps(record, default=_state_to_json, allow_nan=False))


def _decode_seed(text: str) -> np.random.Generator | np.random.RandomState | None:
    """The inverse of :func:`_encode_seed` for a JSON string; ValueError if it is not
    a random state this module writes."""
    try:
        record = json.loads(text)
        if record is None:
            return None
        kind, state = record["type"], record["state"]
        name = state["bit_generator"]
        if name not in _BIT_GENERATORS:
            raise ValueError(f"unknown bit generator {name!r}")
        bit_generator = _BIT_GENERATORS[name]()
        if kind == "Generator":
            bit_generator.state = state
            return np.random.Generator(bit_generator)
        if kind == "RandomState":
            rng = np.random.RandomState(bit_generator)
            rng.set_state(state)
            return rng
        raise ValueError(f"unknown type {kind!r}")
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError) as exc:
        raise ValueError(
            f"'seed' must be an integer or a saved Generator or RandomState state: {exc!s:.200}"
        ) from None


def _encode_state(state: TrainingState, dtype: np.dtype) -> dict[str, np.ndarray]:
    """The ``state_*`` arrays of a checked state, its arrays in ``dtype`` (the
    parameters'; see the module)."""
    options = state.options
    arrays = {
        "state_epochs": np.array(state.epochs, dtype=np.int64),
        "state_adam_steps": np.array(state.adam_steps, dtype=np.int64),
        "state_optimizer": np.array(options.optimizer),
        "state_mini_batch_size": np.array(options.mini_batch_size or 0, dtype=np.int64),
        "state_shuffle_seed": np.array(options.shuffle_seed, dtype=np.int64),
        "state_time_interval": np.array(options.time_interval, dtype=np.int64),
    }
    for key in ("beta", "beta1", "beta2", "epsilon", "decay_rate", "l2", "keep_prob"):
        arrays[f"state_{key}"] = np.array(getattr(options, key), dtype=np.float64)
    for part in _STATE_ARRAYS:
        for key, value in (getattr(state, part) or {}).items():
            arrays[f"state_{part}_{key}"] = np.asarray(value, dtype=dtype)
    return arrays


def _create_temporary(path: Path) -> tuple[int, str]:
    """A new, uniquely named file next to ``path``, open for writing: ``(fd, name)``.

    Unlike :func:`tempfile.mkstemp`, which makes its file readable by its owner only
    (0600), the file is created with mode 0666 less the umask, as ``open(path, "w")``
    would create it, so the model renamed into place is as readable as any other
    file the user writes.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        name = os.path.join(path.parent, f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(name, flags, 0o666), name
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file next to {path}")


def save(path: PathLike, result: TrainResult) -> Path:
    """Write a trained model to ``path`` (conventionally ``*.npz``), atomically.

    The file is created with mode 0666 less the umask, as ``open(path, "w")`` would
    create a new file (e.g. 0644 under the usual umask 022).

    Parameters
    ----------
    path : str or path-like
        The file to write; an existing file is replaced only once the new one is
        complete.
    result : TrainResult
        From :func:`fastnn.train` or :func:`fastnn.reference.train`.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    TypeError
        If ``result`` is not a TrainResult, its ``seed`` is not an int, None, a
        ``Generator`` or a ``RandomState``, its ``state`` is neither None nor a
        well-formed TrainingState, or its ``output`` or ``hidden_activation`` is
        not a string.
    ValueError
        If its ``state`` does not fit its network or holds a value out of range
        (see :func:`fastnn._validate.check_training_state`), its ``output`` or
        ``hidden_activation`` is unknown or its output layer cannot have its
        ``layers_dims[-1]`` units (softmax needs 2), or its parameters mix float32
        with other dtypes: a file :func:`load` would refuse is never written.
    """
    if not isinstance(result, TrainResult):
        raise TypeError(f"result must be a TrainResult, got {type(result).__name__}")
    try:
        model = check_model(result.output, result.hidden_activation, None, result.parameters)
        check_output_units(model.output, result.layers_dims[-1])
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"result: {exc}") from None
    state = None
    if result.state is not None:
        state = check_training_state(result.state, result.layers_dims, "result.state", model.dtype)
    path = Path(path)
    arrays = {
        "format": np.array(FORMAT),
        "format_version": np.array(FORMAT_VERSION),
        "layers_dims": np.array(result.layers_dims, dtype=np.int64),
        "initialization": np.array(result.initialization or ""),
        "seed": _encode_seed(result.seed),
        "learning_rate": np.array(result.learning_rate, dtype=np.float64),
        "engine": np.array(result.engine),
        "elapsed": np.array(result.elapsed, dtype=np.float64),
        "costs": np.asarray(result.costs, dtype=np.float64),
    }
    if (model.output, model.hidden_activation, result.layers_dims[-1]) != ("sigmoid", "relu", 1):
        arrays.update({key: np.array(getattr(model, key)) for key in _MODEL_FIELDS})
    for key, value in result.parameters.items():
        arrays[f"parameter_{key}"] = np.asarray(value, dtype=model.dtype)
    if state is not None:
        arrays.update(_encode_state(state, model.dtype))
    handle, temporary = _create_temporary(path)
    try:
        with os.fdopen(handle, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path


class _NotAModel(ValueError):
    """The file is not a fastnn model file at all."""


class _Damaged(ValueError):
    """A zip of arrays that cannot be read as written."""


class _Archive:
    """The ``.npy`` members of a model file. Each member's header (dtype, shape,
    memory order) is read and checked against the member's size before any of its
    data is read, and the caller checks it against the model before :meth:`read`:
    a hostile header can never make the reader allocate more than the file holds."""

    def __init__(self, file: Any) -> None:
        start = file.read(4)
        if not start:
            raise _NotAModel("it is empty")
        if start not in _ZIP_SIGNATURES:
            raise _NotAModel("it is not a zip archive of NumPy arrays")
        file.seek(0)
        self._size = os.fstat(file.fileno()).st_size
        self._zip = zipfile.ZipFile(file)
        names = self._zip.namelist()
        others = [name for name in names if not name.endswith(".npy")]
        if others:
            raise _NotAModel(f"it holds {others[0]!r}, which is not a NumPy array")
        if len(set(names)) != len(names):
            raise _Damaged("it holds a member twice")
        self.keys = {name[: -len(".npy")] for name in names}
        if "format" not in self.keys:
            raise _NotAModel("it has no 'format' array")
        self._headers: dict[str, tuple[tuple[int, ...], np.dtype, int]] = {}

    def header(self, key: str) -> tuple[tuple[int, ...], np.dtype]:
        """``(shape, dtype)`` of member ``key``, from its header only."""
        if key not in self._headers:
            self._headers[key] = self._read_header(key)
        shape, dtype, _ = self._headers[key]
        return shape, dtype

    def _read_header(self, key: str) -> tuple[tuple[int, ...], np.dtype, int]:
        info = self._zip.getinfo(f"{key}.npy")
        if info.flag_bits & 0x1:
            raise _Damaged(f"{key!r} is encrypted")
        if info.compress_type == zipfile.ZIP_STORED:
            most = info.compress_size
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            most = _MAX_DEFLATE_RATIO * info.compress_size
        else:
            raise _Damaged(f"{key!r} uses zip compression method {info.compress_type}, which NumPy never writes")
        # The zip's own sizes are checked too, so that the size a header is held to
        # (in read) is one the file can really hold.
        if info.header_offset + info.compress_size > self._size or info.file_size > most:
            raise _Damaged(f"{key!r} states sizes that the file cannot hold")
        with self._reading(key), self._zip.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise ValueError(f"unsupported .npy format version {version}")
            data_bytes = info.file_size - member.tell()
        if dtype.hasobject:
            raise ValueError(f"{key!r} holds Python objects (pickled data), which a model file never does")
        return shape, dtype, data_bytes

    def read(self, key: str) -> np.ndarray:
        """Member ``key``'s array. Check its :meth:`header` against the model first;
        this checks it against the bytes that follow it, then reads."""
        shape, dtype = self.header(key)
        data_bytes = self._headers[key][2]
        declared = math.prod(shape) * dtype.itemsize
        if declared != data_bytes:
            raise _Damaged(
                f"{key!r} declares shape {shape} of {dtype} ({declared} bytes) but holds {data_bytes} bytes"
            )
        with self._reading(key), self._zip.open(f"{key}.npy") as member:
            return np.lib.format.read_array(member, allow_pickle=False)

    @contextlib.contextmanager
    def _reading(self, key: str) -> Iterator[None]:
        # Anything that goes wrong inside NumPy's or the zip's reader is damage.
        try:
            yield
        except (ValueError, EOFError, OSError, zipfile.BadZipFile, zlib.error) as exc:
            raise _Damaged(f"{key!r}: {exc}") from None


def _check(key: str, shape: tuple[int, ...], dtype: np.dtype, ndim: int, kinds: str) -> None:
    if len(shape) != ndim or dtype.kind not in kinds:
        what = "a scalar" if ndim == 0 else f"a {ndim}-D array"
        raise ValueError(f"{key!r} must be {what} of dtype kind {kinds!r}, got {dtype} of shape {shape}")


def _read_model(archive: _Archive) -> TrainResult:
    def require(key: str) -> None:
        if key not in archive.keys:
            raise ValueError(f"it is not a complete fastnn model: it has no {key!r}")

    def scalar(key: str, kinds: str) -> Any:
        require(key)
        _check(key, *archive.header(key), 0, kinds)
        return archive.read(key).item()

    if scalar("format", "U") != FORMAT:
        raise _NotAModel("its 'format' is not 'fastnn-model'")
    version = scalar("format_version", "iu")
    if version not in READABLE_VERSIONS:
        raise ValueError(
            f"it is in model format version {version}; this fastnn reads versions"
            f" {', '.join(map(str, READABLE_VERSIONS[:-1]))} and {READABLE_VERSIONS[-1]}"
        )
    fields = _FIELDS[version]
    for key in fields:
        require(key)
    # A version 3 file holds the whole training state or none of it.
    stateful = version >= 3 and any(k.startswith("state_") for k in archive.keys)
    if stateful:
        fields = fields + tuple(_STATE_SCALARS)
        for key in _STATE_SCALARS:
            require(key)
    # A version 3 file describes its output layer and activation, or is a sigmoid
    # unit over ReLU layers.
    described = version >= 3 and any(key in archive.keys for key in _MODEL_FIELDS)
    if described:
        fields = fields + _MODEL_FIELDS
        for key in _MODEL_FIELDS:
            require(key)
    prefixes = ("parameter_",) + (tuple(f"state_{part}_" for part in _STATE_ARRAYS) if stateful else ())
    extra = sorted(k for k in archive.keys if k not in fields and not k.startswith(prefixes))
    if extra:
        raise ValueError(f"unexpected arrays {extra}")

    # Every header is checked against the model before any more data is read.
    _check("layers_dims", *archive.header("layers_dims"), 1, "iu")
    layers_dims = [int(d) for d in archive.read("layers_dims")]
    layers_dims = check_layers_dims(
        layers_dims, n_x=layers_dims[0] if layers_dims else None, outputs=None if described else 1
    )
    stored = [k[len("parameter_"):] for k in archive.keys if k.startswith("parameter_")]
    shapes = parameter_shapes(stored, layers_dims)
    dtypes = {}
    for key, expected in shapes.items():
        shape, dtype = archive.header(f"parameter_{key}")
        check_parameter_shape(key, shape, expected, layers_dims)
        _check(f"parameter_{key}", shape, dtype, 2, "biuf")
        dtypes[key] = dtype
    # float32 parameters load as float32, all others as float64, never a mix.
    single = [key for key, dtype in dtypes.items() if dtype == np.float32]
    if single and len(single) < len(dtypes):
        raise ValueError(
            f"parameters {single} are float32 but {sorted(set(dtypes) - set(single))} are not:"
            " a model's parameters share one dtype"
        )
    parameters_dtype = np.dtype(np.float32) if single else np.dtype(np.float64)
    # The output layer decides how many units the network may have: two scalars,
    # read (like state_optimizer) before the other headers are checked against it.
    output, hidden_activation = "sigmoid", "relu"
    if described:
        output, hidden_activation = scalar("output", "U"), scalar("hidden_activation", "U")
        check_model(output, hidden_activation)
        check_output_units(output, layers_dims[-1])
    shape, dtype = archive.header("costs")
    if len(shape) != 1 or shape[0] < 1 or dtype.kind != "f" or dtype.itemsize != 8:
        raise ValueError(f"'costs' must be a non-empty 1-D float64 array, got {dtype} of shape {shape}")
    seed_kinds = "iuU" if version >= 2 else "iu"
    for key, kinds in (("initialization", "U"), ("engine", "U"), ("learning_rate", "f"), ("seed", seed_kinds)):
        _check(key, *archive.header(key), 0, kinds)
    if version >= 2:
        _check("elapsed", *archive.header("elapsed"), 0, "f")
    state_shapes = _state_headers(archive, layers_dims, parameters_dtype) if stateful else {}

    # Only now is any array data beyond layers_dims (and the model's and the
    # optimiser's names) read.
    parameters = check_parameters(
        {key: archive.read(f"parameter_{key}") for key in shapes}, layers_dims, dtype=parameters_dtype
    )
    costs = archive.read("costs").astype(np.float64)
    if not (costs >= 0).all():      # a cross-entropy is >= 0 or +inf, never NaN
        raise ValueError("'costs' must hold costs >= 0 (or inf), got NaN or a negative value")
    seed = scalar("seed", seed_kinds)
    seed = _decode_seed(seed) if isinstance(seed, str) else check_seed(seed)
    engine = scalar("engine", "U")
    if engine not in ENGINES:
        raise ValueError(f"'engine' must be one of {list(ENGINES)}, got {engine!r}")
    elapsed = scalar("elapsed", "f") if version >= 2 else 0.0
    if not (np.isfinite(elapsed) and elapsed >= 0):
        raise ValueError(f"'elapsed' must be a finite number of seconds >= 0, got {elapsed!r}")
    state = _read_state(archive, layers_dims, state_shapes, parameters_dtype) if stateful else None
    if state is not None and state.epochs < len(costs):
        raise ValueError(
            f"'state_epochs' must count at least the {len(costs)} iterations of 'costs', got {state.epochs}"
        )
    return TrainResult(
        parameters=parameters,
        costs=costs,
        layers_dims=layers_dims,
        initialization=scalar("initialization", "U") or None,
        learning_rate=check_learning_rate(scalar("learning_rate", "f")),
        seed=seed,
        engine=engine,
        elapsed=elapsed,
        state=state,
        output=output,
        hidden_activation=hidden_activation,
    )


def _state_headers(
    archive: _Archive, layers_dims: list[int], dtype: np.dtype
) -> dict[str, dict[str, tuple[int, int]]]:
    """Check the headers of the state's members against the model (float arrays in
    the parameters' ``dtype``), reading no data but ``state_optimizer``'s (a
    scalar, which says which arrays the state holds); return the shapes of the
    arrays, by part ("velocity", ...) and key."""
    for key, kinds in _STATE_SCALARS.items():
        _check(key, *archive.header(key), 0, kinds)
    optimizer = archive.read("state_optimizer").item()
    if optimizer not in OPTIMIZER_STATE:
        raise ValueError(f"'state_optimizer' must be one of {list(OPTIMIZER_STATE)}, got {optimizer!r}")
    shapes = {}
    for part in _STATE_ARRAYS:
        prefix = f"state_{part}_"
        stored = [k[len(prefix):] for k in archive.keys if k.startswith(prefix)]
        if part not in OPTIMIZER_STATE[optimizer]:
            if stored:
                raise ValueError(
                    f"unexpected arrays {sorted(prefix + k for k in stored)}: optimizer"
                    f" {optimizer!r} keeps no {part.replace('_', ' ')}"
                )
            continue
        shapes[part] = parameter_shapes(stored, layers_dims, f"state_{part}")
        for key, expected in shapes[part].items():
            shape, stored_dtype = archive.header(prefix + key)
            check_parameter_shape(key, shape, expected, layers_dims, f"state_{part}")
            _check(prefix + key, shape, stored_dtype, 2, "biuf")
            if stored_dtype.kind == "f" and stored_dtype != dtype:
                raise ValueError(
                    f"{prefix + key!r} is {stored_dtype} but the parameters are {dtype}:"
                    " a state is kept in its parameters' dtype"
                )
    return shapes


def _read_state(
    archive: _Archive,
    layers_dims: list[int],
    shapes: dict[str, dict[str, tuple[int, int]]],
    dtype: np.dtype,
) -> TrainingState:
    """The training state, its arrays in the parameters' ``dtype``, once every
    header is checked (see :func:`_state_headers`)."""
    def value(key: str) -> Any:
        return archive.read(f"state_{key}").item()

    options = {field.name: value(field.name) for field in dataclasses.fields(TrainingOptions)}
    options["mini_batch_size"] = options["mini_batch_size"] or None     # 0: full batch
    arrays = {
        part: {key: archive.read(f"state_{part}_{key}") for key in shapes[part]} if part in shapes else None
        for part in _STATE_ARRAYS
    }
    state = TrainingState(TrainingOptions(**options), value("epochs"), value("adam_steps"), **arrays)
    try:
        return check_training_state(state, layers_dims, "state", dtype)
    except TypeError as exc:       # the headers' dtype kinds leave none; a file's fault anyway
        raise ValueError(str(exc)) from None


def load(path: PathLike) -> TrainResult:
    """Read a model written by :func:`save`.

    Each array's header (dtype, shape, memory order) is checked against the model
    and against the size of the data that follows it before any of its data is
    read, so a damaged or hostile file is refused rather than allowed to exhaust
    memory.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    TrainResult
        With the saved parameters, cost history, training options and ``elapsed``
        (0 for a file of format version 1, which did not record it).

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the file is not a fastnn model file (an image, a JSON file, any zip
        that :func:`save` did not write), is damaged, has an unknown format
        version, or an array is missing, unexpected, of the wrong shape or type,
        or not finite.
    """
    path = Path(path)
    try:
        with open(path, "rb") as file:
            return _read_model(_Archive(file))
    except FileNotFoundError:
        raise
    except _NotAModel as exc:
        raise ValueError(
            f"{path} is not a fastnn model file (as written by fastnn.save or fastnn --save): {exc}"
        ) from None
    except (_Damaged, OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise ValueError(f"{path} is not a readable fastnn model: {exc}") from None
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
