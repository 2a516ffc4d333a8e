"""The study made robust: every scheme, many seeds, optionally several learning rates.

Each training runs on the compiled engine with one thread; the trainings themselves
run in parallel on any :class:`concurrent.futures.Executor` - by default a thread
pool over the local cores (the kernel releases the GIL, so threads really run in
parallel), or a process pool, or a cluster's executor such as Dask's
``distributed.Client(...).get_executor()``. Every option is checked and every scheme
looked up here, before any job starts; a job carries the scheme itself, not its
name, so schemes registered in this process work in workers that never registered
them. Results are gathered in job order, so they do not depend on the executor or
the number of workers.
"""
from __future__ import annotations

import concurrent.futures
import csv
import json
import pickle
import sys
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from fastnn._dispatch import available_cores
from fastnn._validate import check_learning_rate, check_model, check_positive_int, check_seed, check_X_Y
from fastnn.data import load_dataset
from fastnn.init import DEFAULT_HIDDEN, INITIALIZATIONS, Scheme, get_initialization, scheme_name
from fastnn.io import json_number
from fastnn.study import CLASSIFIER_OUTPUTS, check_classifier_output

__all__ = ["SweepRun", "SweepResult", "sweep"]

CURVE_EVERY = 10          # the cost curves keep one iteration in ten
GOOD_TEST_ACCURACY = 0.95


@dataclass(frozen=True)
class SweepRun:
    """One training of the sweep."""

    initialization: str
    seed: int
    learning_rate: float
    final_cost: float
    train_accuracy: float
    test_accuracy: float
    curve: np.ndarray = field(repr=False)   # costs[::CURVE_EVERY]


@dataclass
class SweepResult:
    """All runs of a sweep, in job order (scheme, then learning rate, then seed),
    and the network every run trained: its output layer, hidden activation and
    dtype (by name)."""

    runs: list[SweepRun]
    num_iterations: int
    output: str = "sigmoid"
    hidden_activation: str = "relu"
    dtype: str = "float64"

    def groups(self) -> dict[tuple[str, float], list[SweepRun]]:
        out: dict[tuple[str, float], list[SweepRun]] = {}
        for run in self.runs:
            out.setdefault((run.initialization, run.learning_rate), []).append(run)
        return out

    def summary(self) -> list[dict[str, Any]]:
        """Per scheme and learning rate: mean, std, min and max of the final cost and
        of both accuracies, and the fraction of runs with test accuracy >= 95 %."""
        rows = []
        for (name, lr), runs in self.groups().items():
            row: dict[str, Any] = {"initialization": name, "learning_rate": lr, "runs": len(runs)}
            for metric in ("final_cost", "train_accuracy", "test_accuracy"):
                values = np.array([getattr(r, metric) for r in runs])
                with np.errstate(invalid="ignore"):  # the spread of costs that include inf is NaN
                    spread = float(values.std())
                row.update({f"{metric}_mean": float(values.mean()), f"{metric}_std": spread,
                            f"{metric}_min": float(values.min()), f"{metric}_max": float(values.max())})
            row["fraction_test_accuracy_ge_95"] = float(np.mean([r.test_accuracy >= GOOD_TEST_ACCURACY for r in runs]))
            rows.append(row)
        return rows

    def table(self) -> str:
        """The summary as aligned text."""
        header = (f"{'initialization':<16}{'lr':>7}{'runs':>5}{'final cost':>22}{'train acc':>18}"
                  f"{'test acc':>18}{'test range':>14}{'>=95%':>7}")
        lines = [header, "-" * len(header)]
        for s in self.summary():
            lines.append(
                f"{s['initialization']:<16}{s['learning_rate']:>7g}{s['runs']:>5}"
                f"{s['final_cost_mean']:>12.4g} ± {s['final_cost_std']:<7.2g}"
                f"{s['train_accuracy_mean']:>9.3f} ± {s['train_accuracy_std']:<6.3f}"
                f"{s['test_accuracy_mean']:>9.3f} ± {s['test_accuracy_std']:<6.3f}"
                f"{s['test_accuracy_min']:>7.2f}-{s['test_accuracy_max']:<5.2f}"
                f"{s['fraction_test_accuracy_ge_95']:>7.0%}"
            )
        return "\n".join(lines)

    def to_csv(self, path: str) -> str:
        """One row per run (no curves); loads with ``pandas.read_csv``."""
        with open(path, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["initialization", "seed", "learning_rate", "final_cost", "train_accuracy", "test_accuracy"])
            for r in self.runs:
                writer.writerow([r.initialization, r.seed, r.learning_rate, repr(r.final_cost),
                                 r.train_accuracy, r.test_accuracy])
        return path

    def to_json(self, path: str) -> str:
        """The network (``output``, ``hidden_activation``, ``dtype``), the summary
        and every run (no curves), as strict JSON: an infinite or NaN number (a ×10
        start's final cost, the spread of costs that include inf) is written as the
        string "inf", "-inf" or "nan". Loads with ``pandas.json_normalize``."""

        def strict(record: dict[str, Any]) -> dict[str, Any]:
            return {k: json_number(v) if isinstance(v, float) else v for k, v in record.items()}

        runs = [strict({k: v for k, v in asdict(r).items() if k != "curve"}) for r in self.runs]
        summary = [strict(row) for row in self.summary()]
        with open(path, "w") as f:
            json.dump({"num_iterations": self.num_iterations, "output": self.output,
                       "hidden_activation": self.hidden_activation, "dtype": self.dtype,
                       "summary": summary, "runs": runs}, f, indent=1, allow_nan=False)
        return path


