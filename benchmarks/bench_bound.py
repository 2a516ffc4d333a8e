"""How close the compiled kernel is to what this CPU can do at all.

A lower bound on the time of one training iteration of the study's network, from
two measurements of this machine and a count of the work:

* the CPU's arithmetic peak for the dispatched build: ``machine_peak.c`` (next to
  this script), compiled with that build's flags and the kernel's own vector type
  (``src_pyx/_vecmath.h``), runs independent chains of vector multiplies and adds;
* the cost of one sigmoid (exp) and one log per element, measured the way the kernel
  calls them (glibc's vector versions in the x86_64_v3 and x86_64_v4 builds);
* the arithmetic per example and iteration (:func:`operations`), counted low: a
  multiply and an add per weight in each matrix product (forward, dW, dA; the
  kernel uses no fused multiply-adds), one operation per ReLU and two per mask,
  and the output's sigmoid, cost term and dZ.

floor(m) = m x (operations / peak + sigmoid + log). Nothing else is counted (not
the lane reductions, the update, or any memory traffic), so no real kernel reaches
it. Every figure is the best of several interleaved rounds: the bound should be
the machine's best, the machines are shared, and interleaving lets the kernel, the
study's code and the peak see the same conditions.

Printed: the bound, the compiled kernel's best time and that of the study's own NumPy
code (``study_numpy.py``'s ``model``, on the study's arrays), the fraction of the
bound the kernel reaches, and the largest speed-up over the study's code that the
bound allows. JSON goes to ``--out``/bench_bound.json.
Needs a C compiler (``cc``, or $CC) and the checkout's ``src_pyx/``.
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are handled as in bench_train.py.

Usage::

    python benchmarks/bench_bound.py            # m = 300 and 30000 (~1 minute)
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

from bench_train import (LAYERS, OPENBLAS_VARS, blas_libraries, cpu_name, describe_blas,
                         reexec_without_openblas_overrides)

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "machine_peak.c")
HEADERS = os.path.join(HERE, os.pardir, "src_pyx")
# Each kernel build's instruction-set flags, as in setup.py's BUILDS, after the
# flags every build gets there.
COMMON = ["-O3", "-funroll-loops", "-fno-trapping-math", "-ffp-contract=off"]
VECTOR_MATH = ["-fno-math-errno", "-DFASTNN_LIBMVEC"]
BUILD_FLAGS = {
    "baseline": [],
    "x86_64_v3": ["-march=x86-64-v3", *VECTOR_MATH],
    "x86_64_v4": ["-march=x86-64-v4", *VECTOR_MATH],
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--m", type=int, nargs="+", default=[300, 30_000], help="numbers of examples")
    parser.add_argument("--repeats", type=int, default=9, help="interleaved rounds; each figure keeps its best")
    parser.add_argument("--target", type=float, default=0.3, help="seconds per timed training run")
    parser.add_argument("--out", default="benchmarks/results", help="folder for the JSON")
    parser.add_argument("--keep-env", action="store_true", help=f"do not unset {' / '.join(OPENBLAS_VARS)}")
    return parser.parse_args(argv)


def operations(dims) -> dict[str, int]:
    """Arithmetic operations per example and iteration, by kind: the fewest that the
    algorithm needs with separate multiplies and adds (as the kernel, built without
    fused multiply-adds, does them). One exp and one log come on top."""
    L = len(dims) - 1
    weights = sum(dims[l - 1] * dims[l] for l in range(1, L + 1))
    hidden = sum(dims[1:L])
    # dA_{l-1} = W_l^T . dZ_l for l >= 2: n_out multiplies and n_out - 1 adds per input
    back = sum(dims[l - 1] * (2 * dims[l] - 1) for l in range(2, L + 1))
    return {
        "forward W.A + b (multiply, add)": 2 * weights,
        "relu max(0, z)": hidden,
        "sigmoid, cost term, dZ": 3 + 6 + 2,
        "dW (multiply, add)": 2 * weights,
        "db (add)": sum(dims[1:]),
        "dA = W^T.dZ": back,
        "relu mask (compare, select)": 2 * hidden,
    }


def compile_peak_program(build: str, folder: str) -> str:
    """machine_peak.c built with ``build``'s flags; returns the program's path."""
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise SystemExit("bench_bound needs a C compiler (cc or $CC)")
    program = os.path.join(folder, "machine_peak")
    # setup.py's GCC-only flag, where the compiler is GCC (Linux, unless CC names clang)
    gcc = sys.platform.startswith("linux") and "clang" not in compiler
    common = [*COMMON, "-fno-tree-loop-distribute-patterns"] if gcc else COMMON
    subprocess.run([compiler, *common, *BUILD_FLAGS[build], "-I", HEADERS, SOURCE,
                    "-o", program, "-lm"], check=True)
    return program


def seconds_per_iteration(train, iterations: int) -> float:
    start = time.perf_counter()
    train(num_iterations=iterations)
    return (time.perf_counter() - start) / iterations


def main(argv=None) -> int:
    args = parse_args(argv)
    unset = reexec_without_openblas_overrides(args)
    sys.path.insert(0, HERE)

    import numpy as np
    from threadpoolctl import threadpool_limits

    import fastnn
    import study_numpy as study
    from fastnn import engine

    build = fastnn.build_info()["build"]
    if build not in BUILD_FLAGS:
        raise SystemExit(f"no compiler flags known for the kernel build {build!r}")
    ops = operations(LAYERS)
    total_ops = sum(ops.values())

    # Every quantity is measured once per round and the rounds are interleaved, so
    # that all of them see the same spread of conditions; each keeps its best.
    trainers = {}
    for m in args.m:
        X, Y = fastnn.make_donut(m, seed=0)
        start = fastnn.initialize_parameters(LAYERS, "he", seed=3)
        trainers[m] = {   # model() starts from He with seed 3, as `start` (bench_train checks)
            "compiled": lambda num_iterations, X=X, Y=Y, start=start: engine.train(
                X, Y, parameters=start, num_iterations=num_iterations, n_threads=1),
            "study": lambda num_iterations, X=X, Y=Y: study.model(
                X, Y, num_iterations=num_iterations, print_cost=False),
        }
    peak = {"arithmetic_ops_per_ns": 0.0, "sigmoid_ns": float("inf"), "log_ns": float("inf")}
    best = {(m, name): float("inf") for m in args.m for name in ("compiled", "study")}
    with tempfile.TemporaryDirectory() as tmp, threadpool_limits(1):
        program = compile_peak_program(build, tmp)
        iterations = {}
        for key in best:                                   # warm-up, and run lengths
            train = trainers[key[0]][key[1]]
            train(num_iterations=2)
            iterations[key] = max(5, int(args.target / seconds_per_iteration(train, 5)))
        for _ in range(args.repeats):
            run = json.loads(subprocess.run([program], check=True, capture_output=True,
                                            text=True).stdout)
            peak["vector_doubles"] = run["vector_doubles"]
            peak["arithmetic_ops_per_ns"] = max(peak["arithmetic_ops_per_ns"], run["arithmetic_ops_per_ns"])
            peak["sigmoid_ns"] = min(peak["sigmoid_ns"], run["sigmoid_ns"])
            peak["log_ns"] = min(peak["log_ns"], run["log_ns"])
            for key in best:
                best[key] = min(best[key], seconds_per_iteration(trainers[key[0]][key[1]], iterations[key]))
    per_example_ns = total_ops / peak["arithmetic_ops_per_ns"] + peak["sigmoid_ns"] + peak["log_ns"]

    blas = blas_libraries()
    print(f"CPU: {cpu_name()}; kernel build {build!r}, {peak['vector_doubles']} doubles per vector")
    print(f"NumPy {np.__version__}, BLAS: {describe_blas(blas)}")
    if unset:
        print(f"This benchmark unset {', '.join(unset)} for its own process (see bench_train.py).")
    print(f"arithmetic peak {peak['arithmetic_ops_per_ns']:.1f} double ops/ns; "
          f"sigmoid {peak['sigmoid_ns']:.2f} ns, log {peak['log_ns']:.2f} ns per element")
    print(f"network {LAYERS}: {total_ops} operations + 1 exp + 1 log per example-iteration:")
    for kind, count in ops.items():
        print(f"    {count:>5}  {kind}")
    print(f"bound: {per_example_ns:.2f} ns per example-iteration\n")

    header = (f"{'m':>8} {'bound us/it':>12} {'compiled':>10} {'study':>10} {'of bound':>9}"
              f" {'speed-up':>9} {'bound allows':>13}")
    print(header)
    print("-" * len(header))
    rows = []
    for m in args.m:
        floor = m * per_example_ns * 1e-9
        kernel_time, study_time = best[m, "compiled"], best[m, "study"]
        row = {"m": m, "bound_us": floor * 1e6, "compiled_us": kernel_time * 1e6,
               "study_us": study_time * 1e6, "fraction_of_bound": floor / kernel_time,
               "speedup": study_time / kernel_time, "speedup_bound_allows": study_time / floor}
        rows.append(row)
        print(f"{m:>8} {floor * 1e6:>12.2f} {kernel_time * 1e6:>10.2f} {study_time * 1e6:>10.2f}"
              f" {floor / kernel_time:>8.0%} {study_time / kernel_time:>8.1f}x"
              f" {study_time / floor:>12.1f}x")

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "bench_bound.json")
    with open(path, "w") as f:
        json.dump({"benchmark": "bench_bound", "command": " ".join(sys.argv), "cpu": cpu_name(),
                   "machine": platform.machine(), "numpy": np.__version__, "blas": blas, "unset_env": unset,
                   "fastnn": fastnn.__version__, "build": build, "layers_dims": LAYERS,
                   "operations": ops, "machine_peak": peak,
                   "bound_ns_per_example": per_example_ns, "results": rows}, f, indent=2)
    print(f"\nwrote {path}")
    print(f"best of {args.repeats} interleaved rounds; 1 thread (NumPy's BLAS limited to 1 thread);"
          " speed-ups over the study's NumPy code")
    return 0


if __name__ == "__main__":
    sys.exit(main())
