"""The Reddi et al. (2018) online counterexample: losses, regret, and the Adam/AMSGrad runner."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from tutorial_utils.online import (
    SECTION5_BETAS,
    LinearOnlineProblem,
    project,
    run_online_adam,
    section5_problem,
    theorem1_betas,
    theorem1_problem,
)
from tutorial_utils.reference import adam_init, adam_step


def _brute_force_minimizer(problem: LinearOnlineProblem, periods: int = 3) -> float:
    """Argmin over a fine grid of [-1, 1] of the summed losses over whole periods."""
    grid = np.linspace(-1.0, 1.0, 2001)
    total = sum(problem.loss(t, grid) for t in range(1, periods * problem.period + 1))
    return float(grid[np.argmin(total)])


@pytest.mark.parametrize(
    "problem", [section5_problem(), theorem1_problem(3.0), theorem1_problem(2.5)]
)
def test_regret_minimising_point_is_minus_one(problem):
    assert problem.minimizer == -1.0
    assert _brute_force_minimizer(problem) == -1.0


def test_paper_constants():
    p = section5_problem()
    assert (p.big, p.small, p.period) == (1010.0, -10.0, 101)
    # Over one period: 1010 - 100 * 10 = 10 > 0.
    assert p.period_slope == 10.0
    assert SECTION5_BETAS == (0.9, 0.99)
    q = theorem1_problem(3.0)
    assert (q.big, q.small, q.period) == (3.0, -1.0, 3)
    assert theorem1_betas(3.0) == (0.0, 0.1)


def test_losses_and_gradients_follow_the_definition():
    p = section5_problem()
    # Rounds 1, 102, 203 have t mod 101 == 1; the others do not.
    assert [p.grad(t) for t in (1, 2, 101, 102, 103, 203)] == [
        1010.0,
        -10.0,
        -10.0,
        1010.0,
        -10.0,
        1010.0,
    ]
    assert float(p.loss(102, 0.5)) == 505.0
    # The gradient is the derivative of the loss (finite difference at an arbitrary point).
    for t in (1, 2, 102):
        h = 1e-3
        fd = (float(p.loss(t, 0.3 + h)) - float(p.loss(t, 0.3 - h))) / (2 * h)
        assert fd == pytest.approx(p.grad(t), rel=1e-12)


def test_minimizer_flips_with_the_period_slope():
    assert LinearOnlineProblem(big=5.0, small=-1.0, period=10).minimizer == 1.0
    with pytest.raises(ValueError, match="period slope is zero"):
        _ = LinearOnlineProblem(big=2.0, small=-1.0, period=3).minimizer


def test_regret_against_brute_force():
    p = theorem1_problem(3.0)
    rng = np.random.default_rng(0)
    xs = rng.uniform(-1, 1, size=20)
    regret = p.regret(xs)
    grid = np.linspace(-1, 1, 401)  # contains -1 and 1, where a linear loss attains its minimum
    for T in (1, 2, 7, 20):
        played = sum(float(p.loss(t, xs[t - 1])) for t in range(1, T + 1))
        best = min(sum(p.loss(t, grid) for t in range(1, T + 1)))
        assert regret[T - 1] == pytest.approx(played - best, abs=1e-12)


def test_projection():
    np.testing.assert_array_equal(project([-3.0, -1.0, 0.25, 1.0, 7.0]), [-1, -1, 0.25, 1, 1])


@pytest.mark.parametrize("amsgrad", [False, True])
def test_runner_matches_torch_adam_with_projection(amsgrad):
    """Same game played with torch.optim.Adam (lr set per round, projection by clamp_)."""
    problem = section5_problem()
    rounds, alpha, x1 = 350, 0.5, 0.2
    run = run_online_adam(problem, rounds, lr=alpha, amsgrad=amsgrad, x1=x1)

    x = torch.tensor([x1], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([x], betas=SECTION5_BETAS, eps=1e-8, amsgrad=amsgrad)
    expected = [x1]
    for t in range(1, rounds + 1):
        opt.param_groups[0]["lr"] = alpha / math.sqrt(t)
        x.grad = torch.tensor([problem.grad(t)], dtype=torch.float64)
        opt.step()
        with torch.no_grad():
            x.clamp_(-1.0, 1.0)
        expected.append(float(x.detach()))
    np.testing.assert_allclose(run.x, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("problem", "betas", "amsgrad", "decay"),
    [
        (section5_problem(), SECTION5_BETAS, False, True),
        (section5_problem(), SECTION5_BETAS, True, True),
        (section5_problem(), SECTION5_BETAS, True, False),
        # beta1 = 0 takes torch.lerp's other branch (weight 1 >= 0.5).
        (theorem1_problem(3.0), theorem1_betas(3.0), False, True),
        (theorem1_problem(3.0), theorem1_betas(3.0), True, True),
    ],
)
def test_float_loop_is_bit_identical_to_adam_step(problem, betas, amsgrad, decay):
    """The runner's scalar loop does adam_step's arithmetic: same bits, iterate and factor."""
    rounds, alpha, x1 = 700, 0.5, 0.3
    run = run_online_adam(
        problem, rounds, lr=alpha, betas=betas, amsgrad=amsgrad, x1=x1, decay=decay
    )
    x, state, xs, factors = np.array(x1), adam_init(np.array(x1)), [x1], []
    for t in range(1, rounds + 1):
        lr_t = alpha / math.sqrt(t) if decay else alpha
        x, state = adam_step(
            x, np.array(problem.grad(t)), state, lr=lr_t, betas=betas, amsgrad=amsgrad
        )
        x = project(x)
        xs.append(float(x))
        v_used = float(state.v_max if amsgrad else state.v)
        denom = math.sqrt(v_used) / math.sqrt(1 - betas[1] ** t) + 1e-8
        factors.append(lr_t / ((1 - betas[0] ** t) * denom))
    np.testing.assert_array_equal(run.x, xs)
    np.testing.assert_array_equal(run.effective_lr, factors)
    np.testing.assert_array_equal(run.regret, problem.regret(np.array(xs[:-1])))


def test_first_round_is_a_step_of_alpha_against_the_gradient():
    # With bias correction, m_1 / sqrt(v_1) = g / |g|: the first step is alpha * g / (|g| + eps).
    run = run_online_adam(section5_problem(), 1, lr=0.3, x1=0.5)
    assert run.x[1] == pytest.approx(0.5 - 0.3 * 1010 / (1010 + 1e-8), abs=1e-15)
    # The factor multiplying m_1 = (1 - beta1) g includes the 1 / (1 - beta1) bias correction.
    assert run.effective_lr[0] == pytest.approx(0.3 / (0.1 * (1010 + 1e-8)), rel=1e-12)


def test_unprojected_round_matches_adam_closed_form():
    """Round 2 from the interior, written out by hand (no projection is active)."""
    b1, b2, alpha, eps = 0.9, 0.99, 0.01, 1e-8
    run = run_online_adam(section5_problem(), 2, lr=alpha, x1=0.0)
    g1, g2 = 1010.0, -10.0
    m = (1 - b1) * (b1 * g1 + g2)
    v = (1 - b2) * (b2 * g1**2 + g2**2)
    step = alpha / math.sqrt(2) / (1 - b1**2) * m / (math.sqrt(v / (1 - b2**2)) + eps)
    assert abs(run.x[1]) < 1 and abs(run.x[2]) < 1
    assert run.x[2] == pytest.approx(run.x[1] - step, rel=1e-13)


def test_amsgrad_effective_lr_never_increases_but_adams_does():
    problem = section5_problem()
    adam = run_online_adam(problem, 1000, amsgrad=False)
    ams = run_online_adam(problem, 1000, amsgrad=True)
    assert np.all(np.diff(ams.effective_lr) <= 1e-15 * ams.effective_lr[1:])
    assert np.any(np.diff(adam.effective_lr) > 0)


def test_adam_goes_to_the_worst_point_amsgrad_to_the_optimum():
    """Theorem 1's instance (C = 3): Adam ends at +1, AMSGrad at the optimum -1."""
    C = 3.0
    problem = theorem1_problem(C)
    kwargs = dict(lr=0.5, betas=theorem1_betas(C), x1=1.0)
    adam = run_online_adam(problem, 3000, **kwargs)
    ams = run_online_adam(problem, 3000, amsgrad=True, **kwargs)
    assert adam.x[-30:].min() > 0.95
    assert ams.x[-30:].max() < -0.95
    # Average regret: bounded away from 0 for Adam, small for AMSGrad.
    assert adam.regret[-1] / 3000 > 0.5
    assert ams.regret[-1] / 3000 < 0.05