def _train_one(job: tuple) -> SweepRun:
    # Module-level, with plain arguments, so that process and cluster executors can
    # pickle it. The job holds the scheme itself: a worker process has only the
    # built-in names in its registry.
    from fastnn import engine
    from fastnn.study import accuracy

    name, scheme, seed, learning_rate, num_iterations, train_X, train_Y, test_X, test_Y, model = job
    output, hidden_activation, dtype = model
    layers_dims = [train_X.shape[0], *DEFAULT_HIDDEN, CLASSIFIER_OUTPUTS[output]]
    result = engine.train(train_X, train_Y, layers_dims, initialization=scheme, learning_rate=learning_rate,
                          num_iterations=num_iterations, seed=seed, n_threads=1, output=output,
                          hidden_activation=hidden_activation, dtype=dtype)
    evaluated = dict(output=result.output, hidden_activation=result.hidden_activation)
    return SweepRun(name, seed, learning_rate, float(result.costs[-1]),
                    accuracy(train_X, train_Y, result.parameters, **evaluated),
                    accuracy(test_X, test_Y, result.parameters, **evaluated),
                    result.costs[::CURVE_EVERY].copy())


def _check_sweep_seed(seed: Any) -> int:
    # A sweep's seeds are ints: a Generator shared by concurrent jobs would make the
    # draws depend on their timing.
    seed = check_seed(seed)
    if not isinstance(seed, int):
        raise TypeError(f"a sweep's seeds must be ints, got {seed!r}")
    return seed


def _progress_bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // total
    sys.stderr.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} trainings")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _check_picklable(schemes: list[tuple[str, Scheme]]) -> None:
    for name, scheme in schemes:
        try:
            pickle.dumps(scheme)
        except Exception as exc:
            raise ValueError(
                f"initialization {name!r} cannot be sent to the executor's workers: it does not"
                f" pickle ({type(exc).__name__}: {exc}). Define the scheme at module level, in a"
                " module the workers can import (not as a lambda or inside a function)"
            ) from None


