"""The one guard in front of the compiled kernel.

Everything the kernel assumes is checked here, in Python, before it runs: shapes,
dtypes, finiteness, labels, sizes and options. Inputs are converted to C-contiguous
arrays of the run's dtype, float64 unless ``dtype=float32`` is asked for (integer,
boolean, float32 and strided arrays are accepted and converted, never modified);
anything else raises a ``TypeError`` or ``ValueError`` that names the argument and
shows what it got. The kernel runs with bounds checks off, so these checks are what
keep it in bounds.

This module is a leaf: it imports nothing else of fastnn, and it draws no random
numbers (drawing the initial parameters is :mod:`fastnn.init`'s job). It holds the
names every layer checks against - :data:`OUTPUTS`, :data:`HIDDEN_ACTIVATIONS`,
:data:`DTYPES`, :data:`OPTIMIZERS` - and, besides the checks, the records they
produce: :class:`ModelOptions` (the output layer, the hidden activation and the
dtype), :class:`TrainingProblem`, :class:`TrainingOptions` and a run's
:class:`TrainingState` (what ``resume`` continues); and the two verdicts both
engines give on a finished or failed run: :func:`divergence`, the error, and
:func:`check_final_cost`, the warning.
"""
from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence, Union

import numpy as np

__all__ = [
    "DTYPES",
    "HIDDEN_ACTIVATIONS",
    "ModelOptions",
    "OPTIMIZERS",
    "OPTIMIZER_STATE",
    "OUTPUTS",
    "Seed",
    "TrainingOptions",
    "TrainingProblem",
    "TrainingState",
    "as_dtype",
    "check_choice",
    "check_dtype",
    "check_final_cost",
    "check_l2",
    "check_layers_dims",
    "check_learning_rate",
    "check_model",
    "check_network",
    "check_network_data",
    "check_number",
    "check_options",
    "check_output_units",
    "check_parameter_shape",
    "check_parameters",
    "check_positive_int",
    "check_random_state",
    "check_resumed_options",
    "check_seed",
    "check_targets",
    "check_training_state",
    "check_X",
    "check_X_targets",
    "check_X_Y",
    "check_Y",
    "divergence",
    "infer_layers_dims",
    "parameter_shapes",
    "parameters_dtype",
]

RandomSource = Union[np.random.RandomState, np.random.Generator]
Seed = Union[int, np.random.RandomState, np.random.Generator]

# The seeds a legacy RandomState accepts: 0 to 2**32 - 1.
SEED_LIMIT = 2**32

# The optimisers of the course unit "Improving deep neural networks".
OPTIMIZERS = ("gd", "momentum", "adam")

# The output layers, each with its loss: binary cross-entropy per output unit,
# categorical cross-entropy over the K units, squared error (the engines'
# registries, e.g. fastnn.reference.OUTPUT_LAYERS, hold their rules).
OUTPUTS = ("sigmoid", "softmax", "identity")
# The activations of the hidden layers.
HIDDEN_ACTIVATIONS = ("relu", "tanh", "sigmoid", "identity")
# The dtypes a run computes in: the parameters, the data and every operation.
DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    # numbers.Real covers Python ints and floats and NumPy's integer and float
    # scalars; bool is an Integral too, and is never a sensible number here.
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_number(value: Any, name: str, *, positive: bool = False) -> float:
    """``value`` as a finite Python float.

    Python and NumPy integers and floats are accepted (``np.float32(2)`` too);
    booleans, strings and everything else are not.

    Parameters
    ----------
    value : object
    name : str
        The argument's name, for the message.
    positive : bool, default=False
        Also require ``value > 0``.

    Raises
    ------
    TypeError
        If ``value`` is not a real number (or is a bool).
    ValueError
        If it is NaN or infinite, or not positive when ``positive``.
    """
    if not _is_real(value):
        raise TypeError(f"{name} must be a number, got {value!r}")
    try:
        number = float(value)
    except OverflowError:   # an int beyond float's range
        number = math.inf
    if not math.isfinite(number) or (positive and number <= 0):
        raise ValueError(f"{name} must be a finite number{' > 0' if positive else ''}, got {value!r}")
    return number


def check_learning_rate(learning_rate: Any) -> float:
    """``learning_rate`` as a finite float > 0 (see :func:`check_number`)."""
    return check_number(learning_rate, "learning_rate", positive=True)


def check_l2(l2: Any) -> float:
    """``l2``, the L2 regularisation strength (the course's ``lambd``), as a finite
    float >= 0; TypeError and ValueError as :func:`check_number`."""
    number = check_number(l2, "l2")
    if number < 0:
        raise ValueError(f"l2 must be >= 0, got {l2!r}")
    return number


def check_positive_int(value: Any, name: str) -> int:
    """``value`` as a Python int >= 1; TypeError for non-integers (bool included)."""
    if not _is_int(value):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value!r}")
    return int(value)


def check_seed(seed: Any) -> Seed:
    """``seed`` checked: an int in [0, 2**32) as a Python int, or a NumPy
    ``Generator`` or ``RandomState`` unchanged.

    Raises
    ------
    TypeError
        For anything else (bool, float, str, None, ...).
    ValueError
        For an int outside [0, 2**32), which ``RandomState`` cannot take.
    """
    if isinstance(seed, (np.random.Generator, np.random.RandomState)):
        return seed
    if not _is_int(seed):
        raise TypeError(f"seed must be an int, a numpy Generator or a RandomState, got {seed!r}")
    if not 0 <= seed < SEED_LIMIT:
        raise ValueError(f"seed must be an int from 0 to 2**32 - 1, got {seed!r}")
    return int(seed)


