"""Tests of the toy problems: analytic gradients vs finite differences and torch autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tutorial_utils.problems import (
    DeepChain,
    Quadratic,
    Rosenbrock,
    SingleUnitRNN,
    adding_problem,
    ill_conditioned_quadratic,
    sigmoid,
)
from tutorial_utils.reference import numerical_gradient, relative_error

TOL = 1e-6


def random_spd(rng: np.random.Generator, dim: int) -> np.ndarray:
    M = rng.normal(size=(dim, dim))
    return M @ M.T + dim * np.eye(dim)


# ---------------------------------------------------------------------------------- sigmoid


def test_sigmoid_matches_definition_and_does_not_overflow():
    z = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(sigmoid(z), 1.0 / (1.0 + np.exp(-z)), rtol=1e-15)
    with np.errstate(over="raise"):
        assert sigmoid(np.array([-1000.0]))[0] == 0.0
        assert sigmoid(np.array([1000.0]))[0] == 1.0


# -------------------------------------------------------------------------------- quadratic


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_quadratic_gradient_hessian_and_minimizer(seed):
    rng = np.random.default_rng(seed)
    dim = 4
    A, b = random_spd(rng, dim), rng.normal(size=dim)
    q = Quadratic(A, b)
    for _ in range(3):
        x = rng.normal(size=dim)
        assert relative_error(q.grad(x), numerical_gradient(q.loss, x)) < TOL
        # Hessian column i = numerical derivative of the gradient along e_i
        hess_fd = np.stack([numerical_gradient(lambda y, i=i: q.grad(y)[i], x) for i in range(dim)])
        assert relative_error(q.hessian(x), hess_fd) < TOL
    np.testing.assert_allclose(q.grad(q.minimizer), 0.0, atol=1e-12)
    np.testing.assert_allclose(A @ q.minimizer, b, rtol=1e-12)
    assert q.condition_number == pytest.approx(np.linalg.cond(A), rel=1e-10)


def test_quadratic_is_vectorised_over_leading_axes():
    rng = np.random.default_rng(3)
    q = Quadratic(random_spd(rng, 2), rng.normal(size=2))
    grid = rng.normal(size=(5, 7, 2))
    values, grads = q.loss(grid), q.grad(grid)
    assert values.shape == (5, 7) and grads.shape == (5, 7, 2)
    for i, j in [(0, 0), (4, 6), (2, 3)]:
        x = grid[i, j]
        assert values[i, j] == pytest.approx(0.5 * x @ q.A @ x - q.b @ x, rel=1e-14)
        np.testing.assert_allclose(grads[i, j], q.A @ x - q.b, rtol=1e-14)


def test_quadratic_rejects_bad_matrices():
    with pytest.raises(ValueError, match="symmetric"):
        Quadratic(np.array([[1.0, 2.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="positive definite"):
        Quadratic(np.diag([1.0, -1.0]))
    with pytest.raises(ValueError, match="square"):
        Quadratic(np.ones((2, 3)))
    with pytest.raises(ValueError, match="b must have shape"):
        Quadratic(np.eye(2), np.ones(3))


@pytest.mark.parametrize("kappa,angle,dim", [(10.0, 0.0, 2), (100.0, np.pi / 6, 2), (50.0, 0.3, 5)])
def test_ill_conditioned_quadratic(kappa, angle, dim):
    q = ill_conditioned_quadratic(kappa, angle=angle, dim=dim)
    assert np.linalg.cond(q.A) == pytest.approx(kappa, rel=1e-10)
    np.testing.assert_allclose(q.minimizer, 0.0, atol=1e-14)
    # The steepest direction (largest eigenvalue) of a 2-D problem is e_2 rotated by `angle`.
    if dim == 2:
        eigenvalues, eigenvectors = np.linalg.eigh(q.A)
        top = eigenvectors[:, -1]
        expected = np.array([-np.sin(angle), np.cos(angle)])
        assert abs(top @ expected) == pytest.approx(1.0, rel=1e-12)
    x = np.random.default_rng(0).normal(size=dim)
    assert relative_error(q.grad(x), numerical_gradient(q.loss, x)) < TOL


def test_ill_conditioned_quadratic_rejects_bad_arguments():
    with pytest.raises(ValueError, match="condition_number"):
        ill_conditioned_quadratic(0.5)
    with pytest.raises(ValueError, match="dim"):
        ill_conditioned_quadratic(10.0, dim=0)


# ------------------------------------------------------------------------------- rosenbrock


@pytest.mark.parametrize("a,b", [(1.0, 100.0), (0.5, 10.0)])
def test_rosenbrock_gradient_hessian_minimizer(a, b):
    f = Rosenbrock(a, b)
    rng = np.random.default_rng(4)
    for x in rng.uniform(-2, 2, size=(5, 2)):
        assert relative_error(f.grad(x), numerical_gradient(f.loss, x)) < TOL
        hess_fd = np.stack([numerical_gradient(lambda y, i=i: f.grad(y)[i], x) for i in (0, 1)])
        assert relative_error(f.hessian(x), hess_fd) < TOL
    np.testing.assert_array_equal(f.minimizer, [a, a * a])
    np.testing.assert_allclose(f.grad(f.minimizer), 0.0, atol=1e-14)
    assert f.loss(f.minimizer) == 0.0
    # positive definite Hessian at the minimum
    assert np.all(np.linalg.eigvalsh(f.hessian(f.minimizer)) > 0)


def test_rosenbrock_matches_torch_autograd_and_is_vectorised():
    f = Rosenbrock()
    grid = np.random.default_rng(5).uniform(-2, 2, size=(3, 4, 2))
    xt = torch.tensor(grid, dtype=torch.float64, requires_grad=True)
    value_t = (1 - xt[..., 0]) ** 2 + 100 * (xt[..., 1] - xt[..., 0] ** 2) ** 2
    value_t.sum().backward()
    np.testing.assert_allclose(f.loss(grid), value_t.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(f.grad(grid), xt.grad.numpy(), rtol=1e-13)
    with pytest.raises(ValueError, match="b must be positive"):
        Rosenbrock(b=0.0)
    with pytest.raises(ValueError, match="shape"):
        f.loss(np.zeros(3))


# ------------------------------------------------------------------------------- deep chain

TORCH_ACTIVATIONS = {
    "linear": lambda z: z,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
}


@pytest.mark.parametrize("activation", sorted(TORCH_ACTIVATIONS))
@pytest.mark.parametrize("batched", [False, True])
def test_deep_chain_backward_matches_torch_autograd(activation, batched):
    chain = DeepChain(depth=6, width=5, weight_scale=1.3, activation=activation, seed=7)
    rng = np.random.default_rng(8)
    shape = (3, 5) if batched else (5,)
    x, u = rng.normal(size=shape), rng.normal(size=shape)
    cache = chain.forward(x)
    grads = chain.backward(cache, u)
    weight_grads = chain.weight_gradients(cache, grads)

    # The same chain in torch; loss L = sum(u * h_L), so dL/dh_L = u.
    hs = [torch.tensor(x, requires_grad=True)]
    ws = [torch.tensor(W, requires_grad=True) for W in chain.weights]
    for W in ws:
        h = TORCH_ACTIVATIONS[activation](hs[-1] @ W.T)
        h.retain_grad()
        hs.append(h)
    (hs[-1] * torch.tensor(u)).sum().backward()

    assert len(grads) == 7 and len(weight_grads) == 6
    for l, h in enumerate(hs):
        np.testing.assert_allclose(cache.activations[l], h.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(grads[l], h.grad.numpy(), rtol=1e-10, atol=1e-14)
    for gw, W in zip(weight_grads, ws):
        np.testing.assert_allclose(gw, W.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_deep_chain_input_gradient_matches_finite_differences():
    chain = DeepChain(depth=4, width=3, weight_scale=1.0, activation="tanh", seed=1)
    rng = np.random.default_rng(2)
    x, u = rng.normal(size=3), rng.normal(size=3)
    grads = chain.backward(chain.forward(x), u)
    numeric = numerical_gradient(lambda y: u @ chain.forward(y).activations[-1], x)
    assert relative_error(grads[0], numeric) < TOL


def test_deep_chain_jacobians_multiply_to_the_backward_pass():
    chain = DeepChain(depth=5, width=4, weight_scale=2.0, activation="sigmoid", seed=3)
    rng = np.random.default_rng(4)
    x, u = rng.normal(size=4), rng.normal(size=4)
    cache = chain.forward(x)
    product = np.eye(4)
    for J in chain.jacobians(cache):
        product = J @ product  # dh_L/dh_0 = J_L ... J_1
    np.testing.assert_allclose(chain.backward(cache, u)[0], product.T @ u, rtol=1e-12)


def test_deep_chain_weights_have_the_stated_variance():
    chain = DeepChain(depth=3, width=400, weight_scale=1.5, activation="linear", seed=0)
    entries = np.concatenate([W.ravel() for W in chain.weights])
    # 480k samples: the sample std is within 1% of s / sqrt(n) with overwhelming probability
    assert entries.std() == pytest.approx(1.5 / np.sqrt(400), rel=0.01)
    assert abs(entries.mean()) < 1e-3


def test_deep_linear_chain_gradients_vanish_or_explode_with_the_scale():
    rng = np.random.default_rng(0)
    x, u = rng.normal(size=(64, 64)), rng.normal(size=(64, 64))
    norms = {}
    for scale in (0.5, 1.0, 2.0):
        chain = DeepChain(depth=30, width=64, weight_scale=scale, activation="linear", seed=1)
        norms[scale] = chain.gradient_norms(x, u)
    # Each layer multiplies the typical norm by about s (the variance of W^T g is s^2 |g|^2 / n
    # per entry), so over 30 layers: 0.5^30 ~ 1e-9, 2^30 ~ 1e9.
    ratio = {s: norms[s][0] / norms[s][-1] for s in norms}
    assert ratio[0.5] < 1e-7
    assert ratio[2.0] > 1e7
    assert 1e-2 < ratio[1.0] < 1e2


def test_deep_chain_rejects_bad_arguments():
    with pytest.raises(ValueError, match="depth"):
        DeepChain(0, 3)
    with pytest.raises(ValueError, match="width"):
        DeepChain(2, 0)
    with pytest.raises(ValueError, match="weight_scale"):
        DeepChain(2, 3, weight_scale=-1.0)
    with pytest.raises(ValueError, match="activation"):
        DeepChain(2, 3, activation="gelu")
    chain = DeepChain(2, 3)
    with pytest.raises(ValueError, match="grad_output"):
        chain.backward(chain.forward(np.ones(3)), np.ones(4))
    with pytest.raises(ValueError, match="shape"):
        chain.forward(np.ones(4))


# -------------------------------------------------------------------------- single-unit RNN


def torch_rnn_loss_and_grad(w: float, b: float, rnn: SingleUnitRNN) -> tuple[float, np.ndarray]:
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    x = torch.tensor(rnn.x0, dtype=torch.float64)
    for _ in range(rnn.steps):
        x = wt * torch.sigmoid(x) + bt
    loss = 0.5 * (x - rnn.target) ** 2
    loss.backward()
    return loss.item(), np.array([wt.grad.item(), bt.grad.item()])


def test_single_unit_rnn_grad_matches_finite_differences():
    rnn = SingleUnitRNN()
    rng = np.random.default_rng(6)
    for w, b in rng.uniform([-3.0, -2.0], [3.0, 2.0], size=(8, 2)):
        analytic = np.array(rnn.grad(w, b), dtype=np.float64)
        numeric = numerical_gradient(lambda p: rnn.loss(p[0], p[1]), np.array([w, b]))
        assert relative_error(analytic, numeric) < TOL


@pytest.mark.parametrize("steps", [1, 5, 50])
def test_single_unit_rnn_matches_torch_autograd(steps):
    rnn = SingleUnitRNN(x0=0.5, steps=steps, target=0.7)
    rng = np.random.default_rng(steps)
    # includes the steep region around w ~ 5, b ~ -2.5 where the map is bistable
    for w, b in rng.uniform([-6.0, -5.0], [8.0, 3.0], size=(10, 2)):
        loss_t, grad_t = torch_rnn_loss_and_grad(w, b, rnn)
        assert rnn.loss(w, b) == pytest.approx(loss_t, rel=1e-12, abs=1e-300)
        assert relative_error(np.array(rnn.grad(w, b)), grad_t) < 1e-9


def test_single_unit_rnn_states_and_vectorisation():
    rnn = SingleUnitRNN(x0=0.5, steps=3, target=0.7)
    w, b = 2.0, -1.0
    x = [0.5]
    for _ in range(3):
        x.append(w / (1 + np.exp(-x[-1])) + b)
    np.testing.assert_allclose(rnn.states(w, b), x, rtol=1e-15)

    rnn = SingleUnitRNN()
    W, B = np.meshgrid(np.linspace(-2, 8, 6), np.linspace(-5, 2, 4))
    losses, (gw, gb) = rnn.loss(W, B), rnn.grad(W, B)
    assert losses.shape == gw.shape == gb.shape == W.shape
    assert rnn.states(W, B).shape == (51, *W.shape)
    for i, j in [(0, 0), (3, 5), (2, 1)]:
        assert losses[i, j] == rnn.loss(W[i, j], B[i, j])
        assert (gw[i, j], gb[i, j]) == rnn.grad(W[i, j], B[i, j])


def test_single_unit_rnn_rejects_bad_steps():
    with pytest.raises(ValueError, match="steps"):
        SingleUnitRNN(steps=0)


# --------------------------------------------------------------------------- adding problem


def test_adding_problem_targets_markers_and_shapes():
    inputs, targets = adding_problem(64, 20, torch.Generator().manual_seed(0))
    assert inputs.shape == (64, 20, 2) and targets.shape == (64, 1)
    assert inputs.dtype == torch.float32 and targets.dtype == torch.float32
    values, markers = inputs[..., 0].numpy(), inputs[..., 1].numpy()
    assert np.all((values >= 0) & (values < 1))
    assert set(np.unique(markers)) <= {0.0, 1.0}
    for row in range(64):
        marked = np.flatnonzero(markers[row])
        assert len(marked) == 2
        assert marked[0] < 10 <= marked[1]  # one marker in each half
        assert targets[row, 0].item() == pytest.approx(values[row, marked].sum(), abs=1e-6)


def test_adding_problem_is_deterministic_given_the_generator():
    a = adding_problem(8, 11, torch.Generator().manual_seed(3))
    b = adding_problem(8, 11, torch.Generator().manual_seed(3))
    c = adding_problem(8, 11, torch.Generator().manual_seed(4))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0])


def test_adding_problem_constant_baseline_has_mse_one_sixth():
    # Var(u1 + u2) = 2 / 12 for independent U(0, 1); checked by Monte Carlo (n = 20000, the
    # standard error of the sample MSE is about 0.001).
    _, targets = adding_problem(20000, 10, torch.Generator().manual_seed(1))
    assert ((targets - 1.0) ** 2).mean().item() == pytest.approx(1 / 6, abs=0.005)


def test_adding_problem_rejects_bad_arguments():
    g = torch.Generator().manual_seed(0)
    with pytest.raises(ValueError, match="seq_len"):
        adding_problem(4, 1, g)
    with pytest.raises(ValueError, match="batch_size"):
        adding_problem(0, 5, g)
    with pytest.raises(TypeError, match="generator"):
        adding_problem(4, 5, 0)
