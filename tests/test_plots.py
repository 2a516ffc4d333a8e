"""The figures say what they show: legends, markers and ticks, read off the artists."""
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

import fastnn
from fastnn.plots import plot_activation_spread, plot_costs, plot_decision_boundary


def _axes():
    return Figure().add_subplot()


def _legend_texts(ax):
    legend = ax.get_legend()
    return [] if legend is None else [text.get_text() for text in legend.get_texts()]


@pytest.fixture(scope="module")
def diagnoses(study_data):
    train_X, train_Y, _, _ = study_data
    return [fastnn.diagnose(train_X, initialization=name, Y=train_Y) for name in ("zeros", "he")]


def test_a_zero_spread_is_marked_and_explained(diagnoses):
    # zeros: every pre-activation is exactly 0, which a log axis cannot show.
    assert [layer.z_std for layer in diagnoses[0].layers] == [0.0, 0.0, 0.0]
    ax = plot_activation_spread(diagnoses, ax=_axes())
    assert _legend_texts(ax) == ["zeros", "he", "std = 0 (drawn at 1e-12)"]
    hollow = [line for line in ax.get_lines() if line.get_markerfacecolor() == "white"]
    assert len(hollow) == 1
    np.testing.assert_array_equal(hollow[0].get_xydata(), [[1, 1e-12], [2, 1e-12], [3, 1e-12]])


def test_the_layer_axis_has_a_tick_per_layer(diagnoses):
    ax = plot_activation_spread(diagnoses, ax=_axes())
    assert list(ax.get_xticks()) == [1, 2, 3]


def test_no_zero_spread_no_note(diagnoses):
    ax = plot_activation_spread(diagnoses[1:], ax=_axes())
    assert _legend_texts(ax) == ["he"]


def test_decision_boundary_has_a_legend_in_the_region_colours(study_data):
    train_X, train_Y, _, _ = study_data
    parameters = fastnn.initialize_parameters([2, 10, 5, 1], "he")
    ax = plot_decision_boundary(parameters, train_X, train_Y, ax=_axes(), resolution=30)
    legend = ax.get_legend()
    assert _legend_texts(ax) == ["label 0", "label 1"]
    regions = ax.collections[0].get_facecolor()        # the filled contour, class 0 then 1
    for handle, region in zip(legend.legend_handles, regions):
        np.testing.assert_allclose(to_rgba(handle.get_facecolor()), region)


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
