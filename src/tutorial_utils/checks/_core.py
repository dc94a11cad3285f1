"""The one runner behind every checker. A :class:`Spec` holds the cases, the correct answer (or
each case's expected value) and a table of :class:`Mistake` (a wrong answer with the student's
signature and its hint). :func:`run` calls the student's function on each case (stopped after
:data:`TIME_LIMIT` s where the platform allows), checks that no input changed, coerces what came
back and compares; on a failure the mistakes that behave like the student's function give the
hint, else what the results show (float32, rounding, a fixed argument, a factor, a loop bound)
or the quantity's formula (:func:`diagnose`)."""

from __future__ import annotations

import contextlib
import copy
import inspect
import io
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import numpy as np

#: Relative tolerance, relative to the largest expected magnitude: loose enough for any order of
#: float64 operations, tight enough to see torch's 1e-6 clipping epsilon.
RTOL = 1e-9
#: Seconds after which a student's function is stopped (SIGALRM: POSIX, main thread only).
TIME_LIMIT = 10.0
IN_PLACE_HINT = (
    "work on new arrays (e.g. param - step, g * coef or np.clip(g, ...)) instead of in-place "
    "operations such as param -= step, g *= coef or g[...] = ..."
)
NEW_ARRAY_HINT = "return new arrays even when nothing changes (g * coef, np.clip or g.copy())"
FLOAT32_HINT = (
    "your result is rounded to float32 (about 7 significant digits): compute in float64 "
    "(no np.float32 / astype(np.float32), no float32 torch tensors)"
)
INT_HINT = (
    "your result has an integer dtype: compute in float64 (np.array(x, dtype=float), "
    "np.zeros(x.shape)), also when an input is an integer array"
)
SHAPE_HINT = "check the axes you reduce over and the shape you return (keepdims? flattened?)"
Observed = dict[str, np.ndarray]
#: What each mistake of a table gives on each case, by (checker, case name, mistake): the cases
#: are seeded, so it is the same on every call.
_MISTAKE_RUNS: dict[tuple[str, str, Mistake], Observed | Failure] = {}
TIMEOUT = "timeout"  # the key of a Failure for a function that was stopped


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
    """A checker. ``returns`` is the result's template: a label (one array), ``[label]`` (a list
    of arrays) or a tuple of those; ``inputs`` names the positional arguments."""

    name: str
    cases: list[Case]
    returns: Any
    inputs: tuple[str, ...]
    mistakes: Sequence[Mistake] = ()
    reference: Callable[..., Any] | None = None
    rtol: float = RTOL
    new_arrays: bool = False  # results must not share memory with the inputs
    order: tuple[str, ...] = ()  # labels compared first
    formulas: dict[str, str] = field(default_factory=dict)  # last-resort hint per label
    close_hint: str = "check the small constants (epsilons) and where they enter the formula"
    note: Callable[[Case, Observed, Observed], str | None] | None = None  # hint before ratios
    invoke: Callable[[Callable[..., Any], Case], Any] | None = None  # instead of fn(*args)
    extra: Callable[[Callable[..., Any], Spec], int] | None = None  # more checks; their count
    shape_hint: str = SHAPE_HINT  # the hint for a result of the wrong shape


