r"""Adam, AMSGrad and AdamW as one pure NumPy step function.

The state is an immutable :class:`AdamState`; :func:`adam_step` returns a new parameter array and a
new state and never touches its inputs. The algebra *and the order of the floating-point
operations* follow ``torch.optim.Adam`` (``tutorial_utils.TORCH_VERSION_TESTED``), so that
the float64 results agree with PyTorch to the last few ulps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tutorial_utils._validation import as_float_array, check_adam_hyperparameters, check_int

__all__ = ["AdamState", "adam_init", "adam_step"]


@dataclass(frozen=True)
class AdamState:
    r"""Per-parameter state of Adam after ``step`` updates.

    Attributes
    ----------
    step : int
        Number of updates taken so far, :math:`t` (0 before the first update).
    m : numpy.ndarray
        First-moment estimate :math:`m_t` (exponential moving average of the gradient).
    v : numpy.ndarray
        Second-moment estimate :math:`v_t` (exponential moving average of the squared gradient).
    v_max : numpy.ndarray
        Running maximum :math:`\hat v^{\max}_t = \max(\hat v^{\max}_{t-1}, v_t)` used by AMSGrad;
        stays zero when ``amsgrad=False``.
    """

    step: int
    m: np.ndarray
    v: np.ndarray
    v_max: np.ndarray


def _lerp(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """``start + weight * (end - start)``, in the form ``torch.lerp`` evaluates it.

    For ``weight >= 0.5`` torch uses ``end - (end - start) * (1 - weight)``, which is exact at
    ``weight = 1`` (``beta1 = 0``).
    """
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def adam_init(param: np.ndarray) -> AdamState:
    """Fresh Adam state for ``param``: ``step = 0`` and zero moments of the same shape.

    Parameters
    ----------
    param : array_like
        The parameter array (any shape, including 0-d and size 0), real floating point.

    Returns
    -------
    AdamState
        ``AdamState(step=0, m=0, v=0, v_max=0)`` with float64 arrays shaped like ``param``.
    """
    shape = as_float_array("param", param).shape
    return AdamState(step=0, m=np.zeros(shape), v=np.zeros(shape), v_max=np.zeros(shape))


def _check_state(state: AdamState, shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    if not isinstance(state, AdamState):
        raise TypeError(f"state must be an AdamState (see adam_init), got {type(state).__name__}")
    check_int("state.step", state.step, minimum=0)
    arrays = []
    for field in ("m", "v", "v_max"):
        array = as_float_array(f"state.{field}", getattr(state, field))
        if array.shape != shape:
            raise ValueError(f"state.{field} has shape {array.shape} but param has shape {shape}")
        arrays.append(array)
    return tuple(arrays)


def adam_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: AdamState,
    *,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    decoupled_weight_decay: bool = False,
    amsgrad: bool = False,
    maximize: bool = False,
) -> tuple[np.ndarray, AdamState]:
    r"""One step of Adam :cite:p:`kingma2015adam`, AMSGrad :cite:p:`reddi2018convergence` or AdamW.

    With :math:`t` the new step count, :math:`g` the gradient (negated if ``maximize``),
    :math:`\lambda` = ``weight_decay`` and :math:`\alpha` = ``lr``:

    .. math::
        g &\leftarrow g + \lambda\,\theta
            \quad\text{(L2 penalty; only if not decoupled)}\\
        \theta &\leftarrow \theta\,(1 - \alpha\lambda)
            \quad\text{(decoupled decay, AdamW; applied first)}\\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g\\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g \odot g\\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \ \text{if AMSGrad, else}\ v_t\\
        \theta_t &= \theta - \frac{\alpha}{1 - \beta_1^t}\,
            \frac{m_t}{\sqrt{\hat v_t} / \sqrt{1 - \beta_2^t} + \epsilon}.

    This is ``torch.optim.Adam`` (and ``torch.optim.AdamW`` with
    ``decoupled_weight_decay=True``) term for term and in the same order: ``m`` is updated as
    ``m + (1 - beta1) * (g - m)`` (``Tensor.lerp_``), the bias corrections are Python floats,
    AMSGrad takes the maximum of the *raw* :math:`v_t` before bias correction, and
    :math:`\epsilon` is added after dividing by :math:`\sqrt{1 - \beta_2^t}`.

    Decoupled weight decay is that of :cite:t:`loshchilov2019decoupled` with one difference:
    torch (and this function) multiply the decay by ``lr``, so ``weight_decay`` here equals the
    paper's :math:`\lambda` divided by ``lr``.

    Other libraries differ in details that change the numbers:

    - ``optax.adam`` computes :math:`\hat m / (\sqrt{\hat v + \epsilon_\text{root}} + \epsilon)`
      with bias-corrected moments (same algebra, other rounding), and ``optax.amsgrad`` takes
      the maximum of the bias-*corrected* :math:`\hat v_t`, which gives different iterates;
      ``optax.adamw`` also multiplies the decay by the learning rate.
    - Keras adds :math:`\hat\epsilon` to :math:`\sqrt{v_t}` *before* the bias correction
      (default :math:`\hat\epsilon = 10^{-7}`), i.e. torch's ``eps`` equals
      :math:`\hat\epsilon / \sqrt{1 - \beta_2^t}`, which changes with :math:`t`; Keras's
      ``weight_decay`` is always decoupled.

    Parameters
    ----------
    param : array_like
        Current parameters :math:`\theta` (any shape, real floating point; used in float64).
    grad : array_like
        Gradient of the loss at ``param``, same shape.
    state : AdamState
        State from :func:`adam_init` or a previous call; its arrays must match ``param``'s shape.
    lr : float, default 1e-3
        Learning rate :math:`\alpha \ge 0`.
    betas : tuple of float, default (0.9, 0.999)
        Decay rates :math:`(\beta_1, \beta_2)`, each in :math:`[0, 1)`.
    eps : float, default 1e-8
        :math:`\epsilon \ge 0` added to the denominator.
    weight_decay : float, default 0.0
        :math:`\lambda \ge 0`.
    decoupled_weight_decay : bool, default False
        Decay the weights directly (AdamW) instead of adding :math:`\lambda\theta` to the gradient.
    amsgrad : bool, default False
        Normalise by the running maximum of :math:`v_t` (AMSGrad).
    maximize : bool, default False
        Ascend instead of descend (the gradient is negated first, as in torch).

    Returns
    -------
    new_param : numpy.ndarray
        Updated float64 parameters.
    new_state : AdamState
        The state after the step (``step`` incremented by one); ``v_max`` is carried unchanged
        when ``amsgrad=False``.

    Raises
    ------
    ValueError
        For a hyperparameter out of range (naming it) or a shape mismatch between ``param``,
        ``grad`` and the state arrays (naming which).
    TypeError
        For non-floating-point arrays or a state that is not an :class:`AdamState`.

    Examples
    --------
    >>> import numpy as np
    >>> p, s = np.array([1.0, -2.0]), adam_init(np.zeros(2))
    >>> p, s = adam_step(p, np.array([3.0, -1e-4]), s, lr=0.1)
    >>> np.round(p, 6).tolist(), s.step
    ([0.9, -1.9], 1)
    """
    lr, (beta1, beta2), eps, weight_decay = check_adam_hyperparameters(lr, betas, eps, weight_decay)
    theta = as_float_array("param", param)
    g = as_float_array("grad", grad)
    if g.shape != theta.shape:
        raise ValueError(f"grad has shape {g.shape} but param has shape {theta.shape}")
    m, v, v_max = _check_state(state, theta.shape)

    # Every operation below is out of place, so no input array is modified.
    if maximize:
        g = -g
    if weight_decay != 0:
        if decoupled_weight_decay:
            theta = theta * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * theta

    step = int(state.step) + 1
    m = _lerp(m, g, 1 - beta1)  # beta1 * m + (1 - beta1) * g
    v = v * beta2 + (1 - beta2) * g * g

    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    step_size = lr / bias_correction1
    bias_correction2_sqrt = bias_correction2**0.5

    if amsgrad:
        v_max = np.maximum(v_max, v)
        denom = np.sqrt(v_max) / bias_correction2_sqrt + eps
    else:
        denom = np.sqrt(v) / bias_correction2_sqrt + eps
    theta = theta + (-step_size) * (m / denom)
    # np.asarray: NumPy turns the results for 0-d inputs into scalars, not arrays.
    return np.asarray(theta), AdamState(
        step=step, m=np.asarray(m), v=np.asarray(v), v_max=np.asarray(v_max)
    )
