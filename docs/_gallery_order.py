"""The gallery's order: the study first, then the course's path through it."""
from __future__ import annotations

import os

ORDER = (
    "plot_study.py",
    "plot_activations.py",
    "plot_sweep.py",
    "plot_optimizers.py",
    "plot_regularization.py",
    "plot_grid_search.py",
)


class StudyOrder:
    """A sphinx-gallery sort key (``within_subsection_order``): the examples in
    ``ORDER``, then any others by name."""

    def __init__(self, src_dir: str):
        self.src_dir = src_dir

    def __call__(self, filename: str) -> tuple[int, str]:
        name = os.path.basename(filename)
        return (ORDER.index(name) if name in ORDER else len(ORDER), name)
