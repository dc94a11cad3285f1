"""``tutorial_utils.reference.adam_step`` against torch.optim.Adam, closed forms and bad input."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from tutorial_utils.reference import AdamState, adam_init, adam_step, relative_error

SHAPES = [(), (0,), (3, 4), (2, 0, 3), (7,)]


@pytest.mark.parametrize("maximize", [False, True], ids=["min", "max"])
@pytest.mark.parametrize("weight_decay_mode", ["none", "l2", "decoupled"])
@pytest.mark.parametrize("amsgrad", [False, True], ids=["adam", "amsgrad"])
def test_matches_torch_optim_adam_in_float64(amsgrad, weight_decay_mode, maximize):
    rng = np.random.default_rng(0)
    options = dict(
        lr=1e-2,
        betas=(0.8, 0.99),
        eps=1e-8,
        weight_decay=0.0 if weight_decay_mode == "none" else 0.1,
        amsgrad=amsgrad,
        maximize=maximize,
        decoupled_weight_decay=weight_decay_mode == "decoupled",
    )
    params = [rng.standard_normal(shape) for shape in SHAPES]
    leaves = [torch.tensor(p, requires_grad=True) for p in params]
    optimizer = torch.optim.Adam(leaves, **options)
    states = [adam_init(p) for p in params]
    for t in range(120):
        # Shrinking gradients make v decrease, so AMSGrad's maximum matters.
        grads = [rng.standard_normal(p.shape) * 0.97**t for p in params]
        for leaf, g in zip(leaves, grads):
            leaf.grad = torch.tensor(g)
        optimizer.step()
        for i, g in enumerate(grads):
            params[i], states[i] = adam_step(params[i], g, states[i], **options)

    for p, state, leaf in zip(params, states, leaves):
        torch_state = optimizer.state[leaf]
        assert relative_error(p, leaf.detach().numpy()) <= 1e-12
        assert relative_error(state.m, torch_state["exp_avg"].numpy()) <= 1e-12
        assert relative_error(state.v, torch_state["exp_avg_sq"].numpy()) <= 1e-12
        if amsgrad:
            assert relative_error(state.v_max, torch_state["max_exp_avg_sq"].numpy()) <= 1e-12
        assert state.step == torch_state["step"].item() == 120


def test_constant_gradient_moves_by_lr_each_step():
    """With g constant, m_hat = g and v_hat = g^2 exactly (in real arithmetic), so every step is
    lr * g / (|g| + eps): t steps move theta by t * lr * g / (|g| + eps)."""
    g = np.array([3.0, -0.5, 1e-3])
    lr, eps, steps = 0.01, 1e-8, 50
    theta, state = np.zeros(3), adam_init(np.zeros(3))
    for _ in range(steps):
        theta, state = adam_step(theta, g, state, lr=lr, eps=eps)
    np.testing.assert_allclose(theta, -steps * lr * g / (np.abs(g) + eps), rtol=1e-10)


def test_two_steps_by_hand():
    """Kingma & Ba's Algorithm 1 written out for a scalar (eps added to sqrt(v_hat), as in
    torch; the paper's 'more efficient' variant that adds eps to sqrt(v) is Keras's)."""
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    g1, g2 = 2.0, -1.0
    m1, v1 = (1 - b1) * g1, (1 - b2) * g1**2
    theta1 = 1.0 - lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps)
    m2, v2 = b1 * m1 + (1 - b1) * g2, b2 * v1 + (1 - b2) * g2**2
    theta2 = theta1 - lr * (m2 / (1 - b1**2)) / (np.sqrt(v2 / (1 - b2**2)) + eps)

    theta, state = adam_step(1.0, g1, adam_init(1.0), lr=lr)
    assert theta == pytest.approx(theta1, rel=1e-13)
    theta, state = adam_step(theta, g2, state, lr=lr)
    assert theta == pytest.approx(theta2, rel=1e-13)
    assert state.m == pytest.approx(m2, rel=1e-13) and state.v == pytest.approx(v2, rel=1e-13)


def test_amsgrad_uses_the_maximum_of_the_raw_second_moment():
    """A large gradient then zeros: AMSGrad keeps v_max = v_1 and normalises by
    sqrt(v_1) / sqrt(1 - b2^t) (torch's rule: max of the raw v, then bias-correct)."""
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    theta, state = adam_step(0.0, 10.0, adam_init(0.0), lr=lr, amsgrad=True)
    v1 = (1 - b2) * 100.0
    for t in range(2, 6):
        before = theta
        theta, state = adam_step(theta, 0.0, state, lr=lr, amsgrad=True)
        m_t = (1 - b1) * 10.0 * b1 ** (t - 1)
        expected_step = lr / (1 - b1**t) * m_t / (np.sqrt(v1) / np.sqrt(1 - b2**t) + eps)
        assert float(state.v_max) == pytest.approx(v1, rel=1e-15)
        assert before - theta == pytest.approx(expected_step, rel=1e-12)


def test_decoupled_decay_with_zero_gradient_is_geometric():
    """g = 0 gives m = v = 0 and a zero Adam step, leaving theta_t = theta_0 (1 - lr*wd)^t."""
    theta0 = np.array([1.0, -3.0, 0.25])
    theta, state = theta0, adam_init(theta0)
    for _ in range(10):
        theta, state = adam_step(
            theta, np.zeros(3), state, lr=0.1, weight_decay=0.5, decoupled_weight_decay=True
        )
    np.testing.assert_allclose(theta, theta0 * (1 - 0.05) ** 10, rtol=1e-14)


def test_l2_weight_decay_is_adam_on_the_penalised_gradient():
    """Adam's (coupled) weight decay adds wd * theta to the gradient: the gradient of
    f + wd/2 ||theta||^2. Unlike AdamW, the decay is then rescaled by 1/sqrt(v_hat)."""
    rng = np.random.default_rng(1)
    theta, g = rng.standard_normal(5), rng.standard_normal(5)
    state = adam_init(theta)
    coupled, _ = adam_step(theta, g, state, lr=0.01, weight_decay=0.3)
    penalised, _ = adam_step(theta, g + 0.3 * theta, state, lr=0.01)
    decoupled, _ = adam_step(
        theta, g, state, lr=0.01, weight_decay=0.3, decoupled_weight_decay=True
    )
    np.testing.assert_allclose(coupled, penalised, rtol=1e-15)
    assert np.max(np.abs(coupled - decoupled)) > 1e-4


def test_maximize_is_descent_on_the_negated_gradient():
    rng = np.random.default_rng(2)
    theta, g = rng.standard_normal(4), rng.standard_normal(4)
    state = adam_init(theta)
    up, _ = adam_step(theta, g, state, lr=0.01, maximize=True)
    down, _ = adam_step(theta, -g, state, lr=0.01)
    np.testing.assert_array_equal(up, down)
    assert np.all(np.sign(up - theta) == np.sign(g))


def test_beta1_zero_makes_m_the_gradient():
    g = np.array([0.1, 0.2, -0.3])
    _, state = adam_step(np.zeros(3), g, adam_init(np.zeros(3)), betas=(0.0, 0.999))
    np.testing.assert_array_equal(state.m, g)


def test_float32_input_is_computed_in_float64():
    theta, state = adam_step(np.float32([1.0]), np.float32([1.0]), adam_init(np.zeros(1)))
    assert theta.dtype == np.float64 and state.m.dtype == np.float64


def test_zero_dimensional_param_gives_zero_dimensional_arrays():
    """NumPy turns 0-d results into scalars; the documented return type is an array."""
    theta, state = adam_step(np.array(1.0), np.array(2.0), adam_init(np.array(1.0)), amsgrad=True)
    for out in (theta, state.m, state.v, state.v_max):
        assert isinstance(out, np.ndarray) and out.shape == ()


def test_state_is_frozen():
    state = adam_init(np.zeros(2))
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.step = 3  # type: ignore[misc]


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"lr": -1.0}, "lr"),
        ({"eps": -1e-8}, "eps"),
        ({"weight_decay": -0.1}, "weight_decay"),
        ({"betas": (1.0, 0.999)}, r"betas\[0\]"),
        ({"betas": (0.9, 1.5)}, r"betas\[1\]"),
        ({"betas": 0.9}, "betas"),
    ],
)
def test_bad_hyperparameter_raises_naming_it(kwargs, name):
    with pytest.raises(ValueError, match=name):
        adam_step(np.zeros(2), np.zeros(2), adam_init(np.zeros(2)), **kwargs)


