"""Round 12: the most common first-year mistakes, one per answer, plus one correct answer per
function in an unusual style. Each wrong answer is runnable and otherwise follows the solution."""

from __future__ import annotations

import math

import numpy as np

from _heldout import right, wrong

# =============================================================================================
# numerical_gradient(f, x, h=1e-5)
# =============================================================================================


@wrong(
    "check_numerical_gradient",
    "central difference",
    "one-sided",
    "forward difference",
    "f(x - h",
    "2h",
)
def ng_r12_forward(f, x, h=1e-5):
    # mistake: one-sided (forward) difference (f(x + h) - f(x)) / h instead of the central one
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x + step) - f(x)) / h
    return grad


@wrong("check_numerical_gradient", "2h", "2 * h", "divide by 2h", "factor of 2", "twice")
def ng_r12_div_h(f, x, h=1e-5):
    # mistake: divides the central difference by h instead of 2h
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / h
    return grad


@wrong(
    "check_numerical_gradient",
    "sign",
    "f(x + h) - f(x - h)",
    "order of the difference",
    "negated",
    "minus",
)
def ng_r12_sign(f, x, h=1e-5):
    # mistake: the difference is taken the wrong way round, f(x - h) - f(x + h)
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x - step) - f(x + step)) / (2 * h)
    return grad


@wrong(
    "check_numerical_gradient",
    "restore",
    "original value",
    "in place",
    "modifies x",
    "copy",
    "reset",
)
def ng_r12_no_restore(f, x, h=1e-5):
    # mistake: perturbs the caller's x in place and never restores x[i] afterwards
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros_like(x)
    flat = x.reshape(-1)
    flat_grad = grad.reshape(-1)
    for i in range(flat.size):
        flat[i] += h
        f_plus = f(x)
        flat[i] -= 2 * h
        f_minus = f(x)
        flat_grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


@wrong("check_numerical_gradient", "float64", "dtype", "integer", "zeros_like", "astype(float)")
def ng_r12_int_dtype(f, x, h=1e-5):
    # mistake: np.zeros_like(x) on the original x, so an integer x gives a truncated int gradient
    grad = np.zeros_like(x)
    xf = np.array(x, dtype=np.float64)
    for index in np.ndindex(xf.shape):
        step = np.zeros_like(xf)
        step[index] = h
        grad[index] = (f(xf + step) - f(xf - step)) / (2 * h)
    return grad


@wrong("check_numerical_gradient", "shape", "reshape", "same shape as x", "ravel", "flatten")
def ng_r12_flat(f, x, h=1e-5):
    # mistake: returns the flattened gradient instead of an array with the shape of x
    x = np.array(x, dtype=np.float64)
    flat = x.ravel()
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        step = np.zeros(flat.size)
        step[i] = h
        grad[i] = (f((flat + step).reshape(x.shape)) - f((flat - step).reshape(x.shape))) / (2 * h)
    return grad


@right("check_numerical_gradient")
def ng_r12_ok_basis(f, x, h=1e-5):
    # correct: perturbations taken from a scaled identity basis, one row per coordinate
    x = np.array(x, dtype=np.float64)
    basis = (np.eye(x.size) * h).reshape((x.size,) + x.shape)
    values = [(float(f(x + e)) - float(f(x - e))) / (2.0 * h) for e in basis]
    return np.array(values, dtype=np.float64).reshape(x.shape)


# =============================================================================================
# linear_backward(x, W, b, grad_out)
# =============================================================================================


@wrong("check_linear_backward", "transpose", "grad_out @ w", "w.t", "shape of x", "g w")
def lb_r12_wT(x, W, b, grad_out):
    # mistake: grad_x = grad_out @ W.T instead of grad_out @ W
    grad_x = grad_out @ W.T
    grad_W = grad_out.T @ x
    grad_b = grad_out.sum(axis=0)
    return grad_x, grad_W, grad_b


@wrong("check_linear_backward", "transpose", "grad_out.t @ x", "shape of w", "(m, n)", "g^t x")
def lb_r12_gW_transposed(x, W, b, grad_out):
    # mistake: grad_W = x.T @ grad_out, the transpose of G^T X (shape (n, m), not W's)
    grad_x = grad_out @ W
    grad_W = x.T @ grad_out
    grad_b = grad_out.sum(axis=0)
    return grad_x, grad_W, grad_b


@wrong("check_linear_backward", "axis=0", "sum over the batch", "axis", "shape of b", "rows")
def lb_r12_b_axis1(x, W, b, grad_out):
    # mistake: bias gradient summed over axis=1 instead of over the batch (axis=0)
    grad_x = grad_out @ W
    grad_W = grad_out.T @ x
    grad_b = grad_out.sum(axis=1)
    return grad_x, grad_W, grad_b


