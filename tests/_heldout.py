"""The registry of held-back student answers: ``@wrong(checker, *tags)`` and ``@right(checker)``
register a function; a helpful hint for a wrong answer contains one of its tags."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Answer:
    checker: str
    fn: Callable[..., Any]
    tags: tuple[str, ...] = ()
    correct: bool = False
    name: str = field(default="")


ANSWERS: list[Answer] = []


def wrong(checker: str, *tags: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        ANSWERS.append(Answer(checker, fn, tuple(tags), False, fn.__name__))
        return fn

    return register


def right(checker: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        ANSWERS.append(Answer(checker, fn, (), True, fn.__name__))
        return fn

    return register