def check_random_state(seed: Any) -> RandomSource:
    """The random state to draw from for ``seed``.

    An int gives a fresh legacy ``np.random.RandomState(seed)``, which reproduces
    the study's streams exactly (the study seeds NumPy's global generator, itself a
    ``RandomState``). A ``Generator`` or ``RandomState`` is returned as it is, so
    drawing from it advances the caller's state. Nothing is drawn here.

    Raises
    ------
    TypeError, ValueError
        As :func:`check_seed`.
    """
    seed = check_seed(seed)
    return np.random.RandomState(seed) if isinstance(seed, int) else seed


def _kind_of(array: np.ndarray) -> str:
    """What an array that does not hold real numbers holds, in words."""
    if array.dtype.kind in "US" or (
        array.dtype.kind == "O" and any(isinstance(v, (str, bytes)) for v in array.flat)
    ):
        return f"strings (dtype {array.dtype})"
    if array.dtype.kind == "c":
        return f"complex numbers (dtype {array.dtype})"
    return f"dtype {array.dtype}"


def _as_float_array(value: Any, name: str, content: str = "real numbers (bool, int or float)") -> np.ndarray:
    """``value`` as a float64 ndarray (not yet contiguous), or TypeError."""
    if isinstance(value, Mapping):
        raise TypeError(
            f"{name} must be an array, got a dict, which looks like the network's"
            " parameters: check the order of the arguments (data first, parameters last)"
        )
    try:
        array = np.asarray(value)
    except Exception as exc:  # ragged nested lists and the like
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold {content}, got {_kind_of(array)}")
    return array.astype(np.float64, copy=False)


def check_layers_dims(
    layers_dims: Any, n_x: int | None = None, *, m: int | None = None, outputs: int | None = 1
) -> list[int]:
    """``layers_dims`` as a list of positive Python ints, at least two long.

    If ``n_x`` is given, the network must also fit the data: ``layers_dims[0] == n_x``
    and, unless ``outputs`` is None, ``layers_dims[-1] == outputs`` (by default a
    single sigmoid output unit, all the compiled engine and the study's helpers
    run; training passes None and checks the output layer against ``Y`` instead,
    see :func:`check_targets`). If ``m`` (the number of examples) is given too, a
    ``layers_dims[0]`` that matches ``m`` instead of ``n_x`` is reported as a
    transposed ``X``.
    """
    if isinstance(layers_dims, (str, bytes)) or not isinstance(
        layers_dims, (Sequence, np.ndarray)
    ):
        raise TypeError(
            f"layers_dims must be a list of layer sizes like [2, 10, 5, 1], got {layers_dims!r}"
        )
    dims = list(layers_dims)
    if len(dims) < 2:
        raise ValueError(f"layers_dims needs at least an input and an output size, got {dims!r}")
    for i, size in enumerate(dims):
        if not _is_int(size) or size < 1:
            raise ValueError(
                f"layers_dims must hold positive integers, got {size!r} at position {i} of {dims!r}"
            )
    dims = [int(size) for size in dims]
    if n_x is not None:
        if dims[0] != n_x:
            if m is not None and dims[0] == m:
                hint = (
                    f"; X looks transposed: its shape is ({n_x}, {m}) and X.shape[1] = {m}"
                    " fits. X must be (n_x, m), examples in columns: pass X.T"
                )
            else:
                hint = " (X is (n_x, m), examples in columns)"
            raise ValueError(f"layers_dims[0] must equal n_x = X.shape[0] = {n_x}, got {dims[0]}{hint}")
        if outputs is not None and dims[-1] != outputs:
            what = "one sigmoid output unit" if outputs == 1 else f"{outputs} output units"
            raise ValueError(f"layers_dims[-1] must be {outputs} ({what}), got {dims[-1]}")
    return dims


def check_X(X: Any, name: str = "X") -> np.ndarray:
    """``X`` as a finite, C-contiguous float64 array of shape (n_x, m), m >= 1."""
    array = _as_float_array(X, name)
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_x, m), examples in columns;"
            f" got shape {array.shape}"
        )
    if array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"{name} must have at least one feature and one example, got shape {array.shape}")
    if not _all_finite(array):
        raise ValueError(f"{name} contains NaN or inf")
    return np.ascontiguousarray(array)


def _all_finite(array: np.ndarray) -> bool:
    """Whether every value is finite, without an array-sized temporary: the sum of
    finite values is finite unless it overflows, and a NaN or inf makes it NaN or inf.
    Only when the sum is not finite is the exact (allocating) test needed."""
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(array)):
            return True
    return bool(np.isfinite(array).all())


