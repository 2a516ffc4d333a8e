"""Build script: declares the compiled engine. Metadata lives in pyproject.toml.

Environment variables read at build time:

FASTNN_CYTHON_DEBUG=1
    Compile with Cython's bounds, wraparound and initialisation checks switched back
    on, so an out-of-bounds memoryview access raises instead of corrupting memory.
"""
import os
import sys

from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG = os.environ.get("FASTNN_CYTHON_DEBUG", "") not in ("", "0")

# Set once for the whole build rather than as decorators in the sources.
directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": True,
    "embedsignature": True,
}

# OpenMP runs the groups of examples on several threads. Without it (e.g. Apple's
# clang) prange compiles to a plain loop: same results, one thread.
openmp = ["-fopenmp"] if sys.platform.startswith("linux") else []

extensions = [
    Extension(
        "fastnn._core",
        ["src_pyx/_core.pyx"],
        extra_compile_args=openmp,
        extra_link_args=openmp,
    )
]

# The kernel reads arrays through typed memoryviews only and never uses NumPy's C API,
# so NumPy is not needed to build it.
setup(ext_modules=cythonize(extensions, compiler_directives=directives))
