"""Saving and loading trained models.

A model file is NumPy's ``.npz`` (a zip of ``.npy`` arrays) holding plain numeric and
string arrays only, read back with ``allow_pickle=False``: opening an untrusted file
cannot run code. Writes are atomic - the file is written under a temporary name in
the same folder and renamed into place - so a crash never leaves a half-written
model. Every field is validated on load, as the training guard validates input.

The arrays of format version 2 (version 1, still read, had no ``elapsed`` and only
integer seeds):

- ``format``: the string ``"fastnn-model"``; ``format_version``: 2.
- ``layers_dims``: int64 ``[n_x, n_1, ..., 1]``.
- ``parameter_W1``, ``parameter_b1``, ... ``parameter_bL``: float64, the shapes
  ``layers_dims`` implies.
- ``costs``: float64, one per iteration.
- ``initialization`` (``""`` for a warm start) and ``engine``: strings;
  ``learning_rate`` and ``elapsed`` (seconds spent training): float64.
- ``seed``: int64 for an integer seed; for a ``Generator`` or ``RandomState``, a
  JSON string ``{"type": "Generator", "state": ...}`` (or ``"RandomState"``) holding
  its bit generator's state (``RandomState.get_state(legacy=False)``, which includes
  the cached Gaussian), and ``"null"`` for None.

A ``Generator`` or ``RandomState`` seed is the object the result holds, so what is
saved is its state when :func:`save` is called - after the initialisation's draws -
and :func:`load` rebuilds an object of the same type, bit generator and state: it
draws what the saved one would have drawn next.
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Union

import numpy as np

from fastnn._validate import check_layers_dims, check_learning_rate, check_parameters
from fastnn.result import TrainResult

__all__ = ["save", "load", "FORMAT", "FORMAT_VERSION"]

FORMAT = "fastnn-model"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
# A zip's first bytes: a member's local header, or the end record of an empty zip.
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
PathLike = Union[str, "os.PathLike[str]"]
_FIELDS = {
    1: ("format", "format_version", "layers_dims", "initialization", "seed",
        "learning_rate", "engine", "costs"),
}
_FIELDS[2] = _FIELDS[1] + ("elapsed",)
# The bit generators a saved random state may name; a file never picks an arbitrary
# attribute of numpy.random.
_BIT_GENERATORS = {
    name: getattr(np.random, name) for name in ("MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64")
}


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


def save(path: PathLike, result: TrainResult) -> Path:
    """Write a trained model to ``path`` (conventionally ``*.npz``), atomically.

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
        If ``result`` is not a TrainResult, or its ``seed`` is not an int, None, a
        ``Generator`` or a ``RandomState``.
    """
    if not isinstance(result, TrainResult):
        raise TypeError(f"result must be a TrainResult, got {type(result).__name__}")
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
    for key, value in result.parameters.items():
        arrays[f"parameter_{key}"] = np.asarray(value, dtype=np.float64)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
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


def _check_is_model_archive(path: Path) -> None:
    """ValueError, saying plainly that ``path`` is not a model file, unless it is a
    zip of ``.npy`` members that include ``format``. A damaged zip is left to the
    reader, which says it is damaged."""
    not_a_model = f"{path} is not a fastnn model file (as written by fastnn.save or fastnn --save)"
    try:
        with open(path, "rb") as f:
            start = f.read(4)
        if not start:
            raise ValueError(f"{not_a_model}: it is empty")
        if start not in _ZIP_SIGNATURES:
            raise ValueError(f"{not_a_model}: it is not a zip archive of NumPy arrays")
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, EOFError):
        return
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ValueError(f"{path} is not a readable fastnn model: {exc}") from None
    others = [name for name in names if not name.endswith(".npy")]
    if others:
        raise ValueError(f"{not_a_model}: it holds {others[0]!r}, which is not a NumPy array")
    if "format.npy" not in names:
        raise ValueError(f"{not_a_model}: it has no 'format' array")


def load(path: PathLike) -> TrainResult:
    """Read a model written by :func:`save`.

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
        version, or a field is missing, of the wrong shape or type, or not finite.
    """
    path = Path(path)
    _check_is_model_archive(path)
    try:
        data = np.load(path, allow_pickle=False)
        with data:
            stored = {key: data[key] for key in data.files}
    except FileNotFoundError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise ValueError(f"{path} is not a readable fastnn model: {exc}") from None

    def field(name):
        if name not in stored:
            raise ValueError(f"{path} is not a complete fastnn model: it has no {name!r}")
        return stored[name]

    def scalar(name, kind):
        value = field(name)
        if value.shape != () or value.dtype.kind not in kind:
            raise ValueError(f"{path}: {name!r} must be a scalar of kind {kind!r}, got {value.dtype} {value.shape}")
        return value.item()

    if scalar("format", "U") != FORMAT:
        raise ValueError(f"{path} is not a fastnn model (format {stored['format']!r})")
    version = scalar("format_version", "iu")
    if version not in READABLE_VERSIONS:
        raise ValueError(
            f"{path} has model format version {version}; this fastnn reads versions"
            f" {' and '.join(map(str, READABLE_VERSIONS))}"
        )
    try:
        dims = field("layers_dims")
        if dims.ndim != 1 or dims.dtype.kind not in "iu":
            raise ValueError(f"'layers_dims' must be a 1-D integer array, got {dims.dtype} {dims.shape}")
        layers_dims = [int(d) for d in dims]
        layers_dims = check_layers_dims(layers_dims, n_x=layers_dims[0] if layers_dims else None)
        parameters = check_parameters(
            {key[len("parameter_"):]: value for key, value in stored.items() if key.startswith("parameter_")},
            layers_dims,
        )
        learning_rate = check_learning_rate(scalar("learning_rate", "f"))
        costs = field("costs")
        if costs.ndim != 1 or costs.dtype != np.float64 or costs.size < 1:
            raise ValueError(f"'costs' must be a non-empty 1-D float64 array, got {costs.dtype} {costs.shape}")
        if np.isnan(costs).any():
            raise ValueError("'costs' contains NaN")
        extra = sorted(k for k in stored if k not in _FIELDS[version] and not k.startswith("parameter_"))
        if extra:
            raise ValueError(f"unexpected arrays {extra}")
        seed = scalar("seed", "iuU" if version >= 2 else "iu")
        if isinstance(seed, str):
            seed = _decode_seed(seed)
        elapsed = scalar("elapsed", "f") if version >= 2 else 0.0
        if not (np.isfinite(elapsed) and elapsed >= 0):
            raise ValueError(f"'elapsed' must be a finite number of seconds >= 0, got {elapsed!r}")
    except ValueError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise ValueError(f"{path}: {exc}") from None
    return TrainResult(
        parameters=parameters,
        costs=costs,
        layers_dims=layers_dims,
        initialization=scalar("initialization", "U") or None,
        learning_rate=learning_rate,
        seed=seed,
        engine=scalar("engine", "U"),
        elapsed=elapsed,
    )
