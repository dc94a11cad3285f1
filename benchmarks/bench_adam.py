"""Time one optimizer step: ``tutorial_utils`` Adam/AdamW against ``torch.optim``.

Prints the median time of one ``step()`` for two parameter layouts, for

- ``ours``: ``tutorial_utils.torch_impl.Adam``/``AdamW``;
- ``torch default``: ``torch.optim`` with ``foreach=None`` (one tensor at a time on the CPU,
  multi-tensor on CUDA);
- ``torch foreach``: ``foreach=True``; ``torch fused``: ``fused=True`` (one kernel);

and the median over rounds of the paired ratio ours/torch (the contenders are timed in turns, so
that they share the background load). A second table compares the NumPy reference
(``tutorial_utils.reference.adam_step``, float64) with ours on the same float64 data on the CPU.

Usage::

    python benchmarks/bench_adam.py [--device cpu|cuda] [--repeats 20] [--quick]

The CPU here is shared and noisy: run it twice and trust only ratios that repeat.

Measured once on a 2-core CPU (recorded here rather than in the docstrings, where such numbers
go stale): a single multi-tensor batch over all parameters, as ``torch.optim.Adam(foreach=True)``
does, was two to three times slower than torch's default one-tensor-at-a-time loop for 10M
parameters; the cache-sized chunks of ``torch_impl.Adam`` matched that loop on large tensors and
beat it by about 1.8 times on many small ones.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch

from tutorial_utils.reference.adam import adam_init, adam_step
from tutorial_utils.torch_impl.adam import Adam, AdamW

#: name -> (number of tensors, elements per tensor)
LAYOUTS = {
    "10M params in 100 tensors": (100, 100_000),
    "2000 tensors of 500 elements": (2000, 500),
}
QUICK_LAYOUTS = {
    "100k params in 10 tensors": (10, 10_000),
    "200 tensors of 50 elements": (200, 50),
}
OPTIMIZERS = {"Adam": (Adam, torch.optim.Adam, 0.0), "AdamW": (AdamW, torch.optim.AdamW, 1e-2)}


def synchronize(device: torch.device) -> None:
    """Wait for queued kernels (no-op on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn: Callable[[], object], device: torch.device) -> float:
    """Wall time of one call of ``fn()`` in seconds (CUDA events on CUDA, ``perf_counter`` else)."""
    if device.type == "cuda":
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1e3
    start_s = time.perf_counter()
    fn()
    return time.perf_counter() - start_s


