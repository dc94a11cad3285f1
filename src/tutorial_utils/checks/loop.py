"""Checkers for the training-loop tasks of exercise 6 that follow chapter 6's lessons.

========================================  =====================================================
checker                                   student's function
========================================  =====================================================
:func:`check_safe_step`                   ``safe_step(model, loss_fn, optimizer, x, y, max_norm)``
                                          ``-> (loss, grad_norm, stepped)``
:func:`check_warmup_norms`                ``warmup_norms(model, loss_fn, optimizer, batches)``
                                          ``-> list of pre-clip gradient norms``
:func:`check_amp_train_step`              ``amp_train_step(model, loss_fn, optimizer, scaler, x,``
                                          ``y, max_norm) -> (loss, grad_norm)``
========================================  =====================================================

Each checker runs the student's function next to a reference on a small float32 network and
compares losses, reported norms, parameters (and the scaler's scale). When a result differs it
also runs the typical mistakes (clipping before ``unscale_``, ``optimizer.step`` instead of
``scaler.step``, clipping before ``backward``, no ``zero_grad``, logging the clipped norm, ...)
and names the one the student's result reproduces. ``NotImplementedError`` from an unsolved
exercise propagates unchanged; on success one line is printed.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from tutorial_utils.checks._core import Failure, call, fail

__all__ = ["check_safe_step", "check_warmup_norms", "check_amp_train_step"]

#: Relative tolerance: the same float32 operations in the same order agree exactly; a different
#: but correct order (e.g. the loss outside autocast) stays well inside it.
RTOL = 1e-4


_fail = fail  # the runner's message format: "checker: case '...': message\nHint: ..."


def _call(fn: Callable[..., Any], checker: str, case: str, *args: Any) -> Any:
    """The runner's call: errors and a hang (stopped after TIME_LIMIT s) become the report."""
    try:
        return call(fn, *args)
    except Failure as failure:
        fail(checker, case, failure.message, failure.hint)


def _float(value: Any, checker: str, case: str, what: str) -> float:
    try:
        return float(value.detach()) if isinstance(value, torch.Tensor) else float(value)
    except (TypeError, ValueError, RuntimeError):
        _fail(checker, case, f"{what} must be a number (use .item()), got {type(value).__name__}")


def _close(a: Any, b: Any) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(
        np.max(np.abs(a - b), initial=0.0) <= RTOL * max(np.max(np.abs(b), initial=0.0), 1e-12)
    )


def _compare(
    got: Any,
    expected: Any,
    variants: dict[str, Any],
    *,
    checker: str,
    case: str,
    what: str,
    default: str | None = None,
) -> None:
    """Fail unless ``got`` matches ``expected``; name the mistakes whose result ``got`` matches."""
    if _close(got, expected):
        return
    hints = [
        hint
        for hint, value in variants.items()
        if value is not None and not _close(value, expected) and _close(got, value)
    ]
    g, e = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if g.size == 1 and e.size == 1:
        message = f"{what} is wrong: expected {e.item():.8g}, got {g.item():.8g}"
    else:
        message = f"{what} differ from the reference (largest difference " + (
            f"{np.max(np.abs(g - e)):.3g})"
            if g.shape == e.shape
            else f"shape {g.shape} vs {e.shape})"
        )
    _fail(checker, case, message, "\nor: ".join(hints) if hints else default)


def _flat(model: nn.Module) -> np.ndarray:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).double().numpy().copy()


def _model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))


def _stale(model: nn.Module) -> nn.Module:
    """``model`` holding gradients from an earlier evaluation: a step must clear them first."""
    x = torch.randn(4, 4, generator=torch.Generator().manual_seed(7))
    (model(x) ** 2).sum().backward()
    return model


def _data(seed: int = 1, n: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=generator)
    y = 3.0 * torch.randn(n, 1, generator=generator)
    return x, y


