"""Round 9: simulated student answers for the four PyTorch functions of exercise 6.

Wrong answers carry exactly one (occasionally two) mistakes, named in the comment above each.
Correct answers are written differently from the solution but behave the same.
"""

from __future__ import annotations

import math

import torch

from _heldout import right, wrong

# ---------------------------------------------------------------------------------------------
# Task 1: train_step(model, loss_fn, optimizer, x, y, max_norm) -> (loss, grad_norm)
# ---------------------------------------------------------------------------------------------


# Mistake: hand-written clip always rescales by c/N (no min(1, .)), so small gradients are scaled
# UP.
@wrong(
    "check_train_step", "min(1", "only when", "exceeds", "scales up", "clamp", "max_norm / (norm"
)
def tr_r9_handclip_no_min(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    norm = torch.norm(torch.cat([g.flatten() for g in grads]))
    for g in grads:
        g.data.mul_(max_norm / (norm + 1e-6))
    optimizer.step()
    return loss.item(), norm.item()


# Mistake: divides the gradients by the clip coefficient c/N instead of multiplying by it.
@wrong(
    "check_train_step", "multiply", "mul_", "div_", "coefficient", "inverted", "max_norm / (norm"
)
def tr_r9_handclip_div_coef(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    params = [p for p in model.parameters() if p.grad is not None]
    total = torch.sqrt(sum((p.grad.detach() ** 2).sum() for p in params))
    if total > max_norm:
        for p in params:
            p.grad.data.div_(max_norm / (total + 1e-6))
    optimizer.step()
    return float(loss), float(total)


# Mistake: divides by max_norm instead of multiplying (g / (N c) instead of g c / N).
@wrong(
    "check_train_step", "multiply by max_norm", "divide", "mul_", "div_", "max_norm", "coefficient"
)
def tr_r9_handclip_div_max_norm(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    norm = torch.linalg.vector_norm(torch.cat([g.reshape(-1) for g in grads]))
    if norm > max_norm:
        with torch.no_grad():
            for g in grads:
                g.div_(norm + 1e-6).div_(max_norm)
    optimizer.step()
    return loss.item(), norm.item()


# Mistake: the hand-computed norm only sums the weight matrices; the biases are left out.
@wrong(
    "check_train_step",
    "bias",
    "biases",
    "all parameters",
    "every parameter",
    "total norm",
    "named_parameters",
)
def tr_r9_weights_only_norm(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    sq = 0.0
    for name, p in model.named_parameters():
        if "weight" in name and p.grad is not None:
            sq += p.grad.detach().pow(2).sum().item()
    norm = math.sqrt(sq)
    coef = min(1.0, max_norm / (norm + 1e-6))
    for p in model.parameters():
        if p.grad is not None:
            p.grad.data.mul_(coef)
    optimizer.step()
    return loss.item(), norm


# Mistake: clips every parameter separately instead of the total norm of all of them together.
@wrong(
    "check_train_step",
    "global",
    "total norm",
    "per-parameter",
    "each parameter separately",
    "all parameters together",
    "model.parameters()",
)
def tr_r9_per_param_clip(model, loss_fn, optimizer, x, y, max_norm):
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


# Mistake: combines the per-parameter norms with .norm(p=1) (their sum), not the Euclidean norm.
# Tag 'sum of the norms' added on review: the hint's wording of 'norm of norms'.
@wrong(
    "check_train_step",
    "p=2",
    "euclidean",
    "l2",
    "sum of squares",
    "norm of norms",
    "norm_type",
    "sum of the norms",
)
def tr_r9_sum_of_norms(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    out = model(x)
    loss = loss_fn(out, y)
    loss.backward()
    params = [p for p in model.parameters() if p.grad is not None]
    norm = torch.stack([p.grad.norm() for p in params]).norm(p=1)
    coef = torch.clamp(max_norm / (norm + 1e-6), max=1.0)
    for p in params:
        p.grad.data.mul_(coef)
    optimizer.step()
    return loss.item(), norm.item()


# Mistake: zero_grad between backward and the clip wipes the fresh gradients (norm 0, no update).
@wrong(
    "check_train_step",
    "zero_grad",
    "order",
    "before backward",
    "between backward",
    "clears the gradients",
    "wipes",
)
def tr_r9_zero_grad_after_backward(model, loss_fn, optimizer, x, y, max_norm):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.zero_grad()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


# Mistake: clips after optimizer.step(), so the update used the unclipped gradient.
@wrong(
    "check_train_step",
    "after backward and before step",
    "before optimizer.step",
    "order",
    "before the step",
    "clip before",
    "after the step",
)
def tr_r9_clip_after_step(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    return loss.item(), grad_norm.item()


# Mistake: returns the norm AFTER clipping (min(N, c)) instead of the pre-clip norm.
@wrong(
    "check_train_step",
    "pre-clip",
    "before clipping",
    "return value of clip_grad_norm_",
    "clipped norm",
    "after clipping",
)
def tr_r9_returns_clipped_norm(model, loss_fn, optimizer, x, y, max_norm):
    model.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    logged = torch.nn.utils.get_total_norm(grads)
    optimizer.step()
    return loss.item(), logged.item()


# Mistake: returns the squared norm (sum of squares, no square root); the clip itself is right.
@wrong("check_train_step", "sqrt", "square root", "squared", "norm squared", "sum of squares")
def tr_r9_norm_squared(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    sq = sum(p.grad.pow(2).sum() for p in model.parameters() if p.grad is not None)
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), sq.item()


# Mistake: logs the gradient norm of the first parameter (one layer) only, not the total norm.
@wrong(
    "check_train_step",
    "total norm",
    "all parameters",
    "one layer",
    "first parameter",
    "every parameter",
    "global norm",
)
def tr_r9_first_layer_norm(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = next(model.parameters()).grad.norm()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


# Mistake: returns the loss recomputed after the step instead of the loss that was back-propagated.
# Tag 'before the step' added on review: the hint's wording of 'loss before the step'.
@wrong(
    "check_train_step",
    "loss before the step",
    "after the step",
    "recompute",
    "forward again",
    "loss.item()",
    "before the step",
)
def tr_r9_loss_after_step(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    with torch.no_grad():
        loss = loss_fn(model(x), y)
    return loss.item(), grad_norm.item()


# Mistake: zero_grad called on the wrong object (the loss module), so the model's grads accumulate.
@wrong(
    "check_train_step",
    "zero_grad",
    "optimizer.zero_grad",
    "model.zero_grad",
    "clear",
    "accumulate",
    "wrong object",
)
def tr_r9_zero_grad_loss_fn(model, loss_fn, optimizer, x, y, max_norm):
    loss_fn.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()


# Mistake: hand-written norm assumes every parameter has a .grad (crashes on None grads).
@wrong(
    "check_train_step",
    "none",
    "p.grad is none",
    "requires_grad",
    "frozen",
    "no gradient",
    "unused parameter",
)
def tr_r9_none_grad_crash(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    flat = torch.cat([p.grad.view(-1) for p in model.parameters()])
    norm = flat.norm()
    coef = torch.clamp(max_norm / (norm + 1e-6), max=1.0)
    with torch.no_grad():
        for p in model.parameters():
            p.grad.mul_(coef)
    optimizer.step()
    return loss.item(), norm.item()


# Correct: hand-written global clip that mirrors clip_grad_norm_ (norm of per-tensor norms,
# clamp(c / (N + 1e-6), max=1)), model.zero_grad instead of optimizer.zero_grad.
@right("check_train_step")
def tr_r9_right_handclip(model, loss_fn, optimizer, x, y, max_norm):
    model.zero_grad(set_to_none=True)
    prediction = model(x)
    loss = loss_fn(prediction, y)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    with torch.no_grad():
        per_tensor = torch.stack([torch.linalg.vector_norm(g, 2.0) for g in grads])
        total = torch.linalg.vector_norm(per_tensor, 2.0)
        factor = torch.clamp(max_norm / (total + 1e-6), max=1.0)
        for g in grads:
            g.mul_(factor)
    optimizer.step()
    return float(loss.detach()), float(total)


# Correct: zero_grad(set_to_none=False), explicit norm_type and foreach=False.
@right("check_train_step")
def tr_r9_right_explicit_args(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad(set_to_none=False)
    loss = loss_fn(model(x), y)
    loss.backward()
    pre_clip = torch.nn.utils.clip_grad_norm_(
        list(model.parameters()), max_norm=max_norm, norm_type=2.0, foreach=False
    )
    optimizer.step()
    return loss.detach().item(), pre_clip.item()


# ---------------------------------------------------------------------------------------------
# Task 2: safe_step(model, loss_fn, optimizer, x, y, max_norm) -> (loss, grad_norm, stepped)
# ---------------------------------------------------------------------------------------------


# Mistake: skips the step but does not clear the non-finite gradients it leaves in .grad.
@wrong(
    "check_safe_step",
    "zero_grad",
    "clear",
    "left behind",
    "when you skip",
    "nan gradients",
    "clear the gradients",
)
def ss_r9_skip_no_clear(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    stepped = bool(torch.isfinite(grad_norm))
    if stepped:
        optimizer.step()
    return loss.item(), grad_norm.item(), stepped


# Mistake: decides on the loss being finite instead of the gradient norm.
@wrong(
    "check_safe_step",
    "grad_norm",
    "gradient norm",
    "isfinite(grad_norm)",
    "not the loss",
    "returned norm",
    "norm",
)
def ss_r9_loss_check(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if not math.isfinite(loss.item()):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


# Mistake: tests only for NaN, so an infinite norm is not caught.
@wrong("check_safe_step", "isinf", "inf", "isfinite", "infinite", "math.isfinite", "not just nan")
def ss_r9_isnan_only(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isnan(grad_norm):
        optimizer.zero_grad()
        return loss.item(), grad_norm.item(), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


# Mistake: compares with == float("nan"), which is never true, so NaN norms are not caught.
@wrong(
    "check_safe_step",
    "isnan",
    "isfinite",
    "nan == nan",
    "comparison",
    "math.isfinite",
    '== float("nan")',
)
def ss_r9_eq_nan(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    n = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm).item()
    if n == float("nan") or n == float("inf"):
        optimizer.zero_grad()
        return loss.item(), n, False
    optimizer.step()
    return loss.item(), n, True


# Mistake: error_if_nonfinite=True raises RuntimeError, but the code catches ValueError.
@wrong(
    "check_safe_step",
    "runtimeerror",
    "except",
    "error_if_nonfinite",
    "exception",
    "catch",
    "wrong exception",
)
def ss_r9_catch_valueerror(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    try:
        grad_norm = torch.nn.utils.clip_grad_norm_(
            model.parameters(), max_norm, error_if_nonfinite=True
        )
    except ValueError:
        optimizer.zero_grad()
        return loss.item(), float("nan"), False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


# Mistake: on a skipped step it reports grad_norm = 0.0 instead of the non-finite norm.
@wrong(
    "check_safe_step",
    "grad_norm",
    "return the norm",
    "non-finite norm",
    "nan",
    "inf",
    "log the norm",
)
def ss_r9_catch_zero_norm(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    try:
        grad_norm = torch.nn.utils.clip_grad_norm_(
            model.parameters(), max_norm, error_if_nonfinite=True
        )
    except RuntimeError:
        optimizer.zero_grad()
        return loss.item(), 0.0, False
    optimizer.step()
    return loss.item(), grad_norm.item(), True


# Mistake: uses optimizer.step()'s return value (None) as the stepped flag.
@wrong("check_safe_step", "bool", "true", "stepped", "none", "return true", "optimizer.step()")
def ss_r9_stepped_none(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isfinite(grad_norm).item():
        stepped = optimizer.step()
    else:
        optimizer.zero_grad()
        stepped = False
    return loss.item(), grad_norm.item(), stepped


# Mistake: takes the step first and checks the norm afterwards, so the NaN update already happened.
@wrong(
    "check_safe_step",
    "before optimizer.step",
    "check first",
    "order",
    "skip the step",
    "isfinite",
    "before the step",
)
def ss_r9_step_then_check(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    stepped = True
    if not torch.isfinite(grad_norm):
        optimizer.zero_grad()
        stepped = False
    return loss.item(), grad_norm.item(), stepped


# Mistake: replaces the non-finite gradients by zeros and still steps instead of skipping.
@wrong(
    "check_safe_step",
    "skip",
    "nan_to_num",
    "do not step",
    "optimizer.step",
    "skip the step",
    "stepped",
)
def ss_r9_nan_to_num_step(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    for p in model.parameters():
        if p.grad is not None:
            p.grad.nan_to_num_(nan=0.0, posinf=0.0, neginf=0.0)
    optimizer.step()
    return loss.item(), grad_norm.item(), True


# Mistake: hand-written norm with torch.nansum silently ignores NaN entries, so NaN is not caught.
@wrong(
    "check_safe_step", "nan", "nansum", "isfinite", "non-finite", "ignores nan", "clip_grad_norm_"
)
def ss_r9_nansum_norm(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    norm = torch.sqrt(sum(torch.nansum(g * g) for g in grads))
    if not torch.isfinite(norm):
        optimizer.zero_grad()
        return loss.item(), norm.item(), False
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), norm.item(), True


# Mistake: builds a new optimizer inside the function, so its state (momentum, Adam m/v) is lost.
@wrong(
    "check_safe_step",
    "optimizer",
    "new optimizer",
    "state",
    "the optimizer passed in",
    "momentum",
    "recreate",
)
def ss_r9_new_optimizer(model, loss_fn, optimizer, x, y, max_norm):
    opt = type(optimizer)(model.parameters(), **optimizer.defaults)
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if not torch.isfinite(grad_norm):
        opt.zero_grad()
        return loss.item(), grad_norm.item(), False
    opt.step()
    return loss.item(), grad_norm.item(), True


# Mistake: logs the norm of the gradient after clipping (and the step), not the pre-clip norm.
@wrong(
    "check_safe_step",
    "pre-clip",
    "before clipping",
    "clip_grad_norm_ returns",
    "after the step",
    "clipped norm",
)
def ss_r9_norm_after_step(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters() if p.grad is not None])
    ok = math.isfinite(norm.item())
    if ok:
        optimizer.step()
    else:
        optimizer.zero_grad()
    norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters() if p.grad is not None])
    return loss.item(), norm.item(), ok


# Mistake: measures the norm for the check but never clips before stepping.
@wrong("check_safe_step", "clip_grad_norm_", "clip", "max_norm", "rescale", "forgot to clip")
def ss_r9_no_clip(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters() if p.grad is not None])
    if torch.isfinite(norm):
        optimizer.step()
        return loss.item(), norm.item(), True
    optimizer.zero_grad()
    return loss.item(), norm.item(), False


# Correct: error_if_nonfinite=True, catching RuntimeError; reports the true (non-finite) norm.
@right("check_safe_step")
def ss_r9_right_error_if_nonfinite(model, loss_fn, optimizer, x, y, max_norm):
    model.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    params = [p for p in model.parameters() if p.grad is not None]
    try:
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm, error_if_nonfinite=True)
    except RuntimeError:
        norm = torch.nn.utils.get_total_norm([p.grad for p in params])
        optimizer.zero_grad(set_to_none=False)
        return loss.item(), norm.item(), False
    optimizer.step()
    return loss.item(), norm.item(), True


# Correct: math.isfinite on the float, gradients cleared by setting p.grad = None.
@right("check_safe_step")
def ss_r9_right_isfinite_float(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    out = model(x)
    loss = loss_fn(out, y)
    loss.backward()
    norm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm))
    finite = math.isfinite(norm)
    if finite:
        optimizer.step()
    else:
        for p in model.parameters():
            p.grad = None
    return float(loss), norm, finite


# ---------------------------------------------------------------------------------------------
# Task 3a: warmup_norms(model, loss_fn, optimizer, batches) -> list of floats
# ---------------------------------------------------------------------------------------------


# Mistake: only measures the norms; never calls optimizer.step(), so nothing is trained.
@wrong("check_warmup_norms", "optimizer.step", "step", "train", "update", "unclipped steps")
def wn_r9_no_step(model, loss_fn, optimizer, batches):
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf).item())
    return norms


# Mistake: never clears the gradients, so each logged norm is of the accumulated sum.
@wrong(
    "check_warmup_norms",
    "zero_grad",
    "accumulate",
    "clear",
    "gradients add up",
    "optimizer.zero_grad",
)
def wn_r9_no_zero_grad(model, loss_fn, optimizer, batches):
    norms = []
    for x, y in batches:
        loss_fn(model(x), y).backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf).item())
        optimizer.step()
    return norms


# Mistake: clips at 1.0 during the warm-up instead of max_norm=math.inf (the run is clipped).
@wrong(
    "check_warmup_norms",
    "math.inf",
    "without clipping",
    "unclipped",
    "max_norm=math.inf",
    "inf",
    "do not clip",
)
def wn_r9_clips_at_one(model, loss_fn, optimizer, batches):
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)))
        optimizer.step()
    return norms


# Mistake: logs the squared norm (no square root).
@wrong("check_warmup_norms", "sqrt", "square root", "squared", "norm squared", "sum of squares")
def wn_r9_norm_squared(model, loss_fn, optimizer, batches):
    out = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        total = 0.0
        for p in model.parameters():
            if p.grad is not None:
                total += (p.grad**2).sum().item()
        out.append(total)
        optimizer.step()
    return out


# Mistake: the norm leaves out the biases (only parameters with dim > 1).
@wrong(
    "check_warmup_norms",
    "bias",
    "biases",
    "all parameters",
    "every parameter",
    "total norm",
    "dim() > 1",
)
def wn_r9_weights_only(model, loss_fn, optimizer, batches):
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        ws = [p.grad for p in model.parameters() if p.grad is not None and p.dim() > 1]
        norms.append(torch.linalg.vector_norm(torch.cat([g.flatten() for g in ws])).item())
        optimizer.step()
    return norms


# Mistake: passes math.inf as norm_type too, logging the max-abs gradient instead of the L2 norm.
@wrong(
    "check_warmup_norms",
    "norm_type",
    "l2",
    "euclidean",
    "2-norm",
    "max_norm=math.inf",
    "second argument",
)
def wn_r9_norm_type_inf(model, loss_fn, optimizer, batches):
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        n = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf, math.inf)
        norms.append(n.item())
        optimizer.step()
    return norms


# Mistake: logs the largest per-layer norm instead of the total norm over all parameters.
@wrong(
    "check_warmup_norms",
    "total norm",
    "all parameters together",
    "per-layer",
    "global",
    "max",
    "largest layer",
)
def wn_r9_max_layer_norm(model, loss_fn, optimizer, batches):
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(max(p.grad.norm().item() for p in model.parameters() if p.grad is not None))
        optimizer.step()
    return norms


# Mistake: logs the loss instead of the gradient norm.
@wrong(
    "check_warmup_norms", "gradient norm", "grad_norm", "not the loss", "clip_grad_norm_", "norm"
)
def wn_r9_loss_instead(model, loss_fn, optimizer, batches):
    logged = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        logged.append(loss.item())
        optimizer.step()
    return logged


# Mistake: measures the norm before backward, i.e. the previous batch's gradient (off by one).
@wrong(
    "check_warmup_norms",
    "after backward",
    "order",
    "backward",
    "current batch",
    "previous step",
    "off by one",
)
def wn_r9_norm_before_backward(model, loss_fn, optimizer, batches):
    norms = []
    for x, y in batches:
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf).item())
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    return norms


# Mistake: creates a fresh optimizer for every batch, losing momentum / Adam state.
@wrong(
    "check_warmup_norms",
    "optimizer",
    "new optimizer",
    "state",
    "the optimizer passed in",
    "momentum",
    "recreate",
)
def wn_r9_new_optimizer_each_batch(model, loss_fn, optimizer, batches):
    norms = []
    for x, y in batches:
        opt = type(optimizer)(model.parameters(), **optimizer.defaults)
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf).item())
        opt.step()
    return norms


