"""Pure NumPy reference implementations, written for clarity.

All functions work in float64, accept any-shape arrays and never mutate their inputs.
"""

from tutorial_utils.reference.adam import AdamState, adam_init, adam_step
from tutorial_utils.reference.clipping import (
    adaptive_clip,
    clip_by_global_norm,
    clip_by_norm,
    clip_by_value,
    per_example_clip,
)
from tutorial_utils.reference.gradcheck import numerical_gradient, relative_error

__all__ = [
    "clip_by_value",
    "clip_by_norm",
    "clip_by_global_norm",
    "adaptive_clip",
    "per_example_clip",
    "AdamState",
    "adam_init",
    "adam_step",
    "numerical_gradient",
    "relative_error",
]
