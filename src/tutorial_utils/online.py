r"""The online convex counterexample of :cite:t:`reddi2018convergence`, where Adam fails.

The loss at round :math:`t = 1, 2, \dots` is linear on the feasible set
:math:`\mathcal F = [-1, 1]`,

.. math::
    f_t(x) = a_t\, x, \qquad
    a_t = \begin{cases} a_\text{big} & t \bmod p = 1,\\ a_\text{small} & \text{otherwise,}
    \end{cases}

with :math:`a_\text{big} > 0 > a_\text{small}`. The sum of the losses over one period is
:math:`(a_\text{big} + (p-1)\,a_\text{small})\,x`, so when that slope is positive the point with
minimum regret is :math:`x^\star = -1`, and :math:`x = +1` is the worst point of :math:`\mathcal F`.
Two instances from the paper:

- Section 3 (Theorem 1): :math:`a_\text{big} = C > 2`, :math:`a_\text{small} = -1`, :math:`p = 3`,
  with :math:`\beta_1 = 0`, :math:`\beta_2 = 1/(1 + C^2)` and the learning rate
  :math:`\eta_t = \eta/\sqrt t` (the paper's :math:`\alpha_t`)
  (:func:`theorem1_problem`, :func:`theorem1_betas`).
- Section 5 ("Synthetic Experiments"): :math:`a_\text{big} = 1010`, :math:`a_\text{small} = -10`,
  :math:`p = 101`, with :math:`\beta_1 = 0.9`, :math:`\beta_2 = 0.99` (:func:`section5_problem`,
  :data:`SECTION5_BETAS`).

:func:`run_online_adam` plays the game with the package's Adam/AMSGrad step
(:func:`tutorial_utils.reference.adam_step`, i.e. ``torch.optim.Adam`` semantics: bias
correction, :math:`\epsilon` outside the square root, AMSGrad's maximum taken on the raw
:math:`v_t`) followed by the projection onto :math:`\mathcal F`. The paper's analysis omits the bias
correction and :math:`\epsilon`; both corrections tend to 1 and 0 in effect after a few hundred
rounds, and the qualitative outcome is the same. The runner does that step's arithmetic on Python
floats (same operations, same order; the tests check it bit for bit against that function), so
that a million rounds take a few seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tutorial_utils._validation import check_betas, check_non_negative

__all__ = [
    "SECTION5_BETAS",
    "FEASIBLE_SET",
    "LinearOnlineProblem",
    "OnlineRun",
    "project",
    "run_online_adam",
    "section5_problem",
    "theorem1_betas",
    "theorem1_problem",
]

#: The feasible set :math:`\mathcal F = [-1, 1]` of both examples, as ``(lower, upper)``.
FEASIBLE_SET: tuple[float, float] = (-1.0, 1.0)

#: :math:`(\beta_1, \beta_2)` of the synthetic experiment, Section 5 of Reddi et al. (2018).
SECTION5_BETAS: tuple[float, float] = (0.9, 0.99)


def project(x: np.ndarray | float) -> np.ndarray:
    r"""Euclidean projection onto :math:`\mathcal F = [-1, 1]`, :math:`\Pi(x) = \min(\max(x,-1),1)`.

    In one dimension the paper's projection in the norm weighted by :math:`\sqrt{v_t}` is the
    same clipping, since every weighted norm on :math:`\mathbb R` is a multiple of :math:`|\cdot|`.

    Parameters
    ----------
    x : float or array_like
        Point(s) to project.

    Returns
    -------
    numpy.ndarray
        ``x`` clipped to ``[-1, 1]`` (float64; a new array).
    """
    return np.clip(np.asarray(x, dtype=np.float64), *FEASIBLE_SET)


@dataclass(frozen=True)
class LinearOnlineProblem:
    r"""The periodic linear losses :math:`f_t(x) = a_t x` on :math:`[-1, 1]` (see the module doc).

    Attributes
    ----------
    big : float
        :math:`a_\text{big} > 0`, the coefficient on rounds with :math:`t \bmod p = 1`.
    small : float
        :math:`a_\text{small} < 0`, the coefficient on every other round.
    period : int
        :math:`p \ge 2`.
    """

    big: float
    small: float
    period: int

    def __post_init__(self) -> None:
        if isinstance(self.period, bool) or not isinstance(self.period, (int, np.integer)):
            raise TypeError(f"period must be an int, got {self.period!r}")
        if self.period < 2:
            raise ValueError(f"period must be at least 2, got {self.period}")
        for name in ("big", "small"):
            value = getattr(self, name)
            if not math.isfinite(float(value)):
                raise ValueError(f"{name} must be finite, got {value}")
        if not float(self.big) > 0:
            raise ValueError(f"big must be positive, got {self.big}")
        if not float(self.small) < 0:
            raise ValueError(f"small must be negative, got {self.small}")

    def coefficients(self, rounds: np.ndarray | int) -> np.ndarray:
        r"""The slopes :math:`a_t` for the given round numbers :math:`t \ge 1` (float64 array)."""
        t = np.asarray(rounds)
        if not np.issubdtype(t.dtype, np.integer):
            raise TypeError(f"rounds must be integers, got dtype {t.dtype}")
        if np.any(t < 1):
            raise ValueError("rounds must be >= 1 (the paper counts rounds from t = 1)")
        return np.where(t % self.period == 1, float(self.big), float(self.small))

    def grad(self, t: int) -> float:
        r""":math:`\nabla f_t(x) = a_t`, the same for every :math:`x`."""
        return float(self.coefficients(t))

    def loss(self, t: int, x: np.ndarray | float) -> np.ndarray:
        r""":math:`f_t(x) = a_t x`."""
        return self.coefficients(t) * np.asarray(x, dtype=np.float64)

    @property
    def period_slope(self) -> float:
        r"""Slope of the loss summed over one period: :math:`a_\text{big} + (p-1)a_\text{small}`."""
        return float(self.big) + (self.period - 1) * float(self.small)

    @property
    def minimizer(self) -> float:
        r"""The point of :math:`[-1, 1]` with minimum regret over whole periods.

        :math:`-1` if the period slope is positive, :math:`+1` if it is negative.

        Raises
        ------
        ValueError
            If the period slope is zero (every point is then optimal).
        """
        slope = self.period_slope
        if slope == 0:
            raise ValueError("the period slope is zero: every point of [-1, 1] is optimal")
        return -1.0 if slope > 0 else 1.0

    def regret(self, iterates: np.ndarray) -> np.ndarray:
        r"""Cumulative regret :math:`R_T` for :math:`T = 1, \dots, n` of the played points.

        .. math::
            R_T = \sum_{t=1}^T f_t(x_t) - \min_{x \in [-1, 1]} \sum_{t=1}^T f_t(x)
                = \sum_{t=1}^T a_t x_t + \Bigl|\sum_{t=1}^T a_t\Bigr|.

        Parameters
        ----------
        iterates : array_like, shape (n,)
            ``iterates[t - 1]`` is :math:`x_t`, the point played in round :math:`t`.

        Returns
        -------
        numpy.ndarray, shape (n,)
        """
        xs = np.asarray(iterates, dtype=np.float64)
        if xs.ndim != 1:
            raise ValueError(f"iterates must be one-dimensional, got shape {xs.shape}")
        a = self.coefficients(np.arange(1, xs.size + 1))
        return np.cumsum(a * xs) + np.abs(np.cumsum(a))


def theorem1_problem(C: float = 3.0) -> LinearOnlineProblem:
    r"""Section 3 (Theorem 1) of :cite:t:`reddi2018convergence`: :math:`f_t(x) = Cx` if
    :math:`t \bmod 3 = 1`, else :math:`-x`, with :math:`C > 2`.

    Raises
    ------
    ValueError
        If ``C <= 2`` (then :math:`x = -1` is no longer the unique best point).
    """
    if not float(C) > 2:
        raise ValueError(f"C must be greater than 2, got {C}")
    return LinearOnlineProblem(big=float(C), small=-1.0, period=3)


def theorem1_betas(C: float = 3.0) -> tuple[float, float]:
    r"""The decay rates of Theorem 1: :math:`\beta_1 = 0`, :math:`\beta_2 = 1/(1 + C^2)`."""
    if not float(C) > 2:
        raise ValueError(f"C must be greater than 2, got {C}")
    return 0.0, 1.0 / (1.0 + float(C) ** 2)


def section5_problem() -> LinearOnlineProblem:
    r"""Section 5 of :cite:t:`reddi2018convergence`: :math:`f_t(x) = 1010x` if
    :math:`t \bmod 101 = 1`, else :math:`-10x`."""
    return LinearOnlineProblem(big=1010.0, small=-10.0, period=101)


@dataclass(frozen=True)
class OnlineRun:
    r"""Result of :func:`run_online_adam` over :math:`T` rounds.

    Attributes
    ----------
    x : numpy.ndarray, shape (T + 1,)
        Iterates :math:`x_0, \dots, x_T` (the book's indexing: :math:`x_t` is the point after
        round :math:`t`); ``x[t - 1]`` is the point played in round :math:`t`.
    effective_lr : numpy.ndarray, shape (T,)
        The factor that multiplies :math:`m_t` in round :math:`t`,
        :math:`\eta_t / \bigl((1 - \beta_1^t)(\sqrt{w_t / (1 - \beta_2^t)} + \epsilon)\bigr)`,
        where :math:`w_t` is :math:`v_t` (Adam) or its running maximum :math:`v_t^{\max}` (AMSGrad).
    regret : numpy.ndarray, shape (T,)
        Cumulative regret :math:`R_1, \dots, R_T` (see :meth:`LinearOnlineProblem.regret`).
    """

    x: np.ndarray
    effective_lr: np.ndarray
    regret: np.ndarray


def run_online_adam(
    problem: LinearOnlineProblem,
    rounds: int,
    *,
    lr: float = 0.5,
    betas: tuple[float, float] = SECTION5_BETAS,
    eps: float = 1e-8,
    amsgrad: bool = False,
    x1: float = 0.0,
    decay: bool = True,
) -> OnlineRun:
    r"""Play ``rounds`` rounds of the online game with projected Adam or AMSGrad.

    Round :math:`t` plays :math:`x_{t-1}`, receives :math:`g_t = a_t`, and sets

    .. math::
        x_t = \Pi_{[-1, 1]}\bigl(\mathrm{AdamStep}(x_{t-1}, g_t;\ \eta_t)\bigr),
        \qquad \eta_t = \eta / \sqrt t \ \text{(or } \eta \text{ if not decay)},

    where AdamStep is :func:`tutorial_utils.reference.adam_step` (``torch.optim.Adam``
    semantics, AMSGrad with ``amsgrad=True``). The schedule :math:`\eta/\sqrt t` is the one of
    the paper's Theorems 1 and 4 (where it is written :math:`\alpha/\sqrt t`); the paper's
    Section 5 does not fix the learning rate or the starting point, so ``lr`` and ``x1`` here are
    this book's choices.

    Parameters
    ----------
    problem : LinearOnlineProblem
        The loss sequence, e.g. :func:`section5_problem`.
    rounds : int
        Number of rounds :math:`T \ge 1`.
    lr : float, default 0.5
        Base learning rate :math:`\eta \ge 0`.
    betas : tuple of float, default (0.9, 0.99)
        :math:`(\beta_1, \beta_2)`, each in :math:`[0, 1)`.
    eps : float, default 1e-8
        :math:`\epsilon \ge 0`, as in torch.
    amsgrad : bool, default False
        Use AMSGrad's running maximum of :math:`v_t`.
    x1 : float, default 0.0
        Starting point (the book's :math:`x_0`; the paper's :math:`x_1`), in :math:`[-1, 1]`.
    decay : bool, default True
        Use :math:`\eta_t = \eta/\sqrt t`; with ``False`` the learning rate is constant.

    Returns
    -------
    OnlineRun
        Iterates, effective learning rates and cumulative regret.

    Raises
    ------
    ValueError
        If ``rounds < 1``, ``x1`` lies outside :math:`[-1, 1]`, or a hyperparameter is out of
        range (the message names it).
    """
    if isinstance(rounds, bool) or not isinstance(rounds, (int, np.integer)):
        raise TypeError(f"rounds must be an int, got {rounds!r}")
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {rounds}")
    if not isinstance(problem, LinearOnlineProblem):
        raise TypeError(f"problem must be a LinearOnlineProblem, got {type(problem).__name__}")
    base_lr = check_non_negative("lr", lr)
    beta1, beta2 = check_betas(betas)
    eps = check_non_negative("eps", eps)
    start = float(x1)
    if not FEASIBLE_SET[0] <= start <= FEASIBLE_SET[1]:
        raise ValueError(f"x1 must lie in [-1, 1], got {x1}")

    # The arithmetic of tutorial_utils.reference.adam_step on one coordinate, in Python floats
    # (numpy 0-d arrays cost ~20 us per step, floats ~1 us); tests/test_online.py checks that
    # both give identical bits.
    coefficients = problem.coefficients(np.arange(1, rounds + 1)).tolist()
    xs = [start] + [0.0] * rounds
    effective = [0.0] * rounds
    lower, upper = FEASIBLE_SET
    sqrt = math.sqrt
    weight = 1 - beta1
    lerp_near_start = abs(weight) < 0.5  # torch.lerp's two forms, as in reference._lerp
    x, m, v, v_max = start, 0.0, 0.0, 0.0
    for t in range(1, rounds + 1):
        lr_t = base_lr / sqrt(t) if decay else base_lr
        g = coefficients[t - 1]
        m = m + weight * (g - m) if lerp_near_start else g - (g - m) * (1 - weight)
        v = v * beta2 + (1 - beta2) * g * g
        bias_correction1 = 1 - beta1**t
        bias_correction2_sqrt = (1 - beta2**t) ** 0.5
        if amsgrad:
            v_max = max(v_max, v)
            v_used = v_max
        else:
            v_used = v
        denom = sqrt(v_used) / bias_correction2_sqrt + eps
        x = x + (-(lr_t / bias_correction1)) * (m / denom)
        x = min(max(x, lower), upper)  # projection onto F
        xs[t] = x
        effective[t - 1] = lr_t / (bias_correction1 * (sqrt(v_used) / sqrt(1 - beta2**t) + eps))
    x_arr = np.array(xs)
    return OnlineRun(x=x_arr, effective_lr=np.array(effective), regret=problem.regret(x_arr[:-1]))
