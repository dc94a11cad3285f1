"""Argument checks shared by the NumPy reference and the PyTorch implementations.

Every public function validates its arguments with these helpers, so the reference and the torch
code raise the same error, with the same message, for the same bad input.
"""

from __future__ import annotations

import math
from typing import Any

SUPPORTED_NORM_TYPES = (1.0, 2.0, math.inf)


def check_non_negative(name: str, value: Any) -> float:
    """Return ``float(value)``; raise ``ValueError`` naming ``name`` if it is negative or NaN."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {value!r}") from None
    if math.isnan(number):
        raise ValueError(f"{name} must not be NaN")
    if number < 0:
        raise ValueError(f"{name} must be non-negative, got {number}")
    return number


def check_norm_type(norm_type: Any) -> float:
    """Return the norm order as a float; raise ``ValueError`` for anything but 1, 2 or inf."""
    try:
        p = float(norm_type)
    except (TypeError, ValueError):
        raise ValueError(f"norm_type must be 1, 2 or inf, got {norm_type!r}") from None
    if p not in SUPPORTED_NORM_TYPES:
        raise ValueError(f"norm_type must be 1, 2 or inf, got {norm_type!r}")
    return p


def check_betas(betas: Any) -> tuple[float, float]:
    """Return ``(beta1, beta2)``; raise ``ValueError`` unless both lie in [0, 1)."""
    try:
        beta1, beta2 = (float(b) for b in betas)
    except (TypeError, ValueError):
        raise ValueError(f"betas must be a pair of floats, got {betas!r}") from None
    for index, beta in enumerate((beta1, beta2)):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"betas[{index}] must lie in [0, 1), got {beta}")
    return beta1, beta2


def check_adam_hyperparameters(
    lr: Any, betas: Any, eps: Any, weight_decay: Any
) -> tuple[float, tuple[float, float], float, float]:
    """Validate Adam's hyperparameters as torch does (lr, eps, weight_decay >= 0; betas in [0, 1))."""
    return (
        check_non_negative("lr", lr),
        check_betas(betas),
        check_non_negative("eps", eps),
        check_non_negative("weight_decay", weight_decay),
    )
