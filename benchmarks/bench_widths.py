"""Layer width: the compiled kernel against NumPy's BLAS, from narrow to wide layers.

The kernel's register-tiled loops are written for the study's small matrices; past
some width BLAS's gemm should win. This benchmark measures where, at mini-batch and
full-batch sizes, so that a per-layer threshold can be chosen from numbers
(STYLE.md, "Kernels"). Each case is a network and a number of examples m:

* ``issue``: [64, 64, 1] at m = 64 and 1797, [64, 256, 1] at 1797,
  [50, 256, 128, 1] at 10000, [784, 128, 1] at 256 and 5000, and with ten softmax
  outputs [64, 64, 10] at 1797 (digits' shape) and [784, 128, 10] at 256 and 5000;
* ``small``: the study's [2, 10, 5, 1] at m = 300;
* ``sweep``: [64, w, 1] for w = 16, 32, ..., 512, at m = 256 and m = 5000.

Both sides run the same full-batch gradient descent (learning rate 0.01) from the
same He-initialised parameters on the same data, on one thread:

* NumPy: :func:`numpy_train` below, the training loop written plainly in NumPy
  (``np.dot`` per layer, ReLU hidden layers, a sigmoid output with binary
  cross-entropy or a softmax with categorical cross-entropy,
  backward, in-place update) on float64 C-contiguous arrays, with one BLAS thread
  (threadpoolctl). Like ordinary NumPy code it makes new arrays every iteration;
  its activations and gradients are held until the next iteration's replace them, as
  the study's code holds its caches and gradients (benchmarks/README.md explains why
  freeing them early costs page faults).
* fastnn: ``fastnn.train(X, Y, layers_dims, parameters=..., n_threads=1)``, the
  public call, on the dispatched kernel build (``--kernel`` picks another).

Data: X standard normal from a Generator seeded by the case (so any subset of cases
sees the same data), labels from a random linear rule; built outside the timed part.

Before anything is timed, a correctness gate trains each case for a few iterations
with both sides and with the oracle, ``fastnn.reference.train``, from the same
start: each side's costs must equal the oracle's within GATE_RTOL at every
iteration, and the costs must have moved, or the case is reported and not timed.

Timing: one warm-up run per side, then ``--rounds`` rounds; each round runs every
case once on each side (the order of the two sides alternating from round to round),
so a burst of load on a shared machine falls on every case and side alike. A run is
N iterations of one training call, N chosen per case from a probe so that a NumPy run
takes about ``--target`` seconds, and the same N for both sides; the time per
iteration is the run's time over N (the call's fixed cost - validation, copying the
parameters - is amortised over N). Reported: the medians over the rounds and their
ratio, NumPy's over fastnn's (above 1: the kernel is faster).

Output: a table on stdout and JSON (``--out``/bench_widths.json) with every run.
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for this process as in bench_train.py
(``--keep-env`` leaves them).

Usage::

    python benchmarks/bench_widths.py                  # every case, 5 rounds (~3 min)
    python benchmarks/bench_widths.py --quick          # m < 2000 only, short runs (a smoke run)
    python benchmarks/bench_widths.py --cases sweep --rounds 9
    python benchmarks/bench_widths.py --cases '784-*' 2-10-5-1/m300
    python benchmarks/bench_widths.py --list
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import os
import platform
import sys
import time
from typing import NamedTuple

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import fastnn
from bench_train import OPENBLAS_VARS, cpu_name, openblas_env_line, reexec_without_openblas_overrides
from fastnn import reference

# NumPy (and its OpenBLAS) is loaded here, before main() may re-execute the script
# without the OpenBLAS variables: harmless, since exec replaces the whole process and
# the new one loads OpenBLAS afresh under the new environment before any timing.

LEARNING_RATE = 0.01
GATE_ITERATIONS = 5
# Both sides and the oracle do the same operations and differ only in summation
# order (BLAS's blocking, the kernel's tiles and pairwise sums): ~1e-16 relative per
# operation, a few 1e-16 after a few iterations (the NumPy loop makes the oracle's
# very BLAS calls, and agrees bit for bit). A wrong gradient shows from the second
# cost on: the costs move by 1e-2 to 1e-1 relative over the gate's iterations (the
# gate prints it), so a 1 % error in the step moves them by ~1e-4, six orders above
# the tolerance. 1e-10 is the core tests' COST_RTOL (tests/conftest.py) and
# bench_train.py's gate.
GATE_RTOL = 1e-10
# The gate is vacuous if training does not move the cost: require it to move by at
# least this much (relative) over the gate's iterations.
GATE_MIN_CHANGE = 1e3 * GATE_RTOL
DATA_SEED = 2024
MIN_ITERATIONS, MAX_ITERATIONS = 2, 100_000

FULL = {"rounds": 5, "target": 0.5, "max_m": None}
QUICK = {"rounds": 3, "target": 0.02, "max_m": 2_000}


class Case(NamedTuple):
    """One benchmark point. The last entry of ``layers_dims`` is the number of
    outputs and ``output`` names the output layer in OUTPUT_LAYERS: a case with K
    softmax outputs is one line, ``case([64, 64, K], m, "issue", output="softmax")``."""

    layers_dims: tuple[int, ...]
    m: int
    group: str
    output: str = "sigmoid"

    @property
    def name(self) -> str:
        suffix = "" if self.output == "sigmoid" else f"-{self.output}"
        return "-".join(map(str, self.layers_dims)) + f"/m{self.m}{suffix}"

    @property
    def network(self) -> str:
        dims = "[" + ", ".join(map(str, self.layers_dims)) + "]"
        return dims if self.output == "sigmoid" else f"{dims} {self.output}"


def case(layers_dims, m, group, output="sigmoid") -> Case:
    return Case(tuple(layers_dims), m, group, output)


SWEEP_WIDTHS = (16, 32, 64, 128, 256, 512)
CASES = [
    case([64, 64, 1], 64, "issue"),
    case([64, 64, 1], 1797, "issue"),
    case([64, 256, 1], 1797, "issue"),
    case([50, 256, 128, 1], 10_000, "issue"),
    case([784, 128, 1], 256, "issue"),
    case([784, 128, 1], 5_000, "issue"),
    case([64, 64, 10], 1797, "issue", output="softmax"),
    case([784, 128, 10], 256, "issue", output="softmax"),
    case([784, 128, 10], 5_000, "issue", output="softmax"),
    case([2, 10, 5, 1], 300, "small"),
    *(case([64, w, 1], m, "sweep") for m in (256, 5_000) for w in SWEEP_WIDTHS),
]
GROUPS = sorted({c.group for c in CASES})


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="cases: " + ", ".join(c.name for c in CASES)
        + f"; groups: {', '.join(GROUPS)}. See the module docstring for the method.",
    )
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: cases with m < 2000 only (unless --cases is given),"
                             " 3 rounds of ~0.02 s runs; not a measurement")
    parser.add_argument("--cases", nargs="+", metavar="CASE",
                        help="cases to run, by name (e.g. 64-256-1/m1797), group"
                             f" ({', '.join(GROUPS)}) or shell pattern (e.g. '784-*'); default: all")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--rounds", type=int, help="interleaved timed rounds (default: 5; --quick: 3)")
    parser.add_argument("--target", type=float,
                        help="seconds per NumPy run, which fixes each case's iterations (default: 0.5; --quick: 0.02)")
    parser.add_argument("--kernel", help="fastnn kernel build (default: the dispatched one, see fastnn.build_info())")
    parser.add_argument("--out", default="benchmarks/results", help="folder for the JSON")
    parser.add_argument("--keep-env", action="store_true", help=f"do not unset {' / '.join(OPENBLAS_VARS)}")
    return parser.parse_args(argv)


def select_cases(patterns: list[str] | None, max_m: int | None) -> list[Case]:
    """The cases named, grouped or matched by ``patterns`` (all if None), in CASES'
    order; without patterns, only those with m below ``max_m`` (if given)."""
    if not patterns:
        return [c for c in CASES if max_m is None or c.m < max_m]
    chosen = []
    for pattern in patterns:
        matched = [c for c in CASES if c.group == pattern or fnmatch.fnmatchcase(c.name, pattern)]
        if not matched:
            raise SystemExit(f"--cases: {pattern!r} matches no case; --list shows them")
        chosen += matched
    return [c for c in CASES if c in chosen]


# ---- the NumPy side ----------------------------------------------------------------
# Each output layer is a pair, as in the kernel: its forward rule and its loss, and
# the derivative of the loss with respect to the output's pre-activation, divided by m.

def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def binary_cross_entropy(AL, Y):
    """The study's cost: mean of -y log a - (1 - y) log(1 - a); ``nansum`` drops the
    0 * inf term of a saturated output on the right label, as the oracle does."""
    m = Y.shape[1]
    return 1.0 / m * np.nansum(np.multiply(-np.log(AL), Y) + np.multiply(-np.log(1 - AL), 1 - Y))


def sigmoid_cross_entropy_delta(AL, Y):
    """dZ_L = (A_L - Y) / m: sigmoid's derivative folded into the cross-entropy's."""
    return 1.0 / Y.shape[1] * (AL - Y)


class OutputLayer(NamedTuple):
    forward: object
    cost: object
    delta: object


def softmax(Z):
    """Each column's exp(z - max) / sum: the maximum subtracted so nothing overflows."""
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def categorical_cross_entropy(AL, Y):
    """Mean over the examples of -sum_k y log a (0 log 0 terms dropped, as nansum)."""
    return 1.0 / Y.shape[1] * np.nansum(-Y * np.log(AL))


