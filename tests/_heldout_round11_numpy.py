"""Round 11 student answers: MATLAB/R habits, example-only testing, noise statistics, return
confusion.

Short names: ng numerical_gradient, lb linear_backward, bn backprop_norms, cv clip_by_value,
cn clip_by_norm, cg clip_by_global_norm, ac adaptive_clip, pe per_example_clip, ad adam_step,
am amsgrad_step, aw adamw_step.
"""

from __future__ import annotations

import numpy as np

from _heldout import right, wrong

# =============================================================================================
# numerical_gradient(f, x, h=1e-5)
# =============================================================================================


@wrong(
    "check_numerical_gradient",
    "float64",
    "integer array",
    "dtype",
    "astype(float)",
    "np.array(x, dtype=np.float64)",
)
def ng_r11_int_dtype(f, x, h=1e-5):
    # mistake: keeps x's dtype, so for an integer x the step h is truncated to 0 (and grad is int)
    x = np.array(x)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[idx] = h
        grad[idx] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


# Tag 'one element at a time' added on review: the hint's wording of 'every element'.
@wrong(
    "check_numerical_gradient",
    "every element",
    "np.ndindex",
    "len",
    "range(len(x))",
    "multi-dimensional",
    "one element at a time",
)
def ng_r11_range_len(f, x, h=1e-5):
    # mistake: range(len(x)) walks the rows of a 2-D x, perturbing a whole row at once
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in range(len(x)):
        xp = x.copy()
        xp[i] += h
        xm = x.copy()
        xm[i] -= h
        grad[i] = (f(xp) - f(xm)) / (2 * h)
    return grad


@wrong(
    "check_numerical_gradient",
    "off-by-one",
    "zero-based",
    "range(x.size)",
    "first element",
    "index 0",
)
def ng_r11_one_based(f, x, h=1e-5):
    # mistake: MATLAB 1:n habit turned into range(1, n): element 0 is never differentiated
    x = np.array(x, dtype=np.float64)
    grad = np.zeros(x.shape)
    flat_grad = grad.reshape(-1)
    for k in range(1, x.size):
        xp = x.copy().reshape(-1)
        xm = x.copy().reshape(-1)
        xp[k] += h
        xm[k] -= h
        flat_grad[k] = (f(xp.reshape(x.shape)) - f(xm.reshape(x.shape))) / (2 * h)
    return grad


@wrong("check_numerical_gradient", "copy", "do not modify x", "np.asarray", "in place", "restore")
def ng_r11_mutates_x(f, x, h=1e-5):
    # mistake: perturbs the caller's array in place (np.asarray, no copy) and never restores it
    x = np.asarray(x, dtype=np.float64)
    grad = np.empty_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        flat_x[i] += h
        f_plus = float(f(x.copy()))
        flat_x[i] -= 2 * h
        f_minus = float(f(x.copy()))
        flat_grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


@wrong("check_numerical_gradient", "shape of x", "reshape", "x.shape", "flatten", "same shape")
def ng_r11_flat_shape(f, x, h=1e-5):
    # mistake: returns the gradient as a flat vector (MATLAB x(:) habit), not in the shape of x
    x = np.array(x, dtype=np.float64)
    flat = x.ravel()
    out = []
    for i in range(flat.size):
        xp, xm = flat.copy(), flat.copy()
        xp[i] += h
        xm[i] -= h
        out.append((f(xp.reshape(x.shape)) - f(xm.reshape(x.shape))) / (2 * h))
    return np.array(out, dtype=np.float64)


@right("check_numerical_gradient")
def ng_r11_ok_eye(f, x, h=1e-5):
    # correct: one row of h * I per coordinate (made lazily), a list comprehension
    x = np.array(x, dtype=np.float64)
    base = x.ravel()
    steps = (np.where(np.arange(base.size) == i, h, 0.0) for i in range(base.size))
    values = [
        (float(f((base + e).reshape(x.shape))) - float(f((base - e).reshape(x.shape)))) / (2.0 * h)
        for e in steps
    ]
    return np.array(values, dtype=np.float64).reshape(x.shape)


# =============================================================================================
# linear_backward(x, W, b, grad_out)
# =============================================================================================


@wrong(
    "check_linear_backward", "sum over the batch", "axis=0", "sum(axis=0)", "shape of b", "colsums"
)
def lb_r11_bias_axis1(x, W, b, grad_out):
    # mistake: R rowSums habit, sums over the outputs (axis=1) instead of over the batch
    grad_x = grad_out @ W
    grad_W = grad_out.T @ x
    grad_b = grad_out.sum(axis=1)
    return grad_x, grad_W, grad_b


@wrong(
    "check_linear_backward", "shape of w", "grad_out.t @ x", "output-first", "transpose", "(m, n)"
)
def lb_r11_gradW_transposed(x, W, b, grad_out):
    # mistake: input-first habit, grad_W = x^T G has shape (n, m) instead of W's (m, n)
    grad_x = grad_out @ W
    grad_W = x.T @ grad_out
    grad_b = grad_out.sum(axis=0)
    return grad_x, grad_W, grad_b


