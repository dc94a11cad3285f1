"""Round 9 simulated student answers for the NumPy exercises (ex01-ex05).

Three kinds of student: (1) weak at NumPy shapes/axes/dtypes, (2) misreads the task text or
follows another library's convention, (3) off-by-one and state-handling bugs.
"""

from __future__ import annotations

import math

import numpy as np

from _heldout import right, wrong

# =============================================================================================
# numerical_gradient(f, x, h=1e-5)   -- ex01 Task 1
# =============================================================================================


@wrong(
    "check_numerical_gradient",
    "central",
    "central difference",
    "x - h",
    "f(x - h",
    "one-sided",
    "symmetric",
)
def ng_r9_forward_difference(f, x, h=1e-5):
    # mistake: one-sided forward difference (f(x + h e_i) - f(x)) / h instead of the central one
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
    "restore",
    "reset",
    "original value",
    "put back",
    "one coordinate at a time",
    "e_i",
)
def ng_r9_no_restore(f, x, h=1e-5):
    # mistake: never restores x[i] after perturbing it, so later coordinates start from x - h e_j
    xw = np.array(x, dtype=np.float64)
    grad = np.zeros_like(xw)
    for idx in np.ndindex(xw.shape):
        orig = xw[idx]
        xw[idx] = orig + h
        fp = f(xw.copy())
        xw[idx] = orig - h
        fm = f(xw.copy())
        grad[idx] = (fp - fm) / (2 * h)
    return grad


@wrong("check_numerical_gradient", "float", "float64", "dtype", "integer", "astype", "int array")
def ng_r9_integer_x(f, x, h=1e-5):
    # mistake: keeps the input dtype; for an integer x the step h is truncated to 0 (and grad
    # is int)
    x = np.asarray(x)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        grad[idx] = (f(xp) - f(xm)) / (2 * h)
    return grad


@wrong("check_numerical_gradient", "shape", "reshape", "x.shape", "same shape", "flatten", "ravel")
def ng_r9_returns_flat(f, x, h=1e-5):
    # mistake: returns the gradient as a flat vector instead of reshaping it to x.shape
    x = np.array(x, dtype=np.float64)
    flat = x.ravel()
    grad = []
    for i in range(flat.size):
        d = np.zeros_like(flat)
        d[i] = h
        grad.append((f((flat + d).reshape(x.shape)) - f((flat - d).reshape(x.shape))) / (2 * h))
    return np.array(grad)


# Tag 'one element at a time' added on review: the hint's wording of 'each element'.
@wrong(
    "check_numerical_gradient",
    "np.ndindex",
    "every element",
    "each element",
    "len(x)",
    "row",
    "each coordinate",
    "one element at a time",
)
def ng_r9_loops_over_rows(f, x, h=1e-5):
    # mistake: loops over range(len(x)) and perturbs x[i] -- a whole row for 2-D x (fails for 0-d)
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
    "mutate",
    "modify x",
    "in place",
    "copy",
    "np.array(x)",
    "caller's array",
)
def ng_r9_mutates_x_roundoff(f, x, h=1e-5):
    # mistake: perturbs the caller's x in place (+h, -2h, +h); rounding leaves x changed afterwards
    x = np.asarray(x)
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        x[idx] += h
        fp = f(x.copy())
        x[idx] -= 2 * h
        fm = f(x.copy())
        x[idx] += h
        grad[idx] = (fp - fm) / (2 * h)
    return grad


@right("check_numerical_gradient")
def ng_r9_right_eye_rows(f, x, h=1e-5):
    # correct: every step direction is a row of h * I, reshaped to x's shape
    base = np.array(x, dtype=np.float64)
    steps = h * np.eye(base.size)
    values = [
        (float(f(base + s.reshape(base.shape))) - float(f(base - s.reshape(base.shape))))
        / (2.0 * h)
        for s in steps
    ]
    return np.array(values, dtype=np.float64).reshape(base.shape)


# =============================================================================================
# linear_backward(x, W, b, grad_out) -> (grad_x, grad_W, grad_b)   -- ex01 Task 2
# =============================================================================================


@wrong(
    "check_linear_backward",
    "transpose",
    "grad_out.t @ x",
    "g^t x",
    "shape of w",
    "order of the product",
    "(m, n)",
)
def lb_r9_gradW_transposed(x, W, b, grad_out):
    # mistake: grad_W = x.T @ G has shape (n, m), the transpose of W's shape
    return grad_out @ W, x.T @ grad_out, grad_out.sum(axis=0)


@wrong(
    "check_linear_backward",
    "sum",
    "not the mean",
    "sum over the batch",
    "mean",
    "divide by b",
    "axis=0",
)
def lb_r9_gradb_mean(x, W, b, grad_out):
    # mistake: grad_b averages over the batch instead of summing
    return grad_out @ W, grad_out.T @ x, grad_out.mean(axis=0)


@wrong(
    "check_linear_backward",
    "axis=0",
    "axis",
    "batch axis",
    "shape of b",
    "sum over rows",
    "sum over the batch",
)
def lb_r9_gradb_wrong_axis(x, W, b, grad_out):
    # mistake: sums grad_out over axis 1 (outputs) instead of axis 0 (batch)
    gx = np.dot(grad_out, W)
    gW = np.dot(grad_out.T, x)
    gb = np.sum(grad_out, axis=1)
    return gx, gW, gb


@wrong(
    "check_linear_backward", "g w", "grad_out @ w", "w.t", "transpose", "shape of x", "no transpose"
)
def lb_r9_gradx_uses_WT(x, W, b, grad_out):
    # mistake: grad_x = G W^T instead of G W
    return grad_out @ W.T, grad_out.T @ x, grad_out.sum(0)


@wrong(
    "check_linear_backward",
    "order",
    "grad_x, grad_w, grad_b",
    "return order",
    "tuple",
    "swap",
    "(grad_x",
)
def lb_r9_return_order(x, W, b, grad_out):
    # mistake: returns (grad_W, grad_x, grad_b) instead of (grad_x, grad_W, grad_b)
    grad_W = grad_out.T @ x
    grad_x = grad_out @ W
    return grad_W, grad_x, grad_out.sum(axis=0)


@right("check_linear_backward")
def lb_r9_right_einsum(x, W, b, grad_out):
    # correct: the three contractions written with einsum
    G = np.asarray(grad_out, dtype=np.float64)
    gx = np.einsum("bm,mn->bn", G, W)
    gW = np.einsum("bm,bn->mn", G, x)
    gb = np.einsum("bm->m", G)
    return gx, gW, gb


# =============================================================================================
# backprop_norms(weights, x, grad_output, activation="tanh")   -- ex02 Task 1
# =============================================================================================


def _bn_forward(weights, x, activation):
    derivs = []
    h = np.asarray(x, dtype=np.float64)
    for W in weights:
        a = W @ h
        if activation == "tanh":
            h = np.tanh(a)
            derivs.append(1.0 - h * h)
        elif activation == "relu":
            h = np.maximum(a, 0.0)
            derivs.append((a > 0).astype(float))
        elif activation == "linear":
            h = a
            derivs.append(np.ones_like(a))
        else:
            raise ValueError(activation)
    return derivs


