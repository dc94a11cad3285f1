"""tutorial_utils.torch_impl clipping against torch.nn.utils (fp32) and the NumPy reference (fp64).

Parity targets: torch's clip_grad_norm_ / clip_grad_value_ (<= 1e-6 relative in float32,
returned norm and resulting gradients), the reference functions (<= 1e-12 in float64), and
independent per-unit / per-example loops written here for AGC and DP clipping.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from tutorial_utils import reference as ref
from tutorial_utils.reference import relative_error
from tutorial_utils.torch_impl import (
    adaptive_clip_grad_,
    clip_grad_norm_,
    clip_grad_value_,
    per_example_clip,
)

# 0-d, size-0 and several ranks; torch's inf-norm raises on size-0 tensors, hence NONEMPTY.
SHAPES = [(), (0,), (7,), (4, 5), (2, 0, 3), (3, 2, 2, 2), (1, 1)]
NONEMPTY = [s for s in SHAPES if math.prod(s) > 0]
NORM_TYPES = [1.0, 2.0, math.inf]
FP32_TOL = 1e-6
FP64_TOL = 1e-12


def make_params(shapes, dtype, device, seed, scale=1.0, without_grad=()):
    """Parameters with random values and gradients (``None`` at the indices ``without_grad``)."""
    gen = torch.Generator().manual_seed(seed)
    params = []
    for i, shape in enumerate(shapes):
        p = torch.nn.Parameter(torch.randn(shape, generator=gen, dtype=dtype).to(device))
        g = scale * torch.randn(shape, generator=gen, dtype=dtype)
        if i not in without_grad:
            p.grad = g.to(device)
        params.append(p)
    return params


def clone_params(params):
    clones = []
    for p in params:
        q = torch.nn.Parameter(p.detach().clone())
        q.grad = None if p.grad is None else p.grad.clone()
        clones.append(q)
    return clones


def grads_np(params):
    return [p.grad.double().cpu().numpy().copy() for p in params if p.grad is not None]


def max_rel_error(a_list, b_list):
    assert len(a_list) == len(b_list)
    return max((relative_error(a, b) for a, b in zip(a_list, b_list)), default=0.0)


# ---------------------------------------------------------------------------------------------
# clip_grad_norm_ versus torch.nn.utils.clip_grad_norm_ (float32)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("dtype", "tol"), [(torch.float32, FP32_TOL), (torch.float64, FP64_TOL)])
@pytest.mark.parametrize("norm_type", NORM_TYPES)
@pytest.mark.parametrize("max_norm", [0.3, 1e4])  # clips / does not clip
def test_clip_grad_norm_matches_torch(device, dtype, tol, norm_type, max_norm):
    shapes = NONEMPTY if norm_type == math.inf else SHAPES
    ours = make_params(shapes, dtype, device, seed=1, scale=3.0, without_grad=(2,))
    theirs = clone_params(ours)
    n_ours = clip_grad_norm_(ours, max_norm, norm_type)
    n_theirs = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type, foreach=True)
    assert n_ours.dtype == n_theirs.dtype and n_ours.device == n_theirs.device
    assert relative_error(n_ours.cpu().numpy(), n_theirs.cpu().numpy()) <= tol
    assert max_rel_error(grads_np(ours), grads_np(theirs)) <= tol
    assert ours[2].grad is None


def test_clip_grad_norm_returns_norm_before_clipping(device):
    params = make_params([(10,), (3, 3)], torch.float64, device, seed=2, scale=5.0)
    flat = torch.cat([p.grad.flatten() for p in params])
    expected = torch.linalg.vector_norm(flat).item()  # independent: norm of the concatenation
    total = clip_grad_norm_(params, 1.0)
    assert total.item() == pytest.approx(expected, rel=1e-14)
    clipped = torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in params])).item()
    assert clipped == pytest.approx(1.0 * expected / (expected + 1e-6), rel=1e-14)


def test_mixed_dtypes_match_torch(device):
    """Each (device, dtype) group is reduced and scaled in its own dtype, as torch does."""
    ours = (
        make_params([(5, 4)], torch.float32, device, seed=3, scale=2.0)
        + make_params([(6,)], torch.float64, device, seed=4, scale=2.0)
        + make_params([(3, 3)], torch.bfloat16, device, seed=5, scale=2.0)
    )
    theirs = clone_params(ours)
    n_ours = clip_grad_norm_(ours, 0.5)
    n_theirs = torch.nn.utils.clip_grad_norm_(theirs, 0.5)
    assert n_ours.dtype == n_theirs.dtype
    assert torch.equal(n_ours, n_theirs)
    for a, b in zip(ours, theirs):
        assert a.grad.dtype == b.grad.dtype
        assert torch.equal(a.grad, b.grad)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_gradients_on_cpu_and_cuda_match_torch():
    """Mixed devices are supported as in torch: each device's group is reduced and scaled on
    its own device; the norm is gathered on (and returned on) the first gradient's device."""
    ours = make_params([(4, 3)], torch.float32, "cuda", seed=40, scale=2.0) + make_params(
        [(5,), (2, 2)], torch.float32, "cpu", seed=41, scale=2.0
    )
    theirs = clone_params(ours)
    n_ours = clip_grad_norm_(ours, 0.5)
    n_theirs = torch.nn.utils.clip_grad_norm_(theirs, 0.5)
    assert n_ours.device == n_theirs.device == ours[0].grad.device
    assert torch.equal(n_ours, n_theirs)
    for a, b in zip(ours, theirs):
        assert a.grad.device == b.grad.device and torch.equal(a.grad, b.grad)


