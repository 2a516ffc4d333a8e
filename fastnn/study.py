"""The initialisation study and drop-ins for the study's own functions.

``model``, ``predict`` and the ``initialize_parameters_*`` functions keep the study's
names, arguments and printed output, so a notebook switches to fastnn with one import.
:func:`run_study` trains each scheme and gathers the study's closing table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from fastnn import engine, reference
from fastnn._validate import check_X, check_Y
from fastnn.data import load_dataset
from fastnn.result import TrainResult

__all__ = ["model", "predict", "accuracy", "run_study", "StudyRow", "ENGINES", "STUDY_INITIALIZATIONS"]

ENGINES: dict[str, Callable[..., TrainResult]] = {
    "compiled": engine.train,
    "reference": reference.train,
}

STUDY_INITIALIZATIONS = ("zeros", "random", "he")


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


def _predictions(X: Any, y: Any, parameters: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(X, Mapping):
        raise TypeError(
            "X is a dict, which looks like the parameters: the study's order is"
            " predict(X, y, parameters) (and accuracy(X, y, parameters)), data first"
        )
    X = check_X(X)
    y = check_Y(y, X.shape[1], name="y")
    probabilities = engine.predict_proba(X, parameters)
    return (probabilities > 0.5).astype(np.int64), y


def predict(X: Any, y: Any, parameters: Mapping[str, Any]) -> np.ndarray:
    """The study's ``predict``: 0/1 predictions, printing ``Accuracy: ...``.

    Parameters
    ----------
    X : array_like of shape (n_x, m)
    y : array_like of shape (1, m)
        True labels, 0 or 1, used for the printed accuracy.
    parameters : dict
        Trained parameters, e.g. from :func:`model`.

    Returns
    -------
    ndarray of shape (1, m)
        1 where the output probability is above 0.5, else 0 (int64).
    """
    p, y = _predictions(X, y, parameters)
    print("Accuracy: " + str(np.mean(p[0, :] == y[0, :])))
    return p


def accuracy(X: Any, y: Any, parameters: Mapping[str, Any]) -> float:
    """Fraction of examples whose prediction (output > 0.5) equals the label."""
    p, y = _predictions(X, y, parameters)
    return float(np.mean(p[0, :] == y[0, :]))


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

    Returns
    -------
    list of StudyRow
    """
    if engine_name not in ENGINES:
        raise ValueError(f"engine must be one of {sorted(ENGINES)}, got {engine_name!r}")
    train = ENGINES[engine_name]
    train_X, train_Y, test_X, test_Y = load_dataset()
    rows = []
    for name in initializations:
        result = train(
            train_X,
            train_Y,
            initialization=name,
            learning_rate=learning_rate,
            num_iterations=num_iterations,
            print_cost=print_cost,
        )
        row = StudyRow(
            name,
            result,
            accuracy(train_X, train_Y, result.parameters),
            accuracy(test_X, test_Y, result.parameters),
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
