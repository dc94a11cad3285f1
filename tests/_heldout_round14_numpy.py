"""Round 14: simulated class answers (NumPy / torch-in-numpy) for the exercise checkers.

For every exercise function: 3 frequent mistakes, 3 mistakes of a weaker or hurried student, and
one correct answer in an unusual style. Every wrong answer has exactly one mistake, named in its
"# mistake:" line; everything else follows the task's contract.
"""

from __future__ import annotations

import math
from functools import reduce

import numpy as np
import torch

from _heldout import right, wrong

# ============================================================================================
# numerical_gradient(f, x, h=1e-5)
# ============================================================================================


@wrong(
    "check_numerical_gradient",
    "central difference",
    "forward difference",
    "one-sided",
    "f(x - h e_i)",
    "truncation error",
)
def ng_r14_forward(f, x, h=1e-5):
    # mistake: one-sided forward difference (f(x + h e_i) - f(x)) / h instead of the central
    # difference
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    f0 = f(x.copy())
    for idx in np.ndindex(x.shape):
        xp = x.copy()
        xp[idx] += h
        grad[idx] = (f(xp) - f0) / h
    return grad


@wrong(
    "check_numerical_gradient",
    "2h",
    "divide by 2h",
    "factor of 2",
    "central difference",
    "denominator",
)
def ng_r14_over_h(f, x, h=1e-5):
    # mistake: divides the central difference by h instead of 2h (gradient twice too large)
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        grad[idx] = (f(x + e) - f(x - e)) / h
    return grad


@wrong("check_numerical_gradient", "integer", "dtype", "float64", "astype", "integer array")
def ng_r14_intcopy(f, x, h=1e-5):
    # mistake: copies x without converting to float64, so for an integer x (np.arange(3)) the
    # step h is truncated away and the result is an integer array
    x = np.array(x)  # a copy, but keeps an integer dtype
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = f(x.copy())
        flat[i] = old - h
        f_minus = f(x.copy())
        flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2 * h)
    return grad


@wrong(
    "check_numerical_gradient",
    "x - h",
    "f(x - h e_i)",
    "half",
    "central difference",
    "perturbation",
)
def ng_r14_back_to_x(f, x, h=1e-5):
    # mistake: after evaluating f(x + h e_i) it subtracts only h (back to x, not x - h), so
    # the difference (f(x + h) - f(x)) / (2h) is about half the gradient
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xw = x.copy()
        xw[idx] += h
        f_plus = f(xw.copy())
        xw[idx] -= h
        f_minus = f(xw.copy())
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


@wrong("check_numerical_gradient", "any shape", "ndindex", "flatten", "ravel", "element", "shape")
def ng_r14_rows(f, x, h=1e-5):
    # mistake: loops over range(len(x)) and perturbs x[i], which for a 2-D x is a whole row
    # (and fails for a 0-d x) instead of one element
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in range(len(x)):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        grad[i] = (f(xp) - f(xm)) / (2 * h)
    return grad


@wrong(
    "check_numerical_gradient",
    "sign",
    "f(x + h) - f(x - h)",
    "order",
    "minus",
    "central difference",
)
def ng_r14_sign(f, x, h=1e-5):
    # mistake: swapped the two evaluations, (f(x - h e_i) - f(x + h e_i)) / (2h), so every
    # derivative has the wrong sign
    x = np.array(x, dtype=np.float64)
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        step[idx] = h
        grad[idx] = (f(x - step) - f(x + step)) / (2 * h)
    return grad


@right("check_numerical_gradient")
def ng_r14_ok(f, x, h=1e-5):
    # correct: rows of h * I are the perturbations, applied to the flattened point
    x = np.asarray(x, dtype=np.float64)
    flat = x.ravel()
    steps = np.eye(flat.size) * h

    def at(point):
        return float(f(point.reshape(x.shape)))

    estimates = [(at(flat + e) - at(flat - e)) / (2.0 * h) for e in steps]
    return np.array(estimates, dtype=np.float64).reshape(x.shape)


# ============================================================================================
# linear_backward(x, W, b, grad_out)
# ============================================================================================


@wrong("check_linear_backward", "transpose", "shape", "g^t x", "grad_w", "shape of w")
def lb_r14_wT(x, W, b, grad_out):
    # mistake: grad_W = x.T @ grad_out, the transpose (n, m) of G^T X instead of the (m, n) of W
    grad_x = grad_out @ W
    grad_W = x.T @ grad_out
    grad_b = grad_out.sum(axis=0)
    return grad_x, grad_W, grad_b


@wrong("check_linear_backward", "sum", "mean", "batch", "grad_b", "sum over the batch")
def lb_r14_bmean(x, W, b, grad_out):
    # mistake: grad_b averages the upstream gradient over the batch (mean) instead of summing it
    grad_x = np.dot(grad_out, W)
    grad_W = np.dot(grad_out.T, x)
    grad_b = np.mean(grad_out, axis=0)
    return grad_x, grad_W, grad_b


