"""Round 10 student answers (NumPy). One mistake per @wrong answer, named in its comment.

Student personas: (a) formulas translated from another source (paper notation, TF/Keras/optax/JAX,
Wikipedia), (b) premature optimisation (out=, shared buffers, einsum), (c) edge cases handled badly,
(d) plain typos.
"""

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
    "f(x - h",
    "2h",
    "forward difference",
    "one-sided",
)
def ng_r10_forward(f, x, h=1e-5):
    # mistake: Wikipedia's forward difference (f(x+h) - f(x)) / h instead of the central one
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    f0 = f(x.copy())
    for idx in np.ndindex(x.shape):
        xp = x.copy()
        xp[idx] += h
        grad[idx] = (f(xp) - f0) / h
    return grad


@wrong("check_numerical_gradient", "2h", "2 * h", "divide by 2h", "factor of 2", "denominator")
def ng_r10_div_h(f, x, h=1e-5):
    # mistake: typo, divides the central difference by h instead of 2h
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        grad[idx] = (f(x + e) - f(x - e)) / h
    return grad


@wrong("check_numerical_gradient", "copy", "modify x", "in place", "np.array(x", "mutate")
def ng_r10_inplace_drift(f, x, h=1e-5):
    # mistake: np.asarray does not copy a float64 x; perturbing it in place and undoing with
    # += / -= arithmetic leaves rounding drift in the caller's array
    x = np.asarray(x, dtype=np.float64)
    grad = np.empty(x.shape)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        flat[i] += h
        fp = float(f(x.copy()))
        flat[i] -= 2 * h
        fm = float(f(x.copy()))
        flat[i] += h
        gflat[i] = (fp - fm) / (2 * h)
    return grad


@wrong(
    "check_numerical_gradient", "float64", "dtype", "integer", "astype", "np.array(x, dtype=float)"
)
def ng_r10_int_dtype(f, x, h=1e-5):
    # mistake: keeps x's dtype, so for an integer x the step h is truncated to 0 (and grad is int)
    x = np.array(x)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[idx] = h
        grad[idx] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


@wrong("check_numerical_gradient", "reshape", "shape of x", "x.shape", "flatten", "ravel")
def ng_r10_flat_shape(f, x, h=1e-5):
    # mistake: returns the flattened gradient instead of reshaping it to x.shape
    x = np.array(x, dtype=np.float64)
    flat = x.ravel()
    out = np.empty(flat.size)
    for i in range(flat.size):
        e = np.zeros(flat.size)
        e[i] = h
        out[i] = (f((flat + e).reshape(x.shape)) - f((flat - e).reshape(x.shape))) / (2 * h)
    return out


@right("check_numerical_gradient")
def ng_r10_right_basis(f, x, h=1e-5):
    # correct: perturbation along the rows of a scaled identity matrix, one comprehension
    x = np.array(x, dtype=np.float64)
    basis = (np.eye(x.size) * h).reshape((x.size,) + x.shape)
    values = [(float(f(x + e)) - float(f(x - e))) / (2.0 * h) for e in basis]
    return np.array(values, dtype=np.float64).reshape(x.shape)


# =============================================================================================
# linear_backward(x, W, b, grad_out)
# =============================================================================================


@wrong(
    "check_linear_backward", "grad_out.t @ x", "g^t x", "transpose", "output-first", "shape of w"
)
def lb_r10_keras_layout(x, W, b, grad_out):
    # mistake: Keras kernel convention (in, out): grad_W = x.T @ grad_out, the transpose of W's grad
    grad_x = grad_out @ W
    grad_W = x.T @ grad_out
    grad_b = grad_out.sum(axis=0)
    return grad_x, grad_W, grad_b


@wrong("check_linear_backward", "sum", "mean", "sum over the batch", "g^t 1", "np.sum")
def lb_r10_bias_mean(x, W, b, grad_out):
    # mistake: averages the bias gradient over the batch instead of summing it
    return grad_out @ W, grad_out.T @ x, grad_out.mean(axis=0)


@wrong(
    "check_linear_backward",
    "axis=0",
    "batch axis",
    "sum over the batch",
    "sum(axis=0)",
    "shape of b",
)
def lb_r10_bias_axis1(x, W, b, grad_out):
    # mistake: sums the bias gradient over the output axis (axis=1) instead of the batch axis
    return grad_out @ W, grad_out.T @ x, grad_out.sum(axis=1)


# Tag 'outer product of the batch sums' added on review: the hint names what the wrong subscripts
# compute.
@wrong(
    "check_linear_backward",
    "einsum",
    "same index",
    "batch index",
    "g^t x",
    "subscripts",
    "outer product of the batch sums",
)
def lb_r10_einsum_indices(x, W, b, grad_out):
    # mistake: einsum "bm,cn->mn" uses two batch indices, giving (sum_b G) outer (sum_c x)
    grad_x = np.einsum("bm,mn->bn", grad_out, W)
    grad_W = np.einsum("bm,cn->mn", grad_out, x)
    grad_b = np.einsum("bm->m", grad_out)
    return grad_x, grad_W, grad_b


@wrong("check_linear_backward", "keepdims", "shape of b", "(m,)", "sum(axis=0)", "shape")
def lb_r10_keepdims(x, W, b, grad_out):
    # mistake: keepdims=True makes grad_b of shape (1, m) instead of b's shape (m,)
    return grad_out @ W, grad_out.T @ x, np.sum(grad_out, axis=0, keepdims=True)


