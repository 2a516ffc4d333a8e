"""The figures say what they show: legends, markers and ticks, read off the artists."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from fastnn.plots import plot_costs


def _axes():
    return Figure().add_subplot()


def _legend_texts(ax):
    legend = ax.get_legend()
    return [] if legend is None else [text.get_text() for text in legend.get_texts()]


@pytest.mark.parametrize(
    "label, expected",
    [(None, ["cost = inf (sigmoid saturated)"]), ("random", ["random", "random: cost = inf (sigmoid saturated)"])],
    ids=["unlabelled", "labelled"],
)
def test_the_infinite_cost_marker_is_explained(label, expected):
    ax = plot_costs([np.inf, np.inf, 2.0, 1.0], ax=_axes(), label=label)
    assert _legend_texts(ax) == expected


def test_finite_costs_unlabelled_need_no_legend():
    ax = plot_costs([2.0, 1.0], ax=_axes())
    assert ax.get_legend() is None
