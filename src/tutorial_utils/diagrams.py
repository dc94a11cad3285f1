"""Diagrams drawn with matplotlib for the book.

:func:`training_step_diagram` draws one optimisation step of a PyTorch training loop, stage by
stage, with the chapter of the book that explains what happens at each stage::

    from tutorial_utils import diagrams
    fig = diagrams.training_step_diagram()

The figure is one narrow column (each stage a box, what a chapter says about it written under
the box) so that it stays readable when a phone shrinks it to the width of its screen.
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
        "products of Jacobians can vanish\nor explode",
        "vermillion",
    ),
    Note(
        "unscale",
        "ch06, loss scaling only",
        "divide by S BEFORE the clip;\nscaler.step skips a step whose\ng is inf or NaN",
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
        "ch04–ch05",
        "$\\theta_{t-1} \\to \\theta_t$. Adam: moments $m_t, v_t$,\n"
        "bias correction, $\\epsilon$, AMSGrad,\ndecoupled weight decay $\\lambda$",
        "blue",
    ),
    Note("zero_grad", "", "backward ADDS to p.grad;\nor call it first in a step", "black"),
)

# Points. A desktop shows the figure at its natural width; a 390 px phone at about 57 %, where
# 11 pt at 150 dpi is still about 13 px.
_FONT = 11
_LINE = _FONT * 1.2 / 72 + 0.01  # inches per line of note text (line spacing 1.2)


def training_step_diagram(*, width: float = 3.8) -> Figure:
    """Draw one training step, forward to ``zero_grad``, annotated with the book's chapters.

    Stages (boxes, top to bottom, in the order in which they run) are listed in :data:`STAGES`;
    the optional ``unscale`` stage (only with loss scaling) has a dashed outline. The chapter
    whose idea acts at a stage is named in a coloured tag inside its box, and what it contributes
    is written under the box, next to the arrow to the next stage (:data:`NOTES`), so the figure
    is one narrow column: a phone shows it at about two thirds of its natural size, not at less
    than half as a layout with the notes beside the boxes would. A dashed arrow on the left
    returns from ``zero_grad`` to ``forward`` for the next batch.

    Every stage box is a :class:`matplotlib.patches.FancyBboxPatch` whose ``gid`` is
    ``"stage:<name>"``; every note is a text whose ``gid`` is ``"note:<name>"`` and every
    chapter tag a text whose ``gid`` is ``"chapter:<name>"``, so tests can find them.

    Parameters
    ----------
    width : float, default 3.8
        Figure width in inches; the height follows from the number of note lines. Much
        narrower figures clip the code and the notes.

    Returns
    -------
    matplotlib.figure.Figure
    """
    notes = {note.stage: note for note in NOTES}
    box_h, margin, min_gap = 0.64, 0.08, 0.34
    gaps = []
    for stage in STAGES:
        note = notes.get(stage.name)
        lines = note.text.count("\n") + 1 if note else 0
        gaps.append(max(min_gap, lines * _LINE + 0.16))
    height = 2 * margin + len(STAGES) * box_h + sum(gaps)

    style: Any = plotting.book_rcparams()  # (matplotlib types keys as Literals)
    with mpl.rc_context(style):
        # >= 150 dpi: a 10 pt label shown at >= 70 % width is still >= 10 pt on screen
        dpi = max(150.0, float(mpl.rcParams["figure.dpi"]))
        fig = plt.figure(figsize=(width, height), dpi=dpi, layout="none")
        ax = fig.add_axes((0, 0, 1, 1))
    fig.set_facecolor("white")
    ax.set_xlim(0, width)  # data units are inches
    ax.set_ylim(0, height)
    ax.set_axis_off()
    black = plotting.PALETTE["black"]

    lane, box_x = 0.16, 0.36  # the loop's lane; the boxes' left edge
    box_w = width - box_x - 0.06
    arrow_x = box_x + 0.3  # the arrows run down the left part of the column
    text_x = box_x + 0.14
    tops = {}
    y = height - margin  # top of the current box
    for i, stage in enumerate(STAGES):
        tops[stage.name] = y
        bottom = y - box_h
        ax.add_patch(
            FancyBboxPatch(
                (box_x, bottom),
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
            text_x,
            y - 0.18,
            stage.name,
            ha="left",
            va="center",
            fontsize=_FONT + 1,
            fontweight="bold",
            zorder=3,
        )
        ax.text(
            text_x,
            bottom + 0.18,
            stage.code,
            ha="left",
            va="center",
            fontsize=_FONT - 0.5,
            family="monospace",
            zorder=3,
        )
        next_top = bottom - gaps[i]
        if i + 1 < len(STAGES):
            ax.add_patch(
                FancyArrowPatch(
                    (arrow_x, bottom),
                    (arrow_x, next_top),
                    arrowstyle="-|>",
                    mutation_scale=12,
                    color=black,
                    linewidth=1.3,
                    shrinkA=0,
                    shrinkB=0,
                    zorder=1,
                )
            )
        note = notes.get(stage.name)
        if note is not None:
            color = plotting.PALETTE[note.color]
            if note.chapters:
                ax.text(
                    box_x + box_w - 0.1,
                    y - 0.18,
                    note.chapters,
                    ha="right",
                    va="center",
                    fontsize=_FONT,
                    gid=f"chapter:{stage.name}",
                    bbox={
                        "boxstyle": "round,pad=0.25",
                        "facecolor": "white",
                        "edgecolor": color,
                        "linewidth": 1.8,
                    },
                    zorder=3,
                )
            lines = note.text.count("\n") + 1
            note_top, note_bottom = bottom - 0.08, bottom - 0.08 - lines * _LINE
            ax.plot(
                [arrow_x + 0.2] * 2,
                [note_top, note_bottom],
                color=color,
                linewidth=3 if note.chapters else 1.2,
                solid_capstyle="butt",
            )
            ax.text(
                arrow_x + 0.32,
                note_top,
                note.text,
                ha="left",
                va="top",
                fontsize=_FONT,
                linespacing=1.2,
                gid=f"note:{stage.name}",
                zorder=3,
            )
        y = next_top

    # The loop: zero_grad -> the next batch's forward, along the left margin.
    first = tops[STAGES[0].name] - box_h / 2
    last = tops[STAGES[-1].name] - box_h / 2
    loop: dict[str, Any] = {"color": black, "linewidth": 1.2, "linestyle": (0, (4, 2)), "zorder": 1}
    ax.plot([box_x, lane, lane], [last, last, first], **loop)
    ax.add_patch(
        FancyArrowPatch((lane, first), (box_x, first), arrowstyle="-|>", mutation_scale=12, **loop)
    )
    ax.text(
        lane,
        (first + last) / 2,
        "next batch: step t + 1",
        rotation=90,
        ha="center",
        va="center",
        fontsize=_FONT,
        zorder=3,
        bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"},
    )
    return fig