def as_dtype(array: np.ndarray, dtype: np.dtype, name: str) -> np.ndarray:
    """A checked, finite array in ``dtype``, C-contiguous: ``array`` itself if it
    already is, else a converted copy. Float64 values beyond float32's range
    become inf in float32, and are refused.

    Raises
    ------
    ValueError
        If the converted array holds an inf the original did not.
    """
    if array.dtype == dtype and array.flags.c_contiguous:
        return array
    with np.errstate(over="ignore"):
        converted = np.ascontiguousarray(array, dtype=dtype)
    if not _all_finite(converted):
        raise ValueError(
            f"{name} holds values beyond {np.dtype(dtype).name}'s range"
            f" (magnitudes above {np.finfo(dtype).max:.4g})"
        )
    return converted


# What Y holds, for the messages, by output layer.
_TARGETS = {
    "sigmoid": "labels 0 and 1 as numbers",
    "softmax": "class labels or one-hot rows as numbers",
    "identity": "real numbers (bool, int or float)",
}


def _as_targets(Y: Any, name: str, output: str = "sigmoid") -> np.ndarray:
    """``Y`` as a float64 array, a flat array of labels made a row of shape (1, m)."""
    array = _as_float_array(Y, name, content=_TARGETS[output])
    return array.reshape(1, -1) if array.ndim == 1 else array


def check_output_units(output: str, outputs: int) -> None:
    """ValueError unless an output layer ``output`` can have ``outputs`` units:
    any number for "sigmoid" (one is binary, more are independent labels) and
    "identity", at least two for "softmax" (one unit would always output 1)."""
    if output == "softmax" and outputs < 2:
        raise ValueError(
            f"output='softmax' needs K >= 2 output units (one per class), got K ="
            f" layers_dims[-1] = {outputs}; use output='sigmoid' for two classes in one unit"
        )


def _shown(value: float) -> int | float:
    """A label for a message: 3 rather than 3.0."""
    return int(value) if float(value).is_integer() else float(value)


def _one_hot(labels: np.ndarray, K: int, name: str) -> np.ndarray:
    """Class labels of shape (1, m), integers 0 to K - 1, as a one-hot array of
    shape (K, m) in the labels' float dtype; ValueError naming the first label that
    is not one."""
    valid = (labels >= 0) & (labels <= K - 1) & (labels == np.floor(labels))   # NaN fails each
    if not valid.all():
        bad = labels[~valid]
        raise ValueError(
            f"{name} must hold class labels, integers from 0 to K - 1 = {K - 1} for"
            f" output='softmax' with K = layers_dims[-1] = {K}, got {_shown(bad[0])!r}"
            f" ({bad.size} of {labels.size} labels are not)"
        )
    m = labels.shape[1]
    one_hot = np.zeros((K, m), dtype=labels.dtype if labels.dtype.kind == "f" else np.float64)
    one_hot[labels[0].astype(np.intp), np.arange(m)] = 1.0
    return one_hot


def _shape_message(name: str, shape: tuple[int, ...], K: int, m: int, output: str) -> str:
    units = "1 output unit" if K == 1 else f"{K} output units"
    message = (
        f"{name} must have shape ({'1' if K == 1 else 'K'}, m) = ({K}, {m}) to match X"
        f" and the {units} (K = layers_dims[-1] = {K}), got {shape}"
    )
    if shape == (m, K) and m > 1:
        return message + (f" (a column: pass {name}.T)" if K == 1 else f" (examples in rows: pass {name}.T)")
    if shape[-1:] != (m,):
        return message + " (did you pass X transposed?)"
    if output == "softmax":
        return message + " (one-hot rows, one per class, or a row of class labels)"
    if shape[0] == 1:
        return message + f"; for {name} of shape (1, m), layers_dims[-1] must be 1"
    return message


def check_targets(
    Y: Any, m: int, K: int = 1, output: str = "sigmoid", dtype: Any = np.float64, name: str = "Y"
) -> np.ndarray:
    """``Y`` as a C-contiguous array of shape (K, m) in ``dtype``, checked for the
    output layer ``output`` of ``K`` units (the checked ``output`` and ``dtype``,
    see :func:`check_model`).

    - "sigmoid": 0s and 1s, one row per output unit (K > 1 is multi-label).
    - "softmax": one-hot columns (a single 1 per column), or a row of class
      labels, integers 0 to K - 1, converted here to the same one-hot array, so
      that both give the same run bit for bit. Needs K >= 2.
    - "identity": any finite real numbers.

    A flat array of ``m`` values (scikit-learn's ``y``) is taken as the row (1, m).

    Raises
    ------
    TypeError
        If ``Y`` does not hold numbers.
    ValueError
        If its shape does not match (K, m) (the message names K and both shapes),
        it holds values its output layer does not take, or ``output`` is
        "softmax" and K < 2.
    """
    array = _as_targets(Y, name, output)
    check_output_units(output, K)
    if output == "softmax" and array.shape == (1, m):
        array = _one_hot(array, K, name)
    if array.shape != (K, m):
        raise ValueError(_shape_message(name, array.shape, K, m, output))
    if output == "identity":
        if not _all_finite(array):
            raise ValueError(f"{name} contains NaN or inf")
        return as_dtype(array, np.dtype(dtype), name)
    # Counting keeps the temporaries to one byte per value.
    if np.count_nonzero(array == 0) + np.count_nonzero(array == 1) != array.size:
        bad = (array != 0) & (array != 1)
        what = "labels 0 and 1 only" if output == "sigmoid" else "one-hot columns of 0s and 1s"
        raise ValueError(
            f"{name} must hold {what}, got {float(array[bad][0])!r}"
            f" ({int(bad.sum())} of {array.size} values are neither 0 nor 1)"
        )
    if output == "softmax":
        ones = np.count_nonzero(array, axis=0)
        if (ones != 1).any():
            column = int(np.argmax(ones != 1))
            raise ValueError(
                f"{name} of shape (K, m) = {array.shape} must be one-hot for output='softmax'"
                f" (a single 1 in each column), got {int(ones[column])} ones in column {column}"
            )
    return as_dtype(array, np.dtype(dtype), name)


