"""Pure NumPy reference implementations, written for clarity.

All functions work in float64, accept any-shape arrays and never mutate their inputs.
"""

from tutorial_utils.reference.gradcheck import numerical_gradient, relative_error

__all__ = ["numerical_gradient", "relative_error"]