# Mistake: zero_grad between backward and the norm: every logged norm is 0, nothing is trained.
@wrong(
    "check_warmup_norms",
    "zero_grad",
    "order",
    "before backward",
    "clears",
    "between backward",
    "wipes",
)
def wn_r9_zero_grad_between(model, loss_fn, optimizer, batches):
    norms = []
    for x, y in batches:
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.zero_grad()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf).item())
        optimizer.step()
    return norms


# Mistake: steps the optimizer twice per batch.
@wrong(
    "check_warmup_norms", "step once", "optimizer.step", "twice", "one step per batch", "one step"
)
def wn_r9_step_twice(model, loss_fn, optimizer, batches):
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf).item())
        optimizer.step()
    return norms


# Correct: the norm is logged after the step; unclipped, step() leaves p.grad unchanged.
@right("check_warmup_norms")
def wn_r9_right_log_after_step(model, loss_fn, optimizer, batches):
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        norms.append(
            float(
                torch.nn.utils.get_total_norm(
                    [p.grad for p in model.parameters() if p.grad is not None]
                )
            )
        )
    return norms


# Correct: a helper per batch, model.zero_grad(set_to_none=False), clip_grad_norm_ at inf.
@right("check_warmup_norms")
def wn_r9_right_helper(model, loss_fn, optimizer, batches):
    def one(batch):
        inputs, targets = batch
        model.zero_grad(set_to_none=False)
        loss_fn(model(inputs), targets).backward()
        n = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=float("inf"))
        optimizer.step()
        return n.item()

    return [one(b) for b in batches]


