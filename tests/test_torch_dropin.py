"""torch_impl is a drop-in for torch.nn.utils and torch.optim: the same calls, positional or by
keyword, give the same results as torch's own functions (the independent reference here)."""

from __future__ import annotations

import math

import pytest
import torch

from tutorial_utils import torch_impl


def _params(seed: int = 0, dtype: torch.dtype = torch.float32) -> list[torch.nn.Parameter]:
    gen = torch.Generator().manual_seed(seed)
    shapes = [(3, 4), (5,), (2, 2, 3), ()]
    params = [torch.nn.Parameter(torch.randn(s, generator=gen, dtype=dtype)) for s in shapes]
    for p in params:
        p.grad = 3.0 * torch.randn(p.shape, generator=gen, dtype=dtype)
    return params


def _grads(params: list[torch.nn.Parameter]) -> list[torch.Tensor]:
    return [p.grad for p in params]


NORM_CALLS = [  # (args, kwargs) after the parameters, valid for both implementations
    ((1.0,), {}),
    ((1.0, 2.0, False, True), {}),  # torch's positional meaning: the fifth is foreach
    ((0.5, math.inf, False, False), {}),
    ((2.0,), {"norm_type": 1.0, "error_if_nonfinite": True, "foreach": None}),
    ((), {"max_norm": 0.3, "norm_type": 2.0, "foreach": False}),
]


@pytest.mark.parametrize(("args", "kwargs"), NORM_CALLS)
def test_clip_grad_norm_calls_match_torch(args, kwargs):
    ours, theirs = _params(), _params()
    n_ours = torch_impl.clip_grad_norm_(ours, *args, **kwargs)
    n_theirs = torch.nn.utils.clip_grad_norm_(theirs, *args, **kwargs)
    torch.testing.assert_close(n_ours, n_theirs, rtol=1e-6, atol=0)
    for a, b in zip(_grads(ours), _grads(theirs)):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=0)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((0.5,), {}),
        ((0.5, True), {}),
        ((0.5, False), {}),
        ((), {"clip_value": 1.0, "foreach": None}),
    ],
)
def test_clip_grad_value_calls_match_torch(args, kwargs):
    ours, theirs = _params(), _params()
    assert torch_impl.clip_grad_value_(ours, *args, **kwargs) is None
    torch.nn.utils.clip_grad_value_(theirs, *args, **kwargs)
    for a, b in zip(_grads(ours), _grads(theirs)):
        assert torch.equal(a, b)


def test_get_total_norm_and_clip_grads_with_norm_match_torch():
    ours, theirs = _params(1), _params(1)
    for args in [(), (1.0,), (math.inf, False, True)]:
        torch.testing.assert_close(
            torch_impl.get_total_norm(_grads(ours), *args),
            torch.nn.utils.get_total_norm(_grads(theirs), *args),
            rtol=1e-6,
            atol=0,
        )
    total = torch.nn.utils.get_total_norm(_grads(theirs))
    torch_impl.clip_grads_with_norm_(ours, 2.0, total.clone(), foreach=False)
    torch.nn.utils.clip_grads_with_norm_(theirs, max_norm=2.0, total_norm=total)
    for a, b in zip(_grads(ours), _grads(theirs)):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=0)


def test_process_group_is_keyword_only_and_checked():
    with pytest.raises(TypeError, match="process_group must be a torch.distributed.ProcessGroup"):
        torch_impl.clip_grad_norm_(_params(), 1.0, process_group=True)
    with pytest.raises(TypeError):  # a sixth positional argument, as in torch
        torch_impl.clip_grad_norm_(_params(), 1.0, 2.0, False, None, None)


def test_foreach_true_on_a_device_without_foreach_kernels_fails_as_in_torch():
    p = torch.nn.Parameter(torch.zeros(3, device="meta"))
    p.grad = torch.zeros(3, device="meta")
    with pytest.raises(RuntimeError, match="foreach=True"):
        torch.nn.utils.clip_grad_value_([p], 1.0, foreach=True)
    with pytest.raises(RuntimeError, match="foreach=True"):
        torch_impl.clip_grad_value_([p], 1.0, foreach=True)


ADAM_KWARGS = [
    {},
    {"foreach": True},
    {"foreach": False, "amsgrad": True},
    {"foreach": None, "capturable": False, "differentiable": False, "fused": None},
    {"fused": False, "maximize": True, "weight_decay": 0.1},
]


@pytest.mark.parametrize("cls", ["Adam", "AdamW"])
@pytest.mark.parametrize("kwargs", ADAM_KWARGS)
def test_adam_keywords_match_torch(cls, kwargs):
    ours, theirs = _params(2), _params(2)
    opt_ours = getattr(torch_impl, cls)(ours, 0.01, (0.8, 0.99), 1e-6, **kwargs)
    opt_theirs = getattr(torch.optim, cls)(theirs, 0.01, (0.8, 0.99), 1e-6, **kwargs)
    for _ in range(3):
        opt_ours.step()
        opt_theirs.step()
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("cls", ["Adam", "AdamW"])
@pytest.mark.parametrize(
    ("name", "value"), [("fused", True), ("capturable", True), ("differentiable", True)]
)
def test_adam_unsupported_options_name_torch_optim(cls, name, value):
    with pytest.raises(ValueError, match=rf"use torch\.optim\.{cls}\({name}=True\)"):
        getattr(torch_impl, cls)(_params(), **{name: value})
