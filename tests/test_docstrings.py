"""Every example in the package's docstrings runs and prints what it shows.

The API reference (docs/api.rst) is generated from these docstrings, so their
examples are the documentation's; here they run as doctests.
"""
import doctest
import importlib
import pkgutil
import warnings

import pytest

import fastnn

# every module of the package but the compiled ones and the command line's entry
MODULES = sorted(
    info.name for info in pkgutil.iter_modules(fastnn.__path__, "fastnn.")
    if not info.name.rpartition(".")[2].startswith(("_core", "_shuffle"))
    and info.name != "fastnn.__main__"
)
# modules whose docstrings hold examples (so that their test cannot pass vacuously)
WITH_EXAMPLES = {"fastnn", "fastnn.diagnose", "fastnn.engine", "fastnn.estimators", "fastnn.gradcheck"}


@pytest.mark.parametrize("name", ["fastnn", *MODULES])
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    with warnings.catch_warnings():
        # the estimators' examples train briefly, on purpose
        warnings.filterwarnings("ignore", message=".*(Maximum iterations|failed to converge)")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0 or name not in WITH_EXAMPLES
