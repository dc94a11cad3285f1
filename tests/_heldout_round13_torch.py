from __future__ import annotations

import math

import torch

from _heldout import right, wrong

# =====================================================================
# Task 1: train_step(model, loss_fn, optimizer, x, y, max_norm)
#         -> (loss, grad_norm)
# =====================================================================

# ---- common mistakes ------------------------------------------------


@wrong(
    "check_train_step",
    "zero_grad",
    "accumulate",
    "stale gradient",
    "optimizer.zero_grad()",
    "clear",
)
def tr_r13_no_zero_grad(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: never calls optimizer.zero_grad(), so backward adds this batch's
    # gradient to the stale one already in p.grad
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "after step",
    "clip after step",
    "before step",
    "unclipped",
    "optimizer.step()",
)
def tr_r13_clip_after_step(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: clip_grad_norm_ is called after optimizer.step(), so the step
    # already used the unclipped gradient
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "clip_grad_value_",
    "by value",
    "clip by value",
    "clip_grad_norm_",
    "total norm",
)
def tr_r13_clip_by_value(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: clips every gradient entry by value with clip_grad_value_
    # instead of rescaling the total norm with clip_grad_norm_
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.get_total_norm(
        [p.grad for p in model.parameters() if p.grad is not None]
    )
    torch.nn.utils.clip_grad_value_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "after clipping",
    "post-clip",
    "before clipping",
    "return value",
    "pre-clip norm",
)
def tr_r13_norm_after_clip(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: returns the gradient norm measured after clipping (at most
    # max_norm) instead of the pre-clip norm clip_grad_norm_ returns
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    grad_norm = torch.nn.utils.get_total_norm(
        [p.grad for p in model.parameters() if p.grad is not None]
    )
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "zero_grad",
    "stale gradient",
    "first call",
    "clear first",
    "before backward",
)
def tr_r13_zero_grad_at_end(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: zero_grad() is called at the end of the step instead of first,
    # so gradients already in p.grad when the function is called are added in
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    optimizer.zero_grad()
    return loss.item(), grad_norm.item()


# ---- less common mistakes -------------------------------------------


@wrong(
    "check_train_step",
    "loss after step",
    "before the step",
    "recomputed",
    "loss.item()",
    "return value",
)
def tr_r13_loss_after_step(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: returns the loss recomputed after optimizer.step() instead of
    # the loss of the parameters before the step
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    with torch.no_grad():
        loss = loss_fn(model(x), y)
    return loss.item(), grad_norm.item()


@wrong("check_train_step", "zero_grad", "after backward", "order", "gradient is none", "no update")
def tr_r13_zero_grad_after_backward(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: zero_grad() is placed after loss.backward(), so it wipes the
    # fresh gradient: the clip sees nothing (norm 0) and step() does not move
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.zero_grad()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong("check_train_step", "min(1", "rescale", "always", "scales up", "hand-written clip")
def tr_r13_manual_clip_always_rescales(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: hand-written clip multiplies by max_norm / (norm + 1e-6) always,
    # without min(1, ...), so gradients smaller than max_norm are scaled up
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    grad_norm = torch.sqrt(sum((g**2).sum() for g in grads))
    scale = max_norm / (grad_norm + 1e-6)
    for g in grads:
        g.mul_(scale)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "per parameter",
    "each parameter",
    "total norm",
    "all parameters together",
    "model.parameters()",
)
def tr_r13_per_parameter_clip(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: clips each parameter's gradient separately to max_norm instead
    # of the total norm of all gradients together (the logged norm is right)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    norms = [
        torch.nn.utils.clip_grad_norm_(p, max_norm)
        for p in model.parameters()
        if p.grad is not None
    ]
    grad_norm = torch.linalg.vector_norm(torch.stack(norms))
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong("check_train_step", "generator", "exhausted", "model.parameters()", "list(", "empty")
def tr_r13_exhausted_generator(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: model.parameters() is a generator; using it once to measure the
    # norm exhausts it, so clip_grad_norm_ gets nothing and clips nothing
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    params = model.parameters()
    grad_norm = torch.nn.utils.get_total_norm([p.grad for p in params])
    torch.nn.utils.clip_grad_norm_(params, max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


# ---- correct, written differently -----------------------------------


@right("check_train_step")
def tr_r13_ok_by_hand(model, loss_fn, optimizer, x, y, max_norm):
    for p in model.parameters():
        p.grad = None
    loss = loss_fn(model(x), y)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef)
    optimizer.step()
    return loss.detach(), total


@right("check_train_step")
def tr_r13_ok_two_calls(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad(set_to_none=False)
    pred = model(x)
    loss = loss_fn(pred, y)
    loss.backward()
    params = [p for p in model.parameters() if p.grad is not None]
    norm = torch.nn.utils.get_total_norm([p.grad for p in params])
    torch.nn.utils.clip_grads_with_norm_(params, max_norm, norm)
    optimizer.step()
    return float(loss), float(norm)


# =====================================================================
# Task 2: safe_step(model, loss_fn, optimizer, x, y, max_norm)
#         -> (loss, grad_norm, stepped)
# =====================================================================

# ---- common mistakes ------------------------------------------------


@wrong("check_safe_step", "step anyway", "before the check", "skip", "optimizer.step()", "nan")
def ss_r13_step_before_check(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: optimizer.step() runs before the finiteness check, so the
    # non-finite step is applied anyway (the flag says it was skipped)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    if not torch.isfinite(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    return loss.item(), grad_norm.item(), True


@wrong(
    "check_safe_step", "zero_grad", "left behind", "non-finite gradient", "clear", "when you skip"
)
def ss_r13_skip_without_clearing(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: skips the step but does not clear the gradients, so the NaN/inf
    # gradients stay in p.grad
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if not torch.isfinite(grad_norm):
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


# Tag 'before clipping' added on review (judged right: the hint's wording of 'pre-clip').
@wrong(
    "check_safe_step",
    "after clipping",
    "clipped norm",
    "post-clip",
    "pre-clip",
    "return value",
    "before clipping",
)
def ss_r13_clipped_norm(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: returns (and tests) the norm measured after clipping instead of
    # the pre-clip norm that clip_grad_norm_ returns
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    grad_norm = torch.nn.utils.get_total_norm(
        [p.grad for p in model.parameters() if p.grad is not None]
    )
    if not torch.isfinite(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong(
    "check_safe_step",
    "zero_grad",
    "accumulate",
    "stale gradient",
    "optimizer.zero_grad()",
    "start of the step",
)
def ss_r13_no_zero_grad_at_start(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: gradients are cleared only when a step is skipped, never at the
    # start, so finite steps accumulate gradients across calls
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if not torch.isfinite(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong("check_safe_step", "isnan", "inf", "isfinite", "torch.isfinite", "infinite norm")
def ss_r13_isnan_only(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: tests only torch.isnan(grad_norm), so an infinite norm is
    # treated as finite and the step is taken
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isnan(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


# ---- less common mistakes -------------------------------------------


@wrong("check_safe_step", '== float("nan")', "nan != nan", "isnan", "isfinite", "comparison")
def ss_r13_eq_nan(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: compares the norm with float("nan") using ==, which is always
    # False, so a NaN norm is not detected and the step is taken
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    value = grad_norm.item()
    if value == float("inf") or value == float("nan"):
        optimizer.zero_grad()
        return loss.item(), value, False
    optimizer.step()
    return loss.item(), value, True


@wrong(
    "check_safe_step",
    "loss",
    "gradient norm",
    "returned norm",
    "isfinite(loss",
    "instead of the norm",
)
def ss_r13_checks_loss(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: tests whether the loss is finite instead of the gradient norm;
    # a finite loss can still have NaN/inf gradients (and vice versa)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if not math.isfinite(loss.item()):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


_SS_LAST_NORM = [0.0]


# Tag 'inf or nan when a gradient is not finite' added on review (judged right: the hint says what
# the norm of a non-finite step is).
@wrong(
    "check_safe_step",
    "previous",
    "last finite",
    "global",
    "state across calls",
    "non-finite norm",
    "inf or nan when a gradient is not finite",
)
def ss_r13_returns_last_good_norm(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: on a skipped step returns the last finite norm kept in a global
    # instead of this step's non-finite norm
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if not torch.isfinite(grad_norm):
        optimizer.zero_grad()
        return loss.item(), _SS_LAST_NORM[0], False
    _SS_LAST_NORM[0] = grad_norm.item()
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong("check_safe_step", "stepped", "skipped", "inverted", "bool", "return value")
def ss_r13_returns_skipped(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: the third value is whether the step was skipped, the inverse of
    # stepped
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    skipped = not bool(torch.isfinite(grad_norm))
    if skipped:
        optimizer.zero_grad()
    else:
        optimizer.step()
    return loss.item(), grad_norm.item(), skipped


@wrong("check_safe_step", "error_if_nonfinite", "runtimeerror", "raises", "skip-step", "try")
def ss_r13_error_if_nonfinite(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: uses clip_grad_norm_(..., error_if_nonfinite=True) without
    # catching it, so a non-finite batch raises instead of skipping the step
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(
        model.parameters(), max_norm, error_if_nonfinite=True
    )
    optimizer.step()
    return loss.item(), grad_norm.item(), True


# ---- correct, written differently -----------------------------------


@right("check_safe_step")
def ss_r13_ok_try_except(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    try:
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm, error_if_nonfinite=True)
    except RuntimeError:
        norm = torch.nn.utils.get_total_norm(
            [p.grad for p in model.parameters() if p.grad is not None]
        )
        optimizer.zero_grad()
        return float(loss), float(norm), False
    optimizer.step()
    return float(loss), float(norm), True


@right("check_safe_step")
def ss_r13_ok_manual(model, loss_fn, optimizer, x, y, max_norm):
    for p in model.parameters():
        p.grad = None
    loss = loss_fn(model(x), y)
    loss.backward()
    params = [p for p in model.parameters() if p.grad is not None]
    norm = torch.nn.utils.get_total_norm([p.grad for p in params])
    if torch.isnan(norm) or torch.isinf(norm):
        for p in params:
            p.grad = None
        return loss.detach(), norm, False
    torch.nn.utils.clip_grads_with_norm_(params, max_norm, norm)
    optimizer.step()
    return loss.detach(), norm, True


# =====================================================================
# Task 3: warmup_norms(model, loss_fn, optimizer, batches) -> list[float]
# =====================================================================

# ---- common mistakes ------------------------------------------------


@wrong(
    "check_warmup_norms",
    "zero_grad",
    "accumulate",
    "norms grow",
    "optimizer.zero_grad()",
    "stale gradient",
)
def wn_r13_no_zero_grad(model, loss_fn, optimizer, batches):
    # mistake: no optimizer.zero_grad() in the loop, so gradients accumulate
    # and every logged norm is the norm of the running sum
    norms = []
    for x, y in batches:
        loss_fn(model(x), y).backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
        norms.append(norm.item())
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "math.inf", "without clipping", "unclipped", "max_norm", "warm-up")
def wn_r13_clips_at_one(model, loss_fn, optimizer, batches):
    # mistake: clips at max_norm=1.0 during the warm-up instead of math.inf,
    # so the warm-up training is clipped and later norms change
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        norms.append(norm.item())
        optimizer.step()
    return norms


@wrong(
    "check_warmup_norms",
    "loss",
    "instead of the norm",
    "gradient norm",
    "loss.item()",
    "clip_grad_norm_",
)
def wn_r13_logs_loss(model, loss_fn, optimizer, batches):
    # mistake: logs the loss of each batch instead of the gradient norm
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
    "optimizer.step()",
    "no step",
    "training steps",
    "parameters never change",
    "step",
)
def wn_r13_no_step(model, loss_fn, optimizer, batches):
    # mistake: never calls optimizer.step(), so the model is not trained and
    # every norm is measured at the initial parameters
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
        norms.append(norm.item())
    return norms


@wrong(
    "check_warmup_norms", "return", "inside the loop", "indentation", "one norm per batch", "length"
)
def wn_r13_return_in_loop(model, loss_fn, optimizer, batches):
    # mistake: `return norms` is indented inside the for loop, so only the
    # first batch is processed and a list of one norm is returned
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
        norms.append(norm.item())
        optimizer.step()
        return norms
    return norms


# ---- less common mistakes -------------------------------------------


@wrong(
    "check_warmup_norms",
    "sum of norms",
    "per parameter",
    "square root of the sum of squares",
    "total norm",
    "hand-written norm",
)
def wn_r13_sum_of_param_norms(model, loss_fn, optimizer, batches):
    # mistake: hand-written total norm adds the per-parameter norms instead of
    # taking the square root of the sum of their squares
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        total = sum(p.grad.norm().item() for p in model.parameters() if p.grad is not None)
        norms.append(total)
        optimizer.step()
    return norms


@wrong(
    "check_warmup_norms", "sqrt", "squared norm", "sum of squares", "hand-written norm", "math.sqrt"
)
def wn_r13_squared_norm(model, loss_fn, optimizer, batches):
    # mistake: hand-written norm forgets the square root and logs the sum of
    # squared gradient entries (the squared norm)
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        total = sum((p.grad**2).sum().item() for p in model.parameters() if p.grad is not None)
        norms.append(total)
        optimizer.step()
    return norms


@wrong(
    "check_warmup_norms",
    "mutable default",
    "norms=[]",
    "previous call",
    "state across calls",
    "new list",
)
def wn_r13_mutable_default(model, loss_fn, optimizer, batches, norms=[]):  # noqa: B006
    # mistake: the list of norms is a mutable default argument, so a second
    # call returns the norms of the first call as well
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
        norms.append(norm.item())
        optimizer.step()
    return norms


# Tag 'after loss.backward()' added on review (judged right: the hint's wording of 'after
# backward').
@wrong(
    "check_warmup_norms",
    "before backward",
    "order",
    "zero",
    "after backward",
    "no gradient",
    "after loss.backward()",
)
def wn_r13_norm_before_backward(model, loss_fn, optimizer, batches):
    # mistake: measures the norm right after zero_grad() and before
    # backward(), when there is no gradient yet, so it logs 0.0
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
        loss_fn(model(x), y).backward()
        norms.append(norm.item())
        optimizer.step()
    return norms


@wrong(
    "check_warmup_norms", "max_norm=0", "math.inf", "zero threshold", "disable", "clip_grad_norm_"
)
def wn_r13_max_norm_zero(model, loss_fn, optimizer, batches):
    # mistake: passes max_norm=0 believing it disables clipping (a Hugging Face
    # habit); it zeroes every gradient, so the warm-up never trains
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 0)
        norms.append(norm.item())
        optimizer.step()
    return norms


# ---- correct, written differently -----------------------------------


@right("check_warmup_norms")
def wn_r13_ok_cat(model, loss_fn, optimizer, batches):
    out = []
    for x, y in batches:
        for p in model.parameters():
            p.grad = None
        loss = loss_fn(model(x), y)
        loss.backward()
        flat = torch.cat([p.grad.reshape(-1) for p in model.parameters() if p.grad is not None])
        out.append(torch.linalg.vector_norm(flat).item())
        optimizer.step()
    return out


@right("check_warmup_norms")
def wn_r13_ok_total_norm(model, loss_fn, optimizer, batches):
    logged = []
    for batch in batches:
        inputs, targets = batch
        optimizer.zero_grad(set_to_none=False)
        loss_fn(model(inputs), targets).backward()
        logged.append(torch.nn.utils.get_total_norm([p.grad for p in model.parameters()]))
        optimizer.step()
    return [float(n) for n in logged]


# =====================================================================
# Task 5: amp_train_step(model, loss_fn, optimizer, scaler, x, y, max_norm)
#         -> (loss, grad_norm)
# =====================================================================

# ---- common mistakes ------------------------------------------------


@wrong("check_amp_train_step", "unscale_", "before unscale", "c/s", "scaled gradient", "order")
def amp_r13_clip_before_unscale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: clips before scaler.unscale_(optimizer), i.e. clips S*g at c
    # (the true gradient at c/S) and logs a norm S times too large
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
    "check_amp_train_step",
    "unscale_",
    "scaler.unscale_(optimizer)",
    "scaled gradient",
    "c/s",
    "missing unscale",
)
def amp_r13_no_unscale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: never calls scaler.unscale_(optimizer), so the clip acts on the
    # scaled gradient S*g and the logged norm is S times too large
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "scaler.step", "optimizer.step()", "overflow", "skip", "inf")
def amp_r13_optimizer_step(model, loss_fn, optimizer, scaler, x, y, max_norm):
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


@wrong("check_amp_train_step", "scaler.update()", "update", "halve", "scale", "already been called")
def amp_r13_no_update(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: never calls scaler.update(), so S is never adapted (not halved
    # after an overflow) and the next unscale_ raises
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
    "before backward",
    "after backward",
    "nothing to clip",
    "norm 0",
    "order",
)
def amp_r13_clip_before_backward(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: clips right after zero_grad(), before backward(), when there is
    # no gradient yet: it returns 0 and the step is unclipped
    optimizer.zero_grad()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


# ---- less common mistakes -------------------------------------------


@wrong(
    "check_amp_train_step",
    "scaled loss",
    "scaler.scale(loss)",
    "unscaled loss",
    "return value",
    "loss.item()",
)
def amp_r13_returns_scaled_loss(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: overwrites loss with scaler.scale(loss) and returns the scaled
    # loss S*L instead of L
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    loss = scaler.scale(loss)
    loss.backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "bfloat16", "float16", "torch.float16", "dtype", "autocast")
def amp_r13_bfloat16(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: autocasts to torch.bfloat16 (the chapter's CPU default) instead
    # of the float16 the task asks for
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step",
    "get_scale",
    "unscale twice",
    "unscale_",
    "hand-written unscale",
    "divide by s",
)
def amp_r13_manual_unscale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: unscales by hand (p.grad /= scaler.get_scale()) instead of
    # scaler.unscale_(optimizer), so scaler.step unscales a second time
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    for p in model.parameters():
        if p.grad is not None:
            p.grad /= scaler.get_scale()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step",
    "new gradscaler",
    "scaler argument",
    "torch.amp.gradscaler",
    "init_scale",
    "state",
)
def amp_r13_fresh_scaler(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: creates a new GradScaler inside the function instead of using
    # the scaler passed in, so its scale (and its updates) are lost each call
    scaler = torch.amp.GradScaler("cpu")
    optimizer.zero_grad()
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
    "torch.cuda.amp.autocast",
    "cpu",
    "disabled",
    'torch.autocast("cpu"',
    "float16",
)
def amp_r13_cuda_autocast(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: uses the old torch.cuda.amp.autocast() from a CUDA tutorial; on
    # the CPU it is disabled, so the forward pass runs in float32, not float16
    optimizer.zero_grad()
    with torch.cuda.amp.autocast():
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


# ---- correct, written differently -----------------------------------


@right("check_amp_train_step")
def amp_r13_ok_two_calls(model, loss_fn, optimizer, scaler, x, y, max_norm):
    for p in model.parameters():
        p.grad = None
    with torch.autocast(device_type="cpu", dtype=torch.float16):
        out = model(x)
        loss = loss_fn(out, y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    params = [p for p in model.parameters() if p.grad is not None]
    norm = torch.nn.utils.get_total_norm([p.grad for p in params])
    torch.nn.utils.clip_grads_with_norm_(params, max_norm, norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.detach().float(), norm


@right("check_amp_train_step")
def amp_r13_ok_enabled(model, loss_fn, optimizer, scaler, x, y, max_norm):
    model.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16, enabled=True):
        loss = loss_fn(model(x), y)
    scaled = scaler.scale(loss)
    scaled.backward()
    scaler.unscale_(optimizer)
    norm = torch.nn.utils.clip_grad_norm_(
        list(model.parameters()), max_norm, norm_type=2.0, foreach=False
    )
    scaler.step(optimizer)
    scaler.update()
    return float(loss.item()), float(norm)
