"""Checkers for the gradient exercises (exercises 1 and 2).

The expected values are independent of any code the student could copy: closed-form derivatives
for the numerical gradient, and PyTorch autograd in float64 for the backward passes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from tutorial_utils.checks._core import (
    as_array,
    assert_close,
    assert_unchanged,
    call,
    fail,
    passed,
    snapshot,
)
from tutorial_utils.reference.gradcheck import numerical_gradient as ref_numerical_gradient

__all__ = ["check_numerical_gradient", "check_linear_backward", "check_backprop_norms"]


# --------------------------------------------------------------------------------------------
# Numerical gradient
# --------------------------------------------------------------------------------------------
def _one_sided(f: Callable[[np.ndarray], float], x: np.ndarray, h: float, sign: float) -> np.ndarray:
    grad = np.zeros_like(x)
    fx = float(f(x.copy()))
    for index in np.ndindex(x.shape):
        shifted = x.copy()
        shifted[index] += sign * h
        grad[index] = sign * (float(f(shifted)) - fx) / h
    return grad


def check_numerical_gradient(numerical_gradient: Callable[..., Any]) -> None:
    r"""Check ``numerical_gradient(f, x, h=1e-5) -> array shaped like x``.

    Expected: the central difference :math:`(f(x + h e_i) - f(x - h e_i)) / (2h)` for every
    element of ``x`` (any shape), ``x`` left unchanged. Compared with the closed-form gradient
    (relative 1e-7: a one-sided difference is only accurate to about 1e-5), for a large
    ``h`` with the exact central difference of a cubic, :math:`3x^2 + h^2`, and at a stationary
    point (:math:`|x|^2` at 0) with exactly zero.
    """
    name = "check_numerical_gradient"
    rng = np.random.default_rng(10)
    x1 = rng.normal(size=5)
    x2 = rng.normal(size=(2, 3))

    def f1(x: np.ndarray) -> float:
        return float(np.sum(np.sin(x)) + 0.5 * np.sum(x**2))

    def f2(x: np.ndarray) -> float:
        return float(np.sum(np.exp(0.5 * x)) + x[0, 1] * x[1, 2])

    grad2 = 0.5 * np.exp(0.5 * x2)
    grad2[0, 1] += x2[1, 2]
    grad2[1, 2] += x2[0, 1]

    def cubic(x: np.ndarray) -> float:
        return float(np.sum(x**3))

    def square(x: np.ndarray) -> float:
        return float(np.sum(x**2))

    cases = [
        ("f(x) = sum(sin x) + |x|^2 / 2, x of shape (5,)", f1, x1, {}, np.cos(x1) + x1),
        ("f(X) = sum(exp(X/2)) + X[0,1] X[1,2], X of shape (2, 3)", f2, x2, {}, grad2),
        ("f(x) = sum(x^3) with h = 1e-2 (exact answer 3x^2 + h^2)", cubic, x1, {"h": 1e-2},
         3 * x1**2 + 1e-4),
        ("f(x) = |x|^2 at x = 0: zero gradient (exactly 0 for the central difference)", square,
         np.zeros(4), {}, np.zeros(4)),
    ]
    for case, f, x, kwargs, expected in cases:
        before = snapshot(x)
        got = call(numerical_gradient, name, case, f, x, **kwargs)
        assert_unchanged(before, x, checker=name, case=case, what="x")
        h = kwargs.get("h", 1e-5)
        assert_close(
            got,
            expected,
            checker=name,
            case=case,
            what="gradient",
            rtol=1e-7,
            diagnoses=[
                ("this is a forward difference (f(x+h) - f(x)) / h, accurate only to O(h); use "
                 "the central difference (f(x+h) - f(x-h)) / (2h), accurate to O(h^2)",
                 _one_sided(f, x, h, 1.0)),
                ("this is a backward difference; use the central difference",
                 _one_sided(f, x, h, -1.0)),
                ("use the step size h passed as an argument (you seem to use a fixed 1e-5)",
                 ref_numerical_gradient(f, x, 1e-5)),
                ("divide by 2h: the two evaluation points are 2h apart",
                 2 * np.asarray(expected)),
            ],
            hint="perturb one element at a time, x[i] + h and x[i] - h, keeping the others fixed",
        )
    passed(name, len(cases))


# --------------------------------------------------------------------------------------------
# Linear layer backward
# --------------------------------------------------------------------------------------------
def _linear_grads(x, W, b, grad_out):
    """(dL/dx, dL/dW, dL/db) for y = x W^T + b and L = sum(grad_out * y), by torch autograd."""
    xt, Wt, bt = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, W, b))
    y = xt @ Wt.T + bt
    y.backward(torch.tensor(grad_out, dtype=torch.float64))
    return xt.grad.numpy(), Wt.grad.numpy(), bt.grad.numpy()


def check_linear_backward(linear_backward: Callable[..., Any]) -> None:
    r"""Check ``linear_backward(x, W, b, grad_out) -> (grad_x, grad_W, grad_b)``.

    The layer is :math:`Y = X W^\top + b` with ``x`` of shape ``(B, in)``, ``W`` of shape
    ``(out, in)`` (PyTorch's layout), ``b`` of shape ``(out,)``; ``grad_out`` is
    :math:`\partial L / \partial Y`, shape ``(B, out)``. Expected (compared with torch autograd):
    :math:`\partial L/\partial X = G W`, :math:`\partial L/\partial W = G^\top X`,
    :math:`\partial L/\partial b = \sum_n G_n`.
    """
    name = "check_linear_backward"
    rng = np.random.default_rng(11)

    def data(batch: int, n_in: int, n_out: int, scale: float = 1.0):
        return (rng.normal(size=(batch, n_in)), rng.normal(size=(n_out, n_in)),
                rng.normal(size=n_out), scale * rng.normal(size=(batch, n_out)))

    cases = [
        ("batch 5, 3 inputs, 4 outputs", *data(5, 3, 4)),
        ("batch 1", *data(1, 3, 2)),
        ("square weight (3x3), batch 4", *data(4, 3, 3)),
        ("zero upstream gradient", *data(2, 3, 4, 0.0)),
        ("huge upstream gradient (1e10)", *data(3, 2, 4, 1e10)),
    ]
    for case, x, W, b, G in cases:
        before = snapshot((x, W, b, G))
        result = call(linear_backward, name, case, x, W, b, G)
        assert_unchanged(before, (x, W, b, G), checker=name, case=case, what="x/W/b/grad_out")
        if not (isinstance(result, (tuple, list)) and len(result) == 3):
            fail(name, case, "return a triple (grad_x, grad_W, grad_b)")
        gx, gW, gb = _linear_grads(x, W, b, G)
        batch = x.shape[0]
        assert_close(result[0], gx, checker=name, case=case, what="grad_x", diagnoses=[
            ("grad_x = grad_out @ W (shapes: (B, out) @ (out, in)); you used W transposed",
             G @ W.T if W.shape[0] == W.shape[1] else None),
        ])
        assert_close(result[1], gW, checker=name, case=case, what="grad_W", diagnoses=[
            ("grad_W has W's shape (out, in): grad_out.T @ x, not x.T @ grad_out", x.T @ G),
            ("sum over the batch, do not average (the loss is a sum over rows of grad_out * Y)",
             gW / batch),
        ])
        assert_close(result[2], gb, checker=name, case=case, what="grad_b", diagnoses=[
            ("b is added to every row, so its gradient is the SUM of grad_out over the batch",
             G.mean(axis=0)),
            ("reduce over the batch axis: grad_b has shape (out,)", G),
            ("sum over the batch axis 0 only", np.full_like(gb, G.sum())),
        ])
    passed(name, len(cases))


# --------------------------------------------------------------------------------------------
# Gradient norms through depth
# --------------------------------------------------------------------------------------------
_TORCH_ACTIVATIONS = {
    "linear": lambda a: a,
    "tanh": torch.tanh,
    "relu": torch.relu,
}


def _autograd_norms(weights, x, grad_output, activation):
    h = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    hs = [h]
    for W in weights:
        h = _TORCH_ACTIVATIONS[activation](torch.tensor(W, dtype=torch.float64) @ h)
        h.retain_grad()
        hs.append(h)
    h.backward(torch.tensor(grad_output, dtype=torch.float64))
    return np.array([float(torch.linalg.vector_norm(t.grad)) for t in hs])


def _wrong_norms(weights, x, grad_output, activation, mistake):
    """The norms a typical mistake gives (diagnoses only)."""
    phis = {"linear": lambda a: (a, np.ones_like(a)),
            "tanh": lambda a: (np.tanh(a), 1 - np.tanh(a) ** 2),
            "relu": lambda a: (np.maximum(a, 0), (a > 0).astype(float))}
    hs, pres, ders = [np.asarray(x, float)], [], []
    for W in weights:
        a = W @ hs[-1]
        h, d = phis[activation](a)
        pres.append(a), ders.append(d), hs.append(h)
    g = np.asarray(grad_output, float)
    norms = [np.linalg.norm(g)]
    for W, a, d in zip(reversed(weights), reversed(pres), reversed(ders)):
        if mistake == "no derivative":
            g = W.T @ g
        elif mistake == "derivative of pre-activation" and activation == "tanh":
            g = W.T @ ((1 - a**2) * g)
        else:
            g = W.T @ (d * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms)  # output-first order (the "reversed" mistake)


def check_backprop_norms(backprop_norms: Callable[..., Any]) -> None:
    r"""Check ``backprop_norms(weights, x, grad_output, activation) -> array of L + 1 norms``.

    The chain is :math:`h_0 = x`, :math:`h_l = \phi(W_l h_{l-1})` for :math:`l = 1..L` with
    ``weights[l-1]`` :math:`= W_l` of shape ``(n_l, n_{l-1})``; ``grad_output`` is
    :math:`\partial \mathcal L / \partial h_L`. Expected (compared with torch autograd): entry
    ``l`` is :math:`\|\partial \mathcal L / \partial h_l\|_2`, for :math:`l = 0, \ldots, L`, with
    :math:`\partial\mathcal L/\partial h_{l-1} = W_l^\top(\phi'(a_l) \odot
    \partial\mathcal L/\partial h_l)`; ``activation`` is ``"linear"``, ``"tanh"`` or ``"relu"``.
    """
    name = "check_backprop_norms"
    rng = np.random.default_rng(12)
    sizes = [3, 5, 4, 2]  # non-square layers catch transposes
    weights = [rng.normal(size=(m, n)) for n, m in zip(sizes[:-1], sizes[1:])]
    x, u = rng.normal(size=sizes[0]), rng.normal(size=sizes[-1])
    deep = [rng.normal(0, 2.0 / np.sqrt(6), size=(6, 6)) for _ in range(12)]
    x6, u6 = rng.normal(size=6), rng.normal(size=6)
    cases = [
        ("3 layers (3 -> 5 -> 4 -> 2), tanh", weights, x, u, "tanh"),
        ("3 layers, linear", weights, x, u, "linear"),
        ("3 layers, relu", weights, x, u, "relu"),
        ("12 layers of width 6, weight scale 2, linear (exploding)", deep, x6, u6, "linear"),
        ("12 layers of width 6, tanh", deep, x6, u6, "tanh"),
        ("zero upstream gradient", weights, x, np.zeros(2), "tanh"),
    ]
    for case, ws, x0, g, activation in cases:
        before = snapshot((ws, x0, g))
        got = as_array(call(backprop_norms, name, case, ws, x0, g, activation), name, case,
                       "result")
        assert_unchanged(before, (ws, x0, g), checker=name, case=case, what="weights/x/grad_output")
        expected = _autograd_norms(ws, x0, g, activation)
        assert_close(got, expected, checker=name, case=case, what="norms", diagnoses=[
            ("return the norms in layer order l = 0 (input) .. L (output)",
             _wrong_norms(ws, x0, g, activation, "none")),
            ("multiply by the activation's derivative phi'(a_l) at every layer (relu'(a) is 1 "
             "where a > 0 and 0 elsewhere; tanh'(a) = 1 - tanh(a)^2)",
             _wrong_norms(ws, x0, g, activation, "no derivative")[::-1]),
            ("tanh'(a) = 1 - tanh(a)^2 = 1 - h^2 (use the OUTPUT h, or tanh of a), not 1 - a^2",
             _wrong_norms(ws, x0, g, activation, "derivative of pre-activation")[::-1]),
            ("return the Euclidean norms, not their squares", expected**2),
            ("include both ends: L + 1 norms, from the input h_0 to the output h_L",
             expected[1:]),
            ("include both ends: L + 1 norms, from the input h_0 to the output h_L",
             expected[:-1]),
        ])
    passed(name, len(cases))
