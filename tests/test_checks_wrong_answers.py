"""Every checker accepts correct answers and rejects each mistake of its table with that mistake's
own hint; whatever a student's function returns or does, the checker reports, never crashes.

The mistakes themselves live once, in ``tutorial_utils.checks.MISTAKES`` (the checkers derive
their hints from the same table). Here: independent correct answers written differently from the
solutions, wrong answers that have no hint, and the runner's behaviour (unsolved stubs, errors,
hangs, odd return values, messages). A larger set of wrong answers written as students would,
with the measured rejection rate and hint accuracy, is in ``test_checks_students.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tutorial_utils import checks
from tutorial_utils.checks import _core
from tutorial_utils.reference import clipping as ref_clip
from tutorial_utils.reference.adam import AdamState, adam_step
from tutorial_utils.reference.gradcheck import numerical_gradient as ref_numgrad

CHECKERS = {name: getattr(checks, name) for name in checks.__all__}


# ------------------------------------------------------------------------------------------------
# Independent correct answers (two per checker)
# ------------------------------------------------------------------------------------------------


def numgrad_flat_loop(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.empty(x.size)
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h
        grad[i] = (f(x + e.reshape(x.shape)) - f(x - e.reshape(x.shape))) / (2 * h)
    return grad.reshape(x.shape)


def lin_einsum(x, W, b, G):
    return np.einsum("no,oi->ni", G, W), np.einsum("no,ni->oi", G, x), np.einsum("no->o", G)


def lin_autograd(x, W, b, G):
    xt, Wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
    (xt @ Wt.T + bt).backward(torch.tensor(G))
    return xt.grad.numpy(), Wt.grad.numpy(), bt.grad.numpy()


def norms_by_hand(weights, x, grad_output, activation):
    phi = {
        "linear": lambda a: (a, np.ones_like(a)),
        "tanh": lambda a: (np.tanh(a), 1 - np.tanh(a) ** 2),
        "relu": lambda a: (np.maximum(a, 0), np.heaviside(a, 0.0)),
    }[activation]
    ders, h = [], np.asarray(x, float)
    for W in weights:
        h, d = phi(W @ h)
        ders.append(d)
    g, out = np.asarray(grad_output, float), []
    for W, d in zip(weights[::-1], ders[::-1]):
        out.append(np.sqrt(g @ g))
        g = W.T @ (d * g)
    return np.array([np.sqrt(g @ g), *out[::-1]])


def norms_autograd(weights, x, grad_output, activation):
    f = {"linear": lambda a: a, "tanh": torch.tanh, "relu": torch.relu}[activation]
    h = torch.tensor(x, requires_grad=True)
    hs = [h]
    for W in weights:
        h = f(torch.tensor(W) @ h)
        h.retain_grad()
        hs.append(h)
    h.backward(torch.tensor(grad_output))
    return [float(t.grad.norm()) for t in hs]


def global_concat(grads, max_norm, norm_type=2.0):
    flat = np.concatenate([np.ravel(g) for g in grads])
    total = float(np.linalg.norm(flat, ord=norm_type)) if flat.size else 0.0
    return [np.asarray(g) * min(max_norm / (total + 1e-6), 1.0) for g in grads], total


def agc_rows(grads, params, clip_factor=0.01, eps=1e-3):
    out = []
    for g, w in zip(grads, params):
        rows_g = g.reshape(1, -1) if g.ndim <= 1 else g.reshape(g.shape[0], -1)
        rows_w = w.reshape(1, -1) if w.ndim <= 1 else w.reshape(w.shape[0], -1)
        new = rows_g.copy()
        for i in range(rows_g.shape[0]):
            gn, wn = np.linalg.norm(rows_g[i]), max(np.linalg.norm(rows_w[i]), eps)
            if gn > clip_factor * wn:
                new[i] = rows_g[i] * (clip_factor * wn / max(gn, 1e-6))
        out.append(new.reshape(g.shape))
    return out


def pe_loop(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    g = np.asarray(per_example_grads, float)
    total = np.zeros(g.shape[1:])
    for example in g:
        total = total + example * min(1.0, max_norm / (np.linalg.norm(example.ravel()) + 1e-6))
    if noise_multiplier > 0:
        total = total + rng.standard_normal(total.shape) * noise_multiplier * max_norm
    return total / len(g)


def adam_textbook(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return param - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


def adam_reference(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    p, s = adam_step(
        param, grad, AdamState(t - 1, m, v, np.zeros_like(m)), lr=lr, betas=(beta1, beta2), eps=eps
    )
    return p, s.m, s.v


def adam_torch(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Students who run torch.optim.Adam: the state is loaded, one step, tensors returned."""
    p = torch.tensor(param, requires_grad=True)
    opt = torch.optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps)
    opt.state[p] = {
        "step": torch.tensor(float(t - 1)),
        "exp_avg": torch.tensor(m),
        "exp_avg_sq": torch.tensor(v),
    }
    p.grad = torch.tensor(grad)
    opt.step()
    return p, opt.state[p]["exp_avg"], opt.state[p]["exp_avg_sq"]  # p still requires grad


