"""float32 against float64: the study on the compiled engine in both precisions.

The kernel is compiled once per precision from one source (setup.py); in float32 a
vector register holds twice the values, so the loops do twice the work per
instruction. This benchmark measures what that buys on the study's network,
``[2, 10, 5, 1]`` trained by full-batch gradient descent from He initial weights:

* m = 300, the study's own data (``fastnn.load_dataset``), 15,000 iterations as the
  study runs them, so that the accuracies can be compared too;
* m = 300,000, a donut of that size (``fastnn.make_donut``), timed over fewer
  iterations.

Both precisions run ``fastnn.train(..., dtype=..., n_threads=1)``, the public call,
in interleaved rounds (the order alternating round by round); reported are the
medians of the time per iteration and their ratio, float64's over float32's. After
the timing, the accuracies of the 15,000-iteration runs on the training and test
sets are printed for both precisions.

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for this process as in bench_train.py
(``--keep-env`` leaves them); the kernel calls no BLAS for this network's layers.

Usage::

    python benchmarks/bench_precision.py              # 9 rounds (~2 min)
    python benchmarks/bench_precision.py --rounds 3   # shorter
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

import fastnn
from bench_train import (
    OPENBLAS_VARS, blas_libraries, cpu_name, describe_blas, reexec_without_openblas_overrides,
)

# (m, iterations per timed run): a run of about 0.1 to 0.5 s at either size.
SIZES = {300: 15_000, 300_000: 20}
PRECISIONS = ("float64", "float32")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9, help="interleaved timed rounds (default: 9)")
    parser.add_argument("--kernel", help="fastnn kernel build (default: the dispatched one)")
    parser.add_argument("--keep-env", action="store_true", help=f"do not unset {' / '.join(OPENBLAS_VARS)}")
    return parser.parse_args(argv)


def data(m: int):
    if m == 300:
        X, Y, X_test, Y_test = fastnn.load_dataset()
        return X, Y, X_test, Y_test
    X, Y = fastnn.make_donut(m, seed=1)
    return X, Y, None, None


def accuracy(result, X, Y) -> float:
    return float(np.mean((fastnn.predict_proba(X, result.parameters) > 0.5) == Y))


def main(argv=None) -> int:
    args = parse_args(argv)
    unset = reexec_without_openblas_overrides(args)
    info = fastnn.build_info()
    build = args.kernel or info["build"]
    print(f"CPU: {cpu_name()} ({os.cpu_count()} logical cores)")
    print(f"fastnn {fastnn.__version__}: kernel build {build!r} (available {info['available']})")
    with threadpool_limits(1):
        print(f"NumPy {np.__version__}, BLAS: {describe_blas(blas_libraries())}")
    print(("Unset for this process: " + ", ".join(unset)) if unset else "OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: not set")
    print(f"one thread; {args.rounds} interleaved rounds, medians; network [2, 10, 5, 1], He, learning rate 0.01\n")
    print(f"{'m':>9} {'iterations':>10} {'float64 us/it':>14} {'float32 us/it':>14} {'float64 / float32':>18}")
    finals = {}
    for m, iterations in SIZES.items():
        X, Y, X_test, Y_test = data(m)
        times = {p: [] for p in PRECISIONS}
        for r in range(args.rounds + 1):           # round 0 is a warm-up, not counted
            for precision in PRECISIONS if r % 2 else PRECISIONS[::-1]:
                start = time.perf_counter()
                result = fastnn.train(X, Y, num_iterations=iterations, dtype=precision, n_threads=1,
                                      kernel=args.kernel)
                if r:
                    times[precision].append((time.perf_counter() - start) / iterations)
                if m == 300:
                    finals[precision] = result
        median = {p: float(np.median(times[p])) for p in PRECISIONS}
        print(f"{m:>9,} {iterations:>10,} {median['float64'] * 1e6:>14.2f} {median['float32'] * 1e6:>14.2f}"
              f" {median['float64'] / median['float32']:>17.2f}x")
    X, Y, X_test, Y_test = data(300)
    print("\nthe study (m = 300, 15,000 iterations): train / test accuracy")
    for precision, result in finals.items():
        print(f"  {precision}: {accuracy(result, X, Y):.1%} / {accuracy(result, X_test, Y_test):.1%}"
              f" (final cost {result.final_cost:.6f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
