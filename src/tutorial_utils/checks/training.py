"""Checker for the training-loop exercise (exercise 6): one clipped training step in PyTorch."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from tutorial_utils.checks._core import Case, Failure, Mistake, Spec, call, run, to_array

STEPS = 3


def _step(kind: str = "correct") -> Callable[..., tuple[float, float]]:
    """One training step as a student might write it; ``kind`` names the mistake."""

    def train_step(model, loss_fn, optimizer, x, y, max_norm):  # type: ignore[no-untyped-def]
        params = list(model.parameters())
        norm_type = math.inf if kind == "inf-norm" else 2.0
        max_norm = 1.0 if kind == "fixed max_norm" else max_norm
        if kind not in ("no zero_grad", "zero_grad after step"):
            optimizer.zero_grad()
        if kind == "clip before backward":
            norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
        loss = loss_fn(model(x), y)
        loss.backward(retain_graph=kind == "backward twice")
        if kind == "backward twice":
            loss.backward()
        if kind in ("clip by value", "no clipping", "clip after step"):
            norm = torch.nn.utils.get_total_norm([p.grad for p in params if p.grad is not None])
        if kind == "clip by value":
            torch.nn.utils.clip_grad_value_(params, max_norm)
        elif kind == "per-parameter":
            each = [torch.nn.utils.clip_grad_norm_([p], max_norm) for p in params]
            norm = torch.linalg.vector_norm(torch.stack(each))
        elif kind not in ("clip before backward", "no clipping", "clip after step"):
            norm = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
        if kind == "post-clip norm":
            norm = torch.nn.utils.get_total_norm([p.grad for p in params if p.grad is not None])
        optimizer.step()
        if kind == "zero_grad after step":
            optimizer.zero_grad()
        if kind == "clip after step":
            torch.nn.utils.clip_grad_norm_(params, max_norm)
        if kind == "loss after step":
            loss = loss_fn(model(x), y).detach()
        result = (loss.item(), norm.item())
        return result[::-1] if kind == "swapped" else result

    return train_step


# fmt: off
TRAIN_STEP = [
    Mistake("call optimizer.zero_grad() before backward(): gradients ACCUMULATE in .grad across "
            "steps (and the model had stale gradients)", _step("no zero_grad")),
    Mistake("clip after loss.backward() and BEFORE optimizer.step(): your parameters moved with "
            "the unclipped gradient", _step("clip after step")),
    Mistake("clip after loss.backward() and BEFORE optimizer.step(): your parameters moved with "
            "the unclipped gradient (no clipping at all?)", _step("no clipping")),
    Mistake("clip after loss.backward(): before it the gradients were just cleared (norm 0), "
            "and the step then used the unclipped gradient", _step("clip before backward")),
    Mistake("return the total norm BEFORE clipping (what clip_grad_norm_ returns)",
            _step("post-clip norm")),
    Mistake("clip the total norm (clip_grad_norm_), not each value", _step("clip by value")),
    Mistake("return the loss computed in the forward pass, before the step",
            _step("loss after step")),
    Mistake("return the pair in the order (loss, grad_norm)", _step("swapped")),
    Mistake("clip the total L2 norm: clip_grad_norm_'s default norm_type=2.0, not inf",
            _step("inf-norm")),
    Mistake("use the max_norm argument, not a fixed threshold", _step("fixed max_norm")),
    Mistake("call loss.backward() once per step: a second call adds the gradient again (2x)",
            _step("backward twice")),
    Mistake("clear the gradients at the START of the step (optimizer.zero_grad() before "
            "backward): the stale gradients already in .grad were added to yours",
            _step("zero_grad after step")),
    Mistake("clip the TOTAL norm of all parameters together (one clip_grad_norm_(model."
            "parameters(), max_norm)), not each parameter by its own norm",
            _step("per-parameter")),
]
# fmt: on
MISTAKES = {"check_train_step": TRAIN_STEP}


def _run_steps(train_step: Callable[..., Any], max_norm: float) -> tuple[Any, ...]:
    """``STEPS`` consecutive steps of SGD on a small MLP with stale gradients left in it; per
    step the loss, the reported norm and the parameters after the step."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1)).double()
    x, y = torch.randn(2, 16, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    y = 5.0 * y[:, :1]
    (model(x) ** 2).sum().backward()  # stale gradients, as an earlier evaluation would leave
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    out: list[Any] = []
    for step in range(1, STEPS + 1):
        result = call(train_step, model, nn.MSELoss(), optimizer, x, y, max_norm)
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise Failure(f"step {step}: return a pair (loss, grad_norm)", "return loss, norm")
        for name, value in zip(("loss", "grad_norm"), result):
            array = to_array(value, f"{name} at step {step}")
            if array.size != 1:
                raise Failure(f"{name} at step {step} has shape {array.shape}", "use .item()")
            out.append(array.reshape(()))
        out.append(torch.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy())
    return tuple(out)


def check_train_step(train_step: Callable[..., Any]) -> None:
    """Check ``train_step(model, loss_fn, optimizer, x, y, max_norm) -> (loss, grad_norm)``: clear
    the old gradients, forward, ``loss.backward()``, ``clip_grad_norm_`` to ``max_norm``, then
    ``optimizer.step()``; return the loss and the norm *before* clipping as numbers. Three steps
    of SGD (its step shows the clipping) on a small MLP that holds stale gradients."""
    what = ("loss at step", "grad_norm at step", "parameters after step")
    labels = tuple(f"{w} {step}" for step in range(1, STEPS + 1) for w in what)
    notes = ((0.5, " (clipping active)"), (1e6, " (no clipping)"), (2.0, ""))
    cases = [Case(f"{STEPS} steps, max_norm = {c:g}{note}", (c,)) for c, note in notes]
    spec = Spec("check_train_step", cases, labels, (), TRAIN_STEP, lambda c: _run_steps(_step(), c))
    spec.invoke = lambda fn, case: _run_steps(fn, *case.args)
    run(spec, train_step)