@right("check_linear_backward")
def lb_r10_right_einsum(x, W, b, grad_out):
    # correct: all three gradients as einsum contractions over the right indices
    G = np.asarray(grad_out, dtype=np.float64)
    return (np.einsum("bm,mn->bn", G, W), np.einsum("bm,bn->mn", G, x), np.einsum("bm->m", G))


# =============================================================================================
# backprop_norms(weights, x, grad_output, activation="tanh")
# =============================================================================================


def _bp_forward(weights, x, activation):
    """Correct forward pass returning phi'(a_k) for each layer (helper for several answers)."""
    derivs = []
    h = np.asarray(x, dtype=np.float64)
    for W in weights:
        a = W @ h
        if activation == "tanh":
            h = np.tanh(a)
            derivs.append(1.0 - h * h)
        elif activation == "relu":
            h = np.maximum(a, 0.0)
            derivs.append((a > 0).astype(np.float64))
        elif activation == "linear":
            h = a
            derivs.append(np.ones_like(a))
        else:
            raise ValueError(activation)
    return derivs


# Tag '1 - tanh(a)^2' added on review: the hint's spelling of '1 - tanh^2'.
@wrong(
    "check_backprop_norms",
    "1 - tanh^2",
    "np.tanh(a)",
    "tanh(a)**2",
    "pre-activation",
    "derivative of tanh",
    "1 - tanh(a)^2",
)
def bp_r10_tanh_preact(weights, x, grad_output, activation="tanh"):
    # mistake: tanh' computed as 1 - a**2 from the pre-activation a instead of 1 - tanh(a)**2
    derivs = []
    h = np.asarray(x, dtype=np.float64)
    for W in weights:
        a = W @ h
        if activation == "tanh":
            h = np.tanh(a)
            derivs.append(1.0 - a**2)
        elif activation == "relu":
            h = np.maximum(a, 0.0)
            derivs.append((a > 0).astype(np.float64))
        else:
            h = a
            derivs.append(np.ones_like(a))
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.linalg.norm(g)]
    for W, d in zip(weights[::-1], derivs[::-1]):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@wrong("check_backprop_norms", "a > 0", "indicator", "relu'", "derivative of relu", "step function")
def bp_r10_relu_value(weights, x, grad_output, activation="tanh"):
    # mistake: uses relu(a) itself as relu'(a) instead of the indicator [a > 0]
    derivs = []
    h = np.asarray(x, dtype=np.float64)
    for W in weights:
        a = W @ h
        if activation == "tanh":
            h = np.tanh(a)
            derivs.append(1.0 - h**2)
        elif activation == "relu":
            h = np.maximum(a, 0.0)
            derivs.append(h)
        else:
            h = a
            derivs.append(np.ones_like(a))
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.linalg.norm(g)]
    for W, d in zip(weights[::-1], derivs[::-1]):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@wrong("check_backprop_norms", "input first", "reverse", "[::-1]", "order", "g_0 first")
def bp_r10_output_first(weights, x, grad_output, activation="tanh"):
    # mistake: returns the norms in backward order (g_K first) instead of input first
    derivs = _bp_forward(weights, x, activation)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.linalg.norm(g)]
    for W, d in zip(reversed(weights), reversed(derivs)):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms)


# Tag "the output's is missing" added on review: the hint names the missing g_K.
@wrong(
    "check_backprop_norms",
    "k + 1",
    "grad_output",
    "include g_k",
    "norm of grad_output",
    "k+1 norms",
    "the output's is missing",
)
def bp_r10_missing_gK(weights, x, grad_output, activation="tanh"):
    # mistake: leaves out ||g_K|| (the norm of grad_output): returns K norms instead of K + 1
    derivs = _bp_forward(weights, x, activation)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = []
    for W, d in zip(reversed(weights), reversed(derivs)):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@wrong("check_backprop_norms", "sqrt", "euclidean", "squared norm", "np.linalg.norm", "square root")
def bp_r10_squared_norm(weights, x, grad_output, activation="tanh"):
    # mistake: records the squared norm g @ g (no square root) instead of the Euclidean norm
    derivs = _bp_forward(weights, x, activation)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [float(g @ g)]
    for W, d in zip(reversed(weights), reversed(derivs)):
        g = W.T @ (d * g)
        norms.append(float(g @ g))
    return np.array(norms[::-1])


@wrong("check_backprop_norms", "dl/dh_k", "h_k", "pre-activation", "g_k", "phi'(a_k) * g_k")
def bp_r10_preact_grad_norm(weights, x, grad_output, activation="tanh"):
    # mistake: records the norm of dL/da_k = phi'(a_k) * g_k instead of g_k = dL/dh_k (k >= 1)
    derivs = _bp_forward(weights, x, activation)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = []
    for W, d in zip(reversed(weights), reversed(derivs)):
        delta = d * g
        norms.append(np.linalg.norm(delta))
        g = W.T @ delta
    norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@right("check_backprop_norms")
