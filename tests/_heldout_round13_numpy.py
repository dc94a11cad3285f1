"""Round 13: simulated student answers (NumPy) for the exercise checkers.

Six wrong answers per function (three common, three less common but plausible), each with
exactly one mistake, plus one correct answer per function written in an unusual style.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from _heldout import right, wrong

# =============================================================================================
# numerical_gradient  (check_numerical_gradient)
# =============================================================================================


@wrong("check_numerical_gradient", "central", "forward difference", "one-sided", "f(x - h", "2h")
def ng_r13_forward(f, x, h=1e-5):
    # mistake: one-sided forward difference (f(x + h e_i) - f(x)) / h instead of the central
    # difference
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x + step) - f(x)) / h
    return grad


@wrong("check_numerical_gradient", "2h", "divide", "denominator", "factor of 2", "twice")
def ng_r13_div_h(f, x, h=1e-5):
    # mistake: divides the central difference by h instead of 2h (result twice too large)
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / h
    return grad


@wrong("check_numerical_gradient", "modify", "copy", "in place", "do not modify x", "float64")
def ng_r13_inplace(f, x, h=1e-5):
    # mistake: perturbs the caller's x in place (x[i] += h ... -= 2h ... += h) instead of a
    # float copy
    grad = np.zeros(np.shape(x))
    for index in np.ndindex(np.shape(x)):
        x[index] += h
        f_plus = f(x)
        x[index] -= 2 * h
        f_minus = f(x)
        x[index] += h
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


@wrong("check_numerical_gradient", "integer", "float64", "dtype", "np.arange", "convert")
def ng_r13_int_dtype(f, x, h=1e-5):
    # mistake: copies x without converting to float64, so an integer x truncates the step h to 0
    x = np.array(x)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


@wrong("check_numerical_gradient", "shape", "reshape", "flatten", "same shape as x", "ravel")
def ng_r13_flat_shape(f, x, h=1e-5):
    # mistake: returns the gradient as a flat vector of size x.size instead of the shape of x
    x = np.array(x, dtype=np.float64)
    flat = x.ravel()
    grad = np.zeros(x.size)
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h
        grad[i] = (f((flat + e).reshape(x.shape)) - f((flat - e).reshape(x.shape))) / (2 * h)
    return grad


# Tag 'one element at a time' added on review (judged right: the hint's wording of 'one
# coordinate').
@wrong(
    "check_numerical_gradient",
    "reset",
    "one coordinate",
    "e_i",
    "step",
    "unit vector",
    "one element at a time",
)
def ng_r13_step_not_reset(f, x, h=1e-5):
    # mistake: the step array is created once outside the loop and never reset, so it
    # accumulates h in every earlier coordinate
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    step = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


@right("check_numerical_gradient")
def ng_r13_right_eye(f, x, h=1e-5):
    # correct: all perturbations at once from the rows of h * I, reshaped back to x's shape
    x = np.array(x, dtype=np.float64)
    shape, flat = x.shape, x.reshape(-1)
    steps = np.eye(flat.size) * h
    values = [
        (float(f((flat + e).reshape(shape))) - float(f((flat - e).reshape(shape)))) / (2.0 * h)
        for e in steps
    ]
    return np.array(values, dtype=np.float64).reshape(shape)


# =============================================================================================
# linear_backward  (check_linear_backward)
# =============================================================================================


@wrong("check_linear_backward", "transpose", "shape", "grad_w", "g^t x", "shape of w")
def lb_r13_gradW_transposed(x, W, b, grad_out):
    # mistake: grad_W = x.T @ grad_out (shape (n, m), the transpose) instead of grad_out.T @ x
    grad_x = grad_out @ W
    grad_W = x.T @ grad_out
    grad_b = grad_out.sum(axis=0)
    return grad_x, grad_W, grad_b


@wrong("check_linear_backward", "sum", "mean", "grad_b", "batch", "sum over the batch")
def lb_r13_gradb_mean(x, W, b, grad_out):
    # mistake: grad_b averages grad_out over the batch (mean) instead of summing it
    grad_x = grad_out @ W
    grad_W = grad_out.T @ x
    grad_b = grad_out.mean(axis=0)
    return grad_x, grad_W, grad_b


@wrong("check_linear_backward", "axis", "axis=0", "grad_b", "shape of b", "scalar")
def lb_r13_gradb_total(x, W, b, grad_out):
    # mistake: grad_b = grad_out.sum() with no axis, a scalar instead of the per-output sum
    # over the batch
    grad_x = grad_out @ W
    grad_W = grad_out.T @ x
    grad_b = np.sum(grad_out)
    return grad_x, grad_W, grad_b


@wrong("check_linear_backward", "batch", "mean", "divide", "grad_w", "sum")
def lb_r13_gradW_over_B(x, W, b, grad_out):
    # mistake: divides grad_W by the batch size B (mean-loss convention) although G already is dL/dY
    grad_x = grad_out @ W
    grad_W = grad_out.T @ x / x.shape[0]
    grad_b = grad_out.sum(axis=0)
    return grad_x, grad_W, grad_b


@wrong("check_linear_backward", "keepdims", "shape", "grad_b", "shape of b", "(m,)")
def lb_r13_gradb_keepdims(x, W, b, grad_out):
    # mistake: grad_b keeps the summed axis (shape (1, m)) instead of the shape (m,) of b
    grad_x = grad_out @ W
    grad_W = grad_out.T @ x
    grad_b = grad_out.sum(axis=0, keepdims=True)
    return grad_x, grad_W, grad_b


@wrong("check_linear_backward", "axis", "axis=0", "batch axis", "grad_b", "shape of b")
def lb_r13_gradb_axis1(x, W, b, grad_out):
    # mistake: grad_b sums grad_out over the output axis (axis=1) instead of the batch axis (axis=0)
    grad_x = grad_out @ W
    grad_W = grad_out.T @ x
    grad_b = grad_out.sum(axis=1)
    return grad_x, grad_W, grad_b


@right("check_linear_backward")
def lb_r13_right_einsum(x, W, b, grad_out):
    # correct: the three contractions written as einsum index expressions
    x, W, G = (np.asarray(a, dtype=np.float64) for a in (x, W, grad_out))
    return (
        np.einsum("bm,mn->bn", G, W),
        np.einsum("bm,bn->mn", G, x),
        np.einsum("bm->m", G),
    )


# =============================================================================================
# backprop_norms  (check_backprop_norms)
# =============================================================================================


@wrong("check_backprop_norms", "tanh", "derivative", "1 - tanh", "tanh(a)", "h_k")
def bn_r13_tanh_of_a(weights, x, grad_output, activation="tanh"):
    # mistake: tanh derivative written as 1 - a**2 (pre-activation) instead of 1 - tanh(a)**2
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


@wrong("check_backprop_norms", "order", "input first", "reverse", "g_0", "[::-1]")
def bn_r13_output_first(weights, x, grad_output, activation="tanh"):
    # mistake: returns the norms in backward order (g_K first) instead of input first (g_0 first)
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
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.linalg.norm(g)]
    for W, d in zip(reversed(weights), reversed(derivatives)):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms)


@wrong("check_backprop_norms", "derivative", "phi'", "chain rule", "activation", "elementwise")
def bn_r13_no_derivative(weights, x, grad_output, activation="tanh"):
    # mistake: backward step g = W.T @ g omits the activation derivative phi'(a_k)
    h = np.asarray(x, dtype=np.float64)
    for W in weights:
        a = W @ h
        if activation == "tanh":
            h = np.tanh(a)
        elif activation == "relu":
            h = np.maximum(a, 0.0)
        elif activation == "linear":
            h = a
        else:
            raise ValueError(f"unknown activation {activation!r}")
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.linalg.norm(g)]
    for W in reversed(weights):
        g = W.T @ g
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@wrong("check_backprop_norms", "transpose", "w^t", "w.t", "shape", "jacobian")
def bn_r13_W_not_transposed(weights, x, grad_output, activation="tanh"):
    # mistake: backward step multiplies by W instead of W.T
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
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.linalg.norm(g)]
    for W, d in zip(reversed(weights), reversed(derivatives)):
        g = W @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


# Tag "the output's is missing" added on review (judged right: the hint names the missing g_K).
@wrong(
    "check_backprop_norms",
    "k + 1",
    "length",
    "g_k",
    "grad_output",
    "off-by-one",
    "the output's is missing",
)
def bn_r13_missing_gK(weights, x, grad_output, activation="tanh"):
    # mistake: off-by-one, returns only K norms (g_0 .. g_{K-1}); the norm of grad_output g_K
    # is left out
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
    g = np.asarray(grad_output, dtype=np.float64)
    norms = []
    for W, d in zip(reversed(weights), reversed(derivatives)):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@wrong("check_backprop_norms", "activation", "relu", "linear", "argument", "hard-coded")
def bn_r13_always_tanh(weights, x, grad_output, activation="tanh"):
    # mistake: hard-codes tanh and ignores the activation argument ("linear" and "relu" are
    # computed as tanh)
    derivatives = []
    h = np.asarray(x, dtype=np.float64)
    for W in weights:
        a = W @ h
        h = np.tanh(a)
        derivatives.append(1.0 - h**2)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.linalg.norm(g)]
    for W, d in zip(reversed(weights), reversed(derivatives)):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@right("check_backprop_norms")
def bn_r13_right_jacobians(weights, x, grad_output, activation="tanh"):
    # correct: table of (phi, phi') pairs; each backward step applies the Jacobian (W *
    # phi'(a)[:, None]).T
    table = {
        "linear": (lambda a: a, lambda a: np.ones_like(a)),
        "tanh": (np.tanh, lambda a: 1.0 - np.tanh(a) ** 2),
        "relu": (lambda a: np.maximum(a, 0.0), lambda a: (a > 0).astype(np.float64)),
    }
    if activation not in table:
        raise ValueError(f"unknown activation {activation!r}")
    phi, dphi = table[activation]
    jacobians = []  # J_k = d h_k / d h_{k-1} = diag(phi'(a_k)) W_k
    h = np.asarray(x, dtype=np.float64)
    for W in weights:
        W = np.asarray(W, dtype=np.float64)
        a = W @ h
        jacobians.append(dphi(a)[:, None] * W)
        h = phi(a)
    gs = [np.asarray(grad_output, dtype=np.float64)]
    for J in reversed(jacobians):
        gs.insert(0, J.T @ gs[0])
    return np.array([math.sqrt(float(np.dot(g, g))) for g in gs])


# =============================================================================================
# clip_by_value  (check_clip_by_value)
# =============================================================================================


@wrong("check_clip_by_value", "lower", "-c", "negative", "both sides", "symmetric")
def cv_r13_upper_only(grads, clip_value):
    # mistake: clips only from above (np.minimum(g, c)); elements below -c are left unclipped
    return [np.minimum(np.asarray(g, dtype=np.float64), clip_value) for g in grads]


@wrong("check_clip_by_value", "in place", "copy", "modify", "inputs unchanged", "out=")
def cv_r13_inplace(grads, clip_value):
    # mistake: clips the caller's arrays in place (np.clip(..., out=g)) instead of returning
    # new arrays
    for g in grads:
        np.clip(g, -clip_value, clip_value, out=g)
    return list(grads)


@wrong("check_clip_by_value", "element", "each element", "value", "norm", "direction")
def cv_r13_norm_instead(grads, clip_value):
    # mistake: rescales each array by its norm (norm clipping) instead of clipping every
    # element to [-c, c]
    out = []
    for g in grads:
        g = np.asarray(g, dtype=np.float64)
        norm = np.sqrt(np.sum(g * g))
        out.append(g * min(clip_value / (norm + 1e-6), 1.0))
    return out


@wrong("check_clip_by_value", "nan", "fmin", "nan stays nan", "np.clip", "propagate")
def cv_r13_fmin_nan(grads, clip_value):
    # mistake: np.fmin/np.fmax ignore NaN, so a NaN element becomes c instead of staying NaN
    return [
        np.fmax(np.fmin(np.asarray(g, dtype=np.float64), clip_value), -clip_value) for g in grads
    ]


@wrong("check_clip_by_value", "float32", "float64", "precision", "dtype", "torch default")
def cv_r13_float32(grads, clip_value):
    # mistake: converts to float32 (torch's default dtype) instead of computing in float64
    return [np.clip(np.asarray(g, dtype=np.float32), -clip_value, clip_value) for g in grads]


@wrong("check_clip_by_value", "every array", "list", "return", "loop", "indentation")
def cv_r13_return_in_loop(grads, clip_value):
    # mistake: the return statement sits inside the loop, so only the first array is clipped
    # and returned
    out = []
    for g in grads:
        out.append(np.clip(np.asarray(g, dtype=np.float64), -clip_value, clip_value))
        return out
    return out


@right("check_clip_by_value")
def cv_r13_right_where(grads, clip_value):
    # correct: nested np.where; comparisons with NaN are False, so NaN passes through unchanged
    c = float(clip_value)
    result = []
    for g in grads:
        g = np.asarray(g, dtype=np.float64)
        result.append(np.asarray(np.where(g > c, c, np.where(g < -c, -c, g)), dtype=np.float64))
    return result


# =============================================================================================
# clip_by_norm  (check_clip_by_norm)
# =============================================================================================


@wrong("check_clip_by_norm", "1e-6", "delta", "epsilon", "zero gradient", "denominator")
def cn_r13_no_delta(grad, max_norm):
    # mistake: coefficient max_norm / ||g|| without the delta = 1e-6 in the denominator
    g = np.asarray(grad, dtype=np.float64)
    norm = np.sqrt(np.sum(np.square(g)))
    return g * min(max_norm / norm, 1.0)


@wrong("check_clip_by_norm", "sqrt", "euclidean", "squared", "sum of squares", "norm")
def cn_r13_no_sqrt(grad, max_norm):
    # mistake: uses the squared norm sum(g**2) (no square root) as the norm
    g = np.asarray(grad, dtype=np.float64)
    norm = np.sum(np.square(g))
    return g * min(max_norm / (norm + 1e-6), 1.0)


@wrong("check_clip_by_norm", "min", "never enlarge", "coefficient", "1", "small gradient")
def cn_r13_no_min(grad, max_norm):
    # mistake: always multiplies by max_norm / (||g|| + 1e-6) without min(..., 1), so small
    # gradients are enlarged
    g = np.asarray(grad, dtype=np.float64)
    norm = np.sqrt(np.sum(np.square(g)))
    return g * (max_norm / (norm + 1e-6))


@wrong("check_clip_by_norm", "frobenius", "ord", "matrix", "euclidean", "all elements")
def cn_r13_spectral(grad, max_norm):
    # mistake: np.linalg.norm(g, 2) is the spectral norm for a matrix (and fails for 0-d or
    # 3-d), not the Euclidean norm of all elements
    g = np.asarray(grad, dtype=np.float64)
    norm = np.linalg.norm(g, 2)
    return g * min(max_norm / (norm + 1e-6), 1.0)


@wrong("check_clip_by_norm", "in place", "copy", "modify", "*=", "new array")
def cn_r13_inplace(grad, max_norm):
    # mistake: scales the caller's array in place (grad *= coef) instead of returning a new array
    norm = np.sqrt(np.sum(np.square(grad)))
    grad *= min(max_norm / (norm + 1e-6), 1.0)
    return grad


@wrong("check_clip_by_norm", "always applied", "norm equals", "delta", "coefficient", "shrinks")
def cn_r13_threshold_branch(grad, max_norm):
    # mistake: returns g unscaled whenever ||g|| <= max_norm, but torch's coefficient is
    # always applied (norm = c still shrinks by about delta/c)
    g = np.array(grad, dtype=np.float64)
    norm = np.sqrt(np.sum(np.square(g)))
    if norm <= max_norm:
        return g
    return g * (max_norm / (norm + 1e-6))


@right("check_clip_by_norm")
def cn_r13_right_dot(grad, max_norm):
    # correct: norm from a dot product of the flattened array, the coefficient via np.minimum
    # (keeps NaN)
    g = np.array(grad, dtype=np.float64)
    flat = g.reshape(-1)
    with np.errstate(invalid="ignore", over="ignore"):
        norm = np.sqrt(np.dot(flat, flat))
        coefficient = np.minimum(max_norm / (norm + 1e-6), 1.0)
        return np.asarray(g * coefficient, dtype=np.float64)


# =============================================================================================
# clip_by_global_norm  (check_clip_by_global_norm)
# =============================================================================================


@wrong(
    "check_clip_by_global_norm",
    "global",
    "one coefficient",
    "joint norm",
    "all gradients",
    "per-layer",
)
def cg_r13_per_tensor(grads, max_norm, norm_type=2.0):
    # mistake: clips each array with its own norm (per-tensor clipping) instead of one
    # coefficient from the joint norm
    def _p_norm_of(values, p):
        # p-norm of a float64 vector for p in {1, 2, inf}; 0 for an empty vector
        if p == 1:
            return float(np.sum(np.abs(values)))
        if p == 2:
            return float(np.sqrt(np.sum(values * values)))
        return float(np.max(np.abs(values), initial=0.0))

    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    norms = np.array([_p_norm_of(g.ravel(), norm_type) for g in arrays])
    total_norm = _p_norm_of(norms, norm_type)
    clipped = [g * min(max_norm / (_p_norm_of(g.ravel(), norm_type) + 1e-6), 1.0) for g in arrays]
    return clipped, total_norm


@wrong(
    "check_clip_by_global_norm",
    "norm of norms",
    "sum of squares",
    "sqrt",
    "joint norm",
    "concatenate",
)
def cg_r13_sum_of_norms(grads, max_norm, norm_type=2.0):
    # mistake: total norm is the plain sum of the per-tensor norms instead of the p-norm of
    # the vector of norms
    def _p_norm_of(values, p):
        # p-norm of a float64 vector for p in {1, 2, inf}; 0 for an empty vector
        if p == 1:
            return float(np.sum(np.abs(values)))
        if p == 2:
            return float(np.sqrt(np.sum(values * values)))
        return float(np.max(np.abs(values), initial=0.0))

    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    norms = np.array([_p_norm_of(g.ravel(), norm_type) for g in arrays])
    total_norm = float(np.sum(norms))
    coef = min(max_norm / (total_norm + 1e-6), 1.0)
    return [g * coef for g in arrays], total_norm


@wrong(
    "check_clip_by_global_norm", "before", "total_norm", "after clipping", "return", "torch returns"
)
def cg_r13_norm_after(grads, max_norm, norm_type=2.0):
    # mistake: returns the total norm of the clipped gradients (after clipping) instead of the
    # norm before clipping
    def _p_norm_of(values, p):
        # p-norm of a float64 vector for p in {1, 2, inf}; 0 for an empty vector
        if p == 1:
            return float(np.sum(np.abs(values)))
        if p == 2:
            return float(np.sqrt(np.sum(values * values)))
        return float(np.max(np.abs(values), initial=0.0))

    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    norms = np.array([_p_norm_of(g.ravel(), norm_type) for g in arrays])
    total_norm = _p_norm_of(norms, norm_type)
    coef = min(max_norm / (total_norm + 1e-6), 1.0)
    clipped = [g * coef for g in arrays]
    new_norms = np.array([_p_norm_of(g.ravel(), norm_type) for g in clipped])
    return clipped, _p_norm_of(new_norms, norm_type)


@wrong("check_clip_by_global_norm", "norm_type", "inf", "p-norm", "ord", "hard-coded")
def cg_r13_ignores_norm_type(grads, max_norm, norm_type=2.0):
    # mistake: ignores norm_type and always uses the Euclidean norm (p = 2)
    def _p_norm_of(values, p):
        # p-norm of a float64 vector for p in {1, 2, inf}; 0 for an empty vector
        if p == 1:
            return float(np.sum(np.abs(values)))
        if p == 2:
            return float(np.sqrt(np.sum(values * values)))
        return float(np.max(np.abs(values), initial=0.0))

    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    norms = np.array([_p_norm_of(g.ravel(), 2.0) for g in arrays])
    total_norm = _p_norm_of(norms, 2.0)
    coef = min(max_norm / (total_norm + 1e-6), 1.0)
    return [g * coef for g in arrays], total_norm


@wrong("check_clip_by_global_norm", "nan", "min", "argument order", "coefficient", "every gradient")
def cg_r13_nan_min_order(grads, max_norm, norm_type=2.0):
    # mistake: min(1.0, coef) returns 1.0 when coef is NaN, so a NaN norm does not make every
    # gradient NaN
    def _p_norm_of(values, p):
        # p-norm of a float64 vector for p in {1, 2, inf}; 0 for an empty vector
        if p == 1:
            return float(np.sum(np.abs(values)))
        if p == 2:
            return float(np.sqrt(np.sum(values * values)))
        return float(np.max(np.abs(values), initial=0.0))

    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    norms = np.array([_p_norm_of(g.ravel(), norm_type) for g in arrays])
    total_norm = _p_norm_of(norms, norm_type)
    coef = min(1.0, max_norm / (total_norm + 1e-6))
    return [g * coef for g in arrays], total_norm


@wrong("check_clip_by_global_norm", "in place", "copy", "modify", "*=", "new arrays")
def cg_r13_inplace(grads, max_norm, norm_type=2.0):
    # mistake: scales the caller's arrays in place (g *= coef, as torch does on .grad) instead
    # of returning new arrays
    def _p_norm_of(values, p):
        # p-norm of a float64 vector for p in {1, 2, inf}; 0 for an empty vector
        if p == 1:
            return float(np.sum(np.abs(values)))
        if p == 2:
            return float(np.sqrt(np.sum(values * values)))
        return float(np.max(np.abs(values), initial=0.0))

    norms = np.array(
        [_p_norm_of(np.asarray(g, dtype=np.float64).ravel(), norm_type) for g in grads]
    )
    total_norm = _p_norm_of(norms, norm_type)
    coef = min(max_norm / (total_norm + 1e-6), 1.0)
    for g in grads:
        g *= coef
    return list(grads), total_norm


@right("check_clip_by_global_norm")
def cg_r13_right_reduce(grads, max_norm, norm_type=2.0):
    # correct: per-tensor norms combined with functools.reduce, one coefficient for all arrays
    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    if norm_type == 1:
        parts = [float(np.abs(g).sum()) for g in arrays]
        total_norm = functools.reduce(lambda a, b: a + b, parts, 0.0)
    elif norm_type == 2:
        parts = [float(np.vdot(g, g)) for g in arrays]
        total_norm = math.sqrt(functools.reduce(lambda a, b: a + b, parts, 0.0))
    elif norm_type == math.inf:
        parts = [float(np.max(np.abs(g), initial=0.0)) for g in arrays]
        total_norm = float(np.max(np.array(parts), initial=0.0))
    else:
        raise ValueError(f"norm_type must be 1, 2 or inf, got {norm_type}")
    coef = max_norm / (total_norm + 1e-6)
    if not math.isnan(coef):
        coef = min(coef, 1.0)
    with np.errstate(invalid="ignore"):
        return [np.asarray(g * coef, dtype=np.float64) for g in arrays], float(total_norm)


# =============================================================================================
# adaptive_clip  (check_adaptive_clip)
# =============================================================================================


@wrong("check_adaptive_clip", "unit", "row", "per unit", "axis", "output channel")
def agc_r13_whole_tensor(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: one norm over the whole tensor instead of one norm per output unit (axes 1..ndim-1)
    clipped = []
    for g, w in zip(grads, params):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        g_norm = np.sqrt(np.sum(g * g))
        w_norm = np.sqrt(np.sum(w * w))
        limit = clip_factor * max(w_norm, eps)
        scale = limit / max(g_norm, 1e-6) if g_norm > limit else 1.0
        clipped.append(g * scale)
    return clipped


@wrong("check_adaptive_clip", "eps", "floor", "weight norm", "max", "zero-initialised")
def agc_r13_no_eps_floor(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: limit is clip_factor * ||W_i|| without the floor max(||W_i||, eps), so zero-
    # initialised units are clipped to 0
    clipped = []
    for g, w in zip(grads, params):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * w_norm
        scale = np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0)
        clipped.append(g * scale)
    return clipped


# Tag 'only where' added on review (judged right: the hint's wording of 'only if').
@wrong(
    "check_adaptive_clip", "only if", "condition", "otherwise", "np.where", "enlarge", "only where"
)
def agc_r13_always_rescale(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: rescales every unit to the limit, without the condition ||G_i|| > limit, so
    # small gradients are enlarged
    clipped = []
    for g, w in zip(grads, params):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(w_norm, eps)
        scale = limit / np.maximum(g_norm, 1e-6)
        clipped.append(g * scale)
    return clipped


@wrong("check_adaptive_clip", "jax", "axis", "output-first", "axes 1..ndim-1", "layout")
def agc_r13_jax_axes(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: JAX/optax axis convention, reduces over all axes but the last (input-first
    # layout) instead of axes 1..ndim-1
    clipped = []
    for g, w in zip(grads, params):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        axes = tuple(range(g.ndim - 1)) if g.ndim > 1 else None
        g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(w_norm, eps)
        scale = np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0)
        clipped.append(g * scale)
    return clipped


@wrong("check_adaptive_clip", "bias", "rank 1", "single unit", "1-d", "axis")
def agc_r13_bias_elementwise(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: axes = range(1, ndim) also for 1-d tensors, i.e. axis=(), so each bias element
    # is its own unit
    clipped = []
    for g, w in zip(grads, params):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        axes = tuple(range(1, g.ndim))
        g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(w_norm, eps)
        scale = np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0)
        clipped.append(g * scale)
    return clipped


@wrong("check_adaptive_clip", "keepdims", "broadcast", "shape", "axis", "per row")
def agc_r13_no_keepdims(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: unit norms computed without keepdims=True, so the per-unit scale broadcasts
    # along the last axis instead of the rows
    clipped = []
    for g, w in zip(grads, params):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        g_norm = np.sqrt(np.sum(g * g, axis=axes))
        w_norm = np.sqrt(np.sum(w * w, axis=axes))
        limit = clip_factor * np.maximum(w_norm, eps)
        scale = np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0)
        clipped.append(g * scale)
    return clipped


@right("check_adaptive_clip")
def agc_r13_right_rows(grads, params, clip_factor=0.01, eps=1e-3):
    # correct: reshape each tensor to (units, -1) rows, clip the rows, reshape back
    out = []
    for g, w in zip(grads, params):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        rows = (g.shape[0], -1) if g.ndim > 1 else (1, -1)
        G, Wr = g.reshape(rows), w.reshape(rows)
        g_norm = np.sqrt(np.einsum("ij,ij->i", G, G))[:, None]
        w_norm = np.sqrt(np.einsum("ij,ij->i", Wr, Wr))[:, None]
        limit = clip_factor * np.maximum(w_norm, eps)
        factor = np.ones_like(g_norm)
        big = g_norm > limit
        factor[big] = limit[big] / np.maximum(g_norm[big], 1e-6)
        with np.errstate(invalid="ignore"):
            out.append(np.asarray((G * factor).reshape(g.shape), dtype=np.float64))
    return out


# =============================================================================================
# per_example_clip  (check_per_example_clip)
# =============================================================================================


@wrong(
    "check_per_example_clip",
    "each example",
    "per-example",
    "mean gradient",
    "before summing",
    "row",
)
def pe_r13_clip_mean(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: clips the mean gradient once instead of clipping every example's gradient
    # before summing
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    total = g.sum(axis=0)
    norm = np.sqrt(np.sum(total**2))
    total = total * min(1.0, max_norm / (norm + 1e-6))
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / batch


@wrong("check_per_example_clip", "noise", "divide", "batch", "1/b", "average")
def pe_r13_noise_not_averaged(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: adds the noise after dividing by B, so the noise is not divided by the batch size
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    mean = np.tensordot(factors, g, axes=1) / batch
    if noise_multiplier > 0:
        mean = mean + rng.normal(0.0, noise_multiplier * max_norm, size=mean.shape)
    return mean


@wrong("check_per_example_clip", "std", "variance", "scale", "noise", "sigma * c")
def pe_r13_noise_variance(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: passes the variance (nu * c)**2 as the noise scale instead of the standard
    # deviation nu * c
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(factors, g, axes=1)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, (noise_multiplier * max_norm) ** 2, size=total.shape)
    return total / batch


@wrong("check_per_example_clip", "average", "divide", "batch", "sum", "optax")
def pe_r13_sum_not_mean(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: returns the noisy sum (optax convention) without dividing by the batch size B
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(factors, g, axes=1)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total


@wrong(
    "check_per_example_clip", "axis", "all remaining axes", "reshape", "norm per example", "flatten"
)
def pe_r13_last_axis_norm(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: the norm runs over the last axis only (axis=-1) instead of over all axes but
    # the batch axis
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g**2, axis=-1, keepdims=True))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.sum(g * factors, axis=0)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / batch


@wrong("check_per_example_clip", "noise_multiplier", "only when", "rng", "none", "zero noise")
def pe_r13_noise_always(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: draws the noise even when noise_multiplier = 0 (then rng may be None)
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(factors, g, axes=1)
    total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / batch


@right("check_per_example_clip")
def pe_r13_right_loop(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # correct: a plain Python loop over the examples, accumulating the clipped gradients
    g = np.asarray(per_example_grads, dtype=np.float64)
    total = np.zeros(g.shape[1:])
    with np.errstate(invalid="ignore", over="ignore"):
        for example in g:
            norm = math.sqrt(float(np.sum(example * example)))
            factor = np.minimum(max_norm / (norm + 1e-6), 1.0)
            total = total + example * factor
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return np.asarray(total / len(g))


# =============================================================================================
# adam_step  (check_adam_step)
# =============================================================================================


@wrong("check_adam_step", "bias correction", "1 - beta1**t", "m_hat", "v_hat", "t")
def adam_r13_no_bias_correction(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: no bias correction, the update uses the raw m_t and v_t instead of m_hat and v_hat
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    return param - lr * m / (np.sqrt(v) + eps), m, v


@wrong("check_adam_step", "eps", "epsilon", "outside", "sqrt", "denominator")
def adam_r13_eps_inside_sqrt(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: eps inside the square root, sqrt(v_hat + eps), instead of sqrt(v_hat) + eps
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / np.sqrt(v_hat + eps), m, v


@wrong("check_adam_step", "raw", "m_hat", "return", "moments", "bias-corrected")
def adam_r13_returns_hat(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: returns the bias-corrected moments m_hat, v_hat as the new state instead of the
    # raw m_t, v_t
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat


@wrong("check_adam_step", "t", "off-by-one", "exponent", "t = 1", "step count")
def adam_r13_t_plus_one(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: off-by-one in the step count, bias corrections use t + 1 although t = 1 already
    # on the first step
    t = t + 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adam_step", "eps", "keras", "bias correction", "epsilon", "sqrt(v)")
def adam_r13_keras_eps(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: Keras placement of eps, added to sqrt(v_t) before the bias correction (folded
    # into the step size) instead of to sqrt(v_hat)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    lr_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    return param - lr_t * m / (np.sqrt(v) + eps), m, v


@wrong("check_adam_step", "in place", "copy", "modify", "*=", "input arrays")
def adam_r13_inplace_moments(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: updates the caller's m and v in place (m *= beta1; m += ...) instead of
    # creating new arrays
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@right("check_adam_step")
def adam_r13_right_torch_order(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # correct: torch's order of operations, m via lerp, step size lr / bc1 and denominator
    # sqrt(v) / sqrt(bc2) + eps
    param = np.asarray(param, dtype=np.float64)
    grad = np.asarray(grad, dtype=np.float64)
    new_m = np.asarray(m, dtype=np.float64) + (1.0 - beta1) * (grad - m)
    new_v = np.asarray(v, dtype=np.float64) * beta2 + (1.0 - beta2) * grad * grad
    step_size = lr / (1.0 - beta1**t)
    denom = np.sqrt(new_v) / math.sqrt(1.0 - beta2**t) + eps
    return np.asarray(param - step_size * (new_m / denom)), np.asarray(new_m), np.asarray(new_v)


# =============================================================================================
# amsgrad_step  (check_amsgrad_step)
# =============================================================================================


@wrong("check_amsgrad_step", "v_max", "denominator", "running maximum", "normalise", "max")
def ams_r13_denominator_uses_v(
    param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8
):
    # mistake: updates v_max but normalises by the current v_t instead of by v_max (plain Adam step)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**t)
    denom = np.sqrt(v / (1 - beta2**t)) + eps
    return param - lr * m_hat / denom, m, v, v_max


@wrong("check_amsgrad_step", "order", "v_t", "after", "update v", "new v")
def ams_r13_max_before_update(
    param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8
):
    # mistake: takes the maximum with the previous v_{t-1} before v is updated instead of with
    # the new v_t
    v_max = np.maximum(v_max, v)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    denom = np.sqrt(v_max / (1 - beta2**t)) + eps
    return param - lr * m_hat / denom, m, v, v_max


@wrong("check_amsgrad_step", "bias correction", "1 - beta2**t", "v_max", "sqrt", "bias-corrects")
def ams_r13_no_bc2(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: no second-moment bias correction, the denominator is sqrt(v_max) + eps instead
    # of sqrt(v_max / (1 - beta2**t)) + eps
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**t)
    denom = np.sqrt(v_max) + eps
    return param - lr * m_hat / denom, m, v, v_max


@wrong("check_amsgrad_step", "raw", "optax", "bias-corrected", "v_max", "maximum of the raw")
def ams_r13_optax_max(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: optax convention, the running maximum is taken of the bias-corrected v_hat
    # instead of the raw v_t
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_hat = v / (1 - beta2**t)
    v_max = np.maximum(v_max, v_hat)
    m_hat = m / (1 - beta1**t)
    denom = np.sqrt(v_max) + eps
    return param - lr * m_hat / denom, m, v, v_max


@wrong("check_amsgrad_step", "in place", "out=", "modify", "copy", "v_max")
def ams_r13_inplace_vmax(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: updates the caller's v_max in place (np.maximum(v_max, v, out=v_max)) instead
    # of a new array
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    np.maximum(v_max, v, out=v_max)
    m_hat = m / (1 - beta1**t)
    denom = np.sqrt(v_max / (1 - beta2**t)) + eps
    return param - lr * m_hat / denom, m, v, v_max


@wrong("check_amsgrad_step", "t", "off-by-one", "t - 1", "exponent", "t = 1")
def ams_r13_t_minus_one(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: off-by-one, bias corrections use beta**(t - 1) (zero-based step) although t = 1
    # on the first step
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta1 ** (t - 1))
    denom = np.sqrt(v_max / (1 - beta2 ** (t - 1))) + eps
    return param - lr * m_hat / denom, m, v, v_max


@right("check_amsgrad_step")
def ams_r13_right_stacked(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # correct: the running maximum as np.max over a stacked pair; torch's step size and denominator
    grad = np.asarray(grad, dtype=np.float64)
    new_m = beta1 * np.asarray(m, dtype=np.float64) + (1 - beta1) * grad
    new_v = beta2 * np.asarray(v, dtype=np.float64) + (1 - beta2) * np.square(grad)
    new_v_max = np.max(np.stack([np.asarray(v_max, dtype=np.float64), new_v]), axis=0)
    step_size = lr / (1 - beta1**t)
    denom = np.sqrt(new_v_max) / (1 - beta2**t) ** 0.5 + eps
    new_param = np.asarray(param, dtype=np.float64) - step_size * new_m / denom
    return new_param, new_m, new_v, new_v_max


# =============================================================================================
# adamw_step  (check_adamw_step)
# =============================================================================================


@wrong("check_adamw_step", "lr", "learning rate", "1 - lr * weight_decay", "decay", "multiply")
def adamw_r13_decay_without_lr(
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
    # mistake: decoupled decay theta * (1 - weight_decay) without multiplying the decay by lr
    if decoupled:
        param = param * (1 - weight_decay)
    else:
        grad = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adamw_step", "order", "before", "first", "shrink", "decay")
def adamw_r13_decay_after_step(
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
    # mistake: applies the decoupled decay after the Adam step (to the updated theta) instead
    # of before it
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


@wrong("check_adamw_step", "l2", "gradient", "before the moments", "penalty", "g + weight_decay")
def adamw_r13_l2_in_update(
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
    # mistake: decoupled=False adds weight_decay * theta to the update after the moments
    # instead of to the gradient before them
    if decoupled:
        param = param * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    update = m_hat / (np.sqrt(v_hat) + eps)
    if not decoupled:
        update = update + weight_decay * param
    return param - lr * update, m, v


@wrong("check_adamw_step", "decoupled", "flag", "branch", "l2", "adamw")
def adamw_r13_swapped_branches(
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
    # mistake: the two branches are swapped, decoupled=True adds the L2 gradient and
    # decoupled=False shrinks the weights
    if not decoupled:
        param = param * (1 - lr * weight_decay)
    else:
        grad = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adamw_step", "in place", "copy", "modify", "*=", "param")
def adamw_r13_inplace_decay(
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
    # mistake: shrinks the caller's param in place (param *= 1 - lr * weight_decay) instead of
    # a new array
    if decoupled:
        param *= 1 - lr * weight_decay
    else:
        grad = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adamw_step", "weight_decay", "argument", "hard-coded", "default", "1e-2")
def adamw_r13_hardcoded_wd(
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
    # mistake: hard-codes the default decay 0.01 and ignores the weight_decay argument
    wd = 0.01
    if decoupled:
        param = param * (1 - lr * wd)
    else:
        grad = grad + wd * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@right("check_adamw_step")
def adamw_r13_right_dict(
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
    # correct: the two decay modes as a dispatch table of (param, grad) transforms, then one
    # Adam step
    theta = np.asarray(param, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    modes = {
        True: lambda th, gr: (th * (1.0 - lr * weight_decay), gr),
        False: lambda th, gr: (th, gr + weight_decay * th),
    }
    theta, g = modes[bool(decoupled)](theta, g)
    new_m = np.multiply(beta1, m) + np.multiply(1.0 - beta1, g)
    new_v = np.multiply(beta2, v) + np.multiply(1.0 - beta2, g * g)
    bc1, bc2 = 1.0 - beta1**t, 1.0 - beta2**t
    new_theta = theta - lr * (new_m / bc1) / (np.sqrt(new_v / bc2) + eps)
    return new_theta, new_m, new_v
