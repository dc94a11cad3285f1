r"""Gradient clipping for PyTorch parameters, in place, in exact parity with ``torch.nn.utils``.

``clip_grad_norm_``, ``clip_grad_value_``, ``get_total_norm`` and ``clip_grads_with_norm_``
reproduce torch's functions (``tutorial_utils.TORCH_VERSION_TESTED``) operation by operation,
with torch's signatures: gradients are grouped by (device, dtype), each group is reduced with
``torch._foreach_norm`` and scaled with ``torch._foreach_mul_`` in its own dtype, and the clipping
coefficient is applied unconditionally (no ``if``, hence no host-device synchronisation). On
top of torch they add

* argument checks: negative or NaN thresholds, unsupported norm types and non-floating gradients
  raise a ``ValueError``/``TypeError`` that names the argument (torch flips the sign of every
  gradient for ``max_norm < 0`` and fails deep inside for integer gradients);
* an optional ``process_group`` for gradients sharded over several processes;
* the inf-norm of an empty gradient is 0 (torch raises).

``adaptive_clip_grad_`` (Brock et al. 2021) and ``per_example_clip`` (Abadi et al. 2016) have no
torch counterpart; they follow the formulas of ``tutorial_utils.reference``.
"""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Iterable
from typing import NamedTuple, cast

import torch
import torch.distributed as dist
from torch import Tensor

# Private, but the very helpers torch.nn.utils.clip_grad uses (stable since torch 2.0): grouping
# in C++ is what keeps a Python implementation as fast as torch's.
from torch.utils._foreach_utils import (
    _device_has_foreach_support,
    _group_tensors_by_device_and_dtype,
    _has_foreach_support,
)

from tutorial_utils._validation import (
    AGC_DEFAULT_CLIP_FACTOR,
    AGC_DEFAULT_EPS,
    AGC_GRAD_NORM_FLOOR,
    CLIP_EPS,
    check_non_negative,
    check_norm_type,
    dtype_error,
    unit_axes,
)

__all__ = [
    "clip_grad_value_",
    "clip_grad_norm_",
    "get_total_norm",
    "clip_grads_with_norm_",
    "adaptive_clip_grad_",
    "per_example_clip",
]

TensorOrTensors = Tensor | Iterable[Tensor]


class _Group(NamedTuple):
    """Gradients sharing one device and dtype, and whether the foreach kernels accept them."""

    device: torch.device
    dtype: torch.dtype
    tensors: list[Tensor]
    foreach: bool


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _as_parameter_list(parameters: TensorOrTensors) -> list[Tensor]:
    """A list of the parameters; warns, like torch, when an empty generator was passed."""
    if isinstance(parameters, Tensor):
        return [parameters]
    is_generator = isinstance(parameters, types.GeneratorType)
    parameters = list(parameters)
    if is_generator and not parameters:
        warnings.warn(
            "`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=3
        )
    return parameters


def _group_grads(
    grads: list[Tensor], names: list[str] | None = None, foreach: bool | None = None
) -> list[_Group]:
    """The (device, dtype) groups of ``grads``, after checking the dtypes, as torch groups them.

    Grouping runs in C++ (torch's helper). ``foreach=None`` uses the multi-tensor kernels where
    the device supports them, ``False`` never, ``True`` always (a ``RuntimeError`` where they do
    not exist, as in torch). ``names[i]`` names ``grads[i]`` in a dtype error.
    """
    nested = cast("list[list[Tensor | None]]", [grads])
    grouped = _group_tensors_by_device_and_dtype(nested) if grads else {}
    groups = []
    for (device, dtype), ([group_tensors], _) in grouped.items():
        tensors = cast("list[Tensor]", group_tensors)
        if not dtype.is_floating_point:  # integer, bool and complex gradients
            index = next(i for i, g in enumerate(grads) if g.dtype == dtype)
            raise dtype_error(names[index] if names else f"tensors[{index}]", dtype)
        if foreach is None:
            use = _has_foreach_support(tensors, device)
        elif foreach and not _device_has_foreach_support(device):
            raise RuntimeError(
                f"foreach=True was passed, but can't use the foreach API on {device.type} tensors"
            )
        else:
            use = bool(foreach)
        groups.append(_Group(device, dtype, tensors, use))
    return groups