@wrong(
    "check_linear_backward",
    "batch size",
    "hard-coded",
    "every row",
    "sum(axis=0)",
    "sum over the batch",
)
def lb_r11_batch_of_four(x, W, b, grad_out):
    # mistake: hard-codes the notebook example's batch of 4 rows when summing for grad_b
    grad_x = grad_out @ W
    grad_W = grad_out.T @ x
    grad_b = grad_out[0] + grad_out[1] + grad_out[2] + grad_out[3]
    return grad_x, grad_W, grad_b


# Tag 'the shape you return' added on review: the hint names the shape of grad_b.
@wrong(
    "check_linear_backward",
    "np.matrix",
    "1-d",
    "shape of b",
    "ndarray",
    "@",
    "the shape you return",
)
def lb_r11_np_matrix(x, W, b, grad_out):
    # mistake: np.matrix habit: sums stay 2-D, so grad_b has shape (1, m) instead of (m,)
    G, X, Wm = np.matrix(grad_out), np.matrix(x), np.matrix(W)
    grad_x = G * Wm
    grad_W = G.T * X
    grad_b = G.sum(axis=0)
    return grad_x, grad_W, grad_b


@wrong("check_linear_backward", "off-by-one", "zero-based", "range", "first row", "sum(axis=0)")
def lb_r11_bias_skips_row0(x, W, b, grad_out):
    # mistake: 1-based loop habit, range(1, B) skips row 0 when accumulating grad_b
    grad_x = grad_out @ W
    grad_W = grad_out.T @ x
    grad_b = np.zeros(W.shape[0])
    for i in range(1, grad_out.shape[0]):
        grad_b = grad_b + grad_out[i]
    return grad_x, grad_W, grad_b


@right("check_linear_backward")
def lb_r11_ok_einsum(x, W, b, grad_out):
    # correct: every contraction spelled out with einsum
    G = np.asarray(grad_out, dtype=np.float64)
    return (
        np.einsum("bm,mn->bn", G, np.asarray(W, dtype=np.float64)),
        np.einsum("bm,bn->mn", G, np.asarray(x, dtype=np.float64)),
        np.einsum("bm->m", G),
    )


# =============================================================================================
# backprop_norms(weights, x, grad_output, activation="tanh")
# =============================================================================================


@wrong("check_backprop_norms", "input first", "reverse", "[::-1]", "order", "g_0 first")
def bn_r11_output_first(weights, x, grad_output, activation="tanh"):
    # mistake: returns the norms in backward order (g_K first) instead of input first
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