def bp_r10_right_jacobians(weights, x, grad_output, activation="tanh"):
    # correct: builds each layer's transposed Jacobian W^T diag(phi') by broadcasting
    phis = {
        "linear": (lambda a: a, lambda a, h: np.ones_like(a)),
        "tanh": (np.tanh, lambda a, h: 1.0 - h * h),
        "relu": (lambda a: np.maximum(a, 0.0), lambda a, h: (a > 0) * 1.0),
    }
    phi, dphi = phis[activation]
    h, jac_t = np.asarray(x, dtype=np.float64), []
    for W in weights:
        W = np.asarray(W, dtype=np.float64)
        a = W @ h
        h = phi(a)
        jac_t.append(W.T * dphi(a, h)[np.newaxis, :])
    g = np.asarray(grad_output, dtype=np.float64)
    out = [math.sqrt(float(np.dot(g, g)))]
    for J in reversed(jac_t):
        g = J @ g
        out.insert(0, math.sqrt(float(np.dot(g, g))))
    return np.asarray(out)


# =============================================================================================
# clip_by_value(grads, clip_value)
# =============================================================================================


@wrong("check_clip_by_value", "in place", "out=", "copy", "modify", "new list")
def cbv_r10_out_inplace(grads, clip_value):
    # mistake: np.clip(..., out=g) writes the clipped values into the caller's arrays
    result = []
    for g in grads:
        g = np.asarray(g)
        np.clip(g, -clip_value, clip_value, out=g)
        result.append(g)
    return result


@wrong("check_clip_by_value", "nan", "nan_to_num", "nan stays nan", "isnan", "np.clip")
def cbv_r10_nan_to_num(grads, clip_value):
    # mistake: "cleans" NaN with np.nan_to_num first, so a NaN becomes 0 instead of staying NaN
    return [
        np.clip(np.nan_to_num(np.asarray(g, dtype=np.float64)), -clip_value, clip_value)
        for g in grads
    ]


@wrong("check_clip_by_value", "nan", "fmax", "fmin", "np.maximum", "nan stays nan")
def cbv_r10_fmax(grads, clip_value):
    # mistake: np.fmax/np.fmin ignore NaN, so a NaN element becomes -clip_value
    return [
        np.fmin(np.fmax(np.asarray(g, dtype=np.float64), -clip_value), clip_value) for g in grads
    ]


@wrong("check_clip_by_value", "sign", "abs", "np.sign", "negative", "-c")
def cbv_r10_abs(grads, clip_value):
    # mistake: clips the magnitude |g| and drops the sign of negative elements
    return [np.minimum(np.abs(np.asarray(g, dtype=np.float64)), clip_value) for g in grads]


@wrong("check_clip_by_value", "buffer", "out=", "alias", "new array", "copy")
def cbv_r10_shared_buffer(grads, clip_value):
    # mistake: reuses one preallocated buffer per shape, so same-shaped outputs alias each other
    buffers, result = {}, []
    for g in grads:
        g = np.asarray(g, dtype=np.float64)
        buf = buffers.setdefault(g.shape, np.empty(g.shape))
        np.clip(g, -clip_value, clip_value, out=buf)
        result.append(buf)
    return result


@right("check_clip_by_value")
def cbv_r10_right_where(grads, clip_value):
    # correct: nested np.where (comparisons with NaN are False, so NaN stays NaN)
    c = float(clip_value)
    out = []
    for g in grads:
        g = np.array(g, dtype=np.float64)
        out.append(np.asarray(np.where(g > c, c, np.where(g < -c, -c, g))))
    return out


# =============================================================================================
# clip_by_norm(grad, max_norm)
# =============================================================================================


@wrong("check_clip_by_norm", "euclidean", "l2", "sqrt", "sum of squares", "np.abs")
def cbn_r10_l1(grad, max_norm):
    # mistake: L1 norm sum(|g|) instead of the Euclidean norm
    g = np.asarray(grad, dtype=np.float64)
    norm = np.sum(np.abs(g))
    return g * min(max_norm / (norm + 1e-6), 1.0)


@wrong("check_clip_by_norm", "1e-6", "delta", "norm + 1e-6", "epsilon", "min(")
def cbn_r10_tf_no_delta(grad, max_norm):
    # mistake: TensorFlow's g * c / max(||g||, c), without torch's + 1e-6 in the denominator
    g = np.asarray(grad, dtype=np.float64)
    norm = np.sqrt(np.sum(g * g))
    return g * max_norm / max(norm, max_norm)


@wrong("check_clip_by_norm", "norm + 1e-6", "add", "delta", "denominator", "1e-6")
def cbn_r10_max_guard(grad, max_norm):
    # mistake: guards the division with max(||g||, 1e-6) instead of adding 1e-6 to the norm
    g = np.asarray(grad, dtype=np.float64)
    norm = np.linalg.norm(g.ravel())
    return g * min(max_norm / max(norm, 1e-6), 1.0)


@wrong("check_clip_by_norm", "max_norm == 0", "zero", "early return", "c = 0", "no special case")
def cbn_r10_zero_means_off(grad, max_norm):
    # mistake: treats max_norm == 0 as "clipping disabled" and returns grad unchanged (should be 0)
    g = np.array(grad, dtype=np.float64)
    if max_norm == 0:
        return g
    norm = np.sqrt(np.sum(np.square(g)))
    return g * min(max_norm / (norm + 1e-6), 1.0)


