"""Checkers for the training-loop exercise (6): one clipped step, the skip-step pattern, logging
warm-up norms and clipping under a ``GradScaler``, with their typical mistakes.

Each checker's hook runs a few consecutive steps of the student's function on a small network
that holds stale gradients (a step must clear them first) and observes, after every step, what
it returned and the parameters (for safe_step also whether NaN/inf gradients were left, for the
AMP step the scaler's scale). The reference and every mistake run the same scenario, so the
runner compares and diagnoses them like any other answer. A mistake is named by a ``kind``
string; the wrong-answer tests reject a misspelled one (it would behave correctly)."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from tutorial_utils.checks._core import Case, Failure, Mistake, Spec, call, run, to_array

#: Relative tolerance for float32 training: a different but correct order of the same operations
#: (the loss outside autocast, .item() before the step) stays well inside it.
RTOL = 1e-4
AMP_DTYPE = torch.float16  # CPU autocast supports float16 and bfloat16 in torch >= 2.4
clip, total_norm = torch.nn.utils.clip_grad_norm_, torch.nn.utils.get_total_norm


def _grads(model: nn.Module) -> list[torch.Tensor]:
    return [p.grad for p in model.parameters() if p.grad is not None]


def _flat(model: nn.Module) -> np.ndarray:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).double().numpy()


def _model(double: bool = False) -> nn.Module:
    """A small tanh MLP (seeded, float32 or float64 whatever torch's default dtype) holding
    stale gradients, as an earlier evaluation leaves them. The caller's torch RNG is untouched."""
    dtype = torch.float64 if double else torch.float32
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = nn.Sequential(
            nn.Linear(4, 16, dtype=dtype), nn.Tanh(), nn.Linear(16, 1, dtype=dtype)
        )
    x = torch.randn(4, 4, generator=torch.Generator().manual_seed(7), dtype=dtype)
    (model(x) ** 2).sum().backward()
    return model


def _batch(seed: int, n: int = 32, dtype: torch.dtype = torch.float32) -> tuple[Any, Any]:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=generator, dtype=dtype)
    return x, 3.0 * torch.randn(n, 1, generator=generator, dtype=dtype)


def _numbers(result: Any, names: tuple[str, ...], step: int) -> list[np.ndarray]:
    """The student's tuple ``names`` at ``step`` as 0-d float64 arrays (non-finite as inf)."""
    if not (isinstance(result, (tuple, list)) and len(result) == len(names)):
        got = type(result).__name__ + (
            f" of {len(result)}" if isinstance(result, (tuple, list)) else ""
        )
        message = f"step {step}: return ({', '.join(names)}), got {got}"
        raise Failure(message, f"return {', '.join(names)} (numbers: use .item())")
    out = []
    for name, value in zip(names, result):
        array = to_array(value, f"{name} at step {step}").astype(np.float64)
        if array.size != 1:
            message = f"{name} at step {step} has shape {array.shape}, expected one number"
            raise Failure(message, f"return {name} as one number (.item()), over all parameters")
        out.append(np.where(np.isfinite(array), array, np.inf).reshape(()))
    return out


def _steps(fn: Callable[..., Any], step: int, *args: Any) -> Any:
    """The student's call at ``step``; its failure names the step."""
    try:
        return call(fn, *args)
    except Failure as failure:
        message = f"step {step}: {failure.message}"
        raise Failure(message, failure.hint, failure.key, failure.family) from None


def _labels(names: tuple[str, ...], steps: int) -> tuple[str, ...]:
    return tuple(f"{name} after step {k}" for k in range(1, steps + 1) for name in names)


STEP_HINT = (
    "the loss and the norm are right but the step is not: clip with "
    "clip_grad_norm_(model.parameters(), max_norm), the max_norm argument, then step once with "
    "the optimizer passed in"
)
#: What each observed quantity is: the last resort when no mistake of the table matches.
QUANTITIES = {
    "loss": "loss is this batch's loss from the forward pass, before optimizer.step(), as a "
    "number (.item())",
    "grad_norm": "grad_norm is what clip_grad_norm_(model.parameters(), max_norm) returns: the "
    "total L2 norm of all parameters' gradients together, before clipping (inf or NaN when a "
    "gradient is not finite)",
    "stepped": "stepped is True when optimizer.step() was taken and False when the norm was not "
    "finite and the step was skipped",
    "the scaler's scale": "the scale changes only in scaler.update(), called once per step after "
    "scaler.step(optimizer): halved after an overflow, doubled after 2 good steps here",
    "logged norms": "entry k is the total norm of all gradients after batch k's backward() "
    "(clip_grad_norm_(model.parameters(), math.inf)), before that batch's optimizer.step()",
    "parameters after the warm-up": "the norms are right but the model is not: take exactly one "
    "optimizer.step() per batch, with the optimizer passed in, without clipping",
    "parameters": STEP_HINT,
}


