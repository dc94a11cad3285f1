"""Checkers for the gradient exercises (1 and 2), with their typical mistakes. The expected values
come from closed-form derivatives and float64 torch autograd, not from code a student could copy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from tutorial_utils.checks._core import Case, Mistake, Spec, run
from tutorial_utils.problems import ACTIVATIONS


def _difference(kind: str = "central", h_fixed: float = 0.0, **wrong: Any) -> Callable:
    """A central, forward or backward difference gradient with the mistakes in ``wrong``."""

    def numgrad(f, x, h=1e-5):  # type: ignore[no-untyped-def]
        h = h_fixed or h
        if wrong.get("only_1d_2d") and np.ndim(x) not in (1, 2):  # one loop per axis
            raise IndexError("tuple index out of range")
        ndmin = 1 if wrong.get("atleast_1d") else 0
        dtype = None if wrong.get("keep_dtype") else np.float64  # an integer x stays integer
        x = x if wrong.get("in_place") else np.array(x, dtype=dtype, ndmin=ndmin)
        grad = np.zeros(np.shape(x))
        for i in np.ndindex(np.shape(x)):
            old = x[i]
            x[i] = old + h
            up = float(f(x))
            x[i] = old - h
            down = float(f(x))
            if not wrong.get("in_place") and not wrong.get("no_restore"):  # x[i] stays at old - h
                x[i] = old
            mid = float(f(x))
            diff = {"central": (up - down) / 2, "forward": up - mid, "backward": mid - down,
                    "x and x + h": (up - mid) / 2}  # fmt: skip
            grad[i] = wrong.get("scale", 1.0) * diff[kind] / h
        return grad.ravel() if wrong.get("flatten") else grad

    return numgrad


def _chain(derivative: str = "true", order: int = 1, **wrong: Any) -> Callable:
    """Gradient norms through h_k = phi(W_k h_{k-1}), with the mistakes named in ``wrong``."""

    def norms(weights, x, grad_output, activation="tanh"):  # type: ignore[no-untyped-def]
        activation = wrong.get("always", activation)  # an activation argument ignored
        h, ders = np.asarray(x, dtype=np.float64), []
        for W in weights:
            a, h_in = W @ h, h
            h, d = ACTIVATIONS[activation](a)
            wrong_d = {"none": np.ones_like(a), "of a tanh": 1 - a**2, "of a relu": d,
                       "relu tanh": d, "relu relu": (a >= 0) * 1.0,
                       "input relu": (h_in > 0) * 1.0 if h_in.shape == a.shape else d,
                       "sign relu": np.sign(a)}  # fmt: skip
            ders.append(wrong_d.get(f"{derivative} {activation}", wrong_d.get(derivative, d)))
        g = np.asarray(grad_output, dtype=np.float64)
        out = [np.linalg.norm(g)]
        for W, d in zip(reversed(weights), ders if wrong.get("ders_forward") else reversed(ders)):
            W = W if wrong.get("no_transpose") else W.T
            g = (W @ g) * d if wrong.get("derivative_after") else W @ (d * g)
            out.append(np.linalg.norm(g))
        result = np.array(out[::-order]) ** (2 if wrong.get("square") else 1)
        return result[wrong.get("keep", slice(None))]

    return norms


# fmt: off
NUMERICAL_GRADIENT = [
    Mistake("this is a forward difference (f(x+h) - f(x)) / h, accurate only to O(h); use the "
            "central difference (f(x+h) - f(x-h)) / (2h), accurate to O(h^2)",
            _difference("forward")),
    Mistake("this is a backward difference; use the central difference", _difference("backward")),
    Mistake("evaluate at x + h e_i and x - h e_i, 2h apart: stepping back by h from x + h returns "
            "to x, which halves the difference", _difference("x and x + h")),
    Mistake("divide by 2h: the two evaluation points are 2h apart", _difference(scale=2.0)),
    Mistake("use the step size h passed as an argument (you seem to use a fixed 1e-5)",
            _difference(h_fixed=1e-5)),
    Mistake("return an array of the shape of x, not a flattened one", _difference(flatten=True)),
    Mistake("a 0-d x needs a 0-d gradient (shape ()), not shape (1,): allocate np.zeros_like(x)",
            _difference(atleast_1d=True)),
    Mistake("x may have any shape (0-d, 3-d, ...): loop with np.ndindex(x.shape) or over "
            "x.reshape(-1), not with one loop per axis", _difference(only_1d_2d=True)),
    Mistake("x may be an integer array: copy it as float64 (np.array(x, dtype=float)), or x[i] + h "
            "is rounded back to an integer", _difference(keep_dtype=True)),
    Mistake("restore x[i] after each perturbation (x[i] = old): otherwise the next elements are "
            "evaluated at a shifted point", _difference(no_restore=True)),
    Mistake("perturb a copy of x (x.copy() or np.array(x, dtype=float)), and restore every "
            "element: your function changed the caller's x", _difference(in_place=True)),
]

LINEAR_BACKWARD = [
    Mistake("grad_W has W's shape (out, in): grad_out.T @ x, not x.T @ grad_out",
            lambda x, W, b, G: (G @ W, x.T @ G, G.sum(0))),
    Mistake("sum over ALL rows of grad_out (grad_out.sum(axis=0)): the batch size is not fixed",
            lambda x, W, b, G: (G @ W, G.T @ x, G[:4].sum(0))),
    Mistake("b is added to every row, so its gradient is the SUM of grad_out over the batch",
            lambda x, W, b, G: (G @ W, G.T @ x, G.mean(0))),
    Mistake("sum over the batch, do not average (the loss is a sum over rows of grad_out * Y)",
            lambda x, W, b, G: (G @ W, G.T @ x / len(x), G.sum(0))),
    Mistake("grad_x = grad_out @ W (shapes: (B, out) @ (out, in)); you used W transposed",
            lambda x, W, b, G: (G @ W.T, G.T @ x, G.sum(0))),
    Mistake("reduce over the batch axis: grad_b has shape (out,)",
            lambda x, W, b, G: (G @ W, G.T @ x, G)),
    Mistake("sum over the batch axis 0 only", lambda x, W, b, G: (G @ W, G.T @ x, G.sum(1))),
    *(Mistake("sum over the batch axis 0 only (grad_out.sum(axis=0), one entry per output), not "
              "over every element", answer) for answer in (
        lambda x, W, b, G: (G @ W, G.T @ x, np.full(W.shape[0], G.sum())),
        lambda x, W, b, G: (G @ W, G.T @ x, G.sum()))),
    Mistake("grad_W sums the per-example outer products, grad_out.T @ x: the outer product of "
            "the batch sums is not the sum of the products",
            lambda x, W, b, G: (G @ W, np.outer(G.sum(0), x.sum(0)), G.sum(0))),
    Mistake("return (grad_x, grad_W, grad_b) in this order",
            lambda x, W, b, G: (G.T @ x, G @ W, G.sum(0))),
]

BACKPROP_NORMS = [
    *(Mistake("use the activation argument (linear, tanh or relu) for every layer, not always "
              f"{always}", _chain(always=always)) for always in ("tanh", "relu")),
    Mistake("multiply by the activation's derivative phi'(a_l) at every layer (relu'(a) is 1 "
            "where a > 0 and 0 elsewhere; tanh'(a) = 1 - tanh(a)^2)", _chain("none")),
    Mistake("tanh'(a) = 1 - tanh(a)^2 = 1 - h^2 (use the OUTPUT h, or tanh of a), not 1 - a^2",
            _chain("of a")),
    Mistake("relu'(a) is 0 at a = 0 exactly (torch's convention): use a > 0, not a >= 0",
            _chain("relu")),
    Mistake("relu'(a) is 1 where a > 0 and 0 elsewhere (a step function), not np.sign(a), which "
            "is -1 for a < 0", _chain("sign")),
    Mistake("multiply by phi'(a_k) BEFORE the matrix product: dL/dh_{k-1} = W_k.T @ (phi'(a_k) * "
            "dL/dh_k), not (W_k.T @ dL/dh_k) * phi'(a_k)", _chain(derivative_after=True)),
    Mistake("pair each W_k with its own layer's derivative phi'(a_k): walking down, reverse the "
            "derivatives as well as the weights", _chain(ders_forward=True)),
    Mistake("relu'(a_k) is taken at the layer's PRE-activation a_k = W_k h_{k-1} (a_k > 0), not "
            "at its input h_{k-1}", _chain("input")),
    Mistake("loop over the layers you are given (len(weights)), not a fixed number",
            lambda ws, x, g, act="tanh": _chain()([ws[k] for k in range(30)], x, g, act)),
    Mistake("return the norms in layer order l = 0 (input) .. L (output)", _chain(order=-1)),
    Mistake("return the Euclidean norms, not their squares", _chain(square=True)),
    Mistake("include both ends: L + 1 norms, from the input h_0 to the output h_L (the input's "
            "is missing)", _chain(keep=slice(1, None))),
    Mistake("include both ends: L + 1 norms, from the input h_0 to the output h_L (the output's "
            "is missing)", _chain(keep=slice(None, -1))),
    Mistake("back-propagate with the transpose: dL/dh_{l-1} = W_l.T @ (phi'(a_l) * dL/dh_l)",
            _chain(no_transpose=True)),
]

MISTAKES = {"check_numerical_gradient": NUMERICAL_GRADIENT, "check_backprop_norms": BACKPROP_NORMS,
            "check_linear_backward": LINEAR_BACKWARD}
# fmt: on


def check_numerical_gradient(numerical_gradient: Callable[..., Any]) -> None:
    r"""Check ``numerical_gradient(f, x, h=1e-5)``: the central difference :math:`(f(x + h e_i)
    - f(x - h e_i)) / (2h)` for every element of ``x`` (any shape, 0-d included), ``x`` unchanged.
    Compared with closed forms (relative 1e-7; a one-sided difference is only accurate to 1e-5)."""
    rng = np.random.default_rng(10)
    x1, x2, x3 = rng.normal(size=5), rng.normal(size=(2, 3)), rng.normal(size=(2, 2, 2))
    xi = np.arange(-1, 3)  # an integer array: x[i] + h must not round back to an integer
    grad2 = 0.5 * np.exp(0.5 * x2)
    grad2[0, 1] += x2[1, 2]
    grad2[1, 2] += x2[0, 1]

    sin_sq = lambda x: float(np.sum(np.sin(x)) + 0.5 * np.sum(x**2))  # noqa: E731
    exp_cross = lambda x: float(np.sum(np.exp(0.5 * x)) + x[0, 1] * x[1, 2])  # noqa: E731
    cubic = lambda x: float(np.sum(x**3))  # noqa: E731
    # fmt: off
    cases = [
        Case("f(x) = sum(sin x) + |x|^2 / 2, x of shape (5,)", (sin_sq, x1),
             expected=np.cos(x1) + x1),
        Case("f(X) = sum(exp(X/2)) + X[0,1] X[1,2], X of shape (2, 3)", (exp_cross, x2),
             expected=grad2),
        Case("f(x) = sum(x^3) with h = 1e-2 (exact answer 3x^2 + h^2)", (cubic, x1), {"h": 1e-2},
             expected=3 * x1**2 + 1e-4),
        Case("f(x) = |x|^2 at x = 0: zero gradient (exactly 0 for the central difference)",
             (lambda x: float(np.sum(x**2)), np.zeros(4)), expected=np.zeros(4)),
        Case("0-d x = 0.7, f(x) = sin x", (lambda x: float(np.sin(x)), np.array(0.7)),
             expected=np.array(np.cos(0.7))),
        Case("3-d x of shape (2, 2, 2), f(x) = sum(sin x) + |x|^2 / 2", (sin_sq, x3),
             expected=np.cos(x3) + x3),
        Case("integer x = np.arange(-1, 3), f(x) = sum(sin x) + |x|^2 / 2", (sin_sq, xi),
             expected=np.cos(xi) + xi),
    ]
    run(Spec("check_numerical_gradient", cases, "gradient", ("f", "x"), NUMERICAL_GRADIENT,
             rtol=1e-7, formulas={"gradient": "perturb one element at a time, x[i] + h and "
                                  "x[i] - h, keeping the others fixed"}), numerical_gradient)
    # fmt: on


def _linear_grads(x: Any, W: Any, b: Any, grad_out: Any) -> tuple[np.ndarray, ...]:
    """(dL/dx, dL/dW, dL/db) for y = x W^T + b and L = sum(grad_out * y), by torch autograd."""
    xt, Wt, bt = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, W, b))
    (xt @ Wt.T + bt).backward(torch.tensor(grad_out, dtype=torch.float64))
    return tuple(t.grad.numpy() for t in (xt, Wt, bt))  # type: ignore[union-attr]


def check_linear_backward(linear_backward: Callable[..., Any]) -> None:
    r"""Check ``linear_backward(x, W, b, grad_out) -> (grad_x, grad_W, grad_b)`` for :math:`Y =
    X W^\top + b`, W of shape (out, in): :math:`G W`, :math:`G^\top X`, :math:`\sum_n G_n`."""
    rng = np.random.default_rng(11)

    def data(batch: int, n_in: int, n_out: int, scale: float = 1.0) -> tuple[np.ndarray, ...]:
        shapes = [(batch, n_in), (n_out, n_in), (n_out,), (batch, n_out)]
        x, W, b, G = (rng.normal(size=shape) for shape in shapes)
        return x, W, b, scale * G

    # fmt: off
    cases = [
        Case("batch 5, 3 inputs, 4 outputs", data(5, 3, 4)),
        Case("batch 1", data(1, 3, 2)),
        Case("square weight (3x3), batch 4", data(4, 3, 3)),
        Case("batch 3 = out 3, 2 inputs", data(3, 2, 3)),
        Case("zero upstream gradient", data(2, 3, 4, 0.0)),
        Case("huge upstream gradient (1e10)", data(3, 2, 4, 1e10)),
    ]
    run(Spec("check_linear_backward", cases, ("grad_x", "grad_W", "grad_b"),
             ("x", "W", "b", "grad_out"), LINEAR_BACKWARD, _linear_grads,
             close_hint="compute in float64"), linear_backward)
    # fmt: on


def _autograd_norms(weights: list, x: Any, grad_output: Any, activation: str) -> np.ndarray:
    act = {"linear": lambda a: a, "tanh": torch.tanh, "relu": torch.relu}[activation]
    h = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    hs = [h]
    for W in weights:
        h = act(torch.tensor(W, dtype=torch.float64) @ h)
        h.retain_grad()
        hs.append(h)
    h.backward(torch.tensor(grad_output, dtype=torch.float64))
    return np.array([float(torch.linalg.vector_norm(t.grad)) for t in hs])  # type: ignore[arg-type]


def check_backprop_norms(backprop_norms: Callable[..., Any]) -> None:
    r"""Check ``backprop_norms(weights, x, grad_output, activation)``: the K + 1 norms
    :math:`\|\partial \mathcal L / \partial h_k\|_2`, :math:`k = 0..K`, through :math:`h_k =
    \phi(W_k h_{k-1})` (``weights[k-1]`` = :math:`W_k`), by torch autograd (relu'(0) = 0)."""
    rng = np.random.default_rng(12)
    sizes = [3, 5, 4, 2]  # non-square layers catch transposes
    weights = [rng.normal(size=(m, n)) for n, m in zip(sizes[:-1], sizes[1:])]
    x, u = rng.normal(size=sizes[0]), rng.normal(size=sizes[-1])
    deep = [rng.normal(0, 2.0 / np.sqrt(6), size=(6, 6)) for _ in range(12)]
    x6, u6 = rng.normal(size=6), rng.normal(size=6)
    at_zero, x0 = [w.copy() for w in weights], np.array([1.5, -1.5, 0.25])
    at_zero[0][1] = [2.0, 2.0, 0.0]  # pre-activation a_1[1] = 3 - 3 = 0: relu'(0) = 0 in torch
    # fmt: off
    cases = [
        Case("3 layers (3 -> 5 -> 4 -> 2), tanh", (weights, x, u, "tanh")),
        Case("3 layers, linear", (weights, x, u, "linear")),
        Case("3 layers, relu", (weights, x, u, "relu")),
        Case("3 layers, relu, a pre-activation exactly 0", (at_zero, x0, u, "relu")),
        Case("12 layers of width 6, weight scale 2, linear (exploding)", (deep, x6, u6, "linear")),
        Case("12 layers of width 6, tanh", (deep, x6, u6, "tanh")),
        Case("12 layers of width 6, relu", (deep, x6, u6, "relu")),
        Case("zero upstream gradient", (weights, x, np.zeros(2), "tanh")),
    ]
    run(Spec("check_backprop_norms", cases, "norms", ("weights", "x", "grad_output"),
             BACKPROP_NORMS, _autograd_norms, close_hint="compute in float64",
             formulas={"norms": "entry k is ||dL/dh_k||: going down, multiply by the "
                       "activation's derivative phi'(a_k), then by W_k.T"},
             shape_hint="return K + 1 norms [||g_0||, ..., ||g_K||], input first: g_0 = dL/dx "
                        "and g_K = grad_output included"), backprop_norms)
    # fmt: on
