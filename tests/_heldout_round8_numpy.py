"""Round-8 held-back student answers (NumPy exercises ex01-ex05).

Each @wrong answer has exactly one mistake (rarely two, said so in its comment) and otherwise
correct code; each @right answer is correct but written differently from the solutions.
"""

from __future__ import annotations

import numpy as np

from _heldout import right, wrong

# =============================================================================================
# ex01 Task 1: numerical_gradient(f, x, h=1e-5)
# =============================================================================================


@wrong(
    "check_numerical_gradient",
    "central",
    "one-sided",
    "forward difference",
    "2h",
    "symmetric",
    "x - h",
)
def ng_forward_difference(f, x, h=1e-5):
    # mistake: one-sided forward difference (f(x+h) - f(x)) / h instead of the central one
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    fx = f(x.copy())
    for idx in np.ndindex(x.shape):
        xp = x.copy()
        xp[idx] += h
        grad[idx] = (f(xp) - fx) / h
    return grad


@wrong("check_numerical_gradient", "2h", "2 h", "2 * h", "factor of 2", "twice", "half")
def ng_divide_by_h(f, x, h=1e-5):
    # mistake: central difference divided by h instead of 2h (twice too large)
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        grad[idx] = (f(x + e) - f(x - e)) / h
    return grad


@wrong("check_numerical_gradient", "in place", "in-place", "modif", "copy", "restore", "unchanged")
def ng_perturbs_caller_x(f, x, h=1e-5):
    # mistake: perturbs the caller's x in place and never restores it (x ends at x - h)
    grad = np.zeros(np.shape(x))
    for idx in np.ndindex(np.shape(x)):
        x[idx] += h
        f_plus = f(x)
        x[idx] -= 2 * h
        f_minus = f(x)
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


@wrong("check_numerical_gradient", "shape", "ndindex", "any shape", "dimension", "2-d", "flat")
def ng_first_axis_only(f, x, h=1e-5):
    # mistake: loops over len(x) and indexes x[i], i.e. perturbs whole rows of a 2-D x (and
    # fails on 0-d x): only right for 1-D inputs
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in range(len(x)):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        grad[i] = (f(xp) - f(xm)) / (2 * h)
    return grad


@wrong("check_numerical_gradient", "float32", "float64", "precision", "single")
def ng_float32(f, x, h=1e-5):
    # mistake: works in float32, so x +- 1e-5 is rounded and the difference is mostly noise
    x = np.array(x, dtype=np.float32)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[idx] = h
        grad[idx] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


@wrong("check_numerical_gradient", "sign", "negat", "minus", "order", "swap")
def ng_wrong_sign(f, x, h=1e-5):
    # mistake: (f(x - h) - f(x + h)) / 2h, the negative of the gradient
    x = np.asarray(x, dtype=float).copy()
    out = np.zeros(x.shape)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        up, down = x.copy(), x.copy()
        up[i] = up[i] + h
        down[i] = down[i] - h
        out[i] = (f(down) - f(up)) / (2 * h)
    return out


@wrong("check_numerical_gradient", "shape", "flat", "reshape", "ravel", "shape of x")
def ng_returns_flat(f, x, h=1e-5):
    # mistake: returns the gradient as a flat vector instead of in the shape of x
    x = np.array(x, dtype=np.float64)
    flat = x.ravel()
    grad = []
    for i in range(flat.size):
        e = np.zeros(flat.size)
        e[i] = h
        grad.append((f((flat + e).reshape(x.shape)) - f((flat - e).reshape(x.shape))) / (2 * h))
    return np.array(grad)


@wrong("check_numerical_gradient", "argument", "parameter", "ignor", "h", "hard-coded", "step size")
def ng_ignores_h(f, x, h=1e-5):
    # mistake: hard-codes the step 1e-5 and ignores the argument h
    step = 1e-5
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[idx] = step
        grad[idx] = (f(x + d) - f(x - d)) / (2 * step)
    return grad


@right("check_numerical_gradient")
def ng_right_unravel(f, x, h=1e-5):
    # correct: flat index loop with np.unravel_index, fresh copies for every evaluation
    base = np.array(x, dtype=np.float64, copy=True)
    grad = np.zeros(base.shape, dtype=np.float64)
    for k in range(base.size):
        idx = np.unravel_index(k, base.shape)
        plus = base.copy()
        minus = base.copy()
        plus[idx] = base[idx] + h
        minus[idx] = base[idx] - h
        grad[idx] = (float(f(plus)) - float(f(minus))) / (2.0 * h)
    return grad


# =============================================================================================
# ex01 Task 2: linear_backward(x, W, b, grad_out) -> (grad_x, grad_W, grad_b)
# =============================================================================================


@wrong("check_linear_backward", "transpose", "shape", "g^t x", "grad_out.t", "shape of w")
def lb_grad_W_transposed(x, W, b, grad_out):
    # mistake: grad_W = X^T G has shape (in, out), the transpose of W's shape
    grad_x = grad_out @ W
    grad_W = x.T @ grad_out
    grad_b = grad_out.sum(axis=0)
    return grad_x, grad_W, grad_b


@wrong("check_linear_backward", "sum", "mean", "average", "batch")
def lb_grad_b_mean(x, W, b, grad_out):
    # mistake: bias gradient averaged over the batch instead of summed
    grad_x = grad_out @ W
    grad_W = grad_out.T @ x
    grad_b = np.mean(grad_out, axis=0)
    return grad_x, grad_W, grad_b


@wrong("check_linear_backward", "axis", "shape", "batch", "axis=0", "shape of b")
def lb_grad_b_wrong_axis(x, W, b, grad_out):
    # mistake: sums over the output axis (axis=1) instead of the batch axis
    return grad_out @ W, grad_out.T @ x, grad_out.sum(axis=1)


@wrong("check_linear_backward", "transpose", "g w", "grad_out @ w", "w.t", "shape")
def lb_grad_x_uses_WT(x, W, b, grad_out):
    # mistake: grad_x = G W^T instead of G W (only runs at all when W is square)
    grad_x = np.dot(grad_out, W.T)
    grad_W = np.dot(grad_out.T, x)
    grad_b = grad_out.sum(0)
    return grad_x, grad_W, grad_b


@wrong("check_linear_backward", "order", "tuple", "return", "(grad_x, grad_w, grad_b)")
def lb_wrong_order(x, W, b, grad_out):
    # mistake: returns (grad_W, grad_x, grad_b)
    grad_x = grad_out @ W
    grad_W = grad_out.T @ x
    grad_b = grad_out.sum(axis=0)
    return grad_W, grad_x, grad_b


@wrong("check_linear_backward", "float32", "float64", "precision")
def lb_float32(x, W, b, grad_out):
    # mistake: computes in float32
    x32, W32, G32 = (np.asarray(a, dtype=np.float32) for a in (x, W, grad_out))
    return G32 @ W32, G32.T @ x32, G32.sum(axis=0)


@wrong("check_linear_backward", "shape", "scalar", "axis", "per output", "sum over")
def lb_grad_b_scalar(x, W, b, grad_out):
    # mistake: sums grad_out over everything: grad_b is a scalar, not shape (m,)
    grad_x = grad_out @ W
    grad_W = grad_out.T @ x
    grad_b = np.sum(grad_out)
    return grad_x, grad_W, grad_b


@wrong(
    "check_linear_backward", "outer", "per example", "each example", "sum over the batch", "product"
)
def lb_outer_of_sums(x, W, b, grad_out):
    # mistake: sums G and X over the batch first, then takes one outer product (sum of
    # products != product of sums)
    grad_x = grad_out @ W
    grad_W = np.outer(grad_out.sum(axis=0), x.sum(axis=0))
    grad_b = grad_out.sum(axis=0)
    return grad_x, grad_W, grad_b


@right("check_linear_backward")
def lb_right_einsum(x, W, b, grad_out):
    # correct: einsum
    grad_x = np.einsum("bo,oi->bi", grad_out, W)
    grad_W = np.einsum("bo,bi->oi", grad_out, x)
    grad_b = np.einsum("bo->o", grad_out)
    return grad_x, grad_W, grad_b


