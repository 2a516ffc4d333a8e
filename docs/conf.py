"""Sphinx configuration for fastnn's documentation site.

Build (warnings are errors)::

    pip install ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

The gallery (``examples/plot_*.py``) is executed on every build; its figures, and
the API pages autosummary generates, are written under ``docs/`` and never committed.
"""
from __future__ import annotations

import os
import re
import sys
import warnings

# `python -m sphinx` puts the working directory first on sys.path, and from the
# repository's root that is the source tree's fastnn/, whose kernels are not compiled
# unless built in place. The site documents the installed package (an editable
# install is found through its own import hook).
_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _root]

import fastnn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))   # for _gallery_order

project = "fastnn"
author = "the fastnn developers"
copyright = "2026, the fastnn developers"
release = fastnn.__version__
version = ".".join(release.split(".")[:2])

templates_path = ["_templates"]   # autosummary/class.rst: every class with its methods

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax served with the site rather than from a CDN: formulas render offline
    # and wherever the site is opened from disk
    "sphinx-mathjax-offline",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.ipynb", "auto_examples/*.py"]

# -- API reference ---------------------------------------------------------------
autosummary_generate = True
# numpydoc writes each class's members table itself; autosummary's own would repeat it.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()
# No intersphinx: the site builds with no network (CI's sandbox has none), and an
# inventory that cannot be fetched is a warning, which -W makes an error. Types such
# as ndarray are therefore plain text, not links.

# -- the gallery -----------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "_gallery_order.StudyOrder",
    "reference_url": {"fastnn": None},
    # an example that raises fails the build (with -W, a warning does too)
    "abort_on_example_error": True,
    "matplotlib_animations": False,
    "show_memory": False,
    "min_reported_time": 1,
}
# Examples run headless; threads as the machine allows.
os.environ.setdefault("MPLBACKEND", "Agg")
warnings.filterwarnings("ignore", category=UserWarning, message="Matplotlib is currently using agg")

# -- HTML ------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"fastnn {release}"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_sidebars = {"index": [], "getting_started": [], "changelog": []}
html_show_sourcelink = False


# -- scikit-learn's docstrings ----------------------------------------------------
# fastnn.MLPClassifier and MLPRegressor inherit scikit-learn's documentation, written
# for scikit-learn's site: its examples and glossary terms become links to that site,
# its :arxiv: references links to arXiv, and its other labels plain text.
_SKLEARN = "https://scikit-learn.org/stable"
_ROLE = re.compile(r":(term|ref|arxiv):`(?:([^`<]*?)\s*<([^`>]*)>|([^`]*))`")


def _sklearn_role(match: re.Match) -> str:
    role, text, target = match.group(1), match.group(2), match.group(3) or match.group(4)
    text, target = " ".join((text or target).split()), " ".join(target.split())
    if role == "arxiv":
        return f"`{text} <https://arxiv.org/abs/{target}>`__"
    if role == "term":
        anchor = re.sub(r"[^a-z0-9]+", "-", target.lower()).strip("-")
        return f"`{text} <{_SKLEARN}/glossary.html#term-{anchor}>`__"
    if target.startswith("sphx_glr_auto_examples_") and "_plot_" in target:
        folder, _, name = target[len("sphx_glr_auto_examples_"):].removesuffix(".py").partition("_plot_")
        if not match.group(2):
            text = "scikit-learn's example " + f"plot_{name}.py"
        return f"`{text} <{_SKLEARN}/auto_examples/{folder}/plot_{name}.html>`__"
    return f"``{text}``"


def _sklearn_roles(app, what, name, obj, options, lines):
    if not name.startswith(("fastnn.MLPClassifier", "fastnn.MLPRegressor",
                            "fastnn.estimators.MLPClassifier", "fastnn.estimators.MLPRegressor")):
        return
    lines[:] = _ROLE.sub(_sklearn_role, "\n".join(lines)).split("\n")


def setup(app):
    app.connect("autodoc-process-docstring", _sklearn_roles)