# ---------------------------------------------------------------------------------------------
# Task 5: amp_train_step(model, loss_fn, optimizer, scaler, x, y, max_norm) -> (loss, grad_norm)
# ---------------------------------------------------------------------------------------------


# Mistake: no scaler.unscale_ before the clip: the threshold becomes c/S and the norm is S times
# too big.
@wrong(
    "check_amp_train_step",
    "unscale_",
    "unscale",
    "scaler.unscale_",
    "before clipping",
    "divide by the scale",
    "c/s",
)
def amp_r9_no_unscale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


# Mistake: unscale_ after the clip (clips the scaled gradient, i.e. at c/S).
@wrong(
    "check_amp_train_step",
    "unscale_",
    "order",
    "before clip",
    "unscale before clipping",
    "scaler.unscale_",
    "c/s",
)
def amp_r9_unscale_after_clip(model, loss_fn, optimizer, scaler, x, y, max_norm):
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


# Mistake: calls scaler.unscale_ twice in one step (RuntimeError: already been called).
@wrong(
    "check_amp_train_step",
    "unscale_ once",
    "twice",
    "already been called",
    "unscale_",
    "one unscale",
)
def amp_r9_unscale_twice(model, loss_fn, optimizer, scaler, x, y, max_norm):
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


# Mistake: calls scaler.update() twice (the second finds no inf checks and raises).
@wrong("check_amp_train_step", "scaler.update", "update once", "twice", "update()", "once per step")
def amp_r9_update_twice(model, loss_fn, optimizer, scaler, x, y, max_norm):
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    result = (loss.item(), grad_norm.item())
    scaler.update()  # "adapt S" once more before returning
    return result


