"""Tests of the book's figure style (tutorial_utils.plotting)."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex, to_rgba

from tutorial_utils import plotting
from tutorial_utils.problems import Rosenbrock

# The Okabe–Ito palette as published (Okabe & Ito 2008, "Color Universal Design"), typed in
# independently of the module under test.
OKABE_ITO = {
    "#000000",  # black
    "#e69f00",  # orange
    "#56b4e9",  # sky blue
    "#009e73",  # bluish green
    "#f0e442",  # yellow
    "#0072b2",  # blue
    "#d55e00",  # vermillion
    "#cc79a7",  # reddish purple
}

OPTIMISERS = ["sgd", "momentum", "rmsprop", "adam", "amsgrad", "adamw"]


@pytest.fixture(autouse=True)
def _restore_rcparams():
    with mpl.rc_context():
        yield
    plt.close("all")


def test_palette_is_okabe_ito():
    assert {to_hex(c) for c in plotting.PALETTE.values()} == OKABE_ITO
    assert len(plotting.PALETTE) == 8


def test_every_method_colour_comes_from_the_palette():
    palette = {to_hex(c) for c in plotting.PALETTE.values()}
    for name in [*OPTIMISERS, "clipped", "unclipped", "reference", "torch"]:
        assert to_hex(plotting.color_for(name)) in palette


@pytest.mark.parametrize("group", [OPTIMISERS, ["clipped", "unclipped"], ["reference", "torch"]])
def test_methods_shown_together_differ_in_colour_style_and_marker(group):
    colours = [plotting.color_for(n) for n in group]
    styles = [str(plotting.linestyle_for(n)) for n in group]
    markers = [plotting.marker_for(n) for n in group]
    assert len(set(colours)) == len(group)
    assert len(set(styles)) == len(group)
    assert len(set(markers)) == len(group)


def test_colour_lookup_is_case_insensitive_and_stable_for_unknown_names():
    assert plotting.color_for("Adam") == plotting.color_for("adam")
    first = plotting.color_for("some new method")
    assert plotting.color_for("Some New Method") == first
    assert to_hex(first) in OKABE_ITO


def test_use_book_style_sets_white_background_cycle_and_grid():
    plotting.use_book_style()
    rc = mpl.rcParams
    assert to_rgba(rc["figure.facecolor"]) == (1.0, 1.0, 1.0, 1.0)
    assert to_rgba(rc["savefig.facecolor"]) == (1.0, 1.0, 1.0, 1.0)
    assert rc["axes.grid"] is True
    cycle = [to_hex(c) for c in rc["axes.prop_cycle"].by_key()["color"]]
    assert set(cycle) == OKABE_ITO
    assert cycle[0] != "#f0e442"  # yellow on white is not the first choice
    assert rc["figure.figsize"][0] <= plotting.MAX_FIGURE_WIDTH
    assert rc["figure.dpi"] >= 150 and rc["savefig.dpi"] >= 150  # sharp on high-density screens
    sizes = [
        "font.size",
        "axes.labelsize",
        "axes.titlesize",
        "xtick.labelsize",
        "ytick.labelsize",
        "legend.fontsize",
    ]
    assert all(rc[key] >= 10 for key in sizes), {key: rc[key] for key in sizes}
    assert rc["legend.frameon"] is True


@pytest.mark.parametrize("nrows, ncols", [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (3, 1)])
def test_default_figure_sizes_fit_the_content_column(nrows, ncols):
    # The book's column is ~690 px at 1280 px (tests/test_browser.py measures it): a figure at most
    # MAX_FIGURE_WIDTH inches wide is shown at >= 70 % of its DPI-pixel size.
    fig, _ = plotting.new_figure(nrows, ncols)
    assert fig.get_figwidth() <= plotting.MAX_FIGURE_WIDTH
    assert 690 / (plotting.MAX_FIGURE_WIDTH * plotting.DPI) >= 0.7


def test_new_figure_returns_figure_and_axes_with_white_face():
    fig, ax = plotting.new_figure()
    assert isinstance(fig, mpl.figure.Figure)
    assert isinstance(ax, mpl.axes.Axes)
    assert to_rgba(fig.get_facecolor()) == (1.0, 1.0, 1.0, 1.0)
    fig, axes = plotting.new_figure(2, 3)
    assert axes.shape == (2, 3)
    with pytest.raises(ValueError, match="nrows"):
        plotting.new_figure(0, 1)


def test_plot_series_labels_axes_uses_method_colours_and_log_scale():
    fig, ax = plotting.new_figure()
    lines = plotting.plot_series(
        ax,
        {"sgd": np.linspace(1, 0.1, 20), "adam": np.geomspace(1, 1e-3, 20)},
        logy=True,
        xlabel="iteration",
        ylabel="loss",
    )
    assert len(lines) == 2
    assert ax.get_xlabel() == "iteration" and ax.get_ylabel() == "loss"
    assert ax.get_yscale() == "log"
    assert to_hex(lines[0].get_color()) == to_hex(plotting.color_for("sgd"))
    assert to_hex(lines[1].get_color()) == to_hex(plotting.color_for("adam"))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sgd", "adam"]
    np.testing.assert_allclose(lines[1].get_ydata(), np.geomspace(1, 1e-3, 20))


def test_plot_series_rejects_mismatched_x():
    fig, ax = plotting.new_figure()
    with pytest.raises(ValueError, match="series 'sgd'"):
        plotting.plot_series(ax, {"sgd": np.ones(5)}, x=np.arange(4))


def test_plot_trajectories_draws_paths_start_end_and_minimum():
    fig, ax = plotting.new_figure()
    path = np.array([[0.0, 0.0], [0.5, 0.2], [1.0, 1.0]])
    lines = plotting.plot_trajectories(ax, {"adam": path}, minimizer=(1.0, 1.0))
    assert len(lines) == 1
    np.testing.assert_array_equal(lines[0].get_xdata(), path[:, 0])
    # path + start marker + end marker + minimum
    assert len(ax.get_lines()) == 4
    start, end = ax.get_lines()[1], ax.get_lines()[2]
    assert (start.get_xdata()[0], start.get_ydata()[0]) == (0.0, 0.0)
    assert (end.get_xdata()[0], end.get_ydata()[0]) == (1.0, 1.0)
    with pytest.raises(ValueError, match="shape"):
        plotting.plot_trajectories(ax, {"bad": np.zeros((3, 3))})


def test_contour_evaluates_on_grid_and_labels_axes():
    fig, ax = plotting.new_figure()
    f = Rosenbrock()
    cs = plotting.contour(ax, f.loss, (-2, 2), (-1, 3), levels=15, resolution=50)
    levels = np.asarray(cs.levels)
    assert len(levels) == 15
    # Independently: the grid minimum and maximum, and geometric spacing of the offsets above
    # the minimum (constant ratio of successive offsets), ending at the maximum.
    gx, gy = np.meshgrid(np.linspace(-2, 2, 50), np.linspace(-1, 3, 50))
    values = (1 - gx) ** 2 + 100 * (gy - gx**2) ** 2
    offsets = levels - values.min()
    ratios = offsets[1:] / offsets[:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-6)
    assert ratios[0] > 1
    np.testing.assert_allclose(levels[-1], values.max(), rtol=1e-12)
    assert ax.get_xlabel() and ax.get_ylabel()
    assert ax.get_xlim() == (-2.0, 2.0)


def test_contour_linear_levels_and_shape_check():
    fig, ax = plotting.new_figure()
    cs = plotting.contour(
        ax,
        lambda X: X[..., 0] + X[..., 1],
        (0, 1),
        (0, 1),
        levels=5,
        log_levels=False,
        resolution=20,
    )
    np.testing.assert_allclose(cs.levels, np.linspace(0, 2, 5))
    with pytest.raises(ValueError, match="shape"):
        plotting.contour(ax, lambda X: X.sum(), (0, 1), (0, 1), resolution=10)


def test_animation_html_is_offline_and_has_alt_text():
    from matplotlib.animation import FuncAnimation

    from tutorial_utils.plotting import animation_html

    fig, ax = plt.subplots()
    (line,) = ax.plot([0, 1], [0, 1])
    anim = FuncAnimation(fig, lambda i: (line.set_ydata([0, i]),), frames=3)
    html = animation_html(anim, alt='Two "lines" & a dot')
    plt.close(fig)
    assert "http://" not in html and "https://" not in html
    assert 'alt="Two &quot;lines&quot; &amp; a dot"' in html
    assert html.count("data:image/png;base64") == 3  # every frame embedded
    with pytest.raises(ValueError, match="alt"):
        animation_html(anim, alt="  ")