def test_single_tensor_and_empty_inputs_match_torch(device):
    ours = make_params([(4, 3)], torch.float32, device, seed=6, scale=4.0)[0]
    theirs = clone_params([ours])[0]
    assert torch.equal(clip_grad_norm_(ours, 1.0), torch.nn.utils.clip_grad_norm_(theirs, 1.0))
    assert torch.equal(ours.grad, theirs.grad)
    # No gradients at all: torch returns tensor(0.) on the CPU.
    assert torch.equal(clip_grad_norm_([], 1.0), torch.nn.utils.clip_grad_norm_([], 1.0))
    no_grad = make_params([(3,)], torch.float32, device, seed=7, without_grad=(0,))
    assert clip_grad_norm_(no_grad, 1.0).item() == 0.0


def test_empty_generator_warns_like_torch():
    with pytest.warns(UserWarning, match="empty generator"):
        torch.nn.utils.clip_grad_norm_((p for p in []), 1.0)
    with pytest.warns(UserWarning, match="empty generator"):
        clip_grad_norm_((p for p in []), 1.0)


def test_inf_norm_of_empty_tensors_is_zero(device):
    """torch raises for the inf-norm of a size-0 tensor; we treat it as 0 (it has no elements)."""
    with_empty = make_params(SHAPES, torch.float32, device, seed=8, scale=3.0)
    nonempty = [clone_params([p])[0] for p in with_empty if p.numel() > 0]
    with pytest.raises(RuntimeError):  # the torch behaviour we deviate from
        torch.nn.utils.clip_grad_norm_(clone_params(with_empty), 1.0, math.inf)
    n_ours = clip_grad_norm_(with_empty, 1.0, math.inf)
    n_theirs = torch.nn.utils.clip_grad_norm_(nonempty, 1.0, math.inf)
    assert torch.equal(n_ours, n_theirs)
    assert max_rel_error(grads_np([p for p in with_empty if p.numel()]), grads_np(nonempty)) == 0
    only_empty = make_params([(0,), (2, 0)], torch.float32, device, seed=9)
    assert clip_grad_norm_(only_empty, 1.0, math.inf).item() == 0.0


# ---------------------------------------------------------------------------------------------
# Non-finite gradients: identical to torch when error_if_nonfinite=False
# ---------------------------------------------------------------------------------------------

NONFINITE_CASES = {
    "nan": [[1.0, math.nan, -2.0], [3.0, 4.0]],
    "inf": [[1.0, math.inf, -2.0], [3.0, 4.0]],
    "overflow": [[1e30, -1e30, 2.0], [3.0, 4.0]],  # finite, but the fp32 norm overflows
}


