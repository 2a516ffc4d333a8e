"""Where the NumPy code's time goes: each step of an iteration, the study's code
(study_numpy.py) against fastnn.reference, with the page faults of each step.

For each m, both engines train the study's He network from the same start, one
iteration at a time, timing forward, cost, backward and update separately
(``time.perf_counter``) and counting the minor page faults of each step
(``getrusage``: a fault is a first touch of memory the process has just been given
by the kernel). The engines alternate in rounds, so a burst of load on a shared
machine falls on both alike; medians over all iterations of all rounds are reported,
with the fault counts' means. Each engine gets its data as it would in practice:
the study's code the study's arrays (a transposed X view, int64 labels), the
reference the arrays ``fastnn.reference.train`` makes of them (C-contiguous float64).
One BLAS thread. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are handled as in
bench_train.py. JSON goes to ``--out``/bench_steps.json.

Usage::

    python benchmarks/bench_steps.py                  # m = 300, 3000, 30000, 300000 (~1 minute)
    python benchmarks/bench_steps.py --m 30000
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

from bench_train import (LAYERS, OPENBLAS_VARS, blas_libraries, cpu_name, describe_blas,
                         reexec_without_openblas_overrides)

STEPS = ("forward", "cost", "backward", "update")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--m", type=int, nargs="+", default=[300, 3_000, 30_000, 300_000])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default: 5)")
    parser.add_argument("--target", type=float, default=0.4, help="seconds per engine per round (default: 0.4)")
    parser.add_argument("--out", default="benchmarks/results", help="folder for the JSON")
    parser.add_argument("--keep-env", action="store_true", help=f"do not unset {' / '.join(OPENBLAS_VARS)}")
    return parser.parse_args(argv)


def minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def study_iterations(X, Y, parameters, n, times, faults):
    """``model``'s loop (study_numpy.py), one step at a time."""
    import study_numpy as study

    clock = time.perf_counter
    parameters = dict(parameters)
    for _ in range(n):
        f0, t0 = minor_faults(), clock()
        a3, cache = study.forward_propagation(X, parameters)
        t1, f1 = clock(), minor_faults()
        cost = study.compute_loss(a3, Y)
        t2, f2 = clock(), minor_faults()
        grads = study.backward_propagation(X, Y, cache)
        t3, f3 = clock(), minor_faults()
        parameters = study.update_parameters(parameters, grads, 0.01)
        t4, f4 = clock(), minor_faults()
        times.append((t1 - t0, t2 - t1, t3 - t2, t4 - t3))
        faults.append((f1 - f0, f2 - f1, f3 - f2, f4 - f3))
    return cost


def reference_iterations(X, Y, parameters, n, times, faults):
    """``fastnn.reference.train``'s loop, one step at a time."""
    import numpy as np

    from fastnn import reference

    clock = time.perf_counter
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        for _ in range(n):
            f0, t0 = minor_faults(), clock()
            activations = reference.forward(X, parameters)
            t1, f1 = clock(), minor_faults()
            cost = reference.compute_cost(activations[-1], Y)
            t2, f2 = clock(), minor_faults()
            grads = reference.backward(Y, activations, parameters)
            t3, f3 = clock(), minor_faults()
            parameters = reference.update(parameters, grads, 0.01)
            t4, f4 = clock(), minor_faults()
            times.append((t1 - t0, t2 - t1, t3 - t2, t4 - t3))
            faults.append((f1 - f0, f2 - f1, f3 - f2, f4 - f3))
    return cost


def main(argv=None) -> int:
    args = parse_args(argv)
    unset = reexec_without_openblas_overrides(args)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

    import numpy as np
    from threadpoolctl import threadpool_limits

    import fastnn
    from fastnn._validate import check_X_Y

    blas = blas_libraries()
    print(f"CPU: {cpu_name()}; NumPy {np.__version__}, BLAS: {describe_blas(blas)}")
    if unset:
        print(f"This benchmark unset {', '.join(unset)} for its own process (see bench_train.py).")
    print(f"{args.rounds} interleaved rounds of ~{args.target} s per engine; 1 BLAS thread;"
          " median microseconds per step, mean minor page faults per step\n")
    header = (f"{'m':>8} {'engine':<10}" + "".join(f"{s:>10}" for s in STEPS) + f"{'total':>10}"
              + " | faults:" + "".join(f"{s:>9}" for s in STEPS) + f"{'ref/study':>11}")
    print(header)
    print("-" * len(header))
    rows = []
    engines = {"study": study_iterations, "reference": reference_iterations}
    with threadpool_limits(1):
        for m in args.m:
            X, Y = fastnn.make_donut(m, seed=0)
            start = fastnn.initialize_parameters(LAYERS, "he", seed=3)
            X_checked, Y_checked = check_X_Y(X, Y)     # what reference.train runs on
            data = {"study": (X, Y, start), "reference": (X_checked, Y_checked, start)}
            study_iterations(X, Y, start, 2, [], [])            # warm-up
            probe = time.perf_counter()
            study_iterations(X, Y, start, 3, [], [])
            n = max(3, int(args.target / ((time.perf_counter() - probe) / 3)))
            record = {name: ([], []) for name in engines}
            last_cost = {}
            for _ in range(args.rounds):
                for name, run in engines.items():
                    times, faults = record[name]
                    last_cost[name] = run(*data[name], n, times, faults)
            medians = {}
            for name in engines:
                times, faults = (np.array(a) for a in record[name])
                step_us = np.median(times, axis=0) * 1e6
                total_us = float(np.median(times.sum(axis=1)) * 1e6)
                medians[name] = total_us
                rows.append({"m": m, "engine": name, "iterations_per_round": n, "rounds": args.rounds,
                             "median_us": dict(zip(STEPS, map(float, step_us))), "median_total_us": total_us,
                             "mean_minor_faults": dict(zip(STEPS, map(float, faults.mean(axis=0)))),
                             "last_cost": float(last_cost[name])})
            if last_cost["study"] != last_cost["reference"]:
                print(f"{m:>8} the engines' costs differ: {last_cost}")
            for row in rows[-2:]:
                ratio = (f"{medians['reference'] / medians['study']:>10.2f}x"
                         if row["engine"] == "reference" else "")
                print(f"{m:>8} {row['engine']:<10}" + "".join(f"{v:>10.1f}" for v in row["median_us"].values())
                      + f"{row['median_total_us']:>10.1f} |        "
                      + "".join(f"{v:>9.0f}" for v in row["mean_minor_faults"].values()) + ratio, flush=True)

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "bench_steps.json")
    with open(path, "w") as f:
        json.dump({"benchmark": "bench_steps", "command": " ".join(sys.argv), "cpu": cpu_name(),
                   "numpy": np.__version__, "blas": blas, "unset_env": unset, "results": rows}, f, indent=2)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
