"""The initialisation study and drop-ins for the study's own functions.

``model``, ``predict`` and the ``initialize_parameters_*`` functions keep the study's
names, arguments and printed output, so a notebook switches to fastnn with one import;
``predict`` and ``accuracy`` also take the network's ``output`` and
``hidden_activation`` (a :class:`TrainResult` records both). :func:`run_study` trains
each scheme and gathers the study's closing table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from fastnn import engine, reference
from fastnn._validate import OUTPUTS, check_choice, check_model, check_targets, check_X
from fastnn.data import load_dataset
from fastnn.init import DEFAULT_HIDDEN
from fastnn.result import TrainResult

__all__ = [
    "model", "predict", "accuracy", "run_study", "StudyRow", "ENGINES", "STUDY_INITIALIZATIONS",
    "CLASSIFIER_OUTPUTS", "check_classifier_output",
]

ENGINES: dict[str, Callable[..., TrainResult]] = {
    "compiled": engine.train,
    "reference": reference.train,
}

STUDY_INITIALIZATIONS = ("zeros", "random", "he")

# The output layers that classify, with the units that classify the study's two
# classes: one sigmoid unit (the study's), or a softmax over two units, one per
# class (labels 0 and 1 are its class labels). An identity output is a
# regression: it has no classes for predict and accuracy to count.
CLASSIFIER_OUTPUTS = {"sigmoid": 1, "softmax": 2}


def check_classifier_output(output: Any) -> str:
    """``output``, checked to be a classifier's output layer (one of
    :data:`CLASSIFIER_OUTPUTS`).

    Raises
    ------
    TypeError
        If ``output`` is not a string.
    ValueError
        If it is unknown, or "identity", a regression output.
    """
    output = check_choice(output, "output", OUTPUTS)
    if output not in CLASSIFIER_OUTPUTS:
        raise ValueError(
            f"output={output!r} is a regression output (squared error), with no classes to"
            f" predict or count as right: use one of {list(CLASSIFIER_OUTPUTS)}, or compare"
            " fastnn.predict_proba's values with the targets"
        )
    return output


def model(
    X: Any,
    Y: Any,
    learning_rate: float = 0.01,
    num_iterations: int = 15000,
    print_cost: bool = True,
    initialization: str = "he",
) -> dict[str, np.ndarray]:
    """The study's ``model``: a [n_x, 10, 5, 1] network trained on the compiled engine.

    Prints ``Cost after iteration i: c`` every 1000 iterations when ``print_cost``.
    Unlike the study it draws no plot, so a script never blocks on a window; plot
    ``fastnn.train(...).costs`` with :func:`fastnn.plots.plot_costs` instead.

    Returns
    -------
    dict of str to ndarray
        The trained parameters ``{"W1", "b1", "W2", "b2", "W3", "b3"}``.
    """
    result = engine.train(
        X,
        Y,
        initialization=initialization,
        learning_rate=learning_rate,
        num_iterations=num_iterations,
        print_cost=print_cost,
    )
    return result.parameters


def _predictions(
    X: Any, y: Any, parameters: Mapping[str, Any], output: str, hidden_activation: str
) -> tuple[np.ndarray, np.ndarray]:
    """The network's predictions and the labels they are to be compared with, both
    int-valued arrays of the same shape: (K, m) 0/1 labels for sigmoid units, the
    classes (1, m) for softmax."""
    if isinstance(X, Mapping):
        raise TypeError(
            "X is a dict, which looks like the parameters: the study's order is"
            " predict(X, y, parameters) (and accuracy(X, y, parameters)), data first"
        )
    output = check_classifier_output(output)
    X = check_X(X)
    probabilities = engine.predict_proba(X, parameters, output=output, hidden_activation=hidden_activation)
    K, m = probabilities.shape
    y = check_targets(y, m, K, output, name="y")
    if output == "softmax":                      # one-hot columns back to classes
        y = np.argmax(y, axis=0).reshape(1, m)
    return reference.OUTPUT_LAYERS[output].predict(probabilities), y


def predict(
    X: Any, y: Any, parameters: Mapping[str, Any], *, output: str = "sigmoid", hidden_activation: str = "relu"
) -> np.ndarray:
    """The study's ``predict``: 0/1 predictions, printing ``Accuracy: ...``.

    Parameters
    ----------
    X : array_like of shape (n_x, m)
    y : array_like of shape (1, m)
        True labels, used for the printed accuracy: 0 or 1 per sigmoid unit
        (shape (K, m) for K units), class labels (or one-hot columns) for softmax.
    parameters : dict
        Trained parameters, e.g. from :func:`model`.
    output : {"sigmoid", "softmax"}, default="sigmoid"
        The network's output layer (a :class:`TrainResult`'s ``output``).
    hidden_activation : {"relu", "tanh", "sigmoid", "identity"}, default="relu"
        Its hidden layers' activation (a :class:`TrainResult`'s
        ``hidden_activation``).

    Returns
    -------
    ndarray
        Sigmoid: of shape (K, m), 1 where the output probability is above 0.5,
        else 0 (int64). Softmax: of shape (1, m), the class of the largest
        probability (int64).

    Raises
    ------
    ValueError, TypeError
        As :func:`fastnn.predict_proba` and, for ``y``, as :func:`fastnn.train`;
        ValueError for ``output="identity"``, a regression with nothing to count.
    """
    p, y = _predictions(X, y, parameters, output, hidden_activation)
    print("Accuracy: " + str(np.mean(np.all(p == y, axis=0))))
    return p


def accuracy(
    X: Any, y: Any, parameters: Mapping[str, Any], *, output: str = "sigmoid", hidden_activation: str = "relu"
) -> float:
    """Fraction of examples whose prediction equals the label: the output above
    0.5 (every unit's, for K sigmoid units), or the softmax's most probable class.

    Parameters and Raises as :func:`predict`; unlike it, this prints nothing.
    """
    p, y = _predictions(X, y, parameters, output, hidden_activation)
    return float(np.mean(np.all(p == y, axis=0)))


@dataclass(frozen=True)
class StudyRow:
    """One line of the study's closing table."""

    initialization: str
    result: TrainResult
    train_accuracy: float
    test_accuracy: float


def run_study(
    initializations: Sequence[str] = STUDY_INITIALIZATIONS,
    *,
    learning_rate: float = 0.01,
    num_iterations: int = 15000,
    engine_name: str = "compiled",
    print_cost: bool = False,
    on_row: Callable[[StudyRow], None] | None = None,
    output: str = "sigmoid",
    hidden_activation: str = "relu",
    dtype: Any = None,
) -> list[StudyRow]:
    """Train the study's network from each initialisation on the study's data.

    Parameters
    ----------
    initializations : sequence of str, default=("zeros", "random", "he")
    learning_rate : float, default=0.01
    num_iterations : int, default=15000
    engine_name : {"compiled", "reference"}, default="compiled"
    print_cost : bool, default=False
        Print the cost every 1000 iterations.
    on_row : callable, optional
        Called with each row as soon as it is finished.
    output : {"sigmoid", "softmax"}, default="sigmoid"
        The output layer: the study's single sigmoid unit, or a softmax over two
        units, the labels 0 and 1 its classes (the network is then
        ``[2, 10, 5, 2]``).
    hidden_activation : {"relu", "tanh", "sigmoid", "identity"}, default="relu"
    dtype : {float64, float32} or None, default=None
        As for :func:`fastnn.train` (None is float64).

    Returns
    -------
    list of StudyRow

    Raises
    ------
    ValueError, TypeError
        For an unknown engine, an output layer that does not classify
        ("identity"), or options :func:`fastnn.train` refuses; the engine and
        the model's names are checked before any run.
    """
    if engine_name not in ENGINES:
        raise ValueError(f"engine must be one of {sorted(ENGINES)}, got {engine_name!r}")
    model = check_model(check_classifier_output(output), hidden_activation, dtype)
    train = ENGINES[engine_name]
    train_X, train_Y, test_X, test_Y = load_dataset()
    layers_dims = [train_X.shape[0], *DEFAULT_HIDDEN, CLASSIFIER_OUTPUTS[model.output]]
    rows = []
    for name in initializations:
        result = train(
            train_X,
            train_Y,
            layers_dims,
            initialization=name,
            learning_rate=learning_rate,
            num_iterations=num_iterations,
            print_cost=print_cost,
            output=model.output,
            hidden_activation=model.hidden_activation,
            dtype=model.dtype,
        )
        evaluated = dict(output=result.output, hidden_activation=result.hidden_activation)
        row = StudyRow(
            name,
            result,
            accuracy(train_X, train_Y, result.parameters, **evaluated),
            accuracy(test_X, test_Y, result.parameters, **evaluated),
        )
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows


def format_table(rows: Sequence[StudyRow]) -> str:
    """The study's closing table as aligned text."""
    header = f"{'initialization':<15}{'first cost':>20}{'final cost':>22}{'train acc':>11}{'test acc':>10}{'time (s)':>10}"
    lines = [header, "-" * len(header)]
    for row in rows:
        costs = row.result.costs
        lines.append(
            f"{row.initialization:<15}{costs[0]:>20.16g}{costs[-1]:>22.16g}"
            f"{row.train_accuracy:>11.4f}{row.test_accuracy:>10.4f}{row.result.elapsed:>10.3f}"
        )
    return "\n".join(lines)
