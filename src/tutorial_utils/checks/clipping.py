"""Checkers for the clipping exercises (3, 3b) against :mod:`tutorial_utils.reference.clipping`,
with their typical mistakes. Results must be new arrays, equal to the reference to 1e-9."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from tutorial_utils._validation import CLIP_EPS as EPS
from tutorial_utils._validation import unit_axes
from tutorial_utils.checks._core import (
    Case,
    Failure,
    Mistake,
    Spec,
    call,
    fail,
    passes,
    run,
    to_array,
)
from tutorial_utils.reference import clipping as ref


def _l2(x: Any, axis: Any = None) -> Any:
    return np.sqrt(np.sum(np.square(x), axis=axis, keepdims=axis is not None))


def _pnorm(x: Any, p: float, flatten: bool = True) -> float:
    """The p-norm of all elements; ``flatten=False``: np.linalg.norm's matrix norm of 2-D x."""
    if not flatten and np.ndim(x) in (1, 2):
        return float(np.linalg.norm(x, ord=p))
    x = np.abs(np.ravel(x))
    return float(np.max(x, initial=0.0) if p == np.inf else np.sum(x**p) ** (1 / p))


def _powsum(x: Any, p: float) -> float:
    """(sum |x|^p)^(1/p) taken literally, also at p = inf."""
    return float(np.sum(np.abs(np.ravel(x)) ** p) ** (1 / p))


def _global(gs: list, c: float, p: float = 2.0, **wrong: Any) -> tuple[list, float]:
    """Global-norm clipping with the mistakes named in ``wrong`` (for the table only)."""
    literal = wrong.get("tensor_p") == np.inf  # the p-norm formula at p = inf
    norms = [_powsum(g, p) if literal else _pnorm(g, wrong.get("tensor_p", p)) for g in gs]
    total = wrong["combine"](norms) if wrong.get("combine") else _pnorm(np.array(norms), p)
    coef = c / (total + wrong.get("eps", EPS)) if total + wrong.get("eps", EPS) > 0 else 1.0
    coef = 1.0 if wrong.get("branch") and total <= c else coef
    coef = (
        coef
        if wrong.get("no_min")
        else min(1.0, coef)
        if wrong.get("min_first")
        else min(coef, 1.0)
    )
    return [g * coef for g in gs], total


def _agc(axes_of: Callable[[int], Any] = unit_axes, **wrong: bool) -> Callable[..., list]:
    """AGC with ``axes_of(ndim)`` as the reduction axes and the mistakes named in ``wrong``."""

    def agc(grads: list, params: list, clip_factor: float = 0.01, eps: float = 1e-3) -> list:
        out = []
        for g, w in zip(grads, params):
            axes = axes_of(np.ndim(g))
            gn, wn = _l2(g, axes), _l2(g if wrong.get("w_from_g") else w, axes)
            floor = np.minimum if wrong.get("w_cap") else np.add if wrong.get("add") else np.maximum
            rho, omega = (eps, clip_factor) if wrong.get("swap_rho_eps") else (clip_factor, eps)
            limit = rho * (wn if wrong.get("no_w_floor") else floor(wn, omega))
            g_floor = np.add if wrong.get("add_g") else np.maximum
            scale = limit / (gn if wrong.get("no_g_floor") else g_floor(gn, 1e-6))
            scale = scale / clip_factor if wrong.get("no_rho") else scale
            scale = scale * clip_factor if wrong.get("rho_twice") else scale
            bound = limit / clip_factor if wrong.get("no_rho_condition") else limit
            clip = (gn < bound) if wrong.get("invert") else (gn > bound)
            if wrong.get("matrices_only") and np.ndim(g) != 2:
                out.append(np.array(g, dtype=float))
            elif wrong.get("min_form"):
                out.append(g * np.minimum(scale, 1.0))
            elif wrong.get("share") and not np.any(clip):
                out.append(g)
            else:
                out.append(g * scale if wrong.get("always") else np.where(clip, g * scale, g))
        return out

    return agc


def _agc_rank0_fails(grads, params, clip_factor=0.01, eps=1e-3):  # type: ignore[no-untyped-def]
    shapes = [(1, -1) if g.ndim == 1 else (g.shape[0], -1) for g in grads]  # 0-d: IndexError
    rows = _agc()([g.reshape(s) for g, s in zip(grads, shapes)],
                  [w.reshape(s) for w, s in zip(params, shapes)], clip_factor, eps)  # fmt: skip
    return [r.reshape(g.shape) for r, g in zip(rows, grads)]