@wrong("check_linear_backward", "sum", "not the mean", "mean", "batch size", "sum over the batch")
def lb_r12_b_mean(x, W, b, grad_out):
    # mistake: bias gradient is the mean over the batch instead of the sum
    grad_x = grad_out @ W
    grad_W = grad_out.T @ x
    grad_b = grad_out.mean(axis=0)
    return grad_x, grad_W, grad_b


@wrong("check_linear_backward", "axis=0", "scalar", "shape of b", "sum over all elements", "axis")
def lb_r12_b_total(x, W, b, grad_out):
    # mistake: bias gradient summed over every element (a scalar) instead of over axis 0
    grad_x = grad_out @ W
    grad_W = grad_out.T @ x
    grad_b = grad_out.sum()
    return grad_x, grad_W, grad_b


@wrong(
    "check_linear_backward",
    "order",
    "(grad_x, grad_w, grad_b)",
    "return order",
    "swapped",
    "return",
)
def lb_r12_order(x, W, b, grad_out):
    # mistake: returns (grad_W, grad_x, grad_b) instead of (grad_x, grad_W, grad_b)
    grad_x = grad_out @ W
    grad_W = grad_out.T @ x
    grad_b = grad_out.sum(axis=0)
    return grad_W, grad_x, grad_b


@right("check_linear_backward")
def lb_r12_ok_einsum(x, W, b, grad_out):
    # correct: the three contractions written out with einsum
    G = np.asarray(grad_out, dtype=np.float64)
    X = np.asarray(x, dtype=np.float64)
    Wf = np.asarray(W, dtype=np.float64)
    return (np.einsum("bm,mn->bn", G, Wf), np.einsum("bm,bn->mn", G, X), np.einsum("bm->m", G))


# =============================================================================================
# backprop_norms(weights, x, grad_output, activation="tanh")
# =============================================================================================


def _forward_derivs(weights, x, activation):
    derivatives = []
    h = np.asarray(x, dtype=np.float64)
    for W in weights:
        a = W @ h
        if activation == "tanh":
            h = np.tanh(a)
            derivatives.append(1.0 - h**2)
        elif activation == "relu":
            h = np.maximum(a, 0.0)
            derivatives.append((a > 0).astype(np.float64))
        elif activation == "linear":
            h = a
            derivatives.append(np.ones_like(a))
        else:
            raise ValueError(f"unknown activation {activation!r}")
    return derivatives


@wrong(
    "check_backprop_norms", "derivative", "phi'", "activation derivative", "chain rule", "1 - tanh"
)
def bn_r12_no_deriv(weights, x, grad_output, activation="tanh"):
    # mistake: the backward recursion leaves out phi'(a_k): g = W.T @ g
    h = np.asarray(x, dtype=np.float64)
    for W in weights:
        a = W @ h
        if activation == "tanh":
            h = np.tanh(a)
        elif activation == "relu":
            h = np.maximum(a, 0.0)
        else:
            h = a
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.linalg.norm(g)]
    for W in reversed(weights):
        g = W.T @ g
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@wrong("check_backprop_norms", "transpose", "w.t", "w_k^t", "shape", "w.t @")
def bn_r12_no_transpose(weights, x, grad_output, activation="tanh"):
    # mistake: multiplies by W_k instead of W_k^T in the backward recursion
    derivatives = _forward_derivs(weights, x, activation)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.linalg.norm(g)]
    for W, d in zip(reversed(weights), reversed(derivatives)):
        g = W @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@wrong(
    "check_backprop_norms", "1 - tanh**2", "tanh(a)", "derivative of tanh", "np.tanh", "1 - a**2"
)
def bn_r12_tanh_of_a(weights, x, grad_output, activation="tanh"):
    # mistake: tanh derivative written as 1 - a**2 instead of 1 - tanh(a)**2
    derivatives = []
    h = np.asarray(x, dtype=np.float64)
    for W in weights:
        a = W @ h
        if activation == "tanh":
            h = np.tanh(a)
            derivatives.append(1.0 - a**2)
        elif activation == "relu":
            h = np.maximum(a, 0.0)
            derivatives.append((a > 0).astype(np.float64))
        elif activation == "linear":
            h = a
            derivatives.append(np.ones_like(a))
        else:
            raise ValueError(f"unknown activation {activation!r}")
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.linalg.norm(g)]
    for W, d in zip(reversed(weights), reversed(derivatives)):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@wrong("check_backprop_norms", "input first", "reverse", "order", "[::-1]", "g_0 first")
def bn_r12_output_first(weights, x, grad_output, activation="tanh"):
    # mistake: forgets to reverse the list, so the norms come output first
    derivatives = _forward_derivs(weights, x, activation)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.linalg.norm(g)]
    for W, d in zip(reversed(weights), reversed(derivatives)):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms)