# Tag 'must not be scaled up' added on review: the hint's wording of 'never enlarge'.
@wrong(
    "check_clip_by_norm",
    "min(",
    "1.0",
    "never enlarge",
    "only when",
    "min(..., 1)",
    "must not be scaled up",
)
def cbn_r10_no_min(grad, max_norm):
    # mistake: always rescales to norm max_norm (no min with 1), so small gradients are enlarged
    g = np.asarray(grad, dtype=np.float64)
    norm = np.sqrt(np.sum(np.square(g)))
    return g * (max_norm / (norm + 1e-6))


@wrong("check_clip_by_norm", "nan", "inf", "isfinite", "non-finite", "zeros_like")
def cbn_r10_nonfinite_zeros(grad, max_norm):
    # mistake: returns zeros for a non-finite norm, where torch gives NaN (NaN norm, inf elements)
    g = np.asarray(grad, dtype=np.float64)
    norm = np.sqrt(np.sum(np.square(g)))
    if not np.isfinite(norm):
        return np.zeros_like(g)
    return g * min(max_norm / (norm + 1e-6), 1.0)


@right("check_clip_by_norm")
def cbn_r10_right_out(grad, max_norm):
    # correct: own float64 copy scaled in place with out=, coefficient via np.minimum (keeps NaN)
    g = np.array(grad, dtype=np.float64)
    coef = np.minimum(max_norm / (np.linalg.norm(g.ravel()) + 1e-6), 1.0)
    with np.errstate(invalid="ignore", over="ignore"):
        np.multiply(g, coef, out=g)
    return g


# =============================================================================================
# clip_by_global_norm(grads, max_norm, norm_type=2.0)
# =============================================================================================


@wrong(
    "check_clip_by_global_norm",
    "before clipping",
    "total_norm",
    "original norm",
    "pre-clip",
    "norm before",
)
def cgn_r10_norm_after(grads, max_norm, norm_type=2.0):
    # mistake: returns the total norm of the clipped gradients instead of the norm before clipping
    flat = np.concatenate([np.ravel(g) for g in grads])
    coef = min(max_norm / (float(np.linalg.norm(flat, ord=norm_type)) + 1e-6), 1.0)
    clipped = [np.asarray(g, dtype=np.float64) * coef for g in grads]
    return clipped, float(np.linalg.norm(flat * coef, ord=norm_type))


@wrong(
    "check_clip_by_global_norm",
    "joint",
    "all gradients",
    "one coefficient",
    "global",
    "same factor",
)
def cgn_r10_per_tensor(grads, max_norm, norm_type=2.0):
    # mistake: clips each tensor by its own norm (per-layer) instead of one joint coefficient
    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    norms = [float(np.linalg.norm(a.ravel(), ord=norm_type)) for a in arrays]
    total = float(np.linalg.norm(np.array(norms), ord=norm_type))
    return [a * min(max_norm / (n + 1e-6), 1.0) for a, n in zip(arrays, norms)], total


@wrong(
    "check_clip_by_global_norm",
    "sqrt",
    "sum of squares",
    "norm of norms",
    "p-norm of the norms",
    "square",
)
def cgn_r10_sum_of_norms(grads, max_norm, norm_type=2.0):
    # mistake: combines the per-tensor norms by a plain sum instead of their p-norm
    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    total = float(sum(np.linalg.norm(a.ravel(), ord=norm_type) for a in arrays))
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [a * coef for a in arrays], total


@wrong("check_clip_by_global_norm", "max", "np.inf", "inf-norm", "largest", "special case")
def cgn_r10_inf_formula(grads, max_norm, norm_type=2.0):
    # mistake: Wikipedia's (sum |x|^p)^(1/p) used for p = inf too, instead of the max of |x|
    p = float(norm_type)
    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        per = [np.sum(np.abs(a) ** p) ** (1.0 / p) for a in arrays]
        total = float(np.sum(np.array(per) ** p) ** (1.0 / p))
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [a * coef for a in arrays], total


@wrong("check_clip_by_global_norm", "buffer", "out=", "alias", "view", "copy")
def cgn_r10_shared_buffer(grads, max_norm, norm_type=2.0):
    # mistake: every output is a view of the same start of one reused buffer, so they overwrite
    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    total = float(np.linalg.norm(np.concatenate([a.ravel() for a in arrays]), ord=norm_type))
    coef = min(max_norm / (total + 1e-6), 1.0)
    buf = np.empty(max(a.size for a in arrays))
    out = []
    for a in arrays:
        piece = buf[: a.size]
        np.multiply(a.ravel(), coef, out=piece)
        out.append(piece.reshape(a.shape))
    return out, total


@wrong("check_clip_by_global_norm", "norm_type", "p-norm", "ord=norm_type", "l1", "inf")
def cgn_r10_ignore_norm_type(grads, max_norm, norm_type=2.0):
    # mistake: always uses the Euclidean norm and ignores norm_type
    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    total = math.sqrt(sum(float(np.sum(a * a)) for a in arrays))
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [a * coef for a in arrays], total


@wrong("check_clip_by_global_norm", "0-d", "ravel", "flatten", "scalar", "zero-dimensional")
def cgn_r10_concat_0d(grads, max_norm, norm_type=2.0):
    # mistake: np.concatenate(grads) without ravel fails for 0-d gradients (and mixed ranks)
    flat = np.concatenate([np.asarray(g, dtype=np.float64) for g in grads])
    total = float(np.linalg.norm(flat.ravel(), ord=norm_type))
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [np.asarray(g, dtype=np.float64) * coef for g in grads], total