def _fallback(labels: tuple[str, ...]) -> dict[str, str]:
    """Each label's entry of :data:`QUANTITIES` (the longest matching prefix)."""
    return {k: QUANTITIES[max((q for q in QUANTITIES if k.startswith(q)), key=len)]
            for k in labels if any(k.startswith(q) for q in QUANTITIES)}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Task 1: train_step(model, loss_fn, optimizer, x, y, max_norm) -> (loss, grad_norm)
# ---------------------------------------------------------------------------------------------
#: Wrong formulas for the logged norm (the clipping itself done right), and their hints.
WRONG_NORMS = {
    "sum of norms": "the total norm is the norm of ALL gradient entries together, sqrt(sum of "
    "squared per-parameter norms) (what clip_grad_norm_ returns), not the sum of the norms",
    "squared norm": "return the norm itself (with the square root), not the sum of squares",
    "weights only": "take the norm over ALL parameters, biases included: "
    "clip_grad_norm_(model.parameters(), ...)",
    "parameter norm": "log the norm of the GRADIENTS (the p.grad, what clip_grad_norm_ returns), "
    "not of the parameters",
}


def _wrong_norm(kind: str, model: nn.Module) -> torch.Tensor:
    grads = _grads(model)
    if kind == "sum of norms":
        return torch.stack([torch.linalg.vector_norm(g) for g in grads]).sum()
    if kind == "weights only":
        return total_norm([g for g in grads if g.ndim > 1])
    return (
        total_norm(grads) ** 2 if kind == "squared norm" else total_norm(list(model.parameters()))
    )


def _train_step(kind: str = "correct") -> Callable[..., tuple[float, float]]:
    """One training step as a student might write it; ``kind`` names the mistake."""

    def train_step(model, loss_fn, optimizer, x, y, max_norm):  # type: ignore[no-untyped-def]
        params = list(model.parameters())
        max_norm = 1.0 if kind == "fixed max_norm" else max_norm
        if kind == "new optimizer":
            optimizer = type(optimizer)(params, lr=optimizer.param_groups[0]["lr"])
        stale = clip(params, max_norm) if kind == "clip stale" else None
        if kind not in ("no zero_grad", "zero_grad after step", "zero_grad after backward"):
            optimizer.zero_grad()
        norm = clip(params, max_norm) if kind == "clip before backward" else stale
        loss = loss_fn(model(x), y)
        loss.backward(retain_graph=kind == "backward twice")
        if kind == "backward twice":
            loss.backward()
        if kind == "zero_grad after backward":
            optimizer.zero_grad()
        logged = _wrong_norm(kind, model) if kind in WRONG_NORMS else None
        if kind in ("clip by value", "no clipping", "clip after step", "always rescale", "divide"):
            norm = total_norm(_grads(model))
            coef = max_norm / (norm + 1e-6)
            for g in _grads(model) if kind in ("always rescale", "divide") else ():
                g.mul_(coef) if kind == "always rescale" else g.div_(torch.clamp(coef, max=1.0))
        if kind == "clip by value":
            torch.nn.utils.clip_grad_value_(params, max_norm)
        elif kind.startswith("per-parameter"):
            norms = torch.stack([clip([p], max_norm) for p in params])
            norm = norms[-1] if kind.endswith("last") else torch.linalg.vector_norm(norms)
        elif norm is None:
            types = {"inf-norm": math.inf, "norm_type = max_norm": max_norm}
            norm = clip(params, max_norm, types.get(kind, 2.0))
        norm = total_norm(_grads(model)) if kind == "post-clip norm" else norm
        if kind == "skip when clipped" and norm > max_norm:
            return loss.item(), norm.item()
        if kind != "no step":
            optimizer.step()
        if kind == "zero_grad after step":
            optimizer.zero_grad()
        if kind == "clip after step":
            clip(params, max_norm)
        loss = loss_fn(model(x), y).detach() if kind == "loss after step" else loss
        result = (loss.item(), (norm if logged is None else logged).item())
        return result[::-1] if kind == "swapped" else result

    return train_step