def check_Y(Y: Any, m: int, name: str = "Y") -> np.ndarray:
    """``Y`` as a C-contiguous float64 array of shape (1, m) holding only 0 and 1:
    the labels of one sigmoid output unit (:func:`check_targets` with its defaults).

    A flat array of ``m`` labels (scikit-learn's ``y``) is taken as the row (1, m).
    """
    return check_targets(Y, m, name=name)


def check_X_targets(
    X: Any, Y: Any, *, y_name: str = "Y", output: str = "sigmoid"
) -> tuple[np.ndarray, np.ndarray]:
    """``X`` checked (float64, see :func:`check_X`) and ``Y`` as a float64 array,
    flat made a row, not yet checked against the output layer (see
    :func:`check_targets`, once the network is known).

    When ``Y`` is a vector with one label per *row* of ``X`` and not per column,
    the message says that ``X`` looks transposed (examples in rows, as
    scikit-learn has them).
    """
    X = check_X(X)
    targets = _as_targets(Y, y_name, output)
    n_x, m = X.shape
    n_labels = targets.size if targets.ndim == 2 and 1 in targets.shape else None
    # A (K, 1) Y with K == n_x is K targets of one example, consistent with X: a
    # transposed X shows as labels that are one per row of X and not one per column.
    if n_labels is not None and n_labels == n_x != m and n_labels > 1 and targets.shape[1] != m:
        raise ValueError(
            f"X looks transposed: it has shape {X.shape} and {y_name} has {n_labels} labels,"
            f" one per row of X. X must be (n_x, m), examples in columns: pass X.T"
        )
    return X, targets


def check_X_Y(X: Any, Y: Any, *, y_name: str = "Y") -> tuple[np.ndarray, np.ndarray]:
    """``X`` and ``Y`` checked together for one sigmoid output unit, float64 (see
    :func:`check_X_targets` and :func:`check_Y`)."""
    X, targets = check_X_targets(X, Y, y_name=y_name)
    return X, check_Y(targets, X.shape[1], name=y_name)


def infer_layers_dims(parameters: Any) -> list[int]:
    """Layer sizes ``[n_x, n_1, ..., n_L]`` read off ``W1 ... WL``."""
    if not isinstance(parameters, Mapping):
        raise TypeError(
            f"parameters must be a dict like {{'W1': ..., 'b1': ...}}, got {type(parameters).__name__}"
        )
    if "W1" not in parameters:
        raise ValueError("parameters has no 'W1'")
    L = 0
    dims = []
    while f"W{L + 1}" in parameters:
        W = np.shape(parameters[f"W{L + 1}"])
        if len(W) != 2:
            raise ValueError(f"parameters['W{L + 1}'] must be 2-D, got shape {W}")
        if L == 0:
            dims.append(W[1])
        dims.append(W[0])
        L += 1
    return dims


def parameter_shapes(
    names: Iterable[str], layers_dims: Sequence[int], name: str = "parameters"
) -> dict[str, tuple[int, int]]:
    """The shape of each parameter ``W1, b1, ..., WL, bL`` of a network of
    ``layers_dims``, once ``names`` (the keys a caller has) are checked to be exactly
    those. Extra names are an error: they usually mean the network is deeper than
    ``layers_dims`` says. ``name`` names the dict in the message (an optimiser's
    state is shaped like the parameters, too)."""
    expected = {}
    for l in range(1, len(layers_dims)):
        expected[f"W{l}"] = (layers_dims[l], layers_dims[l - 1])
        expected[f"b{l}"] = (layers_dims[l], 1)
    names = set(names)
    missing = [key for key in expected if key not in names]
    if missing:
        raise ValueError(f"{name} is missing {missing} for layers_dims {list(layers_dims)}")
    extra = sorted(names - set(expected))
    if extra:
        raise ValueError(f"{name} has keys {extra} not in a network of layers_dims {list(layers_dims)}")
    return expected


def check_parameter_shape(key: str, shape: tuple[int, ...], expected: tuple[int, int],
                          layers_dims: Sequence[int], name: str = "parameters") -> None:
    """ValueError unless parameter ``key`` has the ``expected`` shape."""
    if shape != expected:
        raise ValueError(
            f"{name}[{key!r}] must have shape {expected} for layers_dims"
            f" {list(layers_dims)}, got {shape}"
        )


