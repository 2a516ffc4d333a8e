"""Training speed: the compiled engine against the study's own NumPy code, side by side.

A grid over the number of examples m x engine (the study's NumPy code as the course
writes it, ``study_numpy.py``; the portable baseline kernel; the best kernel this CPU
supports) x threads, on the study's network ([2, 10, 5, 1], He initialisation,
learning rate 0.01) and donut data. The baseline is the study's ``model`` itself,
given the data as the study lays it out (a transposed X view, int64 labels); the
compiled engine gets the same arrays as C-contiguous float64. ``fastnn.reference``
is the tests' oracle, not a speed baseline; ``--with-reference`` adds it as a row.

For each m: data is built outside the timed part; a correctness gate first
trains every engine for a few iterations and compares its costs with the study's
code's (the core tests' tolerance, 1e-10 relative) - an engine that disagrees
is reported as such and never timed; then one warm-up and ``--repeats`` timed runs
whose iteration count is scaled so that one run takes about ``--target`` seconds. The timed runs are taken in rounds that time every engine
once, so that a burst of load on a shared machine slows all of them alike rather
than skewing one ratio. Reported: median / min / max microseconds per iteration,
nanoseconds per example-iteration, the speed-up over the study's code at the same
thread count (median over median), the gate's largest relative cost difference,
and the peak memory that one training call allocates (tracemalloc, which sees
NumPy's allocations and the kernel's scratch).

Output: a table on stdout, JSON (``--out``/bench_train.json) and a log-log PNG of
time per example-iteration against m (``--out``/bench_train.png).

OpenBLAS: on machines where OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set (they
pin an old, slower kernel), this script re-executes itself without both, so the
NumPy code runs on the BLAS kernel NumPy would choose; it says so, and prints the
kernel NumPy used (threadpoolctl). ``--keep-env`` leaves them alone.

Usage::

    python benchmarks/bench_train.py            # the full grid (a few minutes)
    python benchmarks/bench_train.py --quick    # m <= 30000, fewer repeats (~20 s)
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import tracemalloc

OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
UNSET_MARKER = "FASTNN_BENCH_UNSET_OPENBLAS"

FULL = {"m": [300, 3_000, 30_000, 300_000, 3_000_000], "repeats": 5, "target": 1.0}
QUICK = {"m": [300, 3_000, 30_000], "repeats": 3, "target": 0.15}
GATE_ITERATIONS = 20
# The core tests' tolerance for compiled vs reference costs (see tests/conftest.py).
GATE_RTOL = 1e-10
LAYERS = [2, 10, 5, 1]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small grid for CI (~20 s)")
    parser.add_argument("--m", type=int, nargs="+", help="numbers of examples (overrides the profile)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts (default: 1 2)")
    parser.add_argument("--repeats", type=int, help="timed runs per point (default: 5; --quick: 3)")
    parser.add_argument("--target", type=float, help="seconds per timed run (default: 1.0; --quick: 0.15)")
    parser.add_argument("--out", default="benchmarks/results", help="folder for JSON and PNG")
    parser.add_argument("--no-plot", action="store_true", help="skip the PNG")
    parser.add_argument("--keep-env", action="store_true", help=f"do not unset {' / '.join(OPENBLAS_VARS)}")
    parser.add_argument("--with-reference", action="store_true",
                        help="also time fastnn.reference, the tests' NumPy oracle")
    return parser.parse_args(argv)


def reexec_without_openblas_overrides(args) -> list[str]:
    """Re-run this script without OPENBLAS_CORETYPE/L2_SIZE (both, together), before
    NumPy is imported; returns what was unset (as NAME=value) in the new process."""
    if UNSET_MARKER in os.environ:
        return os.environ[UNSET_MARKER].split(";") if os.environ[UNSET_MARKER] else []
    present = [f"{name}={os.environ[name]}" for name in OPENBLAS_VARS if name in os.environ]
    if args.keep_env or not present:
        return []
    env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_VARS}
    env[UNSET_MARKER] = ";".join(present)
    os.execve(sys.executable, [sys.executable, os.path.abspath(sys.argv[0]), *sys.argv[1:]], env)
    raise AssertionError("unreachable")


def openblas_env_line(unset: list[str]) -> str:
    """What became of OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for this process (see
    reexec_without_openblas_overrides), as every benchmark prints it."""
    if unset:
        return f"This benchmark unset {', '.join(unset)} for its own process (see the docstring)."
    kept = any(name in os.environ for name in OPENBLAS_VARS)
    return "OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: " + ("left as set (--keep-env)" if kept else "not set")


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_libraries() -> list[dict]:
    """The BLAS libraries NumPy loaded, with the kernel each dispatched to."""
    from threadpoolctl import threadpool_info

    return [
        {k: lib.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
        for lib in threadpool_info()
        if lib.get("user_api") == "blas"
    ]


def describe_blas(blas: list[dict]) -> str:
    return ", ".join(f"{b['internal_api']} {b['version']} kernel {b['architecture']}" for b in blas)


def timed_runs(train, repeats, **kwargs):
    train(**kwargs)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        train(**kwargs)
        times.append(time.perf_counter() - start)
    return sorted(times)


def peak_bytes(train, **kwargs) -> int:
    tracemalloc.start()
    try:
        train(**kwargs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(argv=None) -> int:
    args = parse_args(argv)
    unset = reexec_without_openblas_overrides(args)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

    import numpy as np
    from threadpoolctl import threadpool_limits

    import fastnn
    import study_numpy as study
    from fastnn import engine, reference

    profile = QUICK if args.quick else FULL
    sizes = args.m or profile["m"]
    repeats = args.repeats or profile["repeats"]
    target = args.target or profile["target"]
    info = fastnn.build_info()
    best = info["available"][0]
    builds = ["baseline"] + ([best] if best != "baseline" else [])
    blas = blas_libraries()

    print(f"CPU: {cpu_name()} ({os.cpu_count()} logical cores)")
    print(f"fastnn {fastnn.__version__}: kernel builds available {info['available']}, dispatched {info['build']!r}")
    print(f"NumPy {np.__version__}, BLAS: {describe_blas(blas)}")
    print(openblas_env_line(unset))
    print(f"profile: m={sizes}, threads={args.threads}, {repeats} repeats of ~{target} s, medians reported;"
          " speed-up over the study's NumPy code at the same thread count\n")

    engines = [("study", None)] + ([("reference", None)] if args.with_reference else [])
    engines += [("compiled", b) for b in builds]
    labels = {"study": "study's NumPy code", "reference": "fastnn.reference"}
    results = []
    header = (f"{'m':>9} {'engine':<22} {'thr':>3} {'iters':>6} {'us/iter':>10} {'min':>9} {'max':>9}"
              f" {'ns/ex-it':>9} {'speed-up':>9} {'max rel diff':>13} {'peak MB':>8}")
    print(header)
    print("-" * len(header))
    for m in sizes:
        # The study's arrays as the study lays them out (X a transposed view, int64
        # labels) for its own code; C-contiguous float64 copies for the others.
        X_study, Y_study = fastnn.make_donut(m, seed=0)
        X = np.ascontiguousarray(X_study, dtype=np.float64)
        Y = np.ascontiguousarray(Y_study, dtype=np.float64)
        start = fastnn.initialize_parameters(LAYERS, "he", seed=3)
        with threadpool_limits(1):
            gate_costs, gate_parameters = study.costs_per_iteration(X_study, Y_study, start, 0.01, GATE_ITERATIONS)
            # The timed baseline is model() itself: check that it starts from `start`
            # and ends where the gate's loop does, and that the oracle agrees with it.
            model_start = study.initialize_parameters_he(LAYERS)
            model_final = study.model(X_study, Y_study, num_iterations=GATE_ITERATIONS, print_cost=False)
            oracle_costs = reference.train(X, Y, parameters=start, num_iterations=GATE_ITERATIONS).costs
        model_is_gated = all(np.array_equal(model_start[k], start[k]) and np.array_equal(model_final[k], gate_parameters[k])
                             for k in start)
        points = []
        for name, build in engines:
            for threads in args.threads:
                label = labels.get(name) or f"compiled {build}"
                if name == "study":
                    def train(num_iterations, threads=threads):
                        with threadpool_limits(threads):
                            return study.model(X_study, Y_study, num_iterations=num_iterations, print_cost=False)
                    costs, tolerance = oracle_costs, study.GATE_RTOL
                else:
                    if name == "reference":
                        def train(num_iterations, threads=threads):
                            with threadpool_limits(threads):
                                return reference.train(X, Y, parameters=start, num_iterations=num_iterations)
                    else:
                        def train(num_iterations, build=build, threads=threads):
                            return engine.train(X, Y, parameters=start, num_iterations=num_iterations,
                                                n_threads=threads, kernel=build)
                    costs, tolerance = train(GATE_ITERATIONS).costs, GATE_RTOL
                # For the study's own row the gate is the oracle's agreement with it.
                diff = study.max_relative_difference(costs, gate_costs)
                row = {"m": m, "engine": name, "build": build, "threads": threads, "max_rel_cost_diff": diff}
                results.append(row)
                if not (diff <= tolerance and model_is_gated):
                    row["status"] = "disagrees with the study's code: not timed"
                    print(f"{m:>9} {label:<22} {threads:>3}  DISAGREES with the study's code"
                          f" (max rel diff {diff:.2e}, model() gated: {model_is_gated}): not timed")
                    continue
                probe = timed_runs(train, 1, num_iterations=3)[0] / 3
                iterations = int(min(200_000, max(2, target / probe)))
                train(num_iterations=iterations)  # warm-up
                points.append((row, label, train, iterations, []))
        # The timed runs go in rounds, each timing every engine once, so that a burst
        # of load on a shared machine falls on all the engines of this m alike
        # instead of on whichever one happened to be running.
        for _ in range(repeats):
            for row, label, train, iterations, times in points:
                begin = time.perf_counter()
                train(num_iterations=iterations)
                times.append((time.perf_counter() - begin) / iterations)
        baseline_median = {row["threads"]: float(np.median(times))
                           for row, _, _, _, times in points if row["engine"] == "study"}
        for row, label, train, iterations, times in points:
            per_iteration = sorted(times)
            median = float(np.median(per_iteration))
            threads = row["threads"]
            speedup = baseline_median.get(threads, np.nan) / median
            peak = peak_bytes(train, num_iterations=2)
            row.update({
                "status": "ok", "iterations": iterations, "repeats": repeats,
                "us_per_iteration_median": median * 1e6,
                "us_per_iteration_min": per_iteration[0] * 1e6,
                "us_per_iteration_max": per_iteration[-1] * 1e6,
                "ns_per_example_iteration": median / m * 1e9,
                "speedup_vs_study": speedup,
                "peak_memory_bytes": peak,
                "data_bytes": X.nbytes + Y.nbytes,
            })
            print(f"{m:>9} {label:<22} {threads:>3} {iterations:>6} {median * 1e6:>10.2f}"
                  f" {per_iteration[0] * 1e6:>9.2f} {per_iteration[-1] * 1e6:>9.2f}"
                  f" {median / m * 1e9:>9.2f} {speedup:>8.1f}x {row['max_rel_cost_diff']:>13.1e}"
                  f" {peak / 2**20:>8.1f}", flush=True)

    os.makedirs(args.out, exist_ok=True)
    report = {
        "benchmark": "bench_train", "command": " ".join(sys.argv), "cpu": cpu_name(),
        "cores": os.cpu_count(), "machine": platform.machine(), "python": platform.python_version(),
        "numpy": np.__version__, "blas": blas, "unset_env": unset, "fastnn": fastnn.__version__,
        "kernel": info, "layers_dims": LAYERS, "gate_rtol": GATE_RTOL,
        "baseline": "the study's own NumPy code (benchmarks/study_numpy.py: model)", "results": results,
    }
    json_path = os.path.join(args.out, "bench_train.json")
    with open(json_path, "w") as f:
        json.dump(report, f, indent=2)
    print(f"\nwrote {json_path}")
    if not args.no_plot:
        print(f"wrote {plot(results, os.path.join(args.out, 'bench_train.png'))}")
    disagreeing = [r for r in results if r["status"] != "ok"]
    return 1 if disagreeing else 0


def plot(results, path):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4.5), layout="constrained")
    ax = fig.add_subplot()
    series = {}
    for r in results:
        if r["status"] == "ok":
            name = {"study": "study's NumPy code", "reference": "fastnn.reference"}.get(r["engine"])
            label = (name or f"compiled {r['build']}") + f", {r['threads']} thr"
            series.setdefault(label, []).append((r["m"], r["ns_per_example_iteration"]))
    for label, points in series.items():
        ms, ns = zip(*sorted(points))
        ax.plot(ms, ns, marker="o", label=label, linestyle="--" if "2 thr" in label else "-")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("examples m")
    ax.set_ylabel("ns per example-iteration (median)")
    ax.set_title("training the [2, 10, 5, 1] network: time per example-iteration")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.savefig(path, dpi=110)
    return path


if __name__ == "__main__":
    sys.exit(main())