def _pe(**wrong: Any) -> Callable[..., np.ndarray]:
    """Per-example clipping with the mistakes named in ``wrong``."""

    def f(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):  # type: ignore[no-untyped-def]
        g = np.asarray(per_example_grads, dtype=np.float64)
        b, axis, sigma = len(g), wrong.get("axis"), noise_multiplier
        norms = _l2(g.reshape(b, -1), 1).reshape((b,) + (1,) * (g.ndim - 1))
        if wrong.get("clip_mean"):
            total = g.mean(0) * min(1.0, max_norm / (float(_l2(g.mean(0))) + EPS)) * b
        elif wrong.get("batch_norm"):
            total = g.sum(0) * min(1.0, max_norm / (float(_l2(g)) + EPS))
        elif axis is not None:
            total = (g * np.minimum(1.0, max_norm / (_l2(g, axis) + EPS))).sum(0)
        elif wrong.get("einsum_two"):
            total = np.minimum(1.0, max_norm / (norms + EPS)).sum() * g.sum(0)
        elif wrong.get("no_eps"):
            total = np.where(norms > max_norm, g * max_norm / norms, g).sum(0)
        elif wrong.get("list_sum"):  # sum() of a list of arrays... written with + on lists
            total = np.concatenate(list(g * np.minimum(1.0, max_norm / (norms + EPS))))
        else:
            total = (g * np.minimum(1.0, max_norm / (norms + EPS))).sum(0)
        if (sigma > 0 or wrong.get("always_draw")) and wrong.get("noise") != "none":
            std = sigma * (1.0 if wrong.get("noise") == "sigma" else max_norm)
            crash = rng is None and wrong.get("always_draw") == "rng"
            source = rng if rng is not None or crash else np.random.default_rng()
            source = np.random if wrong.get("global_rng") else source
            if wrong.get("noise_per_example"):  # one draw per example, summed
                noise = source.normal(0.0, std, g.shape).sum(0)
            else:
                noise = source.normal(0.0, std, total.shape)
            noise = source.normal(std, 1.0, total.shape) if wrong.get("loc") else noise
            if wrong.get("noise_after"):
                return total / b + noise
            total = total + noise
        return total if wrong.get("as_sum") else total / b

    return f


_rng = np.random.default_rng
# fmt: off
VALUE = [
    Mistake("only the upper bound was applied: clip to [-c, c], not (-inf, c]",
            lambda gs, c: [np.minimum(g, c) for g in gs]),
    Mistake("clip to [-c, c]; negative elements must stay negative down to -c",
            lambda gs, c: [np.clip(g, 0.0, c) for g in gs]),
    Mistake("elements above c must become c, not 0",
            lambda gs, c: [np.where(np.abs(g) > c, 0.0, g) for g in gs]),
    Mistake("keep the signs: clip g itself to [-c, c], not its absolute value",
            lambda gs, c: [np.clip(np.abs(g), -c, c) for g in gs]),
    Mistake("only elements with |g| > c change; the others are kept as they are",
            lambda gs, c: [np.sign(g) * c for g in gs]),
    Mistake("clip each element to [-c, c] (np.clip); scaling the whole array by "
            "min(1, c / max|g|) is a different rule that keeps the direction",
            lambda gs, c: [g * min(1.0, c / np.max(np.abs(g), initial=0.0)) for g in gs]),
    Mistake("this is clipping by norm; clip each element separately instead",
            lambda gs, c: [ref.clip_by_norm(g, c) for g in gs]),
    Mistake("grads is a list of arrays of different shapes: clip each one ([np.clip(g, -c, c) "
            "for g in grads]); np.array(grads) cannot stack them",
            lambda gs, c: list(np.clip(np.array(gs), -c, c))),
    Mistake("the bounds of np.clip are (lower, upper) = (-c, c): you swapped them",
            lambda gs, c: [np.clip(g, c, -c) for g in gs]),
    Mistake("return a list with one clipped array per input array, not one concatenated array",
            lambda gs, c: np.clip(np.concatenate([np.ravel(g) for g in gs]), -c, c)),
    Mistake("build the list ([np.clip(g, -c, c) for g in grads]), not a generator",
            lambda gs, c: (np.clip(g, -c, c) for g in gs)),
    Mistake("work on new arrays: np.clip(g, -c, c) (or np.clip(..., out=...) into a copy), "
            "not np.clip(g, -c, c, out=g)", lambda gs, c: [np.clip(g, -c, c, out=g) for g in gs]),
    Mistake("return new arrays even when nothing needs clipping, not the caller's own arrays",
            lambda gs, c: [g if np.all(np.abs(g) <= c) else np.clip(g, -c, c) for g in gs]),
    Mistake("a NaN stays NaN (np.clip and torch's clip_grad_value_ keep it): replacing it hides "
            "a non-finite gradient that the training loop must see",
            lambda gs, c: [np.clip(np.nan_to_num(g), -c, c) for g in gs]),
]

