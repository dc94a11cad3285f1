"""What every checker shares: calling the student's code, comparing arrays, wording the feedback.

A checker runs a list of named cases. In each case it calls the student's function through
:func:`call`, which lets ``NotImplementedError`` through unchanged (so an unsolved exercise shows
the stub's message) and turns any other exception into an ``AssertionError`` naming the case.
Results are compared with :func:`assert_close`; on a mismatch the message names the case, the
quantity, the worst element (expected vs got) and a hint. Hints come from *diagnoses*: the checker
computes what a few typical mistakes would have returned for the same case and, if the student's
result matches one of them, names that mistake. Otherwise, when the result is a constant multiple
of the expected one, the factor is reported ("10x too small").
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn

import numpy as np

#: Relative tolerance of the comparisons, relative to the largest expected magnitude. Loose enough
#: for any order of float64 operations, tight enough to see torch's 1e-6 clipping epsilon.
RTOL = 1e-9

Diagnosis = tuple[str, Any]  # (hint, what that mistake would have returned)


def call(fn: Callable[..., Any], checker: str, case: str, *args: Any, **kwargs: Any) -> Any:
    """Call the student's ``fn``; ``NotImplementedError`` propagates, other errors become hints."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - any failure of the student's code is feedback
        raise AssertionError(
            f"{checker}: case '{case}': your function raised {type(error).__name__}: {error}"
        ) from error


def fail(checker: str, case: str, message: str, hint: str | None = None) -> NoReturn:
    """Raise the ``AssertionError`` shown to the student."""
    text = f"{checker}: case '{case}': {message}"
    if hint:
        text += f"\nHint: {hint}"
    raise AssertionError(text)