# ---------------------------------------------------------------------------------------------
# Non-finite gradients: the skip-step pattern
# ---------------------------------------------------------------------------------------------
def _safe_reference(model, loss_fn, optimizer, x, y, max_norm, variant="correct"):
    if variant != "no zero_grad":
        optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    if variant == "no clipping":
        norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])
    else:
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if variant == "always step" or torch.isfinite(norm):
        optimizer.step()
        return float(loss.detach()), float(norm), True
    optimizer.zero_grad()
    return float(loss.detach()), float(norm), False


def check_safe_step(safe_step: Callable[..., Any]) -> None:
    """Check ``safe_step(model, loss_fn, optimizer, x, y, max_norm) -> (loss, grad_norm, stepped)``.

    Expected: clear the gradients, forward, backward, ``clip_grad_norm_`` (which returns the norm
    before clipping); if that norm is not finite, skip ``optimizer.step()`` (and leave no NaN
    gradients behind) and return ``stepped=False``; otherwise step and return ``True``. Tested
    with Adam, whose moment estimates a single NaN step would poison for good, on finite batches
    and on a batch with an infinite input between them.
    """
    name = "check_safe_step"
    x, y = _data()
    bad_x = x.clone()
    bad_x[3, 1] = math.inf
    huge_y = y * 1e25  # float32: the loss and the gradient norm overflow to inf, not NaN
    batches = [  # three cases; the finite one twice (two Adam steps show the clipping)
        ("finite batch", x, y),
        ("batch with an inf input (NaN norm)", bad_x, y),
        ("finite batch", x, 0.05 * y),  # a norm below max_norm: clipping changes the ratio
        ("batch with huge targets (inf norm)", x, huge_y),
    ]
    models = tuple(_stale(_model()) for _ in range(5))
    student, reference, always, unclipped, uncleared = models
    opts = {id(m): torch.optim.Adam(m.parameters(), lr=0.01) for m in models}
    for step, (label, inputs, y) in enumerate(batches, start=1):
        case = f"step {step}, {label}"
        result = _call(
            safe_step, name, case, student, nn.MSELoss(), opts[id(student)], inputs, y, 1.0
        )
        if not (isinstance(result, (tuple, list)) and len(result) == 3):
            _fail(name, case, "return a triple (loss, grad_norm, stepped)")
        if isinstance(result[1], (bool, np.bool_)) and not isinstance(result[2], (bool, np.bool_)):
            _fail(
                name,
                case,
                f"grad_norm came back as {result[1]!r}",
                "return (loss, grad_norm, stepped) in this order (you swapped them)",
            )
        loss = _float(result[0], name, case, "loss")
        norm = _float(result[1], name, case, "grad_norm")
        stepped = result[2]
        exp = _safe_reference(reference, nn.MSELoss(), opts[id(reference)], inputs, y, 1.0)
        _safe_reference(always, nn.MSELoss(), opts[id(always)], inputs, y, 1.0, "always step")
        _safe_reference(unclipped, nn.MSELoss(), opts[id(unclipped)], inputs, y, 1.0, "no clipping")
        no_zero = _safe_reference(
            uncleared, nn.MSELoss(), opts[id(uncleared)], inputs, y, 1.0, "no zero_grad"
        )
        zero_hint = (
            "call optimizer.zero_grad() at the start of every step: gradients accumulate in "
            ".grad (this model came with stale gradients)"
        )
        if math.isfinite(exp[1]):
            _compare(loss, exp[0], {}, checker=name, case=case, what="loss")
            before_hint = "return the norm BEFORE clipping (what clip_grad_norm_ returns)"
            _compare(
                norm,
                exp[1],
                {before_hint: min(exp[1], 1.0), zero_hint: no_zero[1]},
                checker=name,
                case=case,
                what="grad_norm",
            )
        elif math.isfinite(norm):
            _fail(
                name,
                case,
                f"grad_norm should be the non-finite norm that clip_grad_norm_ returns, got {norm}",
            )
        if bool(stepped) != exp[2]:
            _fail(
                name,
                case,
                f"stepped should be {exp[2]}, got {stepped!r}",
                "skip the step exactly when the norm is not finite: "
                "if not torch.isfinite(norm): ... else: optimizer.step()",
            )
        _compare(
            _flat(student),
            _flat(reference),
            {
                "an optimizer step with NaN gradients poisons Adam's m and v for good: skip it "
                "when the norm is not finite": _flat(always),
                "clip with clip_grad_norm_(model.parameters(), max_norm) before the step (it "
                "also returns the norm): your steps used the unclipped gradient": _flat(unclipped),
                zero_hint: _flat(uncleared),
            },
            default="the loss and the norm are right but the step is not: clip with "
            "clip_grad_norm_(model.parameters(), max_norm), the max_norm argument, then step once",
            checker=name,
            case=case,
            what="parameters after the step",
        )
        if (
            not all(
                p.grad is None or bool(torch.isfinite(p.grad).all()) for p in student.parameters()
            )
            and not exp[2]
        ):
            _fail(
                name,
                case,
                "after a skipped step the model still holds NaN/inf gradients",
                "call optimizer.zero_grad() when you skip, so nothing stale is left behind",
            )
    print(f"{name}: all {len({label for label, _, _ in batches})} cases passed.")