OUTPUT_LAYERS = {
    "sigmoid": OutputLayer(sigmoid, binary_cross_entropy, sigmoid_cross_entropy_delta),
    # softmax's derivative folded into the categorical cross-entropy's is the same (A - Y) / m
    "softmax": OutputLayer(softmax, categorical_cross_entropy, sigmoid_cross_entropy_delta),
}


def numpy_train(X, Y, parameters, num_iterations, learning_rate=LEARNING_RATE, output="sigmoid"):
    """Full-batch gradient descent in plain NumPy; returns the cost of every iteration.

    ``X`` (n_x, m) and ``Y`` (K, m) float64 C-contiguous; ``parameters`` as
    fastnn's, copied (not modified). The activations A_l and the gradients dZ_l,
    dW_l, db_l of an iteration stay referenced until the next iteration replaces
    them, as the study's code keeps its caches and gradients.
    """
    out = OUTPUT_LAYERS[output]
    L = len(parameters) // 2
    W = [None] + [parameters[f"W{l}"].copy() for l in range(1, L + 1)]
    b = [None] + [parameters[f"b{l}"].copy() for l in range(1, L + 1)]
    A = [X] + [None] * L
    dZ, dW, db = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
    costs = np.empty(num_iterations)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(num_iterations):
            # forward: Z_l = W_l A_{l-1} + b_l; relu on hidden layers, the output's rule last
            for l in range(1, L):
                Z = np.dot(W[l], A[l - 1])
                Z += b[l]
                A[l] = np.maximum(Z, 0, out=Z)
            A[L] = out.forward(np.dot(W[L], A[L - 1]) + b[L])
            costs[i] = out.cost(A[L], Y)
            # backward: dW_l = dZ_l A_{l-1}^T, db_l = sum_examples dZ_l,
            # dZ_{l-1} = (W_l^T dZ_l) * relu'(Z_{l-1}), relu' being (A_{l-1} > 0)
            dZ[L] = out.delta(A[L], Y)
            for l in range(L, 0, -1):
                dW[l] = np.dot(dZ[l], A[l - 1].T)
                db[l] = np.sum(dZ[l], axis=1, keepdims=True)
                if l > 1:
                    dZ[l - 1] = np.dot(W[l].T, dZ[l])
                    dZ[l - 1] *= A[l - 1] > 0
            # update, in place
            for l in range(1, L + 1):
                W[l] -= learning_rate * dW[l]
                b[l] -= learning_rate * db[l]
    return costs


