"""Checkers for the Adam exercises (exercises 4 and 5), against :mod:`tutorial_utils.reference.adam`.

The student's functions take the state as plain arrays and the step number ``t`` of the step
being taken (``t = 1`` for the first step); the checkers translate to
:class:`~tutorial_utils.reference.adam.AdamState` (``step = t - 1``) and compare parameters and
moments with the reference (``torch.optim.Adam`` semantics) on the first step, later steps,
step 1000, non-default hyperparameters, zero, tiny and huge gradients.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tutorial_utils.checks._core import (
    assert_close,
    assert_unchanged,
    call,
    consistent,
    fail,
    passed,
    ratio_hint,
    snapshot,
)
from tutorial_utils.reference.adam import AdamState, adam_step

__all__ = ["check_adam_step", "check_amsgrad_step", "check_adamw_step"]


def _reference(param, grad, m, v, v_max, t, *, lr, beta1, beta2, eps, weight_decay=0.0,
               decoupled=False, amsgrad=False):
    state = AdamState(step=t - 1, m=m, v=v, v_max=v_max)
    new_param, new = adam_step(param, grad, state, lr=lr, betas=(beta1, beta2), eps=eps,
                               weight_decay=weight_decay, decoupled_weight_decay=decoupled,
                               amsgrad=amsgrad)
    return new_param, new.m, new.v, new.v_max


def _cases(seed: int) -> list[tuple[str, dict[str, Any]]]:
    """Shared scenarios: (name, dict(param, grad, m, v, v_max, t, lr, beta1, beta2, eps))."""
    rng = np.random.default_rng(seed)
    p = rng.normal(size=(3, 4))
    g = rng.normal(size=(3, 4))
    zeros = np.zeros((3, 4))
    m_old = 0.1 * rng.normal(size=(3, 4))
    v_old = 0.01 * rng.random(size=(3, 4)) + 1e-4
    defaults = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)

    def case(**kw: Any) -> dict[str, Any]:
        out = dict(param=p, grad=g, m=zeros, v=zeros, v_max=zeros, t=1, **defaults)
        out.update(kw)
        return out

    return [
        ("step 1, default hyperparameters", case()),
        ("step 1, tiny gradient (1e-7): eps matters", case(grad=g * 1e-7)),
        ("step 1, huge gradient (1e8)", case(grad=g * 1e8)),
        ("step 2, moments from step 1", case(t=2, m=0.1 * g, v=0.001 * g * g, v_max=0.001 * g * g)),
        ("step 1000", case(t=1000, m=m_old, v=v_old, v_max=v_old * 1.5)),
        ("step 10, lr=0.1, beta1=0.5, beta2=0.9, eps=1e-3",
         case(t=10, m=m_old, v=v_old, v_max=v_old, lr=0.1, beta1=0.5, beta2=0.9, eps=1e-3)),
        ("step 50, zero gradient", case(t=50, grad=zeros, m=m_old, v=v_old, v_max=v_old * 2)),
        ("step 3, shrinking gradient (v_max > v)",
         case(t=3, grad=0.01 * g, m=m_old, v=v_old, v_max=v_old * 3.0)),
    ]


def _variants(c: dict[str, Any], *, amsgrad: bool) -> dict[str, tuple]:
    """(param, m, v) that typical mistakes return in scenario ``c`` (for hints only)."""
    p, g, m0, v0, vmax0, t = (c[k] for k in ("param", "grad", "m", "v", "v_max", "t"))
    lr, b1, b2, eps = c["lr"], c["beta1"], c["beta2"], c["eps"]
    m = b1 * m0 + (1 - b1) * g
    v = b2 * v0 + (1 - b2) * g * g
    vm = np.maximum(vmax0, v) if amsgrad else v
    bc1, bc2 = 1 - b1**t, 1 - b2**t
    out: dict[str, tuple] = {}
    with np.errstate(all="ignore"):
        out["the bias correction is missing: divide m by 1 - beta1**t and v by 1 - beta2**t "
            "(t = 1 on the first step); without it the early steps have the wrong size"] = (
            p - lr * m / (np.sqrt(vm) + eps), m, v)
        out["bias-correct the second moment too: v_hat = v / (1 - beta2**t)"] = (
            p - lr * (m / bc1) / (np.sqrt(vm) + eps), m, v)
        out["bias-correct the first moment too: m_hat = m / (1 - beta1**t)"] = (
            p - lr * m / (np.sqrt(vm / bc2) + eps), m, v)
        out["eps goes outside the square root: m_hat / (sqrt(v_hat) + eps)"] = (
            p - lr * (m / bc1) / np.sqrt(vm / bc2 + eps), m, v)
        out["t is the number of the step being taken, starting at 1: use beta**t, not "
            "beta**(t-1)"] = (
            p - lr * (m / (1 - b1 ** (t - 1))) / (np.sqrt(vm / (1 - b2 ** (t - 1))) + eps), m, v)
        out["use beta**t with the t you are given, not beta**(t+1)"] = (
            p - lr * (m / (1 - b1 ** (t + 1))) / (np.sqrt(vm / (1 - b2 ** (t + 1))) + eps), m, v)
        out["eps is added to sqrt(v_hat) AFTER the bias correction (torch); you added it to "
            "sqrt(v) before dividing by sqrt(1 - beta2**t) (Keras's epsilon-hat)"] = (
            p - lr * np.sqrt(bc2) / bc1 * m / (np.sqrt(vm) + eps), m, v)
        out["subtract the update: Adam descends"] = (
            p + lr * (m / bc1) / (np.sqrt(vm / bc2) + eps), m, v)
        v_lin = b2 * v0 + (1 - b2) * g
        out["v is the moving average of the SQUARED gradient g * g"] = (
            p - lr * (m / bc1) / (np.sqrt(np.maximum(vmax0, v_lin) if amsgrad else v_lin)
                                  / np.sqrt(bc2) + eps), m, v_lin)
        out["return the raw moments m and v (not bias-corrected): the next step needs them"] = (
            p - lr * (m / bc1) / (np.sqrt(vm / bc2) + eps), m / bc1, v / bc2)
        out["the new m is beta1 * m + (1 - beta1) * g (weights swapped?)"] = (
            None, (1 - b1) * m0 + b1 * g, None)
        # Hard-coded defaults instead of the arguments (only visible where they differ).
        for arg, default in (("lr", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("eps", 1e-8)):
            if c[arg] == default:
                continue
            hp = {"lr": lr, "beta1": b1, "beta2": b2, "eps": eps, arg: default}
            fm = hp["beta1"] * m0 + (1 - hp["beta1"]) * g
            fv = hp["beta2"] * v0 + (1 - hp["beta2"]) * g * g
            fvm = np.maximum(vmax0, fv) if amsgrad else fv
            fp = p - hp["lr"] * (fm / (1 - hp["beta1"] ** t)) / (
                np.sqrt(fvm / (1 - hp["beta2"] ** t)) + hp["eps"])
            out[f"use the argument {arg} (this case passes {arg}={c[arg]:g}); you seem to use "
                f"the default {default:g}"] = (fp, fm, fv)
    return out


#: What each returned quantity should be, shown when no typical mistake matches.
_FORMULAS = {
    "new_m": "new_m = beta1 * m + (1 - beta1) * grad, returned raw (not bias-corrected)",
    "new_v": "new_v = beta2 * v + (1 - beta2) * grad * grad, returned raw (not bias-corrected)",
    "new_v_max": "new_v_max = maximum(v_max, new_v), element-wise, on the raw new_v",
}


def _compare(name, case, got, expected, variants, labels, param):
    variants = consistent(got, variants)  # hints only from mistakes matching every output
    for index, label in enumerate(labels):
        diagnoses = [(hint, value[index]) for hint, value in variants.items()
                     if index < len(value)]
        note = None
        if label == "new_param":  # "your update is 10x too small" says more than the parameters
            try:
                note = ratio_hint(np.asarray(got[index], dtype=np.float64) - param,
                                  np.asarray(expected[index]) - param)
            except (TypeError, ValueError):
                note = None
            note = note and note.replace("your result", "your update (new_param - param)")
        assert_close(got[index], expected[index], checker=name, case=case, what=label,
                     diagnoses=diagnoses, note=note, hint=_FORMULAS.get(label))


def _unpack(result: Any, n: int, name: str, case: str, labels: tuple[str, ...]) -> tuple:
    if not (isinstance(result, (tuple, list)) and len(result) == n):
        fail(name, case, f"return a tuple ({', '.join(labels)})")
    return tuple(result)


def check_adam_step(adam_step_fn: Callable[..., Any]) -> None:
    r"""Check ``adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)``.

    Returns ``(new_param, new_m, new_v)``. Expected (``torch.optim.Adam``, :math:`t \ge 1`):

    .. math::
        m_t = \beta_1 m + (1-\beta_1) g,\quad v_t = \beta_2 v + (1-\beta_2) g^2,\quad
        \theta_t = \theta - \alpha \frac{m_t / (1-\beta_1^t)}{\sqrt{v_t / (1-\beta_2^t)} + \epsilon}.
    """
    name = "check_adam_step"
    labels = ("new_m", "new_v", "new_param")
    cases = _cases(20)
    for case, c in cases:
        args = (c["param"], c["grad"], c["m"], c["v"], c["t"])
        before = snapshot(args)
        result = call(adam_step_fn, name, case, *args, lr=c["lr"], beta1=c["beta1"],
                      beta2=c["beta2"], eps=c["eps"])
        assert_unchanged(before, args, checker=name, case=case, what="param/grad/m/v/t")
        p, m, v = _unpack(result, 3, name, case, ("new_param", "new_m", "new_v"))
        ep, em, ev, _ = _reference(*args[:4], c["v_max"], c["t"], lr=c["lr"], beta1=c["beta1"],
                                   beta2=c["beta2"], eps=c["eps"])
        variants = {h: (vv[1], vv[2], vv[0]) for h, vv in _variants(c, amsgrad=False).items()}
        _compare(name, case, (m, v, p), (em, ev, ep), variants, labels, c["param"])
    passed(name, len(cases))


def check_amsgrad_step(amsgrad_step_fn: Callable[..., Any]) -> None:
    r"""Check ``amsgrad_step(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)``.

    Returns ``(new_param, new_m, new_v, new_v_max)``. Expected (``torch.optim.Adam(amsgrad=True)``):
    Adam's moments, :math:`v^{\max}_t = \max(v^{\max}_{t-1}, v_t)` on the *raw* :math:`v_t`, and
    the step :math:`\theta - \alpha\, \hat m_t / (\sqrt{v^{\max}_t / (1-\beta_2^t)} + \epsilon)`.
    """
    name = "check_amsgrad_step"
    labels = ("new_m", "new_v", "new_v_max", "new_param")
    cases = _cases(21)
    for case, c in cases:
        args = (c["param"], c["grad"], c["m"], c["v"], c["v_max"], c["t"])
        before = snapshot(args)
        result = call(amsgrad_step_fn, name, case, *args, lr=c["lr"], beta1=c["beta1"],
                      beta2=c["beta2"], eps=c["eps"])
        assert_unchanged(before, args, checker=name, case=case, what="param/grad/m/v/v_max/t")
        p, m, v, vmax = _unpack(result, 4, name, case,
                                ("new_param", "new_m", "new_v", "new_v_max"))
        ep, em, ev, evmax = _reference(*args, lr=c["lr"], beta1=c["beta1"], beta2=c["beta2"],
                                       eps=c["eps"], amsgrad=True)
        variants = {h: (vv[1], vv[2], None, vv[0]) for h, vv in _variants(c, amsgrad=True).items()}
        g, b1, b2, t, lr, eps = c["grad"], c["beta1"], c["beta2"], c["t"], c["lr"], c["eps"]
        bc1, bc2 = 1 - b1**t, 1 - b2**t
        m_hat = em / bc1
        with np.errstate(all="ignore"):
            corrected_max = np.maximum(c["v_max"], ev / bc2)
            variants.update({
                "take the maximum of the RAW v (then bias-correct), as torch does; the maximum "
                "of the bias-corrected v_hat is optax's variant":
                    (em, ev, corrected_max, c["param"] - lr * m_hat / (np.sqrt(corrected_max)
                                                                       + eps)),
                "normalise by sqrt(v_max), not sqrt(v): that maximum is what makes AMSGrad "
                "different from Adam":
                    (em, ev, evmax, c["param"] - lr * m_hat / (np.sqrt(ev / bc2) + eps)),
                "v_max is the maximum of v_max and the new v, not of v_max and g**2":
                    (em, ev, np.maximum(c["v_max"], g * g), None),
                "return the updated v_max = max(v_max, v_t)": (em, ev, c["v_max"], None),
                "bias-correct v_max as torch does: sqrt(v_max / (1 - beta2**t)) (the paper's "
                "algorithm has no bias correction)":
                    (em, ev, evmax, c["param"] - lr * m_hat / (np.sqrt(evmax) + eps)),
                "the moving average v is updated from v, not from v_max":
                    (em, b2 * c["v_max"] + (1 - b2) * g * g, None, None),
            })
        _compare(name, case, (m, v, vmax, p), (em, ev, evmax, ep), variants, labels,
                 c["param"])
    passed(name, len(cases))


def check_adamw_step(adamw_step_fn: Callable[..., Any]) -> None:
    r"""Check ``adamw_step(param, grad, m, v, t, lr, beta1, beta2, eps, weight_decay, decoupled)``.

    Called with keywords ``lr, beta1, beta2, eps, weight_decay, decoupled``; returns
    ``(new_param, new_m, new_v)``. Expected, as ``torch.optim.AdamW`` (``decoupled=True``):
    :math:`\theta \leftarrow \theta(1 - \alpha\lambda)`, then the Adam step with the plain
    gradient; as ``torch.optim.Adam(weight_decay=λ)`` (``decoupled=False``, the L2 penalty):
    :math:`g \leftarrow g + \lambda\theta` before the moments. ``weight_decay = 0`` must give Adam.
    """
    name = "check_adamw_step"
    rng = np.random.default_rng(22)
    p, g = rng.normal(size=(2, 5)), rng.normal(size=(2, 5))
    m0, v0 = 0.1 * rng.normal(size=(2, 5)), 0.01 * rng.random(size=(2, 5)) + 1e-4
    z = np.zeros((2, 5))
    cases = [
        ("decoupled, step 1, lr=0.1, weight_decay=0.1", p, g, z, z, 1, 0.1, 0.1, True),
        ("decoupled, step 1000, lr=0.01, weight_decay=0.5", p, g, m0, v0, 1000, 0.01, 0.5, True),
        ("decoupled, weight_decay=0 (plain Adam)", p, g, m0, v0, 7, 0.01, 0.0, True),
        ("decoupled, zero gradient at step 20", p, z, m0, v0, 20, 0.05, 0.2, True),
        ("L2 (decoupled=False), step 1, lr=0.1, weight_decay=0.1", p, g, z, z, 1, 0.1, 0.1, False),
        ("L2 (decoupled=False), step 1000, lr=0.01, weight_decay=0.5",
         p, g, m0, v0, 1000, 0.01, 0.5, False),
        ("L2, weight_decay=0 (plain Adam)", p, g, m0, v0, 7, 0.01, 0.0, False),
        ("decoupled, huge weights (1e6), step 5", p * 1e6, g, m0, v0, 5, 1e-3, 1e-2, True),
    ]
    labels = ("new_m", "new_v", "new_param")
    for case, p0, g0, m_, v_, t, lr, wd, decoupled in cases:
        args = (p0, g0, m_, v_, t)
        hp = dict(lr=lr, beta1=0.9, beta2=0.999, eps=1e-8)
        before = snapshot(args)
        result = call(adamw_step_fn, name, case, *args, **hp, weight_decay=wd,
                      decoupled=decoupled)
        assert_unchanged(before, args, checker=name, case=case, what="param/grad/m/v/t")
        got = _unpack(result, 3, name, case, ("new_param", "new_m", "new_v"))
        exp = _reference(p0, g0, m_, v_, z, t, **hp, weight_decay=wd, decoupled=decoupled)

        def ref(param, grad, **kw):
            out = _reference(param, grad, m_, v_, z, t, **hp, **kw)
            return out[1], out[2], out[0]

        adam_only = ref(p0, g0)
        variants = {
            "decoupled=True is AdamW: shrink theta by (1 - lr * weight_decay) and give Adam the "
            "plain gradient; adding weight_decay * theta to the gradient is the L2 penalty":
                ref(p0, g0, weight_decay=wd) if decoupled else None,
            "decoupled=False is the L2 penalty of torch.optim.Adam: add weight_decay * theta to "
            "the gradient before the moments":
                ref(p0, g0, weight_decay=wd, decoupled=True) if not decoupled else None,
            "the decoupled decay is multiplied by the learning rate: theta * (1 - lr * "
            "weight_decay), as torch.optim.AdamW does":
                (adam_only[0], adam_only[1], adam_only[2] - wd * p0) if decoupled else None,
            "decay the OLD parameters: theta * (1 - lr * wd) comes before the Adam update "
            "(theta_new = theta - lr*wd*theta - lr*update)":
                (adam_only[0], adam_only[1], adam_only[2] * (1 - lr * wd)) if decoupled else None,
            "the L2 term must enter both moments (it is part of the gradient)":
                (ref(p0, g0, weight_decay=wd)[0], adam_only[1], None) if not decoupled else None,
            "the L2 penalty (wd/2)|theta|^2 has gradient +wd * theta: check the sign":
                ref(p0, g0 - wd * p0) if not decoupled else None,
            "torch's L2 term adds weight_decay * theta to the gradient (the gradient of "
            "(weight_decay/2)|theta|^2), not weight_decay/2 * theta":
                ref(p0, g0 + 0.5 * wd * p0) if not decoupled else None,
            "torch's L2 term adds weight_decay * theta to the gradient (the gradient of "
            "(weight_decay/2)|theta|^2), not 2 * weight_decay * theta":
                ref(p0, g0 + 2.0 * wd * p0) if not decoupled else None,
            "weight decay is missing": adam_only,
        }
        variants = {h: v for h, v in variants.items() if v is not None}
        _compare(name, case, (got[1], got[2], got[0]), (exp[1], exp[2], exp[0]), variants,
                 labels, p0)
    passed(name, len(cases))
