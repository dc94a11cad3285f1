r"""Clipping a sharded model: why the norm must be all-reduced, shown with real processes.

When a model's parameters are split over several processes (ZeRO, FSDP, tensor parallelism),
each rank holds only some of the gradients. Clipping each shard by its own norm :math:`N_r`
scales the ranks by different factors, which changes the direction of the full gradient; the
correct global norm needs one all-reduce of :math:`N_r^p`:

.. math::
    N = \Big(\sum_r N_r^p\Big)^{1/p}.

``clip_sharded_demo`` starts one CPU process per shard (``gloo`` backend on 127.0.0.1) and runs
``tutorial_utils.torch_impl.clip_grad_norm_`` in each, with or without the process group. The
worker lives in this module (not in ``__main__``) so the demo also runs from a Jupyter notebook.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import Tensor

from tutorial_utils._validation import check_non_negative, check_norm_type, dtype_error
from tutorial_utils.torch_impl.clipping import clip_grad_norm_

__all__ = ["clip_sharded_demo"]

#: How long a rank waits for the others before giving up (a failed rank must not hang the caller).
_TIMEOUT = timedelta(seconds=60)


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now (the OS picks it when binding port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(
    rank: int,
    world_size: int,
    port: int,
    max_norm: float,
    norm_type: float,
    use_process_group: bool,
    out_dir: str,
) -> None:
    """Body of one rank: clip this rank's shard and save ``(total_norm, clipped)`` to a file."""
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(1)
    shard = torch.load(Path(out_dir) / "shards.pt")[rank]
    dist.init_process_group("gloo", rank=rank, world_size=world_size, timeout=_TIMEOUT)
    try:
        params = []
        for grad in shard:
            p = torch.nn.Parameter(torch.zeros_like(grad))
            p.grad = grad.clone()
            params.append(p)
        group = dist.group.WORLD if use_process_group else None
        total_norm = clip_grad_norm_(params, max_norm, norm_type, process_group=group)
        result = (float(total_norm), [p.grad for p in params])
        torch.save(result, Path(out_dir) / f"rank{rank}.pt")
        dist.barrier()  # nobody leaves (and tears down the group) before everyone is done
    finally:
        dist.destroy_process_group()


def clip_sharded_demo(
    grad_shards: Sequence[Sequence[Tensor]],
    max_norm: float,
    norm_type: float = 2.0,
    use_process_group: bool = True,
) -> list[tuple[float, list[Tensor]]]:
    r"""Clip a model whose gradients are split over processes, the right way or the wrong way.

    Spawns one process per shard (``gloo`` backend, ``MASTER_ADDR=127.0.0.1`` and a free port);
    rank :math:`r` builds parameters whose gradients are copies of ``grad_shards[r]`` and calls
    ``clip_grad_norm_`` on them.

    * ``use_process_group=True`` (right): the ranks all-reduce :math:`N_r^p` (the max for
      :math:`p = \infty`), so every rank clips with the global norm and the result equals
      clipping the unsharded model.
    * ``use_process_group=False`` (wrong): each rank clips its shard with its own norm
      :math:`N_r \le N`, so it clips too little, by a different factor on each rank.

    Parameters
    ----------
    grad_shards : sequence of sequences of torch.Tensor
        ``grad_shards[r]`` holds rank :math:`r`'s gradients (CPU, real floating point; a rank may
        hold none). At least one shard.
    max_norm : float
        :math:`c \ge 0`.
    norm_type : float, default 2.0
        1, 2 or ``math.inf``.
    use_process_group : bool, default True
        Whether ``clip_grad_norm_`` receives the process group (see above).

    Returns
    -------
    list of (float, list of torch.Tensor)
        For each rank, in order: the norm it clipped with (before clipping) and its clipped
        gradients. The inputs are not modified.

    Notes
    -----
    Starting the processes takes a few seconds (each one imports torch). Gradients travel to
    and from the processes through files in a temporary directory, which avoids shared-memory
    limits in containers.
    """
    max_norm = check_non_negative("max_norm", max_norm)
    norm_type = check_norm_type(norm_type)
    shards = [[g.detach().cpu() for g in shard] for shard in grad_shards]
    if not shards:
        raise ValueError("grad_shards must hold at least one shard (one per process)")
    for r, shard in enumerate(shards):
        for i, g in enumerate(shard):
            if not g.dtype.is_floating_point:
                raise dtype_error(f"grad_shards[{r}][{i}]", g.dtype)
    world_size = len(shards)
    with tempfile.TemporaryDirectory(prefix="clip_sharded_") as out_dir:
        torch.save(shards, Path(out_dir) / "shards.pt")  # files, not shared memory
        mp.spawn(
            _worker,
            args=(world_size, _free_port(), max_norm, norm_type, use_process_group, out_dir),
            nprocs=world_size,
            join=True,
        )
        return [torch.load(Path(out_dir) / f"rank{r}.pt") for r in range(world_size)]