def amsgrad_textbook(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    v_max = np.maximum(v_max, v)
    return param - lr * m / (1 - beta1**t) / (np.sqrt(v_max / (1 - beta2**t)) + eps), m, v, v_max


def amsgrad_reference(param, grad, m, v, v_max, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    p, s = adam_step(
        param,
        grad,
        AdamState(t - 1, m, v, v_max),
        lr=lr,
        betas=(beta1, beta2),
        eps=eps,
        amsgrad=True,
    )
    return p, s.m, s.v, s.v_max


def adamw_textbook(
    param,
    grad,
    m,
    v,
    t,
    lr=1e-3,
    beta1=0.9,
    beta2=0.999,
    eps=1e-8,
    weight_decay=1e-2,
    decoupled=True,
):
    if decoupled:
        param = param - lr * weight_decay * param
    else:
        grad = grad + weight_decay * param
    return adam_textbook(param, grad, m, v, t, lr, beta1, beta2, eps)


def adamw_reference(
    param,
    grad,
    m,
    v,
    t,
    lr=1e-3,
    beta1=0.9,
    beta2=0.999,
    eps=1e-8,
    weight_decay=1e-2,
    decoupled=True,
):
    p, s = adam_step(
        param,
        grad,
        AdamState(t - 1, m, v, np.zeros_like(m)),
        lr=lr,
        betas=(beta1, beta2),
        eps=eps,
        weight_decay=weight_decay,
        decoupled_weight_decay=decoupled,
    )
    return p, s.m, s.v


def train_reference(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), norm.item()


def train_by_hand(model, loss_fn, optimizer, x, y, max_norm):
    for p in model.parameters():
        p.grad = None
    loss = loss_fn(model(x), y)
    loss.backward()
    total = sum(float((p.grad**2).sum()) for p in model.parameters()) ** 0.5
    with torch.no_grad():
        for p in model.parameters():
            p.grad.mul_(min(max_norm / (total + 1e-6), 1.0))
    optimizer.step()
    return loss, torch.tensor(total, dtype=torch.float64)  # 0-d tensors (with grad) are fine


def safe_reference(model, loss_fn, optimizer, x, y, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isfinite(norm):
        optimizer.step()
        return loss.item(), norm.item(), True
    optimizer.zero_grad()
    return loss.item(), norm.item(), False


def safe_raising(model, loss_fn, optimizer, x, y, max_norm):
    model.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    try:
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm, error_if_nonfinite=True)
    except RuntimeError:
        norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])
        for p in model.parameters():
            p.grad = None
        return loss.detach(), norm, False
    optimizer.step()
    return loss.detach(), norm, True


def warmup_reference(model, loss_fn, optimizer, batches):
    norms = []
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), float("inf")).item())
        optimizer.step()
    return norms


def warmup_one_element_tensors(model, loss_fn, optimizer, batches):
    norms = []
    for x, y in batches:
        optimizer.zero_grad(set_to_none=False)
        loss_fn(model(x), y).backward()
        grads = [p.grad for p in model.parameters()]
        norms.append(torch.nn.utils.get_total_norm(grads).reshape(1))  # shape (1,): one number
        optimizer.step()
    return tuple(norms)


def amp_reference(model, loss_fn, optimizer, scaler, x, y, max_norm):
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), norm.item()


def amp_split_clip(model, loss_fn, optimizer, scaler, x, y, max_norm):
    model.zero_grad()
    with torch.autocast(device_type="cpu", dtype=torch.float16):
        out = model(x)
    loss = loss_fn(out.float(), y)  # the loss outside autocast, in float32
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    params = list(model.parameters())
    norm = torch.nn.utils.get_total_norm([p.grad for p in params])
    torch.nn.utils.clip_grads_with_norm_(params, max_norm, norm)
    scaler.step(optimizer)
    scaler.update()
    return loss, norm


