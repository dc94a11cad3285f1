"""The one runner behind every checker: cases, a table of typical mistakes, feedback.

A checker is a :class:`Spec`: named cases (the arguments the student's function receives), the
correct answer with the student's signature (or each case's expected value), and a table of
:class:`Mistake` objects, each a typical wrong answer with the student's signature and the hint
it deserves. :func:`run` calls the student's function on every case (stopped after
:data:`TIME_LIMIT` seconds where the platform allows it), checks that no input was modified,
coerces whatever came back to arrays, and compares with the expected value. On a failure it runs
the mistake table on the cases: the hints of the mistakes that behave like the student's function
(same values, or the same failure) are shown. Otherwise a float32 result, a constant factor or the
formula of the wrong quantity is named. ``NotImplementedError`` (an unsolved stub) propagates.
"""

from __future__ import annotations

import copy
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import numpy as np

#: Relative tolerance of the comparisons, relative to the largest expected magnitude: loose enough
#: for any order of float64 operations, tight enough to see torch's 1e-6 clipping epsilon.
RTOL = 1e-9
#: Seconds after which a student's function is stopped (SIGALRM; POSIX main thread only).
TIME_LIMIT = 10.0
IN_PLACE_HINT = (
    "work on new arrays (e.g. param - step, g * coef or np.clip(g, ...)) instead of in-place "
    "operations such as param -= step, g *= coef or g[...] = ..."
)
NEW_ARRAY_HINT = (
    "return new arrays even when nothing changes (g * coef, np.clip(g, ...) or g.copy()), "
    "never the caller's own array"
)
FLOAT32_HINT = (
    "your result is rounded to float32 (about 7 significant digits): compute in float64 "
    "(no np.float32 / astype(np.float32), no float32 torch tensors)"
)


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer, with the student's signature, and the hint that names it."""

    hint: str
    answer: Callable[..., Any]


@dataclass
class Case:
    """One call of the student's function; ``expected`` overrides the spec's reference."""

    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    expected: Any = None


@dataclass
class Spec:
    """What a checker tests. ``returns`` describes the result: a label (one array), a one-item
    list ``[label]`` (a list of arrays) or a tuple of those; ``inputs`` names the arguments."""

    name: str
    cases: list[Case]
    returns: Any
    inputs: tuple[str, ...]
    mistakes: Sequence[Mistake] = ()
    reference: Callable[..., Any] | None = None
    rtol: float = RTOL
    new_arrays: bool = False
    order: tuple[str, ...] = ()  # labels compared first
    formulas: dict[str, str] = field(default_factory=dict)
    close_hint: str = "check the small constants (epsilons) and where they enter the formula"
    note: Callable[[Case, dict[str, np.ndarray], dict[str, np.ndarray]], str | None] | None = None
    invoke: Callable[[Callable[..., Any], Case], Any] | None = None  # default: fn(*args)
    extra: Callable[[Callable[..., Any], Spec], int] | None = None  # more checks, returns count


class Failure(Exception):
    """A failed case: ``message`` is shown; mistakes that fail with the same ``key`` match."""

    def __init__(self, message: str, hint: str | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint, self.key = message, hint, key or message


class _TimeUp(BaseException):  # BaseException: a student's ``except Exception`` cannot swallow it
    pass


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call the student's ``fn``: ``NotImplementedError`` propagates, other errors (and running
    past :data:`TIME_LIMIT`) become a :class:`Failure`."""
    timer = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0  # never override an outer timer
    )
    if timer:

        def time_up(signum: int, frame: Any) -> None:
            raise _TimeUp

        previous = signal.signal(signal.SIGALRM, time_up)
        signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except _TimeUp:
        raise Failure(
            f"your function did not return within {TIME_LIMIT:g} s and was stopped",
            "look for a loop that never ends (a while loop whose condition never changes)",
            key="time limit",
        ) from None
    except Exception as error:  # noqa: BLE001 - any failure of the student's code is feedback
        name = type(error).__name__
        raise Failure(f"your function raised {name}: {error}", key=f"raised {name}") from error
    finally:
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    return "None" if value is None else f"a {type(value).__name__}"


def to_array(value: Any, what: str) -> np.ndarray:
    """``value`` as a real array in its own dtype, or a :class:`Failure` saying what came back."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        value = (value.double() if value.dtype == torch.bfloat16 else value).numpy()
    if value is None:
        raise Failure(f"{what} is None: is a return statement missing?")
    if isinstance(value, Iterator):
        raise Failure(
            f"{what} is a {type(value).__name__}, not an array",
            "build a list ([... for g in grads]) or an array, not a generator or iterator",
        )
    try:
        array = np.asarray(value)
        if array.dtype == object:
            array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, RuntimeError):
        raise Failure(f"{what} should be an array of numbers, got {_describe(value)}") from None
    if array.dtype.kind not in "biuf":
        raise Failure(f"{what} should be an array of real numbers, got dtype {array.dtype}")
    return array