@wrong(
    "check_backprop_norms", "euclidean", "sqrt", "squared norm", "np.linalg.norm", "sum of squares"
)
def bn_r12_squared(weights, x, grad_output, activation="tanh"):
    # mistake: records the squared norm (sum of squares, no square root)
    derivatives = _forward_derivs(weights, x, activation)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.sum(g**2)]
    for W, d in zip(reversed(weights), reversed(derivatives)):
        g = W.T @ (d * g)
        norms.append(np.sum(g**2))
    return np.array(norms[::-1])


# Tag "the output's is missing" added on review (judged right: the hint names the missing g_K).
@wrong(
    "check_backprop_norms",
    "k + 1",
    "grad_output",
    "g_k",
    "number of norms",
    "include the output",
    "the output's is missing",
)
def bn_r12_missing_gK(weights, x, grad_output, activation="tanh"):
    # mistake: only the K norms computed in the loop; the norm of grad_output (g_K) is missing
    derivatives = _forward_derivs(weights, x, activation)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = []
    for W, d in zip(reversed(weights), reversed(derivatives)):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@right("check_backprop_norms")
def bn_r12_ok_table(weights, x, grad_output, activation="tanh"):
    # correct: table of (phi, phi') pairs, backward pass by prepending to a list
    table = {
        "linear": (lambda a: a, lambda a: np.ones_like(a)),
        "tanh": (np.tanh, lambda a: 1.0 - np.tanh(a) ** 2),
        "relu": (lambda a: np.maximum(a, 0.0), lambda a: (a > 0) * 1.0),
    }
    if activation not in table:
        raise ValueError(f"unknown activation {activation!r}")
    phi, dphi = table[activation]
    pre = []
    h = np.asarray(x, dtype=np.float64)
    for W in weights:
        pre.append(np.asarray(W, dtype=np.float64) @ h)
        h = phi(pre[-1])
    g = np.asarray(grad_output, dtype=np.float64)
    out = [math.sqrt(float(g @ g))]
    for W, a in zip(weights[::-1], pre[::-1]):
        g = np.asarray(W, dtype=np.float64).T @ (dphi(a) * g)
        out.insert(0, math.sqrt(float(g @ g)))
    return np.array(out)


# =============================================================================================
# clip_by_value(grads, clip_value)
# =============================================================================================


@wrong("check_clip_by_value", "in place", "out=", "copy", "modifies the input", "new list")
def cv_r12_inplace(grads, clip_value):
    # mistake: clips in place with out=g, so the caller's arrays are changed
    return [np.clip(g, -clip_value, clip_value, out=g) for g in grads]


@wrong("check_clip_by_value", "-clip_value", "negative", "lower bound", "[-c, c]", "symmetric")
def cv_r12_lower_zero(grads, clip_value):
    # mistake: lower bound 0 instead of -clip_value, so negative elements become 0
    return [np.clip(g, 0, clip_value) for g in grads]


@wrong(
    "check_clip_by_value",
    "swapped",
    "np.clip(g, -c, c)",
    "a_min",
    "lower bound",
    "order of the bounds",
)
def cv_r12_bounds_swapped(grads, clip_value):
    # mistake: bounds passed the wrong way round, np.clip(g, c, -c)
    return [np.clip(g, clip_value, -clip_value) for g in grads]


@wrong("check_clip_by_value", "sign", "abs", "negative", "np.sign", "keep the sign")
def cv_r12_abs(grads, clip_value):
    # mistake: clips |g| and loses the sign of negative elements
    return [np.minimum(np.abs(g), clip_value) for g in grads]


@wrong(
    "check_clip_by_value",
    "list",
    "each array",
    "for g in grads",
    "one per parameter",
    "return a list",
)
def cv_r12_whole_list(grads, clip_value):
    # mistake: np.clip on the whole list at once, returning one stacked array instead of a list
    return np.clip(grads, -clip_value, clip_value)


@wrong(
    "check_clip_by_value", "return", "clipped", "wrong variable", "new list", "return the clipped"
)
def cv_r12_returns_input(grads, clip_value):
    # mistake: builds the clipped list but returns the original grads
    clipped = [np.clip(g, -clip_value, clip_value) for g in grads]  # noqa: F841 (the mistake)
    return grads


@right("check_clip_by_value")
def cv_r12_ok_where(grads, clip_value):
    # correct: replace large magnitudes by sign * c with np.where (NaN fails the test, stays NaN)
    out = []
    for g in grads:
        g = np.asarray(g, dtype=np.float64)
        out.append(np.where(np.abs(g) > clip_value, np.sign(g) * clip_value, g))
    return out


