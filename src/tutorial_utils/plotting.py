"""One consistent, colour-blind-safe figure style for the book.

Colours come from the Okabe–Ito palette (Okabe & Ito, *Color Universal Design*, 2008), which stays
distinguishable under the common forms of colour-vision deficiency. Every method also has its own
line style and marker, so lines can be told apart in grey-scale print as well.

Typical use::

    from tutorial_utils import plotting
    plotting.use_book_style()
    fig, ax = plotting.new_figure()
    plotting.plot_series(ax, {"sgd": losses_sgd, "adam": losses_adam}, logy=True)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.contour import QuadContourSet
from matplotlib.figure import Figure

#: The eight Okabe–Ito colours (hex values as published by Okabe & Ito, 2008).
PALETTE: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: Colour order of the default property cycle. Yellow comes last: it is hard to see on white.
CYCLE_ORDER: tuple[str, ...] = (
    "blue",
    "vermillion",
    "bluish_green",
    "orange",
    "reddish_purple",
    "sky_blue",
    "black",
    "yellow",
)

#: A fixed colour for every method name used in the book, so a method looks the same everywhere.
METHOD_COLORS: dict[str, str] = {
    "sgd": PALETTE["black"],
    "momentum": PALETTE["vermillion"],
    "rmsprop": PALETTE["orange"],
    "adam": PALETTE["blue"],
    "amsgrad": PALETTE["reddish_purple"],
    "adamw": PALETTE["bluish_green"],
    "clipped": PALETTE["bluish_green"],
    "unclipped": PALETTE["vermillion"],
    "reference": PALETTE["black"],
    "torch": PALETTE["blue"],
}

#: A line style per method name, so lines differ without colour.
METHOD_LINESTYLES: dict[str, str | tuple[int, tuple[int, ...]]] = {
    "sgd": ":",
    "momentum": "--",
    "rmsprop": "-.",
    "adam": "-",
    "amsgrad": (0, (5, 1, 1, 1, 1, 1)),
    "adamw": (0, (8, 2)),
    "clipped": "-",
    "unclipped": "--",
    "reference": "--",
    "torch": "-",
}

#: A marker per method name (used sparsely, see ``markevery`` in :func:`plot_series`).
METHOD_MARKERS: dict[str, str] = {
    "sgd": "o",
    "momentum": "s",
    "rmsprop": "^",
    "adam": "D",
    "amsgrad": "v",
    "adamw": "P",
    "clipped": "o",
    "unclipped": "x",
    "reference": "+",
    "torch": ".",
}

# Fallbacks for names not listed above: cycled in order of first use, so the assignment is stable
# within a session and for a fixed order of calls.
_FALLBACK_LINESTYLES: tuple[Any, ...] = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 3)))
_FALLBACK_MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*")
_assigned: dict[str, int] = {}


def _key(name: str) -> str:
    return name.strip().lower()


def _fallback_index(name: str) -> int:
    key = _key(name)
    if key not in _assigned:
        _assigned[key] = len(_assigned)
    return _assigned[key]


def color_for(name: str) -> str:
    """Return the colour of a method (case-insensitive), e.g. ``color_for("Adam")``.

    Names not in :data:`METHOD_COLORS` get palette colours in :data:`CYCLE_ORDER`, in the order in
    which they are first requested.

    Parameters
    ----------
    name : str
        Method or series name.

    Returns
    -------
    str
        A hex colour from :data:`PALETTE`.
    """
    key = _key(name)
    if key in METHOD_COLORS:
        return METHOD_COLORS[key]
    return PALETTE[CYCLE_ORDER[_fallback_index(key) % len(CYCLE_ORDER)]]


def linestyle_for(name: str) -> str | tuple[int, tuple[int, ...]]:
    """Return the matplotlib line style of a method (case-insensitive)."""
    key = _key(name)
    if key in METHOD_LINESTYLES:
        return METHOD_LINESTYLES[key]
    return _FALLBACK_LINESTYLES[_fallback_index(key) % len(_FALLBACK_LINESTYLES)]


def marker_for(name: str) -> str:
    """Return the matplotlib marker of a method (case-insensitive)."""
    key = _key(name)
    if key in METHOD_MARKERS:
        return METHOD_MARKERS[key]
    return _FALLBACK_MARKERS[_fallback_index(key) % len(_FALLBACK_MARKERS)]


def style_for(name: str) -> dict[str, Any]:
    """Keyword arguments ``color``, ``linestyle``, ``marker`` and ``label`` for ``ax.plot``."""
    return {
        "color": color_for(name),
        "linestyle": linestyle_for(name),
        "marker": marker_for(name),
        "label": name,
    }


#: Resolution of every figure of the book (pixels per inch).
DPI = 150
#: Widest figure (inches) that the content column shows at >= 70 % of its size at :data:`DPI`.
MAX_FIGURE_WIDTH = 6.3


def book_rcparams() -> dict[str, Any]:
    """The rcParams that :func:`use_book_style` applies (returned as a new dict)."""
    return {
        "axes.prop_cycle": cycler(color=[PALETTE[c] for c in CYCLE_ORDER]),
        "axes.grid": True,
        "grid.alpha": 0.3,
        "grid.linestyle": "-",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 12,
        "axes.labelsize": 11,
        "xtick.labelsize": 10,
        "ytick.labelsize": 10,
        "legend.fontsize": 10,
        # Framed legends stay readable where they cross a line or a grid.
        "legend.frameon": True,
        "legend.framealpha": 0.92,
        "legend.edgecolor": "0.75",
        "font.size": 11,
        "lines.linewidth": 1.8,
        "lines.markersize": 5,
        "figure.figsize": (6.2, 3.9),
        # Sharp on high-density screens. The book's content column is about 690 px wide at a
        # 1280 px window: a figure up to MAX_FIGURE_WIDTH inches (~960 px with the tight bounding
        # box) is shown at >= 70 % of its pixel size, so 10 pt text stays >= 10 pt on screen.
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        # An opaque white background keeps figures readable in the book theme's dark mode.
        "figure.facecolor": "white",
        "axes.facecolor": "white",
        "savefig.facecolor": "white",
        "savefig.transparent": False,
        "figure.constrained_layout.use": True,
        "image.cmap": "viridis",
    }


def use_book_style() -> None:
    """Apply the book's figure style to matplotlib's global rcParams."""
    # cast: matplotlib types rcParams keys as a Literal of every known key, not as str.
    mpl.rcParams.update(cast(Any, book_rcparams()))


def new_figure(nrows: int = 1, ncols: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
    """Create a figure in the book style; a thin wrapper around ``matplotlib.pyplot.subplots``.

    Every default is :data:`MAX_FIGURE_WIDTH` wide or less, so the figure is not shrunk below 70 %
    on the page: ``(6.2, 3.9)`` inches for a single axes, ``(6.2, 3.5 * nrows + 0.4)`` for a grid
    (two or three panels side by side; stack more). Pass ``figsize`` to override.

    Parameters
    ----------
    nrows, ncols : int
        Grid of axes.
    **kwargs
        Passed on to ``matplotlib.pyplot.subplots``.

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : matplotlib.axes.Axes or numpy.ndarray of Axes
        As returned by ``matplotlib.pyplot.subplots`` (squeezed).
    """
    if nrows < 1 or ncols < 1:
        raise ValueError(f"nrows and ncols must be >= 1, got {nrows} and {ncols}")
    with mpl.rc_context(cast(Any, book_rcparams())):
        if "figsize" not in kwargs:
            single = nrows == 1 and ncols == 1
            kwargs["figsize"] = (6.2, 3.9) if single else (6.2, 3.5 * nrows + 0.4)
        fig, axes = plt.subplots(nrows, ncols, **kwargs)
    fig.set_facecolor("white")
    return fig, axes


def contour(
    ax: Axes,
    f: Callable[[np.ndarray], np.ndarray],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    levels: int | Sequence[float] = 20,
    log_levels: bool = True,
    resolution: int = 200,
    xlabel: str = r"$x_1$",
    ylabel: str = r"$x_2$",
    filled: bool = False,
) -> QuadContourSet:
    r"""Draw contour lines of a 2-D function on ``ax``.

    ``f`` is evaluated once on a grid: it receives an array ``X`` of shape
    ``(resolution, resolution, 2)`` with ``X[..., 0]`` the first and ``X[..., 1]`` the second
    coordinate, and must return values of shape ``(resolution, resolution)``. (The
    :mod:`tutorial_utils.problems` classes accept such arrays.)

    With ``log_levels`` and an integer ``levels``, the levels are geometrically spaced between
    the smallest positive and the largest value, shifted so that the minimum lies on the lowest
    level, which resolves narrow valleys such as Rosenbrock's.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    f : callable
        Vectorised function, see above.
    xlim, ylim : (float, float)
        Plot range.
    levels : int or sequence of float, default 20
        Number of levels, or explicit level values (used as given).
    log_levels : bool, default True
        Geometric instead of linear spacing when ``levels`` is an integer.
    resolution : int, default 200
        Grid points per axis.
    xlabel, ylabel : str
        Axis labels.
    filled : bool, default False
        Use ``contourf`` instead of line contours.

    Returns
    -------
    matplotlib.contour.QuadContourSet
    """
    xs = np.linspace(xlim[0], xlim[1], resolution)
    ys = np.linspace(ylim[0], ylim[1], resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    values = np.asarray(f(np.stack([grid_x, grid_y], axis=-1)), dtype=np.float64)
    if values.shape != grid_x.shape:
        raise ValueError(
            f"f must return an array of shape {grid_x.shape} for a grid input, got {values.shape}"
        )
    if isinstance(levels, (int, np.integer)):
        if levels < 2:
            raise ValueError(f"levels must be >= 2, got {levels}")
        low, high = float(np.nanmin(values)), float(np.nanmax(values))
        if log_levels:
            shifted = values - low
            positive = shifted[shifted > 0]
            floor = float(positive.min()) if positive.size else 1.0
            level_values = low + np.geomspace(max(floor, 1e-12), max(high - low, 2e-12), levels)
        else:
            level_values = np.linspace(low, high, levels)
    else:
        level_values = np.asarray(levels, dtype=np.float64)
    if filled:
        cs = ax.contourf(grid_x, grid_y, values, levels=level_values, cmap="viridis")
    else:
        cs = ax.contour(grid_x, grid_y, values, levels=level_values, cmap="viridis", linewidths=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    return cs


def plot_trajectories(
    ax: Axes,
    trajectories: Mapping[str, np.ndarray],
    minimizer: Sequence[float] | None = None,
    markevery: int | None = None,
    legend: bool = True,
) -> list[Any]:
    """Plot optimisation paths in 2-D with a start marker (circle) and end marker (square).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    trajectories : mapping of str to array of shape (T, 2)
        Iterates per method; colours and line styles from :func:`color_for` and
        :func:`linestyle_for`.
    minimizer : (float, float), optional
        Drawn as a black star.
    markevery : int, optional
        Draw the method's marker on every ``markevery``-th iterate.
    legend : bool, default True
        Add a legend.

    Returns
    -------
    list of matplotlib.lines.Line2D
        One path line per trajectory, in the input order.
    """
    lines = []
    for name, path in trajectories.items():
        path = np.asarray(path, dtype=np.float64)
        if path.ndim != 2 or path.shape[1] != 2 or path.shape[0] < 1:
            raise ValueError(f"trajectory {name!r} must have shape (T, 2), got {path.shape}")
        style = style_for(name)
        if markevery is None:
            style["marker"] = None
        (line,) = ax.plot(path[:, 0], path[:, 1], markevery=markevery, **style)
        ax.plot(
            path[0, 0], path[0, 1], "o", color=style["color"], markersize=7, markeredgecolor="white"
        )
        ax.plot(
            path[-1, 0],
            path[-1, 1],
            "s",
            color=style["color"],
            markersize=7,
            markeredgecolor="white",
        )
        lines.append(line)
    if minimizer is not None:
        ax.plot(
            minimizer[0], minimizer[1], "*", color=PALETTE["black"], markersize=12, label="minimum"
        )
    if legend and lines:
        ax.legend()
    return lines


def plot_series(
    ax: Axes,
    series: Mapping[str, np.ndarray],
    logy: bool = False,
    xlabel: str = "step",
    ylabel: str = "loss",
    x: np.ndarray | None = None,
    markevery: int | None = None,
    legend: bool = True,
) -> list[Any]:
    """Plot several 1-D series (loss curves, gradient norms, ...) against a shared x-axis.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    series : mapping of str to 1-D array
        Values per method.
    logy : bool, default False
        Logarithmic y-axis (non-positive values are not drawn).
    xlabel, ylabel : str
        Axis labels.
    x : 1-D array, optional
        Shared x values; defaults to ``0, 1, ..., len - 1`` per series.
    markevery : int, optional
        Marker spacing; by default about ten markers per line.
    legend : bool, default True
        Add a legend.

    Returns
    -------
    list of matplotlib.lines.Line2D
        One line per series, in the input order.
    """
    lines = []
    for name, values in series.items():
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        xs = np.arange(values.size) if x is None else np.asarray(x, dtype=np.float64)
        if xs.shape != values.shape:
            raise ValueError(f"series {name!r} has {values.size} values but x has shape {xs.shape}")
        every = markevery if markevery is not None else max(values.size // 10, 1)
        (line,) = ax.plot(xs, values, markevery=every, **style_for(name))
        lines.append(line)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend and lines:
        ax.legend()
    return lines


def animation_html(animation: Any, alt: str, dpi: int = 100) -> str:
    """Render a matplotlib animation as self-contained HTML that plays offline.

    ``FuncAnimation.to_jshtml`` links Font Awesome from a CDN and gives its frame ``<img>`` no alt
    text. The returned HTML drops that link (the book's theme already ships Font Awesome, which
    draws the player's buttons) and sets ``alt`` on the frame image, so the page needs no network
    and stays accessible.

    Parameters
    ----------
    animation : matplotlib.animation.Animation
        The animation to render (its figure should be closed afterwards to avoid a static copy).
    alt : str
        Non-empty description of the animation for screen readers.
    dpi : int, default 100
        Resolution of the frames. Frames are shown at their pixel size, so a 6.4-inch figure is
        640 px wide; lower values keep the page lighter but make the frames smaller.

    Returns
    -------
    str
        HTML to display with ``IPython.display.HTML``.
    """
    if not alt.strip():
        raise ValueError("alt must be a non-empty description of the animation")
    with mpl.rc_context({"savefig.dpi": dpi}):
        html = animation.to_jshtml(default_mode="once")
    html = re.sub(r'<link rel="stylesheet"\s*href="https?://[^"]*"\s*/?>', "", html)
    escaped = alt.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return html.replace("<img id=", f'<img alt="{escaped}" id=', 1)


__all__ = [
    "CYCLE_ORDER",
    "DPI",
    "MAX_FIGURE_WIDTH",
    "animation_html",
    "METHOD_COLORS",
    "METHOD_LINESTYLES",
    "METHOD_MARKERS",
    "PALETTE",
    "book_rcparams",
    "color_for",
    "contour",
    "linestyle_for",
    "marker_for",
    "new_figure",
    "plot_series",
    "plot_trajectories",
    "style_for",
    "use_book_style",
]