NEW_OPTIMIZER = (
    "step with the optimizer passed in: a new one each step starts with empty state (momentum "
    "buffers, Adam's m and v) and may miss its hyperparameters"
)
NO_GRADIENTS = (
    "clip_grad_norm_ found no gradients (norm 0): call it after loss.backward(), on "
    "model.parameters() (the parameters, whose .grad it scales)"
)
# fmt: off
TRAIN_STEP = [
    Mistake("call optimizer.zero_grad() before backward(): gradients ACCUMULATE in .grad across "
            "steps (and the model had stale gradients)", _train_step("no zero_grad")),
    Mistake("clip after loss.backward() and BEFORE optimizer.step(): your parameters moved with "
            "the unclipped gradient", _train_step("clip after step")),
    Mistake("clip after loss.backward() and BEFORE optimizer.step(): your parameters moved with "
            "the unclipped gradient (no clipping at all? model.parameters() is a generator: once "
            "used up, e.g. by a norm, clip_grad_norm_ gets nothing)", _train_step("no clipping")),
    Mistake(NO_GRADIENTS + "; the step then used the unclipped gradient",
            _train_step("clip before backward")),
    Mistake("clip after loss.backward(): before it .grad holds the previous step's (stale) "
            "gradients; this batch's gradient was never clipped", _train_step("clip stale")),
    Mistake("call optimizer.zero_grad() at the START of the step, before backward(): after "
            "backward() it wipes this batch's gradients (norm 0, no step)",
            _train_step("zero_grad after backward")),
    Mistake("return the total norm BEFORE clipping (what clip_grad_norm_ returns)",
            _train_step("post-clip norm")),
    Mistake("clip the total norm (clip_grad_norm_), not each value", _train_step("clip by value")),
    Mistake("return the loss computed in the forward pass, before the step",
            _train_step("loss after step")),
    Mistake("return the pair in the order (loss, grad_norm)", _train_step("swapped")),
    Mistake("clip the total L2 norm: clip_grad_norm_'s default norm_type=2.0, not inf",
            _train_step("inf-norm")),
    Mistake("the third positional argument of clip_grad_norm_ is norm_type: call "
            "clip_grad_norm_(model.parameters(), max_norm) (the L2 norm by default)",
            _train_step("norm_type = max_norm")),
    Mistake("use the max_norm argument, not a fixed threshold", _train_step("fixed max_norm")),
    Mistake("call optimizer.step() after clipping: without it the parameters never change",
            _train_step("no step")),
    Mistake("call loss.backward() once per step: a second call adds the gradient again (2x)",
            _train_step("backward twice")),
    Mistake("clear the gradients at the START of the step (optimizer.zero_grad() before "
            "backward): the stale gradients already in .grad were added to yours",
            _train_step("zero_grad after step")),
    *(Mistake("clip the TOTAL norm of all parameters together (one clip_grad_norm_(model."
              "parameters(), max_norm)), not each parameter by its own norm", _train_step(kind))
      for kind in ("per-parameter", "per-parameter, last")),
    Mistake("never scale a gradient UP: the coefficient is min(1, max_norm / (norm + 1e-6)), "
            "as clip_grad_norm_ computes it", _train_step("always rescale")),
    Mistake("clipping MULTIPLIES the gradients by min(1, max_norm / (norm + 1e-6)); dividing by "
            "that coefficient scales them up", _train_step("divide")),
    Mistake(NEW_OPTIMIZER, _train_step("new optimizer")),
    Mistake("always take the step: clipping rescales a large gradient, it does not skip the step "
            "(skip only a non-finite norm, as in Task 2)", _train_step("skip when clipped")),
    *(Mistake(hint, _train_step(kind)) for kind, hint in WRONG_NORMS.items()),
]
# fmt: on


def _run_train_steps(
    train_step: Callable[..., Any], max_norm: float, momentum: float
) -> tuple[np.ndarray, ...]:
    """Three steps of SGD (its step shows the clipping) on the float64 model."""
    model = _model(double=True)
    x, y = _batch(1, dtype=torch.float64)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=momentum)
    out: list[np.ndarray] = []
    for step in (1, 2, 3):
        result = _steps(train_step, step, model, nn.MSELoss(), optimizer, x, y, max_norm)
        out += [*_numbers(result, ("loss", "grad_norm"), step), _flat(model)]
    return tuple(out)


