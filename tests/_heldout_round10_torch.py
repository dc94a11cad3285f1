"""Round 10: simulated student answers for exercise 6 (training loop).

Students who copy blog posts / old PyTorch, over-engineer, get control flow
wrong or make plain typos. Each @wrong answer has one (rarely two) mistakes,
named in the comment on its first line.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch

from _heldout import right, wrong

# ---------------------------------------------------------------------------
# Task 1: train_step(model, loss_fn, optimizer, x, y, max_norm) -> (loss, norm)
# ---------------------------------------------------------------------------


@wrong("check_train_step", "norm_type", "l2", "2.0", "euclidean", "total norm")
def tr_r10_norm_type_one(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: copied norm_type=1 from a blog post: clips (and reports) the L1 norm, not the L2 norm
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm, norm_type=1)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong("check_train_step", "min(1", "clip_coef", "only when", "above max_norm", "rescale")
def tr_r10_cat_norm_always_rescale(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: hand-written clip without min(1, ...): every gradient is rescaled to norm
    # max_norm, small ones blown up
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    total = torch.cat([g.detach().flatten() for g in grads]).norm(2)
    coef = max_norm / (total + 1e-6)
    for g in grads:
        g.data.mul_(coef)
    optimizer.step()
    return loss.item(), total.item()


@wrong(
    "check_train_step",
    "per-parameter",
    "each parameter",
    "total norm",
    "all parameters",
    "clip_grad_norm_(model.parameters()",
)
def tr_r10_per_param_clip(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: clips every parameter tensor separately (per-parameter norms), not the total
    # norm of all gradients
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    norms = []
    for p in model.parameters():
        norms.append(torch.nn.utils.clip_grad_norm_(p, max_norm))
    grad_norm = torch.stack(norms).norm()
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "loss after the step",
    "before the step",
    "recompute",
    "loss.item()",
    "twice",
)
def tr_r10_loss_recomputed_after_step(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: computes the loss a second time for logging, after optimizer.step(): returns
    # the post-step loss
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    with torch.no_grad():
        logged_loss = loss_fn(model(x), y)
    return logged_loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "pre-clip",
    "before clipping",
    "return value",
    "after clipping",
    "clip_grad_norm_ returns",
)
def tr_r10_double_clip_logs_post(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: calls clip_grad_norm_ a second time "to log" and returns that: the norm after
    # clipping
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "after step",
    "before optimizer.step",
    "order",
    "clip after",
    "optimizer.step()",
)
def tr_r10_clip_after_step(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: clips after optimizer.step(): the step already used the unclipped gradient
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    return loss.item(), grad_norm.item()


@wrong("check_train_step", "zero_grad", "stale", "accumulate", "clear first", "before backward")
def tr_r10_zero_grad_at_end(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: zero_grad() only at the end: gradients already sitting in .grad are accumulated
    # into this step
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    optimizer.zero_grad()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "clip_grad_value_",
    "by value",
    "clip_grad_norm_",
    "norm clipping",
    "elementwise",
)
def tr_r10_clip_grad_value(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: old tutorial's clip_grad_value_: clamps each entry instead of scaling the total norm
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])
    torch.nn.utils.clip_grad_value_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


# Tag 'does not skip the step' added on review: the hint's wording of 'step skipped'.
@wrong(
    "check_train_step",
    "early return",
    "optimizer.step",
    "step skipped",
    "return before",
    "spike",
    "does not skip the step",
)
def tr_r10_early_return_on_spike(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: "log the spike and return" placed before optimizer.step(): clipped steps never happen
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if grad_norm.item() > max_norm:
        return loss.item(), grad_norm.item()
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "p.grad",
    "p.data",
    "weights instead of gradients",
    "p.grad.data",
    "clip_grad_norm_",
)
def tr_r10_scales_weights_not_grads(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: hand-written clip multiplies p.data (the weights) instead of p.grad.data
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    total = torch.sqrt(sum((p.grad.data**2).sum() for p in model.parameters()))
    coef = min(1.0, max_norm / (total.item() + 1e-6))
    for p in model.parameters():
        p.data.mul_(coef)
    optimizer.step()
    return loss.item(), total.item()


@wrong("check_train_step", "norm_type", "get_total_norm", "max_norm", "l2", "argument")
def tr_r10_max_norm_as_norm_type(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: two-stage clip with max_norm passed to get_total_norm, where it is read as
    # norm_type (not the L2 norm)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    params = list(model.parameters())
    total_norm = torch.nn.utils.get_total_norm([p.grad for p in params], max_norm)
    torch.nn.utils.clip_grads_with_norm_(params, max_norm, total_norm)
    optimizer.step()
    return loss.item(), total_norm.item()


@right("check_train_step")
def tr_r10_right_manual_stack(model, loss_fn, optimizer, x, y, max_norm):
    # correct: hand-written global norm (norm of the per-tensor norms) and the min(1, c / (N +
    # 1e-6)) factor
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    total = torch.linalg.vector_norm(
        torch.stack([torch.linalg.vector_norm(g.detach()) for g in grads])
    )
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.data.mul_(coef)
    optimizer.step()
    return loss.item(), total.item()


@right("check_train_step")
def tr_r10_right_deprecated_name(model, loss_fn, optimizer, x, y, max_norm):
    # correct: old-style spelling (deprecated clip_grad_norm, loss.data, model.zero_grad);
    # same behaviour
    model.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm(model.parameters(), max_norm, norm_type=2)
    optimizer.step()
    return float(loss.data), float(grad_norm)


# ---------------------------------------------------------------------------
# Task 2: safe_step(...) -> (loss, grad_norm, stepped)
# ---------------------------------------------------------------------------


@wrong("check_safe_step", "isfinite", "and", "or", "skip condition", "never skips")
def ss_r10_and_instead_of_or(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: skip condition isnan(...) AND isinf(...) (should be or): never true, steps on
    # NaN gradients
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isnan(grad_norm) and torch.isinf(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong(
    "check_safe_step", "stepped", "loss", "gradient norm", "isfinite(grad_norm)", "skip condition"
)
def ss_r10_stepped_from_loss(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: stepped computed from the loss (not NaN) instead of the gradient norm: inf loss
    # or NaN grads still step
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    stepped = not math.isnan(loss.item())
    if stepped:
        optimizer.step()
    else:
        optimizer.zero_grad()
    return loss.item(), grad_norm.item(), stepped


@wrong("check_safe_step", "isnan", "nan", "isinf", "isfinite", "not finite")
def ss_r10_isinf_misses_nan(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: hand-written check looks only for inf gradients (isinf), misses NaN (inf * 0
    # gives NaN)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    bad = any(torch.isinf(p.grad).any() for p in model.parameters() if p.grad is not None)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if bad:
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong(
    "check_safe_step",
    "zero_grad",
    "except",
    "left behind",
    "clear the gradients",
    "error_if_nonfinite",
)
def ss_r10_try_except_leaves_grads(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: except branch swallows the error but never clears the non-finite gradients (no
    # zero_grad)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    try:
        grad_norm = torch.nn.utils.clip_grad_norm_(
            model.parameters(), max_norm, error_if_nonfinite=True
        )
    except RuntimeError:
        grad_norm = torch.nn.utils.get_total_norm(
            [p.grad for p in model.parameters() if p.grad is not None]
        )
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong("check_safe_step", "mul_(0)", "nan * 0", "zero_grad", "left behind", "zero_()")
def ss_r10_mul_zero_keeps_nan(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: "clears" the gradients with p.grad.data.mul_(0): NaN * 0 is NaN, non-finite
    # grads stay
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if not torch.isfinite(grad_norm):
        for p in model.parameters():
            if p.grad is not None:
                p.grad.data.mul_(0)
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong(
    "check_safe_step",
    "pre-clip",
    "after clipping",
    "get_total_norm",
    "clip_grad_norm_ returns",
    "clipped norm",
)
def ss_r10_returns_postclip_norm(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: recomputes the norm after clipping with get_total_norm and returns that (the
    # clipped norm)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    pre = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    grad_norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])
    if not torch.isfinite(pre):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong(
    "check_safe_step",
    "early return",
    "optimizer.step",
    "never steps",
    "return before",
    "finite branch",
)
def ss_r10_early_return_skips_good_step(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: returns (..., True) in the finite branch before optimizer.step(): it never
    # actually steps
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isfinite(grad_norm):
        return loss.item(), grad_norm.item(), True
    optimizer.zero_grad()
    optimizer.step()
    return loss.item(), grad_norm.item(), False


@wrong("check_safe_step", "stepped", "true", "false", "bool", "inverted")
def ss_r10_stepped_flag_inverted(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: typo: stepped flag inverted (True when skipped, False when stepped)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    skipped = not torch.isfinite(grad_norm).item()
    if skipped:
        optimizer.zero_grad()
    else:
        optimizer.step()
    return loss.item(), grad_norm.item(), skipped


@wrong(
    "check_safe_step", "max_norm", "isfinite", "skip condition", "large but finite", "not finite"
)
def ss_r10_skip_when_above_max_norm(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: skips when the norm exceeds max_norm instead of when it is not finite (NaN > c
    # is False: steps on NaN)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if grad_norm > max_norm:
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong("check_safe_step", "nan_to_num", "skip", "step anyway", "stepped", "skip the step")
def ss_r10_nan_to_num_and_step(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: over-engineered repair: nan_to_num_ on the gradients and steps anyway instead
    # of skipping
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    finite = bool(torch.isfinite(grad_norm))
    if not finite:
        for p in model.parameters():
            if p.grad is not None:
                torch.nan_to_num_(p.grad, nan=0.0, posinf=0.0, neginf=0.0)
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong(
    "check_safe_step", "before optimizer.step", "check first", "poisoned", "step anyway", "order"
)
def ss_r10_step_before_check(model, loss_fn, optimizer, x, y, max_norm):
    # mistake: optimizer.step() runs before the finiteness check; the NaN step has already
    # poisoned the parameters
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    if not torch.isfinite(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    return loss.item(), grad_norm.item(), True


@right("check_safe_step")
def ss_r10_right_error_if_nonfinite(model, loss_fn, optimizer, x, y, max_norm):
    # correct: error_if_nonfinite=True caught; the except branch measures the norm and clears
    # the grads
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    try:
        grad_norm = torch.nn.utils.clip_grad_norm_(
            model.parameters(), max_norm, error_if_nonfinite=True
        )
    except RuntimeError:
        grad_norm = torch.nn.utils.get_total_norm(
            [p.grad for p in model.parameters() if p.grad is not None]
        )
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@right("check_safe_step")
def ss_r10_right_grad_none(model, loss_fn, optimizer, x, y, max_norm):
    # correct: math.isfinite on the float, grads cleared by hand with p.grad = None
    for p in model.parameters():
        p.grad = None
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm))
    stepped = math.isfinite(grad_norm)
    if stepped:
        optimizer.step()
    else:
        for p in model.parameters():
            p.grad = None
    return float(loss.detach()), grad_norm, stepped


# ---------------------------------------------------------------------------
# Task 3a: warmup_norms(model, loss_fn, optimizer, batches) -> list of floats
# ---------------------------------------------------------------------------


@wrong("check_warmup_norms", "zero_grad", "accumulate", "norms grow", "clear", "each step")
def wn_r10_no_zero_grad(model, loss_fn, optimizer, batches):
    # mistake: no zero_grad() in the loop: gradients accumulate across steps
    norms = []
    for x, y in batches:
        loss_fn(model(x), y).backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf).item())
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "math.inf", "unclipped", "without clipping", "1.0", "max_norm")
def wn_r10_clips_at_one(model, loss_fn, optimizer, batches):
    # mistake: copied clip_grad_norm_(..., 1.0) from a blog: the warm-up is clipped, so the
    # trajectory differs
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0).item())
        optimizer.step()
    return norms


@wrong(
    "check_warmup_norms",
    "loss instead of norm",
    "gradient norm",
    "loss.item()",
    "clip_grad_norm_",
    "log the norm",
)
def wn_r10_logs_loss(model, loss_fn, optimizer, batches):
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


@wrong("check_warmup_norms", "global norm", "sum of squares", "sqrt", "sum of norms", "total norm")
def wn_r10_sum_of_param_norms(model, loss_fn, optimizer, batches):
    # mistake: hand-written "total" norm adds the per-parameter norms instead of sqrt(sum of
    # squares)
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        total = sum(p.grad.data.norm(2).item() for p in model.parameters() if p.grad is not None)
        norms.append(total)
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "p.grad", "parameter norm", "gradient norm", "p.data", "weights")
def wn_r10_param_norm_not_grad(model, loss_fn, optimizer, batches):
    # mistake: typo p.data for p.grad.data: logs the norm of the weights, not of the gradients
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        flat = torch.cat([p.data.flatten() for p in model.parameters()])
        norms.append(flat.norm().item())
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "pop", "mutate", "batches", "order", "reversed")
def wn_r10_pop_reverses_batches(model, loss_fn, optimizer, batches):
    # mistake: consumes the caller's list with batches.pop(): empties it and runs the batches
    # in reverse order
    norms = []
    while batches:
        x, y = batches.pop()
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf).item())
        optimizer.step()
    return norms


@wrong(
    "check_warmup_norms", "return", "indent", "inside the loop", "one norm per batch", "first batch"
)
def wn_r10_return_inside_loop(model, loss_fn, optimizer, batches):
    # mistake: return indented inside the for loop: stops after the first batch
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
    "norms = []",
    "inside the loop",
    "reset",
    "one norm per batch",
    "running list",
)
def wn_r10_norms_reset_in_loop(model, loss_fn, optimizer, batches):
    # mistake: the running list is re-created inside the loop: only the last norm survives
    for x, y in batches:
        norms = []
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf).item())
        optimizer.step()
    return norms


# Tag 'one norm per batch' added on review: the hint's wording of 'one per batch'.
@wrong(
    "check_warmup_norms",
    "total norm",
    "per-parameter",
    "wrong loop",
    "one per batch",
    "all parameters",
    "one norm per batch",
)
def wn_r10_per_param_norms_wrong_loop(model, loss_fn, optimizer, batches):
    # mistake: append sits inside the loop over parameters: logs one per-parameter norm per
    # tensor, not one total per batch
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        for p in model.parameters():
            norms.append(p.grad.detach().norm().item())
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "norm_type", "max_norm", "math.inf", "swapped", "2-norm")
def wn_r10_swapped_norm_type(model, loss_fn, optimizer, batches):
    # mistake: max_norm and norm_type swapped: clips at 2.0 and measures the max-abs (inf) norm
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 2.0, norm_type=math.inf)
        norms.append(norm.item())
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "optimizer.step", "training", "step", "unclipped steps", "same model")
def wn_r10_no_step(model, loss_fn, optimizer, batches):
    # mistake: forgets optimizer.step(): no training, every norm is of the initial model
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf).item())
    return norms


@wrong(
    "check_warmup_norms",
    "deepcopy",
    "copy of the model",
    "optimizer",
    "model.parameters()",
    "clone",
)
def wn_r10_deepcopy_model(model, loss_fn, optimizer, batches):
    # mistake: runs the warm-up on a deepcopy "to keep the model clean": the optimizer steps
    # the original, which has no grads
    scratch = copy.deepcopy(model)
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        scratch.zero_grad()
        loss_fn(scratch(x), y).backward()
        norms.append(torch.nn.utils.clip_grad_norm_(scratch.parameters(), math.inf).item())
        optimizer.step()
    return norms


@right("check_warmup_norms")
def wn_r10_right_get_total_norm(model, loss_fn, optimizer, batches):
    # correct: measures with get_total_norm (no clip call at all), model.zero_grad()
    norms = []
    for x, y in batches:
        model.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        norm = torch.nn.utils.get_total_norm(
            [p.grad for p in model.parameters() if p.grad is not None]
        )
        norms += [float(norm)]
        optimizer.step()
    return norms


@right("check_warmup_norms")
def wn_r10_right_manual_cat(model, loss_fn, optimizer, batches):
    # correct: hand-written global norm with torch.cat, logged as numpy floats
    norms = []
    for i in range(len(batches)):
        x, y = batches[i]
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        flat = torch.cat([p.grad.detach().reshape(-1) for p in model.parameters()])
        norms.append(np.float64(torch.linalg.vector_norm(flat).item()))
        optimizer.step()
    return norms


# ---------------------------------------------------------------------------
# Task 5: amp_train_step(model, loss_fn, optimizer, scaler, x, y, max_norm)
# ---------------------------------------------------------------------------


@wrong("check_amp_train_step", "unscale_", "before clipping", "c/s", "scaled gradients", "order")
def amp_r10_clip_before_unscale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: unscale_ placed after the clip (old tutorial order): clips S*g, i.e. g at c/S
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
    "scaled gradients",
    "c/s",
    "unscaled norm",
)
def amp_r10_no_unscale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: no scaler.unscale_(optimizer) at all: clips and reports the scaled gradient S*g
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step",
    "scaler.step",
    "optimizer.step",
    "skip",
    "overflow",
    "scaler.step(optimizer)",
)
def amp_r10_optimizer_step_not_scaler(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: optimizer.step() instead of scaler.step(optimizer): an overflowed (inf/NaN)
    # step is applied
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "scaler.update()", "update", "halve", "scale", "get_scale")
def amp_r10_missing_update(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: no scaler.update(): S never adapts (and the scaler's per-step state is never reset)
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "torch.cuda.amp", "autocast", '"cpu"', "float16", "torch.autocast")
def amp_r10_cuda_amp_autocast(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: torch.cuda.amp.autocast() habit: on a CPU it is disabled, the forward runs in float32
    optimizer.zero_grad()
    with torch.cuda.amp.autocast():
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "float16", "dtype", "bfloat16", "torch.float16", "autocast")
def amp_r10_autocast_default_bfloat16(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: torch.autocast("cpu") without dtype: CPU default is bfloat16, not float16
    optimizer.zero_grad()
    with torch.autocast("cpu"):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step",
    "scaler.scale",
    "backward()",
    "scaled loss",
    "scaler.scale(loss).backward()",
    "wrong variable",
)
def amp_r10_backward_unscaled_loss(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: typo: scaled = scaler.scale(loss) but loss.backward() is called: unscale_ then
    # divides the true g by S
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaled = scaler.scale(loss)  # noqa: F841
    loss.backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step", "unscale_", "get_scale", "manual", "twice", "scaler.unscale_(optimizer)"
)
def amp_r10_manual_unscale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: unscales by hand (p.grad.data /= get_scale()); scaler.step does not know and
    # unscales a second time
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    inv = 1.0 / scaler.get_scale()
    for p in model.parameters():
        if p.grad is not None:
            p.grad.data.mul_(inv)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step", "scaled loss", "loss.item()", "scaler.scale", "unscaled loss", "return"
)
def amp_r10_returns_scaled_loss(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: returns the scaled loss S * loss instead of the loss
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


@wrong(
    "check_amp_train_step",
    "zero_grad",
    "before backward",
    "order",
    "after backward",
    "optimizer.zero_grad()",
)
def amp_r10_zero_grad_after_backward(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: zero_grad() placed after backward: wipes the fresh gradients, the step does nothing
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    optimizer.zero_grad()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step",
    "optimizer.step",
    "scaler.step",
    "twice",
    "two steps",
    "scaler.step(optimizer)",
)
def amp_r10_both_steps(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: calls scaler.step(optimizer) and optimizer.step(): two updates per batch,
    # overflow steps applied
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    optimizer.step()
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "scaler.update()", "early return", "halve", "overflow", "isfinite")
def amp_r10_early_return_on_overflow(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: returns early on a non-finite norm, before scaler.update(): S is never halved
    # after an overflow
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if not torch.isfinite(grad_norm):
        return loss.item(), grad_norm.item()
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step",
    "gradscaler",
    "torch.cuda.amp",
    "scaler argument",
    "new scaler",
    "the given scaler",
)
def amp_r10_new_cuda_scaler(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # mistake: builds its own torch.cuda.amp.GradScaler() (disabled on CPU) instead of using
    # the scaler passed in
    scaler = torch.cuda.amp.GradScaler()
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@right("check_amp_train_step")
def amp_r10_right_guarded_step(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # correct: skips scaler.step itself on a non-finite norm, but still calls scaler.update()
    optimizer.zero_grad(set_to_none=True)
    with torch.autocast(device_type="cpu", dtype=torch.float16):
        out = model(x)
        loss = loss_fn(out, y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isfinite(grad_norm):
        scaler.step(optimizer)
    scaler.update()
    return float(loss.detach()), float(grad_norm)


@right("check_amp_train_step")
def amp_r10_right_two_stage_clip(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # correct: get_total_norm + clip_grads_with_norm_ (argument order right) after unscale_
    model.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaled = scaler.scale(loss)
    scaled.backward()
    scaler.unscale_(optimizer)
    params = [p for p in model.parameters() if p.grad is not None]
    total_norm = torch.nn.utils.get_total_norm([p.grad for p in params])
    torch.nn.utils.clip_grads_with_norm_(params, max_norm, total_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), total_norm.item()