@wrong("check_backprop_norms", "order", "input first", "reverse", "[::-1]", "g_0 first", "reversed")
def bn_r9_output_first(weights, x, grad_output, activation="tanh"):
    # mistake: returns the norms output-first ([|g_K|, ..., |g_0|]) instead of input-first
    derivs = _bn_forward(weights, x, activation)
    g = np.asarray(grad_output, dtype=float)
    norms = [np.linalg.norm(g)]
    for W, d in zip(weights[::-1], derivs[::-1]):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms)


@wrong("check_backprop_norms", "transpose", "w.t", "w_k^t", "w^t", ".t @", "transposed")
def bn_r9_no_transpose(weights, x, grad_output, activation="tanh"):
    # mistake: propagates with W_k instead of W_k^T
    derivs = _bn_forward(weights, x, activation)
    g = np.asarray(grad_output, dtype=float)
    out = [np.linalg.norm(g)]
    for k in range(len(weights) - 1, -1, -1):
        g = weights[k] @ (derivs[k] * g)
        out.append(np.linalg.norm(g))
    return np.array(out[::-1])


@wrong(
    "check_backprop_norms",
    "tanh",
    "1 - tanh",
    "tanh(a)",
    "derivative of tanh",
    "1 - h**2",
    "1 - np.tanh(a) ** 2",
)
def bn_r9_tanh_derivative_of_a(weights, x, grad_output, activation="tanh"):
    # mistake: uses 1 - a**2 as tanh'(a) instead of 1 - tanh(a)**2
    h = np.asarray(x, dtype=float)
    derivs = []
    for W in weights:
        a = W @ h
        if activation == "tanh":
            h = np.tanh(a)
            derivs.append(1 - a**2)
        elif activation == "relu":
            h = np.where(a > 0, a, 0.0)
            derivs.append(np.where(a > 0, 1.0, 0.0))
        else:
            h = a
            derivs.append(np.ones(a.shape))
    g = np.asarray(grad_output, dtype=float)
    norms = [float(np.sqrt(g @ g))]
    for W, d in zip(reversed(weights), reversed(derivs)):
        g = W.T @ (d * g)
        norms.insert(0, float(np.sqrt(g @ g)))
    return np.array(norms)


@wrong(
    "check_backprop_norms",
    "a > 0",
    "indicator",
    "relu derivative",
    "np.sign",
    "0 or 1",
    "step function",
)
def bn_r9_relu_sign(weights, x, grad_output, activation="tanh"):
    # mistake: relu'(a) taken as sign(a) (-1 for negative a) instead of the indicator [a > 0]
    h = np.asarray(x, dtype=float)
    derivs = []
    for W in weights:
        a = W @ h
        if activation == "relu":
            h = np.maximum(a, 0)
            derivs.append(np.sign(a))
        elif activation == "tanh":
            h = np.tanh(a)
            derivs.append(1 - np.tanh(a) ** 2)
        else:
            h = a
            derivs.append(np.ones_like(a))
    g = np.asarray(grad_output, dtype=float)
    norms = [np.linalg.norm(g)]
    for W, d in zip(reversed(weights), reversed(derivs)):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@wrong("check_backprop_norms", "k + 1", "grad_output", "g_k", "include", "length", "last norm")
def bn_r9_missing_output_norm(weights, x, grad_output, activation="tanh"):
    # mistake: forgets to include |g_K| (the norm of grad_output), returning only K norms
    derivs = _bn_forward(weights, x, activation)
    g = np.asarray(grad_output, dtype=float)
    norms = []
    for W, d in zip(reversed(weights), reversed(derivs)):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@wrong(
    "check_backprop_norms",
    "reversed",
    "same layer",
    "phi'(a_k)",
    "index",
    "pair",
    "derivative of layer k",
)
def bn_r9_derivs_not_reversed(weights, x, grad_output, activation="tanh"):
    # mistake: walks the weights backwards but the stored derivatives forwards (W_K paired
    # with phi'(a_1))
    derivs = _bn_forward(weights, x, activation)
    g = np.asarray(grad_output, dtype=float)
    norms = [np.linalg.norm(g)]
    for W, d in zip(reversed(weights), derivs):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@wrong(
    "check_backprop_norms",
    "linear",
    "identity",
    "derivative 1",
    "np.ones",
    "activation",
    "linear activation",
)
def bn_r9_linear_treated_as_tanh(weights, x, grad_output, activation="tanh"):
    # mistake: only special-cases "relu"; "linear" falls into the tanh branch
    h = np.asarray(x, dtype=float)
    derivs = []
    for W in weights:
        a = W @ h
        if activation == "relu":
            h = np.maximum(a, 0.0)
            derivs.append((a > 0) * 1.0)
        else:
            h = np.tanh(a)
            derivs.append(1.0 - h**2)
    g = np.asarray(grad_output, dtype=float)
    norms = [np.linalg.norm(g)]
    for W, d in zip(reversed(weights), reversed(derivs)):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@right("check_backprop_norms")
def bn_r9_right_jacobians(weights, x, grad_output, activation="tanh"):
    # correct: build each layer's Jacobian dh_k/dh_{k-1} = diag(phi'(a_k)) W_k, then apply J^T
    phi = {
        "linear": (lambda a: a, lambda a: np.ones_like(a)),
        "tanh": (np.tanh, lambda a: 1.0 - np.tanh(a) ** 2),
        "relu": (lambda a: np.maximum(a, 0.0), lambda a: (a > 0).astype(np.float64)),
    }
    if activation not in phi:
        raise ValueError(f"unknown activation {activation!r}")
    act, dact = phi[activation]
    h = np.asarray(x, dtype=np.float64)
    jacobians = []
    for W in weights:
        W = np.asarray(W, dtype=np.float64)
        a = W @ h
        jacobians.append(dact(a)[:, None] * W)
        h = act(a)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [math.sqrt(float(np.dot(g, g)))]
    for J in jacobians[::-1]:
        g = J.T @ g
        norms.append(math.sqrt(float(np.dot(g, g))))
    return np.asarray(norms[::-1])


# =============================================================================================
# clip_by_value(grads, clip_value)   -- ex03 Task 1
# =============================================================================================


@wrong(
    "check_clip_by_value", "-clip_value", "lower bound", "negative", "both sides", "np.clip", "-c"
)
def cv_r9_upper_only(grads, clip_value):
    # mistake: only clips from above (np.minimum), large negative elements are left alone
    return [np.minimum(np.asarray(g, dtype=float), clip_value) for g in grads]


@wrong("check_clip_by_value", "in place", "out=", "copy", "mutate", "new list", "unchanged")
def cv_r9_inplace(grads, clip_value):
    # mistake: clips in place (out=g) like torch's clip_grad_value_, modifying the caller's arrays
    result = []
    for g in grads:
        np.clip(g, -clip_value, clip_value, out=g)
        result.append(g)
    return result


@wrong(
    "check_clip_by_value",
    "list",
    "each array",
    "per tensor",
    "for g in grads",
    "one per parameter",
    "list of arrays",
)
def cv_r9_stacks_list(grads, clip_value):
    # mistake: turns the list into one array (fails for different shapes, returns an array not
    # a list)
    stacked = np.array(grads, dtype=float)
    return np.clip(stacked, -clip_value, clip_value)


