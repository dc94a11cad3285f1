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
    assert width <= 6.4 and height <= 8.0


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


def test_each_chapter_annotates_its_stage(fig):
    notes = {
        t.get_gid().removeprefix("note:"): t.get_text()
        for t in fig.axes[0].texts
        if (t.get_gid() or "").startswith("note:")
    }
    assert notes["backward"].startswith("ch01–ch02")
    assert notes["clip"].startswith("ch03")
    assert notes["optimizer step"].startswith("ch04–ch05")
    assert notes["unscale"].startswith("ch06")
    assert "inf or NaN" in notes["unscale"]
    for word in ["moments", "bias", "AMSGrad", "weight decay", "epsilon"]:
        assert word in notes["optimizer step"]


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