def _grads_of(parameters: TensorOrTensors) -> tuple[list[Tensor], list[str]]:
    """The non-``None`` gradients of ``parameters`` and their names for error messages."""
    params = _as_parameter_list(parameters)
    pairs = [(p.grad, f"parameters[{i}].grad") for i, p in enumerate(params) if p.grad is not None]
    return [g for g, _ in pairs], [n for _, n in pairs]


def _check_process_group(process_group: object) -> None:
    """A named ``TypeError`` for anything but ``None`` or a ``torch.distributed.ProcessGroup``."""
    group_type = getattr(dist, "ProcessGroup", None)
    if process_group is not None and (
        group_type is None or not isinstance(process_group, group_type)
    ):
        raise TypeError(
            "process_group must be a torch.distributed.ProcessGroup (e.g. dist.group.WORLD) or "
            f"None, got {type(process_group).__name__}; note that torch's fifth positional "
            "argument is foreach, so process_group must be passed by keyword"
        )


def _check_devices(groups: list[_Group]) -> None:
    """Refuse to mix ``meta`` gradients (which hold no data) with real ones.

    torch supports gradients on several devices (CPU and CUDA, say): each group is reduced on its
    own device and the per-tensor norms are gathered on the first gradient's device. The one mix
    it cannot handle is a ``meta`` tensor next to real ones; it then fails deep inside with
    "Cannot copy out of meta tensor". We raise a clear ``ValueError`` for that case only.
    """
    devices = {group.device for group in groups}
    if len(devices) > 1 and any(device.type == "meta" for device in devices):
        names = ", ".join(sorted(str(d) for d in devices))
        raise ValueError(
            f"parameters have gradients on several devices ({names}); gradients on the meta "
            "device hold no data, so their norm cannot be combined with the others"
        )


def _local_total_norm(grads: list[Tensor], groups: list[_Group], norm_type: float) -> Tensor:
    """torch's total norm: the p-norm of the stacked per-tensor p-norms of every group.

    The per-tensor norms are gathered on the first gradient's device, as in torch; unlike torch,
    norms already there are not passed through ``.to`` one by one.
    """
    target = grads[0].device
    norms: list[Tensor] = []
    for group in groups:
        tensors = group.tensors
        if norm_type == math.inf:  # max over an empty tensor has no identity: its norm is 0
            tensors = [t for t in tensors if t.numel() > 0]
        if group.foreach:
            group_norms = torch._foreach_norm(tensors, norm_type) if tensors else []
        else:
            group_norms = [torch.linalg.vector_norm(t, norm_type) for t in tensors]
        norms.extend(group_norms if group.device == target else [n.to(target) for n in group_norms])
    if not norms:  # only empty gradients, inf-norm
        return torch.zeros((), dtype=grads[0].dtype, device=target)
    return torch.linalg.vector_norm(torch.stack(norms), norm_type)