@right("check_linear_backward")
def lb_right_loop(x, W, b, grad_out):
    # correct: accumulate one example at a time
    x = np.asarray(x, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    grad_out = np.asarray(grad_out, dtype=np.float64)
    grad_x = np.zeros_like(x)
    grad_W = np.zeros_like(W)
    grad_b = np.zeros(W.shape[0])
    for i in range(x.shape[0]):
        grad_x[i] = W.T @ grad_out[i]
        grad_W += np.outer(grad_out[i], x[i])
        grad_b += grad_out[i]
    return grad_x, grad_W, grad_b


# =============================================================================================
# ex02 Task 1: backprop_norms(weights, x, grad_output, activation="tanh")
# =============================================================================================


def _bn_forward(weights, x, activation):
    """Shared correct forward pass: list of phi'(a_k)."""
    ds = []
    h = np.asarray(x, dtype=np.float64)
    for W in weights:
        a = W @ h
        if activation == "tanh":
            h = np.tanh(a)
            ds.append(1.0 - h**2)
        elif activation == "relu":
            h = np.maximum(a, 0.0)
            ds.append((a > 0).astype(float))
        else:
            h = a
            ds.append(np.ones_like(a))
    return ds


@wrong("check_backprop_norms", "order", "input first", "revers", "g_0", "output first")
def bn_output_first(weights, x, grad_output, activation="tanh"):
    # mistake: returns the norms output first ([|g_K|, ..., |g_0|])
    ds = _bn_forward(weights, x, activation)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.linalg.norm(g)]
    for W, d in zip(weights[::-1], ds[::-1]):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms)


@wrong(
    "check_backprop_norms", "tanh", "derivative", "1 - tanh", "h_k", "activation", "pre-activation"
)
def bn_tanh_derivative_of_a(weights, x, grad_output, activation="tanh"):
    # mistake: tanh' computed as 1 - a**2 (pre-activation) instead of 1 - tanh(a)**2
    derivs = []
    h = np.asarray(x, dtype=float)
    for W in weights:
        a = W @ h
        if activation == "tanh":
            h = np.tanh(a)
            derivs.append(1 - a**2)
        elif activation == "relu":
            h = np.maximum(a, 0)
            derivs.append((a > 0) * 1.0)
        else:
            h = a
            derivs.append(np.ones_like(a))
    g = np.asarray(grad_output, dtype=float)
    out = [np.linalg.norm(g)]
    for k in range(len(weights) - 1, -1, -1):
        g = weights[k].T @ (derivs[k] * g)
        out.append(np.linalg.norm(g))
    return np.array(out[::-1])


@wrong("check_backprop_norms", "relu", "derivative", "pre-activation", "a_k", "input")
def bn_relu_mask_from_input(weights, x, grad_output, activation="tanh"):
    # mistake: ReLU mask taken from the layer input h_{k-1} > 0 instead of a_k > 0
    masks = []
    h = np.asarray(x, dtype=np.float64)
    for W in weights:
        a = W @ h
        if activation == "relu":
            masks.append((h > 0).astype(float) if h.shape == a.shape else (a > 0).astype(float))
            h = np.maximum(a, 0.0)
        elif activation == "tanh":
            h = np.tanh(a)
            masks.append(1 - h * h)
        else:
            h = a
            masks.append(np.ones_like(a))
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.linalg.norm(g)]
    for W, d in zip(reversed(weights), reversed(masks)):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@wrong("check_backprop_norms", "transpose", "w^t", "w.t", "w_k^t")
def bn_missing_transpose(weights, x, grad_output, activation="tanh"):
    # mistake: back-propagates with W instead of W^T (runs only for square layers)
    ds = _bn_forward(weights, x, activation)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.linalg.norm(g)]
    for W, d in zip(reversed(weights), reversed(ds)):
        g = W @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@wrong("check_backprop_norms", "order", "derivative", "before", "inside", "phi'")
def bn_derivative_after_matmul(weights, x, grad_output, activation="tanh"):
    # mistake: multiplies by phi'(a_k) after W^T instead of before, (W^T g) * phi' (square only)
    ds = _bn_forward(weights, x, activation)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.linalg.norm(g)]
    for W, d in zip(reversed(weights), reversed(ds)):
        g = (W.T @ g) * d
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@wrong("check_backprop_norms", "k + 1", "length", "g_k", "include", "number of norms", "output")
def bn_missing_output_norm(weights, x, grad_output, activation="tanh"):
    # mistake: returns only K norms (|g_0| .. |g_{K-1}|), forgetting |g_K| itself
    ds = _bn_forward(weights, x, activation)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = []
    for W, d in zip(reversed(weights), reversed(ds)):
        g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@wrong("check_backprop_norms", "squared", "sqrt", "square root", "euclidean")
def bn_squared_norms(weights, x, grad_output, activation="tanh"):
    # mistake: returns squared norms (sum of squares, no square root)
    ds = _bn_forward(weights, x, activation)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [float(g @ g)]
    for W, d in zip(reversed(weights), reversed(ds)):
        g = W.T @ (d * g)
        norms.append(float(g @ g))
    return np.array(norms[::-1])


@wrong("check_backprop_norms", "index", "off-by-one", "layer", "shift", "derivative")
def bn_derivative_off_by_one(weights, x, grad_output, activation="tanh"):
    # mistake: pairs W_k with phi'(a_{k+1}) (derivatives shifted by one layer; the first uses ones)
    ds = _bn_forward(weights, x, activation)
    shifted = ds[1:] + [np.ones_like(ds[-1])]
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.linalg.norm(g)]
    for W, d in zip(reversed(weights), reversed(shifted)):
        g = W.T @ (d * g) if d.shape == g.shape else W.T @ g
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


@right("check_backprop_norms")
def bn_right_jacobians(weights, x, grad_output, activation="tanh"):
    # correct: builds each layer's Jacobian diag(phi'(a_k)) W_k and multiplies by its transpose
    phis = {
        "linear": (lambda a: a, lambda a: np.ones_like(a)),
        "tanh": (np.tanh, lambda a: 1.0 - np.tanh(a) ** 2),
        "relu": (lambda a: np.maximum(a, 0.0), lambda a: (a > 0).astype(np.float64)),
    }
    phi, dphi = phis[activation]
    h = np.asarray(x, dtype=np.float64)
    jacobians = []
    for W in weights:
        a = W @ h
        jacobians.append(dphi(a)[:, None] * W)
        h = phi(a)
    g = np.asarray(grad_output, dtype=np.float64)
    norms = [np.sqrt(np.sum(g * g))]
    for J in reversed(jacobians):
        g = J.T @ g
        norms.insert(0, np.sqrt(np.sum(g * g)))
    return np.asarray(norms)


@right("check_backprop_norms")
def bn_right_torch(weights, x, grad_output, activation="tanh"):
    # correct: torch autograd with retain_grad on every h_k
    import torch

    fn = {"linear": lambda a: a, "tanh": torch.tanh, "relu": torch.relu}[activation]
    h = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    hs = [h]
    for W in weights:
        h = fn(torch.as_tensor(np.asarray(W, dtype=np.float64)) @ h)
        h.retain_grad()
        hs.append(h)
    h.backward(torch.as_tensor(np.asarray(grad_output, dtype=np.float64)))
    return np.array([float(torch.linalg.vector_norm(t.grad)) for t in hs])


# =============================================================================================
# ex03 Task 1: clip_by_value(grads, clip_value) -> list
# =============================================================================================


@wrong("check_clip_by_value", "in place", "in-place", "modif", "copy", "new", "out=")
def cv_inplace_out(grads, clip_value):
    # mistake: np.clip(..., out=g) overwrites the caller's arrays
    for g in grads:
        np.clip(g, -clip_value, clip_value, out=g)
    return list(grads)


@wrong("check_clip_by_value", "negative", "lower", "-c", "both", "symmetric", "below")
def cv_upper_only(grads, clip_value):
    # mistake: only clips from above; large negative values are kept
    return [np.minimum(g, clip_value) for g in grads]


@wrong("check_clip_by_value", "float32", "float64", "precision")
def cv_float32(grads, clip_value):
    # mistake: casts to float32
    return [np.clip(np.asarray(g, dtype=np.float32), -clip_value, clip_value) for g in grads]