def check_train_step(train_step: Callable[..., Any]) -> None:
    """Check ``train_step(model, loss_fn, optimizer, x, y, max_norm) -> (loss, grad_norm)``: clear
    the old gradients, forward, ``loss.backward()``, ``clip_grad_norm_`` to ``max_norm``, then
    ``optimizer.step()``; return the loss and the norm *before* clipping as numbers."""
    cases = [Case("3 steps of SGD, max_norm = 0.5 (clipping active)", (0.5, 0.0)),
             Case("3 steps of SGD, max_norm = 1e+06 (no clipping)", (1e6, 0.0)),
             Case("3 steps of SGD with momentum 0.9, max_norm = 2", (2.0, 0.9))]  # fmt: skip
    labels = _labels(("loss", "grad_norm", "parameters"), 3)
    run(Spec("check_train_step", cases, labels, (), TRAIN_STEP,
             lambda *args: _run_train_steps(_train_step(), *args), formulas=_fallback(labels),
             invoke=lambda fn, case: _run_train_steps(fn, *case.args)), train_step)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Task 2: safe_step(model, loss_fn, optimizer, x, y, max_norm) -> (loss, grad_norm, stepped)
# ---------------------------------------------------------------------------------------------
def _safe_step(kind: str = "correct") -> Callable[..., tuple[float, float, bool]]:
    """The skip-step pattern as a student might write it; ``kind`` names the mistake."""

    def safe_step(model, loss_fn, optimizer, x, y, max_norm):  # type: ignore[no-untyped-def]
        if kind == "new optimizer":
            optimizer = type(optimizer)(model.parameters(), lr=optimizer.param_groups[0]["lr"])
        if kind != "no zero_grad":
            optimizer.zero_grad()
        max_norm = 1.0 if kind == "fixed max_norm" else max_norm
        loss = loss_fn(model(x), y)
        loss.backward()
        params = list(model.parameters())
        norm = total_norm(_grads(model)) if kind == "no clipping" else clip(params, max_norm)
        norm = total_norm(_grads(model)) if kind == "post-clip norm" else norm
        tests = {"isnan only": torch.isnan, "isinf only": torch.isinf}  # what the check misses
        finite = not bool(tests[kind](norm)) if kind in tests else bool(torch.isfinite(norm))
        finite = bool(torch.isfinite(loss)) if kind == "loss check" else finite
        finite = bool(norm <= max_norm) if kind == "skip above max_norm" else finite
        finite = not finite if kind == "condition inverted" else finite
        if (finite and kind != "no step") or kind in ("always step", "step then check"):
            optimizer.step()
        if not finite and kind != "no zero_grad on skip":
            optimizer.zero_grad(set_to_none=kind != "zero and step")
            if kind == "zero and step":
                optimizer.step()
        stepped = (not finite) if kind == "stepped inverted" else finite or kind == "always step"
        result = (loss.item(), norm.item(), stepped)
        return (result[0], result[2], result[1]) if kind == "swapped" else result

    return safe_step


# fmt: off
SAFE_STEP = [
    Mistake("an optimizer step with NaN/inf gradients poisons the parameters and Adam's m and v "
            "for good: skip optimizer.step() when the norm is not finite (test "
            "torch.isfinite(norm))", _safe_step("always step")),
    Mistake("skip optimizer.step() when the norm is not finite, deciding BEFORE the step: once "
            "it is taken, NaN/inf gradients have poisoned the parameters and Adam's m and v",
            _safe_step("step then check")),
    Mistake("skip only when the norm is not finite (torch.isfinite(norm)): a large finite norm is "
            "clipped, and the step taken", _safe_step("skip above max_norm")),
    Mistake("skip on inf too: torch.isnan(inf) is False; test torch.isfinite(norm)",
            _safe_step("isnan only")),
    Mistake("decide on the gradient norm, not the loss: the loss can be finite while the "
            "gradients are not (test torch.isfinite(norm))", _safe_step("loss check")),
    Mistake("skip on NaN too: any comparison with NaN is False (n == float('nan') never holds); "
            "test torch.isfinite(norm) or math.isfinite(n)", _safe_step("isinf only")),
    Mistake("stepped is True when the step was TAKEN (finite norm) and False when skipped",
            _safe_step("stepped inverted")),
    Mistake("the skip condition is inverted: step when torch.isfinite(norm), skip otherwise",
            _safe_step("condition inverted")),
    Mistake("call optimizer.zero_grad() when you skip, so no NaN/inf gradients are left behind",
            _safe_step("no zero_grad on skip")),
    Mistake("call optimizer.zero_grad() at the start of every step: gradients accumulate in "
            ".grad (this model came with stale gradients)", _safe_step("no zero_grad")),
    Mistake("clip with clip_grad_norm_(model.parameters(), max_norm) before the step (it also "
            "returns the norm): your steps used the unclipped gradient", _safe_step("no clipping")),
    Mistake("return the norm BEFORE clipping (what clip_grad_norm_ returns)",
            _safe_step("post-clip norm")),
    Mistake("return (loss, grad_norm, stepped) in this order", _safe_step("swapped")),
    Mistake("use the max_norm argument, not a fixed threshold", _safe_step("fixed max_norm")),
    Mistake(NEW_OPTIMIZER, _safe_step("new optimizer")),
    Mistake("skip optimizer.step() altogether: a step with zeroed gradients still moves the "
            "parameters (Adam's m and v, and momentum, keep pushing)", _safe_step("zero and step")),
    Mistake("take optimizer.step() when the norm is finite: your function returned before "
            "stepping", _safe_step("no step")),
]
# fmt: on


