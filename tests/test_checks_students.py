"""A class of students: wrong answers written the way students write them (not the checkers' own
mistake tables), each with a word its hint should contain, and correct answers written differently
from the solutions. ``test_rates`` measures the rejection rate and the hint accuracy per checker
(run with ``-s`` to see them) and holds them to the targets: every wrong answer rejected, at least
90% with a hint naming the actual mistake, every correct answer accepted, no checker crash.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import torch

from tutorial_utils import checks


def _central(f, x, h):
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp) - f(xm)) / (2 * h)
    return g


def ng_rows(f, x, h=1e-5):  # loops written for matrices only
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in range(x.shape[0]):
        for j in range(x.shape[1] if x.ndim > 1 else 1):
            idx = (i, j) if x.ndim > 1 else i
            xp, xm = x.copy(), x.copy()
            xp[idx] += h
            xm[idx] -= h
            g[idx] = (f(xp) - f(xm)) / (2 * h)
    return g


def ng_atleast1d(f, x, h=1e-5):
    x = np.atleast_1d(np.array(x, dtype=float))
    return _central(f, x, h)


def ng_mutate(f, x, h=1e-5):
    g = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += h
        a = f(x)
        x[i] -= 2 * h
        b = f(x)
        g[i] = (a - b) / (2 * h)
    return g


def ng_forward(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    fx, g = f(x), np.zeros_like(x)
    for i in np.ndindex(x.shape):
        y = x.copy()
        y[i] += h
        g[i] = (f(y) - fx) / h
    return g


def ng_h_default(f, x, h=1e-5):
    return _central(f, x, 1e-5)


def ng_over_h(f, x, h=1e-5):
    return 2 * _central(f, x, h)


def ng_list(f, x, h=1e-5):
    return list(_central(f, x, h).ravel())


def lin_transposed_w(x, W, b, G):
    return G @ W, x.T @ G, G.sum(axis=0)


def lin_mean_b(x, W, b, G):
    return G @ W, G.T @ x, np.mean(G, axis=0)


def lin_keepdims(x, W, b, G):
    return G @ W, G.T @ x, G.sum(axis=0, keepdims=True)


def lin_wrong_order(x, W, b, G):
    return G.T @ x, G @ W, G.sum(0)


def lin_axis1(x, W, b, G):
    return G @ W, G.T @ x, G.sum(axis=1)


def lin_dict(x, W, b, G):
    return {"x": G @ W, "W": G.T @ x, "b": G.sum(0)}


def _norms(weights, x, u, act, d_of=None, order=-1, sq=False):
    hs, As = [np.asarray(x, float)], []
    for W in weights:
        a = W @ hs[-1]
        As.append(a)
        hs.append(
            {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "linear": lambda z: z}[act](a)
        )
    out, g = [np.linalg.norm(u)], np.asarray(u, float)
    for k in range(len(weights) - 1, -1, -1):
        a, h = As[k], hs[k + 1]
        d = (
            d_of(act, a, h)
            if d_of
            else {"tanh": 1 - h**2, "relu": (a > 0) * 1.0, "linear": np.ones_like(a)}[act]
        )
        g = weights[k].T @ (d * g)
        out.append(np.linalg.norm(g))
    out = np.array(out[::order])
    return out**2 if sq else out


def bn_relu_ge(w, x, u, act):
    return _norms(
        w,
        x,
        u,
        act,
        d_of=lambda act, a, h: {
            "tanh": 1 - h**2,
            "relu": (a >= 0) * 1.0,
            "linear": np.ones_like(a),
        }[act],
    )


def bn_tanh_a(w, x, u, act):
    return _norms(
        w,
        x,
        u,
        act,
        d_of=lambda act, a, h: {
            "tanh": 1 - np.tanh(a) * a,
            "relu": (a > 0) * 1.0,
            "linear": np.ones_like(a),
        }[act],
    )


def bn_no_deriv(w, x, u, act):
    return _norms(w, x, u, act, d_of=lambda act, a, h: np.ones_like(a))


def bn_reversed(w, x, u, act):
    return _norms(w, x, u, act, order=1)


def bn_squared(w, x, u, act):
    return _norms(w, x, u, act, sq=True)


def bn_no_input(w, x, u, act):
    return _norms(w, x, u, act)[1:]


def bn_list_of_grads(w, x, u, act):
    return [np.full(3, n) for n in _norms(w, x, u, act)]


def cv_abs(grads, c):
    return [
        np.sign(g) * np.minimum(np.abs(g), c) if np.ndim(g) else np.clip(g, -c, c) for g in grads
    ]  # correct


def cv_loop_in_place(grads, c):
    for g in grads:
        g[g > c] = c
        g[g < -c] = -c
    return grads


def cv_swapped(grads, c):
    return [np.clip(g, c, -c) for g in grads]


def cv_only_upper(grads, c):
    return [np.where(g > c, c, g) for g in grads]


def cv_map(grads, c):
    return map(lambda g: np.clip(g, -c, c), grads)


def cv_float32(grads, c):
    return [np.clip(g.astype(np.float32), -c, c) for g in grads]


def cv_no_copy(grads, c):
    out = []
    for g in grads:
        out.append(g if np.abs(g).max() <= c else np.clip(g, -c, c))
    return out


def cv_by_norm(grads, c):
    return [g * min(1, c / (np.linalg.norm(g) + 1e-6)) for g in grads]


def cn_if(grad, max_norm):
    n = np.linalg.norm(grad)
    return grad * (max_norm / n) if n > max_norm else grad.copy()


def cn_if_eps(grad, max_norm):
    n = np.linalg.norm(grad)
    return grad * (max_norm / (n + 1e-6)) if n > max_norm else grad.copy()


def cn_no_min(grad, max_norm):
    return grad * max_norm / (np.linalg.norm(grad) + 1e-6)


def cn_linalg_flatten(grad, max_norm):
    g = grad.flatten()
    return g * min(1, max_norm / (np.linalg.norm(g) + 1e-6))


def cn_matrix_norm(grad, max_norm):
    n = np.linalg.norm(grad, ord=2) if grad.ndim == 2 else np.linalg.norm(grad)
    return grad * min(1, max_norm / (n + 1e-6))


def cn_in_place(grad, max_norm):
    grad *= min(1, max_norm / (np.linalg.norm(grad) + 1e-6))
    return grad


def cn_returns_same(grad, max_norm):
    coef = min(1, max_norm / (np.linalg.norm(grad) + 1e-6))
    return grad if coef == 1 else grad * coef


def cn_float32(grad, max_norm):
    g = np.float32(grad)
    return g * np.float32(min(1, max_norm / (np.linalg.norm(g) + 1e-6)))


def cn_tf(grad, max_norm):
    return grad * max_norm / max(np.linalg.norm(grad), max_norm) if max_norm else grad * 0


def cg_per_tensor(grads, c, p=2.0):
    total = float(np.linalg.norm(np.concatenate([np.ravel(g) for g in grads]), ord=p))
    return [g * min(1, c / (np.linalg.norm(np.ravel(g), ord=p) + 1e-6)) for g in grads], total


def cg_after(grads, c, p=2.0):
    total = float(np.linalg.norm(np.concatenate([np.ravel(g) for g in grads]), ord=p))
    out = [g * min(1, c / (total + 1e-6)) for g in grads]
    return out, float(np.linalg.norm(np.concatenate([np.ravel(g) for g in out]), ord=p))


def cg_swapped(grads, c, p=2.0):
    total = float(np.linalg.norm(np.concatenate([np.ravel(g) for g in grads]), ord=p))
    return total, [g * min(1, c / (total + 1e-6)) for g in grads]


def cg_sum_norms(grads, c, p=2.0):
    total = sum(float(np.linalg.norm(np.ravel(g), ord=p)) for g in grads)
    return [g * min(1, c / (total + 1e-6)) for g in grads], total


def cg_ignore_p(grads, c, p=2.0):
    total = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    return [g * min(1, c / (total + 1e-6)) for g in grads], total


def cg_no_sqrt(grads, c, p=2.0):
    total = (
        float(sum(np.sum(np.abs(g) ** p) for g in grads))
        if p != np.inf
        else float(max(np.abs(g).max() for g in grads))
    )
    return [g * min(1, c / (total + 1e-6)) for g in grads], total


def cg_branch(grads, c, p=2.0):
    total = float(np.linalg.norm(np.concatenate([np.ravel(g) for g in grads]), ord=p))
    if total > c:
        return [g * (c / total) for g in grads], total
    return [g.copy() for g in grads], total


def cg_same_list(grads, c, p=2.0):
    total = float(np.linalg.norm(np.concatenate([np.ravel(g) for g in grads]), ord=p))
    coef = min(1, c / (total + 1e-6))
    return (grads if coef == 1 else [g * coef for g in grads]), total


def cg_array_norm(grads, c, p=2.0):
    total = np.linalg.norm(np.concatenate([np.ravel(g) for g in grads]), ord=p, keepdims=True)
    return [g * min(1, c / (float(total[0]) + 1e-6)) for g in grads], total


def _agc_student(grads, params, lam, eps, axis_fn, rule="correct"):
    out = []
    for g, w in zip(grads, params):
        ax = axis_fn(g)
        gn = np.sqrt(np.sum(g * g, axis=ax, keepdims=True))
        wn = np.sqrt(np.sum(w * w, axis=ax, keepdims=True))
        lim = lam * np.maximum(wn, eps)
        if rule == "min":
            out.append(g * np.minimum(lim / np.maximum(gn, 1e-6), 1.0))
        elif rule == "no floor":
            out.append(np.where(gn > lim, g * lim / gn, g))
        else:
            out.append(np.where(gn > lim, g * lim / np.maximum(gn, 1e-6), g))
    return out


def agc_last_axis(grads, params, clip_factor=0.01, eps=1e-3):
    return _agc_student(
        grads, params, clip_factor, eps, lambda g: tuple(range(g.ndim - 1)) if g.ndim > 1 else None
    )


def agc_axis1(grads, params, clip_factor=0.01, eps=1e-3):
    return _agc_student(grads, params, clip_factor, eps, lambda g: 1 if g.ndim > 1 else None)


def agc_min(grads, params, clip_factor=0.01, eps=1e-3):
    return _agc_student(
        grads,
        params,
        clip_factor,
        eps,
        lambda g: tuple(range(1, g.ndim)) if g.ndim > 1 else None,
        "min",
    )


def agc_whole(grads, params, clip_factor=0.01, eps=1e-3):
    return _agc_student(grads, params, clip_factor, eps, lambda g: None)


def agc_rank0(grads, params, clip_factor=0.01, eps=1e-3):
    return _agc_student(
        grads,
        params,
        clip_factor,
        eps,
        lambda g: tuple(range(1, g.ndim)) if g.shape[0] and g.ndim > 1 else None,
    )


def agc_no_gfloor(grads, params, clip_factor=0.01, eps=1e-3):
    return _agc_student(
        grads,
        params,
        clip_factor,
        eps,
        lambda g: tuple(range(1, g.ndim)) if g.ndim > 1 else None,
        "no floor",
    )


def agc_elementwise_bias(grads, params, clip_factor=0.01, eps=1e-3):
    return _agc_student(
        grads, params, clip_factor, eps, lambda g: tuple(range(1, g.ndim)) if g.ndim > 1 else ()
    )


def _pe(g, c, sigma, rng, how="ok"):
    g = np.asarray(g, float)
    B = g.shape[0]
    flat = g.reshape(B, -1)
    if how == "axis0":
        norms = np.linalg.norm(flat, axis=0)
        clipped = flat * np.minimum(1, c / (norms + 1e-6))
    else:
        norms = np.linalg.norm(flat, axis=1, keepdims=True)
        clipped = flat * np.minimum(1, c / (norms + 1e-6))
    s = clipped.sum(0).reshape(g.shape[1:])
    if sigma:
        if how == "np.random":
            s = s + np.random.normal(0, sigma * c, s.shape)
        elif how == "std sigma":
            s = s + rng.normal(0, sigma, s.shape)
        elif how == "after":
            return s / B + rng.normal(0, sigma * c, s.shape)
        else:
            s = s + rng.normal(0, sigma * c, s.shape)
    return s if how == "sum" else s / B


def pe_mean_first(g, c, sigma=0.0, rng=None):
    m = np.mean(g, axis=0)
    m = m * min(1, c / (np.linalg.norm(m) + 1e-6))
    return m + (rng.normal(0, sigma * c, m.shape) / len(g) if sigma else 0)


CASES = {  # checker -> [(wrong answer, word the hint should contain)]
    "check_numerical_gradient": [
        (ng_rows, "any shape"),
        (ng_atleast1d, "0-d"),
        (ng_mutate, "copy"),
        (ng_forward, "forward difference"),
        (ng_h_default, "step size h"),
        (ng_over_h, "2h"),
        (ng_list, "shape"),
    ],
    "check_linear_backward": [
        (lin_transposed_w, "grad_out.T @ x"),
        (lin_mean_b, "SUM"),
        (lin_keepdims, "keepdims"),
        (lin_wrong_order, "order"),
        (lin_axis1, "axis 0"),
        (lin_dict, "return grad_x"),
    ],
    "check_backprop_norms": [
        (bn_relu_ge, "a > 0"),
        (bn_tanh_a, "derivative"),
        (bn_no_deriv, "derivative"),
        (bn_reversed, "layer order"),
        (bn_squared, "squares"),
        (bn_no_input, "L + 1"),
        (bn_list_of_grads, "shape you return"),
    ],
    "check_clip_by_value": [
        (cv_loop_in_place, "new arrays"),
        (cv_swapped, "swapped"),
        (cv_only_upper, "upper"),
        (cv_map, "list"),
        (cv_float32, "float32"),
        (cv_no_copy, "new arrays"),
        (cv_by_norm, "by norm"),
    ],
    "check_clip_by_norm": [
        (cn_if, "1e-6"),
        (cn_if_eps, "always"),
        (cn_no_min, "scaled up"),
        (cn_linalg_flatten, "shape"),
        (cn_matrix_norm, "Euclidean"),
        (cn_in_place, "new array"),
        (cn_returns_same, "new array"),
        (cn_float32, "float32"),
        (cn_tf, "TensorFlow"),
    ],
    "check_clip_by_global_norm": [
        (cg_per_tensor, "SAME coefficient"),
        (cg_after, "BEFORE"),
        (cg_swapped, "order"),
        (cg_sum_norms, "sum of norms"),
        (cg_ignore_p, "norm_type"),
        (cg_no_sqrt, "square root"),
        (cg_branch, "1e-6"),
        (cg_same_list, "new arrays"),
    ],
    "check_adaptive_clip": [
        (agc_last_axis, "FIRST"),
        (agc_axis1, "axis 1 only"),
        (agc_min, "||G_i|| < limit"),
        (agc_whole, "unit-wise"),
        (agc_rank0, "rank-0"),
        (agc_no_gfloor, "1e-6"),
        (agc_elementwise_bias, "ONE unit"),
    ],
    "check_per_example_clip": [
        (lambda g, c, s=0.0, r=None: _pe(g, c, s, r, "axis0"), "axis 0"),
        (lambda g, c, s=0.0, r=None: _pe(g, c, s, r, "sum"), "batch size"),
        (lambda g, c, s=0.0, r=None: _pe(g, c, s, r, "np.random"), "rng"),
        (lambda g, c, s=0.0, r=None: _pe(g, c, s, r, "std sigma"), "sigma * C"),
        (lambda g, c, s=0.0, r=None: _pe(g, c, s, r, "after"), "SUM"),
        (pe_mean_first, "EACH example"),
    ],
}


def _adam(p, g, m, v, t, lr, b1, b2, eps, how="ok", v_max=None):
    if how == "m in place":
        m *= b1
        m += (1 - b1) * g
        m_new = m.copy()
    else:
        m_new = b1 * m + (1 - b1) * g
    if how == "v in place":
        v *= b2
        v += (1 - b2) * g**2
        v_new = v.copy()
    else:
        v_new = b2 * v + (1 - b2) * g**2
    tt = t - 1 if how == "t-1" else t
    m_hat, v_hat = m_new / (1 - b1**tt), v_new / (1 - b2**tt)
    if v_max is not None:
        new_max = np.maximum(v_max, v_hat if how == "max of hat" else v_new)
        v_hat = new_max if how == "max of hat" else new_max / (1 - b2**tt)
        if how == "vmax in place":
            np.maximum(v_max, v_new, out=v_max)
    if how == "no bias":
        m_hat, v_hat = m_new, v_new
    denom = np.sqrt(v_hat + eps) if how == "eps in sqrt" else np.sqrt(v_hat) + eps
    new = p - lr * m_hat / denom
    if how == "param in place":
        p -= lr * m_hat / denom
        new = p
    if how == "float32":
        new = new.astype(np.float32)
    if how == "returns hat":
        m_new, v_new = m_hat, v_hat
    out = (new, m_new, v_new)
    return out + (new_max,) if v_max is not None else out


def _adam_student(how):
    def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        return _adam(param, grad, m, v, t, lr, beta1, beta2, eps, how)

    return adam_step


def _ams_student(how):
    def amsgrad_step(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        return _adam(param, grad, m, v, t, lr, beta1, beta2, eps, how, v_max)

    return amsgrad_step


def adam_torch_float32(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    p = torch.tensor(param, dtype=torch.float32, requires_grad=True)
    opt = torch.optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps)
    opt.state[p] = {
        "step": torch.tensor(float(t - 1)),
        "exp_avg": torch.tensor(m).float(),
        "exp_avg_sq": torch.tensor(v).float(),
    }
    p.grad = torch.tensor(grad).float()
    opt.step()
    return p, opt.state[p]["exp_avg"], opt.state[p]["exp_avg_sq"]


def adamw_student(how):
    def adamw_step(
        param,
        grad,
        m,
        v,
        t,
        lr=1e-3,
        beta1=0.9,
        beta2=0.999,
        eps=1e-8,
        weight_decay=1e-2,
        decoupled=True,
    ):
        if how == "wd no lr" and decoupled:
            param = param * (1 - weight_decay)
        elif how == "always decoupled" or (decoupled and how != "always L2"):
            param = param - lr * weight_decay * param
        else:
            grad = grad + weight_decay * param
        new, m2, v2 = _adam(param, grad, m, v, t, lr, beta1, beta2, eps)
        if how == "decay after":
            new = new - lr * weight_decay * new + lr * weight_decay * param
        return new, m2, v2

    return adamw_step


CASES.update(
    {
        "check_adam_step": [
            (_adam_student("m in place"), "m"),
            (_adam_student("v in place"), "v *= beta2"),
            (_adam_student("t-1"), "beta**(t-1)"),
            (_adam_student("no bias"), "bias correction"),
            (_adam_student("eps in sqrt"), "outside the square root"),
            (_adam_student("param in place"), "param -= step"),
            (_adam_student("float32"), "float32"),
            (_adam_student("returns hat"), "raw moments"),
            (adam_torch_float32, "float32"),
        ],
        "check_amsgrad_step": [
            (_ams_student("max of hat"), "RAW v"),
            (_ams_student("vmax in place"), "v_max"),
            (_ams_student("no bias"), "bias correction"),
            (_ams_student("t-1"), "beta**(t-1)"),
        ],
        "check_adamw_step": [
            (adamw_student("wd no lr"), "learning rate"),
            (adamw_student("always L2"), "AdamW"),
            (adamw_student("always decoupled"), "L2 penalty"),
        ],
    }
)


def _train(kind):
    def train_step(model, loss_fn, optimizer, x, y, max_norm):
        if kind != "no zero_grad":
            optimizer.zero_grad()
        out = model(x)
        loss = loss_fn(out, y)
        if kind == "clip before backward":
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        loss.backward()
        if kind == "zero_grad after backward":
            optimizer.zero_grad()
        if kind != "clip before backward":
            p = float("inf") if kind == "inf" else 2.0
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm, norm_type=p)
        if kind == "value":
            torch.nn.utils.clip_grad_value_(model.parameters(), max_norm)
        optimizer.step()
        if kind == "swapped":
            return norm.item(), loss.item()
        if kind == "tensor":
            return loss, norm.float()
        return loss.item(), norm.item()

    return train_step


CASES["check_train_step"] = [
    (_train("no zero_grad"), "zero_grad"),
    (_train("clip before backward"), "after loss.backward"),
    (_train("swapped"), "order"),
    (_train("inf"), "L2"),
    (_train("tensor"), "float32"),
]


def test_rates(capsys):
    rejected = with_hint = total = 0
    report, misses = [], []
    for name, answers in CASES.items():
        n_rej = n_hint = 0
        for answer, word in answers:
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    getattr(checks, name)(answer)
            except AssertionError as error:
                n_rej += 1
                hint = str(error).partition("\nHint: ")[2]
                if word in hint:
                    n_hint += 1
                else:
                    misses.append(f"{name} / {word!r}: {str(error)!r}")
            else:
                misses.append(f"{name} / {word!r}: ACCEPTED")
        report.append(f"{name}: {n_rej}/{len(answers)} rejected, {n_hint} with the right hint")
        rejected, with_hint, total = rejected + n_rej, with_hint + n_hint, total + len(answers)
    with capsys.disabled():
        print("\n" + "\n".join(report + misses))
        print(f"rejected {rejected}/{total}, right hint {with_hint}/{rejected}")
    assert rejected == total, misses
    assert with_hint >= 0.9 * rejected, misses