# =============================================================================================
# clip_by_norm(grad, max_norm)
# =============================================================================================


@wrong("check_clip_by_norm", "euclidean", "l2", "sqrt", "sum of squares", "np.abs")
def cn_r12_l1(grad, max_norm):
    # mistake: L1 norm (sum of absolute values) instead of the Euclidean norm
    norm = np.sum(np.abs(grad))
    return grad * min(max_norm / (norm + 1e-6), 1.0)


# Tag 'must not be scaled up' added on review (judged right: the hint's wording of 'never enlarge').
@wrong(
    "check_clip_by_norm",
    "min",
    "1.0",
    "never enlarge",
    "only shrink",
    "min(..., 1)",
    "must not be scaled up",
)
def cn_r12_no_min(grad, max_norm):
    # mistake: forgets min(..., 1), so small gradients are scaled up to norm c
    norm = np.sqrt(np.sum(np.square(grad)))
    return grad * (max_norm / (norm + 1e-6))


@wrong("check_clip_by_norm", "1e-6", "delta", "epsilon", "zero gradient", "division by zero")
def cn_r12_no_delta(grad, max_norm):
    # mistake: leaves out torch's delta = 1e-6 in the denominator
    norm = np.sqrt(np.sum(np.square(grad)))
    return grad * min(max_norm / norm, 1.0)


@wrong(
    "check_clip_by_norm",
    "parentheses",
    "norm + 1e-6",
    "denominator",
    "(norm + delta)",
    "precedence",
)
def cn_r12_precedence(grad, max_norm):
    # mistake: missing parentheses, max_norm / norm + 1e-6 instead of max_norm / (norm + 1e-6)
    norm = np.sqrt(np.sum(np.square(grad)))
    return grad * min(max_norm / norm + 1e-6, 1.0)


@wrong("check_clip_by_norm", "sqrt", "euclidean", "np.sqrt", "sum of squares", "squared norm")
def cn_r12_squared(grad, max_norm):
    # mistake: uses the sum of squares (squared norm) without the square root
    norm = np.sum(np.square(grad))
    return grad * min(max_norm / (norm + 1e-6), 1.0)


# Tag 'singular value' added on review (judged right: the hint names the spectral norm).
@wrong(
    "check_clip_by_norm", "ord=2", "spectral", "flatten", "ravel", "matrix norm", "singular value"
)
def cn_r12_ord2(grad, max_norm):
    # mistake: np.linalg.norm(grad, ord=2) on a matrix is the spectral norm, not the Euclidean one
    norm = np.linalg.norm(grad, ord=2) if np.ndim(grad) == 2 else np.linalg.norm(grad)
    return grad * min(max_norm / (norm + 1e-6), 1.0)


@right("check_clip_by_norm")
def cn_r12_ok_vdot(grad, max_norm):
    # correct: norm from vdot of the flattened array, coefficient via np.minimum
    g = np.asarray(grad, dtype=np.float64)
    flat = g.ravel()
    with np.errstate(invalid="ignore", over="ignore"):
        norm = np.sqrt(np.vdot(flat, flat))
        coef = np.minimum(max_norm / (norm + 1e-6), 1.0)
        return np.asarray(g * coef)


# =============================================================================================
# clip_by_global_norm(grads, max_norm, norm_type=2.0)
# =============================================================================================


@wrong("check_clip_by_global_norm", "norm_type", "p-norm", "ord=norm_type", "np.inf", "1-norm")
def gn_r12_ignores_p(grads, max_norm, norm_type=2.0):
    # mistake: always the Euclidean norm; norm_type is ignored
    flat = np.concatenate([np.ravel(g) for g in grads])
    total_norm = float(np.linalg.norm(flat))
    coef = min(max_norm / (total_norm + 1e-6), 1.0)
    return [g * coef for g in grads], total_norm


@wrong(
    "check_clip_by_global_norm",
    "sum of norms",
    "norm of the norms",
    "sqrt",
    "joint norm",
    "concatenate",
)
def gn_r12_sum_of_norms(grads, max_norm, norm_type=2.0):
    # mistake: total norm is the plain sum of the per-tensor norms, not the norm of them
    norms = [np.linalg.norm(np.ravel(g), ord=norm_type) for g in grads]
    total_norm = float(np.sum(norms))
    coef = min(max_norm / (total_norm + 1e-6), 1.0)
    return [g * coef for g in grads], total_norm


