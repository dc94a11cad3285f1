"""Shared fixtures: the devices to test on, and a headless matplotlib backend."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402


def _devices() -> list:
    cuda = pytest.param(
        "cuda",
        marks=pytest.mark.skipif(
            not torch.cuda.is_available(), reason="no CUDA device on this machine (CPU-only run)"
        ),
    )
    return ["cpu", cuda]


@pytest.fixture(params=_devices())
def device(request) -> torch.device:
    """Every test that takes ``device`` runs on the CPU and, when present, on CUDA."""
    return torch.device(request.param)
