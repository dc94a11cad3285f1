"""Property-based tests (hypothesis) of the clipping invariants, on the reference and on torch_impl.

Each property is a statement from the book: after global-norm (or per-tensor norm) clipping the
norm is at most max_norm; norm clipping keeps the direction; value clipping is idempotent; AGC
leaves units under the ratio untouched; one example moves the DP-SGD sum by at most 2C.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from tutorial_utils import reference as ref
from tutorial_utils.torch_impl import (
    adaptive_clip_grad_,
    clip_grad_norm_,
    clip_grad_value_,
    per_example_clip,
)

# The device fixture is a read-only parameter, safe to share between hypothesis examples.
SETTINGS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
shapes = array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
grad_lists = st.lists(arrays(np.float64, shapes, elements=finite), min_size=1, max_size=5)
thresholds = st.floats(0.0, 100.0)
norm_types = st.sampled_from([1.0, 2.0, math.inf])


def flat(arrays_: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.ravel(a) for a in arrays_])


def to_params(grads: list[np.ndarray], device) -> list[torch.nn.Parameter]:
    params = []
    for g in grads:
        p = torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64, device=device))
        p.grad = torch.tensor(g, dtype=torch.float64, device=device)
        params.append(p)
    return params


def from_params(params) -> list[np.ndarray]:
    return [p.grad.cpu().numpy() for p in params]


@SETTINGS
@given(grads=grad_lists, max_norm=thresholds, norm_type=norm_types)
def test_global_norm_after_clipping_is_at_most_max_norm(device, grads, max_norm, norm_type):
    clipped_ref, _ = ref.clip_by_global_norm(grads, max_norm, norm_type)
    params = to_params(grads, device)
    clip_grad_norm_(params, max_norm, norm_type)
    for clipped in (clipped_ref, from_params(params)):
        assert np.linalg.norm(flat(clipped), ord=norm_type) <= max_norm * (1 + 1e-6)


@SETTINGS
@given(grads=grad_lists, max_norm=st.floats(1e-3, 100.0), norm_type=norm_types)
def test_norm_clipping_keeps_the_direction(device, grads, max_norm, norm_type):
    before = flat(grads)
    if not np.any(before):
        return  # the zero vector has no direction
    clipped_ref, _ = ref.clip_by_global_norm(grads, max_norm, norm_type)
    params = to_params(grads, device)
    clip_grad_norm_(params, max_norm, norm_type)
    before = before / np.max(np.abs(before))  # rescaled so that squares cannot underflow
    for clipped in (clipped_ref, from_params(params)):
        after = flat(clipped)
        after = after / np.max(np.abs(after))
        cosine = before @ after / (np.linalg.norm(before) * np.linalg.norm(after))
        assert abs(cosine - 1.0) <= 1e-12


@SETTINGS
@given(grad=arrays(np.float64, shapes, elements=finite), max_norm=st.floats(1e-3, 100.0))
def test_per_tensor_norm_clipping_bounds_the_norm_and_keeps_the_direction(device, grad, max_norm):
    """ref.clip_by_norm, and clip_grad_norm_ given one tensor (the same formula)."""
    p = to_params([grad], device)[0]
    clip_grad_norm_(p, max_norm)
    for clipped in (ref.clip_by_norm(grad, max_norm), p.grad.cpu().numpy()):
        assert clipped.shape == grad.shape
        assert np.linalg.norm(np.ravel(clipped)) <= max_norm * (1 + 1e-6)
        if np.any(grad):  # the zero vector has no direction
            before, after = np.ravel(grad), np.ravel(clipped)
            before, after = before / np.max(np.abs(before)), after / np.max(np.abs(after))
            cosine = before @ after / (np.linalg.norm(before) * np.linalg.norm(after))
            assert abs(cosine - 1.0) <= 1e-12


@SETTINGS
@given(grads=grad_lists, clip_value=thresholds)
def test_value_clipping_is_idempotent_and_bounded(device, grads, clip_value):
    once = ref.clip_by_value(grads, clip_value)
    twice = ref.clip_by_value(once, clip_value)
    params = to_params(grads, device)
    clip_grad_value_(params, clip_value)
    torch_once = from_params(params)
    clip_grad_value_(params, clip_value)
    for a, b in [(once, twice), (torch_once, from_params(params)), (once, torch_once)]:
        np.testing.assert_array_equal(flat(a), flat(b))
    assert np.all(np.abs(flat(once)) <= clip_value)


@st.composite
def agc_problems(draw):
    shape = draw(array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4))
    grad = draw(arrays(np.float64, shape, elements=finite))
    weight = draw(arrays(np.float64, shape, elements=finite))
    return grad, weight, draw(st.floats(1e-3, 1.0))


@SETTINGS
@given(problem=agc_problems())
def test_agc_leaves_units_under_the_ratio_untouched(device, problem):
    grad, weight, lam = problem
    eps = 1e-3
    (clipped,) = ref.adaptive_clip([grad], [weight], lam, eps)
    p = torch.nn.Parameter(torch.tensor(weight, device=device))
    p.grad = torch.tensor(grad, device=device)
    adaptive_clip_grad_([p], lam, eps)
    units = [...] if grad.ndim <= 1 else range(grad.shape[0])
    for out in (clipped, p.grad.cpu().numpy()):
        for u in units:
            bound = lam * max(np.linalg.norm(weight[u]), eps)
            if np.linalg.norm(grad[u]) <= bound:
                np.testing.assert_array_equal(out[u], grad[u])
            else:  # clipped units land on the bound
                assert np.linalg.norm(out[u]) <= bound * (1 + 1e-12)
                tiny = np.linalg.norm(grad[u]) < 1e-6  # then the 1e-6 floor shrinks it further
                assert np.linalg.norm(out[u]) >= bound * (1 - 1e-12) or tiny


@st.composite
def neighbouring_batches(draw):
    batch = draw(st.integers(1, 6))
    shape = draw(array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=4))
    big = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
    grads = draw(arrays(np.float64, (batch, *shape), elements=big))
    replacement = draw(arrays(np.float64, shape, elements=big))
    index = draw(st.integers(0, batch - 1))
    neighbour = grads.copy()
    neighbour[index] = replacement
    return grads, neighbour, draw(st.floats(1e-3, 10.0))


@SETTINGS
@given(problem=neighbouring_batches())
def test_changing_one_example_moves_the_sum_by_at_most_2c(device, problem):
    grads, neighbour, c = problem
    batch = grads.shape[0]
    moved_ref = batch * (ref.per_example_clip(grads, c) - ref.per_example_clip(neighbour, c))
    a, b = (torch.tensor(x, device=device) for x in (grads, neighbour))
    moved_torch = batch * (per_example_clip(a, c) - per_example_clip(b, c)).cpu().numpy()
    for moved in (moved_ref, moved_torch):
        assert np.linalg.norm(np.ravel(moved)) <= 2 * c * (1 + 1e-9)
