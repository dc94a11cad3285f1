r"""Toy problems with analytic gradients, used by the chapters and exercises.

Everything here is NumPy float64, except :func:`adding_problem`, which returns torch tensors for
training recurrent networks. The analytic gradients are tested against finite differences and
against torch autograd in ``tests/test_problems.py``.

One interface for every problem: ``loss(...)`` (also ``problem(...)``), ``grad(...)`` with the
arguments of ``loss`` and, where the minimum is known in closed form, the property ``minimizer``.

Problems
--------
Quadratic, ill_conditioned_quadratic
    :math:`f(x) = \tfrac12 x^\top A x - b^\top x`, the local model of every smooth loss.
Rosenbrock
    The banana-shaped valley :math:`(a - x)^2 + b (y - x^2)^2`.
DeepChain
    A deep fully connected chain :math:`h_l = \phi(W_l h_{l-1})` whose backward pass shows
    gradients vanish or explode with depth.
SingleUnitRNN
    The one-unit recurrent network of :cite:t:`pascanu2013difficulty` with its loss "cliff".
adding_problem
    The long-range "adding" benchmark :cite:p:`hochreiter1997long,le2015simple`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tutorial_utils._validation import check_int

__all__ = [
    "ACTIVATIONS",
    "ChainCache",
    "DeepChain",
    "Quadratic",
    "Rosenbrock",
    "SingleUnitRNN",
    "adding_problem",
    "ill_conditioned_quadratic",
    "sigmoid",
]


def sigmoid(z: np.ndarray) -> np.ndarray:
    r"""Logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`, computed without overflow."""
    z = np.asarray(z, dtype=np.float64)
    # exp(-|z|) <= 1 never overflows; the two branches are the same function.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _as_vectors(x: np.ndarray, dim: int, name: str = "x") -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0 or x.shape[-1] != dim:
        raise ValueError(f"{name} must have shape (..., {dim}), got {x.shape}")
    return x


# --------------------------------------------------------------------------------------------
# Quadratics
# --------------------------------------------------------------------------------------------


class Quadratic:
    r"""Quadratic :math:`f(x) = \tfrac12 x^\top A x - b^\top x` with symmetric positive definite A.

    .. math::
        \nabla f(x) = A x - b, \qquad \nabla^2 f(x) = A, \qquad x^\star = A^{-1} b,

    and the condition number :math:`\kappa = \lambda_{\max}(A) / \lambda_{\min}(A)` governs how
    slowly gradient descent converges :cite:p:`nocedal2006numerical`.

    :meth:`loss` and :meth:`grad` accept a single point of shape ``(d,)`` or a stack of points
    of shape ``(..., d)`` (for example a plotting grid) and reduce over the last axis.

    Parameters
    ----------
    A : array_like, shape (d, d)
        Symmetric positive definite matrix (checked).
    b : array_like, shape (d,), optional
        Linear term; zero by default, so the minimizer is the origin.
    """

    def __init__(self, A: np.ndarray, b: np.ndarray | None = None) -> None:
        A = np.array(A, dtype=np.float64)
        if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
            raise ValueError(f"A must be a non-empty square matrix, got shape {A.shape}")
        if not np.allclose(A, A.T, rtol=1e-12, atol=1e-12 * np.abs(A).max()):
            raise ValueError("A must be symmetric")
        eigenvalues = np.linalg.eigvalsh(A)
        if eigenvalues[0] <= 0:
            raise ValueError(
                f"A must be positive definite, its smallest eigenvalue is {eigenvalues[0]:.3g}"
            )
        self.A = 0.5 * (A + A.T)
        self.dim = A.shape[0]
        self.b = np.zeros(self.dim) if b is None else np.array(b, dtype=np.float64)
        if self.b.shape != (self.dim,):
            raise ValueError(f"b must have shape ({self.dim},), got {self.b.shape}")
        self.eigenvalues = eigenvalues

    def loss(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\tfrac12 x^\top A x - b^\top x`, over the last axis of ``x``."""
        x = _as_vectors(x, self.dim)
        return 0.5 * np.einsum("...i,ij,...j->...", x, self.A, x) - x @ self.b

    __call__ = loss

    def grad(self, x: np.ndarray) -> np.ndarray:
        r""":math:`A x - b`, same shape as ``x``."""
        x = _as_vectors(x, self.dim)
        return x @ self.A - self.b  # A is symmetric, so x A = (A x)^T

    def hessian(self, x: np.ndarray | None = None) -> np.ndarray:
        """The constant Hessian ``A`` (a copy); ``x`` is accepted for a uniform interface."""
        return self.A.copy()

    @property
    def minimizer(self) -> np.ndarray:
        r"""The unique minimizer :math:`x^\star = A^{-1} b`."""
        return np.linalg.solve(self.A, self.b)

    @property
    def condition_number(self) -> float:
        r""":math:`\kappa = \lambda_{\max} / \lambda_{\min}`."""
        return float(self.eigenvalues[-1] / self.eigenvalues[0])


def ill_conditioned_quadratic(
    condition_number: float = 10.0, angle: float = 0.0, dim: int = 2
) -> Quadratic:
    r"""A quadratic with prescribed condition number, rotated by ``angle`` (radians).

    .. math::
        A = R(\theta)\, \operatorname{diag}(\lambda_1, \ldots, \lambda_d)\, R(\theta)^\top,
        \qquad \lambda_i = \kappa^{(i-1)/(d-1)},

    so the eigenvalues run geometrically from 1 to :math:`\kappa` and :math:`b = 0` (minimizer at
    the origin). :math:`R(\theta)` rotates the plane of the first two coordinates; with
    :math:`\theta \neq 0` the axes of the valley are no longer the coordinate axes, which
    matters for per-coordinate methods such as Adam.

    Parameters
    ----------
    condition_number : float, default 10
        :math:`\kappa \ge 1`.
    angle : float, default 0
        Rotation angle :math:`\theta` in radians.
    dim : int, default 2
        Dimension :math:`d \ge 1` (for ``dim=1`` the condition number must be 1).

    Returns
    -------
    Quadratic
    """
    kappa = float(condition_number)
    if not np.isfinite(kappa) or kappa < 1.0:
        raise ValueError(f"condition_number must be a finite number >= 1, got {condition_number}")
    dim = check_int("dim", dim, minimum=1)
    if dim == 1:
        if kappa != 1.0:
            raise ValueError("dim=1 allows only condition_number=1")
        return Quadratic(np.ones((1, 1)))
    eigenvalues = kappa ** (np.arange(dim) / (dim - 1))
    rotation = np.eye(dim)
    c, s = np.cos(angle), np.sin(angle)
    rotation[:2, :2] = [[c, -s], [s, c]]
    A = rotation @ np.diag(eigenvalues) @ rotation.T
    return Quadratic(0.5 * (A + A.T))


# --------------------------------------------------------------------------------------------
# Rosenbrock
# --------------------------------------------------------------------------------------------


class Rosenbrock:
    r"""Rosenbrock's function :math:`f(x, y) = (a - x)^2 + b\,(y - x^2)^2`.

    .. math::
        \nabla f = \begin{pmatrix} -2(a - x) - 4 b x (y - x^2) \\ 2 b (y - x^2) \end{pmatrix},
        \qquad
        \nabla^2 f = \begin{pmatrix} 2 - 4 b y + 12 b x^2 & -4 b x \\ -4 b x & 2 b \end{pmatrix},

    with the unique minimizer :math:`(a, a^2)` for :math:`b > 0` :cite:p:`nocedal2006numerical`.
    :meth:`loss` and :meth:`grad` accept points of shape ``(..., 2)``.

    Parameters
    ----------
    a, b : float
        Defaults 1 and 100 (the classic valley); ``b`` must be positive.
    """

    dim = 2

    def __init__(self, a: float = 1.0, b: float = 100.0) -> None:
        if not b > 0:
            raise ValueError(f"b must be positive, got {b}")
        self.a = float(a)
        self.b = float(b)

    def loss(self, x: np.ndarray) -> np.ndarray:
        """Function value, over the last axis of ``x``."""
        x = _as_vectors(x, 2)
        u, v = x[..., 0], x[..., 1]
        return (self.a - u) ** 2 + self.b * (v - u**2) ** 2

    __call__ = loss

    def grad(self, x: np.ndarray) -> np.ndarray:
        """Gradient, same shape as ``x``."""
        x = _as_vectors(x, 2)
        u, v = x[..., 0], x[..., 1]
        r = v - u**2
        return np.stack([-2.0 * (self.a - u) - 4.0 * self.b * u * r, 2.0 * self.b * r], axis=-1)

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """Hessian at one point ``x`` of shape ``(2,)`` (or ``(..., 2, 2)`` for a stack)."""
        x = _as_vectors(x, 2)
        u, v = x[..., 0], x[..., 1]
        h11 = 2.0 - 4.0 * self.b * v + 12.0 * self.b * u**2
        h12 = -4.0 * self.b * u
        h22 = np.full_like(u, 2.0 * self.b)
        return np.stack([np.stack([h11, h12], -1), np.stack([h12, h22], -1)], -2)

    @property
    def minimizer(self) -> np.ndarray:
        r"""The minimizer :math:`(a, a^2)`."""
        return np.array([self.a, self.a**2])


# --------------------------------------------------------------------------------------------
# Deep chain
# --------------------------------------------------------------------------------------------


def _linear(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return z.copy(), np.ones_like(z)


def _tanh(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = np.tanh(z)
    return t, 1.0 - t**2


def _sigmoid(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = sigmoid(z)
    return s, s * (1.0 - s)


def _relu(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # derivative at 0 taken as 0, as torch does
    return np.maximum(z, 0.0), (z > 0).astype(np.float64)


#: Activation name -> function returning (phi(z), phi'(z)).
ACTIVATIONS: dict[str, Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]] = {
    "linear": _linear,
    "tanh": _tanh,
    "sigmoid": _sigmoid,
    "relu": _relu,
}


@dataclass(frozen=True)
class ChainCache:
    """What :meth:`DeepChain.forward` stores for the backward pass.

    Attributes
    ----------
    activations : list of ndarray
        :math:`h_0 = x, h_1, \\ldots, h_L` (``depth + 1`` arrays of shape ``(..., width)``).
    preactivations : list of ndarray
        :math:`a_1, \\ldots, a_L` with :math:`a_l = W_l h_{l-1}` (``depth`` arrays).
    derivatives : list of ndarray
        :math:`\\phi'(a_1), \\ldots, \\phi'(a_L)`.
    """

    activations: list[np.ndarray]
    preactivations: list[np.ndarray]
    derivatives: list[np.ndarray]


class DeepChain:
    r"""A deep fully connected chain without biases, to study gradients through depth.

    .. math::
        a_l = W_l h_{l-1}, \qquad h_l = \phi(a_l), \qquad l = 1, \ldots, L,
        \qquad (W_l)_{ij} \sim \mathcal N\!\left(0, \frac{s^2}{n}\right),

    with :math:`h_0 = x`, width :math:`n` and ``weight_scale`` :math:`s`. The backward pass is
    the product of the layer Jacobians :math:`J_l = \partial h_l / \partial h_{l-1} =
    \operatorname{diag}(\phi'(a_l))\, W_l`:

    .. math::
        \frac{\partial L}{\partial h_{l-1}} = J_l^\top \frac{\partial L}{\partial h_l}
        = W_l^\top \left(\phi'(a_l) \odot \frac{\partial L}{\partial h_l}\right),

    so :math:`\|\partial L / \partial h_l\|` shrinks or grows geometrically with the distance
    :math:`L - l` unless the Jacobians are close to norm-preserving
    :cite:p:`bengio1994learning,glorot2010understanding`. Critical scales: :math:`s = 1` for
    ``linear`` and ``tanh`` (Glorot-like), :math:`s = \sqrt 2` for ``relu``
    :cite:p:`he2015delving`.

    Parameters
    ----------
    depth : int
        Number of layers :math:`L \ge 1`.
    width : int
        Width :math:`n \ge 1` of every layer (the matrices are square).
    weight_scale : float, default 1
        :math:`s > 0`.
    activation : {"linear", "tanh", "sigmoid", "relu"}, default "tanh"
    seed : int, default 0
        Seed of ``numpy.random.default_rng`` used to draw the weights.

    Attributes
    ----------
    weights : list of ndarray
        :math:`W_1, \ldots, W_L`, each of shape ``(width, width)``.
    """

    def __init__(
        self,
        depth: int,
        width: int,
        weight_scale: float = 1.0,
        activation: str = "tanh",
        seed: int = 0,
    ) -> None:
        depth, width = check_int("depth", depth, 1), check_int("width", width, 1)
        if not (np.isfinite(weight_scale) and weight_scale > 0):
            raise ValueError(f"weight_scale must be positive and finite, got {weight_scale}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.depth, self.width = int(depth), int(width)
        self.weight_scale = float(weight_scale)
        self.activation = activation
        rng = np.random.default_rng(seed)
        std = self.weight_scale / np.sqrt(self.width)
        self.weights = [rng.normal(0.0, std, size=(self.width, self.width)) for _ in range(depth)]

    def forward(self, x: np.ndarray) -> ChainCache:
        """Run the chain on ``x`` of shape ``(width,)`` or ``(batch, width)``.

        Returns
        -------
        ChainCache
            All activations (``cache.activations[-1]`` is the output), pre-activations and
            activation derivatives.
        """
        h = _as_vectors(x, self.width).copy()
        phi = ACTIVATIONS[self.activation]
        activations, preactivations, derivatives = [h], [], []
        for W in self.weights:
            a = h @ W.T
            h, dphi = phi(a)
            preactivations.append(a)
            derivatives.append(dphi)
            activations.append(h)
        return ChainCache(activations, preactivations, derivatives)

    def backward(self, cache: ChainCache, grad_output: np.ndarray) -> list[np.ndarray]:
        r"""Back-propagate :math:`g_L = \partial L / \partial h_L` through all layers.

        Parameters
        ----------
        cache : ChainCache
            From :meth:`forward`.
        grad_output : array_like, shape like the output
            :math:`\partial L / \partial h_L`; for :math:`L = u^\top h_L` this is ``u``.

        Returns
        -------
        list of ndarray
            :math:`[\partial L / \partial h_0, \ldots, \partial L / \partial h_L]` (``depth + 1``
            arrays), so entry ``l`` is the gradient at layer ``l``.
        """
        g = np.array(grad_output, dtype=np.float64)
        if g.shape != cache.activations[-1].shape:
            raise ValueError(
                f"grad_output must have shape {cache.activations[-1].shape}, got {g.shape}"
            )
        grads = [g]
        for W, dphi in zip(reversed(self.weights), reversed(cache.derivatives)):
            g = (dphi * g) @ W  # J_l^T g = W_l^T (phi'(a_l) * g), row-vector form
            grads.append(g)
        return grads[::-1]

    def weight_gradients(
        self, cache: ChainCache, activation_grads: list[np.ndarray]
    ) -> list[np.ndarray]:
        r""":math:`\partial L / \partial W_l = \delta_l h_{l-1}^\top` with
        :math:`\delta_l = \phi'(a_l) \odot \partial L / \partial h_l` (summed over a batch)."""
        out = []
        for l in range(1, self.depth + 1):
            delta = cache.derivatives[l - 1] * activation_grads[l]
            h_prev = cache.activations[l - 1]
            n = self.width
            out.append(delta.reshape(-1, n).T @ h_prev.reshape(-1, n))
        return out

    def gradient_norms(self, x: np.ndarray, grad_output: np.ndarray) -> np.ndarray:
        r"""Euclidean norms :math:`\|\partial L / \partial h_l\|` for :math:`l = 0, \ldots, L`.

        For a batch, the norm is taken over the whole ``(batch, width)`` array.
        """
        grads = self.backward(self.forward(x), grad_output)
        return np.array([np.linalg.norm(g) for g in grads])

    def jacobians(self, cache: ChainCache) -> list[np.ndarray]:
        r"""Layer Jacobians :math:`J_l = \operatorname{diag}(\phi'(a_l)) W_l` for one input."""
        if cache.activations[0].ndim != 1:
            raise ValueError("jacobians needs a single input of shape (width,)")
        return [dphi[:, None] * W for W, dphi in zip(self.weights, cache.derivatives)]


# --------------------------------------------------------------------------------------------
# Single-unit RNN
# --------------------------------------------------------------------------------------------


class SingleUnitRNN:
    r"""The one-unit recurrent network of :cite:t:`pascanu2013difficulty` (Sec. 2.3).

    .. math::
        x_t = w\, \sigma(x_{t-1}) + b, \quad t = 1, \ldots, K, \qquad
        \mathcal L(w, b) = \tfrac12 (x_K - y)^2,

    with :math:`\sigma` the logistic sigmoid and no input (:math:`K` is ``steps``). The gradient
    is computed in forward mode, propagating the sensitivities :math:`\partial_w x_t` and
    :math:`\partial_b x_t` alongside the state, both 0 at :math:`t = 0`:

    .. math::
        \partial_w x_t &= \sigma(x_{t-1}) + w\, \sigma'(x_{t-1})\, \partial_w x_{t-1}, \\
        \partial_b x_t &= 1 + w\, \sigma'(x_{t-1})\, \partial_b x_{t-1},

    .. math::
        \frac{\partial \mathcal L}{\partial w} = (x_K - y)\, \partial_w x_K, \qquad
        \frac{\partial \mathcal L}{\partial b} = (x_K - y)\, \partial_b x_K.

    From the paper (their Sec. 2.3 and Fig. 6): the model (one hidden unit, no input, initial
    state :math:`x_0 = 0.5`), the target :math:`0.7` for the state after 50 steps (their loss is
    :math:`(\sigma(x_{50}) - 0.7)^2`), and the observation that the loss surface has steep
    "walls" where the map :math:`x \mapsto w\sigma(x) + b` crosses a bifurcation, so the gradient
    norm jumps by orders of magnitude. The loss form :math:`\tfrac12 (x_K - y)^2` (on the state
    itself, with the factor :math:`\tfrac12`) is this book's choice; it has the same walls.

    All methods broadcast over arrays of ``w`` and ``b`` (for loss surfaces).

    Parameters
    ----------
    x0 : float, default 0.5
        Initial state.
    steps : int, default 50
        Number of steps :math:`K \ge 1`.
    target : float, default 0.7
        Target :math:`y` for :math:`x_T`.
    """

    def __init__(self, x0: float = 0.5, steps: int = 50, target: float = 0.7) -> None:
        steps = check_int("steps", steps, minimum=1)
        self.x0, self.steps, self.target = float(x0), int(steps), float(target)

    def states(self, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        """States :math:`x_0, \\ldots, x_T`, stacked on a new leading axis of length ``T + 1``."""
        w, b = np.broadcast_arrays(np.asarray(w, np.float64), np.asarray(b, np.float64))
        x = np.full(w.shape, self.x0)
        out = [x]
        for _ in range(self.steps):
            x = w * sigmoid(x) + b
            out.append(x)
        return np.stack(out)

    def loss(self, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        r""":math:`\tfrac12 (x_T - y)^2`, broadcast over ``w`` and ``b``."""
        return 0.5 * (self.states(w, b)[-1] - self.target) ** 2

    def grad(self, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r"""Analytic :math:`(\partial \mathcal L / \partial w, \partial \mathcal L / \partial b)`
        by the forward-mode recursion above; each has the broadcast shape of ``w`` and ``b``."""
        w, b = np.broadcast_arrays(np.asarray(w, np.float64), np.asarray(b, np.float64))
        x = np.full(w.shape, self.x0)
        p = np.zeros(w.shape)
        q = np.zeros(w.shape)
        for _ in range(self.steps):
            s = sigmoid(x)
            ds = s * (1.0 - s)
            p = s + w * ds * p
            q = 1.0 + w * ds * q
            x = w * s + b
        residual = x - self.target
        return residual * p, residual * q


# --------------------------------------------------------------------------------------------
# Adding problem
# --------------------------------------------------------------------------------------------


def adding_problem(batch_size: int, seq_len: int, generator):  # -> tuple[Tensor, Tensor]
    r"""A batch of the adding problem :cite:p:`hochreiter1997long,le2015simple`.

    Each sequence has two channels: channel 0 holds values :math:`u_t \sim U(0, 1)`, channel 1
    is zero except for two markers equal to 1, one at a position drawn uniformly from the first
    half :math:`\{0, \ldots, \lfloor T/2 \rfloor - 1\}` and one from the second half
    :math:`\{\lfloor T/2 \rfloor, \ldots, T - 1\}`. The target is the sum of the two marked
    values,

    .. math::
        y = \sum_{t} u_t\, m_t \in [0, 2],

    as in :cite:t:`le2015simple`; predicting the constant 1 gives a mean squared error of
    :math:`\operatorname{Var}(u_1 + u_2) = 1/6`, the baseline to beat. (The original task of
    :cite:t:`hochreiter1997long` uses values in [-1, 1], other marker positions and a rescaled
    target.) The output is a deterministic function of the generator's state.

    Parameters
    ----------
    batch_size : int
        Number of sequences :math:`B \ge 1`.
    seq_len : int
        Sequence length :math:`T \ge 2`.
    generator : torch.Generator
        Source of randomness (CPU generator), e.g. ``torch.Generator().manual_seed(0)``.

    Returns
    -------
    inputs : torch.Tensor, shape (B, T, 2), float32
    targets : torch.Tensor, shape (B, 1), float32
    """
    import torch  # local import: the NumPy problems above do not need torch

    batch_size = check_int("batch_size", batch_size, minimum=1)
    seq_len = check_int("seq_len", seq_len, minimum=2)
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    batch_size, seq_len = int(batch_size), int(seq_len)
    half = seq_len // 2
    values = torch.rand(batch_size, seq_len, generator=generator)
    first = torch.randint(0, half, (batch_size,), generator=generator)
    second = torch.randint(half, seq_len, (batch_size,), generator=generator)
    markers = torch.zeros(batch_size, seq_len)
    rows = torch.arange(batch_size)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    inputs = torch.stack([values, markers], dim=-1)
    targets = (values * markers).sum(dim=1, keepdim=True)
    return inputs, targets
