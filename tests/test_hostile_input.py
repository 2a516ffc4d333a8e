"""Runs the property-based attacks of hostile_cases.py in a subprocess: a segfault or
an abort in the kernel then fails this test, with the subprocess's report, instead
of killing the whole test run."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("hypothesis")


def test_hostile_input_never_crashes_or_lies(tmp_path):
    cases = Path(__file__).with_name("hostile_cases.py")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(cases)],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(cases.parent), os.environ.get("PYTHONPATH", "")])},
    )
    report = done.stdout[-6000:] + done.stderr[-3000:]
    if done.returncode < 0:
        pytest.fail(f"the attacks crashed the interpreter with {signal.Signals(-done.returncode).name}:\n{report}")
    assert done.returncode == 0, report
