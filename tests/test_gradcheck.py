"""numerical_gradient and relative_error against analytic derivatives."""

import numpy as np
import pytest

from tutorial_utils.reference import numerical_gradient, relative_error


@pytest.mark.parametrize("shape", [(), (1,), (3,), (2, 3), (2, 1, 4)])
def test_numerical_gradient_matches_analytic(shape):
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    a = rng.normal(size=shape)
    f = lambda z: float(np.sum(a * np.sin(z) + z**3))  # noqa: E731
    exact = a * np.cos(x) + 3 * x**2
    approx = numerical_gradient(f, x)
    assert approx.shape == x.shape
    assert relative_error(approx, exact) < 1e-8


def test_numerical_gradient_does_not_mutate_input():
    x = np.array([1.0, 2.0])
    before = x.copy()
    numerical_gradient(lambda z: float(np.sum(z**2)), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_size_zero():
    assert numerical_gradient(lambda z: 0.0, np.zeros((0, 3))).shape == (0, 3)


@pytest.mark.parametrize("h", [0.0, -1e-3, float("nan")])
def test_numerical_gradient_rejects_bad_step(h):
    with pytest.raises(ValueError, match="h must"):
        numerical_gradient(lambda z: float(z.sum()), np.ones(2), h=h)


def test_relative_error_convention():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([1.0]), np.array([-1.0])) == 2.0
    assert relative_error(np.array([100.0, 1.0]), np.array([101.0, 1.0])) == pytest.approx(1 / 101)
    assert np.isnan(relative_error(np.array([np.nan]), np.array([1.0])))


def test_relative_error_shape_mismatch():
    with pytest.raises(ValueError, match="same shape"):
        relative_error(np.zeros(2), np.zeros(3))