# Mistake: uses the scaler (step + update) only on overflow; clean steps never call update().
@wrong(
    "check_amp_train_step",
    "scaler.update",
    "every step",
    "scaler.step",
    "update()",
    "always",
    "since the last update",
)
def amp_r9_scaler_only_on_overflow(model, loss_fn, optimizer, scaler, x, y, max_norm):
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isfinite(grad_norm):
        optimizer.step()
    else:
        scaler.step(optimizer)
        scaler.update()
    return loss.item(), grad_norm.item()


# Mistake: optimizer.step() instead of scaler.step(optimizer): overflowing steps are not skipped.
@wrong(
    "check_amp_train_step",
    "scaler.step",
    "skip",
    "overflow",
    "optimizer.step",
    "inf",
    "scaler.step(optimizer)",
)
def amp_r9_optimizer_step_direct(model, loss_fn, optimizer, scaler, x, y, max_norm):
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    scaler.update()
    return loss.item(), grad_norm.item()


# Mistake: creates a new GradScaler inside the function instead of using the one passed in.
@wrong(
    "check_amp_train_step",
    "scaler",
    "the scaler passed in",
    "new gradscaler",
    "state",
    "scale",
    "argument",
)
def amp_r9_new_scaler(model, loss_fn, optimizer, scaler, x, y, max_norm):
    gs = torch.amp.GradScaler("cpu")
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    gs.scale(loss).backward()
    gs.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    gs.step(optimizer)
    gs.update()
    return loss.item(), grad_norm.item()


