"""Constants and argument checks shared by the NumPy reference and the PyTorch implementations.

Every public function validates its arguments with these helpers and uses these constants, so the
reference and the torch code use the same epsilons, reduce over the same axes and raise the same
error, with the same message, for the same bad input.
"""

from __future__ import annotations

import math
from numbers import Integral
from typing import Any

import numpy as np

SUPPORTED_NORM_TYPES = (1.0, 2.0, math.inf)

#: Added to the total norm in the clipping coefficient, as in ``torch.nn.utils.clip_grad_norm_``:
#: ``coef = min(max_norm / (total_norm + 1e-6), 1)``. It avoids 0/0 when every gradient is zero.
CLIP_EPS = 1e-6

#: Floor of the gradient norm in adaptive clipping's denominator, ``max(||G_i||, 1e-6)``
#: (Brock et al. 2021; the same constant as the reference implementations in NFNets and timm).
AGC_GRAD_NORM_FLOOR = 1e-6

#: Default floor of the weight norm in adaptive clipping, ``max(||W_i||, eps)``, so that units
#: initialised at zero can still move (Brock et al. 2021 use 1e-3).
AGC_DEFAULT_EPS = 1e-3

#: Default clipping factor lambda of adaptive clipping (timm's default).
AGC_DEFAULT_CLIP_FACTOR = 0.01


def unit_axes(ndim: int) -> tuple[int, ...] | None:
    """Axes to reduce over to get one norm per output unit, in PyTorch's output-first layout.

    A Linear weight ``(out, in)`` has one unit per row and a Conv weight ``(out, in, kh, kw)`` one
    unit per output channel, so the reduction runs over axes ``1 .. ndim-1``. Tensors of rank 0 or
    1 (biases, gains, scalars) are a single unit: ``None`` means "reduce over everything".
    The same rule gives the per-example norms of a batch ``[B, ...]`` of gradients.
    """
    return tuple(range(1, ndim)) if ndim > 1 else None


def dtype_error(name: str, dtype: object) -> TypeError:
    """The error raised for a gradient (or weight) whose dtype is not real floating point."""
    return TypeError(
        f"{name} must have a real floating-point dtype, got {dtype} "
        "(these functions are defined for real floating-point data only)"
    )


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


def check_int(name: str, value: Any, minimum: int | None = None) -> int:
    """Return ``int(value)``; ``TypeError`` unless it is an integer (``bool`` is not; NumPy
    integers are), ``ValueError`` naming ``name`` if it is below ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def as_float_array(name: str, value: Any) -> np.ndarray:
    """``value`` as a float64 array (no copy if it already is one); ``TypeError`` naming ``name``
    for integer, boolean or complex data."""
    array = np.asarray(value)
    if not np.issubdtype(array.dtype, np.floating):
        raise dtype_error(name, array.dtype)
    return array.astype(np.float64, copy=False)


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
    """Check Adam's hyperparameters as torch does (lr, eps, weight_decay >= 0, betas in [0, 1))."""
    return (
        check_non_negative("lr", lr),
        check_betas(betas),
        check_non_negative("eps", eps),
        check_non_negative("weight_decay", weight_decay),
    )