NORM = [
    Mistake("torch adds 1e-6 to the norm: coef = min(max_norm / (norm + 1e-6), 1), applied "
            "always; it matters at the threshold and for tiny gradients (and avoids 0/0)",
            lambda g, c: g * min(c / float(_l2(g)), 1.0) if _l2(g) > 0 else g.copy()),
    Mistake("torch's coefficient min(max_norm / (norm + 1e-6), 1) is applied always, with no "
            "if: at norm == max_norm it still shrinks the gradient by about 1e-6",
            lambda g, c: g * (c / (float(_l2(g)) + EPS)) if _l2(g) > c else g.copy()),
    Mistake("use true division /: max_norm // norm is floor division (0 whenever max_norm < norm)",
            lambda g, c: g * min(c // (float(_l2(g)) + EPS), 1.0)),
    Mistake("max_norm = 0 clips everything to zero (the coefficient min(0 / (norm + 1e-6), 1) is "
            "0); it does not switch clipping off",
            lambda g, c: g.copy() if c == 0 else ref.clip_by_norm(g, c)),
    Mistake("this is TensorFlow's g * c / max(norm, c); torch's coefficient is "
            "min(max_norm / (norm + 1e-6), 1)",
            lambda g, c: g * c / max(float(_l2(g)), c) if c > 0 else 0 * g),
    Mistake("a gradient whose norm is below max_norm must not be scaled up",
            lambda g, c: g * (c / (float(_l2(g)) + EPS))),
    Mistake("use min(..., 1), not max: the coefficient never exceeds 1",
            lambda g, c: g * max(c / (float(_l2(g)) + EPS), 1.0)),
    Mistake("this is clipping by value; scale the whole array instead (keeps its direction)",
            lambda g, c: np.clip(g, -c, c)),
    Mistake("use the Euclidean norm sqrt(sum(g**2)), not the sum of squares",
            lambda g, c: g * min(c / (float(np.sum(g * g)) + EPS), 1.0)),
    Mistake("use the Euclidean norm, not the L1 norm",
            lambda g, c: g * min(c / (float(np.sum(np.abs(g))) + EPS), 1.0)),
    Mistake("use the Euclidean norm, not the largest element (inf-norm)",
            lambda g, c: g * min(c / (float(np.max(np.abs(g), initial=0)) + EPS), 1.0)),
    Mistake("use the Euclidean norm of all elements, sqrt(sum(g**2)); np.linalg.norm(g, 2) of a "
            "matrix is its largest singular value",
            lambda g, c: g * min(c / (_pnorm(g, 2, False) + EPS), 1.0)),
    *(Mistake("use ONE norm over the whole array (all its elements), not one norm per row or "
              "column", lambda g, c, axis=axis: g * np.minimum(c / (_l2(g, axis) + EPS), 1.0)
              if np.ndim(g) > 1 else ref.clip_by_norm(g, c)) for axis in (-1, 0)),
    Mistake("the 1e-6 goes inside the denominator: max_norm / (norm + 1e-6) (mind the "
            "parentheses)", lambda g, c: g * np.minimum(c / _l2(g) + EPS, 1.0)),
    Mistake("return an array of the shape of grad, not a flattened one",
            lambda g, c: np.ravel(g) * min(c / (float(_l2(g)) + EPS), 1.0)),
    Mistake("work on a new array (g * coef), not g *= coef",
            lambda g, c: np.multiply(g, min(c / (float(_l2(g)) + EPS), 1.0), out=g)),
    Mistake("return a new array even when nothing needs clipping, not the caller's own array",
            lambda g, c: g * (c / (float(_l2(g)) + EPS)) if _l2(g) + EPS > c else g),
]

GLOBAL = [
    Mistake("every tensor must be scaled by the SAME coefficient computed from the global norm; "
            "you clipped each tensor by its own norm",
            lambda gs, c, p=2.0: ([g * min(c / (_pnorm(g, p) + EPS), 1.0) for g in gs],
                                  _global(gs, c, p)[1])),
    Mistake("return the norm BEFORE clipping (as torch does), not after",
            lambda gs, c, p=2.0: (out := _global(gs, c, p)[0], _global(out, np.inf, p)[1])),
    Mistake("the global L2 norm is sqrt(sum of squared tensor norms), not the sum of norms",
            lambda gs, c, p=2.0: _global(gs, c, p, combine=sum)),
    Mistake("combine the per-tensor norms with a norm, not a mean",
            lambda gs, c, p=2.0: _global(gs, c, p, combine=lambda n: float(np.mean(n)))),
    Mistake("use norm_type for every norm, not always the L2 norm",
            lambda gs, c, p=2.0: _global(gs, c, 2.0)),
    Mistake("compute each tensor's norm with norm_type too, not always the L2 norm: N is the "
            "p-norm of the per-tensor p-norms",
            lambda gs, c, p=2.0: _global(gs, c, p, tensor_p=2.0)),
    Mistake("the inf-norm is the largest |g_ij| over all tensors (max of the maxima), not a sum",
            lambda gs, c, p=2.0: _global(gs, c, p, combine=sum if p == np.inf else None)),
    Mistake("total_norm is the norm itself (with the square root), not the sum of squares",
            lambda gs, c, p=2.0: _global(gs, c, p, combine=lambda n: float(np.sum(np.square(n))))
            if p == 2.0 else _global(gs, c, p)),
    Mistake("torch's coefficient min(max_norm / (total_norm + 1e-6), 1) is applied always, "
            "with the 1e-6 and no if; you scaled by max_norm / total_norm only above max_norm",
            lambda gs, c, p=2.0: _global(gs, c, p, eps=0.0, branch=True)),
    Mistake("gradients below the threshold must not be scaled up: use min(..., 1)",
            lambda gs, c, p=2.0: _global(gs, c, p, no_min=True)),
    *(Mistake("flatten each tensor before np.linalg.norm(g, ord=p): for a 2-D array ord=1, 2, "
              "inf give MATRIX norms (max column sum, largest singular value, max row sum), and "
              "3-D arrays are refused", lambda gs, c, p=2.0, norm=norm: _global(
                  gs, c, p, combine=lambda n: _pnorm(np.array([norm(g, p) for g in gs]), p)))
      for norm in (lambda g, p: _pnorm(g, p, False), lambda g, p: np.linalg.norm(g, ord=p))),
    Mistake("flatten each gradient before joining them, np.concatenate([np.ravel(g) for g in "
            "grads]): arrays of different ranks (0-d included) cannot be concatenated as they are",
            lambda gs, c, p=2.0: _global(
                gs, c, p, combine=lambda _: _pnorm(np.concatenate(gs), p))),
    Mistake("the inf-norm is max |g|: (sum |g|^p)^(1/p) breaks at p = inf (it gives 1, 0 or inf), "
            "so treat norm_type = inf separately", lambda gs, c, p=2.0: _global(
                gs, c, p, tensor_p=p, combine=lambda n: _powsum(n, p)) if p == np.inf
            else _global(gs, c, p)),
    Mistake("min(1.0, coef) returns 1.0 when coef is NaN: use min(coef, 1.0) or np.minimum, so "
            "that a NaN norm gives NaN gradients, as torch does",
            lambda gs, c, p=2.0: _global(gs, c, p, min_first=True)),
    Mistake("return the pair in the order (clipped_grads, total_norm)",
            lambda gs, c, p=2.0: _global(gs, c, p)[::-1]),
    Mistake("return new arrays even when nothing needs clipping, not the caller's own arrays",
            lambda gs, c, p=2.0: (gs, _global(gs, c, p)[1]) if _global(gs, c, p)[1] + EPS <= c
            else _global(gs, c, p)),
]

AGC = [
    Mistake("norms run over every axis but the FIRST (PyTorch stores weights output-first: "
            "(out, in, ...)); all-but-the-last is the JAX/optax layout",
            _agc(lambda n: tuple(range(n - 1)) if n > 1 else None)),
    Mistake("AGC is unit-wise: one norm per output unit (row), not one per tensor",
            _agc(lambda n: None)),
    Mistake("a unit of a Conv weight (out, in, kh, kw) is a whole output channel: reduce over "
            "axes 1..ndim-1 together, not over axis 1 only",
            _agc(lambda n: 1 if n > 1 else None)),
    Mistake("a rank-0 or rank-1 tensor (bias) is ONE unit: use its whole norm, not element by "
            "element", _agc(lambda n: tuple(range(1, n)) if n > 1 else ())),
    Mistake("clip EVERY tensor, not only the matrices: a bias (rank <= 1) is one unit, and a "
            "Conv weight's units are its output channels (axes 1..ndim-1)",
            _agc(matrices_only=True)),
    Mistake("floor the weight norm: use max(||W_i||, eps), so zero-initialised units can move",
            _agc(no_w_floor=True)),
    Mistake("the clipped unit gets norm clip_factor * max(||W_i||, eps): multiply by "
            "clip_factor (rho) in the scale too", _agc(no_rho=True)),
    Mistake("clip where ||G_i|| > clip_factor * max(||W_i||, eps): the threshold includes "
            "clip_factor (rho), not the weight norm alone", _agc(no_rho_condition=True)),
    Mistake("use the eps argument as the floor on the weight norm, not a fixed 1e-3",
            lambda gs, ps, clip_factor=0.01, eps=1e-3: _agc()(gs, ps, clip_factor, 1e-3)),
    Mistake("multiply by clip_factor (rho) once: limit = clip_factor * max(||W_i||, eps) "
            "already contains it, so the scale is limit / max(||G_i||, 1e-6)",
            _agc(rho_twice=True)),
    Mistake("floor the weight norm from below, max(||W_i||, eps), not min(||W_i||, eps) (a cap)",
            _agc(w_cap=True)),
    Mistake("floor the weight norm with max(||W_i||, eps), not ||W_i|| + eps", _agc(add=True)),
    Mistake("the limit uses the WEIGHT norm ||W_i|| (from params), not the gradient's norm",
            _agc(w_from_g=True)),
    Mistake("floor the gradient norm with max(||G_i||, 1e-6), not ||G_i|| + 1e-6",
            _agc(add_g=True)),
    Mistake("the limit is clip_factor * max(||W_i||, eps): clip_factor multiplies and eps is the "
            "floor (you swapped them)", _agc(swap_rho_eps=True)),
    Mistake("floor the gradient norm in the denominator: max(||G_i||, 1e-6)",
            _agc(no_g_floor=True)),
    Mistake("clip only the units with ||G_i|| > limit; min(limit / max(||G_i||, 1e-6), 1) "
            "wrongly shrinks units with ||G_i|| < limit < 1e-6", _agc(min_form=True)),
    Mistake("clip the units whose gradient is too LARGE: ||G_i|| > clip_factor * "
            "max(||W_i||, eps)", _agc(invert=True)),
    Mistake("units below the limit keep their gradient: rescale only where ||G_i|| > limit",
            _agc(always=True)),
    Mistake("the arguments are (grads, params, ...): the gradients come first",
            lambda gs, ps, clip_factor=0.01, eps=1e-3: _agc()(ps, gs, clip_factor, eps)),
    Mistake("a rank-0 parameter is one unit (its norm is |g|): g.shape[0] does not exist for "
            "it; treat every tensor of rank <= 1 as a single unit", _agc_rank0_fails),
    Mistake("return new arrays even when nothing needs clipping, not the caller's own arrays",
            _agc(share=True)),
]

PER_EXAMPLE = [
    Mistake("clip EACH example's gradient, then average; you clipped the mean gradient",
            _pe(clip_mean=True)),
    Mistake("divide the sum by the batch size B (return the mean, not the sum)", _pe(as_sum=True)),
    Mistake("each example needs its own norm over all its elements; you used one norm for the "
            "whole batch", _pe(batch_norm=True)),
    Mistake("the norm of example i runs over all axes except the batch axis 0, not along axis 0",
            _pe(axis=0)),
    Mistake("the norm of example i runs over ALL its elements (every axis but 0, e.g. reshape "
            "to (B, -1)), not along axis 1 only", _pe(axis=1)),
    Mistake("use min(1, C / (norm + 1e-6)) (Opacus' form, with the 1e-6)", _pe(no_eps=True)),
    Mistake("the noise standard deviation is sigma * C (noise_multiplier times max_norm), not "
            "sigma", _pe(noise="sigma")),
    Mistake("add the noise to the SUM, then divide everything by B", _pe(noise_after=True)),
    Mistake("draw N(0, (sigma*C)^2) noise from rng when noise_multiplier > 0",
            _pe(noise="none")),
    Mistake("weight each example's gradient by ITS OWN factor, then sum over the batch: sum_i f_i "
            "g_i (einsum 'i,i...->...'), not (sum_i f_i) (sum_i g_i)", _pe(einsum_two=True)),
    Mistake("rng.normal(loc, scale, size): the mean comes first, so draw rng.normal(0.0, sigma * "
            "C, size)", _pe(loc=True)),
    Mistake("add the clipped gradients (np.sum(..., axis=0) or +=): + on Python lists "
            "concatenates them", _pe(list_sum=True)),
    Mistake("draw ONE noise vector of the shape of one gradient and add it to the sum, not one "
            "per example (their sum has sqrt(B) times the standard deviation)",
            _pe(noise_per_example=True)),
    Mistake("draw noise only when noise_multiplier > 0: with 0, rng may be None (the default) "
            "and must not be used", _pe(always_draw="rng")),
    Mistake("draw the noise from the rng argument (rng.normal(...)), not from np.random",
            _pe(global_rng=True)),
    Mistake("draw noise only when noise_multiplier > 0: with 0, leave rng untouched (a draw "
            "changes every later draw of the caller's generator)", _pe(always_draw=True)),
]

MISTAKES = {"check_clip_by_value": VALUE, "check_clip_by_norm": NORM, "check_adaptive_clip": AGC,
            "check_clip_by_global_norm": GLOBAL, "check_per_example_clip": PER_EXAMPLE}
# fmt: on


def check_clip_by_value(clip_by_value: Callable[..., Any]) -> None:
    r"""Check ``clip_by_value(grads, clip_value)``: a new list with every element clipped to
    :math:`[-c, c]`, as ``torch.nn.utils.clip_grad_value_`` does in place."""
    base = [_rng(0).normal(size=(3, 4)) * 2.0, _rng(1).normal(size=5), np.array(-3.0)]
    small = [g * 0.1 for g in base]
    # fmt: off
    cases = [
        Case("some elements above clip_value", (base, 1.0)),
        Case("every element inside [-c, c]", (small, 10.0)),
        Case("elements exactly at -c and c", ([np.array([-1.5, 1.5, 0.25, -2.0, 3.0])], 1.5)),
        Case("zero gradient", ([np.zeros((2, 3))], 0.5)),
        Case("clip_value = 0", (base, 0.0)),
        Case("tiny scale (1e-8)", ([g * 1e-8 for g in base], 3e-9)),
        Case("huge scale (1e8)", ([g * 1e8 for g in base], 5e7)),
        Case("a NaN element stays NaN, as in torch", ([np.array([0.5, np.nan, -3.0])], 1.0)),
        Case("two gradients of the same shape", ([base[1], -2.0 * base[1]], 1.0)),
    ]
    run(Spec("check_clip_by_value", cases, ["result"], ("grads",), VALUE, ref.clip_by_value,
             new_arrays=True, close_hint="compute in float64"), clip_by_value)
    # fmt: on


def check_clip_by_norm(clip_by_norm: Callable[..., Any]) -> None:
    r"""Check ``clip_by_norm(grad, max_norm)``: :math:`g \min(c / (\|g\|_2 + 10^{-6}), 1)`,
    torch's coefficient, always applied (at norm = ``max_norm`` it still shrinks by ~1e-6)."""
    g = _rng(2).normal(size=(4, 3))
    # fmt: off
    cases = [
        Case("norm above max_norm", (g, 1.0)),
        Case("norm below max_norm", (g, 100.0)),
        Case("norm exactly at max_norm", (g, float(_l2(g)))),
        Case("norm just below max_norm (by 1e-7 relative)", (g, float(_l2(g)) * (1 + 1e-7))),
        Case("zero gradient", (np.zeros(5), 1.0)),
        Case("max_norm = 0", (g, 0.0)),
        Case("tiny scale (norm 3e-8, max_norm 1e-8)", (g * 1e-8, 1e-8)),
        Case("huge scale (norm 3e10)", (g * 1e10, 1.0)),
        Case("0-d gradient", (np.array(-4.0), 2.0)),
        Case("3-d gradient (2, 2, 3)", (g.reshape(2, 2, 3) * 3.0, 2.0)),
    ]
    run(Spec("check_clip_by_norm", cases, "result", ("grad",), NORM, ref.clip_by_norm,
             new_arrays=True), clip_by_norm)
    # fmt: on


def check_clip_by_global_norm(clip_by_global_norm: Callable[..., Any]) -> None:
    r"""Check ``clip_by_global_norm(grads, max_norm, norm_type=2.0) -> (list, total_norm)``:
    :math:`N = \|(\|g_1\|_p, \ldots, \|g_k\|_p)\|_p` (before clipping) and every :math:`g_i`
    times :math:`\min(c / (N + 10^{-6}), 1)`, as ``torch.nn.utils.clip_grad_norm_``."""
    rng = _rng(3)
    base = [rng.normal(size=(3, 2)), rng.normal(size=4) * 3.0, rng.normal(size=(2, 2, 2)) * 0.1]
    total = float(np.sqrt(sum(float(_l2(g)) ** 2 for g in base)))
    # fmt: off
    cases = [
        Case("L2, total norm above max_norm", (base, 1.0)),
        Case("L2, total norm below max_norm", (base, 50.0)),
        Case("L2, total norm exactly at max_norm", (base, total)),
        Case("L2, total norm just below max_norm (by 1e-7 relative)", (base, total * (1 + 1e-7))),
        Case("zero gradients", ([np.zeros(3), np.zeros((2, 2))], 1.0)),
        Case("one tensor only", (base[:1], 0.5)),
        Case("norm_type = 1", (base, 2.0, 1.0)),
        Case("norm_type = inf", (base, 0.5, float("inf"))),
        Case("tiny scale (1e-9)", ([g * 1e-9 for g in base], 1e-9)),
        Case("huge scale (1e12)", ([g * 1e12 for g in base], 3.0)),
        Case("a NaN entry: the norm is NaN and every gradient becomes NaN, as in torch",
             ([np.array([1.0, np.nan]), np.ones(3)], 1.0)),
    ]
    run(Spec("check_clip_by_global_norm", cases, (["clipped_grads"], "total_norm"), ("grads",),
             GLOBAL, ref.clip_by_global_norm, new_arrays=True, order=("total_norm",),
             formulas={"total_norm": "total_norm is the norm_type-norm of all gradient entries "
                       "taken together (the p-norm of the per-tensor p-norms), computed before "
                       "clipping"}), clip_by_global_norm)
    # fmt: on


def check_adaptive_clip(adaptive_clip: Callable[..., Any]) -> None:
    r"""Check ``adaptive_clip(grads, params, clip_factor=0.01, eps=1e-3)``: unit-wise AGC in
    PyTorch's output-first layout (norms over axes 1..n; rank <= 1 is one unit), :math:`G_i
    \leftarrow \rho \max(\|W_i\|, \omega) / \max(\|G_i\|, 10^{-6})\, G_i` where
    :math:`\|G_i\| > \rho \max(\|W_i\|, \omega)`."""
    rng = _rng(4)
    w_lin = rng.normal(size=(4, 3))
    g_lin = rng.normal(size=(4, 3)) * np.array([[0.001], [0.1], [0.003], [1.0]])
    b, gb = rng.normal(size=4), rng.normal(size=4) * 0.5
    w_conv = rng.normal(size=(3, 2, 2, 2))
    g_conv = rng.normal(size=(3, 2, 2, 2)) * np.array([0.5, 0.001, 0.2]).reshape(3, 1, 1, 1)
    g_conv[0, 0] *= 40.0  # one input channel dominates: a norm over axis 1 only differs
    w_zero, g_zero = np.zeros((2, 3)), rng.normal(size=(2, 3)) * 1e-4
    w_tiny = np.zeros((3, 2))  # limit = 1e-4 * 1e-3 = 1e-7; unit norms 5e-7, 5e-8, 2e-7
    g_tiny = np.array([[3e-7, 4e-7], [3e-8, 4e-8], [1.2e-7, 1.6e-7]])
    # fmt: off
    cases = [
        Case("Linear weight (4x3) and bias, rows 1 and 3 clipped", ([g_lin, gb], [w_lin, b])),
        Case("Conv weight (3, 2, 2, 2): units are output channels", ([g_conv], [w_conv])),
        Case("zero-initialised weight: the eps floor", ([g_zero], [w_zero])),
        Case("clip_factor = 10: nothing clipped", ([g_lin, gb], [w_lin, b]), {"clip_factor": 10.0}),
        Case("zero gradient", ([np.zeros((4, 3))], [w_lin])),
        Case("clip_factor = 0.05, eps = 0.01", ([g_lin, g_conv, g_zero], [w_lin, w_conv, w_zero]),
             {"clip_factor": 0.05, "eps": 0.01}),
        Case("tiny gradients: the 1e-6 floor, and a unit with ||G|| < limit < 1e-6",
             ([g_tiny], [w_tiny]), {"clip_factor": 1e-4}),
        Case("rank-0 parameter (a scalar gain) and a bias",
             ([np.array(0.5), gb], [np.array(2.0), b])),
        Case("huge gradients (1e8)", ([g_lin * 1e8, gb * 1e8], [w_lin, b])),
    ]
    run(Spec("check_adaptive_clip", cases, ["result"], ("grads", "params"), AGC,
             ref.adaptive_clip, new_arrays=True), adaptive_clip)
    # fmt: on


DRAWS = 40_000  # noise samples: the sample mean's standard error is std / sqrt(DRAWS)


def _noise(fn: Callable[..., Any]) -> tuple[float, float] | str:
    """(std, mean) of ``fn``'s noise for DRAWS zero gradients, or why there is none."""
    try:
        with np.errstate(all="ignore"):
            got = call(fn, np.zeros((4, DRAWS)), 2.0, 1.5, np.random.default_rng(0))
            got = to_array(got, "result").astype(np.float64)
        runs = [call(fn, _rng(6).normal(size=(3, 5)), 1.0, 0.7, _rng(s)) for s in (1, 1, 2)]
    except Failure as failure:
        return failure.message
    if got.shape != (DRAWS,):
        return f"result has shape {got.shape}, expected ({DRAWS},)"
    untouched = np.random.default_rng(3)
    state = untouched.bit_generator.state
    try:
        call(fn, _rng(6).normal(size=(3, 5)), 1.0, 0.0, untouched)
    except Failure as failure:
        return failure.message
    if untouched.bit_generator.state != state:
        return "with noise_multiplier = 0 your function drew from rng"
    if not np.array_equal(runs[0], runs[1]):
        return "two calls with np.random.default_rng(1) gave different noise"
    if np.array_equal(runs[0], runs[2]):
        return "np.random.default_rng(1) and (2) gave the same noise: draw it from rng"
    return float(np.std(got)), float(np.mean(got))


def _mistakes_noise(spec: Spec) -> list[tuple[str, tuple[float, float] | str]]:
    """(hint, noise) of each mistake that, as the student's function, passes the other cases;
    np.random's global state is restored (one mistake draws from it)."""
    state = np.random.get_state()
    try:
        return [(m.hint, _noise(m.answer)) for m in spec.mistakes if passes(spec, m.answer)]
    finally:
        np.random.set_state(state)


def _noise_checks(student: Callable[..., Any], spec: Spec) -> int:
    """The noise: standard deviation nu c / B (from DRAWS draws), mean 0, drawn from ``rng``."""
    case, target, mine = "noise: sigma = 1.5, C = 2, B = 4, and a seeded rng", 0.75, _noise(student)
    if isinstance(mine, str):
        hints = [h for h, t in _mistakes_noise(spec) if t == mine]
        fail(spec.name, case, mine, "\nor: ".join(hints) or None)
    std, mean = mine
    # The sample std is within 1.5% of the truth, and the mean within 5 standard errors of 0,
    # with overwhelming probability.
    if abs(std - target) > 0.015 * target or abs(mean) > 5 * target / math.sqrt(DRAWS):
        theirs = _mistakes_noise(spec)
        hints = [h for h, t in theirs if not isinstance(t, str) and abs(t[0] - std) <= 0.03 * std]
        message = f"noise has standard deviation {std:.4g} and mean {mean:.3g}; expected {target}"
        fail(spec.name, case, message + " (sigma * C / B) and 0", "\nor: ".join(hints) or None)
    return 2  # the noise statistics and its source


def check_per_example_clip(per_example_clip: Callable[..., Any]) -> None:
    r"""Check ``per_example_clip(per_example_grads, max_norm, noise_multiplier=0.0, rng=None)``:
    clip each example :math:`g_i \min(1, c / (\|g_i\|_2 + 10^{-6}))`, sum, add
    :math:`\mathcal N(0, \nu^2 c^2)` noise from ``rng`` (if :math:`\nu > 0`), divide by
    :math:`B`. The noise: its standard deviation :math:`\nu c / B` and its seeded source."""
    scales = np.array([0.1, 1.0, 10.0, 0.5, 3.0]).reshape(5, 1, 1)
    g = _rng(5).normal(size=(5, 3, 2)) * scales
    at_c = g / np.sqrt(np.sum(g * g, axis=(1, 2), keepdims=True)) * 2.0  # every norm is C = 2
    # fmt: off
    cases = [
        Case("batch of 5 with norms below and above C", (g, 1.0)),
        Case("every example below C", (g, 100.0)),
        Case("every example's norm exactly at C", (at_c, 2.0)),
        Case("batch of 1", (g[2:3], 1.0)),
        Case("zero gradients", (np.zeros((3, 4)), 1.0)),
        Case("tiny scale (1e-8)", (g * 1e-8, 1e-8)),
        Case("huge scale (1e9)", (g * 1e9, 2.0)),
    ]
    run(Spec("check_per_example_clip", cases, "result", ("per_example_grads",), PER_EXAMPLE,
             ref.per_example_clip, new_arrays=True, extra=_noise_checks,
             formulas={"result": "for each example i (index i along axis 0): its norm over all "
                       "its elements, g_i * min(1, C / (norm + 1e-6)); then sum over i, add the "
                       "noise, divide by B"}), per_example_clip)
    # fmt: on
