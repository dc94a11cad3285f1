"""``tutorial_utils.torch_impl.Adam``/``AdamW`` against ``torch.optim.Adam``/``AdamW``."""

from __future__ import annotations

import copy

import pytest
import torch

import tutorial_utils.torch_impl.adam as adam_module
from tutorial_utils.reference import relative_error
from tutorial_utils.torch_impl import Adam, AdamW

STEPS = 100
#: Max relative deviation allowed from torch.optim, per dtype (from the brief).
TOLERANCE = {torch.float32: 1e-6, torch.float64: 1e-12}
#: Shapes in each of the two parameter groups: 0-d, size 0 and small ones (several CPU chunks are
#: exercised by ``test_cpu_chunk_size_does_not_change_the_result``).
SHAPES = ([(), (0,), (3, 4)], [(5,), (2, 0, 3), (40, 50)])
WEIGHT_DECAY_MODES = ("none", "l2", "decoupled")


def max_relative_deviation(ours: list[torch.Tensor], theirs: list[torch.Tensor]) -> float:
    """Largest element-wise relative deviation over a list of tensors (0 for empty tensors)."""
    return max(
        relative_error(a.detach().cpu().double().numpy(), b.detach().cpu().double().numpy())
        for a, b in zip(ours, theirs)
    )


def make_groups(device, dtype, seed=0) -> list[list[torch.Tensor]]:
    generator = torch.Generator().manual_seed(seed)
    return [
        [torch.randn(s, generator=generator, dtype=dtype).to(device) for s in shapes]
        for shapes in SHAPES
    ]


def param_groups(tensors: list[list[torch.Tensor]], weight_decay: float) -> list[dict]:
    """Two groups with different lr and weight decay, on leaf copies of ``tensors``."""
    copies = [[t.clone().requires_grad_() for t in group] for group in tensors]
    return [
        {"params": copies[0], "lr": 1e-2, "weight_decay": weight_decay},
        {"params": copies[1], "lr": 3e-3, "weight_decay": 2 * weight_decay},
    ]


def all_params(optimizer: torch.optim.Optimizer) -> list[torch.Tensor]:
    return [p for group in optimizer.param_groups for p in group["params"]]


def run_together(ours, theirs, steps, device, dtype, seed=1) -> None:
    """Feed both optimizers the same gradients. Some gradients are ``None`` at some steps, so
    parameters end up with different step counts (as with frozen or unused layers)."""
    generator = torch.Generator().manual_seed(seed)
    params_a, params_b = all_params(ours), all_params(theirs)
    for t in range(steps):
        scale = 10.0 ** (2 * torch.rand((), generator=generator).item() - 1)
        for i, (a, b) in enumerate(zip(params_a, params_b)):
            if (t + i) % 7 == 0:
                a.grad = b.grad = None
                continue
            g = scale * torch.randn(a.shape, generator=generator, dtype=dtype).to(device)
            a.grad, b.grad = g.clone(), g.clone()
        ours.step()
        theirs.step()


def state_tensors(optimizer, key) -> list[torch.Tensor]:
    return [optimizer.state[p][key] for p in all_params(optimizer)]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["fp32", "fp64"])
@pytest.mark.parametrize("maximize", [False, True], ids=["min", "max"])
@pytest.mark.parametrize("weight_decay_mode", WEIGHT_DECAY_MODES)
@pytest.mark.parametrize("amsgrad", [False, True], ids=["adam", "amsgrad"])
def test_matches_torch_optim_adam(device, amsgrad, weight_decay_mode, maximize, dtype):
    weight_decay = 0.0 if weight_decay_mode == "none" else 0.1
    options = dict(
        amsgrad=amsgrad,
        maximize=maximize,
        decoupled_weight_decay=weight_decay_mode == "decoupled",
    )
    tensors = make_groups(device, dtype)
    ours = Adam(param_groups(tensors, weight_decay), **options)
    theirs = torch.optim.Adam(param_groups(tensors, weight_decay), **options)
    run_together(ours, theirs, STEPS, device, dtype)

    tolerance = TOLERANCE[dtype]
    assert max_relative_deviation(all_params(ours), all_params(theirs)) <= tolerance
    keys = ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if amsgrad else [])
    for key in keys:
        assert max_relative_deviation(state_tensors(ours, key), state_tensors(theirs, key)) <= (
            tolerance
        )
    assert [s.item() for s in state_tensors(ours, "step")] == [
        s.item() for s in state_tensors(theirs, "step")
    ]
    # The parameters moved: the comparison above is not between two untouched copies.
    assert max_relative_deviation(all_params(ours), sum(tensors, [])) > 1e-3


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["fp32", "fp64"])
@pytest.mark.parametrize("maximize", [False, True], ids=["min", "max"])
@pytest.mark.parametrize("amsgrad", [False, True], ids=["adam", "amsgrad"])
def test_adamw_matches_torch_optim_adamw(device, amsgrad, maximize, dtype):
    tensors = make_groups(device, dtype, seed=2)
    ours = AdamW(param_groups(tensors, 0.05), amsgrad=amsgrad, maximize=maximize)
    theirs = torch.optim.AdamW(param_groups(tensors, 0.05), amsgrad=amsgrad, maximize=maximize)
    run_together(ours, theirs, STEPS, device, dtype)
    assert max_relative_deviation(all_params(ours), all_params(theirs)) <= TOLERANCE[dtype]


