"""fastnn: the classic three-layer initialisation study on a compiled engine.

>>> import fastnn
>>> train_X, train_Y, test_X, test_Y = fastnn.load_dataset()
>>> result = fastnn.train(train_X, train_Y, initialization="he")
>>> fastnn.accuracy(test_X, test_Y, result.parameters)
0.96

The study's own functions (``model``, ``predict``, ``initialize_parameters_he``, ...)
are drop-ins, as are the optimisation and regularisation notebooks' in
``fastnn.optimization`` and ``fastnn.regularization``; ``fastnn.gradient_check``
checks an engine's backward pass against finite differences; ``fastnn.reference``
holds the plain NumPy oracle. ``fastnn.MLPClassifier`` and ``fastnn.MLPRegressor``
are scikit-learn's estimators trained by the kernel (they need scikit-learn:
``pip install 'fastnn[sklearn]'``; see :mod:`fastnn.estimators`).
"""
from importlib.metadata import PackageNotFoundError, version as _version

from fastnn import optimization, reference, regularization
from fastnn._dispatch import build_info
from fastnn.data import load_dataset, load_moons, load_regularization_data, make_donut, make_moons
from fastnn.diagnose import diagnose
from fastnn.gradcheck import GradientCheck, gradient_check
from fastnn.engine import cost_and_gradients, predict_proba, train
from fastnn.io import load, save
from fastnn.init import (
    INITIALIZATIONS,
    calculate_gain,
    initialize_parameters,
    initialize_parameters_he,
    initialize_parameters_random,
    initialize_parameters_zeros,
    register_initialization,
    variance_scaling,
)
from fastnn.result import TrainingState, TrainResult
from fastnn.study import accuracy, model, predict, run_study
from fastnn.sweep import sweep

try:
    __version__ = _version("fastnn")
except PackageNotFoundError:  # pragma: no cover - not installed
    __version__ = "0+unknown"

# The scikit-learn estimators, imported on first use: ``import fastnn`` works without
# scikit-learn, and only using them asks for it (fastnn.estimators raises ImportError
# with the command to run). They stay out of __all__ so that ``from fastnn import *``
# does not import scikit-learn either.
_ESTIMATORS = ("MLPClassifier", "MLPRegressor")


def __getattr__(name: str):
    if name in _ESTIMATORS:
        from fastnn import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module 'fastnn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_ESTIMATORS))


__all__ = [
    "GradientCheck",
    "INITIALIZATIONS",
    "TrainResult",
    "TrainingState",
    "accuracy",
    "build_info",
    "calculate_gain",
    "cost_and_gradients",
    "diagnose",
    "gradient_check",
    "initialize_parameters",
    "initialize_parameters_he",
    "initialize_parameters_random",
    "initialize_parameters_zeros",
    "load",
    "load_dataset",
    "load_moons",
    "load_regularization_data",
    "make_donut",
    "make_moons",
    "model",
    "optimization",
    "predict",
    "predict_proba",
    "reference",
    "register_initialization",
    "regularization",
    "run_study",
    "save",
    "sweep",
    "train",
    "variance_scaling",
    "__version__",
]
