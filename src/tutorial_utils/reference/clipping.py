r"""Gradient clipping in pure NumPy: by value, by norm, by global norm, adaptive and per example.

Every function takes gradients as float arrays (or a list of them, one per parameter tensor),
computes in float64 and returns new arrays; the inputs are never modified. Where PyTorch has the
same operation the formula (including its epsilons and its behaviour on NaN and inf) is the one of
torch (``tutorial_utils.TORCH_VERSION_TESTED``), so that ``tutorial_utils.torch_impl`` can be
tested against this module.

Unlike torch, negative or NaN thresholds raise ``ValueError``: torch silently flips the sign of
every gradient for ``max_norm < 0`` and sets every element to ``-|c|`` for ``clip_value < 0``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from tutorial_utils._validation import (
    AGC_DEFAULT_CLIP_FACTOR,
    AGC_DEFAULT_EPS,
    AGC_GRAD_NORM_FLOOR,
    CLIP_EPS,
    as_float_array,
    check_non_negative,
    check_norm_type,
    unit_axes,
)

__all__ = [
    "clip_by_value",
    "clip_by_norm",
    "clip_by_global_norm",
    "adaptive_clip",
    "per_example_clip",
]


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _as_float_arrays(name: str, values: Iterable[ArrayLike]) -> list[np.ndarray]:
    """A list of float64 arrays; a bare array is refused (iterating it would split its rows)."""
    if hasattr(values, "shape") or not isinstance(values, Iterable):
        raise TypeError(
            f"{name} must be a list of arrays (one per parameter tensor), got "
            f"{type(values).__name__}; wrap a single array as [{name[:-1] or name}]"
        )
    return [as_float_array(f"{name}[{i}]", v) for i, v in enumerate(values)]


def _vector_norm(x: np.ndarray, p: float) -> float:
    r"""The p-norm of all elements of ``x`` for p in {1, 2, inf}; 0 for an empty array.

    .. math::
        \|x\|_1 = \sum_j |x_j|, \qquad \|x\|_2 = \Big(\sum_j x_j^2\Big)^{1/2},
        \qquad \|x\|_\infty = \max_j |x_j| .
    """
    if p == 1.0:
        return float(np.sum(np.abs(x)))
    if p == 2.0:
        flat = x.ravel()
        return float(np.sqrt(np.einsum("i,i->", flat, flat)))  # sum of squares, no temporary
    return float(np.max(np.abs(x), initial=0.0))  # max over the empty set of |x_j| >= 0 is 0


def _split_like(flat: np.ndarray, like: list[np.ndarray]) -> list[np.ndarray]:
    """Cut a flat vector into consecutive pieces shaped like the arrays in ``like``."""
    offsets = np.cumsum([a.size for a in like])[:-1]
    return [piece.reshape(a.shape) for piece, a in zip(np.split(flat, offsets), like)]


def _clip_coefficient(max_norm: float, total_norm: float) -> float:
    """torch's ``min(max_norm / (total_norm + 1e-6), 1)``; a NaN coefficient stays NaN."""
    coef = max_norm / (total_norm + CLIP_EPS)  # N = inf gives 0 (or NaN if max_norm = inf)
    return coef if math.isnan(coef) else min(coef, 1.0)


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------


def clip_by_value(grads: Sequence[ArrayLike], clip_value: float) -> list[np.ndarray]:
    r"""Clip every gradient element to the interval :math:`[-c, c]`.

    .. math::
        \operatorname{clip}(g_j) = \min\big(\max(g_j, -c),\, c\big),

    applied element by element to every array, as ``torch.nn.utils.clip_grad_value_`` does. Value
    clipping changes the *direction* of the gradient (large components shrink, small ones do not);
    norm clipping does not :cite:p:`pascanu2013difficulty`. NaN stays NaN, :math:`\pm\infty`
    becomes :math:`\pm c`.

    Parameters
    ----------
    grads : list of array_like
        One gradient array per parameter tensor, any shapes (0-d and empty included), real
        floating-point dtype.
    clip_value : float
        The bound :math:`c \ge 0`. torch does not check it (a negative value sets every element to
        :math:`-|c|`); here a negative or NaN value raises ``ValueError``.

    Returns
    -------
    list of numpy.ndarray
        New float64 arrays with the shapes of ``grads``.
    """
    c = check_non_negative("clip_value", clip_value)
    # np.asarray: NumPy turns the result for a 0-d input into a scalar, not an array.
    return [np.asarray(np.clip(g, -c, c)) for g in _as_float_arrays("grads", grads)]


