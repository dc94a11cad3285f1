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

#: The torch release whose operations ``reference`` and ``torch_impl`` reproduce and are tested
#: against (``tests/test_package.py`` checks it against the pin in constraints.txt).
TORCH_VERSION_TESTED = "2.13"

__all__ = ["TORCH_VERSION_TESTED", "__version__"]
