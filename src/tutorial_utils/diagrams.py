"""Diagrams drawn with matplotlib for the book.

:func:`training_step_diagram` draws one optimisation step of a PyTorch training loop, stage by
stage, with the chapter of the book that explains what happens at each stage::

    from tutorial_utils import diagrams
    fig = diagrams.training_step_diagram()

The figure is stacked vertically (one stage per row) so that it stays readable when a phone
shrinks it to the width of its screen.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from tutorial_utils import plotting


class Stage(NamedTuple):
    """One stage of a training step."""

    name: str  #: short name, drawn in bold
    code: str  #: the PyTorch call (or mathtext) drawn under the name
    optional: bool = False  #: drawn with a dashed outline (only in some loops)


class Note(NamedTuple):
    """A chapter annotation attached to a stage."""

    stage: str  #: :attr:`Stage.name` of the stage it explains
    chapters: str  #: e.g. ``"ch03"``
    text: str  #: what that chapter contributes at this stage
    color: str  #: a colour of :data:`tutorial_utils.plotting.PALETTE`


#: The stages of one step, in the order in which they run.
STAGES: tuple[Stage, ...] = (
    Stage("forward", r"pred = model(x)"),
    Stage("loss", r"loss = loss_fn(pred, y)"),
    Stage("backward", r"loss.backward()"),
    Stage("unscale", r"scaler.unscale_(opt)", optional=True),
    Stage("clip", r"clip_grad_norm_(params, c)"),
    Stage("optimizer step", r"opt.step()"),
    Stage("zero_grad", r"opt.zero_grad()"),
)

#: Where each chapter's idea acts.
NOTES: tuple[Note, ...] = (
    Note("loss", "", "$\\mathcal{L}(\\theta_{t-1})$ on one batch", "black"),
    Note(
        "backward",
        "ch01–ch02",
        "$g_t = \\nabla\\mathcal{L}(\\theta_{t-1})$ into p.grad;\n"
        "products of Jacobians can\nvanish or explode",
        "vermillion",
    ),
    Note(
        "unscale",
        "ch06 (loss scaling only)",
        "divide by S BEFORE the clip;\nscaler.step skips a step\nwhose g is inf or NaN",
        "orange",
    ),
    Note(
        "clip",
        "ch03",
        "$g_t \\leftarrow g_t\\,\\min(1, c\\,/\\,(\\|g_t\\|+\\delta))$\nreturns the pre-clip norm",
        "bluish_green",
    ),
    Note(
        "optimizer step",
        "ch04–ch05  $\\theta_{t-1} \\to \\theta_t$",
        "Adam: moments $m_t, v_t$, bias\ncorrection, $\\epsilon$, AMSGrad,\n"
        "decoupled weight decay $\\lambda$",
        "blue",
    ),
    Note("zero_grad", "", "backward ADDS to p.grad;\nor call it first in a step", "black"),
)

_FONT = 10  # points; the figure is drawn at about the width of the content column


def training_step_diagram(*, figsize: tuple[float, float] = (5.2, 7.4)) -> Figure:
    """Draw one training step, forward to ``zero_grad``, annotated with the book's chapters.

    Stages (boxes, top to bottom, in the order in which they run) are listed in :data:`STAGES`;
    the optional ``unscale`` stage (only with loss scaling) has a dashed outline. The annotation
    boxes to the right (:data:`NOTES`) name the chapter whose idea acts at that stage. A dashed
    arrow on the left returns from ``zero_grad`` to ``forward`` for the next batch.

    Every stage box is a :class:`matplotlib.patches.FancyBboxPatch` whose ``gid`` is
    ``"stage:<name>"``; every annotation is a text whose ``gid`` is ``"note:<name>"``, so tests
    can find them.

    Parameters
    ----------
    figsize : (float, float), default (5.2, 7.4)
        Figure size in inches. The layout is computed in inches, so a much narrower figure
        clips the annotations.

    Returns
    -------
    matplotlib.figure.Figure
    """
    width, height = figsize
    style: Any = plotting.book_rcparams()  # (matplotlib types keys as Literals)
    with mpl.rc_context(style):
        # >= 150 dpi: a 10 pt label shown at >= 70 % width is still >= 10 pt on screen
        dpi = max(150.0, float(mpl.rcParams["figure.dpi"]))
        fig = plt.figure(figsize=figsize, dpi=dpi, layout="none")
        ax = fig.add_axes((0, 0, 1, 1))
    fig.set_facecolor("white")
    ax.set_xlim(0, width)  # data units are inches
    ax.set_ylim(0, height)
    ax.set_axis_off()
    black = plotting.PALETTE["black"]

    n = len(STAGES)
    margin = 0.08
    row = (height - 2 * margin) / n  # vertical pitch of the stages
    box_x, box_w, box_h = 0.42, 2.35, 0.62 * row
    note_x = box_x + box_w + 0.22
    centres = {}
    for i, stage in enumerate(STAGES):
        y = height - margin - (i + 0.5) * row
        centres[stage.name] = y
        ax.add_patch(
            FancyBboxPatch(
                (box_x, y - box_h / 2),
                box_w,
                box_h,
                boxstyle="round,pad=0,rounding_size=0.08",
                facecolor="#f2f2f2",
                edgecolor=black,
                linewidth=1.5,
                linestyle="--" if stage.optional else "-",
                gid=f"stage:{stage.name}",
                zorder=2,
            )
        )
        ax.text(
            box_x + box_w / 2,
            y + 0.14,
            stage.name,
            ha="center",
            va="center",
            fontsize=_FONT + 1,
            fontweight="bold",
            zorder=3,
        )
        ax.text(
            box_x + box_w / 2,
            y - 0.15,
            stage.code,
            ha="center",
            va="center",
            fontsize=_FONT - 0.5,
            family="monospace",
            zorder=3,
        )
        if i + 1 < n:
            ax.add_patch(
                FancyArrowPatch(
                    (box_x + box_w / 2, y - box_h / 2),
                    (box_x + box_w / 2, y - row + box_h / 2),
                    arrowstyle="-|>",
                    mutation_scale=12,
                    color=black,
                    linewidth=1.3,
                    zorder=1,
                )
            )
    # The loop: zero_grad -> the next batch's forward, along the left margin.
    top, bottom = centres[STAGES[0].name], centres[STAGES[-1].name]
    lane = 0.2
    loop: dict[str, Any] = {"color": black, "linewidth": 1.2, "linestyle": (0, (4, 2)), "zorder": 1}
    ax.plot([box_x, lane, lane], [bottom, bottom, top], **loop)
    ax.add_patch(
        FancyArrowPatch((lane, top), (box_x, top), arrowstyle="-|>", mutation_scale=12, **loop)
    )
    ax.text(
        lane,
        (top + bottom) / 2,
        "next batch: step t + 1",
        rotation=90,
        ha="center",
        va="center",
        fontsize=_FONT,
        zorder=3,
        bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"},
    )

    for note in NOTES:
        y = centres[note.stage]
        color = plotting.PALETTE[note.color]
        text = note.text if not note.chapters else f"{note.chapters}\n{note.text}"
        ax.annotate(
            text,
            xy=(box_x + box_w, y),
            xytext=(note_x, y),
            ha="left",
            va="center",
            fontsize=_FONT,
            color="black",
            gid=f"note:{note.stage}",
            bbox={
                "boxstyle": "round,pad=0.3",
                "facecolor": "white",
                "edgecolor": color,
                "linewidth": 1.8 if note.chapters else 0.8,
            },
            arrowprops={
                "arrowstyle": "-",
                "color": color,
                "linewidth": 1.4,
                "shrinkA": 0,
                "shrinkB": 0,
            },
            zorder=3,
        )
    return fig
