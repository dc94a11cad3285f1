"""Predict-then-run questions of exercise 7 (chapter 7's misconceptions).

The student writes a prediction into a dict, ``predictions[key] = "b"`` (a choice) or
``predictions[key] = 0.6`` (a value), runs the experiment cell, and then calls
:func:`check_prediction`. The checker runs its *own* small experiment to obtain the answer (so the
verdict is executed evidence, not a stored constant), says whether the prediction was right, and
explains why. A missing prediction raises ``NotImplementedError`` (an unsolved exercise).

=================  ======================================================================
key                misconception (chapter 7 section)
=================  ======================================================================
``betas``          β1, β2 are "momentum terms updated every step" (seed error 6)
``adamw_init``     AdamW "re-initialises the weights" (seed error 9)
``stationary``     zero gradient means an extremum (seed error 1)
``after_backward``  clipping happens "during backpropagation" (seed error 5)
``elementwise``    ``clip_grad_norm_`` clips element-wise (seed error 8)
``global_norm``    "compute each layer's norm and clip it" (seed error 2)
``no_eps``         Adam's update without ε (seed error 7)
``vanishing``      clipping "controls vanishing gradients" (seed error 4)
``adam_update``    clipping limits Adam's update size (seed error 3)
=================  ======================================================================
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

__all__ = ["QUESTIONS", "check_prediction", "truth"]


@dataclass(frozen=True)
class Question:
    """One question: how to get the true answer, its kind, and why it is the answer."""

    experiment: Callable[[], Any]  # returns the true answer (a choice letter or a number)
    kind: str  # "choice" or "value"
    why: str
    choices: tuple[str, ...] = ()
    tolerance: float = 0.0  # relative, for values


def _betas() -> str:
    torch.manual_seed(0)
    w = torch.nn.Parameter(torch.randn(3))
    opt = torch.optim.Adam([w], lr=0.1)
    for _ in range(100):
        opt.zero_grad()
        (w**2).sum().backward()
        opt.step()
    return "a" if opt.param_groups[0]["betas"] == (0.9, 0.999) else "b"


def _adamw_init() -> str:
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 2)
    before = [p.detach().clone() for p in model.parameters()]
    torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    same = all(torch.equal(b, p) for b, p in zip(before, model.parameters()))
    return "a" if same else "b"


def _stationary() -> str:
    x = torch.tensor(0.0, requires_grad=True)
    (x**3).backward()
    assert x.grad is not None
    grad_zero = x.grad.item() == 0.0
    left, right = (-1e-3) ** 3, (1e-3) ** 3  # f takes smaller and larger values nearby
    return "b" if grad_zero and left < 0.0 < right else "a"


def _after_backward() -> float:
    w = torch.nn.Parameter(torch.zeros(2))
    (w @ torch.tensor([3.0, 4.0])).backward()
    return float(torch.linalg.vector_norm(w.grad))  # 5: backward() stores the full gradient


def _elementwise() -> float:
    w = torch.nn.Parameter(torch.zeros(2))
    w.grad = torch.tensor([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
    return float(w.grad[0])


def _global_norm() -> float:
    a, b = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    a.grad, b.grad = torch.tensor([3.0]), torch.tensor([4.0])
    torch.nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    return float(a.grad.abs())


def _no_eps() -> str:
    w = torch.nn.Parameter(torch.ones(2))
    opt = torch.optim.Adam([w], lr=0.1, eps=0.0)
    w.grad = torch.tensor([1.0, 0.0])
    opt.step()
    value = float(w.detach()[1])
    return "c" if math.isnan(value) else ("a" if value == 1.0 else "b")


def _vanishing() -> str:
    from tutorial_utils.problems import DeepChain
    from tutorial_utils.reference.clipping import clip_by_global_norm

    chain = DeepChain(depth=30, width=64, weight_scale=0.5, activation="linear", seed=0)
    rng = np.random.default_rng(1)
    grads = chain.backward(chain.forward(rng.normal(size=64)), rng.normal(size=64))[1:]
    clipped, _ = clip_by_global_norm(grads, max_norm=1.0)
    before, after = np.linalg.norm(grads[0]), np.linalg.norm(clipped[0])
    return "c" if after < before else ("b" if after == before else "a")


def _adam_update() -> float:
    sizes = []
    for max_norm in (1.0, math.inf):
        w = torch.nn.Parameter(torch.zeros(4))
        opt = torch.optim.Adam([w], lr=0.1)
        w.grad = torch.tensor([60.0, -40.0, 50.0, 10.0])  # norm about 89
        torch.nn.utils.clip_grad_norm_([w], max_norm)
        opt.step()
        sizes.append(float(torch.linalg.vector_norm(w.detach())))
    return sizes[0] / sizes[1]


QUESTIONS: dict[str, Question] = {
    "betas": Question(
        _betas,
        "choice",
        choices=("a", "b"),
        why=(
            "β1 and β2 are fixed decay rates (hyperparameters); what changes each step are the "
            "moment estimates m and v, which are optimizer state, not parameters"
        ),
    ),
    "adamw_init": Question(
        _adamw_init,
        "choice",
        choices=("a", "b"),
        why=(
            "constructing an optimizer only stores references to the parameters and the "
            "hyperparameters; AdamW's weight decay shrinks the weights a little in every step() "
            "(θ ← θ(1 − ηλ)), it never re-initialises them"
        ),
    ),
    "stationary": Question(
        _stationary,
        "choice",
        choices=("a", "b"),
        why=(
            "a zero gradient makes x = 0 a stationary point, not necessarily an extremum: x³ is "
            "negative on the left and positive on the right of 0"
        ),
    ),
    "after_backward": Question(
        _after_backward,
        "value",
        tolerance=1e-6,
        why=(
            "backward() stores the full, unclipped gradient in .grad; clipping is a separate step "
            "after backward() and before optimizer.step()"
        ),
    ),
    "elementwise": Question(
        _elementwise,
        "value",
        tolerance=1e-4,
        why=(
            "clip_grad_norm_ multiplies the whole gradient by one factor "
            "min(1, c/(‖g‖ + δ)) = 1/5, so [3, 4] becomes [0.6, 0.8]; "
            "element-wise clipping would give [1, 1] "
            "(that is clip_grad_value_)"
        ),
    ),
    "global_norm": Question(
        _global_norm,
        "value",
        tolerance=1e-4,
        why=(
            "clip_grad_norm_ over several tensors uses ONE global norm √(3² + 4²) = 5 for all of "
            "them, so the first layer's gradient becomes 3/5 = 0.6, not 1 as per-layer clipping "
            "would give"
        ),
    ),
    "no_eps": Question(
        _no_eps,
        "choice",
        choices=("a", "b", "c"),
        why=(
            "with ε = 0 a coordinate whose gradient has always been 0 has m̂ = 0 and v̂ = 0, and the "
            "update 0/√0 = 0/0 is NaN; ε keeps the denominator positive"
        ),
    ),
    "vanishing": Question(
        _vanishing,
        "choice",
        choices=("a", "b", "c"),
        why=(
            "global clipping multiplies every layer by the same factor min(1, c/N); the total "
            "norm N is dominated by the last layers and exceeds c, so the vanishing "
            "first-layer gradient "
            "is shrunk further: clipping never enlarges a gradient"
        ),
    ),
    "adam_update": Question(
        _adam_update,
        "value",
        tolerance=1e-3,
        why=(
            "Adam divides m̂ by √v̂, so a gradient scaled by any factor gives the same first step "
            "η·g/(|g| + ε) ≈ η·sign(g): clipping (a positive rescaling) leaves Adam's update size "
            "unchanged, ratio 1; it bounds the update only for SGD"
        ),
    ),
}


def truth(key: str) -> Any:
    """Run the question's experiment and return the true answer."""
    return QUESTIONS[key].experiment()


