"""Which build of the compiled kernel runs here.

setup.py compiles the same kernel source once per instruction set and precision
(see its docstring): ``fastnn._core_<build>`` computes in float64 and
``fastnn._core_<build>_float32`` in float32. Once per process (when :mod:`fastnn.engine` is imported), the best build
that was compiled *and* that this CPU supports is chosen; ``FASTNN_KERNEL=<build>``,
as set at that moment, forces one (for tests, benchmarks and bug reports). The choice
is kept: changing the variable later changes nothing, and :func:`build_info` reports
the build that :func:`fastnn.train` really uses.
"""
from __future__ import annotations

import importlib
import os
import platform
from types import ModuleType

__all__ = ["BUILDS", "available_builds", "available_cores", "load", "default_build", "build_info"]

# Best first. The level is the x86-64 microarchitecture level the build assumes.
BUILDS = {"x86_64_v4": 4, "x86_64_v3": 3, "baseline": 0}
ENV_VAR = "FASTNN_KERNEL"

# The module name's suffix for each precision the kernel is compiled in.
PRECISIONS = {"float64": "", "float32": "_float32"}
_modules: dict[tuple[str, str], ModuleType] = {}
# (build, the FASTNN_KERNEL value it was chosen under), once chosen.
_choice: tuple[str, str | None] | None = None


def _import(build: str, precision: str = "float64") -> ModuleType | None:
    try:
        return importlib.import_module(f"fastnn._core_{build}{PRECISIONS[precision]}")
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
        if (build, "float64") in _modules or _import(build) is not None:
            found.append(build)
    return found


def load(build: str, precision: str = "float64") -> ModuleType:
    """The kernel module of ``build`` in ``precision`` ("float64" or "float32");
    ValueError if it cannot run here."""
    if (build, precision) in _modules:
        return _modules[(build, precision)]
    if precision not in PRECISIONS:
        raise ValueError(f"kernel precision must be one of {list(PRECISIONS)}, got {precision!r}")
    if build not in BUILDS:
        raise ValueError(f"kernel build must be one of {list(BUILDS)}, got {build!r}")
    if build not in available_builds():
        raise ValueError(
            f"kernel build {build!r} is not available on this machine"
            f" (compiled and supported here: {available_builds()})"
        )
    module = _import(build, precision)
    if module is None:
        raise ImportError(f"fastnn._core_{build}{PRECISIONS[precision]} is missing: rebuild fastnn")
    _modules[(build, precision)] = module
    return module


def default_build() -> str:
    """The build used when a call names none: ``FASTNN_KERNEL`` if it was set at the
    first call, else the best available build. Chosen at the first call, then kept.

    Raises
    ------
    RuntimeError
        If ``FASTNN_KERNEL`` names a build that cannot run here.
    """
    return _chosen()[0]


def _chosen() -> tuple[str, str | None]:
    global _choice
    if _choice is None:
        forced = os.environ.get(ENV_VAR) or None
        if forced:
            try:
                load(forced)
            except ValueError as exc:
                raise RuntimeError(f"{ENV_VAR}={forced!r}: {exc}") from None
        _choice = (forced or available_builds()[0], forced)
    return _choice


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def build_info() -> dict[str, object]:
    """The kernel build in use and how it was chosen.

    Returns
    -------
    dict
        ``build`` (the default kernel, the one :func:`fastnn.train` uses when no
        ``kernel=`` is given), ``forced_by_env`` (the value of ``FASTNN_KERNEL``
        when that choice was made, or None), ``available`` (builds this CPU can run,
        best first), ``machine``, ``block_size`` (examples per kernel block),
        ``tile_size`` (units per register tile) and ``debug_checks`` (empty for a
        normal build; see setup.py).
    """
    build, forced = _chosen()
    return {
        "build": build,
        "forced_by_env": forced,
        "available": available_builds(),
        "machine": platform.machine(),
        "block_size": load(build).block_size(),
        "tile_size": load(build).tile_size(),
        "debug_checks": load(build).debug_checks(),
    }