@wrong("check_linear_backward", "axis", "axis=0", "sum over the batch", "grad_b", "shape")
def lb_r14_baxis(x, W, b, grad_out):
    # mistake: grad_b sums over axis=1 (the outputs) instead of axis=0 (the batch)
    grad_x = grad_out @ W
    grad_W = grad_out.T @ x
    grad_b = grad_out.sum(axis=1)
    return grad_x, grad_W, grad_b


@wrong("check_linear_backward", "order", "return", "tuple", "grad_x", "(grad_x, grad_w, grad_b)")
def lb_r14_order(x, W, b, grad_out):
    # mistake: returns (grad_W, grad_x, grad_b) instead of (grad_x, grad_W, grad_b)
    dW = grad_out.T @ x
    dx = grad_out @ W
    db = grad_out.sum(axis=0)
    return dW, dx, db


@wrong("check_linear_backward", "keepdims", "shape", "grad_b", "shape of b", "(m,)")
def lb_r14_keepdims(x, W, b, grad_out):
    # mistake: grad_b = grad_out.sum(axis=0, keepdims=True) has shape (1, m) instead of b's
    # shape (m,)
    grad_x = grad_out @ W
    grad_W = grad_out.T @ x
    grad_b = grad_out.sum(axis=0, keepdims=True)
    return grad_x, grad_W, grad_b


@wrong(
    "check_linear_backward", "grad_out", "upstream gradient", "chain rule", "backward", "y.backward"
)
def lb_r14_torch_sum(x, W, b, grad_out):
    # mistake: lets torch differentiate Y.sum() instead of (G * Y).sum() (or Y.backward(G)),
    # so the upstream gradient G is ignored
    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    Wt = torch.tensor(np.asarray(W, dtype=np.float64), requires_grad=True)
    bt = torch.tensor(np.asarray(b, dtype=np.float64), requires_grad=True)
    Y = xt @ Wt.T + bt
    Y.sum().backward()
    return xt.grad.numpy().copy(), Wt.grad.numpy().copy(), bt.grad.numpy().copy()


@right("check_linear_backward")
def lb_r14_ok(x, W, b, grad_out):
    # correct: index notation, Y[i, j] = sum_k x[i, k] W[j, k] + b[j]
    G = np.asarray(grad_out, dtype=np.float64)
    grad_x = np.einsum("ij,jk->ik", G, np.asarray(W, dtype=np.float64))
    grad_W = np.einsum("ij,ik->jk", G, np.asarray(x, dtype=np.float64))
    grad_b = np.einsum("ij->j", G)
    return grad_x, grad_W, grad_b


# ============================================================================================
# backprop_norms(weights, x, grad_output, activation="tanh")
# ============================================================================================


def _bn_forward(weights, x, activation):
    """phi'(a_k) for k = 1..K (shared by several of the answers below)."""
    derivs = []
    h = np.asarray(x, dtype=np.float64)
    for W in weights:
        a = W @ h
        if activation == "tanh":
            h = np.tanh(a)
            derivs.append(1.0 - h**2)
        elif activation == "relu":
            h = np.maximum(a, 0.0)
            derivs.append((a > 0).astype(np.float64))
        elif activation == "linear":
            h = a
            derivs.append(np.ones_like(a))
        else:
            raise ValueError(activation)
    return derivs


@wrong("check_backprop_norms", "order", "reverse", "input first", "g_0", "[::-1]")
def bn_r14_outfirst(weights, x, grad_output, activation="tanh"):
    # mistake: returns the norms in the order they were computed, output first (||g_K||, ...,
    # ||g_0||), instead of input first
    derivs = _bn_forward(weights, x, activation)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.linalg.norm(g)]
    for W, d in zip(reversed(weights), reversed(derivs)):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms)


@wrong("check_backprop_norms", "tanh", "derivative", "1 - tanh^2", "pre-activation", "tanh(a)")
def bn_r14_tanh_of_a(weights, x, grad_output, activation="tanh"):
    # mistake: tanh'(a) computed as 1 - a**2 (pre-activation) instead of 1 - tanh(a)**2
    h = np.asarray(x, dtype=np.float64)
    derivs = []
    for W in weights:
        a = W @ h
        if activation == "tanh":
            h = np.tanh(a)
            derivs.append(1.0 - a**2)
        elif activation == "relu":
            h = np.maximum(a, 0.0)
            derivs.append((a > 0).astype(float))
        else:
            h = a
            derivs.append(np.ones_like(a))
    g = np.asarray(grad_output, dtype=np.float64)
    out = [np.linalg.norm(g)]
    for k in range(len(weights) - 1, -1, -1):
        g = weights[k].T @ (derivs[k] * g)
        out.append(np.linalg.norm(g))
    return np.array(out[::-1])


@wrong("check_backprop_norms", "transpose", "w^t", "w.t", "jacobian", "chain rule")
def bn_r14_noT(weights, x, grad_output, activation="tanh"):
    # mistake: back-propagates with W_k instead of its transpose W_k^T (g_{k-1} = W_k (phi' * g_k))
    derivs = _bn_forward(weights, x, activation)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [float(np.sqrt(np.sum(g**2)))]
    for W, d in zip(weights[::-1], derivs[::-1]):
        g = W @ (d * g)
        norms.insert(0, float(np.sqrt(np.sum(g**2))))
    return np.array(norms)


