"""Which build of the compiled kernel runs here.

setup.py compiles the same kernel source once per instruction set (see its
docstring). At import, the best build that was compiled *and* that this CPU supports
is chosen; ``FASTNN_KERNEL=<build>`` forces one (for tests, benchmarks and bug
reports). :func:`build_info` says what was chosen and why.
"""
from __future__ import annotations

import importlib
import os
import platform
from types import ModuleType

__all__ = ["BUILDS", "available_builds", "load", "default_build", "build_info"]

# Best first. The level is the x86-64 microarchitecture level the build assumes.
BUILDS = {"x86_64_v4": 4, "x86_64_v3": 3, "baseline": 0}
ENV_VAR = "FASTNN_KERNEL"

_modules: dict[str, ModuleType] = {}


def _import(build: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"fastnn._core_{build}")
    except ImportError:
        return None


def _baseline() -> ModuleType:
    module = _import("baseline")
    if module is None:
        here = os.path.dirname(os.path.abspath(__file__))
        raise ImportError(
            f"fastnn's compiled kernel (fastnn._core_baseline) is missing from {here}."
            " This usually means Python imported the source folder instead of the"
            " installed package: run from another directory, or build the kernel in"
            " place with `pip install -e .`."
        )
    return module


def available_builds() -> list[str]:
    """Builds that were compiled and that this CPU can run, best first."""
    baseline = _baseline()
    found = []
    for build, level in BUILDS.items():
        if level and not baseline.cpu_supports(level):
            continue
        if build in _modules or _import(build) is not None:
            found.append(build)
    return found


def load(build: str) -> ModuleType:
    """The kernel module of ``build``; ValueError if it cannot run here."""
    if build in _modules:
        return _modules[build]
    if build not in BUILDS:
        raise ValueError(f"kernel build must be one of {list(BUILDS)}, got {build!r}")
    if build not in available_builds():
        raise ValueError(
            f"kernel build {build!r} is not available on this machine"
            f" (compiled and supported here: {available_builds()})"
        )
    _modules[build] = _import(build)
    return _modules[build]


def default_build() -> str:
    """``FASTNN_KERNEL`` if set, else the best available build."""
    forced = os.environ.get(ENV_VAR)
    if forced:
        try:
            load(forced)
        except ValueError as exc:
            raise RuntimeError(f"{ENV_VAR}={forced!r}: {exc}") from None
        return forced
    return available_builds()[0]


def build_info() -> dict[str, object]:
    """The kernel build in use and how it was chosen.

    Returns
    -------
    dict
        ``build`` (the default kernel), ``forced_by_env`` (the value of
        ``FASTNN_KERNEL`` or None), ``available`` (builds this CPU can run, best
        first), ``machine``, ``block_size`` (examples per kernel block) and
        ``debug_checks`` (empty for a normal build; see setup.py).
    """
    build = default_build()
    return {
        "build": build,
        "forced_by_env": os.environ.get(ENV_VAR) or None,
        "available": available_builds(),
        "machine": platform.machine(),
        "block_size": load(build).block_size(),
        "debug_checks": load(build).debug_checks(),
    }