def _all_reduce_norm(
    local_norm: Tensor, norm_type: float, process_group: dist.ProcessGroup
) -> Tensor:
    r"""Combine the ranks' norms into the global one, identical on every rank.

    .. math::
        N = \Big(\sum_r N_r^p\Big)^{1/p} \quad (p < \infty), \qquad
        N = \max_r N_r \quad (p = \infty).

    The sum of p-th powers runs in float64, so that squaring a float32, float16 or bfloat16
    norm (at most ~3.4e38) cannot overflow; float64 norms above ~1e154 still would. For the
    max, a NaN on any rank is propagated explicitly: a MAX all-reduce may drop NaN depending on
    the order of its comparisons.
    """
    if norm_type == math.inf:
        is_nan = local_norm.isnan().to(torch.float64)
        global_norm = torch.nan_to_num(local_norm.to(torch.float64), nan=math.inf)
        dist.all_reduce(global_norm, op=dist.ReduceOp.MAX, group=process_group)
        dist.all_reduce(is_nan, op=dist.ReduceOp.SUM, group=process_group)
        global_norm = torch.where(is_nan > 0, math.nan, global_norm)
    else:
        global_norm = local_norm.to(torch.float64).pow(norm_type)
        dist.all_reduce(global_norm, op=dist.ReduceOp.SUM, group=process_group)
        global_norm = global_norm.pow(1.0 / norm_type)
    return global_norm.to(local_norm.dtype)


def _check_finite(total_norm: Tensor, norm_type: float) -> None:
    """The ``error_if_nonfinite=True`` check; the message says whether the norm is NaN or inf."""
    if bool(total_norm.isnan()):
        raise RuntimeError(
            f"The total norm of order {norm_type} of the gradients is NaN, so they cannot be "
            "clipped: some gradient holds NaN. Set error_if_nonfinite=False to scale by it anyway "
            "(every gradient becomes NaN, as in torch)."
        )
    if bool(total_norm.isinf()):
        raise RuntimeError(
            f"The total norm of order {norm_type} of the gradients is inf, so they cannot be "
            "clipped: some gradient holds inf, or the norm overflowed its dtype (e.g. elements "
            "of 1e30 in float32). Set error_if_nonfinite=False to scale by it anyway (finite "
            "gradients become 0 and infinite ones NaN, as in torch)."
        )


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------


@torch.no_grad()
def clip_grad_value_(
    parameters: TensorOrTensors, clip_value: float, foreach: bool | None = None
) -> None:
    r"""Clip every gradient element to :math:`[-c, c]`, in place.

    .. math::
        g_j \leftarrow \min\big(\max(g_j, -c),\, c\big)

    Same operations as ``torch.nn.utils.clip_grad_value_`` (``_foreach_clamp_min_`` then
    ``_foreach_clamp_max_`` per device and dtype): NaN stays NaN, :math:`\pm\infty` becomes
    :math:`\pm c`, gradients that are ``None`` are skipped.

    Parameters
    ----------
    parameters : torch.Tensor or iterable of torch.Tensor
        Tensors whose ``.grad`` is clipped.
    clip_value : float
        :math:`c \ge 0`. torch does not check it (a negative value sets every element to
        :math:`-|c|`); here a negative or NaN value raises ``ValueError``.
    foreach : bool, optional
        As in torch: ``None`` uses the multi-tensor kernels where the device has them, ``True``
        requires them (``RuntimeError`` otherwise), ``False`` clips one tensor at a time.

    Raises
    ------
    ValueError
        If ``clip_value`` is negative or NaN.
    TypeError
        If a gradient is not real floating point (the message names the parameter).
    """
    c = check_non_negative("clip_value", clip_value)
    groups = _group_grads(*_grads_of(parameters), foreach=foreach)
    for group in groups:
        if group.foreach:
            torch._foreach_clamp_min_(group.tensors, -c)
            torch._foreach_clamp_max_(group.tensors, c)
        else:
            for g in group.tensors:
                g.clamp_(min=-c, max=c)