@wrong("check_backprop_norms", "k + 1", "grad_output", "g_k", "length", "include")
def bn_r14_no_gK(weights, x, grad_output, activation="tanh"):
    # mistake: never records ||g_K|| (the norm of grad_output itself), so it returns K norms
    # instead of K + 1
    derivs = _bn_forward(weights, x, activation)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = []
    for W, d in zip(reversed(weights), reversed(derivs)):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@wrong("check_backprop_norms", "linear", "activation", "identity", "derivative of 1", "elif")
def bn_r14_linear_as_tanh(weights, x, grad_output, activation="tanh"):
    # mistake: any activation other than "relu" falls into the tanh branch, so "linear" is
    # treated as tanh
    h = np.asarray(x, dtype=np.float64)
    derivs = []
    for W in weights:
        a = W @ h
        if activation == "relu":
            h = np.where(a > 0, a, 0.0)
            derivs.append(np.where(a > 0, 1.0, 0.0))
        else:
            h = np.tanh(a)
            derivs.append(1 - h * h)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.linalg.norm(g)]
    for W, d in zip(reversed(weights), reversed(derivs)):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@wrong("check_backprop_norms", "euclidean", "sqrt", "norm", "squared", "np.linalg.norm")
def bn_r14_squared(weights, x, grad_output, activation="tanh"):
    # mistake: records the squared norms sum(g**2) (no square root) instead of the Euclidean norms
    derivs = _bn_forward(weights, x, activation)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.sum(g**2)]
    for W, d in zip(reversed(weights), reversed(derivs)):
        g = W.T @ (d * g)
        norms.append(np.sum(g**2))
    return np.array(norms[::-1])


@right("check_backprop_norms")
def bn_r14_ok(weights, x, grad_output, activation="tanh"):
    # correct: recursion; each call does the forward step of one layer and returns the norms below
    phi = {
        "linear": (lambda a: a, lambda a, h: np.ones_like(a)),
        "tanh": (np.tanh, lambda a, h: 1.0 - h * h),
        "relu": (lambda a: np.maximum(a, 0.0), lambda a, h: (a > 0) * 1.0),
    }
    act, dact = phi[activation]

    def go(k, h):
        if k == len(weights):
            g = np.asarray(grad_output, dtype=np.float64)
            return g, [math.sqrt(float(g @ g))]
        a = weights[k] @ h
        h_next = act(a)
        g_next, norms = go(k + 1, h_next)
        g = weights[k].T @ (dact(a, h_next) * g_next)
        return g, [math.sqrt(float(g @ g))] + norms

    return np.array(go(0, np.asarray(x, dtype=np.float64))[1])


# ============================================================================================
# clip_by_value(grads, clip_value)
# ============================================================================================


@wrong("check_clip_by_value", "in place", "copy", "modify", "inputs unchanged", "out=")
def cv_r14_inplace(grads, clip_value):
    # mistake: clips in place (np.clip(..., out=g)), so the caller's gradient arrays are modified
    for g in grads:
        np.clip(g, -clip_value, clip_value, out=g)
    return list(grads)


@wrong("check_clip_by_value", "lower bound", "-c", "negative", "clamp", "interval")
def cv_r14_upper_only(grads, clip_value):
    # mistake: torch.clamp(max=c) only, the lower bound -c is missing (large negative elements
    # are kept)
    out = []
    for g in grads:
        t = torch.as_tensor(np.asarray(g, dtype=np.float64))
        out.append(torch.clamp(t, max=clip_value).numpy().copy())
    return out


