"""Regenerate the published tables and figures from one run.

Runs, with the installed fastnn:

1. the study (``fastnn --quiet``): its closing table, into README.md, and
   ``docs/study.png``;
2. the 50-seed sweep (``fastnn sweep``): its table, into the user guide's
   ``docs/user_guide/sweeps.rst`` (the site's gallery draws its figure at each build);
3. the training benchmark (``benchmarks/bench_train.py``, which unsets
   OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for its own process): a table of speed-ups
   over the study's own NumPy code, into ``docs/user_guide/performance.rst``, and
   ``docs/bench_train.png``, which the README and that page show;

and writes each table between its pair of markers - ``<!-- BEGIN generated: NAME -->``
and ``<!-- END generated: NAME -->`` in Markdown, ``.. BEGIN generated: NAME`` and
``.. END generated: NAME`` (comments) in reStructuredText - with a line saying which
kernel build, NumPy and BLAS produced it. Nothing else in those files changes. The
sweep's ×10 ``random`` row is chaotic, so its numbers depend on the kernel build;
``FASTNN_KERNEL=baseline`` (say) regenerates them for another build.

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
    parser.add_argument("--readme", default=os.path.join(ROOT, "README.md"), help="the README, with the study's markers")
    parser.add_argument("--docs", default=os.path.join(ROOT, "docs"),
                        help="the site's folder: the figures, and user_guide/ with the sweep's and benchmark's markers")
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


def replace_region(path: str, name: str, body: str) -> None:
    """Rewrite the region ``name`` of the Markdown or reStructuredText file ``path``."""
    begin, end = (f"<!-- BEGIN generated: {name} -->", f"<!-- END generated: {name} -->")
    if path.endswith(".rst"):
        begin, end = f".. BEGIN generated: {name}\n", f".. END generated: {name}"
    with open(path, encoding="utf-8") as f:
        text = f.read()
    pattern = re.compile(rf"({re.escape(begin)}\n).*?({re.escape(end)})", re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{path} has no '{begin.strip()}' ... '{end}' markers")
    gap = "\n\n" if path.endswith(".rst") else "\n"      # rST: a blank line ends a comment
    text = pattern.sub(lambda match: match.group(1) + body.rstrip("\n") + gap + match.group(2), text, count=1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def run_cli(argv: list[str]) -> str:
    """``fastnn ARGV`` in this process; returns what it printed."""
    from fastnn.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(argv)
    if status:
        raise SystemExit(f"fastnn {' '.join(argv)} exited with status {status}")
    return out.getvalue()


def study_part(tmp: str, docs: str, origin: str) -> tuple[str, str]:
    """The study's table, in Markdown (the README) and reStructuredText (the user
    guide), and its figure."""
    printed = run_cli(["--quiet", "--out", tmp])
    table = printed.split("\n\nfigures and study.json")[0].strip("\n")
    shutil.copyfile(os.path.join(tmp, "study.png"), os.path.join(docs, "study.png"))
    markdown = f"```\n{table}\n```\n\n<sub>`fastnn`; {origin}.</sub>\n"
    return markdown, rst_text_block(table, f"``fastnn``; {origin.replace('`', '``')}.")


def rst_text_block(text: str, note: str) -> str:
    """``text`` as an reStructuredText literal block, then ``note``."""
    indented = "\n".join("   " + line if line else "" for line in text.splitlines())
    return f".. code-block:: text\n\n{indented}\n\n{note}\n"


def sweep_part(tmp: str, origin: str) -> str:
    start = time.perf_counter()
    printed = run_cli(["sweep", "--out", tmp])
    seconds = time.perf_counter() - start
    table = printed.split("\n\nwrote ")[0].strip("\n")
    print(f"  sweep took {seconds:.0f} s")
    return rst_text_block(table, f"``fastnn sweep``; {origin.replace('`', '``')}.")


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
    """The benchmark's table as an reStructuredText list-table, and its figure."""
    command = [sys.executable, os.path.join(HERE, "bench_train.py"), "--out", tmp] + (["--quick"] if quick else [])
    subprocess.run(command, check=True)
    with open(os.path.join(tmp, "bench_train.json")) as f:
        report = json.load(f)
    shutil.copyfile(os.path.join(tmp, "bench_train.png"), os.path.join(docs, "bench_train.png"))
    best = report["kernel"]["available"][0]
    names = {"baseline": "compiled, portable", "x86_64_v3": "compiled, x86-64-v3", "x86_64_v4": "compiled, x86-64-v4"}
    lines = [".. list-table::", "   :header-rows: 1", "", "   * - m", "     - engine", "     - threads",
             "     - µs / iteration", "     - speed-up over the study's code"]
    for r in bench_rows(report["results"], best):
        engine = "the study's NumPy code" if r["engine"] == "study" else names.get(r["build"], f"compiled, {r['build']}")
        lines += [f"   * - {r['m']:,}", f"     - {engine}", f"     - {r['threads']}",
                  f"     - {r['us_per_iteration_median']:,.1f}", f"     - {r['speedup_vs_study']:.1f}×"]
    blas = ", ".join(f"{b['internal_api']} {b['version']} kernel {b['architecture']}" for b in report["blas"])
    profile = "the `--quick` profile" if quick else "the full profile"
    unset = " (OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset)" if report["unset_env"] else ""
    lines += ["", f"``python benchmarks/bench_train.py``, {profile}: medians of interleaved rounds; "
              f"fastnn {report['fastnn']}, kernel build ``{report['kernel']['build']}``; NumPy {report['numpy']}, "
              f"{blas}{unset}; {report['cpu']}, {report['cores']} cores. The speed-up at 2 threads is over the "
              f"study's code with 2 BLAS threads."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, HERE)
    import fastnn

    origin = provenance()
    print(f"regenerating {', '.join(args.only)} with {origin}")
    print(f"fastnn imported from {os.path.dirname(fastnn.__file__)}")
    guide = os.path.join(args.docs, "user_guide")
    with tempfile.TemporaryDirectory() as tmp:
        # each part: the files its table goes to, and what makes the table (one text
        # per file)
        parts = {"study": ((args.readme, os.path.join(guide, "initialization.rst")),
                           lambda: study_part(tmp, args.docs, origin)),
                 "sweep": ((os.path.join(guide, "sweeps.rst"),), lambda: (sweep_part(tmp, origin),)),
                 "bench": ((os.path.join(guide, "performance.rst"),),
                           lambda: (bench_part(tmp, args.docs, args.quick),))}
        for name in args.only:
            paths, make = parts[name]
            print(f"- {name}", flush=True)
            for path, body in zip(paths, make()):
                replace_region(path, f"{name}-table", body)
                print(f"  wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