def _run_safe_steps(
    safe_step: Callable[..., Any], batches: str, max_norm: float
) -> tuple[np.ndarray, ...]:
    """Adam (whose m and v one NaN step poisons for good) on the batches named by ``batches``:
    per step the three results, the parameters and whether non-finite gradients were left."""
    x, y = _batch(1)
    bad_x = x.clone()
    bad_x[3, 1] = math.inf  # the loss and the norm are NaN
    data = {"finite": (x, y), "inf input": (bad_x, y), "small": (x, 0.05 * y),
            "huge targets": (x, y * 1e25)}  # fmt: skip # float32 overflow: inf, not NaN
    model = _model()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    out: list[np.ndarray] = []
    for step, name in enumerate(batches.split(", "), start=1):
        result = _steps(safe_step, step, model, nn.MSELoss(), optimizer, *data[name], max_norm)
        left = any(not bool(torch.isfinite(g).all()) for g in _grads(model))
        out += [*_numbers(result, ("loss", "grad_norm", "stepped"), step), _flat(model)]
        out.append(np.array(float(left)))
    return tuple(out)


def check_safe_step(safe_step: Callable[..., Any]) -> None:
    """Check ``safe_step(model, loss_fn, optimizer, x, y, max_norm) -> (loss, grad_norm, stepped)``:
    a clipped step (Adam) that is skipped, with the gradients cleared and
    ``stepped=False``, when the norm ``clip_grad_norm_`` returns is not finite."""
    sequences = [("finite, inf input, finite, huge targets", 1.0),
                 ("finite, small, huge targets, small", 2.0)]  # fmt: skip
    names = ("loss", "grad_norm", "stepped (1 = True)", "parameters", "NaN/inf gradients left")
    cases = [Case(f"Adam, max_norm = {c:g}, batches: {s}", (s, c)) for s, c in sequences]
    run(Spec("check_safe_step", cases, _labels(names, 4), (), SAFE_STEP,
             lambda s, c: _run_safe_steps(_safe_step(), s, c), rtol=RTOL,
             formulas=_fallback(_labels(names, 4)),
             invoke=lambda fn, case: _run_safe_steps(fn, *case.args)), safe_step)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Task 3: warmup_norms(model, loss_fn, optimizer, batches) -> list of floats
# ---------------------------------------------------------------------------------------------
def _warmup(kind: str = "correct") -> Callable[..., list[float]]:
    """The warm-up as a student might write it; ``kind`` names the mistake."""

    def warmup_norms(model, loss_fn, optimizer, batches):  # type: ignore[no-untyped-def]
        norms = []
        for x, y in batches:
            previous = total_norm(_grads(model))
            if kind not in ("no zero_grad", "zero_grad at the end"):
                optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            before = total_norm(_grads(model))
            if kind != "no backward":
                loss.backward()
            if kind == "zero_grad after backward":
                optimizer.zero_grad()
            params = list(model.parameters())
            if kind in ("norm before backward", "previous gradient"):
                norm = before if kind == "norm before backward" else previous
            elif kind == "loss":
                norm = loss.detach()
            elif kind in ("clip at 1", "clip to 0", "clipped norm"):
                norm = clip(params, 0.0 if kind == "clip to 0" else 1.0)
            elif kind in WRONG_NORMS or kind == "first parameter":
                norm = _wrong_norm(kind, model) if kind in WRONG_NORMS else params[0].grad.norm()
            else:
                norm = clip(params, math.inf, math.inf if kind == "inf-norm" else 2.0)
            norm = total_norm(_grads(model)) if kind == "clipped norm" else norm
            norms.append(float(norm))
            if kind != "no step":
                optimizer.step()
            if kind == "zero_grad at the end":
                optimizer.zero_grad()
        if kind == "running average":
            return [sum(norms[: k + 1]) / (k + 1) for k in range(len(norms))]
        return [norms[-1]] * len(norms) if kind == "last repeated" else norms

    return warmup_norms