def as_array(value: Any, checker: str, case: str, what: str) -> np.ndarray:
    """``value`` as a float64 array, or a failure saying what was returned instead."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        fail(checker, case, f"{what} should be an array of numbers, got {type(value).__name__}")
    return array


def _matches(got: np.ndarray, candidate: Any, rtol: float) -> bool:
    try:
        other = np.asarray(candidate, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return other.shape == got.shape and _within(got, other, rtol)


def _within(got: np.ndarray, expected: np.ndarray, rtol: float) -> bool:
    if not np.all(np.isfinite(got)):
        return bool(np.array_equal(got, expected, equal_nan=True))
    scale = float(np.max(np.abs(expected), initial=0.0))
    return float(np.max(np.abs(got - expected), initial=0.0)) <= rtol * scale


def ratio_hint(got: np.ndarray, expected: np.ndarray) -> str | None:
    """``'... is 10x too small'`` when ``got`` is a constant multiple of ``expected``."""
    denom = float(np.sum(expected * expected))
    if denom == 0.0 or not np.all(np.isfinite(got)):
        return None
    factor = float(np.sum(got * expected)) / denom
    if factor == 0.0 or not _within(got, factor * expected, 1e-4):
        return None
    if abs(factor - 1.0) < 1e-3:
        return (
            f"your result is close but not equal (relative difference {factor - 1:+.1e}): check "
            "the small constants (epsilons) and where they enter the formula"
        )
    if factor < 0:
        return f"your result is {factor:.3g} times the expected one: check the sign"
    if expected.size <= 1:
        return None  # any wrong number is a multiple of the right one: "1.67x" would say nothing
    if factor < 1:
        return f"your result is {1 / factor:.3g}x too small"
    return f"your result is {factor:.3g}x too large"


def assert_close(
    got: Any,
    expected: Any,
    *,
    checker: str,
    case: str,
    what: str,
    diagnoses: Iterable[Diagnosis] = (),
    hint: str | None = None,
    note: str | None = None,
    rtol: float = RTOL,
) -> None:
    """Fail unless ``got`` equals ``expected`` to ``rtol`` times the largest expected magnitude.

    ``diagnoses`` are ``(hint, value)`` pairs: the value a typical mistake would produce here.
    The ones that ``got`` matches give the hint; otherwise a constant-factor hint (unless there is
    a ``note``), then ``hint``, is used. ``note`` (e.g. the ratio of the updates) is prepended.
    """
    expected_array = np.asarray(expected, dtype=np.float64)
    got_array = as_array(got, checker, case, what)
    if got_array.shape != expected_array.shape:
        fail(
            checker,
            case,
            f"{what} has shape {got_array.shape}, expected {expected_array.shape}",
            _first_match(got_array, expected_array, diagnoses, rtol) or hint,
        )
    if _within(got_array, expected_array, rtol):
        return
    if not np.all(np.isfinite(got_array)):
        message = f"{what} contains NaN or inf where the expected values are finite"
    else:
        diff = np.abs(got_array - expected_array)
        index = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
        where = f" at index {tuple(int(i) for i in index)}" if diff.ndim else ""
        message = (
            f"{what} is wrong{where}: expected {expected_array[index]:.10g}, "
            f"got {got_array[index]:.10g}"
        )
    diagnosis = _first_match(got_array, expected_array, diagnoses, rtol)
    # With a note (e.g. the ratio of the updates), the ratio of the raw results would repeat it.
    text = diagnosis or (None if note else ratio_hint(got_array, expected_array)) or hint
    if note and note != text:
        text = f"{note}; {text}" if text else note
    fail(checker, case, message, text)


def _first_match(
    got: np.ndarray, expected: np.ndarray, diagnoses: Iterable[Diagnosis], rtol: float
) -> str | None:
    """The hints of the mistakes that ``got`` reproduces (and the right answer does not)."""
    hints: list[str] = []
    for text, value in diagnoses:
        if value is None or _matches(expected, value, rtol):
            continue  # this mistake gives the right answer in this case: no evidence
        if _matches(got, value, rtol) and text not in hints:
            hints.append(text)
    return "\nor: ".join(hints) if hints else None


def consistent(
    gots: Sequence[Any], variants: dict[str, Sequence[Any]], rtol: float = RTOL
) -> dict[str, Sequence[Any]]:
    """The variants (typical mistakes, one value per returned quantity, ``None`` = unknown) that
    agree with *every* quantity the student returned; all of them if none does."""

    def agrees(values: Sequence[Any]) -> bool:
        for got, value in zip(gots, values):
            if value is None:
                continue
            try:
                got_array = np.asarray(got, dtype=np.float64)
            except (TypeError, ValueError):
                return False
            if not _matches(got_array, value, rtol):
                return False
        return True

    chosen = {hint: values for hint, values in variants.items() if agrees(values)}
    return chosen or variants


def snapshot(values: Any) -> Any:
    """A deep copy of the inputs, to detect a student's function that modifies them."""
    return copy.deepcopy(values)


def assert_unchanged(before: Any, after: Any, *, checker: str, case: str, what: str) -> None:
    """Fail if the student's function modified an input in place.

    ``what`` names the input; for a tuple of inputs, ``"a/b/c"`` names each item, and the
    message names the first one that changed.
    """
    if _equal_nested(before, after):
        return
    names = what.split("/")
    if isinstance(before, tuple) and len(names) == len(before):
        what = next(n for n, b, a in zip(names, before, after) if not _equal_nested(b, a))
    fail(
        checker,
        case,
        f"your function modified its input {what} in place",
        "work on new arrays (e.g. param - step, g * coef or np.clip(g, ...)) instead of in-place "
        "operations such as param -= step, g *= coef or g[...] = ...",
    )


def _equal_nested(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple)):
        return (
            isinstance(b, (list, tuple))
            and len(a) == len(b)
            and all(_equal_nested(x, y) for x, y in zip(a, b))
        )
    return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))


def as_list(value: Any, n: int, checker: str, case: str, what: str) -> Sequence[Any]:
    """Check that ``value`` is a list/tuple of ``n`` items (one per parameter tensor)."""
    if not isinstance(value, (list, tuple)):
        fail(
            checker,
            case,
            f"{what} should be a list with one array per parameter tensor, got "
            f"{type(value).__name__}",
        )
    if len(value) != n:
        fail(checker, case, f"{what} has {len(value)} items, expected {n}")
    return value


def passed(checker: str, cases: int) -> None:
    """The one-line success message."""
    print(f"{checker}: all {cases} cases passed.")