@wrong(
    "check_clip_by_value", "element", "each element", "scale", "direction", "per element", "rescal"
)
def cv_rescales_whole_array(grads, clip_value):
    # mistake: rescales the whole array so that its largest |element| is c (keeps direction)
    # instead of clipping each element
    out = []
    for g in grads:
        g = np.asarray(g, dtype=np.float64)
        biggest = np.max(np.abs(g)) if g.size else 0.0
        out.append(g * (clip_value / biggest) if biggest > clip_value else g.copy())
    return out


@wrong("check_clip_by_value", "sign", "abs", "negative", "absolute")
def cv_loses_sign(grads, clip_value):
    # mistake: clips |g| and forgets to put the sign back
    return [np.clip(np.abs(g), 0.0, clip_value) for g in grads]


@wrong("check_clip_by_value", "shape", "flatten", "ravel", "reshape", "shapes")
def cv_flattens(grads, clip_value):
    # mistake: returns flattened arrays
    return [np.clip(np.ravel(g), -clip_value, clip_value) for g in grads]


@wrong("check_clip_by_value", "nan", "not a number", "nan_to_num", "propagat")
def cv_nan_to_num(grads, clip_value):
    # mistake: "cleans" the gradients with nan_to_num first, so NaN becomes 0 instead of NaN
    return [np.clip(np.nan_to_num(g), -clip_value, clip_value) for g in grads]


@wrong("check_clip_by_value", "list", "map", "iterator", "generator", "return a list")
def cv_returns_map(grads, clip_value):
    # mistake: returns a lazy map object, not a list
    return map(lambda g: np.clip(g, -clip_value, clip_value), grads)


@right("check_clip_by_value")
def cv_right_loop(grads, clip_value):
    # correct: element by element with Python min/max (NaN stays NaN, +-inf -> +-c)
    out = []
    for g in grads:
        g = np.asarray(g, dtype=np.float64)
        new = np.empty_like(g)
        flat_in, flat_out = g.reshape(-1), new.reshape(-1)
        for i in range(flat_in.size):
            v = float(flat_in[i])
            flat_out[i] = v if v != v else min(max(v, -clip_value), clip_value)
        out.append(new)
    return out


@right("check_clip_by_value")
def cv_right_torch(grads, clip_value):
    # correct: torch.clamp on float64 tensors
    import torch

    return [
        torch.clamp(torch.tensor(np.asarray(g, dtype=np.float64)), -clip_value, clip_value).numpy()
        for g in grads
    ]


# =============================================================================================
# ex03 Task 2: clip_by_norm(grad, max_norm)
# =============================================================================================


@wrong("check_clip_by_norm", "1e-6", "delta", "epsilon", "zero", "denominator")
def cn_no_delta(grad, max_norm):
    # mistake: no +1e-6 in the denominator (0/0 for a zero gradient, no shrink at norm = c)
    norm = np.linalg.norm(np.ravel(grad))
    return grad * min(max_norm / norm, 1.0)


@wrong(
    "check_clip_by_norm",
    "always",
    "condition",
    "only when",
    "always applied",
    "tiny",
    "coefficient",
)
def cn_only_when_above(grad, max_norm):
    # mistake: applies the coefficient only when ||g|| > c, so tiny gradients (||g||, c << 1e-6)
    # and ||g|| just below c are not scaled as torch scales them
    g = np.array(grad, dtype=np.float64)
    norm = np.sqrt(np.sum(g * g))
    if norm > max_norm:
        return g * (max_norm / (norm + 1e-6))
    return g


@wrong("check_clip_by_norm", "1e-6", "delta", "tensorflow", "max(", "denominator")
def cn_tf_formula(grad, max_norm):
    # mistake: TensorFlow's g * c / max(||g||, c), without torch's +1e-6
    g = np.asarray(grad, dtype=np.float64)
    norm = np.sqrt(np.sum(np.square(g)))
    return g * max_norm / max(norm, max_norm) if max_norm > 0 else g * 0.0


@wrong("check_clip_by_norm", "l1", "euclidean", "l2", "2-norm", "square", "abs")
def cn_l1_norm(grad, max_norm):
    # mistake: L1 norm (sum of |g|) instead of the Euclidean norm
    norm = np.sum(np.abs(grad))
    return grad * min(max_norm / (norm + 1e-6), 1.0)


@wrong("check_clip_by_norm", "spectral", "matrix", "flatten", "ravel", "ord", "vector norm")
def cn_matrix_norm(grad, max_norm):
    # mistake: np.linalg.norm(g, 2) is the spectral (matrix) norm on a 2-D array and raises on 3-D
    norm = np.linalg.norm(grad, 2) if np.ndim(grad) > 0 else abs(float(grad))
    return grad * min(max_norm / (norm + 1e-6), 1.0)


@wrong("check_clip_by_norm", "in place", "in-place", "modif", "copy", "new array", "*=")
def cn_inplace(grad, max_norm):
    # mistake: grad *= coef rescales the caller's array
    coef = min(max_norm / (np.linalg.norm(grad.ravel()) + 1e-6), 1.0)
    grad *= coef
    return grad


@wrong("check_clip_by_norm", "float32", "float64", "precision")
def cn_float32(grad, max_norm):
    # mistake: float32
    g = np.asarray(grad, dtype=np.float32)
    norm = np.sqrt(np.sum(g * g))
    return g * np.float32(min(max_norm / (norm + 1e-6), 1.0))


@wrong("check_clip_by_norm", "sqrt", "square root", "squared", "euclidean")
def cn_squared_norm(grad, max_norm):
    # mistake: uses the squared norm (forgot the square root)
    sq = float(np.sum(np.asarray(grad) ** 2))
    return grad * min(max_norm / (sq + 1e-6), 1.0)


@wrong("check_clip_by_norm", "1e-6", "add", "plus", "delta", "max(", "floor")
def cn_delta_as_floor(grad, max_norm):
    # mistake: max(||g||, 1e-6) instead of ||g|| + 1e-6
    norm = np.linalg.norm(np.ravel(grad))
    return grad * min(max_norm / max(norm, 1e-6), 1.0)


@right("check_clip_by_norm")
def cn_right_vdot(grad, max_norm):
    # correct: norm via vdot, coefficient with np.minimum
    g = np.array(grad, dtype=np.float64)
    norm = np.sqrt(np.vdot(g, g).real)
    with np.errstate(invalid="ignore", over="ignore"):
        coef = np.minimum(max_norm / (norm + 1e-6), 1.0)
        return g * coef


@right("check_clip_by_norm")
def cn_right_torch(grad, max_norm):
    # correct: torch.nn.utils.clip_grad_norm_ on a copy
    import torch

    p = torch.nn.Parameter(torch.zeros(np.shape(grad), dtype=torch.float64))
    p.grad = torch.tensor(np.asarray(grad, dtype=np.float64))
    torch.nn.utils.clip_grad_norm_([p], max_norm)
    return p.grad.numpy().copy()


# =============================================================================================
# ex03 Task 4: clip_by_global_norm(grads, max_norm, norm_type=2.0) -> (list, total_norm)
# =============================================================================================


@wrong(
    "check_clip_by_global_norm",
    "global",
    "all",
    "joint",
    "per-layer",
    "one coefficient",
    "same factor",
)
def cg_per_tensor(grads, max_norm, norm_type=2.0):
    # mistake: clips every tensor by its own norm (per-layer), total norm computed correctly
    flat = np.concatenate([np.ravel(g) for g in grads])
    total = float(np.linalg.norm(flat, ord=norm_type))
    out = []
    for g in grads:
        n = np.linalg.norm(np.ravel(g), ord=norm_type)
        out.append(g * min(max_norm / (n + 1e-6), 1.0))
    return out, total


@wrong(
    "check_clip_by_global_norm",
    "sum of norms",
    "sqrt",
    "squares",
    "norm of the norms",
    "combine",
    "norm of norms",
)
def cg_sum_of_norms(grads, max_norm, norm_type=2.0):
    # mistake: total norm = sum of the per-tensor norms instead of their p-norm
    total = float(sum(np.linalg.norm(np.ravel(g), ord=norm_type) for g in grads))
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [g * coef for g in grads], total