def test_constant_step_size_option():
    run = run_online_adam(section5_problem(), 3, lr=0.01, decay=False, x1=0.0)
    # Round 2 uses alpha_2 = alpha, not alpha / sqrt(2): compare with the decaying run.
    decayed = run_online_adam(section5_problem(), 3, lr=0.01, decay=True, x1=0.0)
    step_const, step_decay = run.x[2] - run.x[1], decayed.x[2] - decayed.x[1]
    assert step_const == pytest.approx(step_decay * math.sqrt(2), rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(rounds=0), "rounds must be at least 1"),
        (dict(lr=-1.0), "lr must be non-negative"),
        (dict(betas=(0.9, 1.0)), r"betas\[1\]"),
        (dict(eps=-1e-8), "eps must be non-negative"),
        (dict(x1=1.5), "x1 must lie in"),
    ],
)
def test_runner_rejects_bad_arguments(kwargs, match):
    args = dict(rounds=5) | kwargs
    rounds = args.pop("rounds")
    with pytest.raises(ValueError, match=match):
        run_online_adam(section5_problem(), rounds, **args)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(big=1.0, small=-1.0, period=1), "period must be at least 2"),
        (dict(big=-1.0, small=-1.0, period=3), "big must be positive"),
        (dict(big=3.0, small=1.0, period=3), "small must be negative"),
        (dict(big=math.inf, small=-1.0, period=3), "big must be finite"),
    ],
)
def test_problem_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LinearOnlineProblem(**kwargs)


def test_theorem1_requires_c_above_two():
    with pytest.raises(ValueError, match="C must be greater than 2"):
        theorem1_problem(2.0)
    with pytest.raises(ValueError, match="C must be greater than 2"):
        theorem1_betas(1.0)


def test_rounds_start_at_one():
    with pytest.raises(ValueError, match="rounds must be >= 1"):
        section5_problem().coefficients(0)
