"""Benchmark: tutorial_utils clipping against torch.nn.utils.clip_grad_norm_ (foreach=True).

Cases (float32 gradients, as in training):

* 10M parameters in 100 tensors of 100,000 elements (bandwidth bound);
* 1M parameters in 2,000 tensors of 500 elements (launch/Python-overhead bound).

Targets: ``torch_impl.clip_grad_norm_`` within 5% of torch (ratio <= 1.05); the NumPy reference
``clip_by_global_norm`` within 3x of ``torch_impl`` on the same float64 data (CPU only; it returns
new arrays where torch scales in place).

Timing: ``time.perf_counter`` medians over ``--reps`` calls after ``--warmup`` calls, the two
contenders interleaved call by call so that load from other processes hits both alike.

    python benchmarks/bench_clipping.py [--device cuda] [--reps 20] [--threads 1]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch

from tutorial_utils.reference import clip_by_global_norm
from tutorial_utils.torch_impl import clip_grad_norm_

CASES = {"10M params / 100 tensors": (100, 100_000), "1M params / 2000 tensors": (2000, 500)}
MAX_NORM = 1.0


def make_params(n_tensors: int, size: int, dtype: torch.dtype, device: str) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    params = []
    for _ in range(n_tensors):
        p = torch.nn.Parameter(torch.empty(size, dtype=dtype, device=device))
        p.grad = torch.randn(size, generator=gen, dtype=dtype).to(device)
        params.append(p)
    return params


def time_interleaved(
    fns: dict[str, Callable[[], object]], reps: int, warmup: int, device: str
) -> dict[str, float]:
    """Median seconds per call of each function, calls interleaved (round-robin)."""

    def timed(fn: Callable[[], object]) -> float:
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - start

    for _ in range(warmup):
        for fn in fns.values():
            timed(fn)
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for rep in range(reps):
        order = list(fns) if rep % 2 == 0 else list(reversed(fns))  # alternate who goes first
        for name in order:
            samples[name].append(timed(fns[name]))
    return {name: statistics.median(s) for name, s in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch intra-op threads (default 1: NumPy's reference is single-threaded too)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: no CUDA device available")

    print(
        f"torch {torch.__version__}, numpy {np.__version__}, device {args.device}, "
        f"{torch.get_num_threads()} torch threads, median of {args.reps} (warm-up {args.warmup})"
    )
    header = f"{'case':<26} {'contender A':<24} {'A ms':>8} {'contender B':<24} {'B ms':>8}"
    print(header + f" {'A/B':>6} {'target':>7}")
    print("-" * (len(header) + 15))

    def row(case, name_a, t_a, name_b, t_b, target):
        ratio = t_a / t_b
        verdict = "ok" if ratio <= target else "MISSED"
        print(
            f"{case:<26} {name_a:<24} {t_a * 1e3:8.2f} {name_b:<24} {t_b * 1e3:8.2f} "
            f"{ratio:6.2f} <= {target:<4} {verdict}"
        )

    for case, (n_tensors, size) in CASES.items():
        ours = make_params(n_tensors, size, torch.float32, args.device)
        theirs = make_params(n_tensors, size, torch.float32, args.device)
        medians = time_interleaved(
            {
                "ours": lambda ours=ours: clip_grad_norm_(ours, MAX_NORM),
                "torch": lambda theirs=theirs: torch.nn.utils.clip_grad_norm_(
                    theirs, MAX_NORM, foreach=True
                ),
            },
            args.reps,
            args.warmup,
            args.device,
        )
        row(
            case,
            "torch_impl (fp32)",
            medians["ours"],
            "torch foreach (fp32)",
            medians["torch"],
            1.05,
        )

        if args.device == "cpu":
            params64 = make_params(n_tensors, size, torch.float64, "cpu")
            arrays = [p.grad.numpy().copy() for p in params64]
            medians = time_interleaved(
                {
                    "reference": lambda arrays=arrays: clip_by_global_norm(arrays, MAX_NORM),
                    "torch_impl": lambda params64=params64: clip_grad_norm_(params64, MAX_NORM),
                },
                args.reps,
                args.warmup,
                args.device,
            )
            row(
                case,
                "reference (NumPy fp64)",
                medians["reference"],
                "torch_impl (fp64)",
                medians["torch_impl"],
                3,
            )


if __name__ == "__main__":
    main()
