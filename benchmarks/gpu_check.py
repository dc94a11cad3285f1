"""One script for a CUDA machine: parity of ``tutorial_utils.torch_impl`` with torch, then timings.

1. ``clip_grad_norm_`` against ``torch.nn.utils.clip_grad_norm_(foreach=True)`` (norm types 1, 2,
   inf; float32 and float64): total norm and clipped gradients.
2. ``Adam``/``AdamW`` (plain and AMSGrad) against ``torch.optim`` with ``foreach=True`` and with
   ``fused=True``, over many steps in float32 and float64.
3. The timing table of ``benchmarks/bench_adam.py`` on the device (CUDA events).

Prints the maximum relative deviations and exits with status 1 if one exceeds its tolerance.
It also runs on the CPU, for testing the script itself::

    python benchmarks/gpu_check.py                   # cuda
    python benchmarks/gpu_check.py --device cpu --quick

Tolerances. Against ``foreach`` (the same sequence of operations) the element-wise relative
deviation must stay below 1e-6 in float32 and 1e-12 in float64. ``fused=True`` is a different
kernel (one pass, its own rounding), whose float32 results drift from the others by ~1e-7 per
step; it is compared by the norm-wise relative deviation ``max|a - b| / max|b|`` with 1e-5
(float32) and 1e-12 (float64).
"""

from __future__ import annotations

import argparse
import math
import sys

import bench_adam
import torch

from tutorial_utils.reference import relative_error
from tutorial_utils.torch_impl import Adam, AdamW, clip_grad_norm_

ELEMENTWISE_TOLERANCE = {torch.float32: 1e-6, torch.float64: 1e-12}
NORMWISE_TOLERANCE_FUSED = {torch.float32: 1e-5, torch.float64: 1e-12}


def elementwise(a: list[torch.Tensor], b: list[torch.Tensor]) -> float:
    """Largest element-wise relative deviation over lists of tensors."""
    return max(
        relative_error(x.detach().double().cpu().numpy(), y.detach().double().cpu().numpy())
        for x, y in zip(a, b)
    )


def normwise(a: list[torch.Tensor], b: list[torch.Tensor]) -> float:
    """``max |a - b| / max |b|`` over all elements of the lists."""
    a, b = [x.detach().double() for x in a], [y.detach().double() for y in b]
    diff = max(float((x - y).abs().max()) for x, y in zip(a, b) if x.numel())
    scale = max(float(y.abs().max()) for y in b if y.numel())
    return diff / scale


def random_tensors(shapes, device, dtype, generator) -> list[torch.Tensor]:
    return [torch.randn(s, generator=generator, dtype=dtype).to(device) for s in shapes]


def check_clip_grad_norm(device: torch.device, shapes, report) -> None:
    generator = torch.Generator().manual_seed(0)
    for dtype in (torch.float32, torch.float64):
        for norm_type in (1.0, 2.0, float("inf")):
            # torch's foreach infinity norm raises on size-0 tensors (no identity for max).
            usable = [s for s in shapes if norm_type != float("inf") or math.prod(s) > 0]
            grads = random_tensors(usable, device, dtype, generator)
            ours = [torch.zeros_like(g, requires_grad=True) for g in grads]
            theirs = [torch.zeros_like(g, requires_grad=True) for g in grads]
            for a, b, g in zip(ours, theirs, grads):
                a.grad, b.grad = g.clone(), g.clone()
            # max_norm below the norm, so that the gradients are really scaled.
            max_norm = 0.5 * float(torch.nn.utils.get_total_norm(grads, norm_type))
            n_ours = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
            n_theirs = torch.nn.utils.clip_grad_norm_(
                theirs, max_norm, norm_type=norm_type, foreach=True
            )
            deviation = max(
                elementwise([n_ours], [n_theirs]),
                elementwise([p.grad for p in ours], [p.grad for p in theirs]),
            )
            report(
                f"clip_grad_norm_ p={norm_type:g}",
                dtype,
                "foreach",
                deviation,
                ELEMENTWISE_TOLERANCE[dtype],
            )