@torch.no_grad()
def clip_grad_norm_(
    parameters: TensorOrTensors,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
    *,
    process_group: dist.ProcessGroup | None = None,
) -> Tensor:
    r"""Rescale all gradients together so that their joint norm is at most ``max_norm``, in place.

    .. math::
        N = \Big\| \big(\|g_1\|_p, \ldots, \|g_k\|_p\big) \Big\|_p, \qquad
        g_i \leftarrow g_i \cdot \min\!\Big(\frac{c}{N + 10^{-6}},\, 1\Big)

    :cite:p:`pascanu2013difficulty`, exactly as ``torch.nn.utils.clip_grad_norm_`` computes it:
    ``_foreach_norm`` per (device, dtype) group, ``stack`` on the first gradient's device,
    ``vector_norm``, then ``_foreach_mul_`` by the clamped coefficient in each group's own dtype.
    The coefficient is always applied (no branch, so no host-device synchronisation); with
    :math:`N = c` the gradients still shrink by about :math:`10^{-6}` relative.

    Non-finite norms (``error_if_nonfinite=False``) behave as in torch: a NaN norm makes every
    gradient NaN; an inf norm makes finite gradients 0 and infinite ones NaN. A float32 gradient
    element above about 1.8e19 (the square root of the largest float32) overflows the 2-norm to
    inf, and every gradient is then silently zeroed.

    Parameters
    ----------
    parameters : torch.Tensor or iterable of torch.Tensor
        Tensors whose ``.grad`` is clipped; ``None`` gradients are skipped. Gradients may live on
        several devices and dtypes (each group is reduced and scaled on its own device).
    max_norm : float
        :math:`c \ge 0`. torch does not check it (a negative value flips the sign of every
        gradient); here a negative or NaN value raises ``ValueError``.
    norm_type : float, default 2.0
        :math:`p`: 1, 2 or ``math.inf``. The inf-norm of an empty gradient counts as 0 (torch
        raises for it).
    error_if_nonfinite : bool, default False
        Raise ``RuntimeError`` (saying whether the norm is NaN or inf) instead of scaling by a
        non-finite norm. Checking costs one host-device synchronisation.
    foreach : bool, optional
        As in torch: ``None`` uses the multi-tensor kernels where the device has them, ``True``
        requires them (``RuntimeError`` otherwise), ``False`` works one tensor at a time.
    process_group : torch.distributed.ProcessGroup, optional
        For gradients sharded over the ranks of this group (each rank passes only its shard):
        every rank contributes :math:`N_r^p` to an all-reduce sum (a max for :math:`p=\infty`),
        so all ranks clip with the same global norm :math:`N = (\sum_r N_r^p)^{1/p}`. Every
        rank must call this function, even one that holds no gradients. Clipping each shard
        with its own norm is wrong: the ranks would scale by different factors and the
        full gradient would change direction. Keyword only (torch's fifth positional argument
        is ``foreach``); anything but a process group raises ``TypeError``.

    Returns
    -------
    torch.Tensor
        The total norm :math:`N` *before* clipping (global when ``process_group`` is given),
        a 0-d tensor on the first gradient's device; ``tensor(0.)`` when there are no gradients.

    Raises
    ------
    ValueError
        If ``max_norm`` is negative or NaN, ``norm_type`` is not 1, 2 or inf, or ``meta``
        gradients are mixed with real ones (torch crashes deep inside for that mix).
    TypeError
        If a gradient is not real floating point (the message names the parameter).
    RuntimeError
        If ``error_if_nonfinite`` is true and the total norm is NaN or inf.
    """
    max_norm = check_non_negative("max_norm", max_norm)
    _check_process_group(process_group)
    params = _as_parameter_list(parameters)  # a generator is consumed once
    grads, names = _grads_of(params)
    total_norm = _total_norm(grads, names, norm_type, error_if_nonfinite, foreach, process_group)
    clip_grads_with_norm_(params, max_norm, total_norm, foreach)
    return total_norm


def _total_norm(
    grads: list[Tensor],
    names: list[str] | None,
    norm_type: float,
    error_if_nonfinite: bool,
    foreach: bool | None,
    process_group: dist.ProcessGroup | None = None,
) -> Tensor:
    norm_type = check_norm_type(norm_type)
    groups = _group_grads(grads, names, foreach)
    _check_devices(groups)
    if grads:
        total_norm = _local_total_norm(grads, groups, norm_type)
    elif process_group is not None and dist.get_backend(process_group) == "nccl":
        total_norm = torch.zeros((), device=torch.device("cuda", torch.cuda.current_device()))
    else:
        total_norm = torch.tensor(0.0)  # as torch returns for no gradients
    if process_group is not None:
        total_norm = _all_reduce_norm(total_norm, norm_type, process_group)
    if error_if_nonfinite:
        _check_finite(total_norm, norm_type)
    return total_norm


