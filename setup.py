"""Build script: declares the compiled kernel builds. Metadata lives in pyproject.toml.

One kernel source (src_pyx/_kernel.pxi, rendered from the template
src_pyx/_kernel.pxi.tp, see below) is compiled once per instruction set; each
src_pyx/_core_<build>.pyx includes it. fastnn/_dispatch.py loads the best build the
running CPU supports.

- baseline: the platform's default flags; runs on every CPU of the platform.
- x86_64_v3 (x86-64 Linux only): -march=x86-64-v3 (AVX2), with glibc's vector
  exp/log (libmvec, see src_pyx/_vecmath.h). -fno-math-errno lets GCC treat exp and
  log as pure functions so that calls to them vectorise; the kernel never reads errno.
  -ffp-contract=off (every build) keeps a * b + c as two roundings, so the choice
  of build never changes how an overflow shows: with a fused
  multiply-add, 10 * 1e308 - 10 * 1e308 gives inf on one build and NaN on the
  other. (NumPy's own answer there depends on its BLAS kernel.) It costs 3-9 %:
  with -ffp-contract=fast the v4 build took 0.97x the time at m=300 and 0.94x at
  m=30000, the v3 build 0.91x at m=300 (interleaved runs).

- x86_64_v4 (x86-64 Linux only): the same with -march=x86-64-v4 (AVX-512: vectors
  of 8 doubles, 32 registers). On the AMD EPYC (Zen 4) this project is measured
  on, 512-bit arithmetic runs at the 256-bit rate (two halves), yet the v4 build of
  the current kernel is 10-30% faster than v3 (half the instructions; interleaved
  runs at m = 300 to 30000). With the kernel before the backward rewrite it had
  been 25-35% slower.

Environment variables read at build time:

FASTNN_CYTHON_DEBUG=1
    Compile with Cython's bounds, wraparound and initialisation checks switched back
    on, so an out-of-bounds memoryview access raises instead of corrupting memory.
FASTNN_SANITIZE=address
    Compile and link with AddressSanitizer (GCC/Clang), which also checks the
    kernel's raw-pointer loops that Cython's checks cannot see. Run Python with
    LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libstdc++.so)"
    ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 (libstdc++ too:
    matplotlib's C++ code trips AddressSanitizer unless it is loaded first; and
    allocations too large for memory must fail as MemoryError, not abort).
FASTNN_TILE=<units>
    Units per register tile in the kernel's forward and backward passes (default 6).
    Any width from 1 up gives the same results; CI builds its debug stage with
    another width so that the generated code of a second width is tested.

The kernel source src_pyx/_kernel.pxi.tp is a Tempita template (Tempita ships with
Cython); it is rendered to src_pyx/_kernel.pxi, which each _core_<build>.pyx
includes, before Cython runs.
"""
import os
import platform
import sys

from Cython.Build import cythonize
from Cython.Tempita import sub as render_template
from setuptools import Extension, setup

DEBUG = os.environ.get("FASTNN_CYTHON_DEBUG", "") not in ("", "0")
SANITIZE = os.environ.get("FASTNN_SANITIZE", "")
TILE = os.environ.get("FASTNN_TILE", "6")
if not TILE.isdigit() or int(TILE) < 1:
    sys.exit(f"FASTNN_TILE must be a positive integer, got {TILE!r}")


def render_kernel(template="src_pyx/_kernel.pxi.tp", tile=int(TILE)):
    """Write the kernel source for this build's tile width. The file is rewritten
    only when its text changes, so an unchanged kernel is not recompiled."""
    with open(template, encoding="utf-8") as f:
        text = render_template(f.read(), TILE=tile)
    target = template[: -len(".tp")]
    if os.path.exists(target):
        with open(target, encoding="utf-8") as f:
            if f.read() == text:
                return
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)


render_kernel()

# Set once for the whole build rather than as decorators in the sources.
directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": True,
    "embedsignature": True,
}

linux = sys.platform.startswith("linux")
unix = sys.platform != "win32"          # GCC or Clang; Windows builds use MSVC defaults
x86_64_linux = linux and platform.machine().lower() in ("x86_64", "amd64")

# -fno-trapping-math lets the compiler turn `x if c else y` into a branch-free select,
# so the loops with a ReLU or a NaN test vectorise; it changes no result (we never
# enable floating-point traps), unlike -ffast-math, which we do not use.
# -ffp-contract=off: no fused multiply-adds in any build (see x86_64_v3 below for
# why); GCC on aarch64 and clang would otherwise fuse a * b + c.
common = ["-O3", "-funroll-loops", "-fno-trapping-math", "-ffp-contract=off"] if unix else []
# OpenMP runs the groups of examples on several threads (GCC's libgomp on Linux).
# Without it (Apple's clang, MSVC here) prange compiles to a plain loop: the same
# results on one thread.
openmp = ["-fopenmp"] if linux else []
sanitize = [f"-fsanitize={SANITIZE}", "-fno-omit-frame-pointer"] if SANITIZE else []

BUILDS = {"baseline": []}
if x86_64_linux:
    vector_math = ["-fno-math-errno", "-DFASTNN_LIBMVEC"]
    BUILDS["x86_64_v4"] = ["-march=x86-64-v4", *vector_math]
    BUILDS["x86_64_v3"] = ["-march=x86-64-v3", *vector_math]

extensions = [
    Extension(
        f"fastnn._core_{build}",
        [f"src_pyx/_core_{build}.pyx"],
        include_dirs=["src_pyx"],
        extra_compile_args=common + openmp + sanitize + flags,
        extra_link_args=openmp + sanitize,
        libraries=["m"] if unix else [],
        define_macros=[("FASTNN_CYTHON_DEBUG", "1")] if DEBUG else [],
    )
    for build, flags in BUILDS.items()
]

# The kernel reads arrays through typed memoryviews only and never uses NumPy's C API,
# so NumPy is not needed to build it.
setup(ext_modules=cythonize(extensions, compiler_directives=directives))