@wrong(
    "check_clip_by_global_norm",
    "same coefficient",
    "one coefficient",
    "global",
    "per-tensor",
    "all gradients together",
)
def gn_r12_per_tensor(grads, max_norm, norm_type=2.0):
    # mistake: each tensor is clipped by its own norm instead of one coefficient from the total
    flat = np.concatenate([np.ravel(g) for g in grads])
    total_norm = float(np.linalg.norm(flat, ord=norm_type))
    clipped = []
    for g in grads:
        n = np.linalg.norm(np.ravel(g), ord=norm_type)
        clipped.append(g * min(max_norm / (n + 1e-6), 1.0))
    return clipped, total_norm


@wrong(
    "check_clip_by_global_norm",
    "before clipping",
    "total_norm",
    "original norm",
    "norm before",
    "return the norm",
)
def gn_r12_norm_after(grads, max_norm, norm_type=2.0):
    # mistake: returns the norm of the clipped gradients instead of the norm before clipping
    flat = np.concatenate([np.ravel(g) for g in grads])
    total_norm = float(np.linalg.norm(flat, ord=norm_type))
    coef = min(max_norm / (total_norm + 1e-6), 1.0)
    clipped = [g * coef for g in grads]
    new_flat = np.concatenate([np.ravel(g) for g in clipped])
    return clipped, float(np.linalg.norm(new_flat, ord=norm_type))


@wrong("check_clip_by_global_norm", "min", "1.0", "never enlarge", "only shrink", "min(..., 1)")
def gn_r12_no_min(grads, max_norm, norm_type=2.0):
    # mistake: forgets min(..., 1), so small gradients are scaled up to norm c
    flat = np.concatenate([np.ravel(g) for g in grads])
    total_norm = float(np.linalg.norm(flat, ord=norm_type))
    coef = max_norm / (total_norm + 1e-6)
    return [g * coef for g in grads], total_norm


@wrong(
    "check_clip_by_global_norm", "flatten", "ravel", "matrix norm", "vector norm", "np.linalg.norm"
)
def gn_r12_matrix_norm(grads, max_norm, norm_type=2.0):
    # mistake: np.linalg.norm(g, ord=p) on a 2-D gradient (no ravel) is a matrix norm
    norms = [
        np.linalg.norm(g, ord=norm_type)
        if np.ndim(g) in (1, 2)
        else np.linalg.norm(np.ravel(g), ord=norm_type)
        for g in grads
    ]
    total_norm = float(np.linalg.norm(np.array(norms), ord=norm_type))
    coef = min(max_norm / (total_norm + 1e-6), 1.0)
    return [g * coef for g in grads], total_norm


@right("check_clip_by_global_norm")
def gn_r12_ok_dispatch(grads, max_norm, norm_type=2.0):
    # correct: per-tensor norms with a dispatch table, then the same norm of the norms
    norm_of = {
        1.0: lambda a: float(np.sum(np.abs(a))),
        2.0: lambda a: float(np.sqrt(np.sum(a * a))),
        math.inf: lambda a: float(np.max(np.abs(a), initial=0.0)),
    }[float(norm_type)]
    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    total = norm_of(np.array([norm_of(a) for a in arrays], dtype=np.float64))
    with np.errstate(invalid="ignore"):
        coef = max_norm / (total + 1e-6)
        coef = coef if math.isnan(coef) else min(coef, 1.0)
        return [np.asarray(a * coef) for a in arrays], total


# =============================================================================================
# adaptive_clip(grads, params, clip_factor=0.01, eps=1e-3)
# =============================================================================================


@wrong("check_adaptive_clip", "axis", "output-first", "axes 1..ndim-1", "rows", "jax layout")
def ac_r12_jax_axes(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: reduces over all axes but the last (JAX input-first layout) instead of 1..ndim-1
    clipped = []
    for g, w in zip(grads, params):
        axes = tuple(range(0, g.ndim - 1)) if g.ndim > 1 else None
        g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(w_norm, eps)
        scale = np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0)
        clipped.append(g * scale)
    return clipped


@wrong("check_adaptive_clip", "unit-wise", "per row", "each output unit", "axis", "whole tensor")
def ac_r12_whole_tensor(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: one norm for the whole tensor instead of one per output unit
    clipped = []
    for g, w in zip(grads, params):
        g_norm = np.sqrt(np.sum(g * g))
        w_norm = np.sqrt(np.sum(w * w))
        limit = clip_factor * np.maximum(w_norm, eps)
        scale = np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0)
        clipped.append(g * scale)
    return clipped


@wrong("check_adaptive_clip", "eps", "max(||w||, eps)", "floor", "zero weights", "np.maximum")
def ac_r12_no_eps_floor(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: limit uses ||W_i|| without the floor max(||W_i||, eps)
    clipped = []
    for g, w in zip(grads, params):
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * w_norm
        scale = np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0)
        clipped.append(g * scale)
    return clipped


