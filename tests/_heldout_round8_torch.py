"""Round 8: simulated student answers for exercise 6 (PyTorch training loop).

Four functions: train_step (tr_), safe_step (ss_), warmup_norms (wn_), amp_train_step (amp_).
Each @wrong answer has one (sometimes two) deliberate mistakes, stated in a one-line comment;
the tags are words a helpful hint for that mistake would contain. @right answers are correct
but written differently from the model solution.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from _heldout import right, wrong

clip_grad_norm_ = torch.nn.utils.clip_grad_norm_


# ======================================================================================
# Task 1: train_step(model, loss_fn, optimizer, x, y, max_norm) -> (loss, grad_norm)
# ======================================================================================


@wrong(
    "check_train_step",
    "before optimizer.step",
    "before the step",
    "after step",
    "order",
    "after backward",
)
def tr_clip_after_step(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: clips after optimizer.step(); the step already used the unclipped gradient.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "after backward",
    "after loss.backward",
    "before backward",
    "order",
    "no gradient",
)
def tr_clip_before_backward(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: clips between the forward pass and backward(): there is no gradient yet.
    optimizer.zero_grad()
    out = model(x)
    loss = loss_fn(out, y)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    loss.backward()
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong("check_train_step", "after backward", "before backward", "order", "stale", "previous")
def tr_clip_first_thing(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: "clip first, then train": clips (and logs) the stale gradient of the previous
    # step, before zero_grad/backward; this batch's gradient is never clipped.
    norm = clip_grad_norm_(model.parameters(), max_norm)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return float(loss), float(norm)


@wrong("check_train_step", "zero_grad", "accumulate", "stale", "clear the gradients", "previous")
def tr_no_zero_grad(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: never clears the gradients, so backward() adds to the previous step's .grad.
    loss = loss_fn(model(x), y)
    loss.backward()
    n = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), n.item()


@wrong("check_train_step", "zero_grad", "order", "before the forward", "wipes", "after backward")
def tr_zero_grad_after_backward(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: zero_grad() placed between backward() and the clip: it wipes this batch's
    # gradient, so the norm is 0 and the step does nothing.
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.zero_grad()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step", "clip_grad_value_", "clip_grad_norm_", "by value", "value", "norm clipping"
)
def tr_clip_by_value(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: clips each entry by value (clip_grad_value_) instead of the total norm.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    grad_norm = torch.nn.utils.get_total_norm(grads)
    torch.nn.utils.clip_grad_value_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step", "before clipping", "pre-clip", "after clipping", "clipped norm", "returns"
)
def tr_returns_clipped_norm(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: logs the norm measured after the clip (at most max_norm), not the pre-clip norm.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    params = list(model.parameters())
    torch.nn.utils.clip_grad_norm_(params, max_norm)
    grad_norm = torch.sqrt(sum((p.grad**2).sum() for p in params))
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "before the step",
    "after the step",
    "loss after",
    "pre-step loss",
    "recompute",
)
def tr_loss_after_step(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: returns the loss recomputed after optimizer.step(), not the loss of this step.
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    grad_norm = clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    with torch.no_grad():
        loss = loss_fn(model(x), y)
    return loss.item(), grad_norm.item()


@wrong("check_train_step", "max_norm", "hard-coded", "hardcoded", "threshold", "argument")
def tr_hardcoded_threshold(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: clips at a hard-coded 1.0 instead of the max_norm argument.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong("check_train_step", "max_norm", "squared", "threshold", "square")
def tr_max_norm_squared(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: thinks the threshold applies to the squared norm and passes max_norm ** 2.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm**2)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong("check_train_step", "norm_type", "third argument", "euclidean", "2-norm", "l2")
def tr_positional_norm_type(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: passes max_norm twice positionally; the third positional argument is norm_type.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm, max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "total norm",
    "all parameters together",
    "per parameter",
    "each parameter",
    "global",
)
def tr_clip_per_parameter(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: clips every parameter tensor separately (and returns the last one's norm)
    # instead of the total norm of all gradients together.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    for p in model.parameters():
        grad_norm = torch.nn.utils.clip_grad_norm_([p], max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "total norm",
    "sum of norms",
    "square root of the sum",
    "sum of squares",
    "euclidean",
)
def tr_norm_sum_of_norms(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: hand-made clip with the total norm taken as the SUM of per-parameter norms.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    total = 0.0
    for p in model.parameters():
        total += p.grad.norm().item()
    scale = min(1.0, max_norm / (total + 1e-6))
    for p in model.parameters():
        p.grad.mul_(scale)
    optimizer.step()
    return loss.item(), total


@wrong("check_train_step", "biases", "all parameters", "every parameter", "bias", "total norm")
def tr_norm_weights_only(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: computes the norm (and clips) over the weight matrices only, skipping biases.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    weights = [p for name, p in model.named_parameters() if "weight" in name]
    grad_norm = torch.nn.utils.clip_grad_norm_(weights, max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong("check_train_step", "min", "only when", "scale up", "never enlarge", "exceeds")
def tr_manual_clip_always_rescales(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: hand-written clip multiplies by c/N on every step, so small gradients are
    # scaled UP to norm c (no min(1, c/N)).
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grads = [p.grad for p in model.parameters()]
    norm = torch.linalg.vector_norm(torch.cat([g.flatten() for g in grads]))
    for g in grads:
        g.mul_(max_norm / (norm + 1e-6))
    optimizer.step()
    return loss.item(), norm.item()


@wrong(
    "check_train_step",
    "model.parameters()",
    "parameters",
    "not the gradients",
    "pass the parameters",
    "p.grad",
)
def tr_clip_passes_grads(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: passes the gradient tensors to clip_grad_norm_ instead of the parameters; a
    # gradient tensor has no .grad of its own, so the norm is 0 and nothing is clipped.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grads = [p.grad.detach() for p in model.parameters()]
    grad_norm = torch.nn.utils.clip_grad_norm_(grads, max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong("check_train_step", "gradient norm", "p.grad", "of the gradients", "parameters", "weights")
def tr_norm_of_parameters(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: logs the norm of the parameters (weights), not of their gradients.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    clip_grad_norm_(model.parameters(), max_norm)
    grad_norm = torch.nn.utils.get_total_norm([p.detach() for p in model.parameters()])
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong("check_train_step", "backward twice", "twice", "once", "double", "accumulate")
def tr_backward_twice(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: calls backward twice (retain_graph to silence the error): the gradient doubles.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward(retain_graph=True)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@wrong("check_train_step", "zero_grad", "first", "stale", "clear the gradients", "at the start")
def tr_zero_grad_at_end(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE (arguable): clears the gradients only at the END of the step, so whatever is
    # already in .grad when the function is called is added to this batch's gradient.
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    optimizer.zero_grad()
    return loss.item(), grad_norm.item()


@wrong(
    "check_train_step",
    "(loss, grad_norm)",
    "swapped",
    "order of the return",
    "return order",
    "loss first",
)
def tr_swapped_return(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: returns (grad_norm, loss) instead of (loss, grad_norm).
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return grad_norm.item(), loss.item()


@right("check_train_step")
def tr_ok_set_to_none_false_kwargs(model, loss_fn, optimizer, x, y, max_norm):
    # Correct: zeroing in place instead of setting to None makes no difference.
    optimizer.zero_grad(set_to_none=False)
    prediction = model(x)
    loss = loss_fn(prediction, y)
    loss.backward()
    params = [p for p in model.parameters() if p.requires_grad]
    total = torch.nn.utils.clip_grad_norm_(params, max_norm=max_norm, norm_type=2.0, foreach=True)
    optimizer.step()
    return float(loss.detach()), float(total)


@right("check_train_step")
def tr_ok_manual_clip(model, loss_fn, optimizer, x, y, max_norm):
    # Correct: the clip written out by hand, g <- g * min(1, c / (N + 1e-6)).
    model.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    norm = torch.sqrt(sum(torch.sum(g.detach() ** 2) for g in grads))
    coef = min(1.0, max_norm / (norm.item() + 1e-6))
    with torch.no_grad():
        for g in grads:
            g.mul_(coef)
    optimizer.step()
    return loss.item(), norm.item()


@right("check_train_step")
def tr_ok_total_norm_then_clip_tensors(model, loss_fn, optimizer, x, y, max_norm):
    # Correct: measure with get_total_norm, clip with clip_grads_with_norm_; returns 0-d
    # tensors (no .item()), which have the right values.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    params = list(model.parameters())
    norm = torch.nn.utils.get_total_norm([p.grad for p in params if p.grad is not None])
    torch.nn.utils.clip_grads_with_norm_(params, max_norm, norm)
    optimizer.step()
    return loss.detach(), norm


# ======================================================================================
# Task 2: safe_step(model, loss_fn, optimizer, x, y, max_norm) -> (loss, grad_norm, stepped)
# ======================================================================================


@wrong(
    "check_safe_step", "before optimizer.step", "before the step", "check first", "order", "poison"
)
def ss_step_then_check(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: steps first and checks the norm afterwards: the NaN step is already applied.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    stepped = bool(torch.isfinite(grad_norm))
    if not stepped:
        optimizer.zero_grad()
    return loss.item(), grad_norm.item(), stepped


@wrong("check_safe_step", "skip", "isfinite", "not finite", "skip the step", "nan")
def ss_never_skips(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: reports whether the norm was finite but steps anyway (no skip).
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    finite = math.isfinite(grad_norm.item())
    optimizer.step()
    if not finite:
        optimizer.zero_grad()
    return loss.item(), grad_norm.item(), finite


@wrong("check_safe_step", "zero_grad", "clear", "left behind", "non-finite gradients", "leave")
def ss_skip_without_zero_grad(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: skips the step but leaves the NaN gradients in .grad.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isfinite(grad_norm):
        optimizer.step()
        return loss.item(), grad_norm.item(), True
    return loss.item(), grad_norm.item(), False


@wrong("check_safe_step", "zero_grad", "clear", "left behind", "non-finite gradients", "leave")
def ss_error_if_nonfinite_no_clear(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: uses error_if_nonfinite=True and catches the error, but does not clear the
    # non-finite gradients in the except branch.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    try:
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm, error_if_nonfinite=True)
    except RuntimeError:
        norm = torch.nn.utils.get_total_norm(
            [p.grad for p in model.parameters() if p.grad is not None]
        )
        return loss.item(), norm.item(), False
    optimizer.step()
    return loss.item(), norm.item(), True


@wrong("check_safe_step", "stepped", "inverted", "swapped", "true when", "false when")
def ss_stepped_inverted(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: returns stepped=True for the skipped step and False for the real ones.
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


@wrong("check_safe_step", "stepped", "false", "skipped", "always true")
def ss_stepped_always_true(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: skips correctly but always reports stepped=True.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isfinite(grad_norm):
        optimizer.step()
    else:
        optimizer.zero_grad()
    return loss.item(), grad_norm.item(), True


@wrong("check_safe_step", "return", "tuple", "three values", "none", "skip branch")
def ss_bare_return_on_skip(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: a bare `return` in the skip branch returns None instead of the 3-tuple.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if not torch.isfinite(grad_norm):
        optimizer.zero_grad()
        return
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong(
    "check_safe_step",
    "before clipping",
    "pre-clip",
    "clipped norm",
    "after clipping",
    "returned by clip_grad_norm_",
)
def ss_returns_clipped_norm(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: returns the norm measured after clipping instead of the pre-clip norm.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    pre = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    post = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])
    if not torch.isfinite(pre):
        optimizer.zero_grad()
        return loss.item(), post.item(), False
    optimizer.step()
    return loss.item(), post.item(), True


@wrong(
    "check_safe_step",
    "gradient norm",
    "returned norm",
    "instead of the loss",
    "norm",
    "finite loss",
)
def ss_checks_loss_not_norm(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: tests whether the LOSS is finite; a finite loss can still have NaN gradients
    # (e.g. an inf input through a saturated tanh).
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if not torch.isfinite(loss):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong("check_safe_step", "isfinite", "nan", "comparison", "not finite", "math.isfinite")
def ss_threshold_instead_of_isfinite(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: skips when the norm is "huge" (norm > 1e6); NaN > 1e6 is False, so a NaN
    # norm is not skipped.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm).item()
    if norm > 1e6:
        optimizer.zero_grad()
        return loss.item(), norm, False
    optimizer.step()
    return loss.item(), norm, True


@wrong("check_safe_step", "all elements", ".all()", "every entry", "isfinite", "condition")
def ss_any_instead_of_all(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: per-parameter check with .any() instead of .all(): a gradient counts as
    # "finite" if ANY of its entries is finite.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    ok = all(torch.isfinite(p.grad).any() for p in model.parameters())
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if not ok:
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong("check_safe_step", "skip the step", "optimizer.step", "do not step", "adam", "momentum")
def ss_zeroes_then_steps(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: on a non-finite norm it zeroes the gradients but still calls step();
    # with Adam a zero gradient still moves the parameters (momentum) and counts a step.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    stepped = bool(torch.isfinite(grad_norm))
    if not stepped:
        optimizer.zero_grad(set_to_none=False)  # replace the NaNs by zeros
    optimizer.step()
    return loss.item(), grad_norm.item(), stepped


@wrong("check_safe_step", "skip", "nan_to_num", "do not step", "not finite", "skip the step")
def ss_nan_to_num_repair(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: "repairs" the gradients with nan_to_num and steps instead of skipping.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    for p in model.parameters():
        if p.grad is not None:
            torch.nan_to_num_(p.grad, nan=0.0, posinf=0.0, neginf=0.0)
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong("check_safe_step", "clip", "clip_grad_norm_", "max_norm", "not clipped", "clipping")
def ss_forgets_to_clip(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: measures the norm with get_total_norm and skips correctly, but never clips.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters() if p.grad is not None])
    if not torch.isfinite(norm):
        optimizer.zero_grad()
        return loss.item(), norm.item(), False
    optimizer.step()
    return loss.item(), norm.item(), True


@wrong("check_safe_step", "zero_grad", "accumulate", "stale", "clear the gradients", "at the start")
def ss_no_zero_grad_at_start(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: clears the gradients only when skipping, never at the start of a step,
    # so finite steps accumulate the previous gradient.
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if not torch.isfinite(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@wrong("check_safe_step", "isfinite", "inf", "isnan", "not finite", "infinite")
def ss_isnan_only(model, loss_fn, optimizer, x, y, max_norm):
    # MISTAKE: checks torch.isnan only; an infinite norm (no NaN) would still be stepped.
    # (May be indistinguishable when the bad batch gives a NaN norm.)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isnan(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


@right("check_safe_step")
def ss_ok_total_norm_first(model, loss_fn, optimizer, x, y, max_norm):
    # Correct: measure first, decide, and only then clip and step; grads set to None on skip.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    params = [p for p in model.parameters() if p.grad is not None]
    norm = torch.nn.utils.get_total_norm([p.grad for p in params])
    if not math.isfinite(norm.item()):
        for p in params:
            p.grad = None
        return loss.item(), norm.item(), False
    torch.nn.utils.clip_grads_with_norm_(params, max_norm, norm)
    optimizer.step()
    return loss.item(), norm.item(), True


@right("check_safe_step")
def ss_ok_error_if_nonfinite(model, loss_fn, optimizer, x, y, max_norm):
    # Correct: the raising variant of the clip, caught; the norm is measured for the log
    # and the gradients are cleared before returning.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    try:
        norm = clip_grad_norm_(model.parameters(), max_norm, error_if_nonfinite=True)
    except RuntimeError:
        norm = torch.nn.utils.get_total_norm(
            [p.grad for p in model.parameters() if p.grad is not None]
        )
        optimizer.zero_grad()
        return float(loss), float(norm), False
    optimizer.step()
    return float(loss), float(norm), True


@right("check_safe_step")
def ss_ok_zero_in_place(model, loss_fn, optimizer, x, y, max_norm):
    # Correct: zeroing in place (set_to_none=False) also leaves nothing non-finite behind.
    optimizer.zero_grad(set_to_none=False)
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm))
    stepped = math.isfinite(grad_norm)
    if stepped:
        optimizer.step()
    else:
        optimizer.zero_grad(set_to_none=False)
    return float(loss.detach()), grad_norm, stepped


# ======================================================================================
# Task 3a: warmup_norms(model, loss_fn, optimizer, batches) -> list of floats
# ======================================================================================


@wrong("check_warmup_norms", "without clipping", "unclipped", "math.inf", "do not clip", "warm-up")
def wn_clips_during_warmup(model, loss_fn, optimizer, batches):
    # MISTAKE: clips at 1.0 during the warm-up (the norms are pre-clip, but the training
    # trajectory is the clipped one).
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0).item())
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "optimizer.step", "step", "train", "update", "warm-up")
def wn_no_step(model, loss_fn, optimizer, batches):
    # MISTAKE: never calls optimizer.step(): it measures norms at the initial weights only.
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf).item())
    return norms


@wrong(
    "check_warmup_norms",
    "after backward",
    "after loss.backward",
    "order",
    "previous step",
    "before backward",
)
def wn_norm_before_backward(model, loss_fn, optimizer, batches):
    # MISTAKE: measures the norm before backward(), i.e. the previous step's gradient
    # (off by one: the first entry is the stale/zero gradient).
    norms = []
    for x, y in batches:
        grads = [p.grad for p in model.parameters() if p.grad is not None]
        norms.append(float(torch.nn.utils.get_total_norm(grads)) if grads else 0.0)
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "gradient norm", "p.grad", "gradients", "parameters", "weights")
def wn_norm_of_parameters(model, loss_fn, optimizer, batches):
    # MISTAKE: logs the norm of the parameters instead of the norm of their gradients.
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(torch.nn.utils.get_total_norm([p.detach() for p in model.parameters()]).item())
        optimizer.step()
    return norms


@wrong(
    "check_warmup_norms",
    "total norm",
    "one float per batch",
    "per parameter",
    "all parameters together",
    "flat",
)
def wn_one_list_per_parameter(model, loss_fn, optimizer, batches):
    # MISTAKE: returns one list of norms per parameter tensor instead of one total norm
    # per step.
    params = list(model.parameters())
    norms = [[] for _ in params]
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        for k, p in enumerate(params):
            norms[k].append(p.grad.norm().item())
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "one per batch", "every step", "each batch", "append", "length")
def wn_last_batch_only(model, loss_fn, optimizer, batches):
    # MISTAKE: the append is outside the loop, so only the last batch's norm is returned.
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
        optimizer.step()
    norms.append(norm.item())
    return norms


@wrong("check_warmup_norms", "list", "generator", "yield", "lazy", "return a list")
def wn_generator(model, loss_fn, optimizer, batches):
    # MISTAKE: a generator function: nothing trains until someone iterates over it, and
    # it is not a list.
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
        optimizer.step()
        yield norm.item()


@wrong("check_warmup_norms", "first batch", "every batch", "off by one", "one per batch", "length")
def wn_skips_first_batch(model, loss_fn, optimizer, batches):
    # MISTAKE: starts at batches[1:] ("the first step is just initialisation").
    norms = []
    for x, y in batches[1:]:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf).item())
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "one per batch", "extra", "length", "each batch", "final")
def wn_extra_final_norm(model, loss_fn, optimizer, batches):
    # MISTAKE: also logs a "final" gradient norm after the loop: one entry too many.
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf).item())
        optimizer.step()
    x, y = batches[-1]
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf).item())
    return norms


@wrong("check_warmup_norms", "math.inf", "max_norm=0", "zero", "without clipping", "unclipped")
def wn_clip_to_zero_to_measure(model, loss_fn, optimizer, batches):
    # MISTAKE: "measures" with clip_grad_norm_(..., 0): the returned norm is right, but the
    # clip zeroes every gradient, so the model never trains.
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), 0)))
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "zero_grad", "accumulate", "clear", "stale", "grow")
def wn_no_zero_grad(model, loss_fn, optimizer, batches):
    # MISTAKE: no zero_grad(): the gradients accumulate over the warm-up.
    norms = []
    for x, y in batches:
        loss_fn(model(x), y).backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf).item())
        optimizer.step()
    return norms


@wrong(
    "check_warmup_norms", "gradient norm", "loss", "instead of the loss", "norm", "clip_grad_norm_"
)
def wn_logs_loss(model, loss_fn, optimizer, batches):
    # MISTAKE: logs the loss of each step instead of the gradient norm.
    history = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    return history


@wrong(
    "check_warmup_norms",
    "before clipping",
    "pre-clip",
    "after clipping",
    "without clipping",
    "math.inf",
)
def wn_logs_post_clip_norm(model, loss_fn, optimizer, batches, c=1.0):
    # MISTAKE: clips at c=1 and logs the norm measured AFTER the clip (bounded by c).
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), c)
        norms.append(torch.nn.utils.get_total_norm([p.grad for p in model.parameters()]).item())
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "sqrt", "square root", "squared", "euclidean", "sum of squares")
def wn_squared_norm(model, loss_fn, optimizer, batches):
    # MISTAKE: hand-made norm without the square root (logs the squared norm).
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        sq = sum((p.grad.detach() ** 2).sum().item() for p in model.parameters())
        norms.append(sq)
        optimizer.step()
    return norms


@wrong(
    "check_warmup_norms",
    "total norm",
    "sum of norms",
    "square root of the sum",
    "sum of squares",
    "euclidean",
)
def wn_sum_of_norms(model, loss_fn, optimizer, batches):
    # MISTAKE: total norm taken as the sum of the per-parameter norms.
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(float(sum(p.grad.norm() for p in model.parameters())))
        optimizer.step()
    return norms


@wrong("check_warmup_norms", "biases", "all parameters", "every parameter", "bias", "total norm")
def wn_weights_only(model, loss_fn, optimizer, batches):
    # MISTAKE: the norm over the weight matrices only (p.dim() > 1), biases left out.
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        mats = [p.grad for p in model.parameters() if p.dim() > 1]
        norms.append(torch.nn.utils.get_total_norm(mats).item())
        optimizer.step()
    return norms


@wrong(
    "check_warmup_norms",
    "total norm",
    "all parameters",
    "first layer",
    "every parameter",
    "only the first",
)
def wn_first_parameter_only(model, loss_fn, optimizer, batches):
    # MISTAKE: logs the gradient norm of the first parameter tensor only.
    norms = []
    first = next(iter(model.parameters()))
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(first.grad.norm().item())
        optimizer.step()
    return norms


@right("check_warmup_norms")
def wn_ok_get_total_norm(model, loss_fn, optimizer, batches):
    # Correct: measure with get_total_norm (touches nothing) instead of a clip at inf.
    norms = []
    for x, y in batches:
        model.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        grads = [p.grad for p in model.parameters() if p.grad is not None]
        norms.append(float(torch.nn.utils.get_total_norm(grads)))
        optimizer.step()
    return norms


@right("check_warmup_norms")
def wn_ok_by_hand(model, loss_fn, optimizer, batches):
    # Correct: sqrt of the sum of squares of all gradient entries, by hand.
    def total_grad_norm():
        squares = [p.grad.detach().pow(2).sum() for p in model.parameters() if p.grad is not None]
        return torch.stack(squares).sum().sqrt().item()

    out = []
    for i in range(len(batches)):
        x, y = batches[i]
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        out += [total_grad_norm()]
        optimizer.step()
    return out


@right("check_warmup_norms")
def wn_ok_clip_inf_float(model, loss_fn, optimizer, batches):
    # Correct: the solution's idea with float('inf'), zeroing in place, and a list built
    # from a numpy array of floats.
    values = np.zeros(len(batches))
    for k, (x, y) in enumerate(batches):
        optimizer.zero_grad(set_to_none=False)
        loss_fn(model(x), y).backward()
        values[k] = torch.nn.utils.clip_grad_norm_(model.parameters(), float("inf"), foreach=False)
        optimizer.step()
    return values.tolist()


# ======================================================================================
# Task 5: amp_train_step(model, loss_fn, optimizer, scaler, x, y, max_norm)
# ======================================================================================


@wrong("check_amp_train_step", "unscale_", "unscale", "scaled", "c/s", "before clipping")
def amp_no_unscale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # MISTAKE: never calls scaler.unscale_: clips (and logs) the scaled gradient S*g.
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "unscale_", "before clipping", "order", "unscale", "c/s")
def amp_unscale_after_clip(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # MISTAKE: clips first and unscales afterwards (effective threshold c/S).
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "unscale", "twice", "once", "get_scale", "divide")
def amp_unscale_twice(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # MISTAKE: calls unscale_ AND divides by the scale by hand: the gradient is g / S.
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    s = scaler.get_scale()
    for p in model.parameters():
        if p.grad is not None:
            p.grad.div_(s)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "unscale_", "scaler.unscale_", "twice", "by hand", "manual")
def amp_manual_unscale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # MISTAKE: unscales by hand instead of scaler.unscale_; scaler.step does not know and
    # divides by S a second time (the update uses g / S).
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    inv = 1.0 / scaler.get_scale()
    for p in model.parameters():
        p.grad.mul_(inv)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "scaler.step", "skip", "overflow", "optimizer.step", "inf")
def amp_optimizer_step(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # MISTAKE: optimizer.step() instead of scaler.step(optimizer): an overflowed step is
    # applied instead of skipped.
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "scaler.update", "update", "adapt the scale", "halve", "update()")
def amp_no_update(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # MISTAKE: forgets scaler.update(): S never adapts (and the next unscale_ fails).
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
    "scaler.scale",
    "scale the loss",
    "scale(loss)",
    "scaled loss",
    "before backward",
)
def amp_backward_without_scaling(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # MISTAKE: computes the scaled loss but calls backward() on the UNSCALED loss; unscale_
    # then divides the true gradient by S.
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaled_loss = scaler.scale(loss)  # noqa: F841
    loss.backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "float16", "dtype", "bfloat16", "autocast", "torch.float16")
def amp_bfloat16(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # MISTAKE: autocasts to bfloat16 (the CPU default) instead of the float16 asked for.
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "autocast", "float16", "mixed precision", "half", "torch.autocast")
def amp_no_autocast(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # MISTAKE: no autocast at all: the forward pass runs in float32.
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "scaled", "unscaled loss", "scale factor", "divide", "times s")
def amp_returns_scaled_loss(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # MISTAKE: returns the scaled loss S * loss instead of the loss.
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaled = scaler.scale(loss)
    scaled.backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return scaled.item(), grad_norm.item()


@wrong("check_amp_train_step", "unscaled", "scaled", "after unscale_", "unscale", "times s")
def amp_norm_of_scaled_grads(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # MISTAKE: clips correctly but logs the norm measured BEFORE unscale_ (S times too big).
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    grad_norm = torch.nn.utils.get_total_norm(
        [p.grad for p in model.parameters() if p.grad is not None]
    )
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong("check_amp_train_step", "scaler.update", "after scaler.step", "order", "update", "twice")
def amp_update_before_step(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # MISTAKE: scaler.update() before scaler.step(): update resets the unscale record, so
    # step unscales a second time (and S changes before the step).
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
    "after backward",
    "before backward",
    "order",
    "no gradient",
    "after loss.backward",
)
def amp_clip_before_backward(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # MISTAKE: clips before the backward pass (nothing to clip yet); the step is unclipped.
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step",
    "before scaler.step",
    "before the step",
    "order",
    "after step",
    "after backward",
)
def amp_clip_after_step(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # MISTAKE: unscale_, step, update, and only then clip: the step used the unclipped g.
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    scaler.update()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step", "zero_grad", "accumulate", "stale", "clear the gradients", "previous"
)
def amp_no_zero_grad(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # MISTAKE: no zero_grad(): the scaled gradients of the previous step accumulate.
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
    "before clipping",
    "pre-clip",
    "after clipping",
    "clipped norm",
    "returned by clip_grad_norm_",
)
def amp_returns_clipped_norm(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # MISTAKE: logs the norm after the clip (at most max_norm).
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    grad_norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


@wrong(
    "check_amp_train_step", "scaler", "gradscaler", "scaler.scale", "scaler.step", "loss scaling"
)
def amp_ignores_scaler(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # MISTAKE: uses autocast but never the scaler (plain backward/clip/step; no skip on
    # overflow, S never updated).
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


@right("check_amp_train_step")
def amp_ok_split_norm_and_clip(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # Correct: get_total_norm + clip_grads_with_norm_ after unscale_, keyword arguments.
    optimizer.zero_grad(set_to_none=True)
    with torch.autocast(device_type="cpu", dtype=torch.float16, enabled=True):
        pred = model(x)
        loss = loss_fn(pred, y)
    scaled = scaler.scale(loss)
    scaled.backward()
    scaler.unscale_(optimizer)
    params = [p for p in model.parameters() if p.grad is not None]
    norm = torch.nn.utils.get_total_norm([p.grad for p in params])
    torch.nn.utils.clip_grads_with_norm_(params, max_norm, norm)
    scaler.step(optimizer)
    scaler.update()
    return float(loss), float(norm)


@right("check_amp_train_step")
def amp_ok_everything_in_autocast(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # Correct (decision): backward, unscale_, clip and step inside the autocast block.
    # Backward runs each op in the dtype its forward used whatever the context, and
    # unscale_/clip/step work on float32 .grad tensors with ops (norm, mul_, foreach
    # in-place) that autocast does not recast, so the numbers are identical; PyTorch only
    # "recommends" leaving the block before backward. Returns 0-d tensors (no .item()).
    model.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        scaler.step(optimizer)
        scaler.update()
    return loss.detach(), grad_norm


@right("check_amp_train_step")
def amp_ok_manual_coefficient(model, loss_fn, optimizer, scaler, x, y, max_norm):
    # Correct: unscale_, then the clip coefficient min(1, c / (N + 1e-6)) by hand.
    for p in model.parameters():
        p.grad = None
    with torch.autocast("cpu", dtype=torch.float16):
        out = model(x)
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(out, y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), total.item()