def clip_by_norm(grad: ArrayLike, max_norm: float) -> np.ndarray:
    r"""Rescale one gradient array so that its Euclidean norm is at most ``max_norm``.

    .. math::
        \operatorname{clip}(g) = g \cdot \min\!\Big(\frac{c}{\|g\|_2 + 10^{-6}},\, 1\Big),

    which is torch's global-norm formula applied to a single tensor (the direction of :math:`g`
    is kept). TensorFlow's ``clip_by_norm`` uses :math:`g \cdot c / \max(\|g\|_2, c)` instead: the
    two agree up to the :math:`10^{-6}` in the denominator.

    Parameters
    ----------
    grad : array_like
        The gradient, any shape, real floating-point dtype.
    max_norm : float
        The threshold :math:`c \ge 0` (negative or NaN raises ``ValueError``).

    Returns
    -------
    numpy.ndarray
        A new float64 array of the shape of ``grad``.
    """
    c = check_non_negative("max_norm", max_norm)
    g = as_float_array("grad", grad)
    with np.errstate(invalid="ignore", over="ignore"):  # non-finite input behaves as in torch
        return np.asarray(g * _clip_coefficient(c, _vector_norm(g, 2.0)))


def clip_by_global_norm(
    grads: Sequence[ArrayLike], max_norm: float, norm_type: float = 2.0
) -> tuple[list[np.ndarray], float]:
    r"""Rescale all gradients together so that their joint norm is at most ``max_norm``.

    The total norm is the p-norm of the vector of per-tensor p-norms, which equals the p-norm of
    all gradients concatenated into one vector:

    .. math::
        N = \Big\| \big(\|g_1\|_p, \ldots, \|g_k\|_p\big) \Big\|_p, \qquad
        g_i \leftarrow g_i \cdot \min\!\Big(\frac{c}{N + 10^{-6}},\, 1\Big).

    This is Algorithm 1 of :cite:t:`pascanu2013difficulty` (rescale the gradient to norm
    :math:`c` when its norm exceeds :math:`c`) in the exact form of
    ``torch.nn.utils.clip_grad_norm_``: the coefficient is always applied, so gradients with
    :math:`N = c` still shrink by about :math:`10^{-6}` relative. Every gradient is multiplied by
    the same scalar, so the direction of the full gradient is kept.

    Non-finite norms behave as in torch: a NaN norm makes every output NaN; an infinite norm makes
    finite gradients zero and infinite ones NaN.

    Parameters
    ----------
    grads : list of array_like
        One gradient array per parameter tensor (any shapes, 0-d and empty included).
    max_norm : float
        The threshold :math:`c \ge 0`. torch does not check it (a negative value flips the sign
        of every gradient); here a negative or NaN value raises ``ValueError``.
    norm_type : float, default 2.0
        :math:`p`, one of 1, 2 or ``math.inf``. The inf-norm of an empty array is taken as 0
        (torch raises for it).

    Returns
    -------
    clipped : list of numpy.ndarray
        New float64 arrays with the shapes of ``grads`` (views into one new buffer).
    total_norm : float
        :math:`N`, the norm *before* clipping (0.0 for an empty list), as torch returns it.
    """
    c = check_non_negative("max_norm", max_norm)
    p = check_norm_type(norm_type)
    arrays = _as_float_arrays("grads", grads)
    total_norm = _vector_norm(np.array([_vector_norm(g, p) for g in arrays]), p)
    coef = _clip_coefficient(c, total_norm)
    # Write every scaled gradient into one new buffer: one allocation instead of one per tensor,
    # one pass over the data, inputs untouched (benchmarks/bench_clipping.py times it).
    flat = np.empty(sum(g.size for g in arrays))
    pieces = _split_like(flat, arrays)
    with np.errstate(invalid="ignore"):  # inf * 0 = NaN, as in torch
        for g, piece in zip(arrays, pieces):
            np.multiply(g, coef, out=piece)
    return pieces, total_norm


