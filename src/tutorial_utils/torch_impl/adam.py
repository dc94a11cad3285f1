r"""Adam, AMSGrad and AdamW as a ``torch.optim.Optimizer``, in parity with ``torch.optim.Adam``.

The update runs as in-place multi-tensor (``torch._foreach_*``) operations, one batch per
(device, dtype), with the bias corrections computed as Python floats so that no value is copied
from the device to the host. The per-parameter state has torch's layout (``step``, ``exp_avg``,
``exp_avg_sq``, ``max_exp_avg_sq``), so ``state_dict()`` can be loaded into
``torch.optim.Adam``/``AdamW`` and the other way round.

On the CPU the batches are cut into chunks of about :data:`CPU_CHUNK_ELEMENTS` elements: each chunk
goes through all the operations of the update while it is still in cache, instead of streaming every
tensor through memory once per operation as a single batch over all parameters does. On CUDA there
is one batch per (device, dtype), as in torch. ``benchmarks/bench_adam.py`` measures the effect.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple, overload

import torch
from torch import Tensor

from tutorial_utils._validation import check_adam_hyperparameters

__all__ = ["Adam", "AdamW", "CPU_CHUNK_ELEMENTS"]

#: Largest number of elements updated by one chunk of multi-tensor operations on the CPU (a
#: tensor larger than this is a chunk of its own). Five float32 arrays of this size (parameter,
#: gradient, two moments, denominator) fill about 1.3 MB, which fits a typical L2 cache.
CPU_CHUNK_ELEMENTS = 1 << 16

_HYPERPARAMETERS = ("lr", "betas", "eps", "weight_decay")


def _scalar_dtype() -> torch.dtype:
    """dtype of the ``step`` counter as torch picks it: float32 unless the default is float64."""
    return torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32


class Adam(torch.optim.Optimizer):
    r"""Adam :cite:p:`kingma2015adam`, AMSGrad :cite:p:`reddi2018convergence` and AdamW.

    For every parameter :math:`\theta` with gradient :math:`g` (negated if ``maximize``), step
    count :math:`t`, learning rate :math:`\alpha` and weight decay :math:`\lambda`:

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

    These are the operations of ``torch.optim.Adam`` (the torch version in
    ``tutorial_utils.TORCH_VERSION_TESTED``) in the same order, so the
    results agree with it bit for bit on the CPU; the NumPy twin is
    :func:`tutorial_utils.reference.adam_step`, whose docstring also explains how optax and Keras
    differ. Decoupled weight decay follows :cite:t:`loshchilov2019decoupled`, except that, as in
    torch, the decay is multiplied by ``lr`` (``weight_decay`` = paper's :math:`\lambda` / ``lr``).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimise, or parameter groups (dicts with a ``"params"`` entry and optional
        per-group ``lr``, ``betas``, ``eps``, ``weight_decay``, ``amsgrad``, ``maximize``,
        ``decoupled_weight_decay``). Real floating-point tensors on any device.
    lr : float, default 1e-3
        Learning rate :math:`\alpha \ge 0`.
    betas : tuple of float, default (0.9, 0.999)
        :math:`(\beta_1, \beta_2)`, each in :math:`[0, 1)`.
    eps : float, default 1e-8
        :math:`\epsilon \ge 0`, added to the denominator after the bias correction.
    weight_decay : float, default 0.0
        :math:`\lambda \ge 0`.
    amsgrad : bool, default False
        Use the running maximum of :math:`v_t` (AMSGrad).
    maximize : bool, default False
        Maximise the objective instead of minimising it.
    decoupled_weight_decay : bool, default False
        Decay the weights directly (AdamW) instead of adding :math:`\lambda\theta` to :math:`g`.
    foreach : bool, optional
        ``None`` or ``True``: multi-tensor updates (in cache-sized chunks on the CPU); ``False``:
        one tensor at a time. The results are the same bit for bit.
    capturable, differentiable, fused : bool
        Accepted for torch's signature; only their defaults (``False``, ``False``, ``None`` or
        ``False``) are supported, other values raise ``ValueError`` naming ``torch.optim.Adam``.

    Raises
    ------
    ValueError
        For an empty parameter list (``"optimizer got an empty parameter list"``, from
        ``torch.optim.Optimizer``) or a hyperparameter out of range (the message names it).
    TypeError
        For integer, boolean or complex parameters (torch's ``Adam`` accepts complex ones by
        viewing them as real pairs; this tutorial version does not).
    RuntimeError
        From :meth:`step` for sparse gradients, as torch does.

    Notes
    -----
    Differences from ``torch.optim.Adam``: no CUDA-graph capture, fused kernel or
    differentiable step; Tensor-valued ``lr``/``betas`` are converted to floats; hyperparameters
    are validated for each parameter group (torch checks only the defaults).
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        for name, value, supported in (
            ("capturable", capturable, (False,)),
            ("differentiable", differentiable, (False,)),
            ("fused", fused, (None, False)),
        ):
            if value not in supported:
                raise ValueError(
                    f"{name}={value!r} is not supported by tutorial_utils.torch_impl.Adam; use "
                    f"torch.optim.{type(self).__name__}({name}={value!r}) instead"
                )
        lr, betas, eps, weight_decay = check_adam_hyperparameters(lr, betas, eps, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": bool(amsgrad),
            "maximize": bool(maximize),
            "foreach": foreach,
            "decoupled_weight_decay": bool(decoupled_weight_decay),
        }
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a parameter group after validating its hyperparameters and parameter dtypes."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        values = [param_group.get(name, self.defaults[name]) for name in _HYPERPARAMETERS]
        checked = dict(zip(_HYPERPARAMETERS, check_adam_hyperparameters(*values)))
        group = dict(param_group)
        group.update({name: checked[name] for name in _HYPERPARAMETERS if name in param_group})
        super().add_param_group(group)
        for index, p in enumerate(self.param_groups[-1]["params"]):
            if not p.is_floating_point():
                self.param_groups.pop()
                raise TypeError(
                    f"params[{index}] has dtype {p.dtype}: Adam needs real floating-point "
                    "parameters"
                )

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Fill in the group options that older checkpoints lack, as ``torch.optim.Adam`` does.

        ``load_state_dict`` takes every group's options from the checkpoint; one written before
        torch had ``maximize`` or ``decoupled_weight_decay`` would otherwise fail in :meth:`step`.
        """
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("decoupled_weight_decay", False)

    def _init_group(
        self, group: dict[str, Any]
    ) -> tuple[list[Tensor], list[Tensor], list[Tensor], list[Tensor], list[Tensor], list[Tensor]]:
        """Collect the parameters that have a gradient and their state (created on first use)."""
        params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps = [], [], [], [], [], []
        for index, p in enumerate(group["params"]):
            if p.grad is None:
                continue
            if p.grad.is_sparse:
                raise RuntimeError(
                    f"params[{index}] has a sparse gradient: Adam does not support sparse "
                    "gradients, consider torch.optim.SparseAdam"
                )
            state = self.state[p]
            if len(state) == 0:
                # Like torch: the step counter is a float tensor kept on the CPU, so reading it
                # never synchronises with the device.
                state["step"] = torch.tensor(0.0, dtype=_scalar_dtype())
                state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
            if group["amsgrad"]:
                if "max_exp_avg_sq" not in state:
                    state["max_exp_avg_sq"] = torch.zeros_like(
                        p, memory_format=torch.preserve_format
                    )
                max_exp_avg_sqs.append(state["max_exp_avg_sq"])
            step = state["step"]
            if not torch.is_tensor(step) or not step.is_cpu:
                # Old checkpoints store a number; fused/capturable ones keep it on the device.
                state["step"] = step = torch.tensor(float(step), dtype=_scalar_dtype())
            params.append(p)
            grads.append(p.grad)
            exp_avgs.append(state["exp_avg"])
            exp_avg_sqs.append(state["exp_avg_sq"])
            steps.append(step)
        return params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps

    @overload
    def step(self, closure: None = None) -> None: ...

    @overload
    def step(self, closure: Callable[[], float]) -> float: ...

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """Perform one optimisation step.

        Parameters
        ----------
        closure : callable, optional
            Re-evaluates the model and returns the loss (called with gradients enabled).

        Returns
        -------
        float or None
            The closure's loss, if a closure was given.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps = self._init_group(group)
            if not params:
                continue
            _adam_update(
                params,
                grads,
                exp_avgs,
                exp_avg_sqs,
                max_exp_avg_sqs if group["amsgrad"] else None,
                steps,
                _Hyperparameters.of(group),
            )
        return loss