@pytest.mark.parametrize("case", sorted(NONFINITE_CASES))
@pytest.mark.parametrize("norm_type", NORM_TYPES)
def test_nonfinite_behaviour_matches_torch(device, case, norm_type):
    def build():
        params = []
        for values in NONFINITE_CASES[case]:
            p = torch.nn.Parameter(torch.zeros(len(values), device=device))
            p.grad = torch.tensor(values, dtype=torch.float32, device=device)
            params.append(p)
        return params

    ours, theirs = build(), build()
    n_ours = clip_grad_norm_(ours, 1.0, norm_type)
    n_theirs = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type)
    torch.testing.assert_close(n_ours, n_theirs, equal_nan=True, rtol=0, atol=0)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a.grad, b.grad, equal_nan=True, rtol=0, atol=0)


@pytest.mark.parametrize(
    ("value", "word"),
    [(math.nan, "gradients is NaN"), (math.inf, "gradients is inf"), (1e30, "gradients is inf")],
)
def test_error_if_nonfinite_raises_naming_the_problem(device, value, word):
    p = torch.nn.Parameter(torch.zeros(3, device=device))
    p.grad = torch.tensor([value, -value, 1.0], device=device)
    before = p.grad.clone()
    with pytest.raises(RuntimeError, match=word):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    torch.testing.assert_close(p.grad, before, equal_nan=True)  # nothing was scaled


# ---------------------------------------------------------------------------------------------
# clip_grad_value_
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("clip_value", [0.0, 0.7, 1e4])
def test_clip_grad_value_matches_torch(device, clip_value):
    ours = make_params(SHAPES, torch.float32, device, seed=10, scale=2.0, without_grad=(3,))
    ours[2].grad[:3] = torch.tensor([math.nan, math.inf, -math.inf])
    theirs = clone_params(ours)
    assert clip_grad_value_(ours, clip_value) is None
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for a, b in zip(ours, theirs):
        if a.grad is None:
            assert b.grad is None
            continue
        torch.testing.assert_close(a.grad, b.grad, equal_nan=True, rtol=0, atol=0)


# ---------------------------------------------------------------------------------------------
# torch_impl versus the NumPy reference (float64)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("norm_type", NORM_TYPES)
@pytest.mark.parametrize("max_norm", [0.0, 0.3, 1e4])
def test_clip_grad_norm_matches_reference_fp64(device, norm_type, max_norm):
    params = make_params(SHAPES, torch.float64, device, seed=11, scale=3.0)
    grads = grads_np(params)
    expected, expected_norm = ref.clip_by_global_norm(grads, max_norm, norm_type)
    total = clip_grad_norm_(params, max_norm, norm_type)
    assert relative_error(total.item(), expected_norm) <= FP64_TOL
    assert max_rel_error(grads_np(params), expected) <= FP64_TOL


def test_clip_grad_norm_single_tensor_matches_clip_by_norm(device):
    for seed, scale in [(12, 0.01), (13, 10.0)]:
        p = make_params([(6, 5)], torch.float64, device, seed=seed, scale=scale)[0]
        expected = ref.clip_by_norm(p.grad.cpu().numpy(), 1.0)
        clip_grad_norm_(p, 1.0)
        assert relative_error(p.grad.cpu().numpy(), expected) <= FP64_TOL


def test_clip_grad_value_matches_reference_fp64(device):
    params = make_params(SHAPES, torch.float64, device, seed=14, scale=2.0)
    expected = ref.clip_by_value(grads_np(params), 0.5)
    clip_grad_value_(params, 0.5)
    assert max_rel_error(grads_np(params), expected) <= FP64_TOL


# ---------------------------------------------------------------------------------------------
# Adaptive gradient clipping
# ---------------------------------------------------------------------------------------------

AGC_SHAPES = [(), (0,), (5,), (6, 4), (4, 3, 3, 3), (3, 0), (0, 4)]


def agc_params(device, seed=20):
    """Weights and gradients whose per-unit ratios straddle lambda = 0.05."""
    params = make_params(AGC_SHAPES, torch.float64, device, seed=seed)
    gen = torch.Generator().manual_seed(seed + 1)
    for p in params:
        if p.ndim > 1:  # per-unit scales from 1e-3 to 1: some units are clipped, some are not
            unit_scale = torch.logspace(-3, 0, p.shape[0], dtype=torch.float64)
            p.grad.mul_(unit_scale.view(-1, *([1] * (p.ndim - 1))).to(device))
        else:
            p.grad.mul_(float(torch.rand((), generator=gen)) * 0.1)
    return params