# ---------------------------------------------------------------------------------------------
# Logging gradient norms during a warm-up
# ---------------------------------------------------------------------------------------------
def _warmup_reference(model, loss_fn, optimizer, batches, variant="correct"):
    norms = []
    for x, y in batches:
        if variant not in ("no zero_grad", "zero_grad at the end"):
            optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        stale = [p.grad for p in model.parameters() if p.grad is not None]
        before = torch.nn.utils.get_total_norm(stale) if stale else torch.tensor(0.0)
        loss.backward()
        if variant == "norm before backward":
            norm = before
        elif variant == "clip at 1":  # logs the right (pre-clip) norm, but clips
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        elif variant == "clipped norm":
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])
        elif variant == "parameter norm":
            norm = torch.nn.utils.get_total_norm(list(model.parameters()))
        elif variant == "first parameter":
            norm = next(iter(model.parameters())).grad.norm()
        else:
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
        if variant == "loss":
            norm = loss
        norms.append(float(norm.detach()))
        if variant != "no step":
            optimizer.step()
        if variant == "zero_grad at the end":
            optimizer.zero_grad()
    return norms


def check_warmup_norms(warmup_norms: Callable[..., Any]) -> None:
    """Check ``warmup_norms(model, loss_fn, optimizer, batches) -> list of floats``.

    Expected: for each ``(x, y)`` in ``batches``, one SGD step *without* clipping (or with
    ``max_norm=math.inf``), logging the total gradient norm of that step (what
    ``clip_grad_norm_`` returns) as a float.
    """
    name = "check_warmup_norms"
    generator = torch.Generator().manual_seed(2)
    batches = [
        (torch.randn(8, 4, generator=generator), 3.0 * torch.randn(8, 1, generator=generator))
        for _ in range(6)
    ]
    variants = {
        "zero the gradients before each backward(): they accumulate in .grad": "no zero_grad",
        "log the norm before clipping, and do not clip during the warm-up": "clipped norm",
        "log the gradient norm, not the loss": "loss",
        "do not clip during the warm-up (max_norm=math.inf): clipping changed the training, "
        "so the later norms differ": "clip at 1",
        "the model did not change between batches: take an optimizer.step() after each "
        "backward(), without clipping (clipping to max_norm=0 zeroes the gradients)": "no step",
        "log the TOTAL norm of all parameters' gradients together (what clip_grad_norm_ "
        "returns), not the norm of one parameter": "first parameter",
        "log the norm of the GRADIENTS (the p.grad, what clip_grad_norm_ returns), not of the "
        "parameters": "parameter norm",
        "clear the gradients BEFORE each backward(), not after the step: the model came with "
        "stale gradients, which your first norm includes": "zero_grad at the end",
        "measure the norm after loss.backward(): before it the gradients were just cleared (or "
        "are the previous batch's)": "norm before backward",
    }
    runs = {}
    for hint, variant in [("correct", "correct"), *variants.items()]:
        model = _stale(_model())
        runs[hint] = _warmup_reference(
            model, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.05), batches, variant
        )
    model = _stale(_model())
    case = "6 minibatches of SGD with lr = 0.05"
    got = _call(
        warmup_norms,
        name,
        case,
        model,
        nn.MSELoss(),
        torch.optim.SGD(model.parameters(), lr=0.05),
        batches,
    )
    if not isinstance(got, (list, tuple, np.ndarray)):
        what = type(got).__name__
        _fail(
            name,
            case,
            f"return a list of floats (one per batch), got {what}",
            "build the list (norms.append(...)) and return it, not a generator"
            if hasattr(got, "__next__")
            else None,
        )
    if any(isinstance(v, (list, tuple)) or np.ndim(v) > 0 for v in got):
        _fail(
            name,
            case,
            "each logged norm must be ONE number, got a sequence",
            "log the TOTAL norm of all parameters together (what clip_grad_norm_ returns), "
            "not one norm per parameter",
        )
    try:
        got = [_float(v, name, case, "each logged norm") for v in got]
    except TypeError:
        _fail(name, case, f"return a list of floats, got {type(got).__name__}")
    if len(got) != len(batches):
        _fail(name, case, f"return one norm per batch ({len(batches)}), got {len(got)}")
    _compare(
        got,
        runs["correct"],
        {h: runs[h] for h in variants},
        checker=name,
        case=case,
        what="logged norms",
    )
    print(f"{name}: all 1 cases passed.")


