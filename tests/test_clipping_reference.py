"""The NumPy clipping reference against closed forms, hand computations and the papers' rules.

Parity with torch itself is in test_clipping_torch.py; here every expected value is computed
independently (by hand, from a concatenated vector, or with Pascanu et al.'s Algorithm 1).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tutorial_utils.reference import (
    adaptive_clip,
    clip_by_global_norm,
    clip_by_norm,
    clip_by_value,
    per_example_clip,
    relative_error,
)

SHAPES = [(), (0,), (7,), (4, 5), (2, 0, 3), (3, 2, 2, 2)]


def random_grads(seed: int, scale: float = 1.0, shapes=SHAPES) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [scale * rng.standard_normal(shape) for shape in shapes]


# ---------------------------------------------------------------------------------------------
# clip_by_value
# ---------------------------------------------------------------------------------------------


def test_clip_by_value_by_hand():
    (out,) = clip_by_value([np.array([-3.0, 0.5, math.nan, math.inf, -math.inf, 1.0])], 1.0)
    np.testing.assert_array_equal(out, [-1.0, 0.5, math.nan, 1.0, -1.0, 1.0])


def test_clip_by_value_changes_direction_and_converts_to_float64():
    g = np.array([10.0, 0.1], dtype=np.float32)
    (out,) = clip_by_value([g], 1.0)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, [1.0, np.float32(0.1)])  # ratio 100:1 became 10:1


# ---------------------------------------------------------------------------------------------
# clip_by_norm and clip_by_global_norm
# ---------------------------------------------------------------------------------------------


def test_clip_by_norm_three_four_five():
    g = np.array([3.0, 4.0])
    np.testing.assert_allclose(clip_by_norm(g, 1.0), [3.0 / 5.000001, 4.0 / 5.000001], rtol=1e-15)
    np.testing.assert_array_equal(clip_by_norm(g, 10.0), g)  # coefficient clamped to exactly 1
    np.testing.assert_array_equal(clip_by_norm(np.zeros(3), 1.0), np.zeros(3))  # no 0/0


@pytest.mark.parametrize(("norm_type", "expected"), [(1.0, 19.0), (2.0, 13.0), (math.inf, 12.0)])
def test_global_norm_closed_form(norm_type, expected):
    grads = [np.array([3.0, -4.0]), np.array([[12.0]])]
    clipped, total = clip_by_global_norm(grads, 1.0, norm_type)
    assert total == expected
    for g, c in zip(grads, clipped):
        np.testing.assert_allclose(c, g / (expected + 1e-6), rtol=1e-15)


@pytest.mark.parametrize("norm_type", [1.0, 2.0, math.inf])
def test_global_norm_equals_norm_of_concatenation(norm_type):
    grads = random_grads(seed=1)
    flat = np.concatenate([g.ravel() for g in grads])
    _, total = clip_by_global_norm(grads, 1.0, norm_type)
    assert total == pytest.approx(np.linalg.norm(flat, ord=norm_type), rel=1e-14)


@pytest.mark.parametrize("max_norm", [0.0, 0.5, 3.0, 1e3])
def test_global_norm_clip_is_pascanu_algorithm_1(max_norm):
    """Algorithm 1 of Pascanu et al. (2013): if ||g|| >= c then g <- c g / ||g||."""
    grads = random_grads(seed=2, scale=0.5)
    norm = math.sqrt(sum(float(np.sum(g**2)) for g in grads))
    expected = [g * max_norm / norm if norm >= max_norm else g for g in grads]
    clipped, total = clip_by_global_norm(grads, max_norm)
    assert total == pytest.approx(norm, rel=1e-14)
    for c, e in zip(clipped, expected):  # torch's +1e-6 is the only difference
        assert relative_error(c, e) <= 1e-6 / norm * 1.01


def test_global_norm_nonfinite_behaves_like_torch():
    clipped, total = clip_by_global_norm([np.array([1.0, math.nan]), np.array([2.0])], 1.0)
    assert math.isnan(total) and all(np.isnan(c).all() for c in clipped)
    clipped, total = clip_by_global_norm([np.array([1.0, math.inf]), np.array([2.0])], 1.0)
    assert total == math.inf
    np.testing.assert_array_equal(clipped[0], [0.0, math.nan])
    np.testing.assert_array_equal(clipped[1], [0.0])


def test_global_norm_of_nothing_and_of_empty_arrays():
    assert clip_by_global_norm([], 1.0) == ([], 0.0)
    clipped, total = clip_by_global_norm([np.zeros(0), np.zeros((2, 0))], 1.0, math.inf)
    assert total == 0.0 and [c.shape for c in clipped] == [(0,), (2, 0)]


def test_inputs_are_never_modified():
    grads = random_grads(seed=3, scale=10.0)
    params = random_grads(seed=4)
    copies = [g.copy() for g in grads]
    clip_by_value(grads, 0.1)
    clip_by_norm(grads[3], 0.1)
    clip_by_global_norm(grads, 0.1)
    adaptive_clip(grads, params, 0.01)
    per_example_clip(grads[3], 0.1, 1.0, np.random.default_rng(0))
    for g, c in zip(grads, copies):
        np.testing.assert_array_equal(g, c)


def test_zero_dimensional_inputs_give_zero_dimensional_arrays():
    """NumPy turns 0-d results into scalars; the documented return type is an array."""
    outputs = [
        clip_by_value([np.array(3.0)], 1.0)[0],
        clip_by_norm(np.array(3.0), 1.0),
        clip_by_global_norm([np.array(3.0)], 1.0)[0][0],
        adaptive_clip([np.array(3.0)], [np.array(1.0)], 0.1)[0],
        per_example_clip(np.array([3.0, -0.5]), 1.0),
    ]
    for out in outputs:
        assert isinstance(out, np.ndarray) and out.shape == ()


# ---------------------------------------------------------------------------------------------
# Adaptive clipping
# ---------------------------------------------------------------------------------------------


def test_adaptive_clip_by_hand():
    w = np.array([[3.0, 4.0], [0.0, 0.0]])  # row norms 5 and 0 (floored to eps = 1e-3)
    g = np.array([[0.3, 0.4], [1.0, 0.0]])  # row norms 0.5 and 1
    (out,) = adaptive_clip([g], [w], clip_factor=0.2, eps=1e-3)
    np.testing.assert_array_equal(out[0], g[0])  # 0.5 / 5 = 0.1 <= 0.2: untouched
    np.testing.assert_allclose(out[1], [0.2 * 1e-3, 0.0], rtol=1e-15)  # 1 / 1e-3 > 0.2: clipped


def test_adaptive_clip_rank_one_and_scalar_use_whole_tensor_norm():
    (bias, scalar) = adaptive_clip(
        [np.array([3.0, 4.0]), np.array(2.0)], [np.array([1.0, 0.0]), np.array(-4.0)], 0.5
    )
    np.testing.assert_allclose(bias, np.array([3.0, 4.0]) * 0.5 / 5.0, rtol=1e-15)
    np.testing.assert_array_equal(scalar, 2.0)  # |2| / |-4| = 0.5, not above lambda


def test_adaptive_clip_conv_units_are_output_channels():
    """A Conv weight (out, in, kh, kw): the unit is an output channel, not the last axis."""
    w = np.ones((2, 3, 2, 2))
    g = np.full((2, 3, 2, 2), 1e-4)
    g[1] = 1.0  # output channel 1 is large
    out = adaptive_clip([g], [w], 0.01)[0]
    np.testing.assert_array_equal(out[0], g[0])
    assert np.linalg.norm(out[1]) == pytest.approx(0.01 * np.sqrt(12.0), rel=1e-14)


# ---------------------------------------------------------------------------------------------
# Per-example clipping
# ---------------------------------------------------------------------------------------------


def test_per_example_clip_by_hand():
    g = np.array([[3.0, 4.0], [0.3, 0.4]])  # norms 5 and 0.5
    out = per_example_clip(g, 1.0)
    expected = (g[0] / 5.000001 + g[1]) / 2  # only the first example is clipped
    np.testing.assert_allclose(out, expected, rtol=1e-15)


def test_clipping_each_example_differs_from_clipping_the_mean():
    g = np.array([[10.0, 0.0], [0.0, 0.1]])
    per_example = per_example_clip(g, 1.0)
    mean_clipped = clip_by_norm(g.mean(axis=0), 1.0)
    assert relative_error(per_example, mean_clipped) > 0.5


def test_per_example_noise_is_reproducible_and_has_the_right_scale():
    batch, dim, c, sigma = 5, 20_000, 0.5, 2.0
    zeros = np.zeros((batch, dim))
    first = per_example_clip(zeros, c, sigma, np.random.default_rng(7))
    again = per_example_clip(zeros, c, sigma, np.random.default_rng(7))
    np.testing.assert_array_equal(first, again)
    assert np.std(first) == pytest.approx(sigma * c / batch, rel=0.03)
    assert abs(np.mean(first)) < 4 * sigma * c / batch / math.sqrt(dim)


# ---------------------------------------------------------------------------------------------
# Bad input: one test per error
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [-1.0, math.nan])
def test_bad_clip_value_raises(value):
    with pytest.raises(ValueError, match="clip_value"):
        clip_by_value([np.ones(2)], value)


@pytest.mark.parametrize("value", [-1.0, math.nan])
@pytest.mark.parametrize(
    "call",
    [
        lambda c: clip_by_norm(np.ones(2), c),
        lambda c: clip_by_global_norm([np.ones(2)], c),
        lambda c: per_example_clip(np.ones((2, 2)), c),
    ],
    ids=["clip_by_norm", "clip_by_global_norm", "per_example_clip"],
)
def test_bad_max_norm_raises(call, value):
    with pytest.raises(ValueError, match="max_norm"):
        call(value)


@pytest.mark.parametrize("norm_type", [0, 3, "fro", None])
def test_unsupported_norm_type_raises(norm_type):
    with pytest.raises(ValueError, match="norm_type must be 1, 2 or inf"):
        clip_by_global_norm([np.ones(2)], 1.0, norm_type)


@pytest.mark.parametrize("bad", [np.array([1, 2]), np.array([1j, 2.0]), np.array([True])])
def test_non_floating_gradient_raises_naming_it(bad):
    with pytest.raises(TypeError, match=r"grads\[1\] must have a real floating-point dtype"):
        clip_by_global_norm([np.ones(2), bad], 1.0)


def test_bare_array_instead_of_list_raises():
    with pytest.raises(TypeError, match=r"grads must be a list of arrays.*\[grad\]"):
        clip_by_global_norm(np.ones((3, 2)), 1.0)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("clip_factor", {"clip_factor": -0.1}),
        ("clip_factor", {"clip_factor": math.nan}),
        ("eps", {"eps": -1.0}),
    ],
)
def test_bad_agc_hyperparameter_raises(name, kwargs):
    with pytest.raises(ValueError, match=name):
        adaptive_clip([np.ones(2)], [np.ones(2)], **kwargs)


def test_agc_length_mismatch_raises():
    with pytest.raises(ValueError, match="same length"):
        adaptive_clip([np.ones(2)], [np.ones(2), np.ones(3)])


def test_agc_shape_mismatch_raises():
    with pytest.raises(ValueError, match=r"grads\[0\] has shape \(2,\) but params\[0\]"):
        adaptive_clip([np.ones(2)], [np.ones(3)])


@pytest.mark.parametrize("shape", [(0, 3), ()])
def test_empty_per_example_batch_raises(shape):
    with pytest.raises(ValueError, match="at least one example"):
        per_example_clip(np.ones(shape), 1.0)


def test_negative_noise_multiplier_raises():
    with pytest.raises(ValueError, match="noise_multiplier"):
        per_example_clip(np.ones((2, 2)), 1.0, -1.0, np.random.default_rng(0))


@pytest.mark.parametrize("rng", [None, 0, np.random.RandomState(0)])
def test_noise_without_a_generator_raises(rng):
    with pytest.raises(ValueError, match="rng must be a numpy.random.Generator"):
        per_example_clip(np.ones((2, 2)), 1.0, 1.0, rng)
