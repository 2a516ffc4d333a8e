"""Regenerate the README's published tables and figures from one run.

Runs, with the installed fastnn:

1. the study (``fastnn --quiet``): its closing table, and ``docs/study.png``;
2. the 50-seed sweep (``fastnn sweep``): its table, and ``docs/sweep_accuracy.png``;
3. the training benchmark (``benchmarks/bench_train.py``, which unsets
   OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for its own process): a table of speed-ups
   over the study's own NumPy code, and ``docs/bench_train.png``;

and writes each table into README.md between its pair of markers,
``<!-- BEGIN generated: NAME -->`` and ``<!-- END generated: NAME -->``, with a line
saying which kernel build, NumPy and BLAS produced it. Nothing else in README.md
changes. The sweep's ×10 ``random`` row is chaotic, so its numbers depend on the
kernel build; ``FASTNN_KERNEL=baseline`` (say) regenerates them for another build.

Usage::

    python benchmarks/regenerate_docs.py            # everything; the full benchmark (a few minutes)
    python benchmarks/regenerate_docs.py --quick    # the benchmark's --quick profile (~30 s)
    python benchmarks/regenerate_docs.py --only study sweep
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PARTS = ("study", "sweep", "bench")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="run the benchmark's --quick profile")
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS), help="regenerate only these")
    parser.add_argument("--readme", default=os.path.join(ROOT, "README.md"), help="the file with the markers")
    parser.add_argument("--docs", default=os.path.join(ROOT, "docs"), help="folder for the figures")
    return parser.parse_args(argv)


def provenance() -> str:
    """One line: the kernel build, NumPy and its BLAS, the CPU."""
    import numpy as np

    import fastnn
    from bench_train import blas_libraries, cpu_name, describe_blas

    try:
        blas = describe_blas(blas_libraries())
    except ImportError:                                  # threadpoolctl is optional here
        blas = "unknown BLAS (install threadpoolctl)"
    build = fastnn.build_info()["build"]
    return f"fastnn {fastnn.__version__}, kernel build `{build}`; NumPy {np.__version__}, {blas}; {cpu_name()}"


def replace_region(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- BEGIN generated: {re.escape(name)} -->\n).*?(<!-- END generated: {re.escape(name)} -->)",
                         re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"README has no '<!-- BEGIN generated: {name} -->' ... '<!-- END generated: {name} -->' markers")
    return pattern.sub(lambda match: match.group(1) + body.rstrip("\n") + "\n" + match.group(2), text, count=1)


def run_cli(argv: list[str]) -> str:
    """``fastnn ARGV`` in this process; returns what it printed."""
    from fastnn.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(argv)
    if status:
        raise SystemExit(f"fastnn {' '.join(argv)} exited with status {status}")
    return out.getvalue()


def study_part(tmp: str, docs: str, origin: str) -> str:
    printed = run_cli(["--quiet", "--out", tmp])
    table = printed.split("\n\nfigures and study.json")[0].strip("\n")
    shutil.copyfile(os.path.join(tmp, "study.png"), os.path.join(docs, "study.png"))
    return f"```\n{table}\n```\n\n<sub>`fastnn`; {origin}.</sub>\n"


def sweep_part(tmp: str, docs: str, origin: str) -> str:
    start = time.perf_counter()
    printed = run_cli(["sweep", "--out", tmp])
    seconds = time.perf_counter() - start
    table = printed.split("\n\nwrote ")[0].strip("\n")
    shutil.copyfile(os.path.join(tmp, "sweep_accuracy.png"), os.path.join(docs, "sweep_accuracy.png"))
    print(f"  sweep took {seconds:.0f} s")
    return f"```\n{table}\n```\n\n<sub>`fastnn sweep`; {origin}.</sub>\n"


def bench_rows(results: list[dict], best: str) -> list[dict]:
    """The README's rows: per m, the study's code, the portable kernel and the best
    build on one thread, and the best build on two."""
    keep = []
    for r in results:
        if r.get("status") != "ok" or r["engine"] == "reference":
            continue
        if r["engine"] == "study" and r["threads"] == 1:
            keep.append(r)
        elif r["engine"] == "compiled" and r["threads"] == 1:
            keep.append(r)
        elif r["engine"] == "compiled" and r["build"] == best and r["threads"] == 2:
            keep.append(r)
    return keep


def bench_part(tmp: str, docs: str, quick: bool) -> str:
    command = [sys.executable, os.path.join(HERE, "bench_train.py"), "--out", tmp] + (["--quick"] if quick else [])
    subprocess.run(command, check=True)
    with open(os.path.join(tmp, "bench_train.json")) as f:
        report = json.load(f)
    shutil.copyfile(os.path.join(tmp, "bench_train.png"), os.path.join(docs, "bench_train.png"))
    best = report["kernel"]["available"][0]
    names = {"baseline": "compiled, portable", "x86_64_v3": "compiled, x86-64-v3", "x86_64_v4": "compiled, x86-64-v4"}
    lines = ["| m | engine | threads | µs / iteration | speed-up over the study's code |",
             "|---:|---|---:|---:|---:|"]
    for r in bench_rows(report["results"], best):
        engine = "the study's NumPy code" if r["engine"] == "study" else names.get(r["build"], f"compiled, {r['build']}")
        lines.append(f"| {r['m']:,} | {engine} | {r['threads']} | {r['us_per_iteration_median']:,.1f} |"
                     f" {r['speedup_vs_study']:.1f}× |")
    blas = ", ".join(f"{b['internal_api']} {b['version']} kernel {b['architecture']}" for b in report["blas"])
    profile = "the `--quick` profile" if quick else "the full profile"
    unset = " (OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset)" if report["unset_env"] else ""
    lines += ["", f"<sub>`python benchmarks/bench_train.py`, {profile}: medians of interleaved rounds; "
              f"fastnn {report['fastnn']}, kernel build `{report['kernel']['build']}`; NumPy {report['numpy']}, "
              f"{blas}{unset}; {report['cpu']}, {report['cores']} cores. The speed-up at 2 threads is over the "
              f"study's code with 2 BLAS threads.</sub>"]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, HERE)
    import fastnn

    origin = provenance()
    print(f"regenerating {', '.join(args.only)} with {origin}")
    print(f"fastnn imported from {os.path.dirname(fastnn.__file__)}")
    with open(args.readme) as f:
        text = f.read()
    os.makedirs(args.docs, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        parts = {"study": lambda: study_part(tmp, args.docs, origin),
                 "sweep": lambda: sweep_part(tmp, args.docs, origin),
                 "bench": lambda: bench_part(tmp, args.docs, args.quick)}
        for name in args.only:
            print(f"- {name}", flush=True)
            text = replace_region(text, f"{name}-table", parts[name]())
    with open(args.readme, "w") as f:
        f.write(text)
    print(f"wrote {args.readme} and the figures in {args.docs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