class Failure(Exception):
    """A failed case: ``message`` is shown; mistakes failing with the same ``key`` match, and
    failing with the same ``family`` (e.g. an error's type and message but for its numbers) match
    more loosely."""

    def __init__(self, message: str, hint: str | None = None, key: str | None = None,
                 family: str | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.message, self.hint, self.key = message, hint, key or message
        self.family = family or self.key


class CheckerError(RuntimeError):
    """The checker's own reference failed: not the student's mistake."""


class _TimeUp(BaseException):  # not an Exception: a student's ``except Exception`` cannot eat it
    @staticmethod
    def handler(signum: int, frame: Any) -> None:
        raise _TimeUp


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``; ``NotImplementedError`` propagates, other errors and running past
    :data:`TIME_LIMIT` become a :class:`Failure`."""
    timer = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0  # never override an outer timer
    )
    if timer:
        previous = signal.signal(signal.SIGALRM, _TimeUp.handler)
        signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except _TimeUp:
        message = f"your function did not return within {TIME_LIMIT:g} s and was stopped"
        hint = "look for a loop that never ends (a while condition?)"
        raise Failure(message, hint, key=TIMEOUT) from None
    except Exception as error:  # noqa: BLE001 - any failure of the student's code is feedback
        name = type(error).__name__
        message = f"your function raised {name}: {error}"
        family = f"raised {name}: " + re.sub(r"\d+", "#", str(error))  # shapes and sizes vary
        raise Failure(message, family=family) from error
    finally:
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _describe(value: Any) -> str:
    size = f" of {len(value)} items" if isinstance(value, (list, tuple)) else ""
    return f"{type(value).__name__}{size}" + (
        f" of shape {value.shape}" if hasattr(value, "shape") else ""
    )


def to_array(value: Any, what: str) -> np.ndarray:
    """``value`` as a real array in its own dtype, or a :class:`Failure` saying what came back."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        value = (value.double() if value.dtype == torch.bfloat16 else value).numpy()
    elif (
        torch is not None and isinstance(value, (list, tuple)) and any(map(torch.is_tensor, value))
    ):
        value = [to_array(v, what) for v in value]  # e.g. a list of 0-d tensors
    if value is None:
        raise Failure(f"{what} is None: is a return statement missing?")
    if isinstance(value, Iterator):
        raise Failure(f"{what} is a {type(value).__name__}", "build a list, not an iterator")
    try:
        array = np.asarray(value)
        array = np.asarray(value, dtype=np.float64) if array.dtype == object else array
    except (TypeError, ValueError, RuntimeError):
        raise Failure(f"{what} should be an array of numbers, got {_describe(value)}") from None
    if array.dtype.kind not in "biuf":
        raise Failure(f"{what} should be an array of real numbers, got dtype {array.dtype}")
    return array


def coerce(result: Any, returns: Any, expected: Any) -> Iterator[tuple[str, np.ndarray, Any]]:
    """Walk ``result`` along the template ``returns``: (label, array, raw object) per array."""
    if isinstance(returns, str):
        yield returns, to_array(result, returns), result
    elif isinstance(returns, list):
        if not isinstance(result, (list, tuple)):
            message = f"{returns[0]} should be a list of arrays, got {_describe(result)}"
            raise Failure(message, "build a list: [... for g in grads]")
        if len(result) != len(expected):
            message = f"{returns[0]} has {len(result)} items, expected {len(expected)}"
            raise Failure(message, "return one result per item of the input list, in its order")
        for i, (item, exp) in enumerate(zip(result, expected)):
            yield from coerce(item, f"{returns[0]}[{i}]", exp)
    else:
        names = ", ".join(r if isinstance(r, str) else r[0] for r in returns)
        if not isinstance(result, (tuple, list)) or len(result) != len(returns):
            raise Failure(f"return a tuple ({names}), got {_describe(result)}", f"return {names}")
        for item, template, exp in zip(result, returns, expected):
            yield from coerce(item, template, exp)


def _leaves(value: Any, name: str) -> list[tuple[str, Any]]:
    if isinstance(value, (list, tuple)):
        return [leaf for i, item in enumerate(value) for leaf in _leaves(item, f"{name}[{i}]")]
    return [(name, value)]


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))
    except (TypeError, ValueError):
        return a is b


def _observe(spec: Spec, fn: Callable[..., Any], case: Case) -> Observed:
    """Run ``fn`` on fresh copies of ``case``'s arguments: its results by label, or a Failure."""
    args = tuple(copy.deepcopy(a) for a in case.args)  # no two arguments share an array
    if spec.invoke is not None:
        result = spec.invoke(fn, case)
    else:
        before = copy.deepcopy(args)
        result = call(fn, *args, **copy.deepcopy(case.kwargs))
        for name, arg, old in zip(spec.inputs, args, before):
            new, saved = _leaves(arg, name), _leaves(old, name)
            changed = [n for (n, a), (_, b) in zip(new, saved) if not _same(a, b)]
            if changed or len(new) != len(saved):
                where = changed[0] if changed else name
                raise Failure(f"your function modified its input {where} in place", IN_PLACE_HINT)
    got = {}
    inputs = [(n, a) for arg, name in zip(args, spec.inputs) for n, a in _leaves(arg, name)]
    for label, array, raw in coerce(result, spec.returns, expected(spec, case)):
        got[label] = array
        for name, arg in inputs if spec.new_arrays and isinstance(raw, np.ndarray) else ():
            if isinstance(arg, np.ndarray) and np.shares_memory(raw, arg):
                raise Failure(f"{label} shares memory with the input {name}", NEW_ARRAY_HINT)
    return got


