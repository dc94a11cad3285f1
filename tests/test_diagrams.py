"""Tests of tutorial_utils.diagrams: the training-step diagram draws, in the right order."""

from __future__ import annotations

import io

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from tutorial_utils import diagrams

# The order of one training step, typed in independently of the module under test.
EXPECTED_ORDER = ["forward", "loss", "backward", "unscale", "clip", "optimizer step", "zero_grad"]


@pytest.fixture
def fig():
    with mpl.rc_context():
        figure = diagrams.training_step_diagram()
        yield figure
    plt.close("all")


def _stage_boxes(figure: Figure) -> dict[str, FancyBboxPatch]:
    return {
        p.get_gid().removeprefix("stage:"): p
        for p in figure.axes[0].patches
        if isinstance(p, FancyBboxPatch) and (p.get_gid() or "").startswith("stage:")
    }


def test_returns_a_figure_that_renders(fig):
    assert isinstance(fig, Figure)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150)
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_resolution_and_size_fit_the_content_column(fig):
    assert fig.dpi >= 150
    width, height = fig.get_size_inches()
    assert width <= 6.2 and height <= 9.0


def test_narrow_enough_for_a_phone(fig):
    # A 390 px phone shows about 370 px of figure: at 150 dpi and <= 3.9 in it is shown at
    # >= 60 % of its natural size, so 10 pt text is still about 12 px.
    assert fig.get_size_inches()[0] <= 3.9


def test_stage_boxes_run_top_to_bottom_in_order(fig):
    boxes = _stage_boxes(fig)
    assert set(boxes) == set(EXPECTED_ORDER)
    tops = [boxes[name].get_y() for name in EXPECTED_ORDER]
    assert tops == sorted(tops, reverse=True)  # first stage at the top
    assert [s.name for s in diagrams.STAGES] == EXPECTED_ORDER


def test_only_unscale_is_optional_and_dashed(fig):
    boxes = _stage_boxes(fig)
    for name, box in boxes.items():
        dashed = box.get_linestyle() not in ("-", "solid")
        assert dashed == (name == "unscale"), name


def _texts(figure: Figure, kind: str) -> dict:
    return {
        t.get_gid().removeprefix(kind + ":"): t
        for t in figure.axes[0].texts
        if (t.get_gid() or "").startswith(kind + ":")
    }


def test_each_chapter_annotates_its_stage(fig):
    chapters = {name: t.get_text() for name, t in _texts(fig, "chapter").items()}
    notes = {name: t.get_text() for name, t in _texts(fig, "note").items()}
    assert chapters["backward"] == "ch01–ch02"
    assert chapters["clip"] == "ch03"
    assert chapters["optimizer step"] == "ch04–ch05"
    assert chapters["unscale"].startswith("ch06")
    assert "inf or NaN" in notes["unscale"]
    for word in ["moments", "bias", "AMSGrad", "weight decay", "epsilon"]:
        assert word in notes["optimizer step"]


def test_each_note_sits_between_its_box_and_the_next(fig):
    renderer = fig.canvas.get_renderer()
    boxes = _stage_boxes(fig)
    for name, text in _texts(fig, "note").items():
        extent = text.get_window_extent(renderer).transformed(fig.axes[0].transData.inverted())
        box = boxes[name]
        assert extent.y1 <= box.get_y(), name  # below its own box
        k = EXPECTED_ORDER.index(name)
        if k + 1 < len(EXPECTED_ORDER):
            below = boxes[EXPECTED_ORDER[k + 1]]
            assert extent.y0 >= below.get_y() + below.get_height(), name  # above the next


def test_text_is_large_enough_and_inside_the_figure(fig):
    renderer = fig.canvas.get_renderer()
    frame = fig.bbox
    for text in fig.axes[0].texts:
        if not text.get_text():
            continue
        assert text.get_fontsize() >= 9.5, text.get_text()
        extent = text.get_window_extent(renderer)
        patch = text.get_bbox_patch()
        if patch is not None:
            extent = patch.get_window_extent(renderer)
        assert frame.x0 - 1 <= extent.x0 and extent.x1 <= frame.x1 + 1, text.get_text()
        assert frame.y0 - 1 <= extent.y0 and extent.y1 <= frame.y1 + 1, text.get_text()
