from __future__ import annotations

import math

import torch

from _heldout import right, wrong

clip_grad_norm_ = torch.nn.utils.clip_grad_norm_


# ---------------------------------------------------------------------------
# Task 1: train_step(model, loss_fn, optimizer, x, y, max_norm) -> (loss, grad_norm)
# ---------------------------------------------------------------------------

# --- frequent mistakes -----------------------------------------------------


@wrong(
    "check_train_step",
    "zero_grad",
    "accumulate",
    "stale gradients",
    "clear the gradients",
    "optimizer.zero_grad()",
)
def tr_r14_no_zero_grad(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: never calls optimizer.zero_grad(), so this batch's gradient is
    # added to the stale .grad left from before
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "after step",
    "clip_grad_norm_",
    "before optimizer.step()",
    "order",
    "unclipped",
)
def tr_r14_clip_after_step(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: clips after optimizer.step(), so the step used the unclipped gradient
    optimizer.zero_grad()
    out = model(x)
    loss = loss_fn(out, y)
    loss.backward()
    optimizer.step()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    return float(loss), float(norm)


@wrong(
    "check_train_step",
    "before backward",
    "clip_grad_norm_",
    "after loss.backward()",
    "order",
    "nothing to clip",
)
def tr_r14_clip_before_backward(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: clips before loss.backward(), when there is no gradient yet;
    # the step then uses the unclipped gradient (and the returned norm is 0)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    loss.backward()
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "clip_grad_value_",
    "clip by value",
    "clip_grad_norm_",
    "total norm",
    "elementwise",
)
def tr_r14_clip_by_value(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: clips each gradient entry by value (clip_grad_value_) instead of
    # rescaling the total norm with clip_grad_norm_
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    params = list(model.parameters())
    grad_norm = torch.nn.utils.get_total_norm([p.grad for p in params])
    torch.nn.utils.clip_grad_value_(params, max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "after clipping",
    "post-clip norm",
    "before clipping",
    "return value of clip_grad_norm_",
    "get_total_norm",
)
def tr_r14_post_clip_norm(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: returns the gradient norm measured after clipping (at most
    # max_norm) instead of the pre-clip norm that clip_grad_norm_ returns
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    params = [p for p in model.parameters()]
    clip_grad_norm_(params, max_norm)
    grad_norm = torch.nn.utils.get_total_norm([p.grad for p in params if p.grad is not None])
    optimizer.step()
    return loss.item(), grad_norm.item()


# --- weaker / hurried students -----------------------------------------------


@wrong(
    "check_train_step",
    "optimizer.step()",
    "forgot step",
    "parameters unchanged",
    "no update",
    "step",
)
def tr_r14_no_step(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: forgets optimizer.step(); the parameters never change
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    n = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    return loss.item(), n.item()


# Tag 'before the step' added on review (judged right: the hint's wording of 'loss before the
# step').
@wrong(
    "check_train_step",
    "loss after the step",
    "loss before the step",
    "recomputed loss",
    "return value",
    "loss.item()",
    "before the step",
)
def tr_r14_loss_after_step(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: returns a loss recomputed after optimizer.step() instead of the
    # loss of the parameters before the step
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    with torch.no_grad():
        loss = loss_fn(model(x), y)
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step", "zero_grad", "after backward", "order", "gradients erased", "before clip"
)
def tr_r14_zero_grad_after_backward(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: calls optimizer.zero_grad() between loss.backward() and the clip,
    # erasing the fresh gradient (norm 0, no update)
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.zero_grad()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong("check_train_step", "max_norm", "hard-coded", "1.0", "ignores the argument", "threshold")
def tr_r14_hardcoded_max_norm(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: clips at a hard-coded threshold 1.0 instead of the max_norm argument
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "swapped",
    "(loss, grad_norm)",
    "order of the return",
    "return value",
    "tuple",
)
def tr_r14_swapped_return(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: returns (grad_norm, loss) instead of (loss, grad_norm)
    optimizer.zero_grad()
    prediction = model(x)
    loss = loss_fn(prediction, y)
    loss.backward()
    total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=max_norm)
    optimizer.step()
    return total.item(), loss.item()


# --- correct answers ---------------------------------------------------------


@right("check_train_step")
def tr_r14_right_split_clip(model, loss_fn, optimizer, x, y, max_norm):
    model.zero_grad(set_to_none=True)
    pred = model(x)
    loss = loss_fn(pred, y)
    loss.backward()
    params = list(model.parameters())
    norm = torch.nn.utils.get_total_norm([p.grad for p in params if p.grad is not None])
    torch.nn.utils.clip_grads_with_norm_(params, max_norm, norm)
    optimizer.step()
    return loss.detach(), norm


@right("check_train_step")
def tr_r14_right_manual_none(model, loss_fn, optimizer, x, y, max_norm):
    for p in model.parameters():
        p.grad = None
    loss = loss_fn(model(x), y)
    loss.backward()
    n = clip_grad_norm_(list(model.parameters()), max_norm=max_norm, norm_type=2.0)
    optimizer.step()
    return float(loss.detach()), float(n)


# ---------------------------------------------------------------------------
# Task 2: safe_step(...) -> (loss, grad_norm, stepped)
# ---------------------------------------------------------------------------

# --- frequent mistakes -----------------------------------------------------


@wrong(
    "check_safe_step",
    "step anyway",
    "skip",
    "not finite",
    "if not torch.isfinite",
    "nan parameters",
)
def ss_r14_step_anyway(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: computes the stepped flag but never skips: optimizer.step() runs
    # even when the norm is not finite
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    stepped = bool(torch.isfinite(grad_norm))
    optimizer.step()
    return loss.item(), grad_norm.item(), stepped


@wrong(
    "check_safe_step",
    "zero_grad",
    "clear the gradients",
    "non-finite left behind",
    "when you skip",
    "nan gradients",
)
def ss_r14_no_clear_on_skip(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: skips the step but does not clear the gradients, so the
    # non-finite .grad is left behind
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isfinite(grad_norm):
        optimizer.step()
        return loss.item(), grad_norm.item(), True
    return loss.item(), grad_norm.item(), False


@wrong(
    "check_safe_step",
    "after clipping",
    "post-clip norm",
    "before clipping",
    "return value of clip_grad_norm_",
    "get_total_norm",
)
def ss_r14_clipped_norm(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: returns the norm measured after clipping instead of the pre-clip
    # norm returned by clip_grad_norm_
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    pre = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    post = torch.nn.utils.get_total_norm(grads)
    if not torch.isfinite(pre):
        optimizer.zero_grad()
        return loss.item(), post.item(), False
    optimizer.step()
    return loss.item(), post.item(), True


# Tag 'not the loss' added on review (judged right: the hint's wording of 'loss instead of the
# norm').
@wrong(
    "check_safe_step",
    "isfinite(loss)",
    "check the norm",
    "loss instead of the norm",
    "grad_norm",
    "finite loss",
    "not the loss",
)
def ss_r14_checks_loss(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: tests whether the loss is finite instead of the gradient norm
    # (an inf input can give a finite loss and NaN gradients)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if not torch.isfinite(loss):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong("check_safe_step", "isnan", "inf", "isfinite", "not finite", "torch.isnan misses inf")
def ss_r14_isnan_only(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: tests only torch.isnan(grad_norm), so an infinite norm is not skipped
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isnan(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


# --- weaker / hurried students -----------------------------------------------


@wrong("check_safe_step", "stepped", "inverted", "bool", "return value", "true when skipped")
def ss_r14_stepped_inverted(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: returns stepped inverted (True when the step was skipped)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    norm = clip_grad_norm_(model.parameters(), max_norm)
    bad = not math.isfinite(norm.item())
    if bad:
        optimizer.zero_grad()
    else:
        optimizer.step()
    return loss.item(), norm.item(), bad


@wrong(
    "check_safe_step",
    "clip_grad_norm_",
    "no clipping",
    "forgot to clip",
    "get_total_norm",
    "max_norm",
)
def ss_r14_no_clip(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: measures the norm with get_total_norm but never clips, so the
    # step uses the unclipped gradient
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters() if p.grad is not None])
    if not torch.isfinite(norm):
        optimizer.zero_grad()
        return loss.item(), norm.item(), False
    optimizer.step()
    return loss.item(), norm.item(), True


@wrong(
    "check_safe_step",
    "zero_grad",
    "accumulate",
    "stale gradients",
    "optimizer.zero_grad()",
    "at the start",
)
def ss_r14_no_initial_zero_grad(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: only clears the gradients on the skip path; forgets
    # optimizer.zero_grad() at the start, so gradients accumulate
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if not torch.isfinite(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong(
    "check_safe_step",
    "error_if_nonfinite",
    "raises",
    "runtimeerror",
    "skip instead of raising",
    "crash",
)
def ss_r14_error_if_nonfinite(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: uses clip_grad_norm_(..., error_if_nonfinite=True) without
    # handling it, so a non-finite norm raises RuntimeError instead of skipping
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(
        model.parameters(), max_norm, error_if_nonfinite=True
    )
    if not torch.isfinite(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong(
    "check_safe_step",
    "grad_norm > max_norm",
    "skips large norms",
    "isfinite",
    "clip instead of skip",
    "threshold",
)
def ss_r14_skip_above_threshold(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: skips when the norm exceeds max_norm instead of when it is not
    # finite (a NaN norm is stepped, a large finite one skipped)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if grad_norm > max_norm:
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


# --- correct answers ---------------------------------------------------------


@right("check_safe_step")
def ss_r14_right_math_isfinite(model, loss_fn, optimizer, x, y, max_norm):
    params = list(model.parameters())
    for p in params:
        p.grad = None
    loss = loss_fn(model(x), y)
    loss.backward()
    norm = clip_grad_norm_(params, max_norm)
    stepped = math.isfinite(norm.item())
    if stepped:
        optimizer.step()
    else:
        for p in params:
            p.grad = None
    return loss.detach(), norm, stepped


@right("check_safe_step")
def ss_r14_right_nan_or_inf(model, loss_fn, optimizer, x, y, max_norm):
    model.zero_grad()
    out = model(x)
    loss = loss_fn(out, y)
    loss.backward()
    params = [p for p in model.parameters() if p.grad is not None]
    total = torch.nn.utils.get_total_norm([p.grad for p in params])
    if torch.isnan(total).item() or torch.isinf(total).item():
        model.zero_grad(set_to_none=True)
        return float(loss), float(total), False
    torch.nn.utils.clip_grads_with_norm_(params, max_norm, total)
    optimizer.step()
    return float(loss), float(total), True


# ---------------------------------------------------------------------------
# Task 3a: warmup_norms(model, loss_fn, optimizer, batches) -> list of floats
# ---------------------------------------------------------------------------

# --- frequent mistakes -----------------------------------------------------


@wrong(
    "check_warmup_norms",
    "zero_grad",
    "accumulate",
    "norms grow",
    "optimizer.zero_grad()",
    "stale gradients",
)
def wn_r14_no_zero_grad(model, loss_fn, optimizer, batches):
    # mistake: no optimizer.zero_grad() in the loop, so gradients accumulate
    # and the logged norms grow
    norms = []
    for x, y in batches:
        loss_fn(model(x), y).backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf).item())
        optimizer.step()
    return norms


@wrong(
    "check_warmup_norms",
    "clip",
    "without clipping",
    "math.inf",
    "max_norm=1.0",
    "unclipped warm-up",
)
def wn_r14_clips_during_warmup(model, loss_fn, optimizer, batches):
    # mistake: clips at max_norm=1.0 during the warm-up instead of math.inf, so
    # the training (and every later norm) is that of a clipped run
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0).item())
        optimizer.step()
    return norms


@wrong(
    "check_warmup_norms",
    "loss",
    "loss instead of the norm",
    "gradient norm",
    "loss.item()",
    "logged value",
)
def wn_r14_logs_loss(model, loss_fn, optimizer, batches):
    # mistake: logs the loss of each step instead of the gradient norm
    history = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
        optimizer.step()
        history.append(loss.item())
    return history


@wrong(
    "check_warmup_norms",
    "optimizer.step()",
    "forgot step",
    "no training",
    "parameters unchanged",
    "step",
)
def wn_r14_no_step(model, loss_fn, optimizer, batches):
    # mistake: forgets optimizer.step(); the norms are those of the untrained model
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)))
    return norms


@wrong(
    "check_warmup_norms",
    "sum of norms",
    "total norm",
    "per-parameter",
    "sqrt of sum of squares",
    "p.grad.norm()",
)
def wn_r14_sum_of_param_norms(model, loss_fn, optimizer, batches):
    # mistake: logs the sum of the per-parameter gradient norms instead of the
    # total (Euclidean) norm of all gradients together
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(sum(p.grad.norm().item() for p in model.parameters() if p.grad is not None))
        optimizer.step()
    return norms


# --- weaker / hurried students -----------------------------------------------


@wrong(
    "check_warmup_norms",
    "before backward",
    "order",
    "norm of zero",
    "loss.backward()",
    "clip_grad_norm_",
)
def wn_r14_norm_before_backward(model, loss_fn, optimizer, batches):
    # mistake: measures the norm before loss.backward(), i.e. of the cleared
    # gradients (always 0)
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        n = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
        loss.backward()
        optimizer.step()
        norms.append(n.item())
    return norms


@wrong(
    "check_warmup_norms",
    "return inside the loop",
    "indentation",
    "one norm",
    "list length",
    "len(batches)",
)
def wn_r14_return_in_loop(model, loss_fn, optimizer, batches):
    # mistake: the return statement is indented inside the loop, so only the
    # first step runs and a one-element list comes back
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf).item())
        optimizer.step()
        return norms
    return norms


@wrong(
    "check_warmup_norms",
    "max_norm=0",
    "math.inf",
    "zeroes the gradients",
    "no clipping",
    "clip_grad_norm_",
)
def wn_r14_max_norm_zero(model, loss_fn, optimizer, batches):
    # mistake: passes max_norm=0 believing it means "no clipping"; it scales
    # every gradient to zero, so the model never trains
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), 0).item())
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "squared norm", "sqrt", "math.sqrt", "sum of squares", "total norm")
def wn_r14_squared_norm(model, loss_fn, optimizer, batches):
    # mistake: logs the sum of squared gradient entries (forgets the square root)
    out = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        sq = sum(float((p.grad**2).sum()) for p in model.parameters() if p.grad is not None)
        out.append(sq)
        optimizer.step()
    return out


@wrong(
    "check_warmup_norms",
    "loss.backward()",
    "forgot backward",
    "no gradient",
    "norm of zero",
    "backward",
)
def wn_r14_no_backward(model, loss_fn, optimizer, batches):
    # mistake: forgets loss.backward(); there is no gradient, every norm is 0
    # and nothing trains
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)  # noqa: F841 (the mistake: no backward)
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf).item())
        optimizer.step()
    return norms


# --- correct answers ---------------------------------------------------------


@right("check_warmup_norms")
def wn_r14_right_preallocated(model, loss_fn, optimizer, batches):
    params = list(model.parameters())
    logged = [0.0] * len(batches)
    for i, (xb, yb) in enumerate(batches):
        model.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        total = torch.nn.utils.clip_grad_norm_(params, torch.inf)
        optimizer.step()
        logged[i] = float(total)
    return logged


@right("check_warmup_norms")
def wn_r14_right_tensors(model, loss_fn, optimizer, batches):
    result = []
    i = 0
    while i < len(batches):
        x, y = batches[i]
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        result.append(clip_grad_norm_(model.parameters(), max_norm=float("inf")))
        optimizer.step()
        i += 1
    return result


# ---------------------------------------------------------------------------
# Task 5: amp_train_step(model, loss_fn, optimizer, scaler, x, y, max_norm)
# ---------------------------------------------------------------------------

# --- frequent mistakes -----------------------------------------------------


@wrong(
    "check_amp_train_step",
    "unscale_",
    "scaler.unscale_(optimizer)",
    "c/s",
    "scaled gradient",
    "clip before unscale",
)
def amp_r14_no_unscale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: never calls scaler.unscale_(optimizer), so the clip acts on the
    # scaled gradient S*g (threshold c/S) and the returned norm is S times too big
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "unscale_", "before clipping", "order", "c/s", "clip after unscale")
def amp_r14_clip_before_unscale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: clips before scaler.unscale_(optimizer), i.e. clips S*g at c
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step", "scaler.step(optimizer)", "optimizer.step()", "overflow", "skip", "inf"
)
def amp_r14_optimizer_step(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: calls optimizer.step() instead of scaler.step(optimizer), so an
    # overflowed (inf/NaN) step is applied instead of skipped
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step",
    "scaler.update()",
    "update",
    "halve the scale",
    "forgot update",
    "get_scale",
)
def amp_r14_no_update(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: forgets scaler.update(), so the scale is never adapted (and the
    # next unscale_ raises because the scaler state was never reset)
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
    "scaler.scale(loss)",
    "loss.backward()",
    "unscaled backward",
    "divided by s",
    "scale",
)
def amp_r14_backward_without_scale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: calls loss.backward() instead of scaler.scale(loss).backward(),
    # so unscale_ divides an unscaled gradient by S (a gradient S times too small)
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    loss.backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


# --- weaker / hurried students -----------------------------------------------


@wrong("check_amp_train_step", "autocast", "torch.autocast", "float16", "forward pass", "float32")
def amp_r14_no_autocast(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: forgets the torch.autocast("cpu", dtype=torch.float16) context,
    # so the forward pass runs in float32
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "bfloat16", "float16", "dtype", "torch.float16", "autocast dtype")
def amp_r14_bfloat16(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: autocasts to torch.bfloat16 instead of torch.float16
    optimizer.zero_grad()
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step",
    "scaler.update()",
    "before scaler.step",
    "order",
    "unscaled twice",
    "update after step",
)
def amp_r14_update_before_step(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: calls scaler.update() before scaler.step(optimizer); the step then
    # unscales the gradient a second time
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
    "scaled loss",
    "scaler.scale(loss).item()",
    "return value",
    "loss.item()",
    "unscaled loss",
)
def amp_r14_returns_scaled_loss(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: returns the scaled loss S*loss instead of the loss
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        out = model(x)
        loss = loss_fn(out, y)
    scaled = scaler.scale(loss)
    scaled.backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return scaled.item(), grad_norm.item()


@wrong(
    "check_amp_train_step",
    "zero_grad",
    "accumulate",
    "stale gradients",
    "optimizer.zero_grad()",
    "clear",
)
def amp_r14_no_zero_grad(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: forgets optimizer.zero_grad(), so scaled gradients accumulate in .grad
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


# --- correct answers ---------------------------------------------------------


@right("check_amp_train_step")
def amp_r14_right_named_scaled(model, loss_fn, optimizer, scaler, x, y, max_norm):
    optimizer.zero_grad(set_to_none=True)
    with torch.autocast(device_type="cpu", dtype=torch.float16):
        prediction = model(x)
        loss = loss_fn(prediction, y)
    scaled = scaler.scale(loss)
    scaled.backward()
    scaler.unscale_(optimizer)
    params = [p for p in model.parameters() if p.grad is not None]
    norm = torch.nn.utils.clip_grad_norm_(params, max_norm=max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.detach(), norm


@right("check_amp_train_step")
def amp_r14_right_split_clip(model, loss_fn, optimizer, scaler, x, y, max_norm):
    for p in model.parameters():
        p.grad = None
    with torch.amp.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    params = list(model.parameters())
    total = torch.nn.utils.get_total_norm([p.grad for p in params if p.grad is not None])
    torch.nn.utils.clip_grads_with_norm_(params, max_norm, total)
    scaler.step(optimizer)
    scaler.update()
    return float(loss), float(total)