# fmt: off
WARMUP = [
    Mistake("zero the gradients before each backward(): they accumulate in .grad",
            _warmup("no zero_grad")),
    *(Mistake("your norms are 0, so the gradients were missing or wiped: each batch needs "
              "optimizer.zero_grad() first, then loss.backward() (zero_grad after backward wipes "
              "them)", _warmup(kind)) for kind in ("zero_grad after backward", "no backward")),
    Mistake("log each step's own norm, not the running average of the norms so far",
            _warmup("running average")),
    Mistake("append each batch's norm inside the loop: every entry is the last batch's norm",
            _warmup("last repeated")),
    Mistake("log the norm before clipping, and do not clip during the warm-up",
            _warmup("clipped norm")),
    Mistake("log the gradient norm, not the loss", _warmup("loss")),
    Mistake("do not clip during the warm-up (max_norm=math.inf): clipping changed the training, "
            "so the later norms differ", _warmup("clip at 1")),
    *(Mistake("the model did not change between batches: take an optimizer.step() after each "
              "backward(), and measure with clip_grad_norm_(..., max_norm=math.inf) (max_norm=0 "
              "zeroes the gradients, so the step changes nothing)", _warmup(kind))
      for kind in ("no step", "clip to 0")),
    Mistake("log the TOTAL norm of all parameters' gradients together (what clip_grad_norm_ "
            "returns), not the norm of one parameter", _warmup("first parameter")),
    Mistake("clear the gradients BEFORE each backward(), not after the step: the model came with "
            "stale gradients, which your first norm includes", _warmup("zero_grad at the end")),
    *(Mistake("measure the norm after loss.backward(): before it the gradients were just "
              "cleared (or are the previous batch's)", _warmup(kind))
      for kind in ("norm before backward", "previous gradient")),
    *(Mistake(hint, _warmup(kind)) for kind, hint in WRONG_NORMS.items()),
    Mistake("log the L2 norm: keep clip_grad_norm_'s norm_type (its third argument) at 2.0; only "
            "max_norm is math.inf", _warmup("inf-norm")),
]
# fmt: on


def _run_warmup(
    warmup_norms: Callable[..., Any], n: int, lr: float, momentum: float
) -> tuple[np.ndarray, ...]:
    """``n`` minibatches of SGD: the logged norms and the parameters after the warm-up."""
    generator = torch.Generator().manual_seed(2)
    batches = [(torch.randn(8, 4, generator=generator), 3 * torch.randn(8, 1, generator=generator))
               for _ in range(n)]  # fmt: skip
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    result = call(warmup_norms, model, nn.MSELoss(), optimizer, batches)
    if isinstance(result, (list, tuple)):
        sizes = [v.numel() if isinstance(v, torch.Tensor) else np.size(v) for v in result]
        if any(size != 1 for size in sizes):
            hint = "log the TOTAL norm of all parameters' gradients (what clip_grad_norm_ returns)"
            raise Failure("each logged norm must be ONE number, got a sequence", hint)
        result = [to_array(v, "a logged norm").reshape(()) for v in result]
    if isinstance(result, (list, tuple)) and len(result) != n:
        message = f"{len(result)} norms logged for {n} batches"
        hint = "append exactly one norm per batch (every batch, the first included, nothing extra) "
        hint += "inside the loop over batches, and return the list after the loop"
        if len(result) > n:
            hint += "; a list that outlives the call (a default argument norms=[], a global) keeps "
            hint += "the norms of earlier calls: create it inside the function"
        raise Failure(message, hint, "length")
    return to_array(result, "logged norms").astype(np.float64), _flat(model)


def check_warmup_norms(warmup_norms: Callable[..., Any]) -> None:
    """Check ``warmup_norms(model, loss_fn, optimizer, batches) -> list of floats``: per batch one
    SGD step *without* clipping, logging the total gradient norm (what ``clip_grad_norm_`` with
    ``max_norm=math.inf`` returns) as a float."""
    cases = [Case("6 minibatches of SGD, lr = 0.05", (6, 0.05, 0.0)),
             Case("3 minibatches of SGD with momentum 0.9, lr = 0.2", (3, 0.2, 0.9))]  # fmt: skip
    run(Spec("check_warmup_norms", cases, ("logged norms", "parameters after the warm-up"), (),
             WARMUP, lambda *args: _run_warmup(_warmup(), *args), rtol=RTOL,
             invoke=lambda fn, case: _run_warmup(fn, *case.args),
             formulas=_fallback(("logged norms", "parameters after the warm-up")),
             shape_hint="return a list with one number per batch: the total gradient norm of "
                        "that step (what clip_grad_norm_ returns)"), warmup_norms)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Task 5: amp_train_step(model, loss_fn, optimizer, scaler, x, y, max_norm) -> (loss, grad_norm)