def agc_by_hand(grad: np.ndarray, weight: np.ndarray, lam: float, eps: float) -> np.ndarray:
    """Independent AGC: a Python loop over output units with an explicit if."""
    out = np.array(grad, dtype=np.float64)
    units = [...] if grad.ndim <= 1 else list(range(grad.shape[0]))
    for unit in units:
        g_norm = math.sqrt(float(np.sum(grad[unit] ** 2)))
        w_norm = math.sqrt(float(np.sum(weight[unit] ** 2)))
        bound = lam * max(w_norm, eps)
        if g_norm > bound:
            out[unit] = grad[unit] * (bound / max(g_norm, 1e-6))
    return out


def test_adaptive_clip_matches_reference_and_hand_loop(device):
    lam, eps = 0.05, 1e-3
    params = agc_params(device)
    grads, weights = grads_np(params), [p.detach().cpu().numpy() for p in params]
    expected_ref = ref.adaptive_clip(grads, weights, lam, eps)
    expected_hand = [agc_by_hand(g, w, lam, eps) for g, w in zip(grads, weights)]
    adaptive_clip_grad_(params, lam, eps)
    got = grads_np(params)
    assert max_rel_error(got, expected_ref) <= FP64_TOL
    assert max_rel_error(got, expected_hand) <= FP64_TOL
    changed = [not np.array_equal(a, b) for a, b in zip(got, grads)]
    assert any(changed) and not all(changed)  # the problem exercises both branches


def test_adaptive_clip_uses_output_first_units(device):
    """Only row 0 of a Linear weight (out=3, in=4) has a large gradient: only row 0 changes."""
    p = torch.nn.Parameter(torch.ones(3, 4, dtype=torch.float64, device=device))
    p.grad = torch.full((3, 4), 1e-3, dtype=torch.float64, device=device)
    p.grad[0] = 10.0
    before = p.grad.clone()
    adaptive_clip_grad_([p], clip_factor=0.01)
    assert torch.equal(p.grad[1:], before[1:])
    # row norm of W is 2, so the clipped row has norm 0.01 * 2
    assert torch.linalg.vector_norm(p.grad[0]).item() == pytest.approx(0.02, rel=1e-12)


# ---------------------------------------------------------------------------------------------
# Per-example clipping (DP-SGD)
# ---------------------------------------------------------------------------------------------

PER_EXAMPLE_SHAPES = [(1,), (6,), (6, 5), (4, 3, 2), (5, 0), (1, 1, 1)]


@pytest.mark.parametrize("shape", PER_EXAMPLE_SHAPES)
def test_per_example_clip_matches_reference_and_hand_loop(device, shape):
    gen = torch.Generator().manual_seed(30)
    g = torch.randn(shape, generator=gen, dtype=torch.float64)
    g = g * torch.logspace(-2, 1, shape[0], dtype=torch.float64).view(-1, *([1] * (g.ndim - 1)))
    g = g.to(device)
    before = g.clone()
    got = per_example_clip(g, 1.0).cpu().numpy()
    assert torch.equal(g, before)  # the input is not modified
    expected_ref = ref.per_example_clip(before.cpu().numpy(), 1.0)
    total = np.zeros(shape[1:])
    for example in before.cpu().numpy():  # independent loop over examples
        norm = math.sqrt(float(np.sum(example**2)))
        total += example * min(1.0, 1.0 / (norm + 1e-6))
    assert got.shape == shape[1:]
    assert relative_error(got, expected_ref) <= FP64_TOL
    assert relative_error(got, total / shape[0]) <= FP64_TOL