@pytest.mark.parametrize("chunk_elements", [1, 10, 100, 10**9])
def test_cpu_chunk_size_does_not_change_the_result(monkeypatch, chunk_elements):
    """Chunking is a schedule, not a change of arithmetic: any chunk size gives torch's bits."""
    monkeypatch.setattr(adam_module, "CPU_CHUNK_ELEMENTS", chunk_elements)
    tensors = make_groups("cpu", torch.float32, seed=3)
    ours = Adam(param_groups(tensors, 0.1), amsgrad=True)
    theirs = torch.optim.Adam(param_groups(tensors, 0.1), amsgrad=True)
    run_together(ours, theirs, 20, "cpu", torch.float32)
    for a, b in zip(all_params(ours), all_params(theirs)):
        assert torch.equal(a, b)


def test_mixed_dtypes_in_one_group(device):
    """Tensors of different dtypes in one group are updated in separate batches."""
    generator = torch.Generator().manual_seed(4)
    tensors = [
        torch.randn(6, generator=generator, dtype=dt).to(device)
        for dt in (torch.float32, torch.float64, torch.float32)
    ]
    ours = Adam([t.clone().requires_grad_() for t in tensors], lr=0.01, weight_decay=0.1)
    theirs = torch.optim.Adam(
        [t.clone().requires_grad_() for t in tensors], lr=0.01, weight_decay=0.1
    )
    for _ in range(20):
        for a, b in zip(all_params(ours), all_params(theirs)):
            a.grad = torch.randn(a.shape, generator=generator, dtype=a.dtype).to(device)
            b.grad = a.grad.clone()
        ours.step()
        theirs.step()
    for a, b in zip(all_params(ours), all_params(theirs)):
        assert a.dtype == b.dtype
        assert (
            relative_error(a.detach().cpu().numpy(), b.detach().cpu().numpy())
            <= (TOLERANCE[a.dtype])
        )


def test_defaults_and_group_keys():
    p = torch.zeros(3, requires_grad=True)
    adam, adamw = Adam([p]), AdamW([p])
    assert adam.defaults["lr"] == 1e-3 and adam.defaults["betas"] == (0.9, 0.999)
    assert adam.defaults["eps"] == 1e-8 and adam.defaults["weight_decay"] == 0.0
    assert adam.defaults["decoupled_weight_decay"] is False
    assert adamw.defaults["weight_decay"] == 1e-2
    assert adamw.defaults["decoupled_weight_decay"] is True
    assert isinstance(adam, torch.optim.Optimizer)


def test_closure_is_called_and_its_loss_returned():
    p = torch.tensor([1.0, -2.0], requires_grad=True)
    optimizer = Adam([p], lr=0.1)

    def closure():
        optimizer.zero_grad()
        loss = (p**2).sum()
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    assert loss.item() == pytest.approx(5.0)
    # First step moves every coordinate by lr against the sign of its gradient.
    assert torch.allclose(p.detach(), torch.tensor([0.9, -1.9]), atol=1e-6)


def test_parameters_without_gradient_are_untouched(device):
    a = torch.ones(3, device=device, requires_grad=True)
    b = torch.ones(3, device=device, requires_grad=True)
    optimizer = AdamW([a, b], lr=0.1)
    a.grad = torch.ones(3, device=device)
    optimizer.step()
    assert torch.equal(b.detach(), torch.ones(3, device=device))
    assert b not in optimizer.state and optimizer.state[a]["step"].item() == 1.0


# ----------------------------------------------------------------------------- state_dict


def train(optimizer, steps, seed, device, dtype=torch.float32):
    generator = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        for p in all_params(optimizer):
            p.grad = torch.randn(p.shape, generator=generator, dtype=dtype).to(device)
        optimizer.step()


@pytest.mark.parametrize("amsgrad", [False, True], ids=["adam", "amsgrad"])
def test_state_dict_round_trip_resumes_exactly(device, amsgrad):
    tensors = make_groups(device, torch.float32, seed=5)
    uninterrupted = AdamW(param_groups(tensors, 0.1), amsgrad=amsgrad)
    train(uninterrupted, 30, seed=6, device=device)
    train(uninterrupted, 30, seed=7, device=device)

    first = AdamW(param_groups(tensors, 0.1), amsgrad=amsgrad)
    train(first, 30, seed=6, device=device)
    saved = copy.deepcopy(first.state_dict())
    saved_params = [p.detach().clone() for p in all_params(first)]
    del first

    resumed_groups = param_groups([[], []], 0.1)  # fresh leaves, loaded below
    resumed_groups[0]["params"] = [p.clone().requires_grad_() for p in saved_params[:3]]
    resumed_groups[1]["params"] = [p.clone().requires_grad_() for p in saved_params[3:]]
    resumed = AdamW(resumed_groups, amsgrad=amsgrad)
    resumed.load_state_dict(saved)
    assert resumed.state[all_params(resumed)[0]]["step"].item() == 30
    train(resumed, 30, seed=7, device=device)
    for a, b in zip(all_params(resumed), all_params(uninterrupted)):
        assert torch.equal(a, b)