@wrong("check_clip_by_global_norm", "before", "after", "total_norm", "original", "unclipped")
def cg_returns_norm_after(grads, max_norm, norm_type=2.0):
    # mistake: returns the norm after clipping instead of before
    flat = np.concatenate([np.ravel(g) for g in grads])
    total = float(np.linalg.norm(flat, ord=norm_type))
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [g * coef for g in grads], total * coef


@wrong("check_clip_by_global_norm", "norm_type", "p-norm", "inf", "l1", "ord", "ignor")
def cg_ignores_norm_type(grads, max_norm, norm_type=2.0):
    # mistake: always the 2-norm, norm_type ignored
    total = float(np.sqrt(sum(np.sum(np.square(g)) for g in grads)))
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [np.asarray(g) * coef for g in grads], total


@wrong("check_clip_by_global_norm", "inf", "infinity", "max", "maximum", "largest")
def cg_inf_by_power_formula(grads, max_norm, norm_type=2.0):
    # mistake: (sum |g|^p)^(1/p) also for p = inf, which gives 0 or inf instead of max |g|
    p = float(norm_type)
    with np.errstate(over="ignore"):
        total = float(sum(np.sum(np.abs(g) ** p) for g in grads) ** (1.0 / p))
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [g * coef for g in grads], total


@wrong("check_clip_by_global_norm", "in place", "in-place", "modif", "copy", "new", "*=")
def cg_inplace(grads, max_norm, norm_type=2.0):
    # mistake: g *= coef modifies the caller's arrays
    flat = np.concatenate([g.ravel() for g in grads])
    total = float(np.linalg.norm(flat, ord=norm_type))
    coef = min(max_norm / (total + 1e-6), 1.0)
    for g in grads:
        g *= coef
    return grads, total


@wrong("check_clip_by_global_norm", "order", "tuple", "return", "(clipped", "first")
def cg_tuple_swapped(grads, max_norm, norm_type=2.0):
    # mistake: returns (total_norm, clipped) instead of (clipped, total_norm)
    flat = np.concatenate([np.ravel(g) for g in grads])
    total = float(np.linalg.norm(flat, ord=norm_type))
    coef = min(max_norm / (total + 1e-6), 1.0)
    return total, [g * coef for g in grads]


@wrong(
    "check_clip_by_global_norm",
    "always",
    "condition",
    "only when",
    "coefficient",
    "1e-6",
    "always applied",
)
def cg_only_when_above(grads, max_norm, norm_type=2.0):
    # mistake: scales only when N > c (torch always applies min(c/(N+1e-6), 1)); copies otherwise
    flat = np.concatenate([np.ravel(g) for g in grads])
    total = float(np.linalg.norm(flat, ord=norm_type))
    if total > max_norm:
        coef = max_norm / (total + 1e-6)
        return [g * coef for g in grads], total
    return [np.array(g, dtype=np.float64) for g in grads], total


@wrong("check_clip_by_global_norm", "new", "copy", "alias", "same object", "caller")
def cg_returns_inputs_unclipped(grads, max_norm, norm_type=2.0):
    # mistake: when the coefficient is 1 it returns the caller's own arrays (no new arrays)
    flat = np.concatenate([np.ravel(g) for g in grads])
    total = float(np.linalg.norm(flat, ord=norm_type))
    coef = min(max_norm / (total + 1e-6), 1.0)
    if coef == 1.0:
        return list(grads), total
    return [g * coef for g in grads], total


@wrong("check_clip_by_global_norm", "matrix", "flatten", "ravel", "spectral", "vector norm", "ord")
def cg_matrix_norms(grads, max_norm, norm_type=2.0):
    # mistake: np.linalg.norm(g, norm_type) on 2-D tensors is a matrix norm (spectral, max
    # column/row sum), not the vector p-norm of all elements
    per = []
    for g in grads:
        g = np.asarray(g, dtype=np.float64)
        per.append(
            np.linalg.norm(g, norm_type)
            if g.ndim in (1, 2)
            else np.linalg.norm(g.ravel(), norm_type)
        )
    total = float(np.linalg.norm(np.array(per), norm_type))
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [g * coef for g in grads], total


@wrong("check_clip_by_global_norm", "1e-6", "delta", "epsilon", "zero", "denominator")
def cg_no_delta(grads, max_norm, norm_type=2.0):
    # mistake: coefficient min(c / N, 1) without the +1e-6
    flat = np.concatenate([np.ravel(g) for g in grads])
    total = float(np.linalg.norm(flat, ord=norm_type))
    with np.errstate(divide="ignore", invalid="ignore"):
        coef = min(max_norm / total, 1.0) if total > 0 else 1.0
    return [g * coef for g in grads], total


@right("check_clip_by_global_norm")
def cg_right_norm_of_norms(grads, max_norm, norm_type=2.0):
    # correct: per-tensor vector p-norms, then their p-norm (loops, no concatenation)
    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    p = float(norm_type)

    def pnorm(v):
        v = np.abs(np.ravel(v))
        if v.size == 0:
            return 0.0
        if p == np.inf:
            return float(np.max(v))
        if p == 1.0:
            return float(np.sum(v))
        return float(np.sqrt(np.sum(v * v)))

    total = pnorm(np.array([pnorm(a) for a in arrays]))
    with np.errstate(invalid="ignore"):
        coef = np.minimum(max_norm / (total + 1e-6), 1.0)
        return [a * coef for a in arrays], total


@right("check_clip_by_global_norm")
def cg_right_torch(grads, max_norm, norm_type=2.0):
    # correct: torch.nn.utils.clip_grad_norm_ on copies
    import torch

    params = []
    for g in grads:
        p = torch.nn.Parameter(torch.zeros(np.shape(g), dtype=torch.float64))
        p.grad = torch.tensor(np.asarray(g, dtype=np.float64))
        params.append(p)
    # empty tensors add nothing to the norm (and torch refuses their inf-norm): leave them out
    total = torch.nn.utils.clip_grad_norm_(
        [p for p in params if p.numel() > 0], max_norm, norm_type=norm_type
    )
    return [p.grad.numpy().copy() for p in params], float(total)


# =============================================================================================
# ex03b Task 1: adaptive_clip(grads, params, clip_factor=0.01, eps=1e-3)
# =============================================================================================


def _agc_apply(g, g_norm, w_norm, clip_factor, eps):
    """Correct AGC rule given (broadcastable) unit norms."""
    limit = clip_factor * np.maximum(w_norm, eps)
    scale = np.where(g_norm > limit, limit / np.maximum(g_norm, 1e-6), 1.0)
    return g * scale