def test_per_example_noise_statistics_and_reproducibility(device):
    """Noise N(0, sigma^2 C^2) is added to the sum, before dividing by B."""
    batch, dim, c, sigma = 4, 20_000, 0.5, 2.0
    zeros = torch.zeros(batch, dim, dtype=torch.float64, device=device)
    gen = torch.Generator(device=device).manual_seed(0)
    out = per_example_clip(zeros, c, sigma, generator=gen)
    assert abs(out.mean().item()) < 4 * sigma * c / batch / math.sqrt(dim)
    assert out.std().item() == pytest.approx(sigma * c / batch, rel=0.03)
    torch.manual_seed(1)
    first = per_example_clip(zeros, c, sigma)
    torch.manual_seed(1)
    assert torch.equal(first, per_example_clip(zeros, c, sigma))  # global generator is seeded


# ---------------------------------------------------------------------------------------------
# Bad input: one test per error
# ---------------------------------------------------------------------------------------------


def one_param(device, dtype=torch.float32):
    p = torch.nn.Parameter(torch.ones(3, device=device, dtype=dtype))
    p.grad = torch.ones(3, device=device, dtype=dtype)
    return p


def test_torch_flips_signs_for_negative_max_norm_but_we_raise(device):
    p = one_param(device)
    torch.nn.utils.clip_grad_norm_([p], -1.0)  # the silent torch behaviour our docstring cites
    assert torch.all(p.grad < 0)
    with pytest.raises(ValueError, match="max_norm must be non-negative"):
        clip_grad_norm_([one_param(device)], -1.0)


def test_nan_max_norm_raises(device):
    with pytest.raises(ValueError, match="max_norm must not be NaN"):
        clip_grad_norm_([one_param(device)], math.nan)


@pytest.mark.parametrize("clip_value", [-0.5, math.nan])
def test_bad_clip_value_raises(device, clip_value):
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value_([one_param(device)], clip_value)


@pytest.mark.parametrize("norm_type", [0, 3, -1, "fro"])
def test_unsupported_norm_type_raises(device, norm_type):
    with pytest.raises(ValueError, match="norm_type must be 1, 2 or inf"):
        clip_grad_norm_([one_param(device)], 1.0, norm_type)


@pytest.mark.parametrize("dtype", [torch.int64, torch.complex64])
@pytest.mark.parametrize("fn", [clip_grad_norm_, clip_grad_value_, adaptive_clip_grad_])
def test_non_floating_gradient_raises_naming_the_parameter(device, fn, dtype):
    params = [one_param(device), torch.ones(2, device=device, dtype=dtype)]
    params[1].grad = torch.ones(2, device=device, dtype=dtype)
    args = () if fn is adaptive_clip_grad_ else (1.0,)
    with pytest.raises(TypeError, match=r"parameters\[1\]\.grad must have a real floating"):
        fn(params, *args)


def test_meta_gradients_mixed_with_real_ones_raise():
    real, meta = one_param("cpu"), torch.nn.Parameter(torch.ones(3, device="meta"))
    meta.grad = torch.ones(3, device="meta")
    with pytest.raises(NotImplementedError):  # torch fails deep inside
        torch.nn.utils.clip_grad_norm_([real, meta], 1.0)
    with pytest.raises(ValueError, match="meta"):
        clip_grad_norm_([real, meta], 1.0)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("clip_factor", {"clip_factor": -1.0}),
        ("clip_factor", {"clip_factor": math.nan}),
        ("eps", {"eps": -1e-3}),
    ],
)
def test_bad_agc_arguments_raise(device, name, kwargs):
    with pytest.raises(ValueError, match=name):
        adaptive_clip_grad_([one_param(device)], **kwargs)


@pytest.mark.parametrize(
    ("name", "args"),
    [("max_norm", (-1.0,)), ("max_norm", (math.nan,)), ("noise_multiplier", (1.0, -0.1))],
)
def test_bad_per_example_arguments_raise(device, name, args):
    with pytest.raises(ValueError, match=name):
        per_example_clip(torch.ones(2, 3, device=device), *args)


@pytest.mark.parametrize("shape", [(0, 3), ()])
def test_empty_per_example_batch_raises(device, shape):
    with pytest.raises(ValueError, match="at least one example"):
        per_example_clip(torch.ones(shape, device=device), 1.0)


def test_integer_per_example_grads_raise(device):
    with pytest.raises(TypeError, match="per_example_grads must have a real floating"):
        per_example_clip(torch.ones(2, 3, dtype=torch.int32, device=device), 1.0)