# ---------------------------------------------------------------------------------------------
def _amp(kind: str = "correct") -> Callable[..., tuple[float, float]]:
    """A mixed-precision step as a student might write it; ``kind`` names the mistake."""

    def amp_train_step(model, loss_fn, optimizer, scaler, x, y, max_norm):  # type: ignore[no-untyped-def]
        params = list(model.parameters())
        if kind == "new scaler":
            scaler = torch.amp.GradScaler("cpu")
        max_norm = 1.0 if kind == "fixed max_norm" else max_norm
        if kind != "no zero_grad":
            optimizer.zero_grad()
        dtype = torch.bfloat16 if kind == "bfloat16" else AMP_DTYPE
        with contextlib.nullcontext() if kind == "no autocast" else torch.autocast("cpu", dtype):
            loss = loss_fn(model(x), y)
        norm = clip(params, max_norm) if kind == "clip before backward" else None
        scaled_loss = loss if kind == "never scale" else scaler.scale(loss)
        (loss if kind == "no scale" else scaled_loss).backward()
        if kind == "zero_grad after backward":
            optimizer.zero_grad()
        scaled = total_norm(_grads(model))
        if kind == "clip before unscale":
            norm = clip(params, max_norm)
        unscaled = kind not in ("no unscale", "no unscale, norm / S", "clip before backward")
        if unscaled and kind != "manual unscale":
            scaler.unscale_(optimizer)
        for g in _grads(model) if kind in ("unscale twice", "manual unscale") else ():
            g.div_(scaler.get_scale())
        if kind not in ("clip before unscale", "clip before backward"):
            norm = clip(params, max_norm)
        norm = total_norm(_grads(model)) if kind == "post-clip norm" else norm
        norm = scaled if kind == "norm before unscale" else norm
        norm = norm / scaler.get_scale() if kind == "no unscale, norm / S" else norm
        if kind == "optimizer.step":
            optimizer.step()
        else:
            scaler.step(optimizer)
        if kind == "both steps":
            optimizer.step()
        for _ in range({"no update": 0, "update twice": 2}.get(kind, 1)):
            scaler.update()
        return (scaled_loss if kind == "scaled loss" else loss).item(), norm.item()

    return amp_train_step


# fmt: off
AMP = [
    Mistake("call scaler.unscale_(optimizer) BEFORE clip_grad_norm_: you clipped the scaled "
            "gradient S*g, i.e. the true gradient at max_norm / S", _amp("clip before unscale")),
    *(Mistake("unscale before clipping (scaler.unscale_(optimizer)): without it the clip acted "
              "on the scaled gradient S*g (scaler.step unscales only after your clip)", _amp(kind))
      for kind in ("no unscale", "no unscale, norm / S")),
    Mistake(NO_GRADIENTS + " (here scaler.scale(loss).backward())", _amp("clip before backward")),
    Mistake("step with scaler.step(optimizer), which skips the update when the gradients "
            "overflowed; optimizer.step() applied inf/NaN", _amp("optimizer.step")),
    Mistake("call scaler.update() after the step: it halves the scale after an overflow and "
            "grows it after a run of good steps", _amp("no update")),
    Mistake("call scaler.update() once per step, after scaler.step(optimizer)",
            _amp("update twice")),
    Mistake("step once, with scaler.step(optimizer) only: optimizer.step() as well updates twice "
            "(and applies an overflowed step)", _amp("both steps")),
    Mistake("use the scaler passed in: a new GradScaler each step restarts its scale and its "
            "count of good steps", _amp("new scaler")),
    Mistake("call optimizer.zero_grad() at the START of the step, before backward(): after "
            "backward() it wipes the gradients, so scaler.step finds none (no inf checks)",
            _amp("zero_grad after backward")),
    *(Mistake("back-propagate the SCALED loss: scaler.scale(loss).backward(); unscale_ then "
              "divided an unscaled gradient by S", _amp(kind))
      for kind in ("no scale", "never scale")),
    Mistake("unscale once, with scaler.unscale_(optimizer) alone: dividing by "
            "scaler.get_scale() as well leaves g / S", _amp("unscale twice")),
    Mistake("unscale with scaler.unscale_(optimizer), not by hand: scaler.step(optimizer) does "
            "not know and divides by S again (and misses overflows)", _amp("manual unscale")),
    Mistake("return the loss itself, not the scaled loss S * loss (scaler.scale(loss) is only "
            "for backward())", _amp("scaled loss")),
    Mistake("run the forward pass and the loss under torch.autocast('cpu', "
            "dtype=torch.float16)", _amp("no autocast")),
    Mistake("this task autocasts to float16 (dtype=torch.float16), the format that needs loss "
            "scaling, not bfloat16", _amp("bfloat16")),
    Mistake("return the norm BEFORE clipping (what clip_grad_norm_ returns)",
            _amp("post-clip norm")),
    Mistake("call optimizer.zero_grad() at the start of each step: gradients accumulate in "
            ".grad", _amp("no zero_grad")),
    Mistake("return the norm of the UNSCALED gradient, from clip_grad_norm_ after "
            "scaler.unscale_(optimizer): before unscale_ the gradients are S*g",
            _amp("norm before unscale")),
    Mistake("use the max_norm argument, not a fixed threshold", _amp("fixed max_norm")),
]
# fmt: on