def test_grad_shape_mismatch_raises():
    with pytest.raises(ValueError, match="grad has shape"):
        adam_step(np.zeros(2), np.zeros(3), adam_init(np.zeros(2)))


@pytest.mark.parametrize("field", ["m", "v", "v_max"])
def test_state_shape_mismatch_raises_naming_the_field(field):
    state = dataclasses.replace(adam_init(np.zeros(2)), **{field: np.zeros(3)})
    with pytest.raises(ValueError, match=rf"state\.{field} has shape"):
        adam_step(np.zeros(2), np.zeros(2), state)


def test_state_for_another_parameter_raises():
    with pytest.raises(ValueError, match=r"state\.m has shape \(3,\) but param has shape \(2,\)"):
        adam_step(np.zeros(2), np.zeros(2), adam_init(np.zeros(3)))


@pytest.mark.parametrize("name", ["param", "grad"])
@pytest.mark.parametrize("dtype", [np.int64, np.bool_, np.complex128])
def test_non_real_floating_arrays_raise(name, dtype):
    arrays = {"param": np.zeros(2), "grad": np.zeros(2)}
    arrays[name] = np.zeros(2, dtype=dtype)
    with pytest.raises(TypeError, match=name):
        adam_step(arrays["param"], arrays["grad"], adam_init(np.zeros(2)))


def test_integer_param_in_adam_init_raises():
    with pytest.raises(TypeError, match="param"):
        adam_init(np.arange(3))


def test_state_must_be_an_adam_state():
    with pytest.raises(TypeError, match="state must be an AdamState"):
        adam_step(np.zeros(2), np.zeros(2), {"step": 0})


@pytest.mark.parametrize(("step", "error"), [(-1, ValueError), (1.5, TypeError)])
def test_bad_step_count_raises(step, error):
    state = AdamState(step=step, m=np.zeros(2), v=np.zeros(2), v_max=np.zeros(2))
    with pytest.raises(error, match=r"state\.step"):
        adam_step(np.zeros(2), np.zeros(2), state)
