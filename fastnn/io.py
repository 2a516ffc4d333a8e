"""Saving and loading trained models.

A model file is NumPy's ``.npz`` (a zip of ``.npy`` arrays) holding plain numeric and
string arrays only, read back with ``allow_pickle=False``: opening an untrusted file
cannot run code. Writes are atomic - the file is written under a temporary name in
the same folder and renamed into place - so a crash never leaves a half-written
model. Every field is validated on load, as the training guard validates input.
"""
from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path
from typing import Union

import numpy as np

from fastnn._validate import check_layers_dims, check_learning_rate, check_parameters
from fastnn.result import TrainResult

__all__ = ["save", "load", "FORMAT", "FORMAT_VERSION"]

FORMAT = "fastnn-model"
FORMAT_VERSION = 1
PathLike = Union[str, "os.PathLike[str]"]
_FIELDS = ("format", "format_version", "layers_dims", "initialization", "seed",
           "learning_rate", "engine", "costs")


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
        If ``result`` is not a TrainResult.
    """
    if not isinstance(result, TrainResult):
        raise TypeError(f"result must be a TrainResult, got {type(result).__name__}")
    path = Path(path)
    arrays = {
        "format": np.array(FORMAT),
        "format_version": np.array(FORMAT_VERSION),
        "layers_dims": np.array(result.layers_dims, dtype=np.int64),
        "initialization": np.array(result.initialization or ""),
        "seed": np.array(result.seed, dtype=np.int64),
        "learning_rate": np.array(result.learning_rate, dtype=np.float64),
        "engine": np.array(result.engine),
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


def load(path: PathLike) -> TrainResult:
    """Read a model written by :func:`save`.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    TrainResult
        With the saved parameters, cost history and training options
        (``elapsed`` is 0).

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the file is not a complete fastnn model of a known format version, or a
        field is missing, of the wrong shape or type, or not finite.
    """
    path = Path(path)
    try:
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single array, not a model archive")
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
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{path} has model format version {version}; this fastnn reads version {FORMAT_VERSION}"
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
        extra = sorted(k for k in stored if k not in _FIELDS and not k.startswith("parameter_"))
        if extra:
            raise ValueError(f"unexpected arrays {extra}")
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
        seed=scalar("seed", "iu"),
        engine=scalar("engine", "U"),
        elapsed=0.0,
    )