def _run_amp(
    amp_train_step: Callable[..., Any], scale: float, max_norm: float
) -> tuple[np.ndarray, ...]:
    """3 steps of SGD with a GradScaler starting at ``scale`` (growing after 2
    good steps): per step the two results, the parameters and the scale."""
    model, (x, y) = _model(), _batch(3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=scale, growth_interval=2)
    out: list[np.ndarray] = []
    for step in (1, 2, 3):
        result = _steps(
            amp_train_step, step, model, nn.MSELoss(), optimizer, scaler, x, y, max_norm
        )
        out += [*_numbers(result, ("loss", "grad_norm"), step), _flat(model)]
        out.append(np.array(scaler.get_scale()))
    return tuple(out)


def _scaled_note(case: Case, got: dict[str, np.ndarray], exp: dict[str, np.ndarray]) -> str | None:
    """A grad_norm a power of two (>= 16) times too large is the norm of the scaled gradient."""
    for label in (k for k in exp if k.startswith("grad_norm")):
        wrong = not np.isclose(got[label], exp[label], rtol=RTOL, atol=0.0)
        if np.isfinite(exp[label]) and exp[label] > 0 and wrong:
            ratio = float(got[label] / exp[label])
            if ratio >= 16 and abs(math.log2(ratio) - round(math.log2(ratio))) < 1e-4:
                return (f"{label} is {ratio:g} times too large: the loss scale S, so it is the "
                        "norm of the scaled gradient; call scaler.unscale_(optimizer) on every "
                        "step before clip_grad_norm_")  # fmt: skip
            return None  # the first wrong norm decides
    return None


def check_amp_train_step(amp_train_step: Callable[..., Any]) -> None:
    """Check ``amp_train_step(model, loss_fn, optimizer, scaler, x, y, max_norm) -> (loss,
    grad_norm)``: zero_grad; forward and loss under ``torch.autocast("cpu", torch.float16)``;
    ``scaler.scale(loss).backward()``; ``scaler.unscale_``; ``clip_grad_norm_`` (its value is
    the norm returned); ``scaler.step``; ``scaler.update``. With a scale so large that float16
    gradients overflow, the scaler must skip that step and halve the scale."""
    cases = [
        Case("3 steps, scale 2**10, max_norm 0.5", (2.0**10, 0.5)),
        Case("3 steps, scale 2**10, max_norm 1e6 (no clipping)", (2.0**10, 1e6)),
        Case(
            "3 steps, scale 2**24 (float16 overflow: skip, halve it), max_norm 1.5", (2.0**24, 1.5)
        ),
    ]
    labels = _labels(("loss", "grad_norm", "parameters", "the scaler's scale"), 3)
    run(Spec("check_amp_train_step", cases, labels, (), AMP, formulas=_fallback(labels),
             note=_scaled_note,
             reference=lambda s, c: _run_amp(_amp(), s, c), rtol=RTOL,
             invoke=lambda fn, case: _run_amp(fn, *case.args)), amp_train_step)  # fmt: skip


MISTAKES = {"check_train_step": TRAIN_STEP, "check_safe_step": SAFE_STEP,
            "check_warmup_norms": WARMUP, "check_amp_train_step": AMP}  # fmt: skip
