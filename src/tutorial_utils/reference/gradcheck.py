"""Finite-difference gradients and the relative error used to compare gradients."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tutorial_utils._validation import check_non_negative

#: Floor of the denominator in :func:`relative_error`, so that two zeros compare as equal.
TINY = np.finfo(np.float64).tiny


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    r"""Central-difference estimate of the gradient of a scalar function.

    .. math::
        \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h},

    whose truncation error is :math:`O(h^2)` and whose round-off error is
    :math:`O(\varepsilon_{\text{mach}} |f| / h)` :cite:p:`nocedal2006numerical`.

    Parameters
    ----------
    f : callable
        Maps an array shaped like ``x`` to a real scalar. It must not keep a reference to its
        argument (a fresh copy is passed each call).
    x : array_like
        Point at which to differentiate; any shape, including 0-d. Converted to float64.
    h : float, default 1e-5
        Step size, strictly positive.

    Returns
    -------
    numpy.ndarray
        float64 array of the same shape as ``x``.
    """
    h = check_non_negative("h", h)
    if h == 0.0:
        raise ValueError("h must be strictly positive, got 0.0")
    x = np.array(x, dtype=np.float64)  # a copy: the caller's array is never touched
    grad = np.empty_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + h
        f_plus = float(f(x.copy()))
        flat_x[i] = original - h
        f_minus = float(f(x.copy()))
        flat_x[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    r"""Largest element-wise relative error between two arrays.

    .. math::
        \operatorname{err}(a, b) = \max_i \frac{|a_i - b_i|}{\max(|a_i|, |b_i|, \text{tiny})},

    with ``tiny`` the smallest positive normal float64, so that ``err(0, 0) = 0``. The value lies
    in [0, 2]. Comparing back-propagated derivatives with finite differences this way is the
    standard gradient check (:cite:t:`goodfellow2016deep`, Section 11.5); how small the error
    can get depends on ``h`` and on the function, so no single threshold fits every check.

    Parameters
    ----------
    a, b : array_like
        Arrays of the same shape (broadcasting is not allowed).

    Returns
    -------
    float
        The maximum over elements (0.0 for empty arrays). NaN if either input contains NaN.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    denominator = np.maximum(np.maximum(np.abs(a), np.abs(b)), TINY)
    return float(np.max(np.abs(a - b) / denominator))