class AdamW(Adam):
    r"""AdamW :cite:p:`loshchilov2019decoupled`: :class:`Adam` with decoupled weight decay.

    The weights are first multiplied by :math:`1 - \alpha\lambda`, then the Adam update (computed
    from the gradient alone) is applied; see :class:`Adam` for the equations. Matches
    ``torch.optim.AdamW``, including its default ``weight_decay=1e-2`` and the decay being
    multiplied by ``lr``.

    Parameters
    ----------
    params, lr, betas, eps, amsgrad, maximize, foreach, capturable, differentiable, fused
        As for :class:`Adam`.
    weight_decay : float, default 1e-2
        Decoupled decay rate :math:`\lambda \ge 0`.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )

    def __setstate__(self, state: dict[str, Any]) -> None:
        """As ``torch.optim.AdamW``: a loaded checkpoint always gets decoupled weight decay."""
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True


class _Hyperparameters(NamedTuple):
    """One parameter group's settings, as the update functions use them."""

    lr: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    decoupled_weight_decay: bool
    maximize: bool
    foreach: bool  # False: one tensor per batch

    @classmethod
    def of(cls, group: dict[str, Any]) -> _Hyperparameters:
        beta1, beta2 = group["betas"]
        return cls(
            lr=group["lr"],
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            decoupled_weight_decay=group["decoupled_weight_decay"],
            maximize=group["maximize"],
            foreach=group.get("foreach") is not False,
        )


