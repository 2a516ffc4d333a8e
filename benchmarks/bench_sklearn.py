"""fastnn.MLPClassifier / MLPRegressor against scikit-learn's, fit time on one thread.

Cases: datasets that ship with scikit-learn and one synthetic problem, each with the
solver and network named in its row (``CASES``). Data is built and standardised
outside the timed part.

For each case a correctness gate comes first: both estimators are fitted for
``GATE_EPOCHS`` epochs with the same parameters and random_state, and their loss
curves must agree within 1e-9 relative at every epoch (the parity tests' tolerance,
tests/test_estimators.py) - a case that disagrees is reported as such and never
timed. Then one warm-up fit each and ``--repeats`` timed fits of ``--epochs`` epochs
(``tol=0`` and ``n_iter_no_change=epochs``, so that neither stops early), taken in
rounds that time both estimators once, so that a burst of load on a shared machine
slows both alike. Everything runs on one thread (``threadpool_limits(1)``: NumPy's
BLAS for scikit-learn, the kernel's OpenMP for fastnn). Reported: median, min and
max seconds per fit, milliseconds per epoch, and the speed-up (median over median).

OpenBLAS: as benchmarks/bench_train.py, this script re-executes itself without
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, so that scikit-learn runs on the BLAS kernel
NumPy would choose, and prints the kernel NumPy used. ``--keep-env`` leaves them.

Output: a table on stdout and JSON (``--out``/bench_sklearn.json).

Usage::

    python benchmarks/bench_sklearn.py            # every case (about five minutes)
    python benchmarks/bench_sklearn.py --quick    # fewer epochs and repeats (~30 s)
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings

# 200 epochs: scikit-learn's default max_iter, the longest fit a default estimator runs.
FULL = {"epochs": 200, "repeats": 5}
QUICK = {"epochs": 5, "repeats": 2}
GATE_EPOCHS = 10
# tests/test_estimators.py's tolerance: summation order only.
GATE_RTOL = 1e-9

# name -> (estimator kind, data, parameters)
CASES = {
    # small networks (<= 32 hidden units), where scikit-learn's time is Python's
    "wine, adam (16, 8)": ("classifier", "wine", dict(hidden_layer_sizes=(16, 8), solver="adam")),
    "wine, sgd (16, 8)": ("classifier", "wine", dict(hidden_layer_sizes=(16, 8), solver="sgd")),
    "breast_cancer, sgd momentum, batch 32, (32,)": (
        "classifier", "breast_cancer",
        dict(hidden_layer_sizes=(32,), solver="sgd", momentum=0.9, batch_size=32, learning_rate_init=0.01)),
    "breast_cancer, adam (32,)": ("classifier", "breast_cancer", dict(hidden_layer_sizes=(32,), solver="adam")),
    "moons, adam (16, 8)": ("classifier", "moons", dict(hidden_layer_sizes=(16, 8), solver="adam")),
    "moons, sgd (16, 8)": ("classifier", "moons", dict(hidden_layer_sizes=(16, 8), solver="sgd")),
    # wider ones, where BLAS does much of the work on both sides
    "digits, adam (64,), batch 64": (
        "classifier", "digits", dict(hidden_layer_sizes=(64,), solver="adam", batch_size=64)),
    "digits, adam (256,)": ("classifier", "digits", dict(hidden_layer_sizes=(256,), solver="adam")),
    "10,000 x 50 synthetic, adam (256, 128)": (
        "classifier", "synthetic", dict(hidden_layer_sizes=(256, 128), solver="adam")),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs and repeats (~30 s)")
    parser.add_argument("--epochs", type=int,
                        help="epochs per timed fit (default: 200, scikit-learn's max_iter; --quick: 5)")
    parser.add_argument("--repeats", type=int, help="timed fits per estimator (default: 5; --quick: 2)")
    parser.add_argument("--cases", nargs="+", choices=list(CASES), metavar="CASE",
                        help="cases to run (default: all)")
    parser.add_argument("--out", default="benchmarks/results", help="folder for the JSON")
    parser.add_argument("--keep-env", action="store_true", help="do not unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE")
    parser.add_argument("--jobs", action="store_true",
                        help="instead: GridSearchCVs of fastnn.MLPClassifier (fits of 100 and of 1,000"
                             " epochs) with n_jobs=1 and n_jobs=2 (joblib's threads), interleaved, and the"
                             " speed-up of two threads")
    return parser.parse_args(argv)


def grid_search_threads(rounds: int = 5, epochs: int = 100) -> bool:
    """GridSearchCV over 4 x 2 parameter settings x 3 folds of moons (1,000 x 2),
    fastnn.MLPClassifier (16, 8) with Adam for ``epochs`` epochs, on joblib's
    threading backend with one and with two jobs. The kernel releases the GIL, so
    two fits' epochs run side by side; scikit-learn's Python in each fit (input
    checks, label binarising, scoring) holds it. (A fit's batches of 200 are one
    block of examples, which the kernel runs on one thread.) Prints the medians and
    their ratio; returns whether both searches scored alike.

    Two searches are timed: with ``refit=False``, the 24 fits that joblib's threads
    run; and with the default ``refit=True``, as most searches run, which then fits
    the best setting on all the data alone (scikit-learn runs the refit after the
    search, on the calling thread): with fits of time f and a refit of r (1.5 f here),
    two threads can give at most (24 f + r) / (12 f + r), 1.89x.

    Each round also times a control on the same backend: 24 tasks, each of them
    GIL-free (``fastnn.train`` on the study's data, as long as an average fit of the
    search with one job, measured in the warm-up round). Its speed-up is what two
    threads give on this machine when no task holds the GIL - the ceiling for the
    24 fits'."""
    import numpy as np
    from joblib import Parallel, delayed, parallel_backend
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV

    import fastnn

    X, y = load("moons")
    estimator = fastnn.MLPClassifier(hidden_layer_sizes=(16, 8), max_iter=epochs, tol=0.0,
                                     n_iter_no_change=epochs, random_state=0)
    grid = {"alpha": [1e-5, 1e-4, 1e-3, 1e-2], "learning_rate_init": [1e-3, 3e-3]}
    n_tasks = 3 * len(grid["alpha"]) * len(grid["learning_rate_init"])
    X_study, Y_study = fastnn.make_donut(300, seed=1)
    iterations = 1

    def gil_free_task():
        fastnn.train(X_study, Y_study, [2, 10, 5, 1], num_iterations=iterations, n_threads=1)

    times = {(refit, jobs): [] for refit in (False, True) for jobs in (1, 2)}
    control = {1: [], 2: []}
    results = {}
    with warnings.catch_warnings(), parallel_backend("threading"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        for r in range(rounds + 1):                       # round 0: a warm-up
            for jobs in (1, 2) if r % 2 else (2, 1):
                for refit in (False, True):
                    start = time.perf_counter()
                    search = GridSearchCV(estimator, grid, cv=3, n_jobs=jobs, refit=refit).fit(X, y)
                    elapsed = time.perf_counter() - start
                    results[refit, jobs] = search.cv_results_["mean_test_score"]
                    if r:
                        times[refit, jobs].append(elapsed)
                    elif jobs == 1 and not refit:         # calibrate the control's tasks
                        iterations = 1000
                        start = time.perf_counter()
                        gil_free_task()
                        per_iteration = (time.perf_counter() - start) / iterations
                        iterations = max(1, round(elapsed / n_tasks / per_iteration))
                start = time.perf_counter()
                Parallel(n_jobs=jobs)(delayed(gil_free_task)() for _ in range(n_tasks))
                if r:
                    control[jobs].append(time.perf_counter() - start)
    same = all(np.array_equal(results[key], results[False, 1]) for key in results)
    medians = {key: float(np.median(t)) for key, t in times.items()}
    ceiling = {jobs: float(np.median(t)) for jobs, t in control.items()}
    print(f"GridSearchCV, {n_tasks} fits of moons (1,000 x 2), (16, 8), adam, {epochs} epochs;"
          f" threading backend; {rounds} interleaved rounds, medians (scores identical: {same})")
    for refit, what in ((False, f"the {n_tasks} fits (refit=False)"),
                        (True, "and the refit, alone after them (refit=True)")):
        one, two = medians[refit, 1], medians[refit, 2]
        print(f"  {what + ':':46s} n_jobs=1: {one:.3f} s   n_jobs=2: {two:.3f} s   speed-up {one / two:.2f}x")
    print(f"  control, {n_tasks} GIL-free tasks of {iterations:,} study iterations:"
          f" n_jobs=1: {ceiling[1]:.3f} s   n_jobs=2: {ceiling[2]:.3f} s"
          f"   speed-up {ceiling[1] / ceiling[2]:.2f}x (this machine's ceiling)")
    return same


def load(name):
    """(X, y), standardised, built outside the timed part."""
    from sklearn import datasets
    from sklearn.preprocessing import StandardScaler

    if name == "synthetic":
        X, y = datasets.make_classification(10_000, 50, n_informative=20, n_classes=4, random_state=0)
    elif name == "moons":
        X, y = datasets.make_moons(1_000, noise=0.2, random_state=0)
    else:
        X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def main(argv=None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_train import (blas_libraries, cpu_name, describe_blas, openblas_env_line,
                             reexec_without_openblas_overrides)

    unset = reexec_without_openblas_overrides(args)

    import numpy as np
    import sklearn
    import sklearn.neural_network as sk
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    import fastnn
    from fastnn import estimators

    if args.jobs:
        print(f"CPU: {cpu_name()} ({os.cpu_count()} logical cores); NumPy {np.__version__},"
              f" BLAS: {describe_blas(blas_libraries())}")
        # Short fits, where scikit-learn's Python is a large part of each, and long ones,
        # where the kernel's epochs are nearly all.
        same = [grid_search_threads(args.repeats or 5, epochs) for epochs in (100, 1000)]
        return 0 if all(same) else 1

    profile = QUICK if args.quick else FULL
    epochs = args.epochs or profile["epochs"]
    repeats = args.repeats or profile["repeats"]
    info = fastnn.build_info()
    blas = blas_libraries()
    with threadpool_limits(1):
        kernel_threads = estimators._threads()

    print(f"CPU: {cpu_name()} ({os.cpu_count()} logical cores)")
    print(f"fastnn {fastnn.__version__}: kernel build {info['build']!r}; scikit-learn {sklearn.__version__}")
    print(f"NumPy {np.__version__}, BLAS: {describe_blas(blas)}")
    print(openblas_env_line(unset))
    print(f"one thread (BLAS and the kernel's OpenMP: {kernel_threads}); {epochs} epochs a fit,"
          f" {repeats} interleaved rounds, medians reported\n")

    header = (f"{'case':<40} {'n':>6} {'estimator':<13} {'s / fit':>9} {'min':>8} {'max':>8}"
              f" {'ms/epoch':>9} {'speed-up':>9} {'max rel diff':>13}")
    print(header)
    print("-" * len(header))
    results = []
    for name in args.cases or CASES:
        kind, data, params = CASES[name]
        X, y = load(data)
        ours_cls = fastnn.MLPClassifier if kind == "classifier" else fastnn.MLPRegressor
        theirs_cls = sk.MLPClassifier if kind == "classifier" else sk.MLPRegressor
        row = {"case": name, "data": data, "n_samples": X.shape[0], "n_features": X.shape[1], "params": params}
        results.append(row)

        def fit(cls, max_iter):
            estimator = cls(**params, max_iter=max_iter, tol=0.0, n_iter_no_change=max_iter, random_state=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                return estimator.fit(X, y)

        with threadpool_limits(1):
            gate_ours, gate_theirs = fit(ours_cls, GATE_EPOCHS), fit(theirs_cls, GATE_EPOCHS)
            curve, expected = np.asarray(gate_ours.loss_curve_), np.asarray(gate_theirs.loss_curve_)
            diff = float(np.max(np.abs(curve - expected) / np.abs(expected))) if len(curve) == len(expected) else np.inf
            row["max_rel_loss_diff"] = diff
            if not diff <= GATE_RTOL:
                row["status"] = "disagrees with scikit-learn: not timed"
                print(f"{name:<40} {X.shape[0]:>6} DISAGREES with scikit-learn (max rel diff {diff:.2e}): not timed")
                continue
            times = {"fastnn": [], "scikit-learn": []}
            classes = {"fastnn": ours_cls, "scikit-learn": theirs_cls}
            for label, cls in classes.items():
                fit(cls, epochs)   # warm-up
            for _ in range(repeats):
                for label, cls in classes.items():
                    start = time.perf_counter()
                    fit(cls, epochs)
                    times[label].append(time.perf_counter() - start)
        medians = {label: float(np.median(t)) for label, t in times.items()}
        row.update({"status": "ok", "epochs": epochs, "repeats": repeats,
                    "seconds_per_fit": {label: sorted(t) for label, t in times.items()},
                    "speedup": medians["scikit-learn"] / medians["fastnn"]})
        for label in ("scikit-learn", "fastnn"):
            t = sorted(times[label])
            speedup = f"{medians['scikit-learn'] / medians[label]:>8.1f}x"
            print(f"{name if label == 'scikit-learn' else '':<40} {X.shape[0]:>6} {label:<13}"
                  f" {medians[label]:>9.3f} {t[0]:>8.3f} {t[-1]:>8.3f} {medians[label] / epochs * 1e3:>9.2f}"
                  f" {speedup} {diff:>13.1e}", flush=True)

    os.makedirs(args.out, exist_ok=True)
    report = {
        "benchmark": "bench_sklearn", "command": " ".join(sys.argv), "cpu": cpu_name(),
        "cores": os.cpu_count(), "machine": platform.machine(), "python": platform.python_version(),
        "numpy": np.__version__, "scikit-learn": sklearn.__version__, "blas": blas, "unset_env": unset,
        "fastnn": fastnn.__version__, "kernel": info, "threads": 1, "gate_epochs": GATE_EPOCHS,
        "gate_rtol": GATE_RTOL, "results": results,
    }
    path = os.path.join(args.out, "bench_sklearn.json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    print(f"\nwrote {path}")
    return 1 if any(r["status"] != "ok" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