@wrong("check_adaptive_clip", "axis", "unit", "output", "layout", "input-first", "jax")
def agc_norm_over_axis0(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: reduces over axis 0 (one norm per input column), the transposed layout
    out = []
    for g, w in zip(grads, params):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        axis = 0 if g.ndim > 1 else None
        gn = np.sqrt(np.sum(g**2, axis=axis, keepdims=True))
        wn = np.sqrt(np.sum(w**2, axis=axis, keepdims=True))
        out.append(_agc_apply(g, gn, wn, clip_factor, eps))
    return out


@wrong("check_adaptive_clip", "axis", "unit", "output", "layout", "last", "jax", "input-first")
def agc_jax_axes(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: copies JAX's layout: reduces over all axes but the last
    out = []
    for g, w in zip(grads, params):
        axes = tuple(range(g.ndim - 1)) if g.ndim > 1 else None
        gn = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        wn = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(wn, eps)
        out.append(np.where(gn > limit, g * (limit / np.maximum(gn, 1e-6)), g))
    return out


@wrong(
    "check_adaptive_clip", "conv", "axes", "1..ndim-1", "all remaining", "kernel", "spatial", "4-d"
)
def agc_axis1_only(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: norm over axis 1 only: right for Linear (out, in), wrong for Conv (out, in, kh, kw)
    out = []
    for g, w in zip(grads, params):
        if g.ndim >= 2:
            gn = np.linalg.norm(g, axis=1, keepdims=True)
            wn = np.linalg.norm(w, axis=1, keepdims=True)
        else:
            gn = np.linalg.norm(np.ravel(g))
            wn = np.linalg.norm(np.ravel(w))
        out.append(_agc_apply(g, gn, wn, clip_factor, eps))
    return out


@wrong("check_adaptive_clip", "keepdims", "broadcast", "axis", "column", "shape")
def agc_no_keepdims(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: per-row norms without keepdims broadcast along the last axis (scales columns
    # of a square weight; crashes on non-square)
    out = []
    for g, w in zip(grads, params):
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        gn = np.sqrt(np.sum(g * g, axis=axes))
        wn = np.sqrt(np.sum(w * w, axis=axes))
        limit = clip_factor * np.maximum(wn, eps)
        scale = np.where(gn > limit, limit / np.maximum(gn, 1e-6), 1.0)
        out.append(g * scale)
    return out


@wrong(
    "check_adaptive_clip", "unit", "unit-wise", "per row", "per output", "whole tensor", "each row"
)
def agc_tensor_wise(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: one norm for the whole tensor instead of one per output unit
    out = []
    for g, w in zip(grads, params):
        gn = np.linalg.norm(np.ravel(g))
        wn = np.linalg.norm(np.ravel(w))
        out.append(_agc_apply(np.asarray(g, dtype=np.float64), gn, wn, clip_factor, eps))
    return out


@wrong("check_adaptive_clip", "eps", "floor", "zero", "1e-3", "max(", "omega")
def agc_no_weight_floor(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: no floor on the weight norm: zero-initialised units get a limit of 0
    out = []
    for g, w in zip(grads, params):
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        gn = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        wn = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * wn
        out.append(g * np.where(gn > limit, limit / np.maximum(gn, 1e-6), 1.0))
    return out


@wrong("check_adaptive_clip", "1e-6", "eps", "floor", "gradient norm", "omega")
def agc_eps_as_grad_floor(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: floors the gradient norm with eps (1e-3) instead of 1e-6
    out = []
    for g, w in zip(grads, params):
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        gn = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        wn = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(wn, eps)
        out.append(g * np.where(gn > limit, limit / np.maximum(gn, eps), 1.0))
    return out


@wrong("check_adaptive_clip", "maximum", "minimum", "floor", "max(", "min(")
def agc_floor_wrong_side(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: np.minimum(||W_i||, eps) caps the weight norm instead of flooring it
    out = []
    for g, w in zip(grads, params):
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        gn = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        wn = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.minimum(wn, eps)
        out.append(g * np.where(gn > limit, limit / np.maximum(gn, 1e-6), 1.0))
    return out


@wrong("check_adaptive_clip", "condition", "floor", "compare", "unfloored", "eps", "max(")
def agc_condition_unfloored(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: the test compares with clip_factor * ||W_i|| (no floor); only the scale uses it
    out = []
    for g, w in zip(grads, params):
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        gn = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        wn = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(wn, eps)
        clip = gn > clip_factor * wn
        out.append(g * np.where(clip, limit / np.maximum(gn, 1e-6), 1.0))
    return out


@wrong("check_adaptive_clip", "clip_factor", "twice", "rho", "double", "lambda")
def agc_rho_twice(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: multiplies by clip_factor again in the scale (limit already contains it)
    out = []
    for g, w in zip(grads, params):
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        gn = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        wn = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(wn, eps)
        scale = clip_factor * limit / np.maximum(gn, 1e-6)
        out.append(np.where(gn > limit, g * scale, g))
    return out


@wrong("check_adaptive_clip", "clip_factor", "rho", "lambda", "factor", "missing")
def agc_no_rho(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: forgets clip_factor: limit is max(||W_i||, eps) itself
    out = []
    for g, w in zip(grads, params):
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        gn = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        wn = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = np.maximum(wn, eps)
        out.append(g * np.where(gn > limit, limit / np.maximum(gn, 1e-6), 1.0))
    return out


@wrong(
    "check_adaptive_clip",
    "bias",
    "rank 1",
    "1-d",
    "single unit",
    "elementwise",
    "element-wise",
    "vector",
)
def agc_bias_elementwise(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: axis=tuple(range(1, ndim)) is () for a bias, so each element is its own unit
    out = []
    for g, w in zip(grads, params):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        axes = tuple(range(1, g.ndim))
        gn = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        wn = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        out.append(_agc_apply(g, gn, wn, clip_factor, eps))
    return out


@wrong("check_adaptive_clip", "rank 0", "scalar", "0-d", "ndim", "shape[0]")
def agc_fails_rank0(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: reshapes to (shape[0], -1) for every non-1-D tensor, which fails on rank 0
    out = []
    for g, w in zip(grads, params):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        if g.ndim == 1:
            gn, wn = np.linalg.norm(g), np.linalg.norm(w)
        else:
            shape = (g.shape[0],) + (1,) * (g.ndim - 1)
            gn = np.linalg.norm(g.reshape(g.shape[0], -1), axis=1).reshape(shape)
            wn = np.linalg.norm(w.reshape(w.shape[0], -1), axis=1).reshape(shape)
        out.append(_agc_apply(g, gn, wn, clip_factor, eps))
    return out


@wrong("check_adaptive_clip", "in place", "in-place", "modif", "copy", "new array", "*=")
def agc_inplace(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: g *= scale rescales the caller's gradient arrays
    out = []
    for g, w in zip(grads, params):
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        gn = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        wn = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(wn, eps)
        g *= np.where(gn > limit, limit / np.maximum(gn, 1e-6), 1.0)
        out.append(g)
    return out


@wrong("check_adaptive_clip", "condition", "only when", "exceed", "enlarge", "if", "where")
def agc_always_scale(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: rescales every unit to the limit (no "if ||G_i|| > limit" test): small gradients grow
    out = []
    for g, w in zip(grads, params):
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        gn = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        wn = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(wn, eps)
        out.append(g * (limit / np.maximum(gn, 1e-6)))
    return out


@wrong("check_adaptive_clip", "new", "copy", "alias", "same object", "caller")
def agc_returns_input_when_unclipped(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: when no unit of a tensor needs clipping it appends the caller's array itself
    out = []
    for g, w in zip(grads, params):
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        gn = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        wn = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(wn, eps)
        mask = gn > limit
        if not np.any(mask):
            out.append(g)
        else:
            out.append(g * np.where(mask, limit / np.maximum(gn, 1e-6), 1.0))
    return out


@wrong("check_adaptive_clip", "1e-6", "floor", "gradient norm", "tiny", "max(")
def agc_no_grad_floor(grads, params, clip_factor=0.01, eps=1e-3):
    # mistake: divides by ||G_i|| without the 1e-6 floor (differs when limit < ||G_i|| < 1e-6)
    out = []
    for g, w in zip(grads, params):
        axes = tuple(range(1, g.ndim)) if g.ndim > 1 else None
        gn = np.sqrt(np.sum(g * g, axis=axes, keepdims=True))
        wn = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
        limit = clip_factor * np.maximum(wn, eps)
        with np.errstate(divide="ignore", invalid="ignore"):
            out.append(np.where(gn > limit, g * (limit / gn), g))
    return out


@right("check_adaptive_clip")
def agc_right_unit_loop(grads, params, clip_factor=0.01, eps=1e-3):
    # correct: explicit loop over output units, 1e-6 floor, rank <= 1 as one unit
    out = []
    for g, w in zip(grads, params):
        g = np.array(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        if g.ndim <= 1:
            g_units, w_units = g.reshape(1, -1), w.reshape(1, -1)
        else:
            g_units, w_units = g.reshape(g.shape[0], -1), w.reshape(w.shape[0], -1)
        new = g_units.copy()
        for i in range(g_units.shape[0]):
            gn = np.sqrt(np.sum(g_units[i] ** 2))
            wn = np.sqrt(np.sum(w_units[i] ** 2))
            limit = clip_factor * max(wn, eps)
            if gn > limit:
                with np.errstate(invalid="ignore"):
                    new[i] = g_units[i] * (limit / max(gn, 1e-6))
        out.append(new.reshape(g.shape))
    return out


@right("check_adaptive_clip")
def agc_right_torch(grads, params, clip_factor=0.01, eps=1e-3):
    # correct: timm-style torch code (unitwise_norm, clamp, where) with the "> limit" test
    import torch

    def unitwise_norm(t):
        if t.ndim <= 1:
            return t.norm(2.0)
        return t.norm(2.0, dim=tuple(range(1, t.ndim)), keepdim=True)

    out = []
    for g, w in zip(grads, params):
        gt = torch.tensor(np.asarray(g, dtype=np.float64))
        wt = torch.tensor(np.asarray(w, dtype=np.float64))
        max_norm = unitwise_norm(wt).clamp(min=eps).mul(clip_factor)
        grad_norm = unitwise_norm(gt)
        clipped = gt * (max_norm / grad_norm.clamp(min=1e-6))
        out.append(torch.where(grad_norm > max_norm, clipped, gt).numpy())
    return out


# =============================================================================================
# ex03b Task 2: per_example_clip(per_example_grads, max_norm, noise_multiplier=0.0, rng=None)
# =============================================================================================


@wrong(
    "check_per_example_clip",
    "each example",
    "per-example",
    "per example",
    "mean",
    "individual",
    "before averaging",
)
def pe_clips_the_mean(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: averages first, then clips the mean gradient once
    g = np.asarray(per_example_grads, dtype=np.float64)
    B = g.shape[0]
    total = g.sum(axis=0)
    mean = total / B
    mean = mean * min(1.0, max_norm / (np.linalg.norm(mean.ravel()) + 1e-6))
    if noise_multiplier > 0:
        mean = mean + rng.normal(0.0, noise_multiplier * max_norm, size=mean.shape) / B
    return mean


@wrong("check_per_example_clip", "average", "divide", "batch", "mean", "/ b", "sum")
def pe_returns_sum(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: returns the noisy sum, forgets to divide by B
    g = np.asarray(per_example_grads, dtype=np.float64)
    B = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(B, -1) ** 2, axis=1))
    f = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(f, g, axes=1)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total


@wrong("check_per_example_clip", "before", "sum", "divid", "order", "noise", "after averaging")
def pe_noise_after_average(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: adds N(0, (nu c)^2) to the average instead of to the sum (noise B times too big)
    g = np.asarray(per_example_grads, dtype=np.float64)
    B = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(B, -1) ** 2, axis=1))
    f = np.minimum(1.0, max_norm / (norms + 1e-6))
    avg = np.tensordot(f, g, axes=1) / B
    if noise_multiplier > 0:
        avg = avg + rng.normal(0.0, noise_multiplier * max_norm, size=avg.shape)
    return avg


@wrong("check_per_example_clip", "max_norm", "scale", "std", "sigma", "nu c", "noise")
def pe_noise_std_without_c(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: noise std = noise_multiplier, forgetting the factor max_norm
    g = np.asarray(per_example_grads, dtype=np.float64)
    B = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(B, -1) ** 2, axis=1))
    f = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(f, g, axes=1)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier, size=total.shape)
    return total / B


@wrong("check_per_example_clip", "variance", "standard deviation", "std", "square", "scale")
def pe_noise_variance_as_scale(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: passes the variance (nu c)^2 as rng.normal's scale (which is a standard deviation)
    g = np.asarray(per_example_grads, dtype=np.float64)
    B = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(B, -1) ** 2, axis=1))
    f = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(f, g, axes=1)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, (noise_multiplier * max_norm) ** 2, size=total.shape)
    return total / B


@wrong("check_per_example_clip", "rng", "generator", "np.random", "seed", "reproducib")
def pe_global_numpy_random(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: draws the noise from np.random (global state) instead of the rng argument
    g = np.asarray(per_example_grads, dtype=np.float64)
    B = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(B, -1) ** 2, axis=1))
    f = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(f, g, axes=1)
    if noise_multiplier > 0:
        total = total + np.random.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / B


@wrong(
    "check_per_example_clip", "one call", "shape", "per example", "once", "noise", "each example"
)
def pe_noise_per_example(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: draws noise of shape (B, ...) (one draw per example) and sums it
    g = np.asarray(per_example_grads, dtype=np.float64)
    B = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(B, -1) ** 2, axis=1))
    f = np.minimum(1.0, max_norm / (norms + 1e-6))
    clipped = g * f.reshape((B,) + (1,) * (g.ndim - 1))
    if noise_multiplier > 0:
        clipped = clipped + rng.normal(0.0, noise_multiplier * max_norm, size=g.shape)
    return clipped.sum(axis=0) / B


@wrong("check_per_example_clip", "axis", "axes", "flatten", "all remaining", "reshape", "3-d")
def pe_norm_last_axis(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: per-example norm over the last axis only (right for (B, n), wrong for (B, n, k))
    g = np.asarray(per_example_grads, dtype=np.float64)
    B = g.shape[0]
    norms = np.linalg.norm(g, axis=-1, keepdims=True)
    clipped = g * np.minimum(1.0, max_norm / (norms + 1e-6))
    total = clipped.sum(axis=0)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / B


@wrong(
    "check_per_example_clip",
    "axis",
    "axes",
    "flatten",
    "all remaining",
    "reshape",
    "ndim",
    "general",
)
def pe_norm_axes_1_2(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: hard-codes a 3-D batch: norm over axes (1, 2) (fails for (B, n), wrong for 4-D)
    g = np.asarray(per_example_grads, dtype=np.float64)
    B = g.shape[0]
    norms = np.sqrt(np.sum(g**2, axis=(1, 2), keepdims=True))
    clipped = g * np.minimum(1.0, max_norm / (norms + 1e-6))
    total = clipped.sum(axis=0)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / B


@wrong("check_per_example_clip", "noise_multiplier", "only when", "rng", "none", "> 0", "zero")
def pe_noise_always_drawn(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: always calls rng.normal, even for noise_multiplier = 0 (rng may be None)
    g = np.asarray(per_example_grads, dtype=np.float64)
    B = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(B, -1) ** 2, axis=1))
    f = np.minimum(1.0, max_norm / (norms + 1e-6))
    total = np.tensordot(f, g, axes=1)
    total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / B


@wrong("check_per_example_clip", "1e-6", "delta", "epsilon", "denominator")
def pe_no_delta(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: min(1, c / ||g_i||) without the +1e-6
    g = np.asarray(per_example_grads, dtype=np.float64)
    B = g.shape[0]
    norms = np.sqrt(np.sum(g.reshape(B, -1) ** 2, axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(norms > 0, np.minimum(1.0, max_norm / norms), 1.0)
    total = np.tensordot(f, g, axes=1)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / B


@wrong("check_per_example_clip", "in place", "in-place", "modif", "copy", "*=")
def pe_inplace(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # mistake: scales the caller's per-example array in place
    g = per_example_grads
    B = g.shape[0]
    for i in range(B):
        n = np.sqrt(np.sum(g[i] ** 2))
        g[i] *= min(1.0, max_norm / (n + 1e-6))
    total = g.sum(axis=0)
    if noise_multiplier > 0:
        total = total + rng.normal(0.0, noise_multiplier * max_norm, size=total.shape)
    return total / B


@right("check_per_example_clip")
def pe_right_noise_divided(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # correct: loop over examples; average, then add the same draw scaled by (nu c) / B
    g = np.asarray(per_example_grads, dtype=np.float64)
    B = g.shape[0]
    total = np.zeros(g.shape[1:])
    for i in range(B):
        n = np.sqrt(np.sum(np.square(g[i])))
        with np.errstate(invalid="ignore", over="ignore"):
            total = total + g[i] * np.minimum(1.0, max_norm / (n + 1e-6))
    avg = total / B
    if noise_multiplier > 0:
        avg = avg + rng.normal(0.0, noise_multiplier * max_norm, size=avg.shape) / B
    return np.asarray(avg)


@right("check_per_example_clip")
def pe_right_standard_normal(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    # correct: einsum for the sum, noise as scale * rng.normal(size=...) (same draws)
    g = np.asarray(per_example_grads, dtype=np.float64)
    B = g.shape[0]
    flat = g.reshape(B, -1)
    norms = np.sqrt(np.einsum("bi,bi->b", flat, flat))
    with np.errstate(invalid="ignore", over="ignore"):
        factors = np.minimum(max_norm / (norms + 1e-6), 1.0)
        total = np.einsum("b,bi->i", factors, flat).reshape(g.shape[1:])
    if noise_multiplier > 0:
        total = total + noise_multiplier * max_norm * rng.normal(size=total.shape)
    return np.asarray(total / B)


# =============================================================================================
# ex04 Task 1: adam_step(param, grad, m, v, t, lr, beta1, beta2, eps) -> (param, m, v)
# =============================================================================================


@wrong("check_adam_step", "t", "step", "off by one", "off-by-one", "increment", "first step")
def adam_increments_t(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: increments t before the bias correction (treats t as the previous step count)
    t = t + 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adam_step", "bias correction", "bias-correct", "1 - beta", "hat", "correct")
def adam_no_bias_correction(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: no bias correction
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * grad * grad
    return param - lr * m_new / (np.sqrt(v_new) + eps), m_new, v_new


@wrong("check_adam_step", "eps", "epsilon", "inside", "sqrt", "outside")
def adam_eps_inside_sqrt(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: eps inside the square root
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / np.sqrt(v_hat + eps), m, v


@wrong("check_adam_step", "eps", "epsilon", "keras", "bias correction", "after", "v_hat")
def adam_eps_before_correction(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: Keras placement: eps added to sqrt(v_t) before dividing by sqrt(1 - beta2^t)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    denom = (np.sqrt(v) + eps) / np.sqrt(1 - beta2**t)
    return param - lr / (1 - beta1**t) * m / denom, m, v


@wrong("check_adam_step", "raw", "hat", "bias-corrected", "m_t", "state", "return")
def adam_returns_hats(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: returns the bias-corrected m_hat, v_hat as the new state
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat


@wrong("check_adam_step", "in place", "in-place", "modif", "copy", "m[:]", "state")
def adam_moments_inplace(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: m[:] = ..., v[:] = ... overwrite the caller's moment arrays
    m[:] = beta1 * m + (1 - beta1) * grad
    v[:] = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adam_step", "in place", "in-place", "modif", "copy", "-=", "new array")
def adam_param_inplace(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: param -= ... updates the caller's parameter array
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    param -= lr * m_hat / (np.sqrt(v_hat) + eps)
    return param, m, v


@wrong("check_adam_step", "square", "g^2", "g**2", "squared", "abs")
def adam_v_of_abs(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: v averages |g| instead of g^2
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * np.abs(grad)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adam_step", "beta1", "beta2", "swap", "mixed", "betas")
def adam_betas_swapped(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: uses beta2 for m and beta1 for v
    m = beta2 * m + (1 - beta2) * grad
    v = beta1 * v + (1 - beta1) * grad * grad
    m_hat = m / (1 - beta2**t)
    v_hat = v / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adam_step", "float32", "float64", "precision")
def adam_float32(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: float32 arithmetic
    p, g, m, v = (np.asarray(a, dtype=np.float32) for a in (param, grad, m, v))
    m = np.float32(beta1) * m + np.float32(1 - beta1) * g
    v = np.float32(beta2) * v + np.float32(1 - beta2) * g * g
    m_hat = m / np.float32(1 - beta1**t)
    v_hat = v / np.float32(1 - beta2**t)
    return p - np.float32(lr) * m_hat / (np.sqrt(v_hat) + np.float32(eps)), m, v


@wrong("check_adam_step", "sign", "minus", "descent", "subtract", "ascent")
def adam_wrong_sign(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: adds the update (gradient ascent)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param + lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adam_step", "sqrt", "square root", "bias correction", "1 - beta2")
def adam_bc2_without_sqrt(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: divides sqrt(v) by (1 - beta2^t) instead of by its square root
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    denom = np.sqrt(v) / (1 - beta2**t) + eps
    return param - (lr / (1 - beta1**t)) * m / denom, m, v


@right("check_adam_step")
def adam_right_efficient_form(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # correct: Kingma & Ba's "efficient" form: alpha_t = lr sqrt(1-b2^t)/(1-b1^t) and
    # eps_hat = eps sqrt(1-b2^t) (the same formula, other rounding)
    m_new = m + (1 - beta1) * (grad - m)
    v_new = beta2 * v + (1 - beta2) * np.square(grad)
    root_bc2 = np.sqrt(1 - beta2**t)
    alpha_t = lr * root_bc2 / (1 - beta1**t)
    new_param = param - alpha_t * m_new / (np.sqrt(v_new) + eps * root_bc2)
    return new_param, m_new, v_new


@right("check_adam_step")
def adam_right_torch(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # correct: torch.optim.Adam with its state loaded from (m, v, t - 1)
    import torch

    p = torch.nn.Parameter(torch.tensor(np.asarray(param, dtype=np.float64)))
    opt = torch.optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps)
    opt.state[p] = {
        "step": torch.tensor(float(t - 1)),
        "exp_avg": torch.tensor(np.asarray(m, dtype=np.float64)),
        "exp_avg_sq": torch.tensor(np.asarray(v, dtype=np.float64)),
    }
    p.grad = torch.tensor(np.asarray(grad, dtype=np.float64))
    opt.step()
    st = opt.state[p]
    return (
        p.detach().numpy().copy(),
        st["exp_avg"].numpy().copy(),
        st["exp_avg_sq"].numpy().copy(),
    )


# =============================================================================================
# ex05 Task 1: amsgrad_step(param, grad, m, v, v_max, t, ...) -> (param, m, v, v_max)
# =============================================================================================


@wrong("check_amsgrad_step", "raw", "bias-corrected", "optax", "hat", "before")
def ams_max_of_corrected(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: optax style: running max of the bias-corrected v_hat (stored as v_max)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_hat = v / (1 - beta2**t)
    v_max = np.maximum(v_max, v_hat)
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v_max) + eps), m, v, v_max


@wrong("check_amsgrad_step", "v_t", "current", "maximum", "include", "order", "before")
def ams_uses_old_vmax(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: normalises by max(v_max_{t-1}, v_{t-1}) (max taken before updating v)
    m = beta1 * m + (1 - beta1) * grad
    v_max = np.maximum(v_max, v)
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    with np.errstate(divide="ignore", invalid="ignore"):
        return param - lr * m_hat / (np.sqrt(v_max / (1 - beta2**t)) + eps), m, v, v_max


@wrong("check_amsgrad_step", "v_max", "return", "state", "new_v_max", "maximum")
def ams_returns_v_as_vmax(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: computes the step right but returns v_t as new_v_max (the running max is lost)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    vm = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(vm / (1 - beta2**t)) + eps), m, v, v


@wrong(
    "check_amsgrad_step",
    "v_t",
    "second moment",
    "moving average",
    "raw v",
    "g^2",
    "g**2",  # added on review: the hint's spelling of g^2 (it names this very mistake)
    "squared gradient",
)
def ams_max_of_grad_squared(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: running max of g^2 instead of the moving average v_t
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, grad * grad)
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v_max / (1 - beta2**t)) + eps), m, v, v_max


@wrong("check_amsgrad_step", "bias correction", "1 - beta2", "bias-correct", "torch", "beta2^t")
def ams_no_v_correction(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: Reddi et al.'s original form: no bias correction of v_max
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v_max) + eps), m, v, v_max


@wrong("check_amsgrad_step", "v_max", "maximum", "denominator", "normalis", "normaliz")
def ams_denominator_uses_v(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: tracks v_max but normalises by v_t (plain Adam step)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, v_max


@wrong("check_amsgrad_step", "in place", "in-place", "modif", "copy", "out=")
def ams_vmax_inplace(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: np.maximum(v_max, v, out=v_max) overwrites the caller's v_max
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    np.maximum(v_max, v, out=v_max)
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v_max / (1 - beta2**t)) + eps), m, v, v_max


@wrong("check_amsgrad_step", "order", "tuple", "return", "new_v_max", "swap")
def ams_return_order(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: returns (param, m, v_max, v)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v_max / (1 - beta2**t)) + eps), m, v_max, v


@wrong("check_amsgrad_step", "t", "step", "off by one", "off-by-one", "first step", "t = 1")
def ams_t_from_zero(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: uses t - 1 in the bias corrections (counts steps from 0); guards t = 0 with 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.maximum(v_max, v)
    k = max(t - 1, 1)
    m_hat = m / (1 - beta1**k)
    return param - lr * m_hat / (np.sqrt(v_max / (1 - beta2**k)) + eps), m, v, v_max


@wrong("check_amsgrad_step", "maximum", "max", "minimum", "running max", "np.maximum")
def ams_minimum(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: np.minimum instead of np.maximum
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.minimum(v_max, v)
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v_max / (1 - beta2**t)) + eps), m, v, v_max


@wrong(
    "check_amsgrad_step",
    "element",
    "elementwise",
    "element-wise",
    "np.maximum",
    "per coordinate",
    "shape",
)
def ams_global_max(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # mistake: np.max([v_max, v]) is one scalar over all coordinates, not an element-wise max
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    v_max = np.max([v_max, v])
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v_max / (1 - beta2**t)) + eps), m, v, v_max


@right("check_amsgrad_step")
def ams_right_torch_form(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # correct: torch's operation order: lerp for m, sqrt(v_max) / sqrt(bc2) + eps, step size
    param, grad = np.asarray(param, dtype=float), np.asarray(grad, dtype=float)
    new_m = m + (grad - m) * (1 - beta1)
    new_v = v * beta2 + (1 - beta2) * grad * grad
    new_v_max = np.maximum(v_max, new_v)
    step_size = lr / (1 - beta1**t)
    denom = np.sqrt(new_v_max) / (1 - beta2**t) ** 0.5 + eps
    return param - step_size * (new_m / denom), new_m, new_v, new_v_max


@right("check_amsgrad_step")
def ams_right_torch(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # correct: torch.optim.Adam(amsgrad=True) with its state loaded
    import torch

    def T(a):
        return torch.tensor(np.asarray(a, dtype=np.float64))

    p = torch.nn.Parameter(T(param))
    opt = torch.optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps, amsgrad=True)
    opt.state[p] = {
        "step": torch.tensor(float(t - 1)),
        "exp_avg": T(m),
        "exp_avg_sq": T(v),
        "max_exp_avg_sq": T(v_max),
    }
    p.grad = T(grad)
    opt.step()
    st = opt.state[p]
    return (
        p.detach().numpy().copy(),
        st["exp_avg"].numpy().copy(),
        st["exp_avg_sq"].numpy().copy(),
        st["max_exp_avg_sq"].numpy().copy(),
    )


# =============================================================================================
# ex05 Task 2: adamw_step(param, grad, m, v, t, ..., weight_decay=1e-2, decoupled=True)
# =============================================================================================


def _aw_adam(param, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adamw_step", "order", "before", "first", "after", "decay the weights")
def aw_decay_after_step(
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
    # mistake: decoupled decay applied to the already updated parameters (after the Adam step)
    if not decoupled:
        grad = grad + weight_decay * param
    new_param, m, v = _aw_adam(param, grad, m, v, t, lr, beta1, beta2, eps)
    if decoupled:
        new_param = new_param * (1 - lr * weight_decay)
    return new_param, m, v


@wrong("check_adamw_step", "lr", "learning rate", "eta", "multipl", "lr * weight_decay")
def aw_decay_without_lr(
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
    # mistake: theta * (1 - weight_decay), without the learning rate
    if decoupled:
        param = param * (1 - weight_decay)
    else:
        grad = grad + weight_decay * param
    return _aw_adam(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong("check_adamw_step", "decoupled", "swap", "invert", "flag", "l2", "branch")
def aw_branches_swapped(
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
    # mistake: the two branches are swapped (L2 penalty when decoupled=True and vice versa)
    if decoupled:
        grad = grad + weight_decay * param
    else:
        param = param * (1 - lr * weight_decay)
    return _aw_adam(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong("check_adamw_step", "l2", "penalty", "weight_decay * param", "gradient", "decoupled=false")
def aw_l2_missing(
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
    # mistake: decoupled=False does plain Adam (the L2 term lambda*theta is never added)
    if decoupled:
        param = param * (1 - lr * weight_decay)
    return _aw_adam(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong("check_adamw_step", "flag", "decoupled", "l2", "penalty", "ignor", "moments")
def aw_always_decoupled(
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
    # mistake: ignores the flag: always decoupled decay (L2 mode must go through the moments)
    param = param * (1 - lr * weight_decay)
    return _aw_adam(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong("check_adamw_step", "both", "decoupled", "gradient", "moments", "only", "twice")
def aw_decay_both_ways(
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
    # mistake: in decoupled mode also adds lambda*theta to the gradient (decays twice)
    grad = grad + weight_decay * param
    if decoupled:
        param = param * (1 - lr * weight_decay)
    return _aw_adam(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong("check_adamw_step", "normalis", "normaliz", "sqrt", "denominator", "divide", "decoupled")
def aw_decay_inside_adam_ratio(
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
    # mistake: decoupled decay put in the numerator, so it is divided by sqrt(v_hat) + eps
    if not decoupled:
        grad = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    num = m_hat + weight_decay * param if decoupled else m_hat
    return param - lr * num / (np.sqrt(v_hat) + eps), m, v


@wrong("check_adamw_step", "in place", "in-place", "modif", "copy", "*=", "new array")
def aw_param_inplace(
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
    # mistake: param *= (1 - lr * wd) shrinks the caller's array
    if decoupled:
        param *= 1 - lr * weight_decay
    else:
        grad = grad + weight_decay * param
    return _aw_adam(param, grad, m, v, t, lr, beta1, beta2, eps)


@wrong("check_adamw_step", "float32", "float64", "precision")
def aw_float32(
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
    # mistake: float32
    param, grad, m, v = (np.asarray(a, dtype=np.float32) for a in (param, grad, m, v))
    if decoupled:
        param = param * np.float32(1 - lr * weight_decay)
    else:
        grad = grad + np.float32(weight_decay) * param
    m = np.float32(beta1) * m + np.float32(1 - beta1) * grad
    v = np.float32(beta2) * v + np.float32(1 - beta2) * grad * grad
    m_hat = m / np.float32(1 - beta1**t)
    v_hat = v / np.float32(1 - beta2**t)
    return param - np.float32(lr) * m_hat / (np.sqrt(v_hat) + np.float32(eps)), m, v


@wrong("check_adamw_step", "bias correction", "bias-correct", "1 - beta", "hat")
def aw_no_bias_correction(
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
    # mistake: no bias correction
    if decoupled:
        param = param * (1 - lr * weight_decay)
    else:
        grad = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    return param - lr * m / (np.sqrt(v) + eps), m, v


@wrong("check_adamw_step", "multipl", "proportional", "theta", "param", "shrink", "times")
def aw_decay_subtracts_constant(
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
    # mistake: reads the decay as theta <- theta - lr * wd (a constant shift, not proportional
    # to theta)
    if decoupled:
        param = param - lr * weight_decay
    else:
        grad = grad + weight_decay * param
    return _aw_adam(param, grad, m, v, t, lr, beta1, beta2, eps)


@right("check_adamw_step")
def aw_right_paper_form(
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
    # correct: decay folded into the update: theta - lr * (m_hat/(sqrt(v_hat)+eps) + wd*theta)
    g = grad + weight_decay * param if not decoupled else grad
    new_m = beta1 * m + (1 - beta1) * g
    new_v = beta2 * v + (1 - beta2) * g * g
    update = (new_m / (1 - beta1**t)) / (np.sqrt(new_v / (1 - beta2**t)) + eps)
    if decoupled:
        update = update + weight_decay * param
    return param - lr * update, new_m, new_v


@right("check_adamw_step")
def aw_right_torch(
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
    # correct: torch.optim.AdamW (decoupled) or torch.optim.Adam(weight_decay=...) (L2)
    import torch

    def T(a):
        return torch.tensor(np.asarray(a, dtype=np.float64))

    p = torch.nn.Parameter(T(param))
    cls = torch.optim.AdamW if decoupled else torch.optim.Adam
    opt = cls([p], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
    opt.state[p] = {"step": torch.tensor(float(t - 1)), "exp_avg": T(m), "exp_avg_sq": T(v)}
    p.grad = T(grad)
    opt.step()
    st = opt.state[p]
    return (
        p.detach().numpy().copy(),
        st["exp_avg"].numpy().copy(),
        st["exp_avg_sq"].numpy().copy(),
    )