@wrong("check_backprop_norms", "len(weights)", "number of layers", "hard-coded", "depth", "30")
def bn_r11_depth_30(weights, x, grad_output, activation="tanh"):
    # mistake: hard-codes the notebook's depth of 30 layers instead of len(weights)
    K = 30
    derivatives = []
    h = np.asarray(x, dtype=np.float64)
    for W in weights[:K]:
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
    for k in range(K - 1, -1, -1):
        g = weights[k].T @ (derivatives[k] * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


# Tag "the input's is missing" added on review: the hint names the missing g_0.
@wrong(
    "check_backprop_norms",
    "k + 1",
    "off-by-one",
    "range",
    "g_0",
    "len(weights) + 1",
    "the input's is missing",
)
def bn_r11_missing_g0(weights, x, grad_output, activation="tanh"):
    # mistake: MATLAB K:-1:1 turned into range(K - 1, 0, -1): stops before layer 1, so g_0 is
    # missing
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
    K = len(weights)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.linalg.norm(g)]
    for k in range(K - 1, 0, -1):
        g = weights[k].T @ (derivatives[k] * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@wrong("check_backprop_norms", "transpose", "w.t", "w_k^t", "w.t @", "(n_k, n_{k-1})")
def bn_r11_no_transpose(weights, x, grad_output, activation="tanh"):
    # mistake: multiplies by W_k instead of W_k^T (runs only because the example's layers are
    # square)
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


# Tag "w_k.t @ (phi'(a_k)" added on review: the hint's spelling of 'w.t @ (d * g)'.
@wrong(
    "check_backprop_norms",
    "element-wise",
    "odot",
    "np.dot",
    "parentheses",
    "w.t @ (d * g)",
    "w_k.t @ (phi'(a_k)",
)
def bn_r11_dot_star(weights, x, grad_output, activation="tanh"):
    # mistake: np.dot / * mix-up: (W^T phi') * g instead of W^T (phi' * g)
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
        g = np.dot(W.T, d) * g
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@wrong(
    "check_backprop_norms",
    "sqrt",
    "euclidean norm",
    "np.linalg.norm",
    "squared norm",
    "square root",
)
def bn_r11_squared(weights, x, grad_output, activation="tanh"):
    # mistake: R sum(g^2) habit: squared norms, the square root is never taken
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
    norms = [np.sum(g**2)]
    for W, d in zip(reversed(weights), reversed(derivatives)):
        g = W.T @ (d * g)
        norms.append(np.sum(g**2))
    return np.array(norms[::-1])


@right("check_backprop_norms")
def bn_r11_ok_recursive(weights, x, grad_output, activation="tanh"):
    # correct: recursion, the gradient of layer k is computed on the way back up
    derivative = {
        "linear": lambda a: (a, np.ones_like(a)),
        "tanh": lambda a: (np.tanh(a), 1.0 - np.tanh(a) ** 2),
        "relu": lambda a: (np.maximum(a, 0.0), (a > 0).astype(np.float64)),
    }.get(activation)
    if derivative is None:
        raise ValueError(f"unknown activation {activation!r}")

    def go(k, h):
        # returns the list of gradients g_k .. g_K given h_k
        if k == len(weights):
            return [np.asarray(grad_output, dtype=np.float64)]
        W = np.asarray(weights[k], dtype=np.float64)
        h_next, d = derivative(W @ h)
        rest = go(k + 1, h_next)
        return [W.T @ (d * rest[0])] + rest

    grads = go(0, np.asarray(x, dtype=np.float64))
    return np.array([np.sqrt(np.sum(g * g)) for g in grads])


# =============================================================================================
# clip_by_value(grads, clip_value)
# =============================================================================================


@wrong("check_clip_by_value", "in place", "out=", "copy", "modify the input", "new array")
def cv_r11_inplace(grads, clip_value):
    # mistake: np.clip(..., out=g) overwrites the caller's arrays
    return [np.clip(g, -clip_value, clip_value, out=g) for g in grads]


@wrong("check_clip_by_value", "nan", "np.fmax", "np.fmin", "nan stays nan", "np.clip")
def cv_r11_fmax_nan(grads, clip_value):
    # mistake: np.fmin/np.fmax ignore NaN, so a NaN element becomes -clip_value
    return [np.fmin(np.fmax(np.array(g, dtype=np.float64), -clip_value), clip_value) for g in grads]


@wrong("check_clip_by_value", "clip_value", "hard-coded", "threshold", "argument", "-clip_value")
def cv_r11_hardcoded_one(grads, clip_value):
    # mistake: hard-codes the threshold 1.0 from the notebook's example instead of clip_value
    return [np.clip(g, -1.0, 1.0) for g in grads]


@wrong(
    "check_clip_by_value", "list", "generator", "square brackets", "list comprehension", "new list"
)
def cv_r11_generator(grads, clip_value):
    # mistake: returns a generator expression (round brackets), not a list
    return (np.clip(g, -clip_value, clip_value) for g in grads)


# Tag 'one result per item' added on review: the hint's wording of 'every array'.
@wrong(
    "check_clip_by_value",
    "every array",
    "for g in grads",
    "loop",
    "all gradients",
    "list comprehension",
    "one result per item",
)
def cv_r11_first_only(grads, clip_value):
    # mistake: tested with a one-element list only: clips grads[0] and drops the other arrays
    return [np.clip(grads[0], -clip_value, clip_value)]


@right("check_clip_by_value")
def cv_r11_ok_where(grads, clip_value):
    # correct: two nested np.where (comparisons with NaN are False, so NaN passes through)
    c = float(clip_value)
    out = []
    for g in grads:
        a = np.array(g, dtype=np.float64)
        out.append(np.asarray(np.where(a > c, c, np.where(a < -c, -c, a)), dtype=np.float64))
    return out


# =============================================================================================
# clip_by_norm(grad, max_norm)
# =============================================================================================


@wrong("check_clip_by_norm", "euclidean", "l2", "sqrt", "sum of squares")
def cn_r11_l1(grad, max_norm):
    # mistake: L1 norm instead of the Euclidean norm
    norm = np.sum(np.abs(grad))
    return grad * min(max_norm / (norm + 1e-6), 1.0)


# Tag 'must not be scaled up' added on review: the hint's wording of 'never enlarge'.
@wrong(
    "check_clip_by_norm",
    "min",
    "min(..., 1)",
    "never enlarge",
    "coefficient at most 1",
    "upscale",
    "must not be scaled up",
)
def cn_r11_no_min(grad, max_norm):
    # mistake: drops the min(., 1): small gradients are scaled UP to norm max_norm
    norm = np.sqrt(np.sum(np.square(grad)))
    return grad * (max_norm / (norm + 1e-6))


# Tag 'all its elements' added on review: the hint's wording of 'all elements'.
@wrong(
    "check_clip_by_norm",
    "all elements",
    "np.sum",
    "len",
    "multi-dimensional",
    "flatten",
    "all its elements",
)
def cn_r11_len_loop(grad, max_norm):
    # mistake: sums grad[i]**2 over range(len(grad)): for a 2-D grad that gives per-column norms
    grad = np.asarray(grad, dtype=np.float64)
    total = 0.0
    for i in range(len(grad)):
        total = total + grad[i] ** 2
    norm = np.sqrt(total)
    return grad * np.minimum(max_norm / (norm + 1e-6), 1.0)


@wrong("check_clip_by_norm", "frobenius", "ord=2", "spectral norm", "all elements", "ravel")
def cn_r11_spectral(grad, max_norm):
    # mistake: MATLAB norm(A) habit: np.linalg.norm(grad, 2) is the largest singular value of
    # a matrix
    grad = np.asarray(grad, dtype=np.float64)
    norm = np.linalg.norm(grad, 2)
    return grad * min(max_norm / (norm + 1e-6), 1.0)


@wrong(
    "check_clip_by_norm",
    "always applied",
    "coefficient",
    "if",
    "norm equals c",
    "min(c / (norm + 1e-6), 1)",
)
def cn_r11_if_branch(grad, max_norm):
    # mistake: applies the coefficient only when norm > max_norm (torch always applies it)
    grad = np.asarray(grad, dtype=np.float64)
    norm = np.sqrt(np.sum(grad**2))
    if norm > max_norm:
        return grad * (max_norm / (norm + 1e-6))
    return grad.copy()


@wrong("check_clip_by_norm", "floor division", "//", "true division", "integer division", "/")
def cn_r11_floordiv(grad, max_norm):
    # mistake: // (floor division, R's %/%) in the coefficient: any norm above max_norm gives 0
    norm = np.sqrt(np.sum(np.square(grad)))
    return grad * min(max_norm // (norm + 1e-6), 1.0)


@right("check_clip_by_norm")
def cn_r11_ok_tensordot(grad, max_norm):
    # correct: the squared norm as a full contraction of grad with itself
    g = np.asarray(grad, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        norm = np.sqrt(np.tensordot(g, g, axes=g.ndim))
        coef = np.minimum(float(max_norm) / (norm + 1e-6), 1.0)
        return np.asarray(g * coef)


# =============================================================================================
# clip_by_global_norm(grads, max_norm, norm_type=2.0)
# =============================================================================================


@wrong(
    "check_clip_by_global_norm",
    "before clipping",
    "total norm",
    "unclipped",
    "original norm",
    "return",
)
def cg_r11_clipped_norm(grads, max_norm, norm_type=2.0):
    # mistake: returns the norm AFTER clipping instead of the norm before
    flat = np.concatenate([np.ravel(g) for g in grads])
    total_norm = float(np.linalg.norm(flat, ord=norm_type))
    coef = min(max_norm / (total_norm + 1e-6), 1.0)
    return [g * coef for g in grads], total_norm * coef


@wrong("check_clip_by_global_norm", "norm_type", "ord=norm_type", "p-norm", "np.inf", "argument")
def cg_r11_always_l2(grads, max_norm, norm_type=2.0):
    # mistake: tested with the default only: always the 2-norm, norm_type is ignored
    flat = np.concatenate([np.ravel(g) for g in grads])
    total_norm = float(np.sqrt(np.sum(flat**2)))
    coef = min(max_norm / (total_norm + 1e-6), 1.0)
    return [g * coef for g in grads], total_norm


@wrong(
    "check_clip_by_global_norm",
    "max",
    "np.inf",
    "inf-norm",
    "special case",
    "largest absolute value",
)
def cg_r11_inf_formula(grads, max_norm, norm_type=2.0):
    # mistake: (sum |g|^p)^(1/p) also for p = inf, which gives 1 instead of max |g|
    flat = np.concatenate([np.ravel(g) for g in grads])
    with np.errstate(over="ignore"):
        total_norm = float(np.sum(np.abs(flat) ** norm_type) ** (1.0 / norm_type))
    coef = min(max_norm / (total_norm + 1e-6), 1.0)
    return [g * coef for g in grads], total_norm


@wrong(
    "check_clip_by_global_norm", "ravel", "flatten", "matrix norm", "all elements", "np.linalg.norm"
)
def cg_r11_matrix_norm(grads, max_norm, norm_type=2.0):
    # mistake: np.linalg.norm(g, ord) on an unflattened 2-D g is a matrix (induced) norm
    per_tensor = [np.linalg.norm(np.asarray(g, dtype=np.float64), ord=norm_type) for g in grads]
    total_norm = float(np.linalg.norm(np.array(per_tensor), ord=norm_type))
    coef = min(max_norm / (total_norm + 1e-6), 1.0)
    return [g * coef for g in grads], total_norm


@wrong(
    "check_clip_by_global_norm",
    "one coefficient",
    "same scalar",
    "joint norm",
    "global",
    "per-layer",
)
def cg_r11_per_tensor(grads, max_norm, norm_type=2.0):
    # mistake: clips every tensor by its own norm (the total norm returned is right)
    flat = np.concatenate([np.ravel(g) for g in grads])
    total_norm = float(np.linalg.norm(flat, ord=norm_type))
    clipped = []
    for g in grads:
        n = float(np.linalg.norm(np.ravel(g), ord=norm_type))
        clipped.append(g * min(max_norm / (n + 1e-6), 1.0))
    return clipped, total_norm


@wrong("check_clip_by_global_norm", "nan", "np.nansum", "np.nanmax", "propagate", "nan anywhere")
def cg_r11_nan_skip(grads, max_norm, norm_type=2.0):
    # mistake: nansum/nanmax skip NaN, so a NaN does not make the norm and the result NaN
    flat = np.abs(np.concatenate([np.ravel(g) for g in grads]))
    if norm_type == np.inf:
        total_norm = float(np.nanmax(flat))
    elif norm_type == 1:
        total_norm = float(np.nansum(flat))
    else:
        total_norm = float(np.sqrt(np.nansum(flat**2)))
    coef = min(max_norm / (total_norm + 1e-6), 1.0)
    return [g * coef for g in grads], total_norm


@wrong(
    "check_clip_by_global_norm",
    "norm of norms",
    "sqrt",
    "sum of squares",
    "concatenated",
    "p-norm of the per-tensor norms",
)
def cg_r11_sum_of_norms(grads, max_norm, norm_type=2.0):
    # mistake: adds the per-tensor norms instead of taking the p-norm of them
    total_norm = float(sum(np.linalg.norm(np.ravel(g), ord=norm_type) for g in grads))
    coef = min(max_norm / (total_norm + 1e-6), 1.0)
    return [g * coef for g in grads], total_norm


@right("check_clip_by_global_norm")
def cg_r11_ok_dispatch(grads, max_norm, norm_type=2.0):
    # correct: a dict of p-norm functions, norm of the per-tensor norms
    pnorm = {
        1.0: lambda a: float(np.sum(np.abs(a))),
        2.0: lambda a: float(np.sqrt(np.sum(a * a))),
        float("inf"): lambda a: float(np.max(np.abs(a), initial=0.0)),
    }[float(norm_type)]
    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    total = pnorm(np.array([pnorm(a) for a in arrays], dtype=np.float64))
    coef = np.minimum(float(max_norm) / (total + 1e-6), 1.0)  # keeps a NaN coefficient
    with np.errstate(invalid="ignore"):
        return [np.asarray(a * coef) for a in arrays], total


# =============================================================================================
# adaptive_clip(grads, params, clip_factor=0.01, eps=1e-3)
# =============================================================================================


@wrong("check_adaptive_clip", "output-first", "axes 1..ndim-1", "axis", "jax layout", "unit")
def ac_r11_jax_axes(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: JAX layout, reduces over all axes but the LAST instead of all but the first
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        axes = tuple(range(g.ndim - 1)) if g.ndim > 1 else None
        g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(w_norm, eps)
        out.append(g * np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0))
    return out


@wrong("check_adaptive_clip", "unit-wise", "per row", "each unit", "keepdims", "axis=")
def ac_r11_whole_tensor(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: one norm per tensor instead of one per output unit
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        g_norm = np.sqrt(np.sum(g * g, axis=None, keepdims=True))
        w_norm = np.sqrt(np.sum(w * w, axis=None, keepdims=True))
        limit = clip_factor * np.maximum(w_norm, eps)
        out.append(g * np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0))
    return out


@wrong(
    "check_adaptive_clip",
    "tuple(range(1, ndim))",
    "conv",
    "all axes but the first",
    "hard-coded axis",
    "axis=1",
)
def ac_r11_axis1(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: hard-codes axis=1 (fine for a Linear weight), so a conv unit's norm misses kh, kw
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        axes = 1 if g.ndim > 1 else None
        g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(w_norm, eps)
        out.append(g * np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0))
    return out


@wrong("check_adaptive_clip", "eps", "floor", "max(||w||, eps)", "np.maximum", "zero weights")
def ac_r11_no_floor(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: no eps floor on the weight norm: a zero-initialised unit gets a zero gradient
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * w_norm
        scale = np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0)
        out.append(g * scale)
    return out


# Tag 'only where' added on review: the hint's wording of 'only if'.
@wrong(
    "check_adaptive_clip",
    "only if",
    "np.where",
    "condition",
    "otherwise unchanged",
    "greater than",
    "only where",
)
def ac_r11_always_scale(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: rescales every unit to the limit, also those below it (they get enlarged)
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(w_norm, eps)
        out.append(g * (limit / np.maximum(g_norm, 1e-6)))
    return out


@wrong("check_adaptive_clip", "bias", "rank 1", "single unit", "ndim", "len")
def ac_r11_len_units(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: units = range(len(g)): for a 1-D bias every element becomes its own unit
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        clipped = np.empty_like(g)
        for i in range(len(g)):
            g_norm = np.sqrt(np.sum(g[i] ** 2))
            w_norm = np.sqrt(np.sum(w[i] ** 2))
            limit = clip_factor * max(w_norm, eps)
            if g_norm > limit:
                clipped[i] = g[i] * (limit / max(g_norm, 1e-6))
            else:
                clipped[i] = g[i]
        out.append(clipped)
    return out


@wrong("check_adaptive_clip", "off-by-one", "zero-based", "range", "first unit", "row 0")
def ac_r11_skip_unit0(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: 1-based loop habit, range(1, n_units) never clips unit 0 of a weight matrix
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        if g.ndim <= 1:
            g_norm = np.sqrt(np.sum(g * g, axis=None, keepdims=True))
            w_norm = np.sqrt(np.sum(w * w, axis=None, keepdims=True))
            limit = clip_factor * np.maximum(w_norm, eps)
            out.append(g * np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0))
            continue
        clipped = g.copy()
        for i in range(1, g.shape[0]):
            g_norm = np.sqrt(np.sum(g[i] ** 2))
            w_norm = np.sqrt(np.sum(w[i] ** 2))
            limit = clip_factor * max(w_norm, eps)
            if g_norm > limit:
                clipped[i] = g[i] * (limit / max(g_norm, 1e-6))
        out.append(clipped)
    return out


@wrong("check_adaptive_clip", "in place", "*=", "copy", "modify the input", "new array")
def ac_r11_inplace(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: g *= scale on np.asarray(g) rescales the caller's gradient arrays in place
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g), np.asarray(w)
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(w_norm, eps)
        g *= np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0)
        out.append(g)
    return out


@right("check_adaptive_clip")
def ac_r11_ok_rows(grads, params, clip_factor=0.01, eps=1e-3):
    # correct: reshape every tensor to (units, rest), clip rows, reshape back
    out = []
    for g, w in zip(grads, params):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        units = g.shape[0] if g.ndim > 1 else 1
        rest = int(np.prod(g.shape[1:])) if g.ndim > 1 else g.size
        G, Wm = g.reshape(units, rest), w.reshape(units, rest)
        g_norm = np.sqrt(np.einsum("ij,ij->i", G, G))[:, None]
        w_norm = np.sqrt(np.einsum("ij,ij->i", Wm, Wm))[:, None]
        limit = clip_factor * np.maximum(w_norm, eps)
        with np.errstate(invalid="ignore"):
            scale = np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0)
            out.append(np.asarray((G * scale).reshape(g.shape)))
    return out


# =============================================================================================
# per_example_clip(per_example_grads, max_norm, noise_multiplier=0.0, rng=None)
# =============================================================================================


@wrong(
    "check_per_example_clip",
    "standard deviation",
    "noise_multiplier * max_norm",
    "nu * c",
    "scale",
    "times c",
)
def pe_r11_std_nu(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: noise std is noise_multiplier, not noise_multiplier * max_norm
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(factors, g, axes=1)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier, size=total.shape)
    return total / g.shape[0]


@wrong("check_per_example_clip", "variance", "standard deviation", "not squared", "scale", "nu * c")
def pe_r11_variance(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: passes the variance (nu c)^2 as rng.normal's scale, which is the std
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(factors, g, axes=1)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, (noise_multiplier * max_norm) ** 2, size=total.shape)
    return total / g.shape[0]


@wrong(
    "check_per_example_clip",
    "shape of one gradient",
    "size=total.shape",
    "once",
    "after summing",
    "one draw",
)
def pe_r11_noise_per_example(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: draws noise of the batch's shape (B, ...) and sums it: sqrt(B) times too much noise
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    clipped = g * factors.reshape((batch,) + (1,) * (g.ndim - 1))
    if noise_multiplier > 0:
        clipped = clipped + rng.normal(0.0, noise_multiplier * max_norm, size=g.shape)
    return clipped.sum(axis=0) / batch


@wrong(
    "check_per_example_clip",
    "rng",
    "rng.normal",
    "generator",
    "global random state",
    "np.random.normal",
)
def pe_r11_global_rng(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: draws from NumPy's global RNG (np.random.normal) instead of the rng argument
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(factors, g, axes=1)
    if noise_multiplier > 0:
        total = total + np.random.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / g.shape[0]


@wrong(
    "check_per_example_clip",
    "seed",
    "default_rng",
    "passed generator",
    "rng argument",
    "do not reseed",
)
def pe_r11_seed_inside(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: seeds a fresh generator inside the function, ignoring the rng passed in
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(factors, g, axes=1)
    if noise_multiplier > 0:
        rng = np.random.default_rng(0)
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / g.shape[0]


@wrong(
    "check_per_example_clip",
    "loc",
    "scale=",
    "mean zero",
    "keyword argument",
    "rng.normal(0.0, std)",
)
def pe_r11_loc_confusion(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: R rnorm habit: the std goes into rng.normal's first argument, which is the MEAN
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(factors, g, axes=1)
    if noise_multiplier > 0:
        total = total + rng.normal(noise_multiplier * max_norm, size=total.shape)
    return total / g.shape[0]


@wrong(
    "check_per_example_clip",
    "only when",
    "noise_multiplier > 0",
    "if",
    "rng not used",
    "skip the noise",
)
def pe_r11_draw_when_zero(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: always draws noise, also for noise_multiplier = 0 (uses rng, fails for rng=None)
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(factors, g, axes=1)
    total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / g.shape[0]


# Tag 'axis 1' added on review: the hint's spelling of 'axis=1'.
@wrong(
    "check_per_example_clip",
    "all remaining axes",
    "reshape(batch, -1)",
    "flatten",
    "example's norm",
    "axis=1",
    "axis 1",
)
def pe_r11_axis1_norm(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: tested on (B, d) only: norm over axis=1 alone, wrong for (B, d1, d2) gradients
    g = np.asarray(per_example_grads, dtype=np.float64)
    norms = np.linalg.norm(g, axis=1)
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.sum(g * factors[:, np.newaxis], axis=0)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / g.shape[0]


@wrong("check_per_example_clip", "sum", "np.sum(axis=0)", "add", "list concatenation", "+ on lists")
def pe_r11_list_concat(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: total = total + list(...) concatenates the clipped rows instead of adding them
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    total = []
    for i in range(batch):
        norm = np.sqrt(np.sum(g[i] ** 2))
        total = total + list(np.atleast_1d(g[i] * min(1.0, max_norm / (norm + 1e-6))))
    total = np.array(total)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / batch


@wrong("check_per_example_clip", "divide by b", "average", "mean", "batch size", "/ batch")
def pe_r11_sum_not_mean(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: returns the noisy SUM (optax style), never divides by the batch size
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(factors, g, axes=1)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total


@right("check_per_example_clip")
def pe_r11_ok_loop(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # correct: an explicit loop over examples; noise as scale * standard_normal (same draws)
    g = np.asarray(per_example_grads, dtype=np.float64)
    total = np.zeros(g.shape[1:])
    for example in g:
        norm = np.sqrt(np.sum(example * example))
        total = total + example * np.minimum(1.0, max_norm / (norm + 1e-6))
    if noise_multiplier > 0:
        total = total + (noise_multiplier * max_norm) * rng.standard_normal(total.shape)
    return np.asarray(total / g.shape[0])


# =============================================================================================
# adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
# =============================================================================================


@wrong("check_adam_step", "raw moments", "m_t", "not m_hat", "bias-corrected", "next step")
def ad_r11_returns_hat(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: returns the bias-corrected m_hat, v_hat instead of the raw moments
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat


@wrong(
    "check_adam_step",
    "eps outside",
    "sqrt(v_hat) + eps",
    "epsilon",
    "after the square root",
    "denominator",
)
def ad_r11_eps_inside_sqrt(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: eps added inside the square root
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / np.sqrt(v_hat + eps), m, v


# Tag 'beta**(t+1)' added on review: the hint's spelling of the off-by-one.
@wrong(
    "check_adam_step",
    "t = 1",
    "beta1**t",
    "off-by-one",
    "step count",
    "bias correction",
    "beta**(t+1)",
)
def ad_r11_t_plus_one(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: treats t as 0-based and bias-corrects with t + 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1 ** (t + 1))
    v_hat = v / (1 - beta2 ** (t + 1))
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adam_step", "in place", "*=", "copy", "do not modify", "new array")
def ad_r11_inplace(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: updates the caller's m and v in place (m *= ...) and returns the same objects
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adam_step", "beta1", "beta2", "hard-coded", "hyperparameters", "0.9")
def ad_r11_hardcoded_betas(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: the bias corrections use the literal defaults 0.9, 0.999 instead of beta1, beta2
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - 0.9**t)
    v_hat = v / (1 - 0.999**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adam_step", "element-wise", "g * g", "np.dot", "square each element", "odot")
def ad_r11_np_dot(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: np.dot(grad, grad) (a sum of squares) instead of the element-wise square
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * np.dot(grad, grad)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adam_step", "t", "beta1**t", "step number", "bias correction", "hard-coded")
def ad_r11_hardcoded_t1(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: bias correction written for the first step only (1 - beta), ignoring t
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1)
    v_hat = v / (1 - beta2)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adam_step", "v_hat", "1 - beta2**t", "bias-correct v", "second moment", "correction")
def ad_r11_no_v_correction(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: bias-corrects m but not v
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v) + eps), m, v


@right("check_adam_step")
def ad_r11_ok_torch_order(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # correct: torch's order (step size lr / bc1, eps after dividing sqrt(v) by sqrt(bc2))
    param, grad = np.asarray(param, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    m, w = np.asarray(m, dtype=np.float64), 1 - beta1
    new_m = m + w * (grad - m) if w < 0.5 else grad - (grad - m) * (1 - w)  # torch.lerp
    new_v = np.asarray(v, dtype=np.float64) * beta2 + (1 - beta2) * grad * grad
    step_size = lr / (1 - beta1**t)
    denom = np.sqrt(new_v) / (1 - beta2**t) ** 0.5 + eps
    return param - step_size * (new_m / denom), new_m, new_v


# =============================================================================================
# amsgrad_step(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
# =============================================================================================


@wrong(
    "check_amsgrad_step", "raw v", "before bias correction", "maximum of raw v_t", "optax", "v_max"
)
def am_r11_max_of_vhat(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: optax's order, takes the maximum of the bias-corrected v_hat
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_hat = v / (1 - beta2**t)
    v_max = np.maximum(v_max, v_hat)
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v_max) + eps), m, v, v_max


@wrong("check_amsgrad_step", "new_v_max", "return", "updated maximum", "running maximum", "state")
def am_r11_returns_old_vmax(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: uses the new maximum but returns the OLD v_max that was passed in
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    new_v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**t)
    denom = np.sqrt(new_v_max / (1 - beta2**t)) + eps
    return param - lr * m_hat / denom, m, v, v_max


@wrong("check_amsgrad_step", "v_t", "after updating v", "order", "new v", "running maximum")
def am_r11_max_with_old_v(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: takes the maximum with the previous v_{t-1} before v is updated
    v_max = np.maximum(v_max, v)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    denom = np.sqrt(v_max / (1 - beta2**t)) + eps
    return param - lr * m_hat / denom, m, v, v_max


# Tag 'axes you reduce over' added on review: np.max reduces over every axis, as the hint says.
@wrong(
    "check_amsgrad_step",
    "np.maximum",
    "element-wise maximum",
    "np.max",
    "pmax",
    "per element",
    "axes you reduce over",
)
def am_r11_np_max(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: R max/pmax confusion: np.max([v_max, v]) is ONE scalar over all elements
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.max([v_max, v])
    m_hat = m / (1 - beta1**t)
    denom = np.sqrt(v_max / (1 - beta2**t)) + eps
    return param - lr * m_hat / denom, m, v, v_max


@wrong("check_amsgrad_step", "in place", "out=", "copy", "modify the input", "new array")
def am_r11_inplace_vmax(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: np.maximum(v_max, v, out=v_max) overwrites the caller's v_max
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v, out=v_max)
    m_hat = m / (1 - beta1**t)
    denom = np.sqrt(v_max / (1 - beta2**t)) + eps
    return param - lr * m_hat / denom, m, v, v_max


@wrong(
    "check_amsgrad_step",
    "bias-correct",
    "1 - beta2**t",
    "v_max / (1 - beta2**t)",
    "correction",
    "second moment",
)
def am_r11_no_vmax_correction(
    param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8
):
    # mistake: divides by sqrt(v_max) without the bias correction 1 - beta2**t
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v_max) + eps), m, v, v_max


@wrong("check_amsgrad_step", "beta2", "hard-coded", "hyperparameters", "0.999", "argument")
def am_r11_hardcoded_beta2(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: the bias correction of v_max uses the literal 0.999 instead of beta2
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**t)
    denom = np.sqrt(v_max / (1 - 0.999**t)) + eps
    return param - lr * m_hat / denom, m, v, v_max


@wrong(
    "check_amsgrad_step",
    "order",
    "(new_param, new_m, new_v, new_v_max)",
    "return",
    "tuple",
    "v_max last",
)
def am_r11_tuple_order(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: returns (param, m, v_max, v): v and v_max swapped
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**t)
    denom = np.sqrt(v_max / (1 - beta2**t)) + eps
    return param - lr * m_hat / denom, m, v_max, v


@right("check_amsgrad_step")
def am_r11_ok_stack(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # correct: the running maximum as max over a stacked axis, torch's operation order
    param, grad = np.asarray(param, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    m, w = np.asarray(m, dtype=np.float64), 1 - beta1
    new_m = m + w * (grad - m) if w < 0.5 else grad - (grad - m) * (1 - w)  # torch.lerp
    new_v = np.asarray(v, dtype=np.float64) * beta2 + (1 - beta2) * grad * grad
    new_v_max = np.stack([np.asarray(v_max, dtype=np.float64), new_v]).max(axis=0)
    denom = np.sqrt(new_v_max) / np.sqrt(1 - beta2**t) + eps
    return param - (lr / (1 - beta1**t)) * (new_m / denom), new_m, new_v, new_v_max


# =============================================================================================
# adamw_step(param, grad, m, v, t, lr, beta1, beta2, eps, weight_decay=1e-2, decoupled=True)
# =============================================================================================


@wrong(
    "check_adamw_step",
    "lr * weight_decay",
    "learning rate",
    "1 - lr * weight_decay",
    "eta",
    "torch",
)
def aw_r11_no_lr_in_decay(
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
    # mistake: paper form theta * (1 - weight_decay), without torch's factor lr
    if decoupled:
        param = param * (1 - weight_decay)
    else:
        grad = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


# Tag 'comes before the adam update' added on review: the hint's wording of 'decay first'.
@wrong(
    "check_adamw_step",
    "decay first",
    "before the adam step",
    "order",
    "shrink theta",
    "applied first",
    "comes before the adam update",
)
def aw_r11_decay_after(
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
    # mistake: decoupled decay applied AFTER the Adam step instead of before it
    if decoupled:
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad * grad
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
        return new_param * (1 - lr * weight_decay), m, v
    grad = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong(
    "check_adamw_step",
    "plain gradient",
    "decoupled",
    "not added to the gradient",
    "either",
    "only one",
)
def aw_r11_both(
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
    # mistake: the decoupled branch also adds the L2 term to the gradient
    if decoupled:
        grad = grad + weight_decay * param
        param = param * (1 - lr * weight_decay)
    else:
        grad = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong(
    "check_adamw_step",
    "before the moments",
    "g + weight_decay * param",
    "l2 penalty",
    "gradient",
    "m and v",
)
def aw_r11_l2_on_update(
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
    # mistake: L2 branch adds weight_decay * param to the UPDATE, not to the gradient before m, v
    if decoupled:
        param = param * (1 - lr * weight_decay)
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad * grad
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * (m_hat / (np.sqrt(v_hat) + eps) + weight_decay * param), m, v


@wrong("check_adamw_step", "decoupled=false", "flag", "l2 penalty", "if decoupled", "branch")
def aw_r11_ignores_flag(
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
    # mistake: tested with the default only: always decoupled, the decoupled flag is ignored
    param = param * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adamw_step", "weight_decay", "hard-coded", "argument", "lambda", "0.01")
def aw_r11_hardcoded_wd(
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
    # mistake: hard-codes the default 1e-2 instead of using weight_decay
    if decoupled:
        param = param * (1 - lr * 1e-2)
    else:
        grad = grad + 1e-2 * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adamw_step", "raw moments", "m_t", "not m_hat", "bias-corrected", "next step")
def aw_r11_returns_hat(
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
    # mistake: returns the bias-corrected moments instead of the raw m_t, v_t
    if decoupled:
        param = param * (1 - lr * weight_decay)
    else:
        grad = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat


@wrong("check_adamw_step", "in place", "*=", "+=", "copy", "modify the input")
def aw_r11_inplace(
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
    # mistake: param *= ... / grad += ... modify the caller's arrays in place
    if decoupled:
        param *= 1 - lr * weight_decay
    else:
        grad += weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@right("check_adamw_step")
def aw_r11_ok_effective(
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
    # correct: (theta, g) chosen in one conditional expression, then one Adam step
    param = np.asarray(param, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    theta, g = (
        (param * (1 - lr * weight_decay), g) if decoupled else (param, g + weight_decay * param)
    )
    new_m = beta1 * np.asarray(m, dtype=np.float64) + (1 - beta1) * g
    new_v = beta2 * np.asarray(v, dtype=np.float64) + (1 - beta2) * np.square(g)
    corrected_m = new_m / (1 - beta1**t)
    corrected_v = new_v / (1 - beta2**t)
    return theta - lr * corrected_m / (np.sqrt(corrected_v) + eps), new_m, new_v