@wrong("check_clip_by_value", "element-wise", "each element", "rescale", "direction", "np.clip")
def cv_r14_rescale(grads, clip_value):
    # mistake: rescales each array by min(1, c / max|g|) (like norm clipping with the max-
    # norm) instead of clipping each element to [-c, c]
    out = []
    for g in grads:
        g = np.asarray(g, dtype=np.float64)
        biggest = np.max(np.abs(g), initial=0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = min(1.0, clip_value / biggest)
        out.append(g * scale)
    return out


@wrong("check_clip_by_value", "list", "one per parameter", "shape", "concatenate", "per array")
def cv_r14_concat(grads, clip_value):
    # mistake: concatenates all gradients into one flat vector and returns [that vector
    # clipped] instead of one clipped array per input array
    flat = np.concatenate([np.ravel(g) for g in grads])
    return [np.clip(flat, -clip_value, clip_value)]


@wrong("check_clip_by_value", "nan", "nan stays nan", "fmin", "fmax", "propagate")
def cv_r14_fminmax(grads, clip_value):
    # mistake: np.fmax / np.fmin ignore NaN, so a NaN element becomes -c instead of staying NaN
    return [
        np.fmin(np.fmax(np.asarray(g, dtype=np.float64), -clip_value), clip_value) for g in grads
    ]


@wrong("check_clip_by_value", "bounds", "order", "a_min", "-c", "np.clip")
def cv_r14_swapped(grads, clip_value):
    # mistake: typo np.clip(g, c, -c) with the bounds swapped, which sets every element to -c
    return [np.clip(g, clip_value, -clip_value) for g in grads]


@right("check_clip_by_value")
def cv_r14_ok(grads, clip_value):
    # correct: a copy, then boolean masks (NaN compares False, so it stays NaN)
    out = []
    for g in grads:
        a = np.array(g, dtype=np.float64)
        a[a > clip_value] = clip_value
        a[a < -clip_value] = -clip_value
        out.append(a)
    return out


# ============================================================================================
# clip_by_norm(grad, max_norm)
# ============================================================================================


@wrong("check_clip_by_norm", "euclidean", "l2", "sqrt", "sum of squares", "l1")
def cn_r14_l1(grad, max_norm):
    # mistake: L1 norm sum(|g|) instead of the Euclidean norm
    norm = np.sum(np.abs(grad))
    return grad * min(max_norm / (norm + 1e-6), 1.0)


@wrong("check_clip_by_norm", "1e-6", "delta", "epsilon", "zero gradient", "division by zero")
def cn_r14_nodelta(grad, max_norm):
    # mistake: coefficient min(c / ||g||, 1) without the + 1e-6 (0/0 = NaN for a zero
    # gradient, and no shrink at ||g|| = c)
    norm = np.sqrt(np.sum(np.square(grad)))
    return grad * min(max_norm / norm, 1.0)


# Tag 'must not be scaled up' added on review (judged right: the hint's wording of 'never enlarge').
@wrong(
    "check_clip_by_norm",
    "min",
    "never enlarge",
    "enlarge",
    "only shrink",
    "coefficient",
    "must not be scaled up",
)
def cn_r14_nomin(grad, max_norm):
    # mistake: always rescales to norm c (no min with 1), so gradients smaller than c are enlarged
    g = np.asarray(grad, dtype=np.float64)
    return g * (max_norm / (np.linalg.norm(g.ravel()) + 1e-6))


@wrong("check_clip_by_norm", "frobenius", "flatten", "ravel", "spectral", "ord=2", "euclidean")
def cn_r14_spectral(grad, max_norm):
    # mistake: np.linalg.norm(grad, 2) on a matrix is the spectral norm (largest singular
    # value), not the Euclidean norm of all elements
    norm = np.linalg.norm(grad, 2)
    coef = min(max_norm / (norm + 1e-6), 1.0)
    return grad * coef


@wrong("check_clip_by_norm", "in place", "copy", "modify", "*=", "inputs unchanged")
def cn_r14_inplace(grad, max_norm):
    # mistake: scales the caller's array in place (grad *= coef) instead of returning a new array
    norm = np.sqrt(np.sum(grad * grad))
    grad *= min(max_norm / (norm + 1e-6), 1.0)
    return grad


@wrong("check_clip_by_norm", "1e-6", "delta", "epsilon", "constant", "1e-8")
def cn_r14_eps8(grad, max_norm):
    # mistake: misremembered delta, 1e-8 instead of torch's 1e-6
    norm = np.sqrt(np.sum(np.square(grad)))
    return grad * min(max_norm / (norm + 1e-8), 1.0)


@right("check_clip_by_norm")
def cn_r14_ok(grad, max_norm):
    # correct: exact sum of squares with math.fsum over Python floats
    g = np.asarray(grad, dtype=np.float64)
    norm = math.sqrt(math.fsum(v * v for v in g.ravel().tolist()))
    coef = max_norm / (norm + 1e-6)
    coef = min(coef, 1.0)  # min(nan, 1.0) keeps the NaN (first argument)
    with np.errstate(invalid="ignore"):
        return np.asarray(g * coef)


# ============================================================================================
# clip_by_global_norm(grads, max_norm, norm_type=2.0)
# ============================================================================================


def _cg_pnorm(a, p):
    a = np.ravel(np.asarray(a, dtype=np.float64))
    if p == np.inf:
        return float(np.max(np.abs(a), initial=0.0))
    return float(np.linalg.norm(a, ord=p)) if a.size else 0.0


@wrong(
    "check_clip_by_global_norm",
    "global",
    "one coefficient",
    "all gradients",
    "per-tensor",
    "joint norm",
)
def cg_r14_pertensor(grads, max_norm, norm_type=2.0):
    # mistake: scales each tensor by its own coefficient min(c / (||g_i|| + 1e-6), 1) instead
    # of one coefficient from the joint norm (the returned total norm is right)
    norms = [_cg_pnorm(g, norm_type) for g in grads]
    total = _cg_pnorm(np.array(norms), norm_type)
    clipped = [g * min(max_norm / (n + 1e-6), 1.0) for g, n in zip(grads, norms)]
    return clipped, total


@wrong(
    "check_clip_by_global_norm", "norm of norms", "sqrt", "sum of squares", "total norm", "p-norm"
)
def cg_r14_sumnorms(grads, max_norm, norm_type=2.0):
    # mistake: total norm = sum of the per-tensor norms instead of the p-norm of the vector of
    # per-tensor norms
    total = sum(_cg_pnorm(g, norm_type) for g in grads)
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [g * coef for g in grads], total


@wrong(
    "check_clip_by_global_norm",
    "before clipping",
    "total norm",
    "return",
    "original",
    "clipped norm",
)
def cg_r14_after(grads, max_norm, norm_type=2.0):
    # mistake: returns the total norm of the clipped gradients instead of the norm before clipping
    flat = np.concatenate([np.ravel(g) for g in grads])
    total = float(np.linalg.norm(flat, ord=norm_type))
    coef = min(max_norm / (total + 1e-6), 1.0)
    clipped = [g * coef for g in grads]
    after = float(np.linalg.norm(np.concatenate([np.ravel(g) for g in clipped]), ord=norm_type))
    return clipped, after


@wrong("check_clip_by_global_norm", "norm_type", "p-norm", "inf", "ord", "1-norm")
def cg_r14_ignore_p(grads, max_norm, norm_type=2.0):
    # mistake: ignores norm_type and always uses the Euclidean norm
    total = math.sqrt(sum(float(np.sum(np.square(g))) for g in grads))
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [g * coef for g in grads], total


@wrong("check_clip_by_global_norm", "inf", "max", "norm_type", "p = inf", "largest")
def cg_r14_generic_p(grads, max_norm, norm_type=2.0):
    # mistake: uses the formula (sum |g|^p)^(1/p) also for p = inf, where it gives 1 (or inf)
    # instead of the largest |g_ij|
    p = float(norm_type)
    with np.errstate(over="ignore"):
        s = sum(float(np.sum(np.abs(np.asarray(g, dtype=np.float64)) ** p)) for g in grads)
    total = s ** (1.0 / p)
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [g * coef for g in grads], total


@wrong("check_clip_by_global_norm", "nan", "min", "argument order", "propagate", "non-finite")
def cg_r14_nanmin(grads, max_norm, norm_type=2.0):
    # mistake: writes min(1.0, c / (N + 1e-6)); Python's min returns 1.0 when the coefficient
    # is NaN, so a NaN norm does not make every gradient NaN
    flat = np.concatenate([np.ravel(g) for g in grads])
    total = float(np.linalg.norm(flat, ord=norm_type))
    coef = min(1.0, max_norm / (total + 1e-6))
    return [g * coef for g in grads], total


@right("check_clip_by_global_norm")
def cg_r14_ok(grads, max_norm, norm_type=2.0):
    # correct: per-tensor p-norms folded with functools.reduce, NaN-aware
    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    p = float(norm_type)
    if p == math.inf:
        parts = [np.max(np.abs(a), initial=0.0) for a in arrays]
        total = float(reduce(np.maximum, parts, np.float64(0.0)))
    else:
        with np.errstate(over="ignore"):
            parts = [np.sum(np.abs(a) ** p) for a in arrays]
        total = float(reduce(np.add, parts, np.float64(0.0)) ** (1.0 / p))
    coef = max_norm / (total + 1e-6)
    if not math.isnan(coef):
        coef = min(coef, 1.0)
    with np.errstate(invalid="ignore"):
        return [a * coef for a in arrays], total


# ============================================================================================
# adaptive_clip(grads, params, clip_factor=0.01, eps=1e-3)
# ============================================================================================


def _agc(grads, params, clip_factor, eps, axes_of, floor_w=True, only_if_large=True):
    out = []
    for g, w in zip(grads, params):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        axes = axes_of(g.ndim)
        g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * (np.maximum(w_norm, eps) if floor_w else w_norm)
        ratio = limit / np.maximum(g_norm, 1e-6)
        scale = np.where(g_norm > limit, ratio, 1.0) if only_if_large else ratio
        with np.errstate(invalid="ignore"):
            out.append(g * scale)
    return out


@wrong("check_adaptive_clip", "axes", "output-first", "pytorch layout", "jax", "unit")
def ac_r14_jax(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: JAX/optax axes, reduces over all axes but the last (input-first layout) instead
    # of axes 1..ndim-1
    return _agc(
        grads, params, clip_factor, eps, lambda nd: tuple(range(nd - 1)) if nd > 1 else None
    )


@wrong("check_adaptive_clip", "unit-wise", "per unit", "rows", "axis", "keepdims")
def ac_r14_whole(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: one norm for the whole tensor instead of one norm per output unit (row / output
    # channel)
    out = []
    for g, w in zip(grads, params):
        gn, wn = np.linalg.norm(np.ravel(g)), np.linalg.norm(np.ravel(w))
        limit = clip_factor * max(wn, eps)
        if gn > limit:
            out.append(g * (limit / max(gn, 1e-6)))
        else:
            out.append(np.array(g, dtype=np.float64))
    return out


@wrong("check_adaptive_clip", "eps", "floor", "zero weights", "max(||w||, eps)", "omega")
def ac_r14_noeps(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: no floor on the weight norm, limit = clip_factor * ||W_i|| instead of
    # clip_factor * max(||W_i||, eps) (zero-initialised units get zero gradient)
    return _agc(
        grads,
        params,
        clip_factor,
        eps,
        lambda nd: tuple(range(1, nd)) if nd > 1 else None,
        floor_w=False,
    )


@wrong("check_adaptive_clip", "only if", "condition", "where", "enlarge", "otherwise")
def ac_r14_always(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: rescales every unit to the limit, dropping the condition ||G_i|| > limit, so
    # small unit gradients are enlarged
    return _agc(
        grads,
        params,
        clip_factor,
        eps,
        lambda nd: tuple(range(1, nd)) if nd > 1 else None,
        only_if_large=False,
    )


@wrong("check_adaptive_clip", "axes", "1..ndim-1", "conv", "all remaining axes", "axis=1")
def ac_r14_axis1(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: reduces over axis=1 only, so for a Conv weight (out, in, kh, kw) each (out, kh,
    # kw) slice is a unit instead of each output channel
    return _agc(grads, params, clip_factor, eps, lambda nd: 1 if nd > 1 else None)


@wrong("check_adaptive_clip", "bias", "rank 1", "single unit", "1-d", "whole tensor")
def ac_r14_bias_elems(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: axes = tuple(range(1, ndim)) also for rank-1 tensors, where it is () and every
    # bias element becomes its own unit instead of one unit
    out = []
    for g, w in zip(grads, params):
        axes = tuple(range(1, np.ndim(g)))
        g_norm = np.sqrt(np.sum(np.square(g), axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(np.square(w), axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(w_norm, eps)
        scale = np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0)
        out.append(g * scale)
    return out


@right("check_adaptive_clip")
def ac_r14_ok(grads, params, clip_factor=0.01, eps=1e-3):
    # correct: explicit loop over the units (rows of the (out, -1) reshape)
    out = []
    for g, w in zip(grads, params):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        units = g.shape[0] if g.ndim > 1 else 1
        per_unit = int(np.prod(g.shape)) // units if units else 0
        G, Wm = g.reshape(units, per_unit), w.reshape(units, per_unit)
        rows = []
        for gi, wi in zip(G, Wm):
            gn, wn = np.sqrt(gi @ gi), np.sqrt(wi @ wi)
            limit = clip_factor * np.maximum(wn, eps)
            if gn > limit:
                with np.errstate(invalid="ignore"):
                    rows.append(gi * (limit / max(gn, 1e-6)))
            else:
                rows.append(gi.copy())
        out.append(np.array(rows, dtype=np.float64).reshape(g.shape))
    return out


# ============================================================================================
# per_example_clip(per_example_grads, max_norm, noise_multiplier=0.0, rng=None)
# ============================================================================================


@wrong(
    "check_per_example_clip",
    "per-example",
    "each example",
    "mean gradient",
    "before averaging",
    "clip each",
)
def pe_r14_clipmean(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: clips the mean gradient once instead of clipping each example's gradient before
    # summing
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    mean = g.mean(axis=0)
    clipped = mean * min(1.0, max_norm / (np.sqrt(np.sum(mean**2)) + 1e-6))
    total = clipped * batch
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / batch


@wrong("check_per_example_clip", "average", "divide by b", "batch size", "sum", "mean")
def pe_r14_sum(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: returns the noisy sum, forgetting to divide by the batch size B
    g = np.asarray(per_example_grads, dtype=np.float64)
    norms = np.sqrt(np.sum(g.reshape(g.shape[0], -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(factors, g, axes=1)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total


@wrong(
    "check_per_example_clip",
    "noise scale",
    "sigma * c",
    "max_norm",
    "standard deviation",
    "noise_multiplier",
)
def pe_r14_sigma_only(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: noise standard deviation noise_multiplier instead of noise_multiplier * max_norm
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    total = np.zeros(g.shape[1:])
    for i in range(batch):
        n = np.linalg.norm(g[i].ravel())
        total = total + g[i] * np.minimum(1.0, max_norm / (n + 1e-6))
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier, size=total.shape)
    return total / batch


@wrong("check_per_example_clip", "noise", "divide", "order", "before dividing", "batch")
def pe_r14_noise_after(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: adds the noise after averaging, so it is not divided by B
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    mean = np.tensordot(factors, g, axes=1) / batch
    if noise_multiplier > 0:
        mean = mean + rng.normal(0.0, noise_multiplier * max_norm, size=mean.shape)
    return mean


@wrong(
    "check_per_example_clip", "flatten", "reshape", "all remaining axes", "per-example norm", "axis"
)
def pe_r14_lastaxis(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: norm over the last axis only (np.linalg.norm(..., axis=-1)) instead of over all
    # axes but the batch axis
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.linalg.norm(g, axis=-1, keepdims=True)
    total = np.sum(g * np.minimum(1.0, max_norm / (norms + 1e-6)), axis=0)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / batch


@wrong("check_per_example_clip", "standard deviation", "variance", "scale", "sigma * c", "squared")
def pe_r14_variance(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: passes the variance (noise_multiplier * max_norm)**2 as rng.normal's scale,
    # which is the standard deviation
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(factors, g, axes=1)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, (noise_multiplier * max_norm) ** 2, size=total.shape)
    return total / batch


@right("check_per_example_clip")
def pe_r14_ok(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # correct: torch tensors, one example at a time, noise from the NumPy rng
    g = torch.as_tensor(np.asarray(per_example_grads, dtype=np.float64))
    batch = g.shape[0]
    total = torch.zeros(g.shape[1:], dtype=torch.float64)
    for i in range(batch):
        norm = torch.linalg.vector_norm(g[i])
        factor = torch.clamp(max_norm / (norm + 1e-6), max=1.0)
        total = total + g[i] * factor
    out = total.numpy().copy()
    if noise_multiplier > 0:
        out = out + rng.normal(0.0, noise_multiplier * max_norm, size=out.shape)
    return np.asarray(out / batch)


# ============================================================================================
# adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
# ============================================================================================


@wrong("check_adam_step", "bias correction", "1 - beta1**t", "m_hat", "v_hat", "beta**t")
def adam_r14_nobias(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: no bias correction, divides the raw m_t by sqrt(v_t) + eps
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return param - lr * m / (np.sqrt(v) + eps), m, v


@wrong(
    "check_adam_step", "eps", "sqrt", "outside the square root", "denominator", "sqrt(v_hat) + eps"
)
def adam_r14_eps_in_sqrt(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: eps inside the square root, sqrt(v_hat + eps) instead of sqrt(v_hat) + eps
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / np.sqrt(v_hat + eps), m, v


@wrong("check_adam_step", "raw moments", "m_hat", "return", "state", "bias-corrected")
def adam_r14_hat_state(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: returns the bias-corrected moments m_hat, v_hat as the new state instead of the
    # raw m_t, v_t
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m_new / (1 - beta1**t)
    v_hat = v_new / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat


@wrong("check_adam_step", "square", "grad**2", "g_t^2", "second moment", "squared gradient")
def adam_r14_nosquare(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: the second moment averages grad instead of grad**2 (the square is forgotten)
    def ema(old, new, beta):
        return beta * old + (1 - beta) * new

    m = ema(m, grad, beta1)
    v = ema(v, grad, beta2)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adam_step", "in place", "copy", "modify", "inputs", "*=")
def adam_r14_inplace(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: updates the caller's m and v in place (m *= beta1; m += ...), so the input
    # arrays are modified
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad * grad
    step = lr / (1 - beta1**t)
    denom = np.sqrt(v) / math.sqrt(1 - beta2**t) + eps
    return param - step * m / denom, m, v


@wrong(
    "check_adam_step", "eps", "keras", "bias correction", "sqrt(1 - beta2**t)", "epsilon placement"
)
def adam_r14_keras_eps(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: Keras convention, eps added to sqrt(v_t) before the bias correction (lr_t = lr
    # * sqrt(1 - beta2**t) / (1 - beta1**t); m / (sqrt(v) + eps)) instead of torch's
    # sqrt(v_hat) + eps
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    lr_t = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
    return param - lr_t * m / (np.sqrt(v) + eps), m, v


@right("check_adam_step")
def adam_r14_ok(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # correct: torch.optim.Adam itself, its state set to (t - 1, m, v), one optimizer.step()
    p = torch.nn.Parameter(torch.tensor(np.array(param, dtype=np.float64)))
    opt = torch.optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps, foreach=False)
    p.grad = torch.tensor(np.array(grad, dtype=np.float64))
    exp_avg = torch.tensor(np.array(m, dtype=np.float64))
    exp_avg_sq = torch.tensor(np.array(v, dtype=np.float64))
    opt.state[p] = {
        "step": torch.tensor(float(t - 1)),
        "exp_avg": exp_avg,
        "exp_avg_sq": exp_avg_sq,
    }
    with torch.no_grad():
        opt.step()
    return p.detach().numpy().copy(), exp_avg.numpy().copy(), exp_avg_sq.numpy().copy()


# ============================================================================================
# amsgrad_step(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
# ============================================================================================


@wrong(
    "check_amsgrad_step", "raw", "bias-corrected", "optax", "maximum of v", "before bias correction"
)
def ams_r14_optax(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: optax-style, takes the maximum of the bias-corrected v_hat_t (and stores it)
    # instead of the maximum of the raw v_t, bias-corrected afterwards
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_hat = v / (1 - beta2**t)
    v_max = np.maximum(v_max, v_hat)
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v_max) + eps), m, v, v_max


@wrong("check_amsgrad_step", "v_max", "denominator", "running maximum", "normalise", "amsgrad")
def ams_r14_uses_v(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: updates v_max but still divides by sqrt(v_t) (plain Adam) instead of sqrt(v_max)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**t)
    denom = np.sqrt(v / (1 - beta2**t)) + eps
    return param - lr * m_hat / denom, m, v, v_max


@wrong("check_amsgrad_step", "bias correction", "1 - beta2**t", "v_max", "sqrt", "correct v_max")
def ams_r14_nocorr_vmax(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: v_max is not bias-corrected in the denominator, sqrt(v_max) + eps instead of
    # sqrt(v_max / (1 - beta2**t)) + eps
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v_max) + eps), m, v, v_max


@wrong("check_amsgrad_step", "step count", "off by one", "bias correction", "t = 1", "beta**t")
def ams_r14_t_plus1(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: treats t as 0-based and bias-corrects with beta**(t + 1) instead of beta**t
    step = t + 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**step)
    denom = np.sqrt(v_max / (1 - beta2**step)) + eps
    return param - lr * m_hat / denom, m, v, v_max


@wrong("check_amsgrad_step", "return order", "new_v_max", "tuple", "new_v", "order")
def ams_r14_swap_return(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: returns (new_param, new_m, new_v_max, new_v) instead of (new_param, new_m,
    # new_v, new_v_max)
    new_m = beta1 * m + (1 - beta1) * grad
    new_v = beta2 * v + (1 - beta2) * grad * grad
    new_v_max = np.maximum(v_max, new_v)
    m_hat = new_m / (1 - beta1**t)
    denom = np.sqrt(new_v_max / (1 - beta2**t)) + eps
    return param - lr * m_hat / denom, new_m, new_v_max, new_v


@wrong("check_amsgrad_step", "in place", "out=", "modify", "copy", "inputs")
def ams_r14_inplace(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: np.maximum(v_max, v, out=v_max) overwrites the caller's v_max array
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    np.maximum(v_max, v, out=v_max)
    m_hat = m / (1 - beta1**t)
    denom = np.sqrt(v_max / (1 - beta2**t)) + eps
    return param - lr * m_hat / denom, m, v, v_max


@right("check_amsgrad_step")
def ams_r14_ok(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # correct: element by element with Python floats (nditer over the flattened arrays)
    p = np.asarray(param, dtype=np.float64)
    shape = p.shape
    bc1, bc2 = 1.0 - beta1**t, math.sqrt(1.0 - beta2**t)
    out = [[], [], [], []]
    for pi, gi, mi, vi, wi in zip(
        *(np.asarray(a, dtype=np.float64).ravel().tolist() for a in (param, grad, m, v, v_max))
    ):
        mi = beta1 * mi + (1.0 - beta1) * gi
        vi = beta2 * vi + (1.0 - beta2) * gi * gi
        wi = float(np.maximum(wi, vi))  # NaN-propagating, like torch.maximum
        pi = pi - (lr / bc1) * mi / (math.sqrt(wi) / bc2 + eps)
        for lst, val in zip(out, (pi, mi, vi, wi)):
            lst.append(val)
    return tuple(np.array(lst, dtype=np.float64).reshape(shape) for lst in out)


# ============================================================================================
# adamw_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
#            weight_decay=1e-2, decoupled=True)
# ============================================================================================


def _adam_core(param, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adamw_step", "lr", "learning rate", "1 - lr * weight_decay", "decay", "decoupled")
def aw_r14_nolr(
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
    # mistake: decoupled decay theta * (1 - weight_decay) without the learning rate (torch
    # uses 1 - lr * weight_decay)
    if decoupled:
        param = param * (1 - weight_decay)
    else:
        grad = grad + weight_decay * param
    return _adam_core(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong(
    "check_adamw_step", "order", "before the adam step", "decay first", "theta_{t-1}", "decoupled"
)
def aw_r14_after(
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
    # mistake: applies the decoupled decay to the parameters after the Adam step instead of to
    # theta_{t-1} before it
    if not decoupled:
        grad = grad + weight_decay * param
    new_param, m, v = _adam_core(param, grad, m, v, t, lr, beta1, beta2, eps)
    if decoupled:
        new_param = new_param * (1 - lr * weight_decay)
    return new_param, m, v


@wrong(
    "check_adamw_step",
    "l2 penalty",
    "both moments",
    "second moment",
    "v_t",
    "g + weight_decay * param",
)
def aw_r14_l2_m_only(
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
    # mistake: with the L2 penalty the term weight_decay * param is added to the gradient of m
    # only; v still uses the plain gradient
    g_m = grad
    if decoupled:
        param = param * (1 - lr * weight_decay)
    else:
        g_m = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * g_m
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adamw_step", "decoupled", "l2 penalty", "swap", "branch", "adamw")
def aw_r14_branches_swapped(
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
    # mistake: the two branches are swapped, decoupled=True adds the L2 penalty to the
    # gradient and decoupled=False shrinks the weights
    if not decoupled:
        param = param * (1 - lr * weight_decay)
    else:
        grad = grad + weight_decay * param
    return _adam_core(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong("check_adamw_step", "param", "theta", "lambda * theta", "l2 penalty", "wrong variable")
def aw_r14_l2_grad(
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
    # mistake: typo in the L2 branch, grad + weight_decay * grad instead of grad +
    # weight_decay * param
    if decoupled:
        param = param * (1 - lr * weight_decay)
    else:
        grad = grad + weight_decay * grad
    return _adam_core(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong("check_adamw_step", "decay", "unused", "decayed", "variable", "weight decay")
def aw_r14_decay_unused(
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
    # mistake: computes the decayed weights into a new variable but takes the Adam step from
    # the undecayed param, so decoupled decay has no effect
    if decoupled:
        decayed = param * (1 - lr * weight_decay)  # noqa: F841 (never used)
    else:
        grad = grad + weight_decay * param
    return _adam_core(param, grad, m, v, t, lr, beta1, beta2, eps)


@right("check_adamw_step")
def aw_r14_ok(
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
    # correct: the paper's form, theta - lr * (update + weight_decay * theta), for decoupled decay
    param = np.asarray(param, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + (0.0 if decoupled else weight_decay * param)
    m = beta1 * np.asarray(m, dtype=np.float64) + (1 - beta1) * g
    v = beta2 * np.asarray(v, dtype=np.float64) + (1 - beta2) * np.square(g)
    update = (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    if decoupled:
        return param - lr * (update + weight_decay * param), m, v
    return param - lr * update, m, v
