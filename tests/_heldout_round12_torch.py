"""Round 12: the most common first-year mistakes in exercise 6 (torch part).

Each @wrong answer has exactly one mistake, named in its one-line comment.
Each @right answer behaves like the solution (floats or 0-d tensors returned).
"""

from __future__ import annotations

import math

import torch

from _heldout import right, wrong

clip_grad_norm_ = torch.nn.utils.clip_grad_norm_


# ---------------------------------------------------------------------------
# Task 1: train_step(model, loss_fn, optimizer, x, y, max_norm) -> (loss, norm)
# ---------------------------------------------------------------------------


@wrong(
    "check_train_step",
    "zero_grad",
    "accumulate",
    "stale",
    "clear the gradients",
    "optimizer.zero_grad()",
)
def tr_r12_no_zero_grad(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: optimizer.zero_grad() is missing, gradients accumulate in .grad
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step", "zero_grad", "after backward", "wipes", "order", "clear the gradients first"
)
def tr_r12_zero_grad_after_backward(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: zero_grad() called after backward(), so it wipes the new gradients
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.zero_grad()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong("check_train_step", "zero_grad", "stale", "beginning", "start of the step", "clear first")
def tr_r12_zero_grad_at_end(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: zero_grad() only at the end, so stale gradients present on entry are used
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    optimizer.zero_grad()
    return loss.item(), grad_norm.item()


@wrong("check_train_step", "after step", "before step", "order", "clip_grad_norm_", "unclipped")
def tr_r12_clip_after_step(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: clip after optimizer.step(), the step already used the unclipped gradient
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "before backward",
    "after backward",
    "order",
    "nothing to clip",
    "clip_grad_norm_",
)
def tr_r12_clip_before_backward(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: clip before loss.backward(), there is no gradient yet to clip
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    loss.backward()
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step", "clip_grad_value_", "by value", "clip_grad_norm_", "norm", "element-wise"
)
def tr_r12_clip_by_value(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: clips each entry by value (clip_grad_value_) instead of the total norm
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])
    torch.nn.utils.clip_grad_value_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "after clipping",
    "before clipping",
    "pre-clip",
    "clipped norm",
    "returned norm",
)
def tr_r12_norm_after_clip(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: returns the norm measured after clipping, not the pre-clip norm
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    grad_norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "loss after the step",
    "before the step",
    "recompute",
    "loss.item()",
    "second forward",
)
def tr_r12_loss_after_step(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: returns the loss recomputed after optimizer.step()
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    with torch.no_grad():
        loss = loss_fn(model(x), y)
    return loss.item(), grad_norm.item()


@wrong("check_train_step", "sqrt", "square root", "sum of squares", "squared norm", "total norm")
def tr_r12_hand_norm_no_sqrt(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: hand-written clip uses the sum of squares (no sqrt) as the norm
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = sum((p.grad**2).sum() for p in model.parameters())
    coef = max_norm / (grad_norm + 1e-6)
    if coef < 1:
        for p in model.parameters():
            p.grad.mul_(coef)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step", "optimizer.step", "missing step", "parameters unchanged", "step()", "update"
)
def tr_r12_no_step(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: optimizer.step() is missing, the parameters never change
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    return loss.item(), grad_norm.item()


@right("check_train_step")
def tr_r12_right_tensors(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    pred = model(x)
    loss = loss_fn(pred, y)
    loss.backward()
    norm = clip_grad_norm_(model.parameters(), max_norm=max_norm)
    optimizer.step()
    return loss.detach(), norm


@right("check_train_step")
def tr_r12_right_two_halves(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    params = [p for p in model.parameters() if p.grad is not None]
    total = torch.nn.utils.get_total_norm([p.grad for p in params])
    torch.nn.utils.clip_grads_with_norm_(params, max_norm, total)
    optimizer.step()
    return float(loss.detach()), float(total)


# ---------------------------------------------------------------------------
# Task 2: safe_step(...) -> (loss, norm, stepped)
# ---------------------------------------------------------------------------


@wrong("check_safe_step", "isfinite", "skip", "step anyway", "nan", "poison")
def ss_r12_no_check(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: never checks the norm, steps even with a non-finite gradient
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong("check_safe_step", "isinf", "nan", "isfinite", "not finite", "skip condition")
def ss_r12_isinf_only(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: skip condition tests only for inf, a NaN norm still steps
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isinf(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong("check_safe_step", "isfinite", "inverted", "not", "skip condition", "condition")
def ss_r12_inverted_condition(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: skip condition inverted, skips the finite steps and steps on non-finite ones
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isfinite(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong(
    "check_safe_step", "max_norm", "isfinite", "threshold", "skip condition", "grad_norm > max_norm"
)
def ss_r12_skip_above_max_norm(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: skips when the norm exceeds max_norm instead of when it is not finite
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if grad_norm > max_norm:
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong(
    "check_safe_step", "zero_grad", "clear", "left behind", "non-finite gradients", "when you skip"
)
def ss_r12_no_clear_on_skip(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: on a skip the non-finite gradients are not cleared (no zero_grad)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if not torch.isfinite(grad_norm):
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong(
    "check_safe_step",
    "before checking",
    "check first",
    "optimizer.step",
    "order",
    "already stepped",
)
def ss_r12_step_then_check(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: calls optimizer.step() before checking the norm, so the bad step is taken
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    if not torch.isfinite(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    return loss.item(), grad_norm.item(), True


@wrong("check_safe_step", "error_if_nonfinite", "raises", "runtimeerror", "skip", "try/except")
def ss_r12_error_if_nonfinite(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: uses error_if_nonfinite=True, which raises instead of skipping
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(
        model.parameters(), max_norm, error_if_nonfinite=True
    )
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong(
    "check_safe_step",
    "pre-clip",
    "after clipping",
    "clipped norm",
    "returned norm",
    "before clipping",
)
def ss_r12_norm_after_clip(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: returns the norm measured after clipping, not the pre-clip norm
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    grad_norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])
    if not torch.isfinite(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong(
    "check_safe_step",
    "zero_grad",
    "accumulate",
    "stale",
    "start of the step",
    "optimizer.zero_grad()",
)
def ss_r12_no_zero_grad_start(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: no zero_grad() at the start, gradients accumulate across steps
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if not torch.isfinite(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@right("check_safe_step")
def ss_r12_right_math(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    norm = clip_grad_norm_(model.parameters(), max_norm).item()
    stepped = math.isfinite(norm)
    if stepped:
        optimizer.step()
    else:
        optimizer.zero_grad()
    return loss.item(), norm, stepped


@right("check_safe_step")
def ss_r12_right_try_except(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    try:
        norm = clip_grad_norm_(model.parameters(), max_norm, error_if_nonfinite=True)
    except RuntimeError:
        grads = [p.grad for p in model.parameters() if p.grad is not None]
        norm = torch.nn.utils.get_total_norm(grads)
        optimizer.zero_grad()
        return loss.detach(), norm, False
    optimizer.step()
    return loss.detach(), norm, True


# ---------------------------------------------------------------------------
# Task 3a: warmup_norms(model, loss_fn, optimizer, batches) -> list of floats
# ---------------------------------------------------------------------------


@wrong("check_warmup_norms", "zero_grad", "accumulate", "grow", "stale", "optimizer.zero_grad()")
def wn_r12_no_zero_grad(model, loss_fn, optimizer, batches):
    # mistake: no zero_grad() in the loop, gradients accumulate and the norms grow
    norms = []
    for x, y in batches:
        loss_fn(model(x), y).backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
        norms.append(norm.item())
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "zero_grad", "after backward", "order", "zero", "wipes")
def wn_r12_zero_grad_after_backward(model, loss_fn, optimizer, batches):
    # mistake: zero_grad() after backward(), so the measured gradient is always cleared
    norms = []
    for x, y in batches:
        loss_fn(model(x), y).backward()
        optimizer.zero_grad()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
        norms.append(norm.item())
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "math.inf", "without clipping", "unclipped", "max_norm", "warm-up")
def wn_r12_clips_during_warmup(model, loss_fn, optimizer, batches):
    # mistake: clips at max_norm=1.0 during the warm-up instead of math.inf
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        norms.append(norm.item())
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "loss", "gradient norm", "loss.item()", "norm", "clip_grad_norm_")
def wn_r12_logs_loss(model, loss_fn, optimizer, batches):
    # mistake: logs the loss instead of the gradient norm
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
        norms.append(loss.item())
        optimizer.step()
    return norms


@wrong(
    "check_warmup_norms",
    "optimizer.step",
    "missing step",
    "training",
    "step()",
    "parameters unchanged",
)
def wn_r12_no_step(model, loss_fn, optimizer, batches):
    # mistake: optimizer.step() is missing, the warm-up never trains
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
        norms.append(norm.item())
    return norms


@wrong("check_warmup_norms", "sqrt", "square root", "sum of squares", "squared norm", "total norm")
def wn_r12_hand_norm_no_sqrt(model, loss_fn, optimizer, batches):
    # mistake: hand-computed norm is the sum of squares, the sqrt is missing
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norm = sum((p.grad**2).sum() for p in model.parameters())
        norms.append(norm.item())
        optimizer.step()
    return norms


@wrong(
    "check_warmup_norms", "sum of norms", "per-parameter", "total norm", "sum of squares", "sqrt"
)
def wn_r12_hand_sum_of_norms(model, loss_fn, optimizer, batches):
    # mistake: adds the per-parameter norms instead of sqrt of the sum of squares
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norm = sum(p.grad.norm() for p in model.parameters())
        norms.append(norm.item())
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "p.grad", "parameters", "weights", "gradients", "get_total_norm")
def wn_r12_parameter_norm(model, loss_fn, optimizer, batches):
    # mistake: get_total_norm(model.parameters()) measures the weights, not p.grad
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norm = torch.nn.utils.get_total_norm(model.parameters())
        norms.append(norm.item())
        optimizer.step()
    return norms


@wrong(
    "check_warmup_norms",
    "all parameters",
    "total norm",
    "last parameter",
    "every parameter",
    "loop",
)
def wn_r12_last_parameter_only(model, loss_fn, optimizer, batches):
    # mistake: the norm is overwritten in a loop, only the last parameter's norm is kept
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        for p in model.parameters():
            norm = p.grad.norm()
        norms.append(norm.item())
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "append", "indentation", "one per batch", "inside the loop", "list")
def wn_r12_append_outside_loop(model, loss_fn, optimizer, batches):
    # mistake: append() is outside the loop, only the last batch's norm is returned
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
        optimizer.step()
    norms.append(norm.item())
    return norms


@right("check_warmup_norms")
def wn_r12_right_total_norm(model, loss_fn, optimizer, batches):
    out = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        grads = [p.grad for p in model.parameters() if p.grad is not None]
        out.append(float(torch.nn.utils.get_total_norm(grads)))
        optimizer.step()
    return out


@right("check_warmup_norms")
def wn_r12_right_by_hand(model, loss_fn, optimizer, batches):
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        squares = sum(
            (p.grad.double() ** 2).sum() for p in model.parameters() if p.grad is not None
        )
        norms.append(math.sqrt(float(squares)))
        optimizer.step()
    return norms


# ---------------------------------------------------------------------------
# Task 5: amp_train_step(model, loss_fn, optimizer, scaler, x, y, max_norm)
# ---------------------------------------------------------------------------


@wrong(
    "check_amp_train_step",
    "unscale_",
    "scaler.unscale_",
    "scaled",
    "c/s",
    "unscale before clipping",
)
def amp_r12_no_unscale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: scaler.unscale_() is missing, the clip acts on the scaled gradient S*g
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "unscale_", "before clipping", "order", "after unscale_", "c/s")
def amp_r12_unscale_after_clip(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: unscale_() called after the clip instead of before it
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "scaler.step", "optimizer.step", "skip", "overflow", "inf")
def amp_r12_optimizer_step(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: optimizer.step() instead of scaler.step(), overflowed steps are not skipped
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "scaler.update", "update()", "halve", "scale", "missing update")
def amp_r12_no_update(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: scaler.update() is missing, the scale is never adapted
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step",
    "scaler.update",
    "after scaler.step",
    "order",
    "update()",
    "unscale twice",
)
def amp_r12_update_before_step(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: scaler.update() called before scaler.step() instead of after it
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.update()
    scaler.step(optimizer)
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step",
    "scaler.scale",
    "scale(loss)",
    "loss.backward()",
    "loss scaling",
    "unscale_",
)
def amp_r12_no_scale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: loss.backward() without scaler.scale(loss), unscale_ then divides g by S
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    loss.backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step",
    "unscaled",
    "scaled norm",
    "get_scale",
    "after unscale_",
    "norm of the scaled gradient",
)
def amp_r12_norm_before_unscale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: the returned norm is measured before unscale_, so it is S times too large
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    grad_norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "float16", "bfloat16", "dtype", "autocast", "torch.float16")
def amp_r12_bfloat16(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: autocast with bfloat16 instead of float16
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "zero_grad", "accumulate", "stale", "optimizer.zero_grad()", "clear")
def amp_r12_no_zero_grad(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: optimizer.zero_grad() is missing, scaled gradients accumulate
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step",
    "before backward",
    "after backward",
    "order",
    "nothing to clip",
    "clip_grad_norm_",
)
def amp_r12_clip_before_backward(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: clip before backward(), there is no gradient yet to clip
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@right("check_amp_train_step")
def amp_r12_right_tensors(model, loss_fn, optimizer, scaler, x, y, max_norm):
    optimizer.zero_grad()
    with torch.autocast(device_type="cpu", dtype=torch.float16):
        pred = model(x)
        loss = loss_fn(pred, y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    norm = clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.detach(), norm


@right("check_amp_train_step")
def amp_r12_right_two_halves(model, loss_fn, optimizer, scaler, x, y, max_norm):
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    params = [p for p in model.parameters() if p.grad is not None]
    total = torch.nn.utils.get_total_norm([p.grad for p in params])
    torch.nn.utils.clip_grads_with_norm_(params, max_norm, total)
    scaler.step(optimizer)
    scaler.update()
    return float(loss.detach()), float(total)
