"""Checkers for the Adam exercises (4 and 5) against :mod:`tutorial_utils.reference.adam`
(``torch.optim.Adam`` semantics; ``t = 1`` on the first step), with their typical mistakes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from tutorial_utils.checks._core import Case, Mistake, Spec, ratio_hint, run
from tutorial_utils.reference.adam import AdamState, adam_step

DEFAULTS = {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}


def _adam(p, g, m, v, v_max, t, *, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad,  # type: ignore
          **wrong):  # fmt: skip
    """One Adam/AMSGrad/AdamW step; each keyword in ``wrong`` switches on one typical mistake."""
    fixed = wrong.get("fixed", ())  # hyperparameters hard-coded at their defaults
    lr = DEFAULTS["lr"] if "lr" in fixed else lr
    beta1 = DEFAULTS["beta1"] if "beta1" in fixed else beta1
    beta2 = DEFAULTS["beta2"] if "beta2" in fixed else beta2
    eps = DEFAULTS["eps"] if "eps" in fixed else eps
    wd = weight_decay
    if wrong.get("swap_betas"):
        beta1, beta2 = beta2, beta1
    wd *= wrong.get("wd_factor", 1.0)
    g_m = g_v = g
    if wd and (not decoupled or wrong.get("l2_always")) and not wrong.get("decoupled_always"):
        p = p * (1 - lr * wd) if decoupled and wrong.get("both") else p  # an if without else
        g_m = g + wd * (g if wrong.get("l2_of_grad") else p)
        g_v = g if wrong.get("l2_m_only") else g_m
    elif wd and wrong.get("decay_constant"):
        p = p - lr * wd
    elif wd and not wrong.get("decay_after"):
        p = p * (1 - (1.0 if wrong.get("decay_no_lr") else lr) * wd)
    w1 = 1 - beta1 if wrong.get("swap_m") else beta1
    new_m = w1 * m + (1 - w1) * g_m
    g_v = new_m if wrong.get("v_from_m") else g_v
    new_v = beta2 * (v_max if wrong.get("v_from_vmax") else v) + (
        1 - w1 if wrong.get("v_beta1") else 1 - beta2
    ) * (g_v if wrong.get("v_linear") else np.abs(g_v) if wrong.get("v_abs") else
         np.dot(g_v, g_v) if wrong.get("dot") else g_v * g_v)  # fmt: skip
    with_ = g * g if wrong.get("max_g2") else v if wrong.get("max_old_v") else new_v
    new_max = (np.minimum if wrong.get("minimum") else np.maximum)(v_max, with_)
    if wrong.get("scalar_max"):  # one number for every coordinate
        new_max = np.full_like(new_v, max(np.max(v_max), np.max(new_v)))
    if wrong.get("whole_max"):  # one comparison for the whole array
        new_max = new_v if np.sum(new_v) >= np.sum(v_max) else v_max.copy()
    te = t + wrong.get("t_offset", 0)
    bc1 = 1.0 if wrong.get("no_bc1") else 1 - (beta2 if wrong.get("bc1_beta2") else beta1) ** te
    bc2 = 1.0 if wrong.get("no_bc2") else 1 - (beta1 if wrong.get("bc2_beta1") else beta2) ** te
    lr = lr / np.sqrt(t) if wrong.get("lr_sqrt_t") else lr
    if wrong.get("old_moments"):  # the step from m_{t-1}, v_{t-1}
        new_m, new_v, m, v = m, v, new_m, new_v
    v_hat = (new_max if amsgrad and not wrong.get("denominator_v") else new_v) / bc2
    with np.errstate(all="ignore"):
        if amsgrad and wrong.get("max_of_vhat"):
            new_max = v_hat = np.maximum(v_max, new_v / bc2)
        if wrong.get("eps_inside"):
            denom = np.sqrt(v_hat + eps)
        elif wrong.get("bc2_outside_sqrt"):
            denom = np.sqrt(v_hat * bc2) / bc2 + eps
        elif wrong.get("no_sqrt"):
            denom = v_hat + eps
        elif wrong.get("keras_eps"):
            denom = (np.sqrt(v_hat * bc2) + eps) / np.sqrt(bc2)
        else:
            denom = np.sqrt(v_hat * (bc2 if wrong.get("no_bc_vmax") else 1.0)) + eps
        new_p = p - wrong.get("sign", 1.0) * lr * (new_m / bc1) / denom
    if wrong.get("decay_after"):
        new_p = new_p * (1 - lr * wd)
    if wrong.get("old_moments"):
        new_m, new_v = m, v
    if wrong.get("return_hat"):
        new_m, new_v = new_m / bc1, new_v / bc2
    if wrong.get("in_place"):  # the classic slip: param -= step (or m[:] = ...)
        names = {"param": (p, new_p), "m": (m, new_m), "v": (v, new_v), "v_max": (v_max, new_max)}
        target, value = names[wrong["in_place"]]
        target[...] = value
    return new_p, new_m, new_v, v_max if wrong.get("old_vmax") else new_max


def _student(kind: str, **wrong: Any) -> Callable[..., tuple]:
    """``wrong`` as exercise ``kind`` calls it: (param, grad, m, v[, v_max], t, **hp)."""

    def step(param, grad, m, v, *state, **kw):  # type: ignore[no-untyped-def]
        v_max = state[0] if kind == "amsgrad" else np.zeros_like(m)
        decay = (
            (0.0 if wrong.get("zero_default_wd") else 1e-2, True)
            if kind == "adamw"
            else (0.0, False)
        )
        kw = {**DEFAULTS, "weight_decay": decay[0], "decoupled": decay[1], **kw}
        out = _adam(param, grad, m, v, v_max, state[-1], **kw, amsgrad=kind == "amsgrad", **wrong)
        return out if kind == "amsgrad" else out[:3]

    return step


def _table(kind: str, rows: list[tuple[str, dict[str, Any]]]) -> list[Mistake]:
    return [Mistake(hint, _student(kind, **wrong)) for hint, wrong in rows]


# fmt: off
_COMMON: list[tuple[str, dict[str, Any]]] = [  # (hint, mistake) for all three exercises
    ("the bias correction is missing: divide m by 1 - beta1**t and v by 1 - beta2**t (t = 1 "
     "on the first step); without it the early steps have the wrong size",
     {"no_bc1": True, "no_bc2": True}),
    ("bias-correct the second moment too: v_hat = v / (1 - beta2**t)", {"no_bc2": True}),
    ("bias-correct the first moment too: m_hat = m / (1 - beta1**t)", {"no_bc1": True}),
    ("eps goes outside the square root: m_hat / (sqrt(v_hat) + eps)", {"eps_inside": True}),
    ("t is the number of the step being taken, starting at 1: use beta**t, not beta**(t-1)",
     {"t_offset": -1}),
    ("use beta**t with the t you are given, not beta**(t+1)", {"t_offset": 1}),
    ("eps is added to sqrt(v_hat) AFTER the bias correction (torch); you added it to sqrt(v) "
     "before dividing by sqrt(1 - beta2**t) (Keras's epsilon-hat)", {"keras_eps": True}),
    ("subtract the update: Adam descends", {"sign": -1.0}),
    ("v is the moving average of the SQUARED gradient g * g", {"v_linear": True}),
    ("v is the moving average of the SQUARED gradient g * g, not of |g|", {"v_abs": True}),
    ("square element by element, g * g or g**2: np.dot(g, g) is a matrix product",
     {"dot": True}),
    ("v's update uses beta2 in both places: beta2 * v + (1 - beta2) * g * g (you wrote 1 - beta1)",
     {"v_beta1": True}),
    ("v is the moving average of the squared GRADIENT g * g, not of the squared m",
     {"v_from_m": True}),
    ("update m and v first, then step with the NEW m_t and v_t (bias-corrected)",
     {"old_moments": True}),
    ("use the constant lr you are given: the step is lr * m_hat / (sqrt(v_hat) + eps), with no "
     "extra 1/sqrt(t) (that decay is from the paper's convergence analysis)", {"lr_sqrt_t": True}),
    ("return the raw moments m and v (not bias-corrected): the next step needs them",
     {"return_hat": True}),
    ("the new m is beta1 * m + (1 - beta1) * g (weights swapped?)", {"swap_m": True}),
    ("beta1 belongs to m and beta2 to v (and to their bias corrections): you swapped them",
     {"swap_betas": True}),
    ("bias-correct v inside the square root: sqrt(v / (1 - beta2**t)) = sqrt(v) / sqrt(1 - "
     "beta2**t), not sqrt(v) / (1 - beta2**t)", {"bc2_outside_sqrt": True}),
    ("v_hat = v / (1 - beta2**t): the second moment is corrected with beta2, not beta1",
     {"bc2_beta1": True}),
    ("m_hat = m / (1 - beta1**t): the first moment is corrected with beta1, not beta2",
     {"bc1_beta2": True}),
    ("divide by the square root of v_hat: m_hat / (sqrt(v_hat) + eps), not by v_hat itself",
     {"no_sqrt": True}),
    ("use the argument lr, not the default 1e-3", {"fixed": ("lr",)}),
    ("use the argument beta1, not the default 0.9", {"fixed": ("beta1",)}),
    ("use the argument beta2, not the default 0.999", {"fixed": ("beta2",)}),
    ("use the argument eps, not the default 1e-8", {"fixed": ("eps",)}),
    ("work on new arrays: new_param = param - step, not param -= step (the caller's param "
     "changed)", {"in_place": "param"}),
    ("work on new arrays: new_m = beta1 * m + ..., not m *= beta1 / m[:] = ... (the caller's m "
     "changed)", {"in_place": "m"}),
    ("work on new arrays: new_v = beta2 * v + ..., not v *= beta2 / v[:] = ... (the caller's v "
     "changed)", {"in_place": "v"}),
]
ADAM = _table("adam", _COMMON)
AMSGRAD = _table("amsgrad", _COMMON + [
        ("take the maximum of the RAW v (then bias-correct), as torch does; the maximum of the "
         "bias-corrected v_hat is optax's variant", {"max_of_vhat": True}),
        ("normalise by sqrt(v_max), not sqrt(v): that maximum is what makes AMSGrad different "
         "from Adam", {"denominator_v": True}),
        ("v_max is the maximum of v_max and the new v, not of v_max and g**2", {"max_g2": True}),
        *(("take the maximum element by element, np.maximum(v_max, new_v), not one comparison "
           "for the whole array", {wrong: True}) for wrong in ("whole_max", "scalar_max")),
        ("return the updated v_max = max(v_max, v_t)", {"old_vmax": True}),
        ("v_max is the running MAXIMUM, np.maximum(v_max, new_v), not np.minimum",
         {"minimum": True}),
        ("update v first, then take the maximum with the NEW v_t: np.maximum(v_max, new_v), "
         "not with the previous v", {"max_old_v": True}),
        ("bias-correct v_max as torch does: sqrt(v_max / (1 - beta2**t)) (the paper's algorithm "
         "has no bias correction)", {"no_bc_vmax": True}),
        ("the moving average v is updated from v, not from v_max", {"v_from_vmax": True}),
        ("work on new arrays: new_v_max = np.maximum(v_max, new_v), not np.maximum(..., "
         "out=v_max) (the caller's v_max changed)", {"in_place": "v_max"}),
])
ADAMW = _table("adamw", _COMMON + [
        ("decoupled=True is AdamW: shrink theta by (1 - lr * weight_decay) and give Adam the "
         "plain gradient; adding weight_decay * theta to the gradient is the L2 penalty",
         {"l2_always": True}),
        ("with decoupled=True apply ONLY the decay theta * (1 - lr * weight_decay); the L2 term "
         "belongs to decoupled=False (an if/else, not two ifs)", {"l2_always": True, "both": True}),
        ("decoupled=False is the L2 penalty of torch.optim.Adam: add weight_decay * theta to the "
         "gradient before the moments", {"decoupled_always": True}),
        ("the decoupled decay is multiplied by the learning rate: theta * (1 - lr * "
         "weight_decay), as torch.optim.AdamW does", {"decay_no_lr": True}),
        ("decay the OLD parameters: theta * (1 - lr * wd) comes before the Adam update "
         "(theta_new = theta - lr*wd*theta - lr*update)", {"decay_after": True}),
        ("the L2 term must enter both moments (it is part of the gradient)", {"l2_m_only": True}),
        ("the L2 penalty (wd/2)|theta|^2 has gradient +wd * theta: check the sign",
         {"wd_factor": -1.0}),
        ("torch's L2 term adds weight_decay * theta to the gradient (the gradient of "
         "(weight_decay/2)|theta|^2), not weight_decay/2 * theta", {"wd_factor": 0.5}),
        ("torch's L2 term adds weight_decay * theta to the gradient, not 2 * weight_decay * theta",
         {"wd_factor": 2.0}),
        ("weight decay is missing", {"wd_factor": 0.0}),
        ("the L2 term is weight_decay * theta (the parameters), not weight_decay * grad",
         {"l2_of_grad": True}),
        ("the decoupled decay is proportional to theta: theta * (1 - lr * weight_decay), not "
         "theta - lr * weight_decay", {"decay_constant": True}),
        ("the default weight_decay is 1e-2 (with decoupled=True), as in the task's signature and "
         "torch.optim.AdamW", {"zero_default_wd": True}),
])
MISTAKES = {"check_adam_step": ADAM, "check_amsgrad_step": AMSGRAD, "check_adamw_step": ADAMW}
# fmt: on
FORMULAS = {
    "new_m": "new_m = beta1 * m + (1 - beta1) * grad, returned raw (not bias-corrected)",
    "new_v": "new_v = beta2 * v + (1 - beta2) * grad * grad, returned raw (not bias-corrected)",
    "new_v_max": "new_v_max = maximum(v_max, new_v), element-wise, on the raw new_v",
}


def _reference(p, g, m, v, v_max, t, beta1, beta2, decoupled=False, **kw):  # type: ignore
    kw.update(betas=(beta1, beta2), decoupled_weight_decay=decoupled)
    new_p, new = adam_step(p, g, AdamState(step=t - 1, m=m, v=v, v_max=v_max), **kw)
    return new_p, new.m, new.v, new.v_max


def _update_note(case: Case, got: dict[str, np.ndarray], exp: dict[str, np.ndarray]) -> str | None:
    """'your update (new_param - param) is 10x too small' says more than the parameters (when
    the moments are right: otherwise they are where the difference starts)."""
    param, close = np.asarray(case.args[0], dtype=np.float64), "check eps and where it enters"
    moments_right = all(
        got[k].shape == exp[k].shape and np.allclose(got[k], exp[k], rtol=1e-9, atol=0)
        for k in ("new_m", "new_v")
    )
    if moments_right and got["new_param"].shape == param.shape:
        note = ratio_hint(got["new_param"] - param, exp["new_param"] - param, close)
        return note and note.replace("your result", "your update (new_param - param)")
    return None


def _cases(seed: int, nargs: int) -> list[Case]:
    """Shared scenarios; ``nargs`` = 5 gives (param, grad, m, v, t), 6 adds v_max before t."""
    rng = np.random.default_rng(seed)
    p, g, z = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), np.zeros((3, 4))
    m_old, v_old = 0.1 * rng.normal(size=(3, 4)), 0.01 * rng.random(size=(3, 4)) + 1e-4

    def case(name, grad=g, m=z, v=z, v_max=z, t=1, **kw):  # type: ignore[no-untyped-def]
        return Case(name, (p, grad, m, v, v_max, t)[: nargs - 1] + (t,), {**DEFAULTS, **kw})

    # fmt: off
    return [
        case("step 1, default hyperparameters"),
        case("step 1, tiny gradient (1e-7): eps matters", grad=g * 1e-7),
        case("step 1, huge gradient (1e8)", grad=g * 1e8),
        case("step 2, moments from step 1", m=0.1 * g, v=0.001 * g * g, v_max=0.0012 * g * g, t=2),
        case("step 1000", m=m_old, v=v_old, v_max=v_old * 1.5, t=1000),
        case("step 10, lr=0.1, beta1=0.5, beta2=0.9, eps=1e-3", m=m_old, v=v_old, v_max=v_old,
             t=10, lr=0.1, beta1=0.5, beta2=0.9, eps=1e-3),
        case("step 50, zero gradient", grad=z, m=m_old, v=v_old, v_max=v_old * 2, t=50),
        case("step 3, shrinking gradient (v_max > v)", grad=0.01 * g, m=m_old, v=v_old,
             v_max=v_old * 3.0, t=3),
    ]
    # fmt: on


def check_adam_step(adam_step_fn: Callable[..., Any]) -> None:
    r"""Check ``adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)``
    returning ``(new_param, new_m, new_v)``, as ``torch.optim.Adam``: :math:`m_t = \beta_1 m +
    (1-\beta_1) g`, :math:`v_t = \beta_2 v + (1-\beta_2) g^2`, :math:`\theta_t = \theta - \eta\,
    \hat m_t / (\sqrt{\hat v_t} + \epsilon)` with the bias-corrected :math:`\hat m_t, \hat v_t`."""
    # fmt: off
    run(Spec("check_adam_step", _cases(20, 5), ("new_param", "new_m", "new_v"),
             ("param", "grad", "m", "v", "t"), ADAM,
             lambda p, g, m, v, t, **kw: _reference(p, g, m, v, np.zeros_like(m), t, **kw)[:3],
             order=("new_m", "new_v"), formulas=FORMULAS, note=_update_note), adam_step_fn)
    # fmt: on


def check_amsgrad_step(amsgrad_step_fn: Callable[..., Any]) -> None:
    r"""Check ``amsgrad_step(param, grad, m, v, v_max, t, lr, beta1, beta2, eps)`` returning
    ``(new_param, new_m, new_v, new_v_max)``, as ``torch.optim.Adam(amsgrad=True)``: Adam's
    moments, :math:`v^{\max}_t = \max(v^{\max}_{t-1}, v_t)` on the *raw* :math:`v_t`, and the step
    :math:`\theta - \eta\, \hat m_t / (\sqrt{v^{\max}_t / (1-\beta_2^t)} + \epsilon)`."""
    # fmt: off
    run(Spec("check_amsgrad_step", _cases(21, 6), ("new_param", "new_m", "new_v", "new_v_max"),
             ("param", "grad", "m", "v", "v_max", "t"), AMSGRAD,
             functools.partial(_reference, amsgrad=True), order=("new_m", "new_v"),
             formulas=FORMULAS, note=_update_note), amsgrad_step_fn)
    # fmt: on


def check_adamw_step(adamw_step_fn: Callable[..., Any]) -> None:
    r"""Check ``adamw_step(param, grad, m, v, t, lr, beta1, beta2, eps, weight_decay, decoupled)``
    (hyperparameters as keywords) returning ``(new_param, new_m, new_v)``: with ``decoupled=True``
    as ``torch.optim.AdamW`` (:math:`\theta \leftarrow \theta(1 - \eta\lambda)`, then Adam on
    the plain gradient), with ``False`` as ``torch.optim.Adam(weight_decay=λ)`` (:math:`g
    \leftarrow g + \lambda\theta` before the moments)."""
    rng = np.random.default_rng(22)
    p, g, z = rng.normal(size=(2, 5)), rng.normal(size=(2, 5)), np.zeros((2, 5))
    m0, v0 = 0.1 * rng.normal(size=(2, 5)), 0.01 * rng.random(size=(2, 5)) + 1e-4
    # fmt: off
    cases = [
        Case(name, (p0, g0, m, v, t), {**DEFAULTS, **hp, "lr": lr, "weight_decay": wd,
                                       "decoupled": dec})
        for name, p0, g0, m, v, t, lr, wd, dec, hp in [
            ("decoupled, step 1, lr=0.1, weight_decay=0.1", p, g, z, z, 1, 0.1, 0.1, True, {}),
            ("decoupled, step 1000, lr=0.01, weight_decay=0.5", p, g, m0, v0, 1000, 0.01, 0.5,
             True, {}),
            ("decoupled, weight_decay=0 (plain Adam)", p, g, m0, v0, 7, 0.01, 0.0, True, {}),
            ("decoupled, zero gradient at step 20", p, z, m0, v0, 20, 0.05, 0.2, True, {}),
            ("L2 (decoupled=False), step 1, lr=0.1, weight_decay=0.1", p, g, z, z, 1, 0.1, 0.1,
             False, {}),
            ("L2 (decoupled=False), step 1000, lr=0.01, weight_decay=0.5", p, g, m0, v0, 1000,
             0.01, 0.5, False, {}),
            ("L2, weight_decay=0 (plain Adam)", p, g, m0, v0, 7, 0.01, 0.0, False, {}),
            ("decoupled, huge weights (1e6), step 5", p * 1e6, g, m0, v0, 5, 1e-3, 1e-2, True, {}),
            ("decoupled, step 3, beta1=0.5, beta2=0.9, eps=1e-3", p, g, m0, v0, 3, 0.01, 0.1,
             True, {"beta1": 0.5, "beta2": 0.9, "eps": 1e-3}),
        ]
    ] + [Case("step 7, every hyperparameter at its default (weight_decay=1e-2, decoupled=True)",
              (p, g, m0, v0, 7), expected=_reference(p, g, m0, v0, z, 7, **DEFAULTS,
              weight_decay=1e-2, decoupled=True)[:3])]
    run(Spec("check_adamw_step", cases, ("new_param", "new_m", "new_v"),
             ("param", "grad", "m", "v", "t"), ADAMW,
             lambda p, g, m, v, t, **kw: _reference(p, g, m, v, np.zeros_like(m), t, **kw)[:3],
             order=("new_m", "new_v"), formulas=FORMULAS, note=_update_note), adamw_step_fn)
    # fmt: on
