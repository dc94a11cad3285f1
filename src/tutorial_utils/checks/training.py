"""Checker for the training-loop exercise (exercise 6): one clipped training step in PyTorch."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from tutorial_utils.checks._core import assert_close, call, fail, passed

__all__ = ["check_train_step"]


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1)).double()


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(16, 3, generator=generator, dtype=torch.float64)
    y = 5.0 * torch.randn(16, 1, generator=generator, dtype=torch.float64)
    return x, y


def _flat(model: nn.Module) -> np.ndarray:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy().copy()


def _step(model, optimizer, x, y, max_norm, variant="correct"):
    """One training step as ``variant`` does it; returns (loss, reported norm)."""
    loss_fn = nn.MSELoss()
    params = list(model.parameters())
    if variant != "no zero_grad":
        optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    if variant == "clip by value":
        norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in params]))
        torch.nn.utils.clip_grad_value_(params, max_norm)
    elif variant == "no clipping":
        norm = torch.nn.utils.get_total_norm([p.grad for p in params])
    else:
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
    optimizer.step()
    return float(loss.detach()), float(norm)


def _prime(model: nn.Module, x: torch.Tensor) -> None:
    """Leave stale gradients in ``model``, as an earlier evaluation would."""
    (model(x) ** 2).sum().backward()


def check_train_step(train_step: Callable[..., Any]) -> None:
    """Check ``train_step(model, loss_fn, optimizer, x, y, max_norm) -> (loss, grad_norm)``.

    Expected, in this order: clear old gradients, forward pass, ``loss.backward()``, clip the
    gradients to total L2 norm ``max_norm`` (``torch.nn.utils.clip_grad_norm_``), then
    ``optimizer.step()``; return the loss as a float and the total gradient norm *before*
    clipping. Tested with SGD (whose step is proportional to the gradient, so clipping shows) on a
    small MLP for three consecutive steps, with clipping active and inactive, and with stale
    gradients left in the model beforehand.
    """
    name = "check_train_step"
    x, y = _data()
    cases = [
        ("3 steps, max_norm = 0.5 (clipping active)", 0.5),
        ("3 steps, max_norm = 1e6 (no clipping)", 1e6),
        ("3 steps, max_norm = 2.0", 2.0),
    ]
    variants = ("no zero_grad", "clip by value", "no clipping")
    hints = {
        "no zero_grad": "call optimizer.zero_grad() before backward(): gradients ACCUMULATE in "
        ".grad across steps (and the model had stale gradients)",
        "clip by value": "clip the total norm (clip_grad_norm_), not each value",
        "no clipping": "clip after loss.backward() and BEFORE optimizer.step(): your parameters "
        "moved with the unclipped gradient",
    }
    for case, max_norm in cases:
        student, reference = _model(), _model()
        wrong = {v: _model() for v in variants}
        models = [student, reference, *wrong.values()]
        for model in models:
            _prime(model, x)
        opt = {id(m): torch.optim.SGD(m.parameters(), lr=0.05) for m in models}
        for step in range(1, 4):
            label = f"{case}, step {step}"
            result = call(train_step, name, label, student, nn.MSELoss(), opt[id(student)],
                          x, y, max_norm)
            if not (isinstance(result, (tuple, list)) and len(result) == 2):
                fail(name, label, "return a pair (loss, grad_norm)")
            try:
                loss, norm = (float(r.detach()) if isinstance(r, torch.Tensor) else float(r)
                              for r in result)
            except (TypeError, ValueError, RuntimeError):
                fail(name, label, "loss and grad_norm must be numbers (use .item())")
            exp_loss, exp_norm = _step(reference, opt[id(reference)], x, y, max_norm)
            outs = {v: _step(m, opt[id(m)], x, y, max_norm, v) for v, m in wrong.items()}
            params = {v: _flat(m) for v, m in wrong.items()}
            with torch.no_grad():
                after = float(nn.MSELoss()(reference(x), y))
            assert_close(loss, exp_loss, checker=name, case=label, what="loss", diagnoses=[
                ("return the loss computed in the forward pass, before the step", after),
                *[(hints[v], outs[v][0]) for v in variants],
            ])
            assert_close(norm, exp_norm, checker=name, case=label, what="grad_norm", diagnoses=[
                ("return the total norm BEFORE clipping (what clip_grad_norm_ returns)",
                 exp_norm * min(max_norm / (exp_norm + 1e-6), 1.0)),
                *[(hints[v], outs[v][1]) for v in variants],
            ])
            assert_close(_flat(student), _flat(reference), checker=name, case=label,
                         what="parameters after the step",
                         diagnoses=[(hints[v], params[v]) for v in variants])
    passed(name, len(cases))