CORRECT = {
    "check_numerical_gradient": [ref_numgrad, numgrad_flat_loop],
    "check_linear_backward": [lin_autograd, lin_einsum],
    "check_backprop_norms": [norms_autograd, norms_by_hand],
    "check_clip_by_value": [
        ref_clip.clip_by_value,
        lambda gs, c: [np.minimum(np.maximum(g, -c), c) for g in gs],
    ],
    "check_clip_by_norm": [
        ref_clip.clip_by_norm,
        lambda g, c: g * min(1.0, c / (np.sqrt((g**2).sum()) + 1e-6)),
    ],
    "check_clip_by_global_norm": [ref_clip.clip_by_global_norm, global_concat],
    "check_adaptive_clip": [ref_clip.adaptive_clip, agc_rows],
    "check_per_example_clip": [ref_clip.per_example_clip, pe_loop],
    "check_adam_step": [adam_reference, adam_textbook, adam_torch],
    "check_amsgrad_step": [amsgrad_reference, amsgrad_textbook],
    "check_adamw_step": [adamw_reference, adamw_textbook],
    "check_train_step": [train_reference, train_by_hand],
    "check_safe_step": [safe_reference, safe_raising],
    "check_warmup_norms": [warmup_reference, warmup_one_element_tensors],
    "check_amp_train_step": [amp_reference, amp_split_clip],
}


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        pytest.param(name, fn, id=f"{name}-{i}")
        for name, fns in CORRECT.items()
        for i, fn in enumerate(fns)
    ],
)
def test_correct_answers_are_accepted(name, answer, capsys):
    CHECKERS[name](answer)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "passed" in out  # exactly one success line


# ------------------------------------------------------------------------------------------------
# The mistake tables: each mistake rejected with its own hint
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "mistake"),
    [
        pytest.param(name, mistake, id=f"{name}-{i}")
        for name, table in checks.MISTAKES.items()
        for i, mistake in enumerate(table)
    ],
)
def test_each_mistake_is_rejected_with_its_own_hint(name, mistake):
    with pytest.raises(AssertionError) as info:
        CHECKERS[name](mistake.answer)
    assert f"Hint: {mistake.hint}" in str(info.value) or f"or: {mistake.hint}" in str(info.value)


def test_every_checker_has_a_table_of_at_least_five_mistakes():
    assert set(checks.MISTAKES) == set(checks.__all__)
    assert min(len(table) for table in checks.MISTAKES.values()) >= 5


def numgrad_float32(f, x, h=1e-5):
    x32 = np.asarray(x, dtype=np.float32)
    return numgrad_flat_loop(lambda z: np.float32(f(z.astype(np.float64))), x32, np.float32(h))


WITHOUT_HINT = [  # wrong answers the table does not name; they must still be rejected
    ("check_numerical_gradient", numgrad_float32, None),
    (
        "check_clip_by_value",
        lambda gs, c: [np.clip(g, -c, c).astype(np.float32) for g in gs],
        "float32",
    ),
    (
        "check_linear_backward",
        lambda x, W, b, G: tuple(a.astype(np.float32) for a in lin_einsum(x, W, b, G)),
        "float32",
    ),
    (
        "check_clip_by_norm",
        lambda g, c: g * min(c / (np.sqrt((g**2).sum()) + 1e-5), 1.0),
        "close but not equal",
    ),
    ("check_adam_step", lambda p, g, m, v, t, **kw: adam_textbook(p, g, m, v, t, **kw)[::-1], None),
]


@pytest.mark.parametrize(("name", "answer", "hint"), WITHOUT_HINT)
def test_wrong_answers_without_a_table_entry_are_rejected(name, answer, hint):
    with pytest.raises(AssertionError) as info:
        CHECKERS[name](answer)
    assert hint is None or hint in str(info.value), str(info.value)


# ------------------------------------------------------------------------------------------------
# The runner: stubs, errors, hangs, odd return values
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CHECKERS))
def test_not_implemented_propagates(name):
    def stub(*args, **kwargs):
        raise NotImplementedError("Task: implement me")

    with pytest.raises(NotImplementedError, match="implement me"):
        CHECKERS[name](stub)


ODD_RESULTS = [
    None,
    3.0,
    "text",
    [1.0, 2.0],
    (),
    np.array([np.nan]),
    {"a": 1},
    [None],
    torch.ones(3, requires_grad=True),
    (x for x in range(3)),
]


@pytest.mark.parametrize("name", list(CHECKERS))
@pytest.mark.parametrize("result", ODD_RESULTS, ids=[type(r).__name__ for r in ODD_RESULTS])
def test_any_return_value_gives_a_report_naming_the_case(name, result):
    with pytest.raises(AssertionError, match=rf"^{name}: case '.+': "):
        CHECKERS[name](lambda *args, **kwargs: result)


def test_other_errors_become_assertion_errors_naming_the_case():
    def broken(grads, clip_value):
        raise KeyError("oops")

    with pytest.raises(AssertionError, match=r"case '.*': your function raised KeyError"):
        checks.check_clip_by_value(broken)


