"""Sharded clipping with two real gloo processes (tutorial_utils.torch_impl.distributed).

With the process group the ranks clip exactly like torch clips the unsharded model; without it
each shard is clipped by its own, smaller norm, and the result is different.
"""

from __future__ import annotations

import math

import pytest
import torch

from tutorial_utils.reference import relative_error
from tutorial_utils.torch_impl.distributed import clip_sharded_demo

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not torch.distributed.is_available() or not torch.distributed.is_gloo_available(),
        reason="torch.distributed with the gloo backend is not available in this build",
    ),
    pytest.mark.timeout(300),
]

MAX_NORM = 1.0


def shards(seed: int = 0) -> list[list[torch.Tensor]]:
    gen = torch.Generator().manual_seed(seed)
    rank0 = [
        3 * torch.randn(4, 3, generator=gen, dtype=torch.float64),
        torch.randn(5, generator=gen, dtype=torch.float64),
    ]
    rank1 = [
        2 * torch.randn(2, 2, 2, generator=gen, dtype=torch.float64),
        torch.randn((), generator=gen, dtype=torch.float64),
    ]
    return [rank0, rank1]


def torch_clip_unsharded(grad_shards, norm_type):
    """torch.nn.utils.clip_grad_norm_ on the whole model: the independent expected value."""
    params = []
    for g in (g for shard in grad_shards for g in shard):
        p = torch.nn.Parameter(torch.zeros_like(g))
        p.grad = g.clone()
        params.append(p)
    total = torch.nn.utils.clip_grad_norm_(params, MAX_NORM, norm_type)
    return total.item(), [p.grad for p in params]


@pytest.mark.parametrize("norm_type", [2.0, math.inf])
def test_all_reduced_norm_equals_clipping_the_unsharded_model(norm_type):
    grad_shards = shards()
    expected_norm, expected_grads = torch_clip_unsharded(grad_shards, norm_type)
    results = clip_sharded_demo(grad_shards, MAX_NORM, norm_type, use_process_group=True)
    assert len(results) == 2
    for total_norm, _ in results:
        assert relative_error(total_norm, expected_norm) <= 1e-12
    got = [g for _, clipped in results for g in clipped]
    for g, e in zip(got, expected_grads, strict=True):
        assert relative_error(g.numpy(), e.numpy()) <= 1e-12


def test_clipping_each_shard_alone_is_wrong():
    grad_shards = shards()
    expected_norm, expected_grads = torch_clip_unsharded(grad_shards, 2.0)
    results = clip_sharded_demo(grad_shards, MAX_NORM, 2.0, use_process_group=False)
    for (total_norm, _clipped), shard in zip(results, grad_shards):
        local = torch.linalg.vector_norm(torch.cat([g.flatten() for g in shard])).item()
        assert relative_error(total_norm, local) <= 1e-12  # each rank saw only its own norm
        assert total_norm < expected_norm
    got = [g for _, clipped in results for g in clipped]
    assert max(relative_error(g.numpy(), e.numpy()) for g, e in zip(got, expected_grads)) > 0.1
    full = torch.linalg.vector_norm(torch.cat([g.flatten() for g in got])).item()
    assert full > MAX_NORM * 1.2  # the "clipped" model exceeds max_norm


def test_nan_on_one_rank_reaches_every_rank_with_the_inf_norm():
    """A MAX all-reduce can drop NaN (the result depends on the comparison order); ours cannot."""
    grad_shards = shards()
    grad_shards[1][0][0, 0, 0] = math.nan
    results = clip_sharded_demo(grad_shards, MAX_NORM, math.inf, use_process_group=True)
    assert all(math.isnan(total_norm) for total_norm, _ in results)


def test_demo_rejects_bad_input_before_spawning():
    with pytest.raises(ValueError, match="at least one shard"):
        clip_sharded_demo([], 1.0)
    with pytest.raises(TypeError, match=r"grad_shards\[0\]\[1\] must have a real floating"):
        clip_sharded_demo([[torch.ones(2), torch.ones(2, dtype=torch.int64)]], 1.0)
    with pytest.raises(ValueError, match="max_norm"):
        clip_sharded_demo([[torch.ones(2)]], -1.0)
