"""Constants and tiny helpers shared by the NumPy and the PyTorch clipping code.

Keeping them in one place guarantees that ``tutorial_utils.reference`` and
``tutorial_utils.torch_impl`` use the same epsilons, reduce over the same axes and raise the same
messages for the same bad input.
"""

from __future__ import annotations

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
        "(clipping is defined here for real gradients only)"
    )