def adaptive_clip(
    grads: Sequence[ArrayLike],
    params: Sequence[ArrayLike],
    clip_factor: float = AGC_DEFAULT_CLIP_FACTOR,
    eps: float = AGC_DEFAULT_EPS,
) -> list[np.ndarray]:
    r"""Unit-wise adaptive gradient clipping (AGC) of :cite:t:`brock2021high`.

    Each output unit :math:`i` of a weight :math:`W` (its gradient rows :math:`G_i`) is clipped
    when its gradient is large *relative to the weights* it updates:

    .. math::
        G_i \leftarrow
        \begin{cases}
          \lambda \, \dfrac{\max(\|W_i\|_2, \epsilon)}{\max(\|G_i\|_2, 10^{-6})}\, G_i
            & \text{if } \|G_i\|_2 > \lambda \max(\|W_i\|_2, \epsilon), \\[1ex]
          G_i & \text{otherwise.}
        \end{cases}

    Units follow PyTorch's output-first layout: row :math:`i` of a Linear weight
    ``(out, in)``, output channel :math:`i` of a Conv weight ``(out, in, kh, kw)``, i.e. the norm
    runs over axes ``1 .. ndim-1``. Tensors of rank 0 or 1 (biases, gains) are one unit.
    JAX/optax weights are stored input-first and reduce over all axes but the last; porting that
    axis choice to PyTorch layouts silently clips the wrong units.

    Parameters
    ----------
    grads : list of array_like
        One gradient per parameter tensor, real floating-point.
    params : list of array_like
        The parameters, in the same order and with the same shapes as ``grads``.
    clip_factor : float, default 0.01
        :math:`\lambda \ge 0`, the largest allowed ratio :math:`\|G_i\| / \max(\|W_i\|, \epsilon)`.
    eps : float, default 1e-3
        :math:`\epsilon \ge 0`, floor of the weight norm so that zero-initialised units can move.

    Returns
    -------
    list of numpy.ndarray
        New float64 gradients with the shapes of ``grads``.
    """
    clip_factor = check_non_negative("clip_factor", clip_factor)
    eps = check_non_negative("eps", eps)
    gs = _as_float_arrays("grads", grads)
    ws = _as_float_arrays("params", params)
    if len(gs) != len(ws):
        raise ValueError(f"grads and params must have the same length, got {len(gs)} and {len(ws)}")
    clipped = []
    for i, (g, w) in enumerate(zip(gs, ws)):
        if g.shape != w.shape:
            raise ValueError(f"grads[{i}] has shape {g.shape} but params[{i}] has shape {w.shape}")
        axes = unit_axes(g.ndim)
        g_norm = np.sqrt(np.sum(np.square(g), axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(np.square(w), axis=axes, keepdims=True))
        max_norm = clip_factor * np.maximum(w_norm, eps)
        scale = np.where(g_norm > max_norm, max_norm / np.maximum(g_norm, AGC_GRAD_NORM_FLOOR), 1.0)
        with np.errstate(invalid="ignore"):  # an inf unit becomes inf * 0 = NaN, as in torch
            clipped.append(np.asarray(g * scale))
    return clipped


def per_example_clip(
    per_example_grads: ArrayLike,
    max_norm: float,
    noise_multiplier: float = 0.0,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    r"""Clip each example's gradient, sum, add Gaussian noise and average (DP-SGD).

    For a batch of :math:`B` per-example gradients :math:`g_1, \ldots, g_B`
    :cite:p:`abadi2016deep`, in Opacus' form:

    .. math::
        \bar g_i = g_i \cdot \min\!\Big(1,\, \frac{C}{\|g_i\|_2 + 10^{-6}}\Big), \qquad
        \tilde g = \frac{1}{B}\Big(\sum_{i=1}^{B} \bar g_i
                   + \mathcal{N}(0, \sigma^2 C^2 I)\Big).

    Each :math:`\|\bar g_i\|_2 \le C`, so replacing one example moves the sum by at most
    :math:`2C`: that bounded sensitivity is what the noise is calibrated to. Clipping each example
    is not the same as clipping the mean gradient. optax's ``per_example_global_norm_clip``
    returns the sum, without the epsilon.

    Parameters
    ----------
    per_example_grads : array_like
        Shape ``(B, ...)`` with :math:`B \ge 1`: example :math:`i`'s gradient is
        ``per_example_grads[i]`` (its norm runs over all remaining axes).
    max_norm : float
        :math:`C \ge 0`.
    noise_multiplier : float, default 0.0
        :math:`\sigma \ge 0`. With 0 no noise is drawn and ``rng`` is not used.
    rng : numpy.random.Generator, optional
        Source of the noise. Required when ``noise_multiplier > 0``: NumPy has no global seeded
        Generator, and silently unseeded noise would make results irreproducible. (A real
        private deployment needs a cryptographically secure source instead.)

    Returns
    -------
    numpy.ndarray
        :math:`\tilde g`, float64, shape ``per_example_grads.shape[1:]``.
    """
    c = check_non_negative("max_norm", max_norm)
    sigma = check_non_negative("noise_multiplier", noise_multiplier)
    g = as_float_array("per_example_grads", per_example_grads)
    if g.ndim == 0 or g.shape[0] == 0:
        raise ValueError(
            "per_example_grads must have a leading batch axis with at least one example, "
            f"got shape {g.shape}"
        )
    if sigma > 0 and not isinstance(rng, np.random.Generator):
        raise ValueError(
            "rng must be a numpy.random.Generator when noise_multiplier > 0, e.g. "
            f"np.random.default_rng(0); got {rng!r}"
        )
    batch = g.shape[0]
    norms = np.sqrt(np.sum(np.square(g.reshape(batch, -1)), axis=1))  # one norm per example
    with np.errstate(invalid="ignore", over="ignore"):  # non-finite input behaves as in torch
        factors = np.minimum(c / (norms + CLIP_EPS), 1.0)
        total = np.sum(g * factors.reshape((batch,) + (1,) * (g.ndim - 1)), axis=0)
    if sigma > 0:
        assert rng is not None  # checked above
        total = total + rng.normal(0.0, sigma * c, size=total.shape)
    return np.asarray(total / batch)