# ---------------------------------------------------------------------------------------------
# Mixed precision: unscale, clip, step through the scaler
# ---------------------------------------------------------------------------------------------
AMP_DTYPE = torch.float16  # CPU autocast supports float16 and bfloat16 in torch >= 2.4


def _amp_reference(model, loss_fn, optimizer, scaler, x, y, max_norm, variant="correct"):
    params = list(model.parameters())
    if variant != "no zero_grad":
        optimizer.zero_grad()
    dtype = torch.bfloat16 if variant == "bfloat16" else AMP_DTYPE
    ctx = contextlib.nullcontext() if variant == "no autocast" else torch.autocast("cpu", dtype)
    with ctx:
        loss = loss_fn(model(x), y)
    if variant == "clip before backward":
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
    scaler.scale(loss).backward()
    if variant == "clip before unscale":
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
        scaler.unscale_(optimizer)
    elif variant == "no unscale":
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
    elif variant != "clip before backward":
        scaler.unscale_(optimizer)
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
    if variant == "post-clip norm":
        norm = torch.nn.utils.get_total_norm([p.grad for p in params if p.grad is not None])
    if variant == "optimizer.step":
        optimizer.step()
    else:
        scaler.step(optimizer)
    if variant != "no update":
        scaler.update()
    return float(loss.detach()), float(norm)