@torch.no_grad()
def get_total_norm(
    tensors: TensorOrTensors,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    r"""The norm of ``tensors`` taken together, :math:`\|(\|t_1\|_p, \ldots, \|t_k\|_p)\|_p`.

    The first half of :func:`clip_grad_norm_`, with the signature of
    ``torch.nn.utils.get_total_norm`` (torch >= 2.6): ``tensors`` are the gradients themselves
    (``[p.grad for p in model.parameters()]``), not the parameters. Same checks as
    :func:`clip_grad_norm_` (``norm_type`` 1, 2 or inf; real floating point).
    """
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    return _total_norm(tensors, None, norm_type, error_if_nonfinite, foreach)


@torch.no_grad()
def clip_grads_with_norm_(
    parameters: TensorOrTensors,
    max_norm: float,
    total_norm: Tensor,
    foreach: bool | None = None,
) -> None:
    r"""Scale every gradient by :math:`\min(c / (N + 10^{-6}), 1)` for a given total norm ``N``.

    The second half of :func:`clip_grad_norm_`, with the signature of
    ``torch.nn.utils.clip_grads_with_norm_`` (torch >= 2.6); ``total_norm`` must be a tensor
    (e.g. from :func:`get_total_norm`), as in torch.
    """
    max_norm = check_non_negative("max_norm", max_norm)
    if not isinstance(total_norm, Tensor):
        raise TypeError(f"total_norm must be a torch.Tensor, got {type(total_norm).__name__}")
    groups = _group_grads(*_grads_of(parameters), foreach=foreach)
    clip_coef = torch.clamp(max_norm / (total_norm + CLIP_EPS), max=1.0)
    for group in groups:
        coef_on_device = clip_coef.to(group.device)
        if group.foreach:
            torch._foreach_mul_(group.tensors, coef_on_device)
        else:
            for g in group.tensors:
                g.mul_(coef_on_device)


@torch.no_grad()
def adaptive_clip_grad_(
    parameters: TensorOrTensors,
    clip_factor: float = AGC_DEFAULT_CLIP_FACTOR,
    eps: float = AGC_DEFAULT_EPS,
) -> None:
    r"""Unit-wise adaptive gradient clipping (AGC) of :cite:t:`brock2021high`, in place.

    .. math::
        G_i \leftarrow
        \begin{cases}
          \lambda \, \dfrac{\max(\|W_i\|_2, \epsilon)}{\max(\|G_i\|_2, 10^{-6})}\, G_i
            & \text{if } \|G_i\|_2 > \lambda \max(\|W_i\|_2, \epsilon), \\[1ex]
          G_i & \text{otherwise,}
        \end{cases}

    for every output unit :math:`i` in PyTorch's output-first layout: a row of a Linear weight
    ``(out, in)``, an output channel of a Conv weight ``(out, in, kh, kw)`` (norms over dims
    ``1 .. ndim-1``); tensors of rank 0 or 1 are one unit. Same formula as
    ``tutorial_utils.reference.adaptive_clip``; timm's ``adaptive_clip_grad`` agrees with it.

    Parameters
    ----------
    parameters : torch.Tensor or iterable of torch.Tensor
        Parameters :math:`W` whose ``.grad`` :math:`G` is clipped; ``None`` gradients are skipped.
    clip_factor : float, default 0.01
        :math:`\lambda \ge 0`.
    eps : float, default 1e-3
        :math:`\epsilon \ge 0`, floor of the weight norm.

    Raises
    ------
    ValueError
        If ``clip_factor`` or ``eps`` is negative or NaN.
    TypeError
        If a parameter or its gradient is not real floating point (the message names it).
    """
    clip_factor = check_non_negative("clip_factor", clip_factor)
    eps = check_non_negative("eps", eps)
    for index, p in enumerate(_as_parameter_list(parameters)):
        g = p.grad
        if g is None:
            continue
        if not g.dtype.is_floating_point:
            raise dtype_error(f"parameters[{index}].grad", g.dtype)
        if not p.dtype.is_floating_point:
            raise dtype_error(f"parameters[{index}]", p.dtype)
        dims = unit_axes(g.ndim)
        g_norm = torch.linalg.vector_norm(g, dim=dims, keepdim=True)
        w_norm = torch.linalg.vector_norm(p.detach(), dim=dims, keepdim=True)
        max_norm = w_norm.clamp(min=eps).mul_(clip_factor)
        scale = torch.where(
            g_norm > max_norm, max_norm / g_norm.clamp(min=AGC_GRAD_NORM_FLOOR), 1.0
        )
        g.mul_(scale)


def per_example_clip(
    per_example_grads: Tensor,
    max_norm: float,
    noise_multiplier: float = 0.0,
    generator: torch.Generator | None = None,
) -> Tensor:
    r"""Clip each example's gradient, sum, add Gaussian noise and average (DP-SGD).

    .. math::
        \bar g_i = g_i \cdot \min\!\Big(1,\, \frac{C}{\|g_i\|_2 + 10^{-6}}\Big), \qquad
        \tilde g = \frac{1}{B}\Big(\sum_{i=1}^{B} \bar g_i
                   + \mathcal{N}(0, \sigma^2 C^2 I)\Big)

    :cite:p:`abadi2016deep`, in Opacus' form; same formula as
    ``tutorial_utils.reference.per_example_clip``. Returns a new tensor (the input is not
    modified) and records no autograd graph.

    Parameters
    ----------
    per_example_grads : torch.Tensor
        Shape ``(B, ...)`` with :math:`B \ge 1`, real floating point.
    max_norm : float
        :math:`C \ge 0`.
    noise_multiplier : float, default 0.0
        :math:`\sigma \ge 0`. With 0 no noise is drawn.
    generator : torch.Generator, optional
        Source of the noise (on the tensor's device). ``None`` uses torch's global generator,
        like every torch sampling function, so ``torch.manual_seed`` makes the result
        reproducible.

    Returns
    -------
    torch.Tensor
        :math:`\tilde g`, shape ``per_example_grads.shape[1:]``, same dtype and device.

    Raises
    ------
    ValueError
        If ``max_norm`` or ``noise_multiplier`` is negative or NaN, or the batch is empty or has
        no batch dimension.
    TypeError
        If ``per_example_grads`` is not a real floating-point tensor.
    """
    c = check_non_negative("max_norm", max_norm)
    sigma = check_non_negative("noise_multiplier", noise_multiplier)
    if not isinstance(per_example_grads, Tensor):
        raise TypeError(
            f"per_example_grads must be a torch.Tensor, got {type(per_example_grads).__name__}"
        )
    g = per_example_grads.detach()
    if not g.dtype.is_floating_point:
        raise dtype_error("per_example_grads", g.dtype)
    if g.ndim == 0 or g.shape[0] == 0:
        raise ValueError(
            "per_example_grads must have a leading batch axis with at least one example, "
            f"got shape {tuple(g.shape)}"
        )
    batch = g.shape[0]
    norms = torch.linalg.vector_norm(g.reshape(batch, -1), dim=1)  # one norm per example
    factors = torch.clamp(c / (norms + CLIP_EPS), max=1.0)
    total = (g * factors.reshape((batch,) + (1,) * (g.ndim - 1))).sum(dim=0)
    if sigma > 0:
        noise = torch.randn(
            total.shape, generator=generator, dtype=total.dtype, device=total.device
        )
        total = total + noise * (sigma * c)
    return total / batch
