"""Property tests (hypothesis) of the Adam step: NumPy reference and torch implementation."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from tutorial_utils.reference import AdamState, adam_init, adam_step
from tutorial_utils.torch_impl import Adam

SETTINGS = settings(max_examples=50, deadline=None)

shapes = array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
#: Zero or not so tiny that g * g underflows.
gradients = finite.filter(lambda x: x == 0.0 or abs(x) > 1e-100)
lrs = st.floats(1e-4, 1.0)
betas = st.tuples(st.floats(0.0, 0.99), st.floats(0.0, 0.9999))


@st.composite
def same_shape_arrays(draw, count, elements=finite, shape=None):
    shape = draw(shapes) if shape is None else shape
    return [draw(arrays(np.float64, shape, elements=elements)) for _ in range(count)]


def magnitudes(low: float, high: float) -> st.SearchStrategy[float]:
    """Non-zero floats with ``low <= |x| <= high``."""
    return st.builds(lambda m, s: s * m, st.floats(low, high), st.sampled_from([-1.0, 1.0]))


def torch_adam_step(theta, grad, **options) -> np.ndarray:
    """One float64 step of ``tutorial_utils.torch_impl.Adam`` from a fresh state."""
    p = torch.tensor(theta, requires_grad=True)
    p.grad = torch.tensor(grad)
    Adam([p], **options).step()
    return p.detach().numpy()


@SETTINGS
@given(
    data=same_shape_arrays(2, elements=gradients),
    lr=lrs,
    betas=betas,
    eps=st.floats(0.0, 1e-3),
    amsgrad=st.booleans(),
    maximize=st.booleans(),
)
def test_first_step_moves_each_coordinate_by_lr_times_g_over_abs_g_plus_eps(
    data, lr, betas, eps, amsgrad, maximize
):
    r"""At t = 1, m_hat = g and sqrt(v_hat) = |g|, so Delta = -lr * g / (|g| + eps): at most lr,
    and ~lr wherever |g| >> eps, whatever the scale of the gradient."""
    theta, g = data
    if eps == 0.0:
        g = np.where(g == 0.0, 1.0, g)  # 0/0 is NaN with eps = 0 (see the notes)
    options = dict(lr=lr, betas=betas, eps=eps, amsgrad=amsgrad, maximize=maximize)
    sign = -1.0 if maximize else 1.0
    expected = -sign * lr * g / (np.abs(g) + eps)

    new_theta, _ = adam_step(theta, g, adam_init(theta), **options)
    for delta in (new_theta - theta, torch_adam_step(theta, g, **options) - theta):
        # The update is exact to a few ulps of the update itself; subtracting theta loses up
        # to one ulp of theta.
        slack = 4e-16 * (np.abs(theta) + 1)
        assert np.all(np.abs(delta - expected) <= 1e-12 * np.abs(expected) + slack)
        assert np.all(np.abs(delta) <= lr * (1 + 1e-12) + slack)


@SETTINGS
@given(
    data=st.integers(1, 6).flatmap(
        lambda steps: same_shape_arrays(steps + 1, elements=magnitudes(0.1, 10.0))
    ),
    c=st.floats(1e-2, 1e2),
    lr=lrs,
    betas=betas,
    amsgrad=st.booleans(),
)
def test_rescaling_the_gradient_barely_changes_the_trajectory(data, c, lr, betas, amsgrad):
    r"""Adam is invariant to g -> c g (c > 0) up to eps.

    Bias-corrected moments are weighted averages with weights summing to 1, so
    |m_hat| <= G := max|g| and sqrt(v_hat) >= g_min := min|g| (also for AMSGrad's maximum).
    The step lr * m_hat / (s + eps) versus lr * m_hat / (s + eps / c) then differs by at most
    lr * G * eps * |1 - 1/c| / g_min^2 per step, summed over the steps.
    """
    theta0, *grads = data
    eps = 1e-8
    options = dict(lr=lr, betas=betas, eps=eps, amsgrad=amsgrad)
    a, state_a = theta0, adam_init(theta0)
    b, state_b = theta0, adam_init(theta0)
    for g in grads:
        a, state_a = adam_step(a, g, state_a, **options)
        b, state_b = adam_step(b, c * g, state_b, **options)
    # The same two trajectories with tutorial_utils.torch_impl.Adam (float64).
    p, q = (torch.tensor(theta0, requires_grad=True) for _ in range(2))
    opt_p, opt_q = Adam([p], **options), Adam([q], **options)
    for g in grads:
        p.grad, q.grad = torch.tensor(g), torch.tensor(c * g)
        opt_p.step()
        opt_q.step()
    magnitudes_ = np.abs(np.stack(grads)) if theta0.size else np.ones(1)
    bound = len(grads) * lr * magnitudes_.max() * eps * abs(1 - 1 / c) / magnitudes_.min() ** 2
    rounding = 1e-13 * len(grads) * (np.abs(theta0) + lr * len(grads))
    for x, y in ((a, b), (p.detach().numpy(), q.detach().numpy())):
        assert np.all(np.abs(x - y) <= bound + rounding)


@SETTINGS
@given(
    data=st.integers(2, 10).flatmap(lambda steps: same_shape_arrays(steps + 1)),
    lr=lrs,
    betas=betas,
)
def test_amsgrad_v_max_is_monotone_and_dominates_v(data, lr, betas):
    theta, *grads = data
    state = adam_init(theta)
    p = torch.tensor(theta, requires_grad=True)
    optimizer = Adam([p], lr=lr, betas=betas, amsgrad=True)
    previous = [np.zeros_like(theta), np.zeros_like(theta)]
    for g in grads:
        theta, state = adam_step(theta, g, state, lr=lr, betas=betas, amsgrad=True)
        p.grad = torch.tensor(g)
        optimizer.step()
        torch_state = optimizer.state[p]
        pairs = [
            (state.v_max, state.v),
            (torch_state["max_exp_avg_sq"].numpy().copy(), torch_state["exp_avg_sq"].numpy()),
        ]
        for k, (v_max, v) in enumerate(pairs):
            assert np.all(v_max >= previous[k])
            assert np.all(v_max >= v)
            previous[k] = v_max


@SETTINGS
@given(
    data=same_shape_arrays(5),
    step=st.integers(0, 50),
    weight_decay=st.floats(0.0, 1.0),
    decoupled=st.booleans(),
    amsgrad=st.booleans(),
    maximize=st.booleans(),
)
def test_adam_step_never_mutates_its_inputs(data, step, weight_decay, decoupled, amsgrad, maximize):
    theta, g, m, v, v_max = data
    v, v_max = np.abs(v), np.abs(v_max)
    state = AdamState(step=step, m=m, v=v, v_max=v_max)
    copies = [a.copy() for a in (theta, g, m, v, v_max)]
    new_theta, new_state = adam_step(
        theta,
        g,
        state,
        lr=0.1,
        weight_decay=weight_decay,
        decoupled_weight_decay=decoupled,
        amsgrad=amsgrad,
        maximize=maximize,
    )
    for original, copy in zip((theta, g, m, v, v_max), copies):
        np.testing.assert_array_equal(original, copy)
    assert state.step == step and new_state.step == step + 1
    for new, old in ((new_theta, theta), (new_state.m, m), (new_state.v, v)):
        assert not np.shares_memory(new, old)
