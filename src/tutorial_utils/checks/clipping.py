"""Checkers for the clipping exercises (exercise 3), against :mod:`tutorial_utils.reference.clipping`.

Every checker calls the student's function on seeded random inputs and on edge cases (zero
gradient; norm below, at and above the threshold; tiny and huge scales), compares with the NumPy
reference to a relative 1e-9 and checks that no input was modified.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tutorial_utils.checks._core import (
    RTOL,
    as_array,
    as_list,
    assert_close,
    assert_unchanged,
    call,
    fail,
    passed,
    snapshot,
)
from tutorial_utils.reference import clipping as ref

__all__ = [
    "check_clip_by_value",
    "check_clip_by_norm",
    "check_clip_by_global_norm",
    "check_adaptive_clip",
    "check_per_example_clip",
]

EPS = 1e-6  # torch's epsilon in the clipping coefficient


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _l2(x: np.ndarray) -> float:
    return float(np.sqrt(np.sum(np.square(x))))


# --------------------------------------------------------------------------------------------
# Clip by value
# --------------------------------------------------------------------------------------------
def check_clip_by_value(clip_by_value: Callable[..., Any]) -> None:
    r"""Check ``clip_by_value(grads, clip_value) -> list of arrays``.

    Expected: every element clipped to :math:`[-c, c]` (``torch.nn.utils.clip_grad_value_``),
    returned as new arrays in a list; ``grads`` untouched. Cases: elements above, inside and
    exactly at the bounds, zero gradient, ``c = 0``, tiny and huge scales.
    """
    name = "check_clip_by_value"
    base = [_rng(0).normal(size=(3, 4)) * 2.0, _rng(1).normal(size=5), np.array(-3.0)]
    cases = [
        ("some elements above clip_value", base, 1.0),
        ("every element inside [-c, c]", base, 10.0),
        ("elements exactly at -c and c", [np.array([-1.5, 1.5, 0.25, -2.0, 3.0])], 1.5),
        ("zero gradient", [np.zeros((2, 3))], 0.5),
        ("clip_value = 0", base, 0.0),
        ("tiny scale (1e-8)", [g * 1e-8 for g in base], 3e-9),
        ("huge scale (1e8)", [g * 1e8 for g in base], 5e7),
    ]
    for case, grads, c in cases:
        before = snapshot(grads)
        got = as_list(call(clip_by_value, name, case, grads, c), len(grads), name, case, "result")
        assert_unchanged(before, grads, checker=name, case=case, what="grads")
        expected = ref.clip_by_value(grads, c)
        for i, (g, out, exp) in enumerate(zip(grads, got, expected)):
            assert_close(
                out,
                exp,
                checker=name,
                case=case,
                what=f"result[{i}]",
                diagnoses=[
                    ("only the upper bound was applied: clip to [-c, c], not (-inf, c]",
                     np.minimum(g, c)),
                    ("clip to [-c, c]; negative elements must stay negative down to -c",
                     np.clip(g, 0.0, c)),
                    ("elements above c must become c, not 0", np.where(np.abs(g) > c, 0.0, g)),
                    ("keep the signs: clip g itself to [-c, c], not its absolute value",
                     np.clip(np.abs(g), -c, c)),
                    ("only elements with |g| > c change; the others are kept as they are",
                     np.sign(g) * c),
                    ("this is clipping by norm; clip each element separately instead",
                     ref.clip_by_norm(g, c)),
                ],
            )
    passed(name, len(cases))


# --------------------------------------------------------------------------------------------
# Clip by norm (one array)
# --------------------------------------------------------------------------------------------
def check_clip_by_norm(clip_by_norm: Callable[..., Any]) -> None:
    r"""Check ``clip_by_norm(grad, max_norm) -> array``.

    Expected: :math:`g \cdot \min(c / (\|g\|_2 + 10^{-6}), 1)`, torch's coefficient, always
    applied (so a gradient whose norm equals ``max_norm`` still shrinks by about 1e-6).
    """
    name = "check_clip_by_norm"
    g = _rng(2).normal(size=(4, 3))
    norm = _l2(g)
    cases = [
        ("norm above max_norm", g, 1.0),
        ("norm below max_norm", g, 100.0),
        ("norm exactly at max_norm", g, norm),
        ("zero gradient", np.zeros(5), 1.0),
        ("max_norm = 0", g, 0.0),
        ("tiny scale (norm 3e-8, max_norm 1e-8)", g * 1e-8, 1e-8),
        ("huge scale (norm 3e10)", g * 1e10, 1.0),
        ("0-d gradient", np.array(-4.0), 2.0),
    ]
    for case, grad, c in cases:
        before = snapshot(grad)
        got = call(clip_by_norm, name, case, grad, c)
        assert_unchanged(before, grad, checker=name, case=case, what="grad")
        n = _l2(grad)
        with np.errstate(divide="ignore", invalid="ignore"):
            diagnoses = [
                ("torch adds 1e-6 to the norm: coef = min(max_norm / (norm + 1e-6), 1); it matters "
                 "at the threshold and for tiny gradients (and avoids 0/0)",
                 grad * min(c / n, 1.0) if n > 0 else grad),
                ("a gradient whose norm is below max_norm must not be scaled up",
                 grad * (c / (n + EPS))),
                ("use min(..., 1), not max: the coefficient never exceeds 1",
                 grad * max(c / (n + EPS), 1.0)),
                ("this is clipping by value; scale the whole array instead (keeps its direction)",
                 np.clip(grad, -c, c)),
                ("use the Euclidean norm sqrt(sum(g**2)), not the sum of squares",
                 grad * min(c / (n * n + EPS), 1.0)),
                ("use the Euclidean norm, not the L1 norm",
                 grad * min(c / (float(np.sum(np.abs(grad))) + EPS), 1.0)),
            ]
        assert_close(got, ref.clip_by_norm(grad, c), checker=name, case=case, what="result",
                     diagnoses=diagnoses)
    passed(name, len(cases))


# --------------------------------------------------------------------------------------------
# Clip by global norm
# --------------------------------------------------------------------------------------------
def _norm(x: np.ndarray, p: float) -> float:
    if p == 1.0:
        return float(np.sum(np.abs(x)))
    if p == 2.0:
        return _l2(x)
    return float(np.max(np.abs(x), initial=0.0))


def check_clip_by_global_norm(clip_by_global_norm: Callable[..., Any]) -> None:
    r"""Check ``clip_by_global_norm(grads, max_norm, norm_type=2.0) -> (list, total_norm)``.

    Expected: :math:`N = \|(\|g_1\|_p, \ldots, \|g_k\|_p)\|_p` (the norm *before* clipping) and
    every :math:`g_i` times :math:`\min(c / (N + 10^{-6}), 1)`, as ``torch.nn.utils.clip_grad_norm_``.
    """
    name = "check_clip_by_global_norm"
    rng = _rng(3)
    base = [rng.normal(size=(3, 2)), rng.normal(size=4) * 3.0, rng.normal(size=(2, 2, 2)) * 0.1]
    total = float(np.sqrt(sum(_l2(g) ** 2 for g in base)))
    cases: list[tuple[str, list[np.ndarray], float, float | None]] = [
        ("L2, total norm above max_norm", base, 1.0, None),
        ("L2, total norm below max_norm", base, 50.0, None),
        ("L2, total norm exactly at max_norm", base, total, None),
        ("zero gradients", [np.zeros(3), np.zeros((2, 2))], 1.0, None),
        ("one tensor only", base[:1], 0.5, None),
        ("norm_type = 1", base, 2.0, 1.0),
        ("norm_type = inf", base, 0.5, float("inf")),
        ("tiny scale (1e-9)", [g * 1e-9 for g in base], 1e-9, None),
        ("huge scale (1e12)", [g * 1e12 for g in base], 3.0, None),
    ]
    for case, grads, c, p in cases:
        before = snapshot(grads)
        args = (grads, c) if p is None else (grads, c, p)
        result = call(clip_by_global_norm, name, case, *args)
        if not (isinstance(result, tuple) and len(result) == 2):
            fail(name, case, "return a pair (clipped_grads, total_norm)",
                 "return clipped, total_norm")
        clipped, total_norm = result
        assert_unchanged(before, grads, checker=name, case=case, what="grads")
        expected, expected_norm = ref.clip_by_global_norm(grads, c, 2.0 if p is None else p)
        pn = 2.0 if p is None else p
        per_tensor = [_norm(g, pn) for g in grads]
        coef = min(c / (expected_norm + EPS), 1.0)
        assert_close(
            as_array(total_norm, name, case, "total_norm").reshape(()),
            expected_norm,
            checker=name,
            case=case,
            what="total_norm",
            diagnoses=[
                ("return the norm BEFORE clipping (as torch does), not after",
                 expected_norm * coef),
                ("the global L2 norm is sqrt(sum of squared tensor norms), not the sum of norms",
                 sum(per_tensor)),
                ("combine the tensor norms with the same p-norm; use norm_type",
                 _norm(np.array(per_tensor), 2.0)),
                ("compute each tensor's norm with norm_type too, not always the L2 norm: N is "
                 "the p-norm of the per-tensor p-norms", _norm(np.array([_l2(g) for g in grads]),
                                                             pn)),
                ("combine the per-tensor norms with a norm, not a mean", np.mean(per_tensor)),
            ],
            hint="total_norm is the norm_type-norm of all gradient entries taken together (the "
            "p-norm of the per-tensor p-norms), computed before clipping",
        )
        clipped = as_list(clipped, len(grads), name, case, "clipped_grads")
        for i, (g, out, exp) in enumerate(zip(grads, clipped, expected)):
            with np.errstate(divide="ignore", invalid="ignore"):
                no_eps = g * min(c / expected_norm, 1.0) if expected_norm > 0 else g
            assert_close(
                out,
                exp,
                checker=name,
                case=case,
                what=f"clipped_grads[{i}]",
                diagnoses=[
                    ("every tensor must be scaled by the SAME coefficient computed from the "
                     "global norm; you clipped each tensor by its own norm",
                     g * min(c / (_norm(g, pn) + EPS), 1.0)),
                    ("torch's coefficient is min(max_norm / (total_norm + 1e-6), 1), applied "
                     "always; without the 1e-6 the result differs at the threshold and for tiny "
                     "gradients", no_eps),
                    ("gradients below the threshold must not be scaled up: use min(..., 1)",
                     g * (c / (expected_norm + EPS))),
                ],
            )
    passed(name, len(cases))


# --------------------------------------------------------------------------------------------
# Adaptive gradient clipping
# --------------------------------------------------------------------------------------------
def _agc_variant(grads, params, lam, eps, axes_of, floor_w=True, floor_g=True):
    """AGC with a configurable reduction (for diagnoses only)."""
    out = []
    for g, w in zip(grads, params):
        axes = axes_of(g.ndim)
        gn = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        wn = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = lam * (np.maximum(wn, eps) if floor_w else wn)
        with np.errstate(divide="ignore", invalid="ignore"):
            denom = np.maximum(gn, 1e-6) if floor_g else gn
            out.append(np.where(gn > limit, g * (limit / denom), g))
    return out


def _torch_axes(ndim: int):
    return tuple(range(1, ndim)) if ndim > 1 else None


def check_adaptive_clip(adaptive_clip: Callable[..., Any]) -> None:
    r"""Check ``adaptive_clip(grads, params, clip_factor=0.01, eps=1e-3) -> list of arrays``.

    Expected (unit-wise AGC, PyTorch output-first layout): for each row of a Linear weight /
    output channel of a Conv weight (norms over axes 1..n; rank <= 1 tensors are one unit),
    :math:`G_i \leftarrow \lambda \max(\|W_i\|, \epsilon) / \max(\|G_i\|, 10^{-6}) \, G_i` when
    :math:`\|G_i\| > \lambda \max(\|W_i\|, \epsilon)`.
    """
    name = "check_adaptive_clip"
    rng = _rng(4)
    w_lin = rng.normal(size=(4, 3))
    g_lin = rng.normal(size=(4, 3)) * np.array([[0.001], [0.1], [0.003], [1.0]])
    b, gb = rng.normal(size=4), rng.normal(size=4) * 0.5
    w_conv = rng.normal(size=(3, 2, 2, 2))
    g_conv = rng.normal(size=(3, 2, 2, 2)) * np.array([0.5, 0.001, 0.2]).reshape(3, 1, 1, 1)
    w_zero, g_zero = np.zeros((2, 3)), rng.normal(size=(2, 3)) * 1e-4
    w_tiny, g_tiny = np.zeros((2, 2)), np.full((2, 2), 2.5e-7)  # ||G_i|| = 5e-7 < 1e-6
    cases = [
        ("Linear weight (4x3) and bias, rows 1 and 3 clipped", [g_lin, gb], [w_lin, b], {}),
        ("Conv weight (3, 2, 2, 2): units are output channels", [g_conv], [w_conv], {}),
        ("zero-initialised weight: the eps floor", [g_zero], [w_zero], {}),
        ("clip_factor = 10: nothing clipped", [g_lin, gb], [w_lin, b], {"clip_factor": 10.0}),
        ("zero gradient", [np.zeros((4, 3))], [w_lin], {}),
        ("clip_factor = 0.05, eps = 0.01", [g_lin, g_conv], [w_lin, w_conv],
         {"clip_factor": 0.05, "eps": 0.01}),
        ("tiny gradients: the 1e-6 floor of the gradient norm", [g_tiny], [w_tiny],
         {"clip_factor": 1e-3, "eps": 1e-4}),
        ("huge gradients (1e8)", [g_lin * 1e8, gb * 1e8], [w_lin, b], {}),
    ]
    for case, grads, params, kwargs in cases:
        before = snapshot((grads, params))
        got = as_list(call(adaptive_clip, name, case, grads, params, **kwargs), len(grads), name,
                      case, "result")
        assert_unchanged(before, (grads, params), checker=name, case=case, what="grads/params")
        lam, eps = kwargs.get("clip_factor", 0.01), kwargs.get("eps", 1e-3)
        expected = ref.adaptive_clip(grads, params, **kwargs)
        variants = {
            "norms must run over every axis but the FIRST (PyTorch stores weights output-first: "
            "(out, in, ...)); all-but-the-last is the JAX/optax layout":
                _agc_variant(grads, params, lam, eps,
                             lambda n: tuple(range(n - 1)) if n > 1 else None),
            "AGC is unit-wise: one norm per output unit (row), not one per tensor":
                _agc_variant(grads, params, lam, eps, lambda n: None),
            "floor the weight norm: use max(||W_i||, eps), so zero-initialised units can move":
                _agc_variant(grads, params, lam, eps, _torch_axes, floor_w=False),
            "floor the gradient norm in the denominator: max(||G_i||, 1e-6)":
                _agc_variant(grads, params, lam, eps, _torch_axes, floor_g=False),
            "a rank-1 tensor (bias) is ONE unit: use its whole norm, not element by element":
                _agc_variant(grads, params, lam, eps,
                             lambda n: tuple(range(1, n)) if n > 1 else ()),
        }
        for i, exp in enumerate(expected):
            assert_close(
                got[i],
                exp,
                checker=name,
                case=case,
                what=f"result[{i}]",
                diagnoses=[(hint, value[i]) for hint, value in variants.items()],
            )
    passed(name, len(cases))


# --------------------------------------------------------------------------------------------
# Per-example clipping (DP-SGD)
# --------------------------------------------------------------------------------------------
def check_per_example_clip(per_example_clip: Callable[..., Any]) -> None:
    r"""Check ``per_example_clip(per_example_grads, max_norm, noise_multiplier=0.0, rng=None)``.

    Expected: clip each example :math:`g_i \cdot \min(1, C / (\|g_i\|_2 + 10^{-6}))`, sum, add
    :math:`\mathcal N(0, \sigma^2 C^2)` noise drawn from ``rng`` (only when :math:`\sigma > 0`),
    divide by the batch size :math:`B`. The noise is checked statistically (its mean and its
    standard deviation :math:`\sigma C / B`) and for reproducibility with a seeded ``rng``.
    """
    name = "check_per_example_clip"
    scales = np.array([0.1, 1.0, 10.0, 0.5, 3.0]).reshape(5, 1, 1)
    g = _rng(5).normal(size=(5, 3, 2)) * scales
    at_c = g / np.sqrt(np.sum(g * g, axis=(1, 2), keepdims=True)) * 2.0  # every norm is C = 2
    cases = [
        ("batch of 5 with norms below and above C", g, 1.0),
        ("every example below C", g, 100.0),
        ("every example's norm exactly at C", at_c, 2.0),
        ("batch of 1", g[2:3], 1.0),
        ("zero gradients", np.zeros((3, 4)), 1.0),
        ("tiny scale (1e-8)", g * 1e-8, 1e-8),
        ("huge scale (1e9)", g * 1e9, 2.0),
    ]
    for case, grads, c in cases:
        before = snapshot(grads)
        got = call(per_example_clip, name, case, grads, c)
        assert_unchanged(before, grads, checker=name, case=case, what="per_example_grads")
        batch = grads.shape[0]
        flat = grads.reshape(batch, -1)
        norms = np.sqrt(np.sum(flat * flat, axis=1)).reshape((batch,) + (1,) * (grads.ndim - 1))
        clipped = grads * np.minimum(c / (norms + EPS), 1.0)
        mean = grads.mean(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            no_eps = np.where(norms > c, grads * c / norms, grads).sum(axis=0) / batch
        assert_close(
            got,
            ref.per_example_clip(grads, c),
            checker=name,
            case=case,
            what="result",
            diagnoses=[
                ("clip EACH example's gradient, then average; you clipped the mean gradient",
                 mean * min(c / (_l2(mean) + EPS), 1.0)),
                ("divide the sum by the batch size B (return the mean, not the sum)",
                 clipped.sum(axis=0)),
                ("each example needs its own norm over all its elements; you used one norm for "
                 "the whole batch", grads.sum(axis=0) / batch * min(c / (_l2(grads) + EPS), 1.0)),
                ("the norm of example i runs over all axes except the batch axis 0",
                 (grads * np.minimum(c / (np.sqrt(np.sum(grads * grads, axis=0, keepdims=True))
                                          + EPS), 1.0)).sum(axis=0) / batch),
                ("the norm of example i runs over ALL its elements (every axis but 0, e.g. "
                 "reshape to (B, -1)), not along axis 1 only",
                 (grads * np.minimum(c / (np.sqrt(np.sum(grads * grads, axis=1, keepdims=True))
                                          + EPS), 1.0)).sum(axis=0) / batch
                 if grads.ndim > 2 else None),
                ("use min(1, C / (norm + 1e-6)) (Opacus' form, with the 1e-6)", no_eps),
            ],
            hint="for each example i (index i along axis 0): its norm over all its elements, "
            "g_i * min(1, C / (norm + 1e-6)); then sum over i, add the noise, divide by B",
        )
    _check_noise(per_example_clip, name)
    passed(name, len(cases) + 2)


def _check_noise(per_example_clip: Callable[..., Any], name: str) -> None:
    batch, dim, c, sigma = 4, 40_000, 2.0, 1.5
    zeros = np.zeros((batch, dim))
    case = "noise: sigma = 1.5, C = 2, B = 4, zero gradients"
    got = as_array(
        call(per_example_clip, name, case, zeros, c, sigma, np.random.default_rng(0)),
        name, case, "result",
    )
    if got.shape != (dim,):
        fail(name, case, f"result has shape {got.shape}, expected {(dim,)}")
    std, mean = float(np.std(got)), float(np.mean(got))
    target = sigma * c / batch
    # 40 000 draws: the sample std is within 1.5% of the truth with overwhelming probability.
    if abs(std - target) > 0.015 * target or abs(mean) > 5 * target / np.sqrt(dim):
        hints = {
            sigma * c: "add the noise to the SUM, then divide everything by B",
            sigma / batch: "the noise standard deviation is sigma * C (noise_multiplier times "
            "max_norm), not sigma",
            sigma * c / batch**2: "divide by B once: (sum of clipped + noise) / B",
            0.0: "draw N(0, (sigma*C)^2) noise from rng when noise_multiplier > 0",
        }
        hint = next((h for v, h in hints.items() if abs(std - v) <= 0.02 * max(v, 1e-12)), None)
        fail(name, case, f"noise has standard deviation {std:.4g} and mean {mean:.3g}; expected "
             f"standard deviation sigma * C / B = {target:.4g} and mean 0", hint)
    case = "noise: reproducible with a seeded rng"
    small = _rng(6).normal(size=(3, 5))
    first = call(per_example_clip, name, case, small, 1.0, 0.7, np.random.default_rng(1))
    again = call(per_example_clip, name, case, small, 1.0, 0.7, np.random.default_rng(1))
    other = call(per_example_clip, name, case, small, 1.0, 0.7, np.random.default_rng(2))
    if not np.array_equal(np.asarray(first), np.asarray(again)):
        fail(name, case, "two calls with np.random.default_rng(1) gave different noise",
             "draw the noise from the rng argument (rng.normal(...)), not from np.random")
    if np.allclose(np.asarray(first), np.asarray(other), rtol=RTOL, atol=0):
        fail(name, case, "different seeds gave the same result", "draw the noise from rng")
