"""Mini-batch training speed: the compiled engine against the optimisation study's own
NumPy code, side by side.

Two cases, on one thread (the course's code on one BLAS thread, the kernel with
``n_threads=1``), each with its data built outside the timed part:

1. the optimisation study itself: the moons (300 examples), ``[2, 5, 2, 1]``, He
   initialisation, learning rate 0.0007, mini-batches of 64, 10000 epochs (5 steps
   each), per optimiser: the course's ``model`` (``course_optimization_numpy.py``)
   against ``fastnn.train`` with the same options;
2. one epoch of Adam on mini-batches of 64 over 1,000,000 moons.

A correctness gate runs first: 200 epochs of each optimiser with both, whose
per-epoch costs must agree within 1e-10 relative (the suite's tolerance) - a fast
wrong engine is never timed. Timed runs are taken in rounds, each timing both codes,
so that a burst of load on a shared machine slows both alike; medians are reported,
with the speed-up (the course's median over the compiled one's).

OpenBLAS: as ``bench_train.py``, this script re-executes itself without
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (``--keep-env`` leaves them), and prints the
kernel NumPy's BLAS uses.

Usage::

    python benchmarks/bench_course.py            # 3 rounds, 10000 epochs, m = 1,000,000 (~2 min)
    python benchmarks/bench_course.py --quick    # Adam only, 1000 epochs, m = 100,000 (~15 s)
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

from bench_train import cpu_name, describe_blas, blas_libraries, reexec_without_openblas_overrides

GATE_EPOCHS = 200
GATE_RTOL = 1e-10
DIMS = [2, 5, 2, 1]
OPTIONS = dict(learning_rate=0.0007, mini_batch_size=64)
FULL = {"optimizers": ["gd", "momentum", "adam"], "epochs": 10000, "large_m": 1_000_000, "rounds": 3}
QUICK = {"optimizers": ["adam"], "epochs": 1000, "large_m": 100_000, "rounds": 3}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="Adam only, 1000 epochs, m = 100,000")
    parser.add_argument("--rounds", type=int, help="timed rounds (default: 3)")
    parser.add_argument("--out", default="benchmarks/results", help="folder for the JSON")
    parser.add_argument("--keep-env", action="store_true", help="do not unset the OpenBLAS variables")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    unset = reexec_without_openblas_overrides(args)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

    import numpy as np
    from threadpoolctl import threadpool_limits

    import course_optimization_numpy as course
    import fastnn

    profile = QUICK if args.quick else FULL
    rounds = args.rounds or profile["rounds"]
    info = fastnn.build_info()
    print(f"CPU: {cpu_name()} ({os.cpu_count()} logical cores)")
    print(f"fastnn {fastnn.__version__}: kernel build {info['build']!r} (available {info['available']})")
    print(f"NumPy {np.__version__}, BLAS: {describe_blas(blas_libraries())}")
    print(("This benchmark unset " + ", ".join(unset) + " for its own process.") if unset
          else "OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: not set or kept")
    print(f"one thread; {rounds} interleaved rounds, medians\n")

    X_course, Y_course = fastnn.make_moons(300, noise=0.2, seed=3)      # the study's layout
    X = np.ascontiguousarray(X_course, dtype=np.float64)
    Y = np.ascontiguousarray(Y_course, dtype=np.float64)

    def compiled(optimizer, epochs, X=X, Y=Y):
        return fastnn.train(X, Y, DIMS, "he", num_iterations=epochs, seed=3, optimizer=optimizer,
                            n_threads=1, **OPTIONS)

    def course_model(optimizer, epochs, X=X_course, Y=Y_course):
        return course.model(X, Y, DIMS, optimizer, num_epochs=epochs, print_cost=False, **OPTIONS)

    results = {"cpu": cpu_name(), "build": info["build"], "numpy": np.__version__,
               "blas": describe_blas(blas_libraries()), "rounds": rounds, "cases": []}
    with threadpool_limits(1):
        state = np.random.get_state()           # the course's code seeds the global generator
        for optimizer in profile["optimizers"]:
            ours = compiled(optimizer, GATE_EPOCHS).costs
            theirs = np.array(course_model(optimizer, GATE_EPOCHS)[1])
            difference = float(np.max(np.abs(ours - theirs) / np.abs(theirs)))
            print(f"gate, {optimizer}: {GATE_EPOCHS} epochs, costs agree to {difference:.1e} relative")
            if not difference <= GATE_RTOL:
                print(f"gate failed for {optimizer}: not timed", file=sys.stderr)
                return 1

        print(f"\n{'case':<44}{'course (s)':>12}{'compiled (s)':>14}{'speed-up':>10}")
        cases = [(f"study, {optimizer}, {profile['epochs']} epochs x 5 steps",
                  lambda o=optimizer: course_model(o, profile["epochs"]),
                  lambda o=optimizer: compiled(o, profile["epochs"]))
                 for optimizer in profile["optimizers"]]
        m = profile["large_m"]
        X_large_course, Y_large_course = fastnn.make_moons(m, noise=0.2, seed=1)
        X_large = np.ascontiguousarray(X_large_course, dtype=np.float64)
        Y_large = np.ascontiguousarray(Y_large_course, dtype=np.float64)
        cases.append((f"one epoch, adam, batches of 64, m = {m:,}",
                      lambda: course_model("adam", 1, X_large_course, Y_large_course),
                      lambda: compiled("adam", 1, X_large, Y_large)))
        for name, theirs, ours in cases:
            ours()                                   # warm-up
            times = {"course": [], "compiled": []}
            for r in range(rounds):
                order = (("course", theirs), ("compiled", ours))
                for label, run in order if r % 2 == 0 else order[::-1]:
                    start = time.perf_counter()
                    run()
                    times[label].append(time.perf_counter() - start)
            t_course, t_compiled = np.median(times["course"]), np.median(times["compiled"])
            print(f"{name:<44}{t_course:>12.4f}{t_compiled:>14.4f}{t_course / t_compiled:>9.1f}x")
            results["cases"].append({"case": name, "course_s": times["course"],
                                     "compiled_s": times["compiled"],
                                     "speedup": float(t_course / t_compiled)})
        np.random.set_state(state)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "bench_course.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