@wrong(
    "check_clip_by_value",
    "element",
    "elementwise",
    "each element",
    "np.clip",
    "clamp",
    "element-wise",
)
def cv_r9_rescales_by_max(grads, clip_value):
    # mistake: rescales each array by c / max|g| (direction-preserving) instead of clamping elements
    out = []
    for g in grads:
        g = np.asarray(g, dtype=np.float64)
        biggest = np.max(np.abs(g), initial=0.0)
        out.append(g * min(1.0, clip_value / biggest) if biggest > 0 else g.copy())
    return out


@wrong(
    "check_clip_by_value", "order", "a_min", "lower", "-clip_value, clip_value", "bounds", "swapped"
)
def cv_r9_bounds_swapped(grads, clip_value):
    # mistake: np.clip(g, c, -c) -- bounds swapped, every element becomes -c
    return [np.clip(g, clip_value, -clip_value) for g in grads]


@wrong("check_clip_by_value", "sign", "negative", "abs", "-c", "keep the sign", "np.sign")
def cv_r9_abs_loses_sign(grads, clip_value):
    # mistake: clips |g| to [0, c] and loses the sign of negative elements
    return [np.clip(np.abs(g), 0.0, clip_value) for g in grads]


@right("check_clip_by_value")
def cv_r9_right_sign_times_min(grads, clip_value):
    # correct: sign(g) * min(|g|, c); NaN stays NaN, +-inf becomes +-c
    out = []
    for g in grads:
        g = np.asarray(g, dtype=np.float64)
        out.append(np.asarray(np.sign(g) * np.minimum(np.abs(g), float(clip_value))))
    return out


# =============================================================================================
# clip_by_norm(grad, max_norm)   -- ex03 Task 2
# =============================================================================================


@wrong("check_clip_by_norm", "euclidean", "l2", "sqrt", "square", "ord=2", "sum of squares")
def cn_r9_l1_norm(grad, max_norm):
    # mistake: uses the L1 norm sum|g| instead of the Euclidean norm
    g = np.asarray(grad, dtype=float)
    norm = np.sum(np.abs(g))
    return g * min(max_norm / (norm + 1e-6), 1.0)


@wrong("check_clip_by_norm", "1e-6", "delta", "epsilon", "+ 1e-6", "denominator", "norm + ")
def cn_r9_no_delta(grad, max_norm):
    # mistake: drops the delta = 1e-6 from the denominator (0/0 for a zero gradient)
    g = np.asarray(grad, dtype=float)
    norm = np.linalg.norm(g.ravel())
    return g * min(max_norm / norm, 1.0)


# Tag 'must not be scaled up' added on review: the hint's wording of 'never enlarge'.
@wrong(
    "check_clip_by_norm",
    "min",
    "1.0",
    "never enlarge",
    "only shrink",
    "min(..., 1)",
    "minimum",
    "must not be scaled up",
)
def cn_r9_always_rescale(grad, max_norm):
    # mistake: always rescales to norm c (no min with 1), so small gradients are enlarged
    g = np.asarray(grad, dtype=float)
    return g * (max_norm / (np.sqrt(np.sum(g**2)) + 1e-6))


@wrong("check_clip_by_norm", "1e-6", "delta", "torch", "c / (norm + 1e-6)", "tensorflow", "max(")
def cn_r9_tensorflow_formula(grad, max_norm):
    # mistake: TensorFlow's g * c / max(||g||, c) instead of torch's min(c / (||g|| + 1e-6), 1)
    g = np.asarray(grad, dtype=float)
    norm = float(np.sqrt(np.sum(g * g)))
    return g * max_norm / max(norm, max_norm) if max(norm, max_norm) > 0 else g * 0.0


@wrong(
    "check_clip_by_norm", "whole array", "all elements", "axis", "ravel", "flatten", "single norm"
)
def cn_r9_norm_axis0(grad, max_norm):
    # mistake: np.linalg.norm(..., axis=0) gives one norm per column, scaling columns separately
    g = np.asarray(grad, dtype=float)
    norm = np.linalg.norm(g, axis=0) if g.ndim > 0 else abs(g)
    return g * np.minimum(max_norm / (norm + 1e-6), 1.0)


# Tag 'singular value' added on review: the hint names the spectral norm by its definition.
@wrong(
    "check_clip_by_norm",
    "ord",
    "frobenius",
    "ravel",
    "spectral",
    "matrix norm",
    "flatten",
    "singular value",
)
def cn_r9_spectral_norm(grad, max_norm):
    # mistake: np.linalg.norm(g, 2) on a 2-D array is the spectral norm, not the Euclidean norm
    g = np.asarray(grad, dtype=float)
    norm = np.linalg.norm(g, 2) if g.ndim == 2 else np.linalg.norm(g.ravel())
    return g * min(max_norm / (norm + 1e-6), 1.0)


@wrong(
    "check_clip_by_norm",
    "parentheses",
    "(norm + 1e-6)",
    "denominator",
    "delta",
    "precedence",
    "brackets",
)
def cn_r9_delta_outside(grad, max_norm):
    # mistake: precedence slip, c / ||g|| + 1e-6 instead of c / (||g|| + 1e-6)
    g = np.asarray(grad, dtype=float)
    norm = np.sqrt(np.sum(np.square(g)))
    with np.errstate(divide="ignore", invalid="ignore"):
        coef = max_norm / norm + 1e-6
    return g * min(coef, 1.0)