def _plain_loss(x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return float(nn.MSELoss()(_model()(x), y))


def check_amp_train_step(amp_train_step: Callable[..., Any]) -> None:
    """Check ``amp_train_step(model, loss_fn, optimizer, scaler, x, y, max_norm)``.

    Expected, in this order: ``optimizer.zero_grad()``; forward and loss under
    ``torch.autocast("cpu", dtype=torch.float16)``; ``scaler.scale(loss).backward()``;
    ``scaler.unscale_(optimizer)``; ``clip_grad_norm_`` (its return value is the reported norm);
    ``scaler.step(optimizer)``; ``scaler.update()``. Return ``(loss, grad_norm)`` as floats.
    Tested with SGD for three steps with a working loss scale and, separately, with a scale so
    large that float16 gradients overflow (the scaler must skip that step and halve its scale).
    """
    name = "check_amp_train_step"
    x, y = _data(3)
    variants = {
        "call scaler.unscale_(optimizer) BEFORE clip_grad_norm_: you clipped the scaled "
        "gradient S*g, i.e. the true gradient at max_norm / S": "clip before unscale",
        "unscale before clipping: the scaler unscales inside step(), after your clip, so the "
        "clip acted on S*g": "no unscale",
        "clip after scaler.scale(loss).backward(): before it there are no new gradients to "
        "clip": "clip before backward",
        "step with scaler.step(optimizer), which skips the update when the gradients "
        "overflowed; optimizer.step() applied inf/NaN": "optimizer.step",
        "call scaler.update() after the step: it halves the scale after an overflow and grows "
        "it after a run of good steps": "no update",
        "run the forward pass and the loss under torch.autocast('cpu', "
        "dtype=torch.float16)": "no autocast",
        "this task autocasts to float16 (dtype=torch.float16), the format that needs loss "
        "scaling, not bfloat16": "bfloat16",
        "return the norm BEFORE clipping (what clip_grad_norm_ returns)": "post-clip norm",
        "call optimizer.zero_grad() at the start of each step: gradients accumulate in "
        ".grad": "no zero_grad",
    }
    cases = [
        ("3 steps, scale 2**10, max_norm 0.5 (clipping active)", 2.0**10, 0.5, 3),
        ("1 step, scale 2**24 (float16 overflow: skip, halve the scale)", 2.0**24, 0.5, 1),
    ]
    for case_name, init_scale, max_norm, steps in cases:
        models = {v: _model() for v in ["correct", "student", *variants.values()]}
        opts = {v: torch.optim.SGD(m.parameters(), lr=0.1) for v, m in models.items()}
        scalers = {
            v: torch.amp.GradScaler("cpu", init_scale=init_scale, growth_interval=2) for v in models
        }
        broken: set[str] = set()
        for step in range(1, steps + 1):
            case = f"{case_name}, step {step}"
            try:
                result = amp_train_step(
                    models["student"],
                    nn.MSELoss(),
                    opts["student"],
                    scalers["student"],
                    x,
                    y,
                    max_norm,
                )
            except NotImplementedError:
                raise
            except Exception as error:  # noqa: BLE001 - the student's failure is feedback
                hint = (
                    "call scaler.update() at the end of every step: without it the scaler "
                    "refuses the next unscale_()"
                    if "after step()" in str(error)
                    else "call scaler.unscale_(optimizer) once per step, after backward() and "
                    "before clipping"
                    if "unscale_" in str(error)
                    else None
                )
                _fail(name, case, f"your function raised {type(error).__name__}: {error}", hint)
            if not (isinstance(result, (tuple, list)) and len(result) == 2):
                _fail(name, case, "return a pair (loss, grad_norm)")
            loss = _float(result[0], name, case, "loss")
            norm = _float(result[1], name, case, "grad_norm")
            outs = {}
            for v in models:
                if v == "student" or v in broken:
                    continue
                try:
                    outs[v] = _amp_reference(
                        models[v], nn.MSELoss(), opts[v], scalers[v], x, y, max_norm, v
                    )
                except RuntimeError:  # e.g. no scaler.update(): the next unscale_ refuses
                    broken.add(v)
            live = {h: v for h, v in variants.items() if v in outs}
            hints = {h: outs[v][1] for h, v in live.items()}
            expected_loss, expected_norm = outs["correct"]
            plain = _plain_loss(x, y) if step == 1 else None
            autocast_hint = "compute the loss under torch.autocast('cpu', dtype=torch.float16)"
            _compare(
                loss, expected_loss, {autocast_hint: plain}, checker=name, case=case, what="loss"
            )
            if math.isfinite(expected_norm):
                _compare(norm, expected_norm, hints, checker=name, case=case, what="grad_norm")
            _compare(
                _flat(models["student"]),
                _flat(models["correct"]),
                {h: _flat(models[v]) for h, v in live.items()},
                checker=name,
                case=case,
                what="parameters after the step",
            )
            _compare(
                scalers["student"].get_scale(),
                scalers["correct"].get_scale(),
                {h: scalers[v].get_scale() for h, v in live.items()},
                checker=name,
                case=case,
                what="the scaler's scale after the step",
            )
    print(f"{name}: all {len(cases)} cases passed.")
