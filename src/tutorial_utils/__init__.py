"""Gradient clipping and Adam, from first principles.

Subpackages
-----------
reference
    Pure NumPy reference implementations (float64, never mutate their inputs).
torch_impl
    PyTorch implementations (CPU and CUDA) in exact parity with ``torch.nn.utils`` and
    ``torch.optim``.
problems
    Toy problems with analytic gradients used by the chapters.
plotting
    One consistent, colour-blind-safe figure style.
checks
    Checkers that give students feedback on exercise answers.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