@right("check_clip_by_norm")
def cn_r9_right_vdot(grad, max_norm):
    # correct: squared norm via vdot, coefficient with np.minimum (keeps a NaN coefficient NaN)
    g = np.array(grad, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        coef = np.minimum(np.float64(max_norm) / (np.sqrt(np.vdot(g, g)) + 1e-6), 1.0)
        return np.asarray(coef * g)


# =============================================================================================
# clip_by_global_norm(grads, max_norm, norm_type=2.0) -> (clipped, total_norm)   -- ex03 Task 4
# =============================================================================================


def _cg_total(grads, p):
    flat = np.concatenate([np.ravel(np.asarray(g, dtype=float)) for g in grads])
    return float(np.linalg.norm(flat, ord=p))


@wrong(
    "check_clip_by_global_norm",
    "global",
    "joint",
    "all gradients",
    "one coefficient",
    "same factor",
    "total norm",
)
def cg_r9_per_tensor(grads, max_norm, norm_type=2.0):
    # mistake: clips each tensor by its own norm instead of one coefficient from the joint norm
    total = _cg_total(grads, norm_type)
    out = []
    for g in grads:
        g = np.asarray(g, dtype=float)
        n = float(np.linalg.norm(g.ravel(), ord=norm_type))
        out.append(g * min(max_norm / (n + 1e-6), 1.0))
    return out, total


@wrong(
    "check_clip_by_global_norm",
    "norm of norms",
    "sqrt",
    "square",
    "sum of squares",
    "p-norm",
    "concatenate",
)
def cg_r9_sum_of_norms(grads, max_norm, norm_type=2.0):
    # mistake: total norm = sum of the per-tensor norms instead of the p-norm of the per-
    # tensor norms
    total = sum(float(np.linalg.norm(np.ravel(g), ord=norm_type)) for g in grads)
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [np.asarray(g, dtype=float) * coef for g in grads], total


@wrong(
    "check_clip_by_global_norm",
    "before clipping",
    "pre-clip",
    "original norm",
    "total_norm",
    "before",
    "unclipped",
)
def cg_r9_returns_clipped_norm(grads, max_norm, norm_type=2.0):
    # mistake: returns the norm of the clipped gradients instead of the norm before clipping
    total = _cg_total(grads, norm_type)
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [np.asarray(g, dtype=float) * coef for g in grads], total * coef


@wrong("check_clip_by_global_norm", "norm_type", "ord", "p", "inf", "1-norm", "ord=norm_type")
def cg_r9_ignores_norm_type(grads, max_norm, norm_type=2.0):
    # mistake: always uses the 2-norm, ignoring norm_type
    total = math.sqrt(sum(float(np.sum(np.square(g))) for g in grads))
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [g * coef for g in grads], total


@wrong(
    "check_clip_by_global_norm", "inf", "max", "np.inf", "largest", "special case", "infinity norm"
)
def cg_r9_generic_power_formula(grads, max_norm, norm_type=2.0):
    # mistake: (sum |g|^p)^(1/p) also for p = inf, which gives 0**0 or inf**0 = 1, not max|g|
    p = float(norm_type)
    with np.errstate(over="ignore"):
        s = sum(float(np.sum(np.abs(np.asarray(g, dtype=float)) ** p)) for g in grads)
        total = s ** (1.0 / p)
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [np.asarray(g, dtype=float) * coef for g in grads], total


@wrong(
    "check_clip_by_global_norm",
    "ravel",
    "flatten",
    "matrix norm",
    "ord",
    "vector norm",
    "concatenate",
)
def cg_r9_matrix_norms(grads, max_norm, norm_type=2.0):
    # mistake: np.linalg.norm(g, ord=p) on a 2-D (or 4-D) array is a matrix norm (or an error)
    per_tensor = np.array(
        [
            np.linalg.norm(np.asarray(g, dtype=float), ord=norm_type)
            if np.ndim(g) > 0
            else abs(float(g))
            for g in grads
        ]
    )
    total = float(np.linalg.norm(per_tensor, ord=norm_type))
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [np.asarray(g, dtype=float) * coef for g in grads], total


@wrong(
    "check_clip_by_global_norm",
    "order",
    "return",
    "(clipped_grads, total_norm)",
    "tuple",
    "first",
    "swap",
)
def cg_r9_outputs_swapped(grads, max_norm, norm_type=2.0):
    # mistake: returns (total_norm, clipped) instead of (clipped, total_norm)
    total = _cg_total(grads, norm_type)
    coef = min(max_norm / (total + 1e-6), 1.0)
    return total, [np.asarray(g, dtype=float) * coef for g in grads]


@wrong(
    "check_clip_by_global_norm", "list", "shape", "reshape", "one per", "split", "list of arrays"
)
def cg_r9_returns_flat_vector(grads, max_norm, norm_type=2.0):
    # mistake: returns the clipped concatenated vector instead of a list shaped like grads
    flat = np.concatenate([np.ravel(g) for g in grads]).astype(float)
    total = float(np.linalg.norm(flat, ord=norm_type))
    return flat * min(max_norm / (total + 1e-6), 1.0), total


@wrong("check_clip_by_global_norm", "in place", "copy", "mutate", "*=", "new array", "unchanged")
def cg_r9_inplace(grads, max_norm, norm_type=2.0):
    # mistake: scales the caller's arrays in place with *=
    total = _cg_total(grads, norm_type)
    coef = min(max_norm / (total + 1e-6), 1.0)
    for g in grads:
        g *= coef
    return list(grads), total


@wrong("check_clip_by_global_norm", "1e-6", "delta", "epsilon", "10^{-6}", "1e-8", "denominator")
def cg_r9_adam_epsilon(grads, max_norm, norm_type=2.0):
    # mistake: uses delta = 1e-8 (Adam's eps) instead of 1e-6 in the coefficient
    total = _cg_total(grads, norm_type)
    coef = min(max_norm / (total + 1e-8), 1.0)
    return [np.asarray(g, dtype=float) * coef for g in grads], total


@wrong(
    "check_clip_by_global_norm",
    "nan",
    "min(1.0",
    "python min",
    "not a number",
    "np.minimum",
    "argument order",
)
def cg_r9_python_min_swallows_nan(grads, max_norm, norm_type=2.0):
    # mistake: min(1.0, coef) returns 1.0 when coef is NaN, so a NaN norm leaves gradients unclipped
    total = _cg_total(grads, norm_type)
    coef = min(1.0, max_norm / (total + 1e-6))
    return [np.asarray(g, dtype=float) * coef for g in grads], total


@right("check_clip_by_global_norm")
def cg_r9_right_norm_of_norms(grads, max_norm, norm_type=2.0):
    # correct: p-norm of the per-tensor p-norms (no concatenation), one shared coefficient
    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    p = float(norm_type)

    def vec_norm(a):
        a = np.abs(np.ravel(a))
        if p == math.inf:
            return float(a.max(initial=0.0))
        if p == 1.0:
            return float(a.sum())
        return float(np.sqrt(np.sum(a * a)))

    total = vec_norm(np.array([vec_norm(a) for a in arrays]))
    coef = max_norm / (total + 1e-6)
    if not math.isnan(coef):
        coef = min(coef, 1.0)
    with np.errstate(invalid="ignore"):
        return [np.asarray(a * coef) for a in arrays], total


# =============================================================================================
# adaptive_clip(grads, params, clip_factor=0.01, eps=1e-3)   -- ex03b Task 1
# =============================================================================================


def _agc_unit(g, w, axes, clip_factor, eps):
    g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
    w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
    limit = clip_factor * np.maximum(w_norm, eps)
    scale = np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0)
    return g * scale


@wrong(
    "check_adaptive_clip",
    "axes",
    "output-first",
    "axis 0",
    "pytorch layout",
    "1..ndim-1",
    "all axes but the last",
)
def agc_r9_jax_axes(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: JAX/Haiku input-first convention, reduces over all axes but the last
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, float), np.asarray(w, float)
        axes = tuple(range(g.ndim - 1)) if g.ndim > 1 else None
        out.append(_agc_unit(g, w, axes, clip_factor, eps))
    return out


@wrong("check_adaptive_clip", "unit", "unit-wise", "per row", "each output", "axis=1", "per unit")
def agc_r9_whole_tensor(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: one norm per whole tensor instead of one per output unit
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, float), np.asarray(w, float)
        gn, wn = np.linalg.norm(g.ravel()), np.linalg.norm(w.ravel())
        limit = clip_factor * max(wn, eps)
        out.append(g * (limit / max(gn, 1e-6)) if gn > limit else g.copy())
    return out


@wrong(
    "check_adaptive_clip",
    "keepdims",
    "broadcast",
    "reshape",
    "[:, none]",
    "shape (out, 1)",
    "keepdims=true",
)
def agc_r9_no_keepdims(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: unit norms without keepdims, so (out,) broadcasts against the last axis of g
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, float), np.asarray(w, float)
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        gn = np.sqrt(np.sum(g**2, axis=axes))
        wn = np.sqrt(np.sum(w**2, axis=axes))
        limit = clip_factor * np.maximum(wn, eps)
        out.append(g * np.where(gn > limit, limit / np.maximum(gn, 1e-6), 1.0))
    return out