# ---- data, gate, timing --------------------------------------------------------------

def make_data(c: Case):
    """X standard normal (n_x, m); labels from a random linear rule: y = [v . x > 0]
    for one output, the one-hot argmax of V x for K outputs. He-initialised
    parameters. All from a Generator seeded by the case alone."""
    rng = np.random.default_rng([DATA_SEED, *c.layers_dims, c.m])
    n_x, K = c.layers_dims[0], c.layers_dims[-1]
    X = rng.standard_normal((n_x, c.m))
    scores = rng.standard_normal((K, n_x)) @ X
    if K == 1:
        Y = (scores > 0).astype(np.float64)
    else:
        Y = np.zeros((K, c.m))
        Y[np.argmax(scores, axis=0), np.arange(c.m)] = 1.0
    parameters = fastnn.initialize_parameters(list(c.layers_dims), "he", seed=rng)
    return X, Y, parameters


def relative_difference(costs, expected) -> float:
    costs, expected = np.asarray(costs), np.asarray(expected)
    if costs.shape != expected.shape:
        return float("inf")
    return float(np.max(np.abs(costs - expected) / np.abs(expected)))


def gate(c: Case, X, Y, parameters, kernel) -> dict:
    """Both sides against the oracle over GATE_ITERATIONS iterations."""
    try:
        oracle = reference.train(X, Y, list(c.layers_dims), learning_rate=LEARNING_RATE,
                                 num_iterations=GATE_ITERATIONS, parameters=parameters,
                                 output=c.output).costs
        ours = numpy_train(X, Y, parameters, GATE_ITERATIONS, output=c.output)
        theirs = fastnn.train(X, Y, list(c.layers_dims), learning_rate=LEARNING_RATE,
                              num_iterations=GATE_ITERATIONS, parameters=parameters,
                              output=c.output, n_threads=1, kernel=kernel).costs
    except (ValueError, TypeError) as error:
        return {"ok": False, "reason": f"{type(error).__name__}: {error}"}
    numpy_diff, fastnn_diff = relative_difference(ours, oracle), relative_difference(theirs, oracle)
    moved = float(abs(oracle[-1] - oracle[0]) / abs(oracle[0]))
    ok = bool(numpy_diff <= GATE_RTOL and fastnn_diff <= GATE_RTOL and moved >= GATE_MIN_CHANGE)
    reason = "" if ok else (
        f"costs moved by {moved:.1e} only" if moved < GATE_MIN_CHANGE else "disagrees with the oracle")
    return {"ok": ok, "reason": reason, "numpy_vs_oracle": numpy_diff,
            "fastnn_vs_oracle": fastnn_diff, "cost_change": moved}


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.list:
        for c in CASES:
            print(f"{c.name:<24} {c.group:<6} {c.network}, m = {c.m}")
        return 0
    unset = reexec_without_openblas_overrides(args)
    profile = QUICK if args.quick else FULL
    rounds = args.rounds or profile["rounds"]
    target = args.target or profile["target"]
    cases = select_cases(args.cases, profile["max_m"])
    info = fastnn.build_info()
    build = args.kernel or info["build"]

    with threadpool_limits(1):
        blas = [{k: lib.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
                for lib in threadpool_info() if lib.get("user_api") == "blas"]
        print(f"CPU: {cpu_name()} ({os.cpu_count()} logical cores)")
        print(f"fastnn {fastnn.__version__}: kernel build {build!r} (dispatched {info['build']!r},"
              f" available {info['available']}; block {info['block_size']}, tile {info['tile_size']})")
        print(f"NumPy {np.__version__}, BLAS: " + ", ".join(
            f"{b['internal_api']} {b['version']}, kernel {b['architecture']}, {b['num_threads']} thread(s)"
            for b in blas))
        print(openblas_env_line(unset))
        print(f"one thread each side; {rounds} interleaved round{'s' * (rounds != 1)} of ~{target} s runs, medians;"
              f" full-batch gradient descent, learning rate {LEARNING_RATE}"
              + ("; --quick: a smoke run, not a measurement" if args.quick else "") + "\n")

        print(f"gate: {GATE_ITERATIONS} iterations from the same start, costs against fastnn.reference"
              f" (rtol {GATE_RTOL:.0e})")
        points, runs = [], {}
        for c in cases:
            X, Y, parameters = make_data(c)
            checked = gate(c, X, Y, parameters, args.kernel)
            point = {"case": c.name, "network": c.network, "layers_dims": list(c.layers_dims), "m": c.m,
                     "output": c.output, "gate": checked}
            points.append(point)
            if not checked["ok"]:
                print(f"  {c.name:<24} NOT TIMED: {checked['reason']}")
                continue
            print(f"  {c.name:<24} numpy {checked['numpy_vs_oracle']:.1e}, fastnn {checked['fastnn_vs_oracle']:.1e}"
                  f" (costs moved {checked['cost_change']:.1e})")

            def run_numpy(n, X=X, Y=Y, parameters=parameters, c=c):
                numpy_train(X, Y, parameters, n, output=c.output)

            def run_fastnn(n, X=X, Y=Y, parameters=parameters, c=c):
                fastnn.train(X, Y, list(c.layers_dims), learning_rate=LEARNING_RATE, num_iterations=n,
                             parameters=parameters, output=c.output, n_threads=1, kernel=args.kernel)

            run_numpy(MIN_ITERATIONS)                        # warm-ups
            run_fastnn(MIN_ITERATIONS)
            begin = time.perf_counter()
            run_numpy(MIN_ITERATIONS)
            probe = (time.perf_counter() - begin) / MIN_ITERATIONS
            point.update(iterations=int(min(MAX_ITERATIONS, max(MIN_ITERATIONS, target / probe))),
                         numpy_s_per_iteration=[], fastnn_s_per_iteration=[])
            runs[c.name] = {"numpy": run_numpy, "fastnn": run_fastnn}

        # Rounds outermost: each round runs every case on both sides, so a burst of
        # load falls on all of them alike instead of on one case or one side.
        for r in range(rounds):
            print(f"round {r + 1}/{rounds}", file=sys.stderr, flush=True)
            for point in points:
                if point["case"] not in runs:
                    continue
                n = point["iterations"]
                for side in ("numpy", "fastnn") if r % 2 == 0 else ("fastnn", "numpy"):
                    begin = time.perf_counter()
                    runs[point["case"]][side](n)
                    point[f"{side}_s_per_iteration"].append((time.perf_counter() - begin) / n)

    header = f"{'network':<20}{'m':>8}{'numpy us/it':>14}{'fastnn us/it':>14}{'NumPy / fastnn':>16}"
    print("\n" + header)
    print("-" * len(header))
    for point in points:
        if not point["gate"]["ok"]:
            print(f"{point['network']:<20}{point['m']:>8}  not timed: {point['gate']['reason']}")
            continue
        t_numpy = float(np.median(point["numpy_s_per_iteration"]))
        t_fastnn = float(np.median(point["fastnn_s_per_iteration"]))
        point.update(numpy_us_median=t_numpy * 1e6, fastnn_us_median=t_fastnn * 1e6,
                     numpy_over_fastnn=t_numpy / t_fastnn)
        print(f"{point['network']:<20}{point['m']:>8}{t_numpy * 1e6:>14.1f}{t_fastnn * 1e6:>14.1f}"
              f"{t_numpy / t_fastnn:>15.2f}x")

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "bench_widths.json")
    with open(path, "w") as f:
        json.dump({"benchmark": "bench_widths", "command": " ".join(sys.argv), "quick": args.quick,
                   "cpu": cpu_name(), "cores": os.cpu_count(), "machine": platform.machine(),
                   "python": platform.python_version(), "numpy": np.__version__, "blas": blas,
                   "unset_env": unset, "fastnn": fastnn.__version__, "kernel": {**info, "used": build},
                   "learning_rate": LEARNING_RATE, "rounds": rounds, "target_s": target,
                   "gate": {"iterations": GATE_ITERATIONS, "rtol": GATE_RTOL}, "results": points},
                  f, indent=1)
    print(f"\nwrote {path}")
    return 0 if all(point["gate"]["ok"] for point in points) else 1


if __name__ == "__main__":
    sys.exit(main())