def check_parameters(
    parameters: Any, layers_dims: Sequence[int], name: str = "parameters", dtype: Any = np.float64
) -> dict[str, np.ndarray]:
    """Fresh C-contiguous copies of ``W1, b1, ..., WL, bL`` in ``dtype`` (float64
    by default), names, shapes and finiteness checked against ``layers_dims`` (see
    :func:`parameter_shapes`); ``name`` names the dict in the messages."""
    if not isinstance(parameters, Mapping):
        raise TypeError(
            f"{name} must be a dict like {{'W1': ..., 'b1': ...}}, got {type(parameters).__name__}"
        )
    checked = {}
    for key, shape in parameter_shapes(parameters, layers_dims, name).items():
        array = _as_float_array(parameters[key], f"{name}[{key!r}]")
        check_parameter_shape(key, array.shape, shape, layers_dims, name)
        if not _all_finite(array):
            raise ValueError(f"{name}[{key!r}] contains NaN or inf")
        checked[key] = np.array(as_dtype(array, np.dtype(dtype), f"{name}[{key!r}]"), order="C", copy=True)
    return checked


def check_network(
    parameters: Any, X: np.ndarray, *, outputs: int | None = 1, dtype: Any = np.float64
) -> tuple[list[int], dict[str, np.ndarray]]:
    """The layer sizes read off ``parameters`` and checked against a checked ``X``
    (``outputs`` output units, by default one sigmoid unit; None for any), and the
    parameters checked as :func:`check_parameters`, in ``dtype``."""
    layers_dims = infer_layers_dims(parameters)
    try:
        layers_dims = check_layers_dims(layers_dims, n_x=X.shape[0], m=X.shape[1], outputs=outputs)
    except ValueError as exc:
        raise ValueError(f"parameters do not describe a network for X of shape {X.shape}: {exc}") from None
    return layers_dims, check_parameters(parameters, layers_dims, dtype=dtype)


# ------------------------------------------------------------------ the model


