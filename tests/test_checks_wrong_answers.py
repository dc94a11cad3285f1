"""Every checker rejects plausible wrong answers and accepts two correct ones.

For each checker: the reference implementation (adapted to the exercise's signature) and an
independent hand-written correct version must pass; at least five typical mistakes must raise
``AssertionError``, most of them with a hint that names the mistake. ``NotImplementedError`` from an
unsolved stub must propagate unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch

from tutorial_utils import checks
from tutorial_utils.reference import clipping as ref_clip
from tutorial_utils.reference.adam import AdamState, adam_step
from tutorial_utils.reference.gradcheck import numerical_gradient as ref_numgrad

# ------------------------------------------------------------------------------------------------
# Exercise 1: numerical gradient, linear layer backward
# ------------------------------------------------------------------------------------------------


def numgrad_correct(f, x, h=1e-5):
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / (2 * h)
    return grad


def numgrad_forward(f, x, h=1e-5):
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = (f(x + e) - f(x)) / h
    return grad


def numgrad_over_h(f, x, h=1e-5):
    return 2 * numgrad_correct(f, x, h)


def numgrad_fixed_h(f, x, h=1e-5):
    return numgrad_correct(f, x, 1e-5)


def numgrad_mutates(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        fp = f(x)
        x[i] -= 2 * h
        fm = f(x)
        grad[i] = (fp - fm) / (2 * h)  # x[i] is left at x - h
    return grad


def numgrad_flat(f, x, h=1e-5):
    return numgrad_correct(f, x, h).ravel()


def numgrad_float32(f, x, h=1e-5):
    x32 = np.asarray(x, dtype=np.float32)
    return numgrad_correct(lambda z: np.float32(f(z.astype(np.float64))), x32, np.float32(h))


def lin_correct(x, W, b, G):
    return np.einsum("no,oi->ni", G, W), np.einsum("no,ni->oi", G, x), np.einsum("no->o", G)


def lin_reference(x, W, b, G):
    xt, Wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
    (xt @ Wt.T + bt).backward(torch.tensor(G))
    return xt.grad.numpy(), Wt.grad.numpy(), bt.grad.numpy()


WRONG_LINEAR = [
    ("grad_W transposed", lambda x, W, b, G: (G @ W, x.T @ G, G.sum(0)), "not x.T @ grad_out"),
    ("grad_b averaged", lambda x, W, b, G: (G @ W, G.T @ x, G.mean(0)), "SUM of grad_out"),
    ("grad_W averaged", lambda x, W, b, G: (G @ W, G.T @ x / len(x), G.sum(0)), "do not average"),
    ("grad_x with W.T", lambda x, W, b, G: (G @ W.T, G.T @ x, G.sum(0)), None),
    ("grad_b not reduced", lambda x, W, b, G: (G @ W, G.T @ x, G), "shape (out,)"),
    ("grad_b summed over everything",
     lambda x, W, b, G: (G @ W, G.T @ x, np.full(W.shape[0], G.sum())), "batch axis 0 only"),
    ("outputs in the wrong order", lambda x, W, b, G: (G.T @ x, G @ W, G.sum(0)), None),
]

# ------------------------------------------------------------------------------------------------
# Exercise 2: gradient norms through depth
# ------------------------------------------------------------------------------------------------

ACT = {
    "linear": (lambda a: a, lambda a, h: np.ones_like(a)),
    "tanh": (np.tanh, lambda a, h: 1 - h**2),
    "relu": (lambda a: np.maximum(a, 0), lambda a, h: (a > 0).astype(float)),
}


def norms_correct(weights, x, grad_output, activation, *, deriv=None, transpose=True,
                  square=False, order=1, drop_input=False):
    phi, dphi = ACT[activation]
    deriv = deriv or dphi
    hs, ds = [np.asarray(x, float)], []
    for W in weights:
        a = W @ hs[-1]
        h = phi(a)
        ds.append(deriv(a, h))
        hs.append(h)
    g = np.asarray(grad_output, float)
    norms = [np.linalg.norm(g)]
    for W, d in zip(reversed(weights), reversed(ds)):
        g = (W.T if transpose else W) @ (d * g)
        norms.append(np.linalg.norm(g))
    out = np.array(norms[::order * -1])
    if square:
        out = out**2
    return out[1:] if drop_input else out


def norms_autograd(weights, x, grad_output, activation):
    f = {"linear": lambda a: a, "tanh": torch.tanh, "relu": torch.relu}[activation]
    h = torch.tensor(x, requires_grad=True)
    hs = [h]
    for W in weights:
        h = f(torch.tensor(W) @ h)
        h.retain_grad()
        hs.append(h)
    h.backward(torch.tensor(grad_output))
    return [float(t.grad.norm()) for t in hs]


WRONG_NORMS = [
    ("no activation derivative",
     lambda *a: norms_correct(*a, deriv=lambda a_, h: np.ones_like(a_)), "derivative"),
    ("tanh' as 1 - a^2",
     lambda *a: norms_correct(*a, deriv=lambda a_, h: 1 - a_**2 if a[3] == "tanh" else
                              ACT[a[3]][1](a_, h)), "not 1 - a^2"),
    ("output-first order", lambda *a: norms_correct(*a, order=-1), "layer order"),
    ("squared norms", lambda *a: norms_correct(*a, square=True), "not their squares"),
    ("W instead of W.T", lambda *a: norms_correct(*a, transpose=False), None),
    ("input gradient missing", lambda *a: norms_correct(*a, drop_input=True), "L + 1 norms"),
]

# ------------------------------------------------------------------------------------------------
# Exercise 3: clipping
# ------------------------------------------------------------------------------------------------


def l2(g):
    return float(np.sqrt(np.sum(np.square(g))))


def value_in_place(grads, c):
    for g in grads:
        np.clip(g, -c, c, out=g)
    return grads


WRONG_VALUE = [
    ("upper bound only", lambda gs, c: [np.minimum(g, c) for g in gs], "upper bound"),
    ("clip to [0, c]", lambda gs, c: [np.clip(g, 0, c) for g in gs], "negative elements"),
    ("zero the large elements", lambda gs, c: [np.where(np.abs(g) > c, 0.0, g) for g in gs],
     "not 0"),
    ("everything to +-c", lambda gs, c: [np.sign(g) * c for g in gs], "only elements"),
    ("clipping by norm", lambda gs, c: [ref_clip.clip_by_norm(g, c) for g in gs], "by norm"),
    ("in place", value_in_place, "in place"),
    ("one concatenated array", lambda gs, c: np.clip(np.concatenate([np.ravel(g) for g in gs]),
                                                      -c, c), "list"),
    ("clips the absolute value", lambda gs, c: [np.clip(np.abs(g), -c, c) for g in gs],
     "keep the signs"),
]


def norm_in_place(g, c):
    g *= min(c / (l2(g) + 1e-6), 1.0)
    return g


WRONG_NORM = [
    ("no epsilon", lambda g, c: g * min(c / l2(g), 1.0) if l2(g) > 0 else g, "1e-6"),
    ("TensorFlow's c / max(norm, c)", lambda g, c: g * c / max(l2(g), c) if c > 0 else 0 * g,
     None),
    ("always rescaled to c", lambda g, c: g * c / (l2(g) + 1e-6), "scaled up"),
    ("max instead of min", lambda g, c: g * max(c / (l2(g) + 1e-6), 1.0), "not max"),
    ("clipping by value", lambda g, c: np.clip(g, -c, c), "by value"),
    ("squared norm", lambda g, c: g * min(c / (l2(g) ** 2 + 1e-6), 1.0), "sum of squares"),
    ("L1 norm", lambda g, c: g * min(c / (np.abs(g).sum() + 1e-6), 1.0), "L1"),
    ("in place", norm_in_place, "in place"),
]


def _pnorm(x, p):
    x = np.ravel(x)
    return float(np.linalg.norm(x, ord=p)) if x.size else 0.0


def global_correct(grads, max_norm, norm_type=2.0):
    flat = np.concatenate([np.ravel(g) for g in grads])
    total = _pnorm(flat, norm_type)
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [np.asarray(g) * coef for g in grads], total


def global_per_tensor(grads, max_norm, norm_type=2.0):
    _, total = global_correct(grads, max_norm, norm_type)
    return [g * min(max_norm / (_pnorm(g, norm_type) + 1e-6), 1.0) for g in grads], total


def global_post_clip(grads, max_norm, norm_type=2.0):
    clipped, _ = global_correct(grads, max_norm, norm_type)
    return clipped, _pnorm(np.concatenate([np.ravel(g) for g in clipped]), norm_type)


def global_sum_of_norms(grads, max_norm, norm_type=2.0):
    total = sum(_pnorm(g, norm_type) for g in grads)
    return [g * min(max_norm / (total + 1e-6), 1.0) for g in grads], total


def global_always_l2(grads, max_norm, norm_type=2.0):
    return global_correct(grads, max_norm, 2.0)


def global_branch_no_eps(grads, max_norm, norm_type=2.0):
    _, total = global_correct(grads, max_norm, norm_type)
    if total > max_norm:
        return [g * (max_norm / total) for g in grads], total
    return [np.array(g) for g in grads], total


def global_l2_tensor_norms(grads, max_norm, norm_type=2.0):
    total = _pnorm(np.array([_pnorm(g, 2.0) for g in grads]), norm_type)
    return [g * min(max_norm / (total + 1e-6), 1.0) for g in grads], total


def global_mean_of_norms(grads, max_norm, norm_type=2.0):
    total = float(np.mean([_pnorm(g, norm_type) for g in grads]))
    return [g * min(max_norm / (total + 1e-6), 1.0) for g in grads], total


WRONG_GLOBAL = [
    ("per-tensor clipping", global_per_tensor, "SAME coefficient"),
    ("returns the post-clip norm", global_post_clip, "BEFORE clipping"),
    ("sum of tensor norms", global_sum_of_norms, "not the sum of norms"),
    ("ignores norm_type", global_always_l2, "norm_type"),
    ("clips only above, without 1e-6", global_branch_no_eps, "1e-6"),
    ("mean of tensor norms", global_mean_of_norms, "not a mean"),
    ("L2 tensor norms combined with norm_type", global_l2_tensor_norms,
     "each tensor's norm with norm_type"),
]


def agc_correct(grads, params, clip_factor=0.01, eps=1e-3):
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, float), np.asarray(w, float)
        if g.ndim <= 1:
            rows_g, rows_w = g.reshape(1, -1), w.reshape(1, -1)
        else:
            rows_g, rows_w = g.reshape(g.shape[0], -1), w.reshape(w.shape[0], -1)
        new = rows_g.copy()
        for i in range(rows_g.shape[0]):
            gn, wn = np.linalg.norm(rows_g[i]), max(np.linalg.norm(rows_w[i]), eps)
            if gn > clip_factor * wn:
                new[i] = rows_g[i] * (clip_factor * wn / max(gn, 1e-6))
        out.append(new.reshape(g.shape))
    return out


def agc_general(axes_of, floor_w=True, floor_g=True, invert=False, always=False):
    def agc(grads, params, clip_factor=0.01, eps=1e-3):
        out = []
        for g, w in zip(grads, params):
            axes = axes_of(g.ndim)
            gn = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
            wn = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
            limit = clip_factor * (np.maximum(wn, eps) if floor_w else wn)
            # Wrong answers may divide 0 by 0 (no floor): that is their bug, not a test failure.
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = limit / (np.maximum(gn, 1e-6) if floor_g else gn)
                mask = gn < limit if invert else gn > limit
                out.append(g * scale if always else np.where(mask, g * scale, g))
        return out

    return agc


TORCH_AXES = lambda n: tuple(range(1, n)) if n > 1 else None  # noqa: E731

WRONG_AGC = [
    ("JAX axis (all but the last)", agc_general(lambda n: tuple(range(n - 1)) if n > 1 else None),
     "JAX"),
    ("whole-tensor norm", agc_general(lambda n: None), "unit-wise"),
    ("no eps floor on the weight norm", agc_general(TORCH_AXES, floor_w=False), "max(||W_i||, eps)"),
    ("no floor on the gradient norm", agc_general(TORCH_AXES, floor_g=False), "1e-6"),
    ("bias clipped element by element",
     agc_general(lambda n: tuple(range(1, n)) if n > 1 else ()), "ONE unit"),
    ("condition inverted", agc_general(TORCH_AXES, invert=True), None),
    ("always rescaled", agc_general(TORCH_AXES, always=True), None),
]


def pe_correct(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    g = np.asarray(per_example_grads, float)
    total = np.zeros(g.shape[1:])
    for example in g:
        total = total + example * min(1.0, max_norm / (np.linalg.norm(example.ravel()) + 1e-6))
    if noise_multiplier > 0:
        total = total + rng.standard_normal(total.shape) * noise_multiplier * max_norm
    return total / len(g)


def pe_variant(clip_mean=False, as_sum=False, batch_norm=False, sigma_only=False,
               noise_after=False, global_rng=False, no_eps=False, axis0=False, axis1=False):
    def f(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
        g = np.asarray(per_example_grads, float)
        b = len(g)
        eps = 0.0 if no_eps else 1e-6
        if clip_mean:
            mean = g.mean(0)
            total = mean * min(1.0, max_norm / (l2(mean) + 1e-6)) * b
        elif batch_norm:
            total = g.sum(0) * min(1.0, max_norm / (l2(g) + 1e-6))
        elif axis0 or axis1:
            norms = np.sqrt(np.sum(g * g, axis=0 if axis0 else 1, keepdims=True))
            total = (g * np.minimum(1.0, max_norm / (norms + 1e-6))).sum(0)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                total = sum(np.where(l2(e) > max_norm, e * max_norm / (l2(e) + eps), e)
                            if no_eps else e * min(1.0, max_norm / (l2(e) + eps)) for e in g)
        if noise_multiplier > 0:
            source = np.random if global_rng else rng
            std = noise_multiplier if sigma_only else noise_multiplier * max_norm
            noise = source.normal(0.0, std, size=np.shape(total))
            if noise_after:
                return total / b + noise
            total = total + noise
        return total if as_sum else total / b

    return f


WRONG_PER_EXAMPLE = [
    ("clips the mean gradient", pe_variant(clip_mean=True), "EACH example"),
    ("returns the sum", pe_variant(as_sum=True), "batch size"),
    ("one norm for the whole batch", pe_variant(batch_norm=True), "whole batch"),
    ("norm over the batch axis", pe_variant(axis0=True), "axis 0"),
    ("norm along axis 1 only", pe_variant(axis1=True), "not along axis 1 only"),
    ("no epsilon", pe_variant(no_eps=True), "1e-6"),
    ("noise std sigma instead of sigma * C", pe_variant(sigma_only=True), "sigma * C"),
    ("noise added after averaging", pe_variant(noise_after=True), "SUM"),
    ("noise from the global np.random", pe_variant(global_rng=True), "rng"),
]

# ------------------------------------------------------------------------------------------------
# Exercises 4 and 5: Adam, AMSGrad, AdamW
# ------------------------------------------------------------------------------------------------


def adam_reference(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    p, s = adam_step(param, grad, AdamState(t - 1, m, v, np.zeros_like(m)), lr=lr,
                     betas=(beta1, beta2), eps=eps)
    return p, s.m, s.v


def adam_general(*, correct_m=True, correct_v=True, eps_inside=False, t_offset=0, square=True,
                 keras_eps=False, return_hat=False, sign=-1.0, fixed=None):
    def step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        if fixed == "eps":  # a hard-coded default instead of the argument
            eps = 1e-8
        elif fixed == "beta2":
            beta2 = 0.999
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * (grad * grad if square else grad)
        te = t + t_offset
        bc1 = 1 - beta1**te if correct_m else 1.0
        bc2 = 1 - beta2**te if correct_v else 1.0
        with np.errstate(all="ignore"):
            m_hat, v_hat = m / bc1, v / bc2
            if eps_inside:
                update = m_hat / np.sqrt(v_hat + eps)
            elif keras_eps:
                update = np.sqrt(bc2) / bc1 * m / (np.sqrt(v) + eps)
            else:
                update = m_hat / (np.sqrt(v_hat) + eps)
        new = param + sign * lr * update
        return (new, m_hat, v_hat) if return_hat else (new, m, v)

    return step


WRONG_ADAM = [
    ("no bias correction", adam_general(correct_m=False, correct_v=False), "bias correction"),
    ("eps inside the sqrt", adam_general(eps_inside=True), "outside the square root"),
    ("bias correction with t starting at 0", adam_general(t_offset=-1), "beta**(t-1)"),
    ("bias correction with t + 1", adam_general(t_offset=1), "beta**(t+1)"),
    ("v updated with g instead of g^2", adam_general(square=False), "SQUARED"),
    ("only m bias-corrected", adam_general(correct_v=False), "second moment"),
    ("only v bias-corrected", adam_general(correct_m=False), "first moment"),
    ("Keras-style epsilon", adam_general(keras_eps=True), "Keras"),
    ("returns bias-corrected moments", adam_general(return_hat=True), "raw moments"),
    ("ascends", adam_general(sign=1.0), "descends"),
    ("hard-coded eps = 1e-8", adam_general(fixed="eps"), "use the argument eps"),
    ("hard-coded beta2 = 0.999", adam_general(fixed="beta2"), "use the argument beta2"),
]


def amsgrad_reference(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    p, s = adam_step(param, grad, AdamState(t - 1, m, v, v_max), lr=lr, betas=(beta1, beta2),
                     eps=eps, amsgrad=True)
    return p, s.m, s.v, s.v_max


def amsgrad_general(kind="correct"):
    def step(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * (v_max if kind == "ema from v_max" else v) + (1 - beta2) * grad**2
        bc1, bc2 = 1 - beta1**t, 1 - beta2**t
        if kind == "max of v_hat":
            new_max = np.maximum(v_max, v / bc2)
            return param - lr * (m / bc1) / (np.sqrt(new_max) + eps), m, v, new_max
        new_max = np.maximum(v_max, grad**2 if kind == "max with g^2" else v)
        denom_v = v if kind == "denominator uses v" else new_max
        corrected = denom_v if kind == "no bias correction of v_max" else denom_v / bc2
        new = param - lr * (m / bc1) / (np.sqrt(corrected) + eps)
        return new, m, v, (v_max if kind == "returns old v_max" else new_max)

    return step


WRONG_AMSGRAD = [
    ("max of the bias-corrected v (optax)", amsgrad_general("max of v_hat"), "optax"),
    ("denominator uses v", amsgrad_general("denominator uses v"), "sqrt(v_max)"),
    ("max with g^2", amsgrad_general("max with g^2"), "not of v_max and g**2"),
    ("returns the old v_max", amsgrad_general("returns old v_max"), "updated v_max"),
    ("v_max not bias-corrected (paper)", amsgrad_general("no bias correction of v_max"),
     "bias-correct v_max"),
    ("v's average built from v_max", amsgrad_general("ema from v_max"), "not from v_max"),
]


def adamw_reference(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                    weight_decay=1e-2, decoupled=True):
    p, s = adam_step(param, grad, AdamState(t - 1, m, v, np.zeros_like(m)), lr=lr,
                     betas=(beta1, beta2), eps=eps, weight_decay=weight_decay,
                     decoupled_weight_decay=decoupled)
    return p, s.m, s.v


def adamw_general(kind="correct"):
    def step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2,
             decoupled=True):
        wd = 0.0 if kind == "ignores decay" else weight_decay
        use_l2 = {"always L2": True, "always decoupled": False}.get(kind, not decoupled)
        g_m = g_v = grad
        theta = param
        if use_l2:
            sign = {"L2 sign": -1.0, "L2 halved": 0.5}.get(kind, 1.0)
            g_m = grad + sign * wd * param
            g_v = grad if kind == "L2 in m only" else g_m
        elif kind == "decay without lr":
            theta = param * (1 - wd)
        elif kind != "decay after":
            theta = param * (1 - lr * wd)
        m = beta1 * m + (1 - beta1) * g_m
        v = beta2 * v + (1 - beta2) * g_v * g_v
        update = (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
        new = theta - lr * update
        if kind == "decay after" and not use_l2:
            new = new * (1 - lr * wd)
        return new, m, v

    return step


WRONG_ADAMW = [
    ("always L2 (Adam with weight_decay)", adamw_general("always L2"), "AdamW"),
    ("always decoupled", adamw_general("always decoupled"), "L2 penalty"),
    ("decay not multiplied by lr", adamw_general("decay without lr"), "multiplied by the learning"),
    ("decay applied after the update", adamw_general("decay after"), "OLD parameters"),
    ("L2 term in m only", adamw_general("L2 in m only"), "both moments"),
    ("L2 term with the wrong sign", adamw_general("L2 sign"), "sign"),
    ("L2 term weight_decay/2 * theta", adamw_general("L2 halved"), "not weight_decay/2"),
    ("weight decay ignored", adamw_general("ignores decay"), "missing"),
]

# ------------------------------------------------------------------------------------------------
# Exercise 6: a clipped training step
# ------------------------------------------------------------------------------------------------


def train_reference(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), norm.item()


def train_by_hand(model, loss_fn, optimizer, x, y, max_norm):
    for p in model.parameters():
        p.grad = None
    loss = loss_fn(model(x), y)
    loss.backward()
    total = sum(float((p.grad**2).sum()) for p in model.parameters()) ** 0.5
    with torch.no_grad():
        for p in model.parameters():
            p.grad.mul_(min(max_norm / (total + 1e-6), 1.0))
    optimizer.step()
    return loss.item(), total


def train_general(kind):
    def step(model, loss_fn, optimizer, x, y, max_norm):
        params = list(model.parameters())
        if kind == "clip before backward":
            optimizer.zero_grad()
            norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            return loss.item(), norm.item()
        if kind != "no zero_grad":
            optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        if kind == "clip after step":
            optimizer.step()
            norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
            return loss.item(), norm.item()
        if kind == "clip by value":
            norm = torch.nn.utils.get_total_norm([p.grad for p in params])
            torch.nn.utils.clip_grad_value_(params, max_norm)
        elif kind == "no clipping":
            norm = torch.nn.utils.get_total_norm([p.grad for p in params])
        else:
            norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
        if kind == "post-clip norm":
            norm = torch.nn.utils.get_total_norm([p.grad for p in params])
        optimizer.step()
        if kind == "loss after step":
            with torch.no_grad():
                loss = loss_fn(model(x), y)
        return loss.item(), norm.item()

    return step


WRONG_TRAIN = [
    ("no zero_grad", train_general("no zero_grad"), "zero_grad"),
    ("clip after optimizer.step()", train_general("clip after step"), "BEFORE optimizer.step()"),
    ("returns the post-clip norm", train_general("post-clip norm"), "BEFORE clipping"),
    ("clips by value", train_general("clip by value"), "not each value"),
    ("no clipping", train_general("no clipping"), "BEFORE optimizer.step()"),
    ("loss recomputed after the step", train_general("loss after step"), "before the step"),
    ("clips before backward", train_general("clip before backward"), None),
]

# ------------------------------------------------------------------------------------------------
# The table: checker -> (correct answers, wrong answers)
# ------------------------------------------------------------------------------------------------

CHECKERS: dict[str, tuple[Callable, list[Callable], list[tuple[str, Callable, str | None]]]] = {
    "numerical_gradient": (checks.check_numerical_gradient, [ref_numgrad, numgrad_correct], [
        ("forward difference", numgrad_forward, "forward difference"),
        ("divides by h instead of 2h", numgrad_over_h, "2h"),
        ("ignores h", numgrad_fixed_h, "step size h"),
        ("modifies x", numgrad_mutates, "in place"),
        ("flattens the result", numgrad_flat, "shape"),
        ("computes in float32", numgrad_float32, None),
    ]),
    "linear_backward": (checks.check_linear_backward, [lin_reference, lin_correct], WRONG_LINEAR),
    "backprop_norms": (checks.check_backprop_norms, [norms_autograd, norms_correct], WRONG_NORMS),
    "clip_by_value": (checks.check_clip_by_value, [
        ref_clip.clip_by_value, lambda gs, c: [np.minimum(np.maximum(g, -c), c) for g in gs]],
        WRONG_VALUE),
    "clip_by_norm": (checks.check_clip_by_norm, [
        ref_clip.clip_by_norm, lambda g, c: g * min(1.0, c / (np.sqrt((g**2).sum()) + 1e-6))],
        WRONG_NORM),
    "clip_by_global_norm": (checks.check_clip_by_global_norm,
                            [ref_clip.clip_by_global_norm, global_correct], WRONG_GLOBAL),
    "adaptive_clip": (checks.check_adaptive_clip, [ref_clip.adaptive_clip, agc_correct],
                      WRONG_AGC),
    "per_example_clip": (checks.check_per_example_clip, [ref_clip.per_example_clip, pe_correct],
                         WRONG_PER_EXAMPLE),
    "adam_step": (checks.check_adam_step, [adam_reference, adam_general()], WRONG_ADAM),
    "amsgrad_step": (checks.check_amsgrad_step, [amsgrad_reference, amsgrad_general()],
                     WRONG_AMSGRAD),
    "adamw_step": (checks.check_adamw_step, [adamw_reference, adamw_general()], WRONG_ADAMW),
    "train_step": (checks.check_train_step, [train_reference, train_by_hand], WRONG_TRAIN),
}


def _params(kind: str):
    for name, (checker, correct, wrong) in CHECKERS.items():
        if kind == "correct":
            for i, fn in enumerate(correct):
                yield pytest.param(checker, fn, id=f"{name}-{'reference' if i == 0 else 'by-hand'}")
        else:
            for label, fn, hint in wrong:
                yield pytest.param(checker, fn, hint, id=f"{name}-{label}")


@pytest.mark.parametrize(("checker", "answer"), list(_params("correct")))
def test_correct_answers_are_accepted(checker, answer, capsys):
    checker(answer)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "passed" in out  # exactly one success line


@pytest.mark.parametrize(("checker", "answer", "hint"), list(_params("wrong")))
def test_wrong_answers_are_rejected(checker, answer, hint):
    with pytest.raises(AssertionError) as info:
        checker(answer)
    if hint is not None:
        assert hint in str(info.value), str(info.value)


def test_at_least_five_wrong_answers_per_checker():
    counts = {name: len(wrong) for name, (_, _, wrong) in CHECKERS.items()}
    assert min(counts.values()) >= 5, counts
    assert set(counts) == {name.removeprefix("check_") for name in checks.__all__}


@pytest.mark.parametrize("checker", [c for c, _, _ in CHECKERS.values()],
                         ids=list(CHECKERS))
def test_not_implemented_propagates(checker):
    def stub(*args, **kwargs):
        raise NotImplementedError("Task: implement me")

    with pytest.raises(NotImplementedError, match="implement me"):
        checker(stub)


def test_other_errors_become_assertion_errors_naming_the_case():
    def broken(grads, clip_value):
        raise KeyError("oops")

    with pytest.raises(AssertionError, match=r"case '.*': your function raised KeyError"):
        checks.check_clip_by_value(broken)


def test_messages_show_expected_and_got_without_reference_source():
    with pytest.raises(AssertionError) as info:
        checks.check_adam_step(adam_general(correct_m=False, correct_v=False))
    message = str(info.value)
    assert "step 1, default hyperparameters" in message
    assert "expected" in message and "got" in message
    assert "def " not in message and "return" not in message.split("Hint:")[0]


def test_update_hint_is_not_repeated_for_the_parameters():
    """A mistake seen in the update (new_param - param) is reported once, as the update's ratio."""

    def eps_added_to_param(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        return param - lr * m_hat / np.sqrt(v_hat) + eps, m, v  # precedence slip

    with pytest.raises(AssertionError) as info:
        checks.check_adam_step(eps_added_to_param)
    message = str(info.value)
    assert "your update (new_param - param) is close but not equal" in message
    assert message.count("close but not equal") == 1, message


def test_scalar_results_get_a_hint_not_a_ratio():
    """For a single number "1.67x too small" says nothing that expected/got do not."""

    def half_norm(grads, max_norm, norm_type=2.0):
        clipped, total = global_correct(grads, max_norm, norm_type)
        return clipped, 0.6 * total

    with pytest.raises(AssertionError) as info:
        checks.check_clip_by_global_norm(half_norm)
    message = str(info.value)
    assert "too small" not in message and "before clipping" in message, message


def test_in_place_message_names_the_modified_input():
    def adam_in_place(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        new_param, new_m, new_v = adam_reference(param, grad, m, v, t, lr, beta1, beta2, eps)
        param -= param - new_param  # the classic slip: param -= step
        return param, new_m, new_v

    expected = r"modified its input param in place\nHint: .*param -="
    with pytest.raises(AssertionError, match=expected):
        checks.check_adam_step(adam_in_place)


def test_value_clipping_at_the_bound_is_checked():
    """A case has elements exactly at -c and c (an answer wrong only there is caught)."""

    def wrong_at_bound(grads, c):
        return [np.where(np.abs(g) == c, 0.0, np.clip(g, -c, c)) for g in grads]

    with pytest.raises(AssertionError, match="exactly at -c and c"):
        checks.check_clip_by_value(wrong_at_bound)