@right("check_clip_by_global_norm")
def cgn_r10_right_dispatch(grads, max_norm, norm_type=2.0):
    # correct: per-tensor norms then the norm of norms, with a dispatch table on p
    arrays = [np.array(g, dtype=np.float64) for g in grads]
    p = float(norm_type)
    reducers = {
        1.0: lambda v: float(np.sum(np.abs(v))),
        2.0: lambda v: float(np.sqrt(np.sum(np.square(v)))),
        math.inf: lambda v: float(np.max(np.abs(v), initial=0.0)),
    }
    norm = reducers[p]
    total = norm(np.array([norm(a) for a in arrays]))
    coef = max_norm / (total + 1e-6)
    if not math.isnan(coef):
        coef = min(coef, 1.0)
    with np.errstate(invalid="ignore"):
        return [np.asarray(a * coef) for a in arrays], total


# =============================================================================================
# adaptive_clip(grads, params, clip_factor=0.01, eps=1e-3)
# =============================================================================================


def _agc_unit(g, w, clip_factor, eps, axes):
    g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
    w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
    limit = clip_factor * np.maximum(w_norm, eps)
    scale = np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0)
    return g * scale


@wrong("check_adaptive_clip", "axes 1..ndim-1", "output-first", "pytorch layout", "rows", "axis=0")
def agc_r10_jax_axes(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: JAX/optax input-first layout: reduces over all axes but the last (columns, not rows)
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        axes = tuple(range(g.ndim - 1)) if g.ndim > 1 else None
        out.append(_agc_unit(g, w, clip_factor, eps, axes))
    return out


@wrong("check_adaptive_clip", "unit-wise", "per unit", "each row", "keepdims", "axis")
def agc_r10_whole_tensor(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: one norm per tensor instead of one norm per output unit (row / output channel)
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        out.append(_agc_unit(g, w, clip_factor, eps, None))
    return out


@wrong("check_adaptive_clip", "max(", "np.maximum", "floor", "max(||w_i||, eps)", "not add")
def agc_r10_plus_eps(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: weight-norm floor written as ||W_i|| + eps instead of max(||W_i||, eps)
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * (w_norm + eps)
        out.append(g * np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0))
    return out


@wrong("check_adaptive_clip", "eps", "max(||w_i||, eps)", "floor", "weight norm", "1e-6")
def agc_r10_floor_const(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: typo, floors the weight norm with the gradient floor 1e-6 instead of eps
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(w_norm, 1e-6)
        out.append(g * np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0))
    return out


# Tag 'only where' added on review: the hint's wording of 'only if'.
@wrong(
    "check_adaptive_clip",
    "only if",
    "np.where",
    "condition",
    "never enlarge",
    "greater than",
    "only where",
)
def agc_r10_always_scale(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: applies the rescaling to every unit, also those below the limit (enlarges them)
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(w_norm, eps)
        out.append(g * (limit / np.maximum(g_norm, 1e-6)))
    return out


@wrong("check_adaptive_clip", "rank 0 or 1", "bias", "single unit", "1-d", "ndim")
def agc_r10_bias_per_element(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: optax's unitwise_norm for vectors: a bias is clipped element by element (axes=())
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        out.append(_agc_unit(g, w, clip_factor, eps, tuple(range(1, g.ndim))))
    return out


@wrong("check_adaptive_clip", "clip_factor", "eps", "swap", "rho", "omega")
def agc_r10_swapped_args(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: typo, clip_factor and eps swapped in the limit: eps * max(||W_i||, clip_factor)
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = eps * np.maximum(w_norm, clip_factor)
        out.append(g * np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0))
    return out


@wrong("check_adaptive_clip", "max(||g_i||, 1e-6)", "np.maximum", "floor", "1e-6", "not add")
def agc_r10_grad_plus_floor(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: gradient-norm floor written as ||G_i|| + 1e-6 instead of max(||G_i||, 1e-6)
    out = []
    for g, w in zip(grads, params):
        g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        g_norm = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        w_norm = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(w_norm, eps)
        out.append(g * np.where(g_norm > limit, limit / (g_norm + 1e-6), 1.0))
    return out


@right("check_adaptive_clip")
def agc_r10_right_reshape(grads, params, clip_factor=0.01, eps=1e-3):
    # correct: units as rows of a (out, -1) reshape, norms by np.linalg.norm, broadcast back
    result = []
    for g, w in zip(grads, params):
        g, w = np.array(g, dtype=np.float64), np.array(w, dtype=np.float64)
        if g.ndim <= 1:
            rows_g, rows_w = g.reshape(1, -1), w.reshape(1, -1)
        else:
            n = int(np.prod(g.shape[1:]))
            rows_g, rows_w = g.reshape(g.shape[0], n), w.reshape(w.shape[0], n)
        gn = np.linalg.norm(rows_g, axis=1)
        wn = np.linalg.norm(rows_w, axis=1)
        limit = clip_factor * np.maximum(wn, eps)
        factor = np.where(gn > limit, limit / np.maximum(gn, 1e-6), 1.0)
        with np.errstate(invalid="ignore"):
            scaled = rows_g * factor[:, None]
        result.append(np.asarray(scaled.reshape(g.shape)))
    return result


# =============================================================================================
# per_example_clip(per_example_grads, max_norm, noise_multiplier=0.0, rng=None)
# =============================================================================================


@wrong(
    "check_per_example_clip",
    "each example",
    "per-example",
    "per example",
    "before summing",
    "mean gradient",
)
def pec_r10_mean_clip(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: averages first and clips the mean gradient, instead of clipping each example
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    total = g.sum(axis=0)
    mean_norm = np.linalg.norm(total.ravel()) / batch
    total = total * min(1.0, max_norm / (mean_norm + 1e-6))
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / batch


@wrong(
    "check_per_example_clip", "sigma * c", "noise_multiplier * max_norm", "scale", "std", "times c"
)
def pec_r10_sigma_only(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: noise standard deviation nu instead of nu * c (forgets the max_norm factor)
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    total = np.tensordot(np.minimum(1.0, max_norm / (norms + 1e-6)), g, axes=1)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier, size=total.shape)
    return total / batch


# Tag 'add the noise to the sum' added on review: the hint's wording of 'before dividing'.
@wrong(
    "check_per_example_clip",
    "divide by b",
    "before dividing",
    "/ batch",
    "noise / b",
    "order",
    "add the noise to the sum",
)
def pec_r10_noise_after_avg(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: adds the noise after dividing by B, so the noise is not divided by B
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    avg = np.tensordot(np.minimum(1.0, max_norm / (norms + 1e-6)), g, axes=1) / batch
    if noise_multiplier > 0:
        avg = avg + rng.normal(0.0, noise_multiplier * max_norm, size=avg.shape)
    return avg


@wrong("check_per_example_clip", "standard deviation", "variance", "sqrt", "std", "scale=")
def pec_r10_variance(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: passes the variance (nu c)^2 as rng.normal's scale, which is a standard deviation
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    total = np.tensordot(np.minimum(1.0, max_norm / (norms + 1e-6)), g, axes=1)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, (noise_multiplier * max_norm) ** 2, size=total.shape)
    return total / batch


@wrong(
    "check_per_example_clip",
    "all remaining axes",
    "reshape(batch, -1)",
    "flatten",
    "each example's norm",
    "axis",
)
def pec_r10_last_axis_norm(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: norm over the last axis only (keepdims broadcast), not over all of an example's axes
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g * g, axis=-1, keepdims=True))
    total = np.sum(g * np.minimum(1.0, max_norm / (norms + 1e-6)), axis=0)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / batch


@wrong(
    "check_per_example_clip",
    "one call",
    "shape of one gradient",
    "rng.normal",
    "total.shape",
    "once",
)
def pec_r10_per_example_noise(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: draws noise for every example (shape (B, ...)) and sums it: sqrt(B) times too much
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    clipped = g * np.minimum(1.0, max_norm / (norms + 1e-6)).reshape((batch,) + (1,) * (g.ndim - 1))
    if noise_multiplier > 0:
        clipped = clipped + rng.normal(0.0, noise_multiplier * max_norm, size=g.shape)
    return clipped.sum(axis=0) / batch


@wrong("check_per_example_clip", "divide by b", "average", "mean", "/ batch", "1/b")
def pec_r10_sum_not_avg(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: optax convention, returns the noisy sum without dividing by the batch size B
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(batch, -1) ** 2, axis=1))
    total = np.tensordot(np.minimum(1.0, max_norm / (norms + 1e-6)), g, axes=1)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total


@wrong("check_per_example_clip", "einsum", "same index", "weighted sum", "tensordot", "subscripts")
def pec_r10_einsum_indices(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: einsum "i,j...->..." uses two batch indices: (sum of factors) * (sum of gradients)
    g = np.asarray(per_example_grads, dtype=np.float64)
    batch = g.shape[0]
    flat = g.reshape(batch, -1)
    norms = np.sqrt(np.einsum("ij,ij->i", flat, flat))
    factors = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.einsum("i,j...->...", factors, g)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / batch


@right("check_per_example_clip")
def pec_r10_right_loop(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # correct: explicit loop over examples, accumulating the clipped sum
    examples = np.asarray(per_example_grads, dtype=np.float64)
    total = np.zeros(examples.shape[1:])
    for example in examples:
        norm = np.linalg.norm(example.ravel())
        total = total + example * np.minimum(1.0, max_norm / (norm + 1e-6))
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / len(examples)


# =============================================================================================
# adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
# =============================================================================================


@wrong(
    "check_adam_step",
    "epsilon",
    "eps",
    "sqrt(v_hat) + eps",
    "bias-corrected",
    "after bias correction",
)
def adam_r10_keras_eps(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: Keras / paper's "efficient" form: eps added to sqrt(v) before the bias correction
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    lr_t = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
    return param - lr_t * m / (np.sqrt(v) + eps), m, v


@wrong(
    "check_adam_step", "sqrt(v_hat) + eps", "outside the square root", "eps", "epsilon", "np.sqrt"
)
def adam_r10_eps_in_sqrt(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: optax's eps_root position: sqrt(v_hat + eps) instead of sqrt(v_hat) + eps
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / np.sqrt(v_hat + eps), m, v


@wrong("check_adam_step", "raw", "m_hat", "new_m", "uncorrected", "return m")
def adam_r10_return_hat(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: returns the bias-corrected m_hat, v_hat as the new state instead of raw m, v
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m = m / (1 - beta1**t)
    v = v / (1 - beta2**t)
    return param - lr * m / (np.sqrt(v) + eps), m, v


@wrong("check_adam_step", "beta2", "1 - beta2", "second moment", "typo", "beta1")
def adam_r10_beta1_in_v(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: typo, (1 - beta1) where (1 - beta2) belongs in the second-moment update
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta1) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


# Tag 'beta**(t+1)' added on review: the hint's spelling of 't + 1'.
@wrong("check_adam_step", "t + 1", "beta1**t", "off by one", "step count", "t = 1", "beta**(t+1)")
def adam_r10_t_plus_1(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: treats t as a 0-based count (optax's count + 1): bias corrections use t + 1
    step = t + 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**step)
    v_hat = v / (1 - beta2**step)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adam_step", "in place", "*=", "copy", "modify", "input arrays")
def adam_r10_inplace_moments(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: updates m and v in place (*=, +=), modifying the caller's state arrays
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adam_step", "buffer", "out=", "alias", "same array", "copy")
def adam_r10_shared_buffer(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: one preallocated buffer used as out= for both m and v, so new_m is overwritten by v
    buf = np.empty(np.shape(m))
    new_m = np.multiply(m, beta1, out=buf)
    new_m += (1 - beta1) * grad
    new_v = np.multiply(v, beta2, out=buf)
    new_v += (1 - beta2) * grad * grad
    m_hat = new_m / (1 - beta1**t)
    v_hat = new_v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), new_m, new_v


@wrong("check_adam_step", "zero gradient", "early return", "momentum", "still update", "m decays")
def adam_r10_zero_grad_return(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: skips the step for an all-zero gradient, though the momentum m should still act/decay
    grad = np.asarray(grad, dtype=np.float64)
    if not np.any(grad):
        return (
            np.array(param, dtype=np.float64),
            np.array(m, dtype=np.float64),
            np.array(v, dtype=np.float64),
        )
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@right("check_adam_step")
def adam_r10_right_lerp(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # correct: torch's formulation, lerp for m, step_size and sqrt(bias_correction2)
    g = np.asarray(grad, dtype=np.float64)
    new_m = np.array(m, dtype=np.float64)
    new_m += (1 - beta1) * (g - new_m)
    new_v = np.array(v, dtype=np.float64)
    new_v *= beta2
    new_v += (1 - beta2) * g * g
    step_size = lr / (1 - beta1**t)
    denom = np.sqrt(new_v) / math.sqrt(1 - beta2**t) + eps
    return np.asarray(param, dtype=np.float64) - step_size * (new_m / denom), new_m, new_v


# =============================================================================================
# amsgrad_step(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
# =============================================================================================


@wrong(
    "check_amsgrad_step", "raw", "before bias correction", "v_max", "bias-corrected", "maximum of v"
)
def ams_r10_optax_max_hat(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: optax's amsgrad: running max of the bias-corrected v_hat instead of the raw v_t
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v / (1 - beta2**t))
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v_max) + eps), m, v, v_max


@wrong(
    "check_amsgrad_step",
    "v_max",
    "running maximum",
    "normalise by v_max",
    "denominator",
    "np.maximum",
)
def ams_r10_denom_v(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: typo, the denominator uses v instead of v_max (plain Adam step, v_max just tracked)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v / (1 - beta2**t)) + eps), m, v, v_max


# Tag 'not of v_max and g**2' added on review: the hint names this very mistake.
@wrong(
    "check_amsgrad_step",
    "v_t",
    "max of v",
    "np.maximum(v_max, v)",
    "second moment",
    "not g**2",
    "not of v_max and g**2",
)
def ams_r10_max_of_g2(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: running max of the squared gradient g**2 instead of the second moment v_t
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, grad**2)
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v_max / (1 - beta2**t)) + eps), m, v, v_max


@wrong("check_amsgrad_step", "new v", "v_t", "order", "after updating v", "v_{t-1}")
def ams_r10_old_v_in_max(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: takes the max with the old v_{t-1} (before updating v) instead of the new v_t
    v_max = np.maximum(v_max, v)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v_max / (1 - beta2**t)) + eps), m, v, v_max


@wrong("check_amsgrad_step", "new_v", "return", "v_max", "swap", "order of outputs")
def ams_r10_return_swap(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: typo in the return: v_max returned in place of new_v
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v_max / (1 - beta2**t)) + eps), m, v_max, v_max


@wrong(
    "check_amsgrad_step", "sqrt(1 - beta2**t)", "square root", "bias correction", "sqrt", "np.sqrt"
)
def ams_r10_missing_sqrt(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: divides sqrt(v_max) by (1 - beta2**t) instead of by its square root
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    denom = np.sqrt(v_max) / (1 - beta2**t) + eps
    return param - lr / (1 - beta1**t) * m / denom, m, v, v_max


@wrong("check_amsgrad_step", "beta1", "1 - beta1**t", "typo", "m_hat", "bias correction")
def ams_r10_beta2_in_m_hat(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: typo, m is bias-corrected with beta2**t instead of beta1**t
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_max / (1 - beta2**t)) + eps), m, v, v_max


@wrong(
    "check_amsgrad_step",
    "epsilon",
    "eps",
    "after bias correction",
    "keras",
    "sqrt(v_max_hat) + eps",
)
def ams_r10_keras_eps(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: Keras form: eps added to sqrt(v_max) before the bias correction (folded into lr_t)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    lr_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    return param - lr_t * m / (np.sqrt(v_max) + eps), m, v, v_max


@right("check_amsgrad_step")
def ams_r10_right_reddi(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # correct: paper-style alpha_t with eps rescaled by sqrt(1 - beta2**t) (same algebra as torch)
    g = np.asarray(grad, dtype=np.float64)
    m_new = beta1 * np.asarray(m, dtype=np.float64) + (1.0 - beta1) * g
    v_new = beta2 * np.asarray(v, dtype=np.float64) + (1.0 - beta2) * np.square(g)
    v_max_new = np.maximum(np.asarray(v_max, dtype=np.float64), v_new)
    bc2_sqrt = math.sqrt(1.0 - beta2**t)
    alpha_t = lr * bc2_sqrt / (1.0 - beta1**t)
    new_param = param - alpha_t * m_new / (np.sqrt(v_max_new) + eps * bc2_sqrt)
    return new_param, m_new, v_new, v_max_new


# =============================================================================================
# adamw_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
#            weight_decay=1e-2, decoupled=True)
# =============================================================================================


def _adam_core(param, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong(
    "check_adamw_step",
    "lr * weight_decay",
    "learning rate",
    "1 - lr",
    "eta lambda",
    "multiply by lr",
)
def adamw_r10_no_lr_in_decay(
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
    # mistake: paper convention, decays by (1 - weight_decay) without multiplying by lr (torch does)
    if decoupled:
        param = param * (1 - weight_decay)
    else:
        grad = grad + weight_decay * param
    return _adam_core(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong(
    "check_adamw_step", "before the adam step", "order", "theta_{t-1}", "decay first", "old param"
)
def adamw_r10_decay_after_step(
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
    # mistake: applies the decoupled decay to the already-updated parameters (after the Adam step)
    if not decoupled:
        grad = grad + weight_decay * param
    new_param, m, v = _adam_core(param, grad, m, v, t, lr, beta1, beta2, eps)
    if decoupled:
        new_param = new_param * (1 - lr * weight_decay)
    return new_param, m, v


@wrong(
    "check_adamw_step",
    "g + lambda theta",
    "penalised gradient",
    "both moments",
    "second moment",
    "grad + weight_decay * param",
)
def adamw_r10_l2_only_in_m(
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
    # mistake: typo, the L2-penalised gradient goes into m but v still uses the raw grad
    if decoupled:
        param = param * (1 - lr * weight_decay)
        g = grad
    else:
        g = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adamw_step", "decoupled", "if decoupled", "l2 penalty", "swap", "adamw")
def adamw_r10_flag_inverted(
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
    # mistake: the two branches swapped: decoupled=True adds the L2 gradient, False decays weights
    if not decoupled:
        param = param * (1 - lr * weight_decay)
    else:
        grad = grad + weight_decay * param
    return _adam_core(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong(
    "check_adamw_step",
    "lambda theta",
    "weight_decay * param",
    "gradient of",
    "factor 2",
    "derivative",
)
def adamw_r10_half_l2(
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
    # mistake: L2 branch adds 0.5 * weight_decay * param (derivative of lambda/2 ||theta||^2
    # is lambda theta)
    if decoupled:
        param = param * (1 - lr * weight_decay)
    else:
        grad = grad + 0.5 * weight_decay * param
    return _adam_core(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong(
    "check_adamw_step", "plain g", "decoupled", "not the gradient", "only decay the weights", "both"
)
def adamw_r10_also_grad(
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
    # mistake: decoupled mode also adds weight_decay * param to the gradient (decay applied twice)
    grad = grad + weight_decay * param
    if decoupled:
        param = param * (1 - lr * weight_decay)
    return _adam_core(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong(
    "check_adamw_step",
    "multiply",
    "theta * (1 - lr * weight_decay)",
    "proportional",
    "times theta",
    "param *",
)
def adamw_r10_subtract_constant(
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
    # mistake: decoupled decay subtracts the constant lr * weight_decay instead of scaling theta
    if decoupled:
        param = param - lr * weight_decay
    else:
        grad = grad + weight_decay * param
    return _adam_core(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong(
    "check_adamw_step",
    "lr * weight_decay",
    "plain lr",
    "bias correction",
    "step size",
    "1 - lr * weight_decay",
)
def adamw_r10_bias_corrected_decay(
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
    # mistake: decay uses the bias-corrected step size lr / (1 - beta1**t) instead of the plain lr
    step_size = lr / (1 - beta1**t)
    if decoupled:
        param = param * (1 - step_size * weight_decay)
    else:
        grad = grad + weight_decay * param
    return _adam_core(param, grad, m, v, t, lr, beta1, beta2, eps)


@right("check_adamw_step")
def adamw_r10_right_branchless(
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
    # correct: branch-free: both decay forms selected by multiplying with the flag
    d = 1.0 if decoupled else 0.0
    theta = np.asarray(param, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + (1.0 - d) * weight_decay * theta
    theta = theta * (1.0 - d * lr * weight_decay)
    m = beta1 * np.asarray(m, dtype=np.float64) + (1.0 - beta1) * g
    v = beta2 * np.asarray(v, dtype=np.float64) + (1.0 - beta2) * g * g
    update = (m / (1.0 - beta1**t)) / (np.sqrt(v / (1.0 - beta2**t)) + eps)
    return theta - lr * update, m, v