def check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """``value``, one of the names ``choices``.

    Raises
    ------
    TypeError
        If ``value`` is not a string.
    ValueError
        If it is not one of ``choices``; the message lists them.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {list(choices)}, got {value!r}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def check_dtype(dtype: Any) -> np.dtype:
    """``dtype`` as one of :data:`DTYPES`: ``np.float64`` or ``np.float32``, as
    the NumPy type, a ``np.dtype`` or its name (``"float64"``, ``"float32"``).

    Raises
    ------
    TypeError
        If ``dtype`` is not a dtype at all (None included: callers that take
        None resolve it first, see :func:`check_model`).
    ValueError
        For any other dtype: float16, integers, complex, objects, strings...
    """
    allowed = [d.name for d in DTYPES]
    try:
        checked = np.dtype(dtype) if dtype is not None else None
    except TypeError:
        checked = None
    if checked is None:
        raise TypeError(f"dtype must be one of {allowed} (a NumPy float type or its name), got {dtype!r}")
    if checked not in DTYPES:
        raise ValueError(f"dtype must be one of {allowed}, got {checked.name} (from {dtype!r})")
    return checked


def parameters_dtype(parameters: Mapping[str, Any]) -> np.dtype:
    """The dtype that parameters compute in: float32 when every array is float32,
    else float64 (integer, boolean and other float arrays are converted to it).
    Values without a dtype (nested lists) count as float64."""
    if parameters and all(getattr(value, "dtype", None) == np.float32 for value in parameters.values()):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


@dataclass(frozen=True)
class ModelOptions:
    """What the network computes besides its layer sizes, as :func:`check_model`
    checks it: the output layer (and so the loss), the activation of the hidden
    layers, and the dtype of the parameters, the data and every operation."""

    output: str = "sigmoid"
    hidden_activation: str = "relu"
    dtype: np.dtype = np.dtype(np.float64)


def check_model(
    output: Any = "sigmoid",
    hidden_activation: Any = "relu",
    dtype: Any = None,
    parameters: Any = None,
    *,
    name: str = "parameters",
) -> ModelOptions:
    """Check the model's options, the one place both engines do.

    Parameters
    ----------
    output : {"sigmoid", "softmax", "identity"}
        The output layer, one of :data:`OUTPUTS`.
    hidden_activation : {"relu", "tanh", "sigmoid", "identity"}
        The hidden layers' activation, one of :data:`HIDDEN_ACTIVATIONS`.
    dtype : float64, float32 or None
        See :func:`check_dtype`. None: the dtype of ``parameters`` (see
        :func:`parameters_dtype`), float64 without them.
    parameters : dict, optional
        The parameters the run starts from (a warm start's or a resumed run's).
        Anything but a dict is left to :func:`check_parameters` to refuse.
    name : str, default="parameters"
        Names ``parameters`` in the messages.

    Returns
    -------
    ModelOptions
        With ``dtype`` resolved.

    Raises
    ------
    TypeError
        If ``output`` or ``hidden_activation`` is not a string, or ``dtype`` is
        not a dtype.
    ValueError
        If a name is unknown; ``dtype`` is not float64 or float32; the
        parameters mix float32 arrays with others; or they are of one float dtype
        and ``dtype`` names the other (integer and boolean arrays count as
        float64).
    """
    output = check_choice(output, "output", OUTPUTS)
    hidden_activation = check_choice(hidden_activation, "hidden_activation", HIDDEN_ACTIVATIONS)
    checked = None if dtype is None else check_dtype(dtype)
    if isinstance(parameters, Mapping) and parameters:
        single = [key for key, value in parameters.items() if getattr(value, "dtype", None) == np.float32]
        if single and len(single) < len(parameters):
            others = [key for key in parameters if key not in single]
            raise ValueError(
                f"{name} mix float32 arrays ({', '.join(single)}) with float64 or other"
                f" arrays ({', '.join(others)}): cast them all to one dtype"
            )
        given = parameters_dtype(parameters)
        if checked is not None and checked != given:
            raise ValueError(
                f"dtype={checked.name} but {name} are {given.name}"
                f"{' (integer and boolean arrays count as float64)' if given == np.float64 else ''}:"
                f" leave dtype out to train in {given.name}, or cast the parameters"
                f" (e.g. {{k: v.astype(np.{checked.name}) for k, v in {name}.items()}})"
            )
        checked = given
    return ModelOptions(output, hidden_activation, np.dtype(np.float64) if checked is None else checked)


def check_network_data(
    X: Any,
    Y: Any,
    parameters: Any,
    *,
    output: Any = "sigmoid",
    hidden_activation: Any = "relu",
) -> tuple[ModelOptions, np.ndarray, np.ndarray | None, list[int], dict[str, np.ndarray]]:
    """The checks of ``cost_and_gradients`` and ``predict_proba``, both engines':
    the model (:func:`check_model`, in the parameters' dtype), ``X``, the
    network ``parameters`` describe for it (:func:`check_network`, any number of
    output units that ``output`` takes) and ``Y`` for that output layer
    (:func:`check_targets`), unless ``Y`` is None.

    Returns
    -------
    model, X, Y, layers_dims, parameters
        ``X``, ``Y`` and the parameters in ``model.dtype``; ``Y`` None if not given.
    """
    model = check_model(output, hidden_activation, None, parameters)
    if Y is None:
        X, targets = check_X(X), None
    else:
        X, targets = check_X_targets(X, Y, output=model.output)
    layers_dims, parameters = check_network(parameters, X, outputs=None, dtype=model.dtype)
    check_output_units(model.output, layers_dims[-1])
    if targets is not None:
        targets = check_targets(targets, X.shape[1], layers_dims[-1], model.output, model.dtype)
    return model, as_dtype(X, model.dtype, "X"), targets, layers_dims, parameters


@dataclass(frozen=True)
class TrainingProblem:
    """Validated, converted arguments of a training run, as
    :func:`fastnn.init.prepare_training` makes them: ``X`` and ``Y`` of shape
    (n_x, m) and (K, m), both in ``model.dtype`` (the network's layers and initial
    parameters are :func:`fastnn.init.starting_point`'s job)."""

    X: np.ndarray
    Y: np.ndarray
    learning_rate: float
    num_iterations: int
    seed: Seed
    gain: float
    model: ModelOptions = ModelOptions()


@dataclass(frozen=True)
class TrainingOptions:
    """Validated options of the course unit "Improving deep neural networks":
    mini-batches, optimiser, learning-rate decay, L2 and dropout (see
    :func:`check_options`; their meaning is :func:`fastnn.reference.train`'s)."""

    optimizer: str
    mini_batch_size: int | None
    shuffle_seed: int
    beta: float
    beta1: float
    beta2: float
    epsilon: float
    decay_rate: float
    time_interval: int
    l2: float
    keep_prob: float


def _number_where(value: Any, name: str, holds: Callable[[float], bool], where: str) -> float:
    """``value`` as a finite float (see :func:`check_number`) for which ``holds`` is
    true; otherwise ValueError saying it must be ``where``."""
    number = check_number(value, name)
    if not holds(number):
        raise ValueError(f"{name} must be {where}, got {value!r}")
    return number


def check_options(
    num_iterations: int,
    *,
    optimizer: Any,
    mini_batch_size: Any,
    shuffle_seed: Any,
    beta: Any,
    beta1: Any,
    beta2: Any,
    epsilon: Any,
    decay_rate: Any,
    time_interval: Any,
    l2: Any,
    keep_prob: Any,
) -> TrainingOptions:
    """Check and convert the training options beyond the study's.

    Parameters
    ----------
    num_iterations : int
        The checked number of iterations (epochs): with mini-batches epoch ``e``
        shuffles with ``RandomState(shuffle_seed + e + 1)``, so it bounds
        ``shuffle_seed``.
    optimizer, mini_batch_size, shuffle_seed, beta, beta1, beta2, epsilon
        As for :func:`fastnn.reference.train`.
    decay_rate, time_interval, l2, keep_prob
        As for :func:`fastnn.reference.train`.

    Returns
    -------
    TrainingOptions
        Numbers as Python floats and ints; ``mini_batch_size`` None for full batch.

    Raises
    ------
    ValueError
        If ``optimizer`` is not one of :data:`OPTIMIZERS`; ``mini_batch_size`` or
        ``time_interval`` is < 1; ``shuffle_seed`` is outside [0, 2**32) or, with
        mini-batches, above 2**32 - 1 - num_iterations; ``keep_prob`` is outside (0, 1];
        ``beta``, ``beta1`` or ``beta2`` is outside [0, 1); ``epsilon`` is <= 0;
        ``l2`` or ``decay_rate`` is < 0; or any number is NaN or infinite.
    TypeError
        If ``optimizer`` is not a string; ``mini_batch_size`` (unless None),
        ``time_interval`` or ``shuffle_seed`` is not an integer; or a number is
        not a number (booleans are neither).
    """
    if not isinstance(optimizer, str):
        raise TypeError(f"optimizer must be one of {list(OPTIMIZERS)}, got {optimizer!r}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {list(OPTIMIZERS)}, got {optimizer!r}")
    if mini_batch_size is not None:
        if not _is_int(mini_batch_size):
            raise TypeError(
                f"mini_batch_size must be an integer >= 1, or None for full batch, got {mini_batch_size!r}"
            )
        if mini_batch_size < 1:
            raise ValueError(
                f"mini_batch_size must be an integer >= 1, or None for full batch, got {mini_batch_size!r}"
            )
        mini_batch_size = int(mini_batch_size)
    # With mini-batches epoch e draws its permutation from RandomState(shuffle_seed +
    # e + 1), and the last epoch's seed, shuffle_seed + num_iterations, must stay below
    # 2**32. Full batch shuffles nothing; dropout's generator takes the seed as it is.
    if not _is_int(shuffle_seed):
        raise TypeError(f"shuffle_seed must be an int, got {shuffle_seed!r}")
    if not 0 <= shuffle_seed < SEED_LIMIT:
        raise ValueError(f"shuffle_seed must be an int from 0 to 2**32 - 1, got {shuffle_seed!r}")
    highest_seed = SEED_LIMIT - 1 - num_iterations
    if mini_batch_size is not None and shuffle_seed > highest_seed:
        raise ValueError(
            f"shuffle_seed must be an int from 0 to 2**32 - 1 - num_iterations = {highest_seed}"
            f" (epoch e shuffles with RandomState(shuffle_seed + e + 1)), got {shuffle_seed!r}"
        )
    return TrainingOptions(
        optimizer=optimizer,
        mini_batch_size=mini_batch_size,
        shuffle_seed=int(shuffle_seed),
        beta=_number_where(beta, "beta", lambda x: 0 <= x < 1, "in [0, 1)"),
        beta1=_number_where(beta1, "beta1", lambda x: 0 <= x < 1, "in [0, 1)"),
        beta2=_number_where(beta2, "beta2", lambda x: 0 <= x < 1, "in [0, 1)"),
        epsilon=check_number(epsilon, "epsilon", positive=True),
        decay_rate=_number_where(decay_rate, "decay_rate", lambda x: x >= 0, ">= 0"),
        time_interval=check_positive_int(time_interval, "time_interval"),
        l2=check_l2(l2),
        keep_prob=_number_where(keep_prob, "keep_prob", lambda x: 0 < x <= 1, "in (0, 1]"),
    )


# What each optimiser keeps from one step to the next, besides the parameters:
# the fields of TrainingState that it fills (the others are None).
OPTIMIZER_STATE = {"gd": (), "momentum": ("velocity",), "adam": ("velocity", "second_moment")}


@dataclass(frozen=True, eq=False)
class TrainingState:
    """Everything besides the parameters that the next epoch of a run depends on,
    so that ``train(..., resume=result)`` continues it exactly.

    Attributes
    ----------
    options : TrainingOptions
        The checked options the run was trained with.
    epochs : int
        Epochs (iterations, for full batch) trained so far, over every call of the
        run: the next one is epoch ``epochs``, which fixes its permutation, its
        decayed learning rate and its dropout masks.
    adam_steps : int
        Adam's step count ``t`` so far (0 for the other optimisers).
    velocity : dict of str to ndarray, or None
        Momentum's velocity or Adam's first moment ``v``, shaped like the
        parameters (``{"W1": ..., "b1": ...}``); None for gradient descent.
    second_moment : dict of str to ndarray, or None
        Adam's second moment ``s``, shaped like the parameters; None unless Adam.

    The learning rate (before decay) is the result's ``learning_rate``.
    """

    options: TrainingOptions
    epochs: int
    adam_steps: int = 0
    velocity: dict[str, np.ndarray] | None = None
    second_moment: dict[str, np.ndarray] | None = None

    def __repr__(self) -> str:
        kept = ", ".join(name for name in OPTIMIZER_STATE.get(self.options.optimizer, ()))
        return (
            f"TrainingState(optimizer={self.options.optimizer!r}, epochs={self.epochs},"
            f" adam_steps={self.adam_steps}, keeps=[{kept}])"
        )


def _count(value: Any, name: str) -> int:
    """A count of a state, as a Python int from 0 to 2**63 - 1 (an int64, as a
    model file stores it and the kernel counts)."""
    if not _is_int(value):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if not 0 <= value < 2**63:
        raise ValueError(f"{name} must be an int from 0 to 2**63 - 1, got {value!r}")
    return int(value)


def check_training_state(
    state: Any, layers_dims: Sequence[int], name: str = "state", dtype: Any = np.float64
) -> TrainingState:
    """A checked copy of ``state`` for a network of ``layers_dims``, its arrays in
    ``dtype`` (the parameters').

    The options are checked again as :func:`check_options` checks them (with
    mini-batches, the last epoch trained, ``epochs - 1``, must have had a seed
    ``shuffle_seed + epochs`` below 2**32); ``epochs`` and ``adam_steps`` are
    integers from 0 to 2**63 - 1, ``adam_steps`` 0 unless the optimiser is Adam; ``velocity`` and
    ``second_moment`` are present exactly when the optimiser keeps them (see
    :data:`OPTIMIZER_STATE`), finite and shaped like the parameters, and the second
    moment, a mean of squares, is >= 0. ``name`` names the state in the messages.

    Raises
    ------
    TypeError
        If ``state`` is not a TrainingState, its options not TrainingOptions, or a
        field has the wrong type.
    ValueError
        If a field is out of range, missing, unexpected, of the wrong shape or not
        finite.
    """
    if not isinstance(state, TrainingState):
        raise TypeError(f"{name} must be a TrainingState, got {type(state).__name__}")
    if not isinstance(state.options, TrainingOptions):
        raise TypeError(f"{name}.options must be TrainingOptions, got {type(state.options).__name__}")
    epochs = _count(state.epochs, f"{name}.epochs")
    try:
        options = check_options(epochs, **vars(state.options))
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{name}.options: {exc}") from None
    adam_steps = _count(state.adam_steps, f"{name}.adam_steps")
    if adam_steps and options.optimizer != "adam":
        raise ValueError(f"{name}.adam_steps must be 0 for optimizer {options.optimizer!r}, got {adam_steps}")
    kept = {}
    for field in ("velocity", "second_moment"):
        value = getattr(state, field)
        if field not in OPTIMIZER_STATE[options.optimizer]:
            if value is not None:
                raise ValueError(f"{name}.{field} must be None for optimizer {options.optimizer!r}, which keeps none")
            kept[field] = None
            continue
        if value is None:
            raise ValueError(f"{name}.{field} is missing: optimizer {options.optimizer!r} keeps one")
        if dtype is not None:
            # A resumed run must go on bit for bit: a state of the other precision
            # would be rounded here, silently. (Integer arrays are exact in either.)
            for key, array in value.items() if isinstance(value, Mapping) else ():
                kind = getattr(array, "dtype", np.dtype(np.float64))
                if kind.kind == "f" and kind != np.dtype(dtype):
                    raise ValueError(
                        f"{name}.{field}[{key!r}] is {kind.name} but the parameters are"
                        f" {np.dtype(dtype).name}: a state of one precision cannot continue a run in the other"
                    )
        kept[field] = check_parameters(value, layers_dims, f"{name}.{field}", dtype)
    for key, array in (kept["second_moment"] or {}).items():
        if (array < 0).any():
            raise ValueError(f"{name}.second_moment[{key!r}] must be >= 0 (a mean of squared gradients)")
    return TrainingState(options, epochs, adam_steps, **kept)


def check_resumed_options(
    options: TrainingOptions,
    learning_rate: float,
    trained: TrainingOptions,
    trained_rate: float,
    model: ModelOptions | None = None,
    trained_model: ModelOptions | None = None,
) -> None:
    """ValueError unless a resumed run is given exactly the options (and learning
    rate, and, if given, the model: output layer, hidden activation, dtype) it was
    trained with, listing every one that differs. The signature's defaults cannot
    tell an option left out from one passed at its default, so every option must
    be passed again: a silent switch of optimiser, schedule or loss would not
    continue the run. (``dtype`` is the exception: its default, None, means the
    result's, and the caller passes the result's dtype in ``model`` for it.)"""
    given = {"learning_rate": learning_rate, **vars(options)}
    before = {"learning_rate": trained_rate, **vars(trained)}
    if model is not None and trained_model is not None:
        for key, value in vars(model).items():
            given[key] = value.name if key == "dtype" else value
        for key, value in vars(trained_model).items():
            before[key] = value.name if key == "dtype" else value
    differ = [key for key in given if given[key] != before[key]]
    if differ:
        raise ValueError(
            "resume: "
            + ", ".join(f"{key}={given[key]!r} but the result was trained with {before[key]!r}" for key in differ)
            + "; pass the same options ("
            + ", ".join(f"{key}={before[key]!r}" for key in differ)
            + ") or start afresh from its weights with parameters=result.parameters"
        )


def divergence(iteration: int, learning_rate: float) -> FloatingPointError:
    """The error both engines raise when an update leaves a parameter NaN or inf."""
    return FloatingPointError(
        f"training diverged: the parameters became NaN or inf at iteration {iteration}"
        f" (learning_rate={learning_rate}); try a smaller learning rate"
    )


def check_final_cost(costs: np.ndarray, learning_rate: float) -> None:
    """Warn when a finished training's final cost is infinite.

    An infinite cost with finite weights means the output sigmoid rounded to exactly
    0 or 1 on examples of the other label (a softmax to 0 on an example's class; a
    squared error overflowed). If the cost was finite earlier, the
    steps threw it there: the learning rate is too large. If it was never finite,
    the initial weights put it there and the run was too short to recover. A cost
    that is infinite only at the start (the study's large random weights) and
    finite at the end is not a problem and gives no warning.
    """
    if not (len(costs) and np.isinf(costs[-1])):
        return
    if np.isfinite(costs).any():
        advice = f"try a smaller learning rate (learning_rate={learning_rate!r})"
    else:
        advice = (
            "it was infinite from the first iteration, so the initial weights are too"
            " large for the output: try a smaller scale or gain, or more iterations"
        )
    warnings.warn(
        "the final cost is infinite: the output put a probability of exactly 0 on the"
        " true label of some examples (a saturated sigmoid or softmax), or overflowed;"
        f" {advice}",
        RuntimeWarning,
        stacklevel=3,
    )
