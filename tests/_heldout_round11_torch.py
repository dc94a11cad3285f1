"""Round 11 student answers for exercise 6 (train_step, safe_step, warmup_norms,
amp_train_step). Written as students who know Keras/JAX better than PyTorch,
who mis-handle numbers, who get the skip/AMP state machine wrong, and who change
what is logged in the warm-up. Each @wrong answer has one mistake (named in its
first comment); each @right answer behaves like the solution."""

from __future__ import annotations

import math

import numpy as np
import torch

from _heldout import right, wrong

clip_grad_norm_ = torch.nn.utils.clip_grad_norm_
get_total_norm = torch.nn.utils.get_total_norm


# ---------------------------------------------------------------------------
# Task 1: train_step(model, loss_fn, optimizer, x, y, max_norm) -> (loss, norm)
# ---------------------------------------------------------------------------


@right("check_train_step")
def tr_r11_right_model_zero_grad(model, loss_fn, optimizer, x, y, max_norm):
    # correct: model.zero_grad() instead of optimizer.zero_grad(), float() instead of .item()
    model.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm=max_norm)
    optimizer.step()
    return float(loss), float(grad_norm)


@right("check_train_step")
def tr_r11_right_autograd_grad_assigned(model, loss_fn, optimizer, x, y, max_norm):
    # correct (JAX style): torch.autograd.grad, then the gradients are written into p.grad
    params = [p for p in model.parameters() if p.requires_grad]
    loss = loss_fn(model(x), y)
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    for p, g in zip(params, grads):
        p.grad = g  # replaces whatever stale gradient was there
    grad_norm = clip_grad_norm_(params, max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "zero_grad",
    "accumulate",
    "stale",
    "clear the gradients",
    "optimizer.zero_grad()",
)
def tr_r11_no_zero_grad(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: no zero_grad (Keras habit: "backward returns fresh gradients"), so .grad accumulates
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step", "autograd.grad", "p.grad", ".grad", "never stored", "optimizer.step() reads"
)
def tr_r11_autograd_grad_not_stored(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: gradients from torch.autograd.grad are clipped but never put into p.grad
    optimizer.zero_grad()
    params = [p for p in model.parameters() if p.requires_grad]
    loss = loss_fn(model(x), y)
    grads = torch.autograd.grad(loss, params)
    grad_norm = get_total_norm(grads)
    coef = torch.clamp(max_norm / (grad_norm + 1e-6), max=1.0)
    grads = [g * coef for g in grads]
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong("check_train_step", "detach", "requires_grad", "graph", "backward", "does not require grad")
def tr_r11_detach_before_backward(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: the loss is detached (stop_gradient habit) before backward -> no graph
    optimizer.zero_grad()
    loss = loss_fn(model(x), y).detach()
    loss.backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "loss after the step",
    "before the step",
    "no_grad",
    "recomputed",
    "logged loss",
)
def tr_r11_loss_recomputed_under_no_grad(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: the returned loss is re-evaluated under torch.no_grad() after optimizer.step()
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    with torch.no_grad():
        loss = loss_fn(model(x), y)
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "zero_grad",
    "after backward",
    "before backward",
    "order",
    "clears the gradients",
)
def tr_r11_zero_grad_after_backward(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: zero_grad() placed after backward (wipes this batch's gradient before clip/step)
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.zero_grad()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


# Tag '32 times' added on review: the hint names the factor, the batch size.
@wrong("check_train_step", "batch size", "mean", "sum", "x.shape[0]", "loss.item()", "32 times")
def tr_r11_loss_times_batch(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: returns loss * batch_size (a sum) instead of the mean loss
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item() * x.shape[0], grad_norm.item()


@wrong(
    "check_train_step",
    "mean over steps",
    "running average",
    "this batch",
    "current loss",
    "across calls",
)
def tr_r11_mean_loss_over_steps(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: returns the mean loss over all calls so far (kept on the function) not this step's
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    fn = tr_r11_mean_loss_over_steps
    fn.history = getattr(fn, "history", []) + [loss.item()]
    return sum(fn.history) / len(fn.history), grad_norm.item()


# Tag 'with the square root' added on review: the hint's wording of 'sqrt'.
@wrong(
    "check_train_step",
    "squared",
    "norm**2",
    "sqrt",
    "euclidean",
    "total norm",
    "with the square root",
)
def tr_r11_norm_squared(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: returns the squared norm
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item() ** 2


# Tag 'total l2 norm' added on review: the hint's wording of 'total norm'.
@wrong(
    "check_train_step",
    "sum of squares",
    "p.grad.norm()",
    "math.sqrt",
    "total norm",
    "clip_grad_norm_ returns",
    "total l2 norm",
)
def tr_r11_sqrt_of_sum_of_norms(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: logs math.sqrt of the SUM of per-parameter norms instead of sum of squares
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = math.sqrt(
        sum(p.grad.norm().item() for p in model.parameters() if p.grad is not None)
    )
    clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm


@wrong("check_train_step", "round", "rounding", "round(", "full precision", "digits")
def tr_r11_rounded(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: rounds the returned numbers to 3 decimals
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return round(loss.item(), 3), round(grad_norm.item(), 3)


@wrong("check_train_step", "int(", "integer", "truncat", "float(", "as floats")
def tr_r11_int_norm(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: converts the norm with int() (truncates) instead of float()
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return float(loss), int(grad_norm)


# Tag 'not each parameter by its own norm' added on review: the hint's wording of 'per parameter'.
@wrong(
    "check_train_step",
    "per parameter",
    "each tensor",
    "clipnorm",
    "global",
    "all gradients together",
    "not each parameter by its own norm",
)
def tr_r11_clip_each_parameter(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: Keras `clipnorm` habit: clips every parameter's gradient separately, not the total
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = get_total_norm([p.grad for p in model.parameters() if p.grad is not None])
    for p in model.parameters():
        if p.grad is not None:
            clip_grad_norm_([p], max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


# ---------------------------------------------------------------------------
# Task 2: safe_step(...) -> (loss, grad_norm, stepped)
# ---------------------------------------------------------------------------


@right("check_safe_step")
def ss_r11_right_math_isfinite(model, loss_fn, optimizer, x, y, max_norm):
    # correct: math.isfinite on the float norm, model.zero_grad() to clear on a skip
    model.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm).item()
    stepped = math.isfinite(grad_norm)
    if stepped:
        optimizer.step()
    else:
        model.zero_grad()
    return loss.item(), grad_norm, stepped


@right("check_safe_step")
def ss_r11_right_error_if_nonfinite_caught(model, loss_fn, optimizer, x, y, max_norm):
    # correct: error_if_nonfinite=True inside try/except, the norm recomputed for the log
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    try:
        grad_norm = clip_grad_norm_(model.parameters(), max_norm, error_if_nonfinite=True)
    except RuntimeError:
        grad_norm = get_total_norm([p.grad for p in model.parameters() if p.grad is not None])
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong("check_safe_step", "stepped", "false", "return false", "skip", "flag")
def ss_r11_stepped_never_false(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: `stepped` is set to True before the step decision and never set to False
    stepped = True
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    if torch.isfinite(grad_norm):
        optimizer.step()
    else:
        optimizer.zero_grad()
    return loss.item(), grad_norm.item(), stepped


@wrong("check_safe_step", "across calls", "reset", "flag", "each step", "state")
def ss_r11_sticky_flag_on_function(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: a "bad" flag stored on the function object is never reset -> skips forever after
    fn = ss_r11_sticky_flag_on_function
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    if not torch.isfinite(grad_norm):
        fn.bad = True
    if getattr(fn, "bad", False):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong("check_safe_step", "zero_grad", "clear the gradients", "nan", "left behind", "when you skip")
def ss_r11_no_clear_on_skip(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: on a skip the non-finite gradients are left in .grad
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    if not torch.isfinite(grad_norm):
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong(
    "check_safe_step",
    "after clipping",
    "pre-clip",
    "before clipping",
    "clipped norm",
    "clip_grad_norm_ returns",
)
def ss_r11_returns_post_clip_norm(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: returns the norm measured after clipping
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    pre = clip_grad_norm_(model.parameters(), max_norm)
    grad_norm = get_total_norm([p.grad for p in model.parameters() if p.grad is not None])
    if not torch.isfinite(pre):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong("check_safe_step", "isnan", "inf", "isfinite", "not finite", "math.isfinite")
def ss_r11_isnan_only(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: tests only for NaN, so an infinite norm still steps
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    if torch.isnan(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong("check_safe_step", "max_norm", "threshold", "only non-finite", "isfinite", "clip instead")
def ss_r11_skips_large_norms(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: also skips finite steps whose norm exceeds max_norm (those should be clipped)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    if not torch.isfinite(grad_norm) or grad_norm > max_norm:
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong(
    "check_safe_step",
    "optimizer.step()",
    "zero gradient",
    "momentum",
    "adam's state",
    "skip the step",
)
def ss_r11_zero_grads_then_step(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: "skips" by zeroing the gradients and stepping anyway (Adam/momentum still move)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    stepped = bool(torch.isfinite(grad_norm))
    if not stepped:
        optimizer.zero_grad(set_to_none=False)  # apply_gradients(zeros)
    optimizer.step()
    return loss.item(), grad_norm.item(), stepped


@wrong("check_safe_step", "bool", "tensor", "python bool", ".item()", "stepped")
def ss_r11_stepped_is_tensor(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: `stepped` is returned as a 0-d bool tensor, not a Python bool
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    stepped = torch.isfinite(grad_norm)
    if stepped:
        optimizer.step()
    else:
        optimizer.zero_grad()
    return loss.item(), grad_norm.item(), stepped


@wrong("check_safe_step", "nan_to_num", "non-finite norm", "inf", "nan", "return the norm")
def ss_r11_norm_nan_to_num(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: "cleans" the returned norm with nan_to_num, hiding inf/NaN from the log
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    stepped = bool(torch.isfinite(grad_norm))
    if stepped:
        optimizer.step()
    else:
        optimizer.zero_grad()
    return loss.item(), float(torch.nan_to_num(grad_norm)), stepped


@wrong("check_safe_step", "error_if_nonfinite", "runtimeerror", "raises", "try", "skip-step")
def ss_r11_error_if_nonfinite_uncaught(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: error_if_nonfinite=True without try/except -> raises instead of skipping
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm, error_if_nonfinite=True)
    if not torch.isfinite(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong("check_safe_step", "p.grad", "gradients", "parameters", "grad_norm", "check the norm")
def ss_r11_checks_parameters_not_gradients(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: tests the parameters for finiteness instead of the gradient norm
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    if not all(bool(torch.isfinite(p).all()) for p in model.parameters()):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


# ---------------------------------------------------------------------------
# Task 3a: warmup_norms(model, loss_fn, optimizer, batches) -> list of floats
# ---------------------------------------------------------------------------


@right("check_warmup_norms")
def wn_r11_right_float_inf(model, loss_fn, optimizer, batches):
    # correct: model.zero_grad(), float('inf') threshold, float() instead of .item()
    norms = []
    for x, y in batches:
        model.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        norms.append(float(clip_grad_norm_(model.parameters(), max_norm=float("inf"))))
        optimizer.step()
    return norms


@right("check_warmup_norms")
def wn_r11_right_autograd_grad_assigned(model, loss_fn, optimizer, batches):
    # correct (JAX style): autograd.grad, gradients written into p.grad, clip at inf to measure
    params = [p for p in model.parameters() if p.requires_grad]
    norms = []
    for x, y in batches:
        grads = torch.autograd.grad(loss_fn(model(x), y), params, allow_unused=True)
        for p, g in zip(params, grads):
            p.grad = g
        norms.append(clip_grad_norm_(params, math.inf).item())
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "zero_grad", "accumulate", "grow", "stale", "clear")
def wn_r11_no_zero_grad(model, loss_fn, optimizer, batches):
    # mistake: no zero_grad in the loop, gradients accumulate over the warm-up
    norms = []
    for x, y in batches:
        loss_fn(model(x), y).backward()
        norms.append(clip_grad_norm_(model.parameters(), math.inf).item())
        optimizer.step()
    return norms


@wrong(
    "check_warmup_norms",
    "after clipping",
    "unclipped",
    "without clipping",
    "pre-clip",
    "running max",
    "math.inf",
)
def wn_r11_clip_to_running_max(model, loss_fn, optimizer, batches):
    # mistake: clips to the running max of the log and logs the norm after that clip
    norms, cap = [], math.inf
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        clip_grad_norm_(model.parameters(), cap)
        norm = get_total_norm([p.grad for p in model.parameters() if p.grad is not None])
        norms.append(norm.item())
        cap = max(norms)
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "running average", "mean", "each step", "raw norm", "per step")
def wn_r11_running_average(model, loss_fn, optimizer, batches):
    # mistake: logs the running average of the norms instead of each step's norm
    norms, total = [], 0.0
    for i, (x, y) in enumerate(batches):
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        total += clip_grad_norm_(model.parameters(), math.inf).item()
        norms.append(total / (i + 1))
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "last batch", "every step", "inside the loop", "append", "same value")
def wn_r11_last_norm_repeated(model, loss_fn, optimizer, batches):
    # mistake: the list is built after the loop from the last batch's norm only
    norm = None
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norm = clip_grad_norm_(model.parameters(), math.inf)
        optimizer.step()
    return [norm.item()] * len(batches)


@wrong(
    "check_warmup_norms", "extend", "total norm", "per parameter", "one norm per batch", "append"
)
def wn_r11_extend_per_parameter_norms(model, loss_fn, optimizer, batches):
    # mistake: norms.extend(...) logs every parameter's own norm instead of one total per step
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.extend(p.grad.norm().item() for p in model.parameters() if p.grad is not None)
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "optimizer.step()", "step", "train", "update", "parameters never move")
def wn_r11_no_optimizer_step(model, loss_fn, optimizer, batches):
    # mistake: never calls optimizer.step(), so the warm-up does not train
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(clip_grad_norm_(model.parameters(), math.inf).item())
    return norms


@wrong("check_warmup_norms", "squared", "norm**2", "sqrt", "sum of squares", "total norm")
def wn_r11_sum_of_squares(model, loss_fn, optimizer, batches):
    # mistake: logs the sum of squared gradients (norm**2), no square root
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(
            sum((p.grad**2).sum().item() for p in model.parameters() if p.grad is not None)
        )
        optimizer.step()
    return norms


@wrong(
    "check_warmup_norms",
    "p.grad",
    "parameters",
    "weights",
    "gradient norm",
    "norm of the gradients",
)
def wn_r11_norm_of_parameters(model, loss_fn, optimizer, batches):
    # mistake: logs the norm of the parameters (weights), not of their gradients
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(get_total_norm([p.detach() for p in model.parameters()]).item())
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "list", "one per batch", "mean", "every step", "np.mean")
def wn_r11_returns_mean_not_list(model, loss_fn, optimizer, batches):
    # mistake: returns the mean norm over the warm-up instead of the list of norms
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(clip_grad_norm_(model.parameters(), math.inf).item())
        optimizer.step()
    return float(np.mean(norms))


@wrong("check_warmup_norms", "math.inf", "without clipping", "unclipped", "max_norm", "warm-up")
def wn_r11_clips_at_one(model, loss_fn, optimizer, batches):
    # mistake: the warm-up clips at max_norm=1.0 instead of measuring with math.inf
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(clip_grad_norm_(model.parameters(), 1.0).item())
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "round", "rounding", "round(", "full precision", "digits")
def wn_r11_rounded(model, loss_fn, optimizer, batches):
    # mistake: logs the norms rounded to 2 decimals
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(round(clip_grad_norm_(model.parameters(), math.inf).item(), 2))
        optimizer.step()
    return norms


# ---------------------------------------------------------------------------
# Task 5: amp_train_step(model, loss_fn, optimizer, scaler, x, y, max_norm)
# ---------------------------------------------------------------------------


@right("check_amp_train_step")
def amp_r11_right_model_zero_grad(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # correct: model.zero_grad(), autocast with keyword arguments, float() conversions
    model.zero_grad()
    with torch.autocast(device_type="cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = clip_grad_norm_(model.parameters(), max_norm=max_norm)
    scaler.step(optimizer)
    scaler.update()
    return float(loss), float(grad_norm)


@right("check_amp_train_step")
def amp_r11_right_total_norm_then_clip(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # correct: get_total_norm + clip_grads_with_norm_ after unscale_ (what clip_grad_norm_ does)
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    params = list(model.parameters())
    grad_norm = get_total_norm([p.grad for p in params if p.grad is not None])
    torch.nn.utils.clip_grads_with_norm_(params, max_norm, grad_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step",
    "unscale_",
    "before clipping",
    "scaled gradients",
    "c/s",
    "scaler.unscale_(optimizer)",
)
def amp_r11_no_unscale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: clips the scaled gradients S*g (no unscale_ before the clip)
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "unscale_", "always", "scaled norm", "unscaled", "get_scale")
def amp_r11_unscale_only_when_clipping(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: unscale_ only when a clip is needed; otherwise the logged norm is the scaled one
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    params = list(model.parameters())
    grad_norm = get_total_norm([p.grad for p in params if p.grad is not None])
    if not grad_norm / scaler.get_scale() <= max_norm:
        scaler.unscale_(optimizer)
        grad_norm = clip_grad_norm_(params, max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step",
    "scaler.update()",
    "halve",
    "overflow",
    "skipped step",
    "unscale_() has already been called",
)
def amp_r11_no_update_on_skip(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: on an overflow returns early, without scaler.step/scaler.update (S never halved)
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    if not torch.isfinite(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item()
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "get_scale", "unscale_", "twice", "scaler.step", "divided by s")
def amp_r11_manual_unscale_with_get_scale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: divides .grad by scaler.get_scale() by hand; scaler.step then unscales again
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    inv = 1.0 / scaler.get_scale()
    for p in model.parameters():
        if p.grad is not None:
            p.grad.mul_(inv)
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "scaler.step", "optimizer.step()", "skip", "overflow", "inf")
def amp_r11_optimizer_step(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: optimizer.step() instead of scaler.step(optimizer): overflowed steps are applied
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step",
    "scaler.update()",
    "update",
    "halve",
    "adapt the scale",
    "unscale_() has already been called",
)
def amp_r11_no_update(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: scaler.update() is never called
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "update", "order", "after scaler.step", "scaler.update()", "twice")
def amp_r11_update_before_step(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: scaler.update() before scaler.step(optimizer) (the step then unscales again)
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    scaler.update()
    scaler.step(optimizer)
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "unscaled", "scaled", "get_scale", "s times", "true gradient")
def amp_r11_norm_times_scale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: reports the norm multiplied back by the scale ("in the scaler's units")
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item() * scaler.get_scale()


@wrong(
    "check_amp_train_step", "scaled loss", "scaler.scale", "unscaled loss", "loss.item()", "s times"
)
def amp_r11_returns_scaled_loss(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: returns the scaled loss S*loss
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaled = scaler.scale(loss)
    scaled.backward()
    scaler.unscale_(optimizer)
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return scaled.item(), grad_norm.item()


@wrong("check_amp_train_step", "float16", "bfloat16", "dtype", "torch.float16", "autocast")
def amp_r11_bfloat16(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: autocast with bfloat16 (the JAX/TPU default) instead of float16
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "no_grad", "graph", "backward", "requires_grad", "forward pass")
def amp_r11_no_grad_forward(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: the forward pass runs under torch.no_grad() -> nothing to back-propagate
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16), torch.no_grad():
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()