def interleaved_times(
    fns: dict[str, Callable[[], object]], device: torch.device, repeats: int, warmup: int
) -> dict[str, list[float]]:
    """Times of ``repeats`` calls of each function, taken in turns (round robin).

    On a shared machine the background load drifts; taking the contenders in turns exposes
    them to the same load, so the per-round ratios are steadier than ratios of separate runs.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    synchronize(device)
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name].append(timed(fn, device))
    return times


def median_ratio(numerator: list[float], denominator: list[float]) -> float:
    """Median over rounds of the paired ratio ``numerator[i] / denominator[i]``."""
    return statistics.median(a / b for a, b in zip(numerator, denominator))


def make_params(
    layout: tuple[int, int], device: torch.device, dtype: torch.dtype, seed: int = 0
) -> list[torch.Tensor]:
    """Parameters with fixed random gradients attached, for one layout."""
    generator = torch.Generator().manual_seed(seed)
    count, size = layout
    params = []
    for _ in range(count):
        p = torch.randn(size, generator=generator, dtype=dtype).to(device).requires_grad_()
        p.grad = torch.randn(size, generator=generator, dtype=dtype).to(device)
        params.append(p)
    return params


def torch_variants(device: torch.device) -> dict[str, dict[str, object]]:
    """The torch.optim configurations to compare with (fused only where torch supports it)."""
    variants: dict[str, dict[str, object]] = {
        "torch default": {"foreach": None},
        "torch foreach": {"foreach": True},
        "torch fused": {"fused": True},
    }
    return variants


def optimizer_table(
    device: torch.device, layouts: dict[str, tuple[int, int]], repeats: int, warmup: int
) -> list[dict[str, object]]:
    """Rows of (optimizer, layout, median times, median paired ratios ours/torch)."""
    rows = []
    for opt_name, (ours_cls, torch_cls, weight_decay) in OPTIMIZERS.items():
        for layout_name, layout in layouts.items():
            steps = {
                "ours": ours_cls(
                    make_params(layout, device, torch.float32), lr=1e-3, weight_decay=weight_decay
                ).step
            }
            for variant, kwargs in torch_variants(device).items():
                optimizer = torch_cls(
                    make_params(layout, device, torch.float32),
                    lr=1e-3,
                    weight_decay=weight_decay,
                    **kwargs,
                )
                steps[variant] = optimizer.step
            times = interleaved_times(steps, device, repeats, warmup)
            rows.append(
                {
                    "optimizer": opt_name,
                    "layout": layout_name,
                    "times": {name: statistics.median(t) for name, t in times.items()},
                    "ratios": {name: median_ratio(times["ours"], t) for name, t in times.items()},
                }
            )
            del steps, times
    return rows


def reference_table(
    layouts: dict[str, tuple[int, int]], repeats: int, warmup: int
) -> list[dict[str, object]]:
    """NumPy reference step vs our torch step, float64 on the CPU, same data."""
    device = torch.device("cpu")
    rows = []
    for layout_name, layout in layouts.items():
        params = make_params(layout, device, torch.float64)
        arrays = [p.detach().numpy().copy() for p in params]
        grads = [p.grad.numpy().copy() for p in params]
        states = [adam_init(a) for a in arrays]

        def reference_step(arrays=arrays, grads=grads, states=states) -> None:  # bound now
            for i, (a, g, s) in enumerate(zip(arrays, grads, states)):
                arrays[i], states[i] = adam_step(a, g, s, lr=1e-3)

        times = interleaved_times(
            {"reference": reference_step, "ours": Adam(params, lr=1e-3).step},
            device,
            repeats,
            warmup,
        )
        rows.append(
            {
                "layout": layout_name,
                "reference": statistics.median(times["reference"]),
                "ours": statistics.median(times["ours"]),
                "ratio": median_ratio(times["reference"], times["ours"]),
            }
        )
    return rows


def print_optimizer_table(rows: list[dict[str, object]], device: torch.device) -> None:
    variants = list(torch_variants(device))
    header = (
        f"{'optimizer':<9} {'layout':<30} {'ours ms':>9}"
        + "".join(f" {v + ' ms':>17}" for v in variants)
        + "".join(f" {'ours/' + v.split()[1]:>13}" for v in variants)
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        times = row["times"]
        line = f"{row['optimizer']:<9} {row['layout']:<30} {times['ours'] * 1e3:>9.2f}"
        line += "".join(f" {times[v] * 1e3:>17.2f}" for v in variants)
        line += "".join(f" {row['ratios'][v]:>13.2f}" for v in variants)
        print(line)


def print_reference_table(rows: list[dict[str, object]]) -> None:
    header = f"{'layout':<30} {'reference ms':>13} {'ours fp64 ms':>13} {'ref/ours':>9}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['layout']:<30} {row['reference'] * 1e3:>13.2f} {row['ours'] * 1e3:>13.2f}"
            f" {row['ratio']:>9.2f}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    parser.add_argument("--repeats", type=int, default=20, help="timed steps per configuration")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    parser.add_argument("--quick", action="store_true", help="small layouts (a smoke test)")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads (default 1: steadier on a shared machine; 0 keeps torch's choice)",
    )
    parser.add_argument("--no-reference", action="store_true", help="skip the NumPy table")
    args = parser.parse_args(argv)

    device = torch.device(args.device)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    layouts = QUICK_LAYOUTS if args.quick else LAYOUTS
    print(
        f"torch {torch.__version__}, numpy {np.__version__}, device {device}, "
        f"threads {torch.get_num_threads()}, median of {args.repeats} steps (float32)\n"
    )
    print_optimizer_table(optimizer_table(device, layouts, args.repeats, args.warmup), device)
    if not args.no_reference:
        print("\nNumPy reference vs ours, float64 on the CPU\n")
        print_reference_table(reference_table(layouts, args.repeats, args.warmup))


if __name__ == "__main__":
    main()