# The checker's guard uses SIGALRM and steps aside when another alarm is set (pytest-timeout's
# default method): give this test pytest-timeout's thread method, so the guard is what stops it.
@pytest.mark.timeout(60, method="thread")
def test_a_hanging_function_is_stopped(monkeypatch):
    monkeypatch.setattr(_core, "TIME_LIMIT", 0.2)

    def hangs(grad, max_norm):
        while True:
            pass

    with pytest.raises(AssertionError, match=r"did not return within 0.2 s and was stopped"):
        checks.check_clip_by_norm(hangs)


def test_messages_show_expected_and_got_without_reference_source():
    with pytest.raises(AssertionError) as info:
        checks.check_adam_step(checks.MISTAKES["check_adam_step"][0].answer)
    message = str(info.value)
    assert "step 1, default hyperparameters" in message
    assert "expected" in message and "got" in message
    assert "def " not in message and "return" not in message.split("Hint:")[0]


def test_update_hint_is_not_repeated_for_the_parameters():
    """A mistake seen in the update (new_param - param) is reported once, as the update's ratio."""

    def eps_added_to_param(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        return param - lr * m_hat / np.sqrt(v_hat) + eps, m, v  # precedence slip

    with pytest.raises(AssertionError) as info:
        checks.check_adam_step(eps_added_to_param)
    message = str(info.value)
    assert "your update (new_param - param) is close but not equal" in message
    assert message.count("close but not equal") == 1, message


def test_scalar_results_get_a_hint_not_a_ratio():
    """For a single number "1.67x too small" says nothing that expected/got do not."""

    def scaled_norm(grads, max_norm, norm_type=2.0):
        clipped, total = global_concat(grads, max_norm, norm_type)
        return clipped, 0.6 * total

    with pytest.raises(AssertionError) as info:
        checks.check_clip_by_global_norm(scaled_norm)
    message = str(info.value)
    assert "too small" not in message and "before clipping" in message, message


def test_in_place_message_names_the_modified_state_input():
    """m, v and v_max are distinct arrays: modifying v is reported as v, not as m."""

    def v_in_place(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        v *= beta2
        v += (1 - beta2) * grad * grad
        return adam_textbook(
            param, grad, m, v / beta2 - (1 - beta2) / beta2 * grad**2, t, lr, beta1, beta2, eps
        )

    with pytest.raises(AssertionError, match=r"modified its input v in place"):
        checks.check_adam_step(v_in_place)


def test_value_clipping_at_the_bound_is_checked():
    """A case has elements exactly at -c and c (an answer wrong only there is caught)."""

    def wrong_at_bound(grads, c):
        return [np.where(np.abs(g) == c, 0.0, np.clip(g, -c, c)) for g in grads]

    with pytest.raises(AssertionError, match="exactly at -c and c"):
        checks.check_clip_by_value(wrong_at_bound)


# ------------------------------------------------------------------------------------------------
# The caller's state: grad mode, default dtype and random generators
# ------------------------------------------------------------------------------------------------


def test_correct_answers_pass_under_no_grad_and_a_float64_default(capsys):
    default = torch.get_default_dtype()
    try:
        torch.set_default_dtype(torch.float64)
        with torch.no_grad():
            for name in ("check_train_step", "check_safe_step", "check_linear_backward"):
                CHECKERS[name](CORRECT[name][0])
    finally:
        torch.set_default_dtype(default)
    assert capsys.readouterr().out.count("passed") == 3


def test_checkers_leave_the_callers_random_generators_alone():
    def clip_sum(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
        return ref_clip.per_example_clip(per_example_grads, max_norm, noise_multiplier, rng) * 2

    torch.manual_seed(123)
    np.random.seed(123)
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()
    CHECKERS["check_train_step"](train_reference)
    with pytest.raises(AssertionError):
        CHECKERS["check_per_example_clip"](clip_sum)  # runs every mistake, one draws np.random
    assert torch.equal(torch.get_rng_state(), torch_state)
    after = np.random.get_state()
    assert after[0] == numpy_state[0] and np.array_equal(after[1], numpy_state[1])


def test_a_failing_reference_is_the_checkers_error_not_the_students():
    def broken(x):
        raise ValueError("reference bug")

    spec = _core.Spec("check_demo", [_core.Case("one", (np.ones(2),))], "result", ("x",),
                      reference=broken)  # fmt: skip
    with pytest.raises(_core.CheckerError, match="not your mistake"):
        _core.run(spec, lambda x: x)


def test_an_unsolved_part_met_during_the_diagnosis_is_not_a_traceback():
    def half_done(grad, max_norm):
        if np.ndim(grad) == 0:
            raise NotImplementedError  # the 0-d case is left for later
        return grad * min(max_norm / float(np.sqrt(np.sum(grad * grad))), 1.0)  # no 1e-6

    with pytest.raises(AssertionError, match="case '"):
        CHECKERS["check_clip_by_norm"](half_done)