def coerce(result: Any, returns: Any, expected: Any) -> Iterator[tuple[str, np.ndarray, Any]]:
    """Walk ``result`` along the template ``returns``: (label, array, the raw object) per array."""
    if isinstance(returns, str):
        yield returns, to_array(result, returns), result
    elif isinstance(returns, list):
        label = returns[0]
        if not isinstance(result, (list, tuple)):
            raise Failure(
                f"{label} should be a list with one array per parameter tensor, got "
                f"{_describe(result)}",
                "build a list: [... for g in grads]",
            )
        if len(result) != len(expected):
            raise Failure(
                f"{label} has {len(result)} items, expected {len(expected)}",
                "one array per input array, in the same order",
            )
        for i, (item, exp) in enumerate(zip(result, expected)):
            yield from coerce(item, f"{label}[{i}]", exp)
    else:
        names = ", ".join(r if isinstance(r, str) else r[0] for r in returns)
        if not isinstance(result, (tuple, list)) or len(result) != len(returns):
            raise Failure(
                f"return a tuple ({names}), got {_describe(result)}", f"end with: return {names}"
            )
        for item, template, exp in zip(result, returns, expected):
            yield from coerce(item, template, exp)


def _fresh(case: Case) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Independent deep copies of each argument (no two arguments share an array)."""
    return tuple(copy.deepcopy(a) for a in case.args), copy.deepcopy(case.kwargs)


def _leaves(value: Any, name: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _leaves(item, f"{name}[{i}]")
    else:
        yield name, value


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))
    except (TypeError, ValueError):
        return a is b


def _observe(spec: Spec, fn: Callable[..., Any], case: Case) -> dict[str, np.ndarray]:
    """Run ``fn`` on a fresh copy of ``case``: its results by label, or a :class:`Failure`."""
    args, kwargs = _fresh(case)
    if spec.invoke is not None:
        result = spec.invoke(fn, case)
    else:
        before = copy.deepcopy(args)
        result = call(fn, *args, **kwargs)
        for name, arg, old in zip(spec.inputs, args, before):
            changed = [
                n
                for (n, a), (_, b) in zip(_leaves(arg, name), _leaves(old, name))
                if not _same(a, b)
            ]
            if changed or len(list(_leaves(arg, name))) != len(list(_leaves(old, name))):
                where = changed[0] if changed else name
                raise Failure(f"your function modified its input {where} in place", IN_PLACE_HINT)
    got = {label: array for label, array, _ in coerce(result, spec.returns, expected(spec, case))}
    if spec.new_arrays:
        inputs = [
            (n, a)
            for i, name in zip(args, spec.inputs)
            for n, a in _leaves(i, name)
            if isinstance(a, np.ndarray)
        ]
        for label, _, raw in coerce(result, spec.returns, expected(spec, case)):
            for name, array in inputs:
                if isinstance(raw, np.ndarray) and np.shares_memory(raw, array):
                    raise Failure(f"{label} shares memory with the input {name}", NEW_ARRAY_HINT)
    return got


def expected(spec: Spec, case: Case) -> Any:
    """The correct result of ``case`` (computed once, on copies of its arguments)."""
    if case.expected is None:
        assert spec.reference is not None
        args, kwargs = _fresh(case)
        case.expected = spec.reference(*args, **kwargs)
    return case.expected


def _expected_arrays(spec: Spec, case: Case) -> dict[str, np.ndarray]:
    exp = expected(spec, case)
    return {
        label: np.asarray(a, dtype=np.float64) for label, a, _ in coerce(exp, spec.returns, exp)
    }


def _within(got: np.ndarray, exp: np.ndarray, rtol: float) -> bool:
    if got.shape != exp.shape:
        return False
    got, exp = got.astype(np.float64), exp.astype(np.float64)
    if not (np.all(np.isfinite(got)) and np.all(np.isfinite(exp))):
        return bool(np.array_equal(got, exp, equal_nan=True))
    scale = float(np.max(np.abs(exp), initial=0.0))
    return float(np.max(np.abs(got - exp), initial=0.0)) <= rtol * scale


def _compare(spec: Spec, got: dict[str, np.ndarray], exp: dict[str, np.ndarray]) -> None:
    """Raise a :class:`Failure` for the first quantity (in ``spec.order`` first) that differs."""
    for label in sorted(exp, key=lambda k: (k not in spec.order, list(exp).index(k))):
        g, e = got[label], exp[label]
        if g.shape != e.shape:
            if g.size == 1 and e.size == 1:
                g = got[label] = g.reshape(e.shape)  # a scalar as shape (1,) is fine
            else:
                raise Failure(
                    f"{label} has shape {g.shape}, expected {e.shape}",
                    key=label,
                    hint="check the axes you reduce over and the shape you return "
                    "(no keepdims, no flattening, no extra axis)",
                )
        if _within(g, e, spec.rtol):
            continue
        if not np.all(np.isfinite(g)):
            raise Failure(
                f"{label} contains NaN or inf where the expected values are finite", key=label
            )
        diff = np.abs(g.astype(np.float64) - e)
        index = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
        where = f" at index {tuple(int(i) for i in index)}" if diff.ndim else ""
        raise Failure(
            f"{label} is wrong{where}: expected {e[index]:.10g}, got {g[index]:.10g}", key=label
        )


def _agrees(
    a: dict[str, np.ndarray] | Failure,
    b: dict[str, np.ndarray] | Failure,
    rtol: float,
    labels: Sequence[str] | None = None,
) -> bool:
    if isinstance(a, Failure) or isinstance(b, Failure):
        return isinstance(a, Failure) and isinstance(b, Failure) and a.key == b.key
    return set(a) == set(b) and all(_within(a[k], b[k], rtol) for k in labels or a)


def _safe_observe(
    spec: Spec, fn: Callable[..., Any], case: Case
) -> dict[str, np.ndarray] | Failure:
    try:
        with np.errstate(all="ignore"):
            return _observe(spec, fn, case)
    except Failure as failure:
        return failure


def _f32(array: np.ndarray) -> bool:
    return array.dtype in (np.float16, np.float32) or bool(
        np.array_equal(array, array.astype(np.float32).astype(array.dtype))
    )


def diagnose(
    spec: Spec,
    student: Callable[..., Any],
    index: int,
    failure: Failure,
    got: dict[str, np.ndarray] | None,
) -> str | None:
    """The hint for the student's failure on ``spec.cases[index]``, from the mistake table first.

    A mistake matches if it fails the same way (same failure key) or returns the same values
    where the right answer differs; among those, the ones that agree with the student's function
    on the most other cases win.
    """
    case = spec.cases[index]
    mine: dict[str, np.ndarray] | Failure = failure if got is None else got
    exp = _expected_arrays(spec, case)
    label = failure.key
    others = [c for c in spec.cases if c is not case]
    student_on = {id(c): _safe_observe(spec, student, c) for c in others}
    partial = [label] if got is not None and label in exp else None
    for restrict in (None, partial) if partial else (None,):
        found: list[tuple[int, str]] = []
        for mistake in spec.mistakes:
            theirs = _safe_observe(spec, mistake.answer, case)
            if not isinstance(theirs, Failure) and _agrees(theirs, exp, spec.rtol, restrict):
                continue  # this mistake is right in this case: no evidence
            if _agrees(mine, theirs, spec.rtol, restrict):
                score = (
                    sum(
                        _agrees(
                            student_on[id(c)], _safe_observe(spec, mistake.answer, c), spec.rtol
                        )
                        for c in others
                    )
                    if restrict is None
                    else 0
                )
                found.append((score, mistake.hint))
        if found:
            best = max(score for score, _ in found)
            return "\nor: ".join(dict.fromkeys(h for s, h in found if s == best))
        if got is None:
            return failure.hint
        if (
            restrict is None
            and label in got
            and label in exp
            and _f32(got[label])
            and not _f32(exp[label])
            and _within(got[label], exp[label], 1e-5)
        ):
            return FLOAT32_HINT
    if got is not None and spec.note is not None:
        note = spec.note(case, got, exp)
        if note:
            return note
    if got is not None and label in got and label in exp:
        ratio = ratio_hint(got[label], exp[label], spec.close_hint)
        if ratio:
            return ratio
    return failure.hint or spec.formulas.get(label)


def ratio_hint(got: np.ndarray, expected: np.ndarray, close_hint: str) -> str | None:
    """``'... is 10x too small'`` when ``got`` is a constant multiple of ``expected``."""
    got, expected = got.astype(np.float64), expected.astype(np.float64)
    denom = float(np.sum(expected * expected))
    if denom == 0.0 or got.shape != expected.shape or not np.all(np.isfinite(got)):
        return None
    factor = float(np.sum(got * expected)) / denom
    if factor == 0.0 or not _within(got, factor * expected, 1e-4):
        return None
    if abs(factor - 1.0) < 1e-3:
        return f"your result is close but not equal (relative difference {factor - 1:+.1e}): " + (
            close_hint
        )
    if factor < 0:
        return f"your result is {factor:.3g} times the expected one: check the sign"
    if expected.size <= 1:
        return None  # any wrong number is a multiple of the right one: "1.67x" would say nothing
    if factor < 1:
        return f"your result is {1 / factor:.3g}x too small"
    return f"your result is {factor:.3g}x too large"


def fail(checker: str, case: str, message: str, hint: str | None = None) -> NoReturn:
    """Raise the ``AssertionError`` shown to the student."""
    text = f"{checker}: case '{case}': {message}"
    if hint:
        text += f"\nHint: {hint}"
    raise AssertionError(text)


def run(spec: Spec, student: Callable[..., Any]) -> None:
    """Run every case of ``spec`` on the student's function; print one line or raise."""
    for index, case in enumerate(spec.cases):
        got = None
        try:
            with np.errstate(all="ignore"):
                got = _observe(spec, student, case)
                exp = _expected_arrays(spec, case)
                _compare(spec, got, exp)
        except Failure as failure:
            hint = diagnose(spec, student, index, failure, got)
            fail(spec.name, case.name, failure.message, hint)
    count = len(spec.cases)
    if spec.extra is not None:
        count += spec.extra(student, spec)
    print(f"{spec.name}: all {count} cases passed.")