# Mistake: no torch.autocast: the forward pass runs in float32.
@wrong(
    "check_amp_train_step",
    "autocast",
    "float16",
    "torch.autocast",
    "mixed precision",
    "forward pass",
)
def amp_r9_no_autocast(model, loss_fn, optimizer, scaler, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


# Mistake: autocasts to bfloat16 instead of float16.
@wrong("check_amp_train_step", "float16", "dtype", "bfloat16", "torch.float16", "half")
def amp_r9_bfloat16(model, loss_fn, optimizer, scaler, x, y, max_norm):
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


# Mistake: returns the scaled loss S * loss instead of the loss.
@wrong(
    "check_amp_train_step", "unscaled loss", "scaled loss", "loss.item()", "scaler.scale", "s times"
)
def amp_r9_scaled_loss_returned(model, loss_fn, optimizer, scaler, x, y, max_norm):
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


# Mistake: logs the norm measured before unscale_ (S times too big); the clip itself is right.
@wrong(
    "check_amp_train_step",
    "unscaled",
    "after unscale_",
    "norm of the unscaled gradient",
    "scaled norm",
    "grad_norm",
    "log",
)
def amp_r9_norm_before_unscale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    logged = torch.nn.utils.get_total_norm(
        [p.grad for p in model.parameters() if p.grad is not None]
    )
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), logged.item()