@wrong(
    "check_adaptive_clip",
    "all axes",
    "axes 1..ndim-1",
    "tuple(range(1, ndim))",
    "conv",
    "kh, kw",
    "axis=(1, 2, 3)",
)
def agc_r9_axis1_only(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: reduces over axis 1 only, so a conv weight (out, in, kh, kw) gets one norm per
    # (out, kh, kw)
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, float), np.asarray(w, float)
        axes = 1 if g.ndim > 1 else None
        out.append(_agc_unit(g, w, axes, clip_factor, eps))
    return out


@wrong("check_adaptive_clip", "bias", "single unit", "rank 1", "1-d", "whole vector", "ndim <= 1")
def agc_r9_bias_per_element(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: axis=tuple(range(1, ndim)) is () for a 1-D bias, so each element is its own unit
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, float), np.asarray(w, float)
        out.append(_agc_unit(g, w, tuple(range(1, g.ndim)), clip_factor, eps))
    return out


@wrong("check_adaptive_clip", "max(||w||, eps)", "floor", "weight norm", "eps", "omega", "1e-6")
def agc_r9_floors_swapped(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: floors the weight norm with 1e-6 and the gradient norm with eps (floors swapped)
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, float), np.asarray(w, float)
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        gn = (
            np.linalg.norm(g.reshape(g.shape[0], -1), axis=1).reshape((-1,) + (1,) * (g.ndim - 1))
            if g.ndim > 1
            else np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        )
        wn = (
            np.linalg.norm(w.reshape(w.shape[0], -1), axis=1).reshape((-1,) + (1,) * (w.ndim - 1))
            if w.ndim > 1
            else np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        )
        limit = clip_factor * np.maximum(wn, 1e-6)
        out.append(np.where(gn > limit, g * limit / np.maximum(gn, eps), g))
    return out


@wrong("check_adaptive_clip", "eps", "floor", "max(", "omega", "zero weights", "np.maximum")
def agc_r9_no_weight_floor(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: limit = clip_factor * ||W_i|| without the eps floor, zero-initialised units
    # never move
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, float), np.asarray(w, float)
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        gn = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        wn = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * wn
        out.append(np.where(gn > limit, g * limit / np.maximum(gn, 1e-6), g))
    return out


# Tag 'only where' added on review: the hint's wording of 'only if'.
@wrong(
    "check_adaptive_clip",
    "only if",
    "condition",
    "np.where",
    "greater",
    "otherwise",
    "min(",
    "only where",
)
def agc_r9_always_scale(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: rescales every unit to the limit, also units below it (enlarging them)
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, float), np.asarray(w, float)
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        gn = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        wn = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(wn, eps)
        out.append(g * limit / np.maximum(gn, 1e-6))
    return out


@wrong("check_adaptive_clip", "default", "eps=1e-3", "1e-3", "omega", "floor", "default value")
def agc_r9_default_eps(grads, params, clip_factor=0.01, eps=1e-6):
    # mistake: default eps changed to 1e-6 (confused with the gradient-norm floor) instead of 1e-3
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, float), np.asarray(w, float)
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        out.append(_agc_unit(g, w, axes, clip_factor, eps))
    return out