def check_prediction(predictions: Mapping[str, Any], key: str) -> None:
    """Say whether ``predictions[key]`` is what the experiment shows, and why.

    Raises ``NotImplementedError`` when no prediction was made, and ``AssertionError`` (with the
    right answer and the explanation) when the prediction is wrong.
    """
    if key not in QUESTIONS:
        raise KeyError(f"unknown question {key!r}; known: {', '.join(QUESTIONS)}")
    question = QUESTIONS[key]
    if key not in predictions:
        raise NotImplementedError(f"predict first: predictions[{key!r}] = ...")
    predicted = predictions[key]
    answer = truth(key)
    if question.kind == "choice":
        choice = str(predicted).strip().lower()
        if choice not in question.choices:
            raise AssertionError(
                f"{key}: answer with one of {', '.join(question.choices)}, got {predicted!r}"
            )
        right = choice == answer
        shown = f"{answer!r}"
    else:
        try:
            value = float(predicted)
        except (TypeError, ValueError):
            raise AssertionError(f"{key}: predict a number, got {predicted!r}") from None
        right = abs(value - answer) <= question.tolerance * max(abs(answer), 1.0)
        shown = f"{answer:.4g}"
    if not right:
        raise AssertionError(
            f"{key}: you predicted {predicted!r}, the experiment gives {shown}.\n"
            + _wrap(f"Why: {question.why}.")
        )
    print(_wrap(f"{key}: right, the experiment gives {shown}. Why: {question.why}."))


def _wrap(text: str) -> str:
    """Lines of at most 79 characters, as the book's pages show them without scrolling."""
    return textwrap.fill(text, width=79)