def passes(spec: Spec, fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` gives the expected results on every case of ``spec`` (quietly)."""
    for case in spec.cases:
        got = _safe_observe(spec, fn, case)
        try:
            if isinstance(got, Failure):
                return False
            _compare(spec, got, _expected_arrays(spec, case))
        except Failure:
            return False
    return True


def _safe_observe(spec: Spec, fn: Callable[..., Any], case: Case) -> Observed | Failure:
    """What ``fn`` gives on ``case`` (for the diagnosis: quietly, an unsolved part included)."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return _observe(spec, fn, case)
    except Failure as failure:
        return failure
    except NotImplementedError:
        return Failure("raised NotImplementedError")


def expected(spec: Spec, case: Case) -> Any:
    """The correct result of ``case`` (computed once, on copies of its arguments)."""
    if case.expected is None:
        args, kwargs = copy.deepcopy((case.args, case.kwargs))
        try:
            case.expected = spec.reference(*args, **kwargs)  # type: ignore[misc]
        except Exception as error:  # noqa: BLE001 - named as the checker's, never the student's
            raise CheckerError(
                f"{spec.name}: the checker's own reference failed on case '{case.name}' "
                f"({type(error).__name__}: {error}). This is not your mistake; restart the "
                "kernel, run the check again, and report it if it persists."
            ) from error
    return case.expected


def _expected_arrays(spec: Spec, case: Case) -> Observed:
    exp = expected(spec, case)
    return {k: a.astype(np.float64) for k, a, _ in coerce(exp, spec.returns, exp)}


def _within(got: np.ndarray, exp: np.ndarray, rtol: float) -> bool:
    if got.shape != exp.shape:
        return False
    got, exp = got.astype(np.float64), exp.astype(np.float64)
    if not (np.all(np.isfinite(got)) and np.all(np.isfinite(exp))):
        return bool(np.array_equal(got, exp, equal_nan=True))
    scale = float(np.max(np.abs(exp), initial=0.0))
    return float(np.max(np.abs(got - exp), initial=0.0)) <= rtol * scale


def _ordered(spec: Spec, exp: Observed) -> list[str]:
    """The labels in the order they are compared: ``spec.order`` first."""
    return sorted(exp, key=lambda k: (k not in spec.order, list(exp).index(k)))


def _compare(spec: Spec, got: Observed, exp: Observed) -> None:
    """Raise a :class:`Failure` for the first quantity (``spec.order`` first) of the wrong shape,
    else the first that differs."""
    for label in _ordered(spec, exp):
        g, e = got[label], exp[label]
        if g.shape != e.shape and g.size == e.size == 1:
            g = got[label] = g.reshape(e.shape)  # a scalar as shape (1,) is fine
        if g.shape != e.shape:
            raise Failure(
                f"{label} has shape {g.shape}, expected {e.shape}", spec.shape_hint, label
            )
    for label in _ordered(spec, exp):
        g, e = got[label], exp[label]
        if _within(g, e, spec.rtol):
            continue
        if not np.all(np.isfinite(g)) and np.all(np.isfinite(e)):
            raise Failure(f"{label} contains NaN or inf (expected finite values)", key=label)
        diff = np.abs(g.astype(np.float64) - e)
        i = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
        where = f" at index {tuple(int(k) for k in i)}" if diff.ndim else ""
        message = f"{label} is wrong{where}: expected {e[i]:.10g}, got {g[i]:.10g}"
        raise Failure(message, key=label)


def _agrees(a: Observed | Failure, b: Observed | Failure, rtol: float,
            labels: Sequence[str] | None = None, loose: bool = False) -> bool:  # fmt: skip
    """Same failure (``loose``: of the same family), or the same values (of ``labels`` only,
    when given)."""
    if isinstance(a, Failure) or isinstance(b, Failure):
        same = (lambda f: f.family) if loose else (lambda f: f.key)
        return isinstance(a, Failure) and isinstance(b, Failure) and same(a) == same(b)
    keys = set(a) if labels is None else set(labels)
    return set(a) == set(b) and all(_within(a[k], b[k], rtol) for k in keys)


def _history(spec: Spec, case: Case, mine: Observed | Failure) -> list[str] | None:
    """For a hook's observations in time: the labels up to the student's first wrong one (all
    when none is wrong). ``None`` (compare all) otherwise."""
    if spec.invoke is None or isinstance(mine, Failure):
        return None
    exp = _expected_arrays(spec, case)
    labels = _ordered(spec, exp)
    wrong = [
        i for i, k in enumerate(labels) if k not in mine or not _within(mine[k], exp[k], spec.rtol)
    ]
    return labels[: wrong[0] + 1] if wrong else labels


def _f32(array: np.ndarray) -> bool:
    rounded = array.astype(np.float32).astype(array.dtype)
    return array.dtype in (np.float16, np.float32) or bool(np.array_equal(array, rounded))


def diagnose(spec: Spec, student: Callable[..., Any], case: Case, failure: Failure,
             got: Observed | None) -> str | None:  # fmt: skip
    """The hint for the student's failure on ``case``, the first that applies: what the results
    themselves show (float32 or integer dtype, two results that are one array, rounding); the
    table's mistakes that behave like the student's function (:func:`_table_hint`); then, for
    the quantity that failed: results in another order, float32 rounding, the spec's note, an
    argument used as a fixed value, a wrong first or last entry, a factor, the formula."""
    exp = _expected_arrays(spec, case)
    if failure.key == TIMEOUT:  # running it on the other cases could take as long again
        return failure.hint
    if got is not None:
        shown = _dtype_hint(spec, case, got) or _aliased(got) or _rounded(got, exp, spec.rtol)
        if shown:
            return shown
    table = _table_hint(spec, student, case, failure if got is None else got)
    label = failure.key
    if table or got is None or label not in got or label not in exp:
        return table or failure.hint
    g, e = got[label], exp[label]
    swapped = _swapped(spec, got, exp, label)
    if _f32(g) and not _f32(e) and _within(g, e, 1e-5) and not swapped:
        return FLOAT32_HINT
    note = spec.note(case, got, exp) if spec.note else None
    return (swapped or note or _fixed_argument(spec, student, case, got)
            or _edge_entry(g, e, spec.rtol) or ratio_hint(g, e, spec.close_hint) or failure.hint
            or spec.formulas.get(label))  # fmt: skip


def _table_hint(spec: Spec, student: Callable[..., Any], case: Case,
                mine: Observed | Failure) -> str | None:  # fmt: skip
    """The hints of the table's mistakes that behave like the student's function on ``case``.

    Exact agreement first (the same results, or the same failure); then loosely: an error of
    the same family, or a hook's observations up to the student's first divergence (what follows
    it is its consequence). A loose match, and any match of a hook's scenario, must also hold
    loosely on every other case, or it is a coincidence (two unclipped SGD steps equal one step
    clipped at twice the threshold). Among the matches, those agreeing on most other cases win.
    """
    exp, others = _expected_arrays(spec, case), [c for c in spec.cases if c is not case]
    student_runs: dict[int, Observed | Failure] = {}

    def student_on(c: Case) -> Observed | Failure:  # run only when a mistake matched
        if id(c) not in student_runs:
            student_runs[id(c)] = _safe_observe(spec, student, c)
        return student_runs[id(c)]

    def theirs(mistake: Mistake, c: Case) -> Observed | Failure:
        key = (spec.name, c.name, mistake)
        if key not in _MISTAKE_RUNS:
            observed = _safe_observe(spec, mistake.answer, c)
            if isinstance(observed, Failure) and observed.key == TIMEOUT:
                return observed  # a slow first run is not what this mistake gives
            _MISTAKE_RUNS[key] = observed
        return _MISTAKE_RUNS[key]

    def agrees(mistake: Mistake, c: Case, student_obs: Observed | Failure, loose: bool) -> bool:
        upto = _history(spec, c, student_obs) if loose else None
        return _agrees(student_obs, theirs(mistake, c), spec.rtol, upto, loose)

    for loose in (False, True):
        found: list[tuple[int, str]] = []
        for mistake in spec.mistakes:
            if _agrees(theirs(mistake, case), exp, spec.rtol) or not agrees(
                mistake, case, mine, loose
            ):
                continue  # right in this case (no evidence), or not what the student did
            everywhere = loose or spec.invoke is not None  # must hold on every other case
            if not everywhere or all(agrees(mistake, c, student_on(c), True) for c in others):
                score = sum(agrees(mistake, c, student_on(c), loose) for c in others)
                found.append((score, mistake.hint))
        if found:
            best = max(score for score, _ in found)
            return "\nor: ".join(dict.fromkeys(hint for score, hint in found if score == best))
    return None


def _fixed_argument(
    spec: Spec, student: Callable[..., Any], case: Case, got: Observed
) -> str | None:
    """Name a numeric argument that the student's result ignores: the reference with that
    argument replaced by a common fixed value (1, 0.5, 0.1, ...) gives the student's result."""
    if spec.reference is None or spec.invoke is not None:
        return None
    try:
        names = list(inspect.signature(student).parameters)
    except (TypeError, ValueError):
        return None
    slots: list[tuple[int | str, str]] = [
        (i, names[i] if i < len(names) else f"argument {i + 1}") for i in range(len(case.args))
    ]
    slots += [(k, k) for k in case.kwargs]
    for slot, name in slots:
        value = case.args[slot] if isinstance(slot, int) else case.kwargs[slot]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        for fixed in (1.0, 0.5, 0.1, 0.01, 1e-3, 1e-5, 1e-8, 0.9, 0.999, 2.0):
            if fixed == value:
                continue
            args, kwargs = copy.deepcopy((list(case.args), dict(case.kwargs)))
            if isinstance(slot, int):
                args[slot] = fixed
            else:
                kwargs[slot] = fixed
            try:
                exp = spec.reference(*args, **kwargs)
                same = all(
                    _within(got[k], a, spec.rtol) for k, a, _ in coerce(exp, spec.returns, exp)
                )
            except Exception:  # noqa: BLE001 - a reference refusing the value is no evidence
                continue
            if same:
                return (
                    f"use the argument {name} you are given ({value:g} here), not a fixed {fixed:g}"
                )
    return None


def _edge_entry(got: np.ndarray, exp: np.ndarray, rtol: float) -> str | None:
    """Name a result wrong only at the first (or last) index along an axis: a loop bound."""
    if got.shape != exp.shape or got.ndim == 0:
        return None
    wrong = ~np.isclose(got.astype(np.float64), exp.astype(np.float64), rtol=rtol, atol=0.0)
    for axis, n in enumerate(exp.shape):
        if n < 3 or not wrong.any():
            continue
        inner = np.moveaxis(wrong, axis, 0)
        for index, bound in ((0, "range(1, n) skips index 0"), (n - 1, "range(n - 1) stops early")):
            if inner[index].any() and not np.delete(inner, index, axis=0).any():
                where = "first" if index == 0 else "last"
                return (
                    f"only the {where} entry along axis {axis} is wrong: check your loop ({bound}?)"
                )
    return None


def _rounded(got: Observed, exp: Observed, rtol: float) -> str | None:
    """Name a result that is the expected one rounded or truncated (round(x, 3), int(x))."""
    for label, e in exp.items():
        g = got.get(label)
        if g is None or g.shape != e.shape or _within(g, e, rtol) or not np.all(np.isfinite(e)):
            continue
        near = bool(np.all(np.abs(g - e) <= 0.25 * np.abs(e)))
        cut = [np.round(e, d) for d in range(7)] + [np.trunc(e)]
        if near and any(np.array_equal(g, c) for c in cut):
            return (f"{label} is rounded or truncated: return the full-precision value (no "
                    "round(), int() or formatting)")  # fmt: skip
    return None


def _aliased(got: Observed) -> str | None:
    """Name two results that are one array (``a = b = np.empty_like(m)``)."""
    labels = [k for k, a in got.items() if a.size]
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            if np.shares_memory(got[a], got[b]):
                how = "allocate a separate array for each (a = b = np.empty_like(m) makes one)"
                return f"{a} and {b} are the same array (aliases sharing memory): {how}"
    return None


def _dtype_hint(spec: Spec, case: Case, got: Observed) -> str | None:
    """Name float16/float32 or integer results where the reference is float64."""
    reference = expected(spec, case)
    kinds = {label: a.dtype for label, a, _ in coerce(reference, spec.returns, reference)}
    if any(got[k].dtype.kind in "iu" and kinds[k].kind == "f" for k in kinds if k in got):
        return INT_HINT
    ref_f32 = any(dtype == np.float32 for dtype in kinds.values())
    low = not ref_f32 and any(a.dtype in (np.float16, np.float32) for a in got.values())
    return FLOAT32_HINT if low else None


def _swapped(spec: Spec, got: Observed, exp: Observed, label: str) -> str | None:
    """A hint when the result holds the right quantities in another order (swapped, rotated)."""
    if not isinstance(spec.returns, tuple) or spec.invoke or set(got) != set(exp):
        return None  # a hook's labels are observations in time, not an order the student chose
    places = {k: [o for o in exp if _within(got[k], exp[o], spec.rtol)] for k in got}
    moved = [o for o in places[label] if o != label]
    if not moved or not all(places.values()):
        return None
    names = ", ".join(r if isinstance(r, str) else r[0] for r in spec.returns)
    return f"you returned {moved[0]} in the place of {label}: return ({names}) in this order"


def ratio_hint(got: np.ndarray, expected: np.ndarray, close_hint: str) -> str | None:
    """``'... is 10x too small'`` when ``got`` is a constant multiple of ``expected``."""
    got, expected = got.astype(np.float64), expected.astype(np.float64)
    denom = float(np.sum(expected * expected))
    if denom == 0.0 or got.shape != expected.shape or not np.all(np.isfinite(got)):
        return None
    if _within(got, expected, RTOL):
        return None  # equal: this quantity is not where the difference is
    if not _within(expected, np.ones_like(expected), 1e-6):
        if _within(got, expected**2, 1e-6):
            return "your result is the square of the expected one: a missing square root?"
        if np.all(expected >= 0) and _within(got, np.sqrt(expected), 1e-6):
            return "your result is the square root of the expected one: an extra square root?"
    factor = float(np.sum(got * expected)) / denom
    if factor == 0.0 or not _within(got, factor * expected, 1e-4):
        return None
    if abs(factor - 1.0) < 1e-3:
        difference = f"relative difference {factor - 1:+.1e}"
        return f"your result is close but not equal ({difference}): {close_hint}"
    if factor < 0:
        return f"your result is {factor:.3g} times the expected one: check the sign"
    if expected.size <= 1:  # any wrong number is a multiple of the right one; name whole ones
        whole = [(n, w) for n, w in ((factor, "times"), (1 / factor, "times smaller than"))
                 if n >= 2 and abs(n - round(n)) < 1e-6 * n]  # fmt: skip
        return (
            f"your result is {round(whole[0][0])} {whole[0][1]} the expected one" if whole else None
        )
    return (
        f"your result is {1 / factor:.3g}x too small"
        if factor < 1
        else f"your result is {factor:.3g}x too large"
    )


def fail(checker: str, case: str, message: str, hint: str | None = None) -> NoReturn:
    """Raise the ``AssertionError`` shown to the student."""  # fmt: skip
    raise AssertionError(
        f"{checker}: case '{case}': {message}" + (f"\nHint: {hint}" if hint else "")
    )


def run(spec: Spec, student: Callable[..., Any]) -> None:
    """Run every case of ``spec`` on the student's function; print one line or raise.

    Autograd is on (a caller's ``torch.no_grad()`` would break the references), and each case's
    expected value is computed before the student's function runs: its failure is the checker's.
    """
    with contextlib.ExitStack() as stack:
        stack.enter_context(np.errstate(all="ignore"))
        torch = sys.modules.get("torch")
        if torch is not None:
            stack.enter_context(torch.enable_grad())
        for case in spec.cases:
            exp, got = _expected_arrays(spec, case), None
            try:
                got = _observe(spec, student, case)
                _compare(spec, got, exp)
            except Failure as failure:
                hint = diagnose(spec, student, case, failure, got)
                fail(spec.name, case.name, failure.message, hint)
    count = len(spec.cases) + (spec.extra(student, spec) if spec.extra else 0)
    print(f"{spec.name}: all {count} cases passed.")