def run_optimizers(ours, theirs, steps, device, dtype, generator) -> None:
    params_a = [p for g in ours.param_groups for p in g["params"]]
    params_b = [p for g in theirs.param_groups for p in g["params"]]
    for _ in range(steps):
        for a, b in zip(params_a, params_b):
            a.grad = torch.randn(a.shape, generator=generator, dtype=dtype).to(device)
            b.grad = a.grad.clone()
        ours.step()
        theirs.step()


def check_adam(device: torch.device, shapes, steps: int, report) -> None:
    variants = {"foreach": {"foreach": True}, "fused": {"fused": True}}
    for dtype in (torch.float32, torch.float64):
        for name, ours_cls, torch_cls, weight_decay in (
            ("Adam", Adam, torch.optim.Adam, 0.1),
            ("AdamW", AdamW, torch.optim.AdamW, 0.1),
        ):
            for amsgrad in (False, True):
                for variant, kwargs in variants.items():
                    generator = torch.Generator().manual_seed(1)
                    start = random_tensors(shapes, device, dtype, generator)

                    def groups(start=start):
                        leaves = [t.clone().requires_grad_() for t in start]
                        return [
                            {"params": leaves[:2], "lr": 1e-2},
                            {"params": leaves[2:], "lr": 1e-3},
                        ]

                    ours = ours_cls(groups(), weight_decay=weight_decay, amsgrad=amsgrad)
                    theirs = torch_cls(
                        groups(), weight_decay=weight_decay, amsgrad=amsgrad, **kwargs
                    )
                    run_optimizers(ours, theirs, steps, device, dtype, generator)
                    a = [p for g in ours.param_groups for p in g["params"]]
                    b = [p for g in theirs.param_groups for p in g["params"]]
                    label = f"{name}{' amsgrad' if amsgrad else ''}, {steps} steps"
                    if variant == "foreach":
                        report(
                            label, dtype, variant, elementwise(a, b), ELEMENTWISE_TOLERANCE[dtype]
                        )
                    else:
                        report(
                            label,
                            dtype,
                            variant + " (normwise)",
                            normwise(a, b),
                            NORMWISE_TOLERANCE_FUSED[dtype],
                        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_device = "cuda" if torch.cuda.is_available() else "cpu"
    parser.add_argument("--device", default=default_device, help=f"default {default_device}")
    parser.add_argument("--quick", action="store_true", help="small sizes and few steps")
    parser.add_argument("--repeats", type=int, default=20, help="timed steps per configuration")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda":
        print(
            f"device: {torch.cuda.get_device_name(device)}, torch {torch.__version__}, "
            f"CUDA {torch.version.cuda}"
        )
    else:
        torch.set_num_threads(1)  # steadier timings on a shared CPU, as in bench_adam.py
        print(f"device: {device}, torch {torch.__version__}, 1 thread")

    shapes = (
        [(), (0,), (3, 5), (64, 33), (1000,)]
        if args.quick
        else [(), (0,), (3, 5), (256, 1024), (1024,), (4096, 257), (1_000_003,)]
    )
    steps = 20 if args.quick else 100
    failures: list[str] = []

    print(f"\n{'check':<34} {'dtype':<8} {'against':<18} {'max deviation':>14} {'tolerance':>10}")
    print("-" * 90)

    def report(label: str, dtype: torch.dtype, against: str, deviation: float, tol: float):
        ok = deviation <= tol
        print(
            f"{label:<34} {str(dtype).removeprefix('torch.'):<8} {against:<18} "
            f"{deviation:>14.3e} {tol:>10.0e}{'' if ok else '  FAIL'}"
        )
        if not ok:
            failures.append(f"{label} {dtype} vs {against}: {deviation:.3e} > {tol:.0e}")

    check_clip_grad_norm(device, shapes, report)
    check_adam(device, shapes, steps, report)

    print(f"\nTimings on {device} (median of {args.repeats} steps, float32)\n")
    layouts = bench_adam.QUICK_LAYOUTS if args.quick else bench_adam.LAYOUTS
    rows = bench_adam.optimizer_table(device, layouts, args.repeats, warmup=3)
    bench_adam.print_optimizer_table(rows, device)

    if failures:
        print("\nPARITY FAILURES:\n  " + "\n  ".join(failures))
        return 1
    print("\nAll parity checks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
