"""Shared fixtures: the devices to test on, and a headless matplotlib backend."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import os  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402
from hypothesis import settings  # noqa: E402

# Property tests draw the same examples on every run by default, so `make test` and CI cannot
# fail on an example that a previous run never saw. `HYPOTHESIS_PROFILE=explore make test`
# draws fresh random examples on each run, when hunting for bugs.
settings.register_profile("default", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


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