def _chunks(tensors: Sequence[Tensor], max_elements: float) -> list[list[int]]:
    """Split ``range(len(tensors))`` into consecutive runs of at most ``max_elements`` elements."""
    chunks: list[list[int]] = [[]]
    size = 0
    for index, tensor in enumerate(tensors):
        n = tensor.numel()
        if chunks[-1] and size + n > max_elements:
            chunks.append([])
            size = 0
        chunks[-1].append(index)
        size += n
    return chunks


def _adam_update(
    params: list[Tensor],
    grads: list[Tensor],
    exp_avgs: list[Tensor],
    exp_avg_sqs: list[Tensor],
    max_exp_avg_sqs: list[Tensor] | None,
    steps: list[Tensor],
    hp: _Hyperparameters,
) -> None:
    """Apply one Adam step in place to every tensor of one parameter group."""
    # Step counters live on the CPU: one batched increment, one batched read, then the bias
    # corrections as Python floats, once per distinct step count (usually just one).
    torch._foreach_add_(steps, torch.tensor(1.0), alpha=1.0)
    step_values = torch.stack(steps).tolist() if len(steps) > 1 else [steps[0].item()]
    corrections = {
        t: ((1 - hp.beta2**t) ** 0.5, -(hp.lr / (1 - hp.beta1**t))) for t in set(step_values)
    }

    batches: dict[tuple[torch.device, torch.dtype], list[int]] = defaultdict(list)
    for index, p in enumerate(params):
        batches[(p.device, p.dtype)].append(index)

    for (device, _), indices in batches.items():
        max_elements = CPU_CHUNK_ELEMENTS if device.type == "cpu" else math.inf
        max_elements = max_elements if hp.foreach else 0  # 0: every tensor is a chunk of its own
        for chunk in _chunks([params[i] for i in indices], max_elements):
            chosen = [indices[i] for i in chunk]
            _adam_update_batch(
                [params[i] for i in chosen],
                [grads[i] for i in chosen],
                [exp_avgs[i] for i in chosen],
                [exp_avg_sqs[i] for i in chosen],
                None if max_exp_avg_sqs is None else [max_exp_avg_sqs[i] for i in chosen],
                [corrections[step_values[i]][0] for i in chosen],
                [corrections[step_values[i]][1] for i in chosen],
                hp,
            )


def _adam_update_batch(
    params: list[Tensor],
    grads: list[Tensor] | tuple[Tensor, ...],
    exp_avgs: list[Tensor],
    exp_avg_sqs: list[Tensor],
    max_exp_avg_sqs: list[Tensor] | None,
    bias_correction2_sqrts: list[float],
    negative_step_sizes: list[float],
    hp: _Hyperparameters,
) -> None:
    r"""The update on tensors of one device and dtype, as multi-tensor in-place operations.

    ``bias_correction2_sqrts[i]`` is :math:`\sqrt{1 - \beta_2^t}` and ``negative_step_sizes[i]``
    is :math:`-\alpha / (1 - \beta_1^t)` for tensor ``i`` at its step count :math:`t`: the same
    Python floats, passed to the same operations, as in ``torch.optim.Adam(foreach=True)``.
    """
    if hp.maximize:
        grads = torch._foreach_neg(grads)
    if hp.weight_decay != 0:
        if hp.decoupled_weight_decay:
            torch._foreach_mul_(params, 1 - hp.lr * hp.weight_decay)
        elif hp.maximize:  # ``grads`` is already our own copy
            torch._foreach_add_(grads, params, alpha=hp.weight_decay)
        else:
            grads = torch._foreach_add(grads, params, alpha=hp.weight_decay)

    torch._foreach_lerp_(exp_avgs, grads, 1 - hp.beta1)
    torch._foreach_mul_(exp_avg_sqs, hp.beta2)
    torch._foreach_addcmul_(exp_avg_sqs, grads, grads, value=1 - hp.beta2)
    if max_exp_avg_sqs is not None:
        torch._foreach_maximum_(max_exp_avg_sqs, exp_avg_sqs)
        denoms = torch._foreach_sqrt(max_exp_avg_sqs)
    else:
        denoms = torch._foreach_sqrt(exp_avg_sqs)

    torch._foreach_div_(denoms, bias_correction2_sqrts)
    torch._foreach_add_(denoms, hp.eps)
    torch._foreach_addcdiv_(params, exp_avgs, denoms, negative_step_sizes)
