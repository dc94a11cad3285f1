"""PyTorch implementations (CPU and CUDA), in place like ``torch.nn.utils`` and ``torch.optim``.

Each function matches the torch operation of the same name to rounding (tested against the
release in ``tutorial_utils.TORCH_VERSION_TESTED``), and adds
argument checks that name the offending argument where torch fails silently or deep inside.
The sharded-clipping demonstration lives in ``tutorial_utils.torch_impl.distributed``.
"""

from tutorial_utils.torch_impl.adam import Adam, AdamW
from tutorial_utils.torch_impl.clipping import (
    adaptive_clip_grad_,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
    per_example_clip,
)

__all__ = [
    # Gradient clipping
    "clip_grad_value_",
    "clip_grad_norm_",
    "get_total_norm",
    "clip_grads_with_norm_",
    "adaptive_clip_grad_",
    "per_example_clip",
    # Optimizers
    "Adam",
    "AdamW",
]