@pytest.mark.parametrize("direction", ["torch->ours", "ours->torch"])
def test_state_dict_interoperates_with_torch(device, direction):
    """A checkpoint of one implementation continues in the other with identical results."""
    tensors = make_groups(device, torch.float64, seed=8)
    source_cls, target_cls = (
        (torch.optim.AdamW, AdamW) if direction == "torch->ours" else (AdamW, torch.optim.AdamW)
    )
    source = source_cls(param_groups(tensors, 0.1), amsgrad=True)
    train(source, 25, seed=9, device=device, dtype=torch.float64)
    target = target_cls(
        [
            {"params": [p.detach().clone().requires_grad_() for p in g["params"]]}
            for g in source.param_groups
        ],
        amsgrad=True,
    )
    target.load_state_dict(copy.deepcopy(source.state_dict()))
    train(source, 25, seed=10, device=device, dtype=torch.float64)
    train(target, 25, seed=10, device=device, dtype=torch.float64)
    assert max_relative_deviation(all_params(target), all_params(source)) <= 1e-12
    assert target.param_groups[1]["lr"] == 3e-3  # per-group hyperparameters came across


# ----------------------------------------------------------------------------- errors


def test_empty_parameter_list_raises():
    with pytest.raises(ValueError, match="empty parameter list"):
        Adam([])


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"lr": -1e-3}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"eps": -1e-8}, "eps"),
        ({"weight_decay": -0.1}, "weight_decay"),
        ({"betas": (1.0, 0.999)}, r"betas\[0\]"),
        ({"betas": (0.9, -0.1)}, r"betas\[1\]"),
        ({"betas": (0.9,)}, "betas"),
    ],
)
@pytest.mark.parametrize("cls", [Adam, AdamW])
def test_bad_hyperparameter_raises_naming_it(cls, kwargs, name):
    with pytest.raises(ValueError, match=name):
        cls([torch.zeros(2, requires_grad=True)], **kwargs)


def test_bad_hyperparameter_in_a_param_group_raises():
    good = torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="weight_decay"):
        Adam([{"params": [good], "weight_decay": -1.0}])
    optimizer = Adam([good])
    with pytest.raises(ValueError, match="lr"):
        optimizer.add_param_group({"params": [torch.zeros(2, requires_grad=True)], "lr": -1.0})
    assert len(optimizer.param_groups) == 1


@pytest.mark.parametrize("dtype", [torch.int64, torch.bool, torch.complex64])
def test_non_real_floating_parameters_raise(dtype):
    optimizer = Adam([torch.zeros(2, requires_grad=True)])
    with pytest.raises(TypeError, match=r"params\[1\].*dtype"):
        optimizer.add_param_group({"params": [torch.zeros(2), torch.zeros(2, dtype=dtype)]})
    assert len(optimizer.param_groups) == 1  # the bad group was not kept


def test_sparse_gradient_raises():
    p = torch.zeros(4, requires_grad=True)
    p.grad = torch.zeros(4).to_sparse()
    with pytest.raises(RuntimeError, match="sparse"):
        Adam([p]).step()


def test_checkpoint_without_newer_group_options_loads_like_torch():
    """A checkpoint from before torch had ``maximize``/``decoupled_weight_decay`` loads with
    torch's defaults for them; AdamW always gets decoupled decay (as torch.optim.AdamW)."""
    for ours_cls, torch_cls in ((Adam, torch.optim.Adam), (AdamW, torch.optim.AdamW)):
        results = []
        for cls in (ours_cls, torch_cls):
            p = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
            optimizer = cls([p], lr=0.1, weight_decay=0.5)
            checkpoint = copy.deepcopy(optimizer.state_dict())
            for key in ("amsgrad", "maximize", "decoupled_weight_decay"):
                del checkpoint["param_groups"][0][key]
            optimizer.load_state_dict(checkpoint)
            p.grad = torch.tensor([0.5, 0.25], dtype=torch.float64)
            optimizer.step()
            results.append(p.detach())
        assert torch.equal(*results)
    assert AdamW([torch.zeros(1, requires_grad=True)]).param_groups[0]["decoupled_weight_decay"]


def test_checkpoint_with_a_numeric_step_loads():
    """Old checkpoints stored ``step`` as a number; it is converted back to a CPU tensor."""
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    optimizer = Adam([p], lr=0.1)
    p.grad = torch.tensor([1.0, -1.0])
    optimizer.step()
    checkpoint = copy.deepcopy(optimizer.state_dict())
    checkpoint["state"][0]["step"] = 1
    reference = torch.optim.Adam([q := p.detach().clone().requires_grad_()], lr=0.1)
    reference.load_state_dict(copy.deepcopy(optimizer.state_dict()))
    optimizer.load_state_dict(checkpoint)
    q.grad = p.grad.clone()
    optimizer.step()
    reference.step()
    assert optimizer.state[p]["step"].item() == 2.0
    assert torch.equal(p, q)