# Mistake: unscales by hand (divides by get_scale()) instead of unscale_, so scaler.step unscales
# a second time (gradient divided by S twice).
@wrong(
    "check_amp_train_step",
    "unscale_",
    "scaler.unscale_",
    "by hand",
    "get_scale",
    "twice",
    "divides again",
)
def amp_r9_hand_unscale(model, loss_fn, optimizer, scaler, x, y, max_norm):
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    s = scaler.get_scale()
    with torch.no_grad():
        for p in model.parameters():
            if p.grad is not None:
                p.grad.div_(s)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


# Mistake: divides the logged norm by the scale but clips the still-scaled gradient (at c/S).
@wrong(
    "check_amp_train_step",
    "unscale_",
    "before clipping",
    "c/s",
    "threshold",
    "scaler.unscale_",
    "clip the scaled gradient",
)
def amp_r9_norm_divided_clip_scaled(model, loss_fn, optimizer, scaler, x, y, max_norm):
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaled_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    grad_norm = scaled_norm / scaler.get_scale()
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()


# Correct: get_total_norm + clip_grads_with_norm_ after unscale_, model.zero_grad, device_type kw.
@right("check_amp_train_step")
def amp_r9_right_split_clip(model, loss_fn, optimizer, scaler, x, y, max_norm):
    model.zero_grad(set_to_none=True)
    with torch.autocast(device_type="cpu", dtype=torch.float16):
        prediction = model(x)
        loss = loss_fn(prediction, y)
    scaled = scaler.scale(loss)
    scaled.backward()
    scaler.unscale_(optimizer)
    params = [p for p in model.parameters() if p.grad is not None]
    norm = torch.nn.utils.get_total_norm([p.grad for p in params])
    torch.nn.utils.clip_grads_with_norm_(params, max_norm, norm)
    scaler.step(optimizer)
    scaler.update()
    return float(loss.detach()), norm.item()


# Correct: skips scaler.step itself when the norm is not finite (unscale_ already recorded the
# overflow, so update() still halves S); same result as letting scaler.step skip.
@right("check_amp_train_step")
def amp_r9_right_manual_skip(model, loss_fn, optimizer, scaler, x, y, max_norm):
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isfinite(grad_norm):
        scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()