@wrong(
    "check_adaptive_clip",
    "order",
    "grads, params",
    "swap",
    "weights",
    "argument order",
    "arguments",
)
def agc_r9_args_swapped(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: unpacks zip(grads, params) as (w, g), clipping the weights relative to the gradients
    out = []
    for w, g in zip(grads, params):
        g, w = np.asarray(g, float), np.asarray(w, float)
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        out.append(_agc_unit(g, w, axes, clip_factor, eps))
    return out


@wrong("check_adaptive_clip", "in place", "copy", "mutate", "*=", "new list", "unchanged")
def agc_r9_inplace(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: multiplies the caller's gradient arrays in place
    for g, w in zip(grads, params):
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        gn = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        wn = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(wn, eps)
        g *= np.where(gn > limit, limit / np.maximum(gn, 1e-6), 1.0)
    return list(grads)


@right("check_adaptive_clip")
def agc_r9_right_reshape_rows(grads, params, clip_factor=0.01, eps=1e-3):
    # correct: reshape to (units, -1), one norm per row, clip factor per row, reshape back
    result = []
    for g, w in zip(grads, params):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        rows = g.shape[0] if g.ndim > 1 else 1
        cols = int(np.prod(g.shape[1:])) if g.ndim > 1 else g.size
        G, Wm = g.reshape(rows, cols), w.reshape(rows, cols)
        gn = np.linalg.norm(G, axis=1)
        wn = np.linalg.norm(Wm, axis=1)
        limit = clip_factor * np.maximum(wn, eps)
        factor = np.ones_like(gn)
        hit = gn > limit
        factor[hit] = limit[hit] / np.maximum(gn[hit], 1e-6)
        with np.errstate(invalid="ignore"):
            result.append(np.asarray((G * factor[:, None]).reshape(g.shape)))
    return result


# =============================================================================================
# per_example_clip(per_example_grads, max_norm, noise_multiplier=0.0, rng=None)   -- ex03b Task 2
# =============================================================================================


def _pe_clipped_sum(g, max_norm):
    B = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(B, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    return np.tensordot(factors, g, axes=1)


@wrong(
    "check_per_example_clip",
    "each example",
    "per example",
    "before averaging",
    "per-example",
    "individual",
    "clip each",
)
def pe_r9_clips_mean(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: averages first and clips the mean gradient instead of clipping each example
    g = np.asarray(per_example_grads, dtype=float)
    B = g.shape[0]
    mean = g.mean(axis=0)
    mean = mean * min(1.0, max_norm / (np.linalg.norm(mean.ravel()) + 1e-6))
    if noise_multiplier > 0:
        mean = mean + rng.normal(0.0, noise_multiplier * max_norm, size=mean.shape) / B
    return mean


@wrong(
    "check_per_example_clip",
    "nu * c",
    "noise_multiplier * max_norm",
    "std",
    "scale",
    "sigma c",
    "times max_norm",
)
def pe_r9_noise_std_nu(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: noise standard deviation nu instead of nu * c
    g = np.asarray(per_example_grads, dtype=float)
    total = _pe_clipped_sum(g, max_norm)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier, size=total.shape)
    return total / g.shape[0]


@wrong(
    "check_per_example_clip",
    "standard deviation",
    "variance",
    "squared",
    "scale",
    "std",
    "nu^2 c^2",
)
def pe_r9_noise_variance_as_scale(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: passes the variance (nu c)^2 as rng.normal's scale, which is the standard deviation
    g = np.asarray(per_example_grads, dtype=float)
    total = _pe_clipped_sum(g, max_norm)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, (noise_multiplier * max_norm) ** 2, size=total.shape)
    return total / g.shape[0]


@wrong(
    "check_per_example_clip",
    "divide",
    "before averaging",
    "/ b",
    "sum then noise",
    "order",
    "noise before dividing",
)
def pe_r9_noise_after_mean(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: adds the noise after dividing by B, so the noise is not divided by B
    g = np.asarray(per_example_grads, dtype=float)
    avg = _pe_clipped_sum(g, max_norm) / g.shape[0]
    if noise_multiplier > 0:
        avg = avg + rng.normal(0.0, noise_multiplier * max_norm, size=avg.shape)
    return avg


@wrong(
    "check_per_example_clip",
    "one call",
    "shape of one gradient",
    "rng.normal",
    "size",
    "once",
    "per-example noise",
)
def pe_r9_noise_per_example(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: draws noise for every example (size=g.shape) and sums it, instead of one draw
    g = np.asarray(per_example_grads, dtype=float)
    B = g.shape[0]
    norms = np.linalg.norm(g.reshape(B, -1), axis=1)
    clipped = g * np.minimum(1.0, max_norm / (norms + 1e-6)).reshape((B,) + (1,) * (g.ndim - 1))
    if noise_multiplier > 0:
        clipped = clipped + rng.normal(0.0, noise_multiplier * max_norm, size=g.shape)
    return clipped.sum(axis=0) / B


@wrong(
    "check_per_example_clip",
    "all remaining axes",
    "reshape(b, -1)",
    "axis",
    "flatten",
    "whole example",
    "axis=1",
)
def pe_r9_norm_axis1(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: norm over axis 1 only; for gradients of shape (B, d1, d2) that is one norm per column
    g = np.asarray(per_example_grads, dtype=float)
    norms = np.linalg.norm(g, axis=1, keepdims=True)
    total = (g * np.minimum(1.0, max_norm / (norms + 1e-6))).sum(axis=0)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / g.shape[0]


@wrong(
    "check_per_example_clip",
    "divide",
    "average",
    "/ b",
    "mean",
    "batch size",
    "sum instead of mean",
)
def pe_r9_returns_sum(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: returns the noisy sum (optax convention) instead of dividing by B
    g = np.asarray(per_example_grads, dtype=float)
    total = _pe_clipped_sum(g, max_norm)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total


@wrong(
    "check_per_example_clip", "1e-6", "delta", "+ 1e-6", "epsilon", "denominator", "zero gradient"
)
def pe_r9_no_delta(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: c / ||g_i|| without the delta (NaN for a zero example, and clipped norms exactly c)
    g = np.asarray(per_example_grads, dtype=float)
    B = g.shape[0]
    norms = np.sqrt((g.reshape(B, -1) ** 2).sum(axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        factors = np.minimum(1.0, max_norm / norms)
    total = np.tensordot(factors, g, axes=1)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / B


@wrong(
    "check_per_example_clip",
    "only when",
    "noise_multiplier > 0",
    "rng",
    "skip",
    "do not draw",
    "if noise_multiplier",
)
def pe_r9_always_draws(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: always calls rng.normal (crashes with rng=None, consumes the generator when nu = 0)
    g = np.asarray(per_example_grads, dtype=float)
    total = _pe_clipped_sum(g, max_norm)
    total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / g.shape[0]


@wrong(
    "check_per_example_clip", "rng", "generator", "rng.normal", "np.random", "seed", "global random"
)
def pe_r9_global_numpy_random(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: draws the noise from the global np.random instead of the rng argument
    g = np.asarray(per_example_grads, dtype=float)
    total = _pe_clipped_sum(g, max_norm)
    if noise_multiplier > 0:
        total = total + np.random.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / g.shape[0]


@wrong("check_per_example_clip", "reshape", "broadcast", "[:, none]", "keepdims", "newaxis", "axis")
def pe_r9_factor_broadcast(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: multiplies g (B, d) by factors (B,) without reshaping, so factors hit the last axis
    g = np.asarray(per_example_grads, dtype=float)
    B = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(B, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.sum(g * factors, axis=0)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / B


@wrong(
    "check_per_example_clip", "in place", "copy", "mutate", "*=", "unchanged", "modify the input"
)
def pe_r9_inplace(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: asarray does not copy a float64 array; scaling it in place changes the caller's data
    g = np.asarray(per_example_grads, dtype=np.float64)
    B = g.shape[0]
    for i in range(B):
        n = np.sqrt(np.sum(g[i] ** 2))
        g[i] *= min(1.0, max_norm / (n + 1e-6))
    total = g.sum(axis=0)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / B


@right("check_per_example_clip")
def pe_r9_right_loop_standard_normal(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # correct: clip example by example in a loop; noise as scale * rng.standard_normal
    g = np.asarray(per_example_grads, dtype=np.float64)
    total = np.zeros(g.shape[1:])
    for example in g:
        n = math.sqrt(float(np.sum(example * example)))
        total = total + example * min(1.0, max_norm / (n + 1e-6))
    if noise_multiplier > 0:
        total = total + (noise_multiplier * max_norm) * rng.standard_normal(size=total.shape)
    return np.asarray(total / g.shape[0])


# =============================================================================================
# adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)   -- ex04 Task 1
# =============================================================================================


@wrong(
    "check_adam_step",
    "t",
    "t = 1 on the first step",
    "increment",
    "step count",
    "t + 1",
    "off by one",
)
def adam_r9_t_plus_one(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: increments t first (thinks t counts finished steps), bias-correcting with t + 1
    t = t + 1
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * grad * grad
    update = (m_new / (1 - beta1**t)) / (np.sqrt(v_new / (1 - beta2**t)) + eps)
    return param - lr * update, m_new, v_new


@wrong("check_adam_step", "raw", "m_t", "not m_hat", "bias-corrected", "raw moments", "return m")
def adam_r9_returns_corrected_moments(
    param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8
):
    # mistake: returns the bias-corrected m_hat, v_hat instead of the raw moments
    m_hat = (beta1 * m + (1 - beta1) * grad) / (1 - beta1**t)
    v_hat = (beta2 * v + (1 - beta2) * grad * grad) / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat


@wrong(
    "check_adam_step",
    "eps",
    "outside the square root",
    "sqrt(v_hat) + eps",
    "epsilon",
    "denominator",
    "inside the sqrt",
)
def adam_r9_eps_inside_sqrt(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: eps inside the square root, sqrt(v_hat + eps)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * np.square(grad)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / np.sqrt(v_hat + eps), m, v


@wrong(
    "check_adam_step",
    "eps",
    "bias correction",
    "keras",
    "sqrt(v_hat) + eps",
    "epsilon",
    "epsilon hat",
)
def adam_r9_keras_eps(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: Keras/paper-efficient form, eps added to sqrt(v_t) before the bias correction
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    alpha_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    return param - alpha_t * m / (np.sqrt(v) + eps), m, v


@wrong(
    "check_adam_step",
    "bias correction",
    "1 - beta1**t",
    "m_hat",
    "v_hat",
    "correct",
    "1 - beta2**t",
)
def adam_r9_no_bias_correction(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: no bias correction at all
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    return param - lr * m / (np.sqrt(v) + eps), m, v


@wrong("check_adam_step", "g * g", "gradient squared", "grad", "not m", "g_t^2", "grad**2")
def adam_r9_v_from_new_m(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: v is updated with the square of the new m instead of the square of the gradient
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * m * m
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adam_step", "in place", "copy", "mutate", "*=", "+=", "new array")
def adam_r9_inplace_moments(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: updates m and v in place (*=, +=), modifying the caller's state arrays
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adam_step", "beta1", "beta2", "swap", "first moment", "second moment", "betas")
def adam_r9_betas_swapped(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: beta2 for the first moment and beta1 for the second (bias corrections swapped too)
    m = beta2 * m + (1 - beta2) * grad
    v = beta1 * v + (1 - beta1) * grad * grad
    m_hat = m / (1 - beta2**t)
    v_hat = v / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adam_step", "m_t", "updated", "new m", "before", "order", "m_{t-1}")
def adam_r9_step_with_old_moments(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: computes the parameter update from the old m_{t-1}, v_{t-1}, then updates the moments
    with np.errstate(divide="ignore", invalid="ignore"):
        new_param = param - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    new_m = beta1 * m + (1 - beta1) * grad
    new_v = beta2 * v + (1 - beta2) * grad * grad
    return new_param, new_m, new_v


@wrong("check_adam_step", "same array", "separate", "alias", "copy", "zeros_like", "two arrays")
def adam_r9_one_buffer_two_outputs(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: new_m = new_v = np.empty_like(m) makes both names one array; v overwrites m
    new_m = new_v = np.empty_like(m, dtype=np.float64)
    new_m[...] = beta1 * m + (1 - beta1) * grad
    new_v[...] = beta2 * v + (1 - beta2) * grad * grad
    m_hat = new_m / (1 - beta1**t)
    v_hat = new_v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), new_m, new_v


@wrong("check_adam_step", "lr", "constant", "learning rate", "sqrt(t)", "schedule", "lr / sqrt(t)")
def adam_r9_lr_over_sqrt_t(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: uses the convergence-proof schedule lr / sqrt(t) instead of the constant lr
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    lr_t = lr / np.sqrt(t)
    return param - lr_t * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


@wrong(
    "check_adam_step",
    "v_hat",
    "1 - beta2**t",
    "second moment",
    "bias correction",
    "sqrt(1 - beta2**t)",
    "both moments",
)
def adam_r9_corrects_only_m(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: bias-corrects only the first moment; v is used raw
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    step_size = lr / (1 - beta1**t)
    return param - step_size * m / (np.sqrt(v) + eps), m, v


@right("check_adam_step")
def adam_r9_right_torch_form(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # correct: torch's arrangement -- lerp for m, step_size = lr / bc1, denom =
    # sqrt(v)/sqrt(bc2)+eps
    param = np.asarray(param, dtype=np.float64)
    grad = np.asarray(grad, dtype=np.float64)
    new_m = m + (1 - beta1) * (grad - m)
    new_v = v * beta2 + (1 - beta2) * grad * grad
    bc1 = 1 - beta1**t
    bc2_sqrt = math.sqrt(1 - beta2**t)
    denom = np.sqrt(new_v) / bc2_sqrt + eps
    return param - (lr / bc1) * (new_m / denom), new_m, new_v


# =============================================================================================
# amsgrad_step(param, grad, m, v, v_max, t, ...)   -- ex05 Task 1
# =============================================================================================


@wrong(
    "check_amsgrad_step",
    "raw",
    "bias-corrected",
    "optax",
    "v_t",
    "before bias correction",
    "maximum of raw v",
)
def ams_r9_max_of_corrected(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: optax convention, running maximum of the bias-corrected v_hat (stored as v_max)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_hat = v / (1 - beta2**t)
    v_max = np.maximum(v_max, v_hat)
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v_max) + eps), m, v, v_max


@wrong(
    "check_amsgrad_step", "v_t", "new v", "updated v", "current", "after update", "max(v_max, v_t)"
)
def ams_r9_max_with_old_v(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: takes the maximum with the old v_{t-1} before updating v
    v_max = np.maximum(v_max, v)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    denom = np.sqrt(v_max / (1 - beta2**t)) + eps
    with np.errstate(divide="ignore", invalid="ignore"):
        return param - lr * (m / (1 - beta1**t)) / denom, m, v, v_max


@wrong(
    "check_amsgrad_step",
    "v_max",
    "denominator",
    "normalise",
    "running maximum",
    "sqrt(v_max)",
    "use v_max",
)
def ams_r9_normalises_by_v(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: updates v_max but still divides by sqrt(v_hat) (plain Adam step)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    return param - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v, v_max


@wrong(
    "check_amsgrad_step",
    "new_v_max",
    "return",
    "updated",
    "running maximum",
    "state",
    "return the new",
)
def ams_r9_returns_old_vmax(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: uses the new maximum for the step but returns the old v_max
    new_m = beta1 * m + (1 - beta1) * grad
    new_v = beta2 * v + (1 - beta2) * grad * grad
    vmax_t = np.maximum(v_max, new_v)
    denom = np.sqrt(vmax_t / (1 - beta2**t)) + eps
    return param - lr * new_m / (1 - beta1**t) / denom, new_m, new_v, v_max


@wrong(
    "check_amsgrad_step",
    "raw v",
    "separate",
    "v and v_max",
    "do not overwrite v",
    "moving average",
    "new_v",
)
def ams_r9_overwrites_v(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: replaces v by the running maximum, so the returned v is v_max, not the raw v_t
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v / (1 - beta2**t)) + eps), m, v, v


# Tag 'not of v_max and g**2' added on review: the hint names this very mistake.
@wrong(
    "check_amsgrad_step",
    "v_t",
    "moving average",
    "not g**2",
    "max of v",
    "second moment",
    "np.maximum(v_max, v)",
    "not of v_max and g**2",
)
def ams_r9_max_of_grad_squared(
    param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8
):
    # mistake: running maximum of g^2 instead of the second-moment average v_t
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, grad * grad)
    return param - lr * (m / (1 - beta1**t)) / (np.sqrt(v_max / (1 - beta2**t)) + eps), m, v, v_max


@wrong(
    "check_amsgrad_step",
    "order",
    "return",
    "new_v, new_v_max",
    "tuple",
    "swap",
    "(new_param, new_m, new_v, new_v_max)",
)
def ams_r9_outputs_swapped(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: returns (param, m, v_max, v) -- last two outputs in the wrong order
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    denom = np.sqrt(v_max / (1 - beta2**t)) + eps
    return param - lr * m / (1 - beta1**t) / denom, m, v_max, v


@wrong(
    "check_amsgrad_step",
    "bias correction",
    "1 - beta2**t",
    "v_max / (1 - beta2**t)",
    "correct",
    "sqrt(1 - beta2**t)",
    "bias-correct v_max",
)
def ams_r9_vmax_not_corrected(
    param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8
):
    # mistake: divides by sqrt(v_max) without the bias correction 1 - beta2**t
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    return param - lr * (m / (1 - beta1**t)) / (np.sqrt(v_max) + eps), m, v, v_max


@wrong("check_amsgrad_step", "in place", "out=", "copy", "mutate", "new array", "unchanged")
def ams_r9_inplace_vmax(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: np.maximum(v_max, v, out=v_max) overwrites the caller's v_max
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    np.maximum(v_max, v, out=v_max)
    return param - lr * (m / (1 - beta1**t)) / (np.sqrt(v_max / (1 - beta2**t)) + eps), m, v, v_max


@wrong(
    "check_amsgrad_step",
    "t",
    "t = 1 on the first step",
    "step count",
    "increment",
    "exponent",
    "off by one",
)
def ams_r9_t_plus_one(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: uses t + 1 in the bias corrections (treats t as the number of finished steps)
    step = t + 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    denom = np.sqrt(v_max / (1 - beta2**step)) + eps
    return param - lr / (1 - beta1**step) * m / denom, m, v, v_max


@wrong(
    "check_amsgrad_step",
    "elementwise",
    "np.maximum",
    "np.max",
    "element-wise maximum",
    "per element",
    "reduction",
)
def ams_r9_scalar_max(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: max(np.max(v_max), np.max(v)) -- one scalar maximum instead of an element-wise one
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.full_like(v, max(float(np.max(v_max)), float(np.max(v))))
    return param - lr * (m / (1 - beta1**t)) / (np.sqrt(v_max / (1 - beta2**t)) + eps), m, v, v_max


@right("check_amsgrad_step")
def ams_r9_right_torch_form(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # correct: torch's order of operations, maximum of the raw v, then sqrt(v_max)/sqrt(bc2) + eps
    g = np.asarray(grad, dtype=np.float64)
    m_t = m + (g - m) * (1.0 - beta1)
    v_t = beta2 * v + (1.0 - beta2) * (g * g)
    vmax_t = np.maximum(v_max, v_t)
    denominator = np.sqrt(vmax_t) / math.sqrt(1.0 - beta2**t) + eps
    new_param = np.asarray(param, dtype=np.float64) - lr / (1.0 - beta1**t) * (m_t / denominator)
    return new_param, m_t, v_t, vmax_t


# =============================================================================================
# adamw_step(param, grad, m, v, t, lr, beta1, beta2, eps, weight_decay=1e-2, decoupled=True)
#   -- ex05 Task 2
# =============================================================================================


def _aw_adam(param, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong(
    "check_adamw_step",
    "lr * weight_decay",
    "learning rate",
    "multiply by lr",
    "1 - lr * weight_decay",
    "eta lambda",
    "torch",
)
def aw_r9_decay_without_lr(
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
    # mistake: paper convention theta * (1 - lambda), not torch's theta * (1 - lr * lambda)
    if decoupled:
        param = param * (1 - weight_decay)
    else:
        grad = grad + weight_decay * param
    return _aw_adam(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong(
    "check_adamw_step",
    "before",
    "first",
    "order",
    "shrink the weights first",
    "theta_{t-1}",
    "decay before the step",
)
def aw_r9_decay_after_step(
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
    # mistake: applies the decoupled decay to the parameters after the Adam step instead of before
    if not decoupled:
        grad = grad + weight_decay * param
    new_param, m, v = _aw_adam(param, grad, m, v, t, lr, beta1, beta2, eps)
    if decoupled:
        new_param = new_param * (1 - lr * weight_decay)
    return new_param, m, v


@wrong("check_adamw_step", "decoupled", "plain g", "not add", "gradient", "both", "plain gradient")
def aw_r9_decoupled_also_l2(
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
    # mistake: the decoupled branch also adds weight_decay * param to the gradient
    g = grad + weight_decay * param
    if decoupled:
        param = param * (1 - lr * weight_decay)
    return _aw_adam(param, g, m, v, t, lr, beta1, beta2, eps)


@wrong("check_adamw_step", "decoupled", "flag", "l2 penalty", "decoupled=true", "adamw", "inverted")
def aw_r9_flag_inverted(
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
    # mistake: the two branches are swapped (decoupled=True does the L2 penalty)
    if decoupled:
        grad = grad + weight_decay * param
    else:
        param = param * (1 - lr * weight_decay)
    return _aw_adam(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong(
    "check_adamw_step",
    "before the moments",
    "add to the gradient",
    "g + weight_decay * param",
    "l2 penalty",
    "penalty gradient",
    "gradient",
)
def aw_r9_l2_added_to_update(
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
    # mistake: the L2 branch adds weight_decay * param to the update, not to the gradient
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    direction = (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    if decoupled:
        return param * (1 - lr * weight_decay) - lr * direction, m, v
    return param - lr * (direction + weight_decay * param), m, v


# Tag '2 * weight_decay' added on review: the hint's spelling of 'factor of two'.
@wrong(
    "check_adamw_step",
    "weight_decay * param",
    "lambda theta",
    "gradient of",
    "factor",
    "lambda/2",
    "factor of two",
    "2 * weight_decay",
)
def aw_r9_l2_factor_two(
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
    # mistake: differentiates lambda * ||theta||^2, adding 2 * lambda * theta instead of
    # lambda * theta
    if decoupled:
        param = param * (1 - lr * weight_decay)
    else:
        grad = grad + 2 * weight_decay * param
    return _aw_adam(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong(
    "check_adamw_step",
    "lr",
    "1 - lr * weight_decay",
    "bias correction",
    "learning rate only",
    "step_size",
    "not the bias-corrected",
)
def aw_r9_decay_with_step_size(
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
    # mistake: reuses step_size = lr / (1 - beta1**t) for the decay instead of lr
    step_size = lr / (1 - beta1**t)
    if decoupled:
        param = param * (1 - step_size * weight_decay)
    else:
        grad = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    denom = np.sqrt(v) / np.sqrt(1 - beta2**t) + eps
    return param - step_size * m / denom, m, v


@wrong(
    "check_adamw_step", "decoupled=false", "only", "branch", "not both", "l2 penalty only", "else"
)
def aw_r9_always_decays(
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
    # mistake: shrinks the weights in both modes; the L2 mode adds the penalty on top
    param = param * (1 - lr * weight_decay)
    if not decoupled:
        grad = grad + weight_decay * param
    return _aw_adam(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong(
    "check_adamw_step",
    "default",
    "weight_decay=1e-2",
    "0.01",
    "adamw default",
    "default value",
    "signature",
)
def aw_r9_default_zero_decay(
    param,
    grad,
    m,
    v,
    t,
    lr=1e-3,
    beta1=0.9,
    beta2=0.999,
    eps=1e-8,
    weight_decay=0.0,
    decoupled=True,
):
    # mistake: default weight_decay=0.0 (torch.optim.Adam's) instead of the task's 1e-2
    if decoupled:
        param = param * (1 - lr * weight_decay)
    else:
        grad = grad + weight_decay * param
    return _aw_adam(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong("check_adamw_step", "in place", "copy", "mutate", "*=", "new array", "unchanged")
def aw_r9_inplace_param(
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
    # mistake: param *= (1 - lr * wd) / grad += wd * param modify the caller's arrays
    if decoupled:
        param *= 1 - lr * weight_decay
    else:
        grad += weight_decay * param
    return _aw_adam(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong("check_adamw_step", "sign", "minus", "1 - lr * weight_decay", "shrink", "decay", "1 +")
def aw_r9_decay_sign(
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
    # mistake: theta * (1 + lr * lambda) grows the weights instead of shrinking them
    if decoupled:
        param = param + lr * weight_decay * param
    else:
        grad = grad + weight_decay * param
    return _aw_adam(param, grad, m, v, t, lr, beta1, beta2, eps)


@right("check_adamw_step")
def aw_r9_right_explicit_terms(
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
    # correct: penalty gradient and decay factor as explicit (possibly zero) terms
    theta = np.asarray(param, dtype=np.float64)
    l2 = 0.0 if decoupled else weight_decay
    shrink = (1.0 - lr * weight_decay) if decoupled else 1.0
    g = np.asarray(grad, dtype=np.float64) + l2 * theta
    theta = theta * shrink
    m_new = beta1 * m + (1.0 - beta1) * g
    v_new = beta2 * v + (1.0 - beta2) * g**2
    m_hat = m_new / (1.0 - beta1**t)
    v_hat = v_new / (1.0 - beta2**t)
    return theta - lr * m_hat / (v_hat**0.5 + eps), m_new, v_new