def sweep(
    initializations: Sequence[str | Scheme] | None = None,
    seeds: Iterable[int] = range(50),
    learning_rates: Sequence[float] = (0.01,),
    num_iterations: int = 15000,
    *,
    executor: concurrent.futures.Executor | None = None,
    progress: bool | Callable[[int, int], None] | None = None,
    data: tuple | None = None,
    output: str = "sigmoid",
    hidden_activation: str = "relu",
    dtype: Any = None,
) -> SweepResult:
    """Train every scheme from many seeds (and learning rates) on the donut data.

    Every run trains the study's network, ``[n_x, 10, 5, 1]`` (``[n_x, 10, 5, 2]``
    for a softmax), with the same output layer, hidden activation and dtype.

    Parameters
    ----------
    initializations : sequence of str or callable, optional
        Scheme names (registered in this process, or aliases) or schemes
        ``(fan_out, fan_in, rng) -> W`` themselves, recorded by their ``__name__``.
        Default: every registered scheme.
    seeds : iterable of int, default=range(50)
        Ints in [0, 2**32).
    learning_rates : sequence of float, default=(0.01,)
    num_iterations : int, default=15000
    executor : concurrent.futures.Executor, optional
        Where the trainings run. Default: a thread pool with one worker per core.
        Any executor works, e.g. a ``ProcessPoolExecutor`` or
        ``distributed.Client(...).get_executor()``. Any executor other than a
        ``ThreadPoolExecutor`` is taken to pickle the jobs, so every scheme must
        pickle (be defined at module level, in a module the workers can import).
    progress : bool or callable, optional
        A callable receives ``(done, total)``; True draws a bar on stderr; default:
        a bar only when stderr is a terminal.
    data : tuple, optional
        ``(train_X, train_Y, test_X, test_Y)``; default: the study's data. The
        labels are two classes, 0 and 1.
    output : {"sigmoid", "softmax"}, default="sigmoid"
        The study's single sigmoid unit, or a softmax over two units, one per
        class. An identity output, a regression, has no accuracy to sweep.
    hidden_activation : {"relu", "tanh", "sigmoid", "identity"}, default="relu"
    dtype : {float64, float32} or None, default=None
        As for :func:`fastnn.train` (None is float64).

    Returns
    -------
    SweepResult
        ``.runs`` in job order; ``.summary()``, ``.table()``, ``.to_csv()``,
        ``.to_json()``; ``.output``, ``.hidden_activation`` and ``.dtype``.

    Raises
    ------
    ValueError, TypeError
        For unknown schemes, bad options or data, an output layer that does not
        classify, or a scheme that does not pickle for an executor that needs it
        (all checked before any job starts).
    """
    # Fail fast on bad options, in this process, before any worker starts.
    model = check_model(check_classifier_output(output), hidden_activation, dtype)
    initializations = list(INITIALIZATIONS) if initializations is None else list(initializations)
    schemes = [(scheme_name(init), get_initialization(init)) for init in initializations]
    seeds = [_check_sweep_seed(seed) for seed in seeds]
    learning_rates = [check_learning_rate(lr) for lr in learning_rates]
    num_iterations = check_positive_int(num_iterations, "num_iterations")
    if not schemes or not seeds or not learning_rates:
        raise ValueError("a sweep needs at least one initialization, one seed and one learning rate")
    train_X, train_Y, test_X, test_Y = data if data is not None else load_dataset()
    train_X, train_Y = check_X_Y(train_X, train_Y)
    test_X, test_Y = check_X_Y(test_X, test_Y)
    if test_X.shape[0] != train_X.shape[0]:
        raise ValueError(
            f"the test data has {test_X.shape[0]} features and the training data"
            f" {train_X.shape[0]}: test_X must be (n_x, m_test) with the same n_x"
        )
    if executor is not None and not isinstance(executor, concurrent.futures.ThreadPoolExecutor):
        _check_picklable(schemes)
    network = (model.output, model.hidden_activation, model.dtype.name)
    jobs = [(name, scheme, seed, lr, num_iterations, train_X, train_Y, test_X, test_Y, network)
            for name, scheme in schemes for lr in learning_rates for seed in seeds]

    if progress is None:
        progress = sys.stderr.isatty()
    report = _progress_bar if progress is True else (progress or None)
    own = executor is None
    if own:
        executor = concurrent.futures.ThreadPoolExecutor(max_workers=available_cores())
    try:
        futures = [executor.submit(_train_one, job) for job in jobs]
        if report:
            for done, _ in enumerate(concurrent.futures.as_completed(futures), start=1):
                report(done, len(futures))
        runs = [future.result() for future in futures]
    finally:
        if own:
            executor.shutdown(cancel_futures=True)
    return SweepResult(runs, num_iterations, *network)