# Tag 'only where' added on review (judged right: the hint's wording of 'only if').
@wrong(
    "check_adaptive_clip",
    "only if",
    "np.where",
    "condition",
    "otherwise unchanged",
    "greater than",
    "only where",
)
def ac_r12_always_scale(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: rescales every unit to the limit, also those already below it (no condition)
    clipped = []
    for g, w in zip(grads, params):
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(w_norm, eps)
        scale = limit / np.maximum(g_norm, 1e-6)
        clipped.append(g * scale)
    return clipped


@wrong("check_adaptive_clip", "params", "weight norm", "||w_i||", "copy-paste", "w * w")
def ac_r12_weight_from_grad(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: copy-paste error, the "weight" norm is computed from g instead of w
    clipped = []
    for g, w in zip(grads, params):  # noqa: B007 (the mistake)
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(w_norm, eps)
        scale = np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0)
        clipped.append(g * scale)
    return clipped


@wrong("check_adaptive_clip", "keepdims", "broadcast", "shape", "keepdims=true", "reshape")
def ac_r12_no_keepdims(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: norms taken without keepdims=True, so the per-unit scale broadcasts wrongly
    clipped = []
    for g, w in zip(grads, params):
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        g_norm = np.sqrt(np.sum(g * g, axis=axes))
        w_norm = np.sqrt(np.sum(w * w, axis=axes))
        limit = clip_factor * np.maximum(w_norm, eps)
        scale = np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0)
        clipped.append(g * scale)
    return clipped


@right("check_adaptive_clip")
def ac_r12_ok_rows(grads, params, clip_factor=0.01, eps=1e-3):
    # correct: view every tensor as a (units, rest) matrix and work row by row
    out = []
    for g, w in zip(grads, params):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        units = g.shape[0] if g.ndim > 1 else 1
        rest = int(np.prod(g.shape[1:])) if g.ndim > 1 else g.size
        G = g.reshape(units, rest)
        Wm = w.reshape(units, rest)
        g_norm = np.sqrt(np.einsum("ij,ij->i", G, G))
        w_norm = np.sqrt(np.einsum("ij,ij->i", Wm, Wm))
        limit = clip_factor * np.maximum(w_norm, eps)
        scale = np.ones(units)
        big = g_norm > limit
        scale[big] = limit[big] / np.maximum(g_norm[big], 1e-6)
        with np.errstate(invalid="ignore"):
            out.append(np.asarray((G * scale[:, None]).reshape(g.shape)))
    return out


# =============================================================================================
# per_example_clip(per_example_grads, max_norm, noise_multiplier=0.0, rng=None)
# =============================================================================================


@wrong(
    "check_per_example_clip",
    "each example",
    "per-example",
    "before averaging",
    "mean gradient",
    "clip each",
)
def pe_r12_clip_mean(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: clips the summed gradient once instead of clipping each example
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    total = g.sum(axis=0)
    norm = np.sqrt(np.sum(total**2))
    total = total * min(1.0, max_norm / (norm + 1e-6))
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / batch


@wrong("check_per_example_clip", "divide by b", "average", "batch size", "/ batch", "mean")
def pe_r12_no_divide(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: returns the noisy sum, forgetting to divide by the batch size B
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(factors, g, axes=1)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total


@wrong(
    "check_per_example_clip",
    "max_norm",
    "noise scale",
    "standard deviation",
    "noise_multiplier * max_norm",
    "sigma c",
)
def pe_r12_noise_no_c(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: noise standard deviation is noise_multiplier instead of noise_multiplier * max_norm
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(factors, g, axes=1)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier, size=total.shape)
    return total / batch


# Tag 'add the noise to the sum' added on review (the hint's wording of the tag).
@wrong(
    "check_per_example_clip",
    "divide the noise",
    "before dividing",
    "1/b",
    "add noise to the sum",
    "order",
    "add the noise to the sum",
)
def pe_r12_noise_after_mean(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: noise added after averaging, so it is not divided by B
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(factors, g, axes=1)
    mean = total / batch
    if noise_multiplier > 0:
        mean = mean + rng.normal(0.0, noise_multiplier * max_norm, size=mean.shape)
    return mean


@wrong("check_per_example_clip", "axis", "axis=1", "one norm per example", "batch axis", "rows")
def pe_r12_axis0(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: norms taken over axis 0 (across the batch) instead of within each example
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g**2, axis=0))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.sum(g * factors, axis=0)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / batch


@wrong(
    "check_per_example_clip",
    "only when",
    "noise_multiplier > 0",
    "rng is none",
    "if noise_multiplier",
    "no noise",
)
def pe_r12_always_noise(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: draws noise from rng even when noise_multiplier is 0 (fails for rng=None)
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(factors, g, axes=1)
    total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / batch


@right("check_per_example_clip")
def pe_r12_ok_einsum(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # correct: flatten examples to rows, scale with einsum, reshape back
    g = np.asarray(per_example_grads, dtype=np.float64)
    B = g.shape[0] if g.ndim else 0
    if g.ndim == 0 or B == 0:
        raise ValueError("per_example_grads needs a leading batch axis with at least one example")
    rows = g.reshape(B, -1)
    with np.errstate(invalid="ignore", over="ignore"):
        norms = np.sqrt(np.einsum("ij,ij->i", rows, rows))
        scale = np.minimum(max_norm / (norms + 1e-6), 1.0)
        summed = np.einsum("i,ij->j", scale, rows).reshape(g.shape[1:])
    if noise_multiplier > 0:
        summed = summed + rng.normal(0.0, noise_multiplier * max_norm, size=summed.shape)
    return np.asarray(summed / B)


# =============================================================================================
# adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
# =============================================================================================


@wrong("check_adam_step", "bias correction", "1 - beta1**t", "m_hat", "v_hat", "debias")
def ad_r12_no_bias(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: no bias correction, uses m and v directly
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    return param - lr * m / (np.sqrt(v) + eps), m, v


@wrong("check_adam_step", "raw", "return m", "not m_hat", "bias-corrected", "m_t")
def ad_r12_return_hat(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: returns the bias-corrected m_hat, v_hat instead of the raw moments
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat


@wrong(
    "check_adam_step",
    "eps",
    "outside the square root",
    "sqrt(v_hat) + eps",
    "epsilon placement",
    "np.sqrt",
)
def ad_r12_eps_inside(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: eps inside the square root, sqrt(v_hat + eps)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / np.sqrt(v_hat + eps), m, v


@wrong("check_adam_step", "g**2", "squared gradient", "grad * grad", "second moment", "square")
def ad_r12_v_not_squared(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: second moment accumulates grad instead of grad**2
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adam_step", "in place", "*=", "copy", "modifies the input", "do not modify")
def ad_r12_inplace(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: updates m and v in place (m *= ..., m += ...), changing the caller's arrays
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adam_step", "beta2**t", "1 - beta2**t", "v_hat", "copy-paste", "bias correction of v")
def ad_r12_vhat_beta1(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: copy-paste error, v_hat divided by 1 - beta1**t instead of 1 - beta2**t
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@right("check_adam_step")
def ad_r12_ok_lerp(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # correct: moments as interpolations, bias corrections folded into step size and denominator
    p, g = np.asarray(param, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    new_m = m + (1.0 - beta1) * (g - m)
    new_v = v + (1.0 - beta2) * (np.square(g) - v)
    step_size = lr / (1.0 - beta1**t)
    denom = np.sqrt(new_v) / math.sqrt(1.0 - beta2**t) + eps
    return p - step_size * (new_m / denom), new_m, new_v


# =============================================================================================
# amsgrad_step(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
# =============================================================================================


@wrong("check_amsgrad_step", "raw", "before bias correction", "v_t", "optax", "max of v")
def am_r12_max_of_vhat(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: running maximum of the bias-corrected v_hat (optax) instead of the raw v_t
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_hat = v / (1 - beta2**t)
    v_max = np.maximum(v_max, v_hat)
    m_hat = m / (1 - beta1**t)
    denom = np.sqrt(v_max) + eps
    return param - lr * m_hat / denom, m, v, v_max


@wrong("check_amsgrad_step", "v_max", "denominator", "running maximum", "use v_max", "normalise by")
def am_r12_denom_v(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: computes v_max but normalises by v (plain Adam) in the denominator
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**t)
    denom = np.sqrt(v / (1 - beta2**t)) + eps
    return param - lr * m_hat / denom, m, v, v_max


@wrong("check_amsgrad_step", "new v", "after updating v", "order", "v_t", "updated")
def am_r12_max_old_v(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: takes the maximum with the old v_{t-1}, before v is updated
    v_max = np.maximum(v_max, v)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    denom = np.sqrt(v_max / (1 - beta2**t)) + eps
    return param - lr * m_hat / denom, m, v, v_max


@wrong(
    "check_amsgrad_step",
    "return",
    "new v_max",
    "wrong variable",
    "updated v_max",
    "return the maximum",
)
def am_r12_returns_old_vmax(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: uses the new maximum but returns the old v_max
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    new_v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**t)
    denom = np.sqrt(new_v_max / (1 - beta2**t)) + eps
    return param - lr * m_hat / denom, m, v, v_max


@wrong(
    "check_amsgrad_step",
    "eps",
    "outside the square root",
    "sqrt(v_max_hat) + eps",
    "epsilon placement",
    "np.sqrt",
)
def am_r12_eps_inside(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: eps inside the square root
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**t)
    denom = np.sqrt(v_max / (1 - beta2**t) + eps)
    return param - lr * m_hat / denom, m, v, v_max


@wrong(
    "check_amsgrad_step",
    "sqrt(1 - beta2**t)",
    "square root",
    "bias correction",
    "v_max / (1 - beta2**t)",
    "sqrt",
)
def am_r12_bc2_no_sqrt(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: divides sqrt(v_max) by 1 - beta2**t instead of its square root
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**t)
    denom = np.sqrt(v_max) / (1 - beta2**t) + eps
    return param - lr * m_hat / denom, m, v, v_max


@right("check_amsgrad_step")
def am_r12_ok_dict(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # correct: state kept in a dict, updated functionally, torch's step-size form
    s = {
        "m": np.asarray(m, dtype=np.float64),
        "v": np.asarray(v, dtype=np.float64),
        "v_max": np.asarray(v_max, dtype=np.float64),
    }
    g = np.asarray(grad, dtype=np.float64)
    s = {**s, "m": s["m"] * beta1 + g * (1 - beta1)}
    s = {**s, "v": s["v"] * beta2 + (g * g) * (1 - beta2)}
    s = {**s, "v_max": np.maximum(s["v_max"], s["v"])}
    denom = np.sqrt(s["v_max"]) / math.sqrt(1 - beta2**t) + eps
    new_param = np.asarray(param, dtype=np.float64) - (lr / (1 - beta1**t)) * s["m"] / denom
    return new_param, s["m"], s["v"], s["v_max"]


# =============================================================================================
# adamw_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
#            weight_decay=1e-2, decoupled=True)
# =============================================================================================


def _adam_tail(param, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong(
    "check_adamw_step",
    "lr * weight_decay",
    "learning rate",
    "1 - lr * weight_decay",
    "eta lambda",
    "multiply by lr",
)
def aw_r12_no_lr(
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
    # mistake: decoupled decay param * (1 - weight_decay), without the learning rate
    if decoupled:
        param = param * (1 - weight_decay)
    else:
        grad = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


# Tag 'comes before the adam update' added on review (judged right: the hint's wording of 'decay
# first').
@wrong(
    "check_adamw_step",
    "before the adam step",
    "order",
    "decay first",
    "shrink first",
    "apply the decay to the old",
    "comes before the adam update",
)
def aw_r12_decay_after(
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
    # mistake: decoupled decay applied to the parameters after the Adam step instead of before
    if not decoupled:
        grad = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
    if decoupled:
        new_param = new_param * (1 - lr * weight_decay)
    return new_param, m, v


@wrong(
    "check_adamw_step",
    "decoupled",
    "decoupled=false",
    "l2 penalty",
    "if decoupled",
    "grad + weight_decay * param",
)
def aw_r12_ignores_flag(
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
    # mistake: ignores the decoupled flag and always applies decoupled decay
    param = param * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adamw_step", "else", "either", "both", "only one", "if decoupled")
def aw_r12_both(
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
    # mistake: missing else, so the L2 penalty is added to the gradient in both modes
    if decoupled:
        param = param * (1 - lr * weight_decay)
    grad = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adamw_step", "gradient of", "lambda * theta", "factor", "0.5", "weight_decay * param")
def aw_r12_half_l2(
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
    # mistake: L2 penalty gradient taken as 0.5 * weight_decay * param instead of weight_decay
    # * param
    if decoupled:
        param = param * (1 - lr * weight_decay)
    else:
        grad = grad + 0.5 * weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adamw_step", "both moments", "second moment", "same gradient", "copy-paste", "v uses")
def aw_r12_v_raw_grad(
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
    # mistake: with the L2 penalty, m uses the penalised gradient but v still uses the raw one
    raw = grad
    if decoupled:
        param = param * (1 - lr * weight_decay)
    else:
        grad = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * raw * raw
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@right("check_adamw_step")
def aw_r12_ok_closure(
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
    # correct: a small table of "pre-step" transforms chosen by the flag, then a plain Adam step
    theta = np.asarray(param, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    prepare = {
        True: lambda th, gr: (th * (1 - lr * weight_decay), gr),
        False: lambda th, gr: (th, gr + weight_decay * th),
    }[bool(decoupled)]
    if weight_decay != 0:
        theta, g = prepare(theta, g)
    new_m = beta1 * np.asarray(m, dtype=np.float64) + (1 - beta1) * g
    new_v = beta2 * np.asarray(v, dtype=np.float64) + (1 - beta2) * g * g
    update = (new_m / (1 - beta1**t)) / (np.sqrt(new_v / (1 - beta2**t)) + eps)
    return theta - lr * update, new_m, new_v
