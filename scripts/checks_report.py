"""Report on the exercise checkers: their size and their tables of mistakes.

Usage: .venv/bin/python scripts/checks_report.py [REV ...]

For the working tree and each git revision REV: the lines of ``src/tutorial_utils/checks/`` per
module (all lines, and code lines: those with a token that is not a comment, a docstring or
blank) and of the wrong-answer test. Then, for the working tree, each checker's table of
mistakes: how many the checker rejects with the mistake's own hint.
"""

from __future__ import annotations

import ast
import contextlib
import io
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKS = "src/tutorial_utils/checks"
WRONG_ANSWER_TEST = "tests/test_checks_wrong_answers.py"


def code_lines(source: str) -> int:
    """Lines holding a token that is not a comment, a docstring, a newline or indentation."""
    docstrings: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                docstrings.update(range(body[0].lineno, (body[0].end_lineno or 0) + 1))
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in skip and token.type != tokenize.ENDMARKER:
            lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines - docstrings)


def sources(rev: str | None) -> dict[str, str]:
    """``path: text`` of the checks modules and the wrong-answer test at ``rev`` (None: on disk)."""
    if rev is None:
        paths = sorted(str(p.relative_to(ROOT)) for p in (ROOT / CHECKS).glob("*.py"))
        return {p: (ROOT / p).read_text() for p in [*paths, WRONG_ANSWER_TEST]}
    listing = subprocess.run(["git", "ls-tree", "--name-only", f"{rev}:{CHECKS}"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    paths = [f"{CHECKS}/{name}" for name in listing if name.endswith(".py")]
    show = ["git", "show"]
    return {p: subprocess.run([*show, f"{rev}:{p}"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout for p in [*paths, WRONG_ANSWER_TEST]}  # fmt: skip


def print_sizes(rev: str | None) -> None:
    print(f"\n{rev or 'working tree'}:")
    total = [0, 0]
    for path, text in sources(rev).items():
        counts = [len(text.splitlines()), code_lines(text)]
        print(f"  {path:48s} {counts[0]:5d} lines {counts[1]:5d} code")
        if path != WRONG_ANSWER_TEST:
            total = [t + c for t, c in zip(total, counts)]
    print(f"  {CHECKS + '/ (total)':48s} {total[0]:5d} lines {total[1]:5d} code")


def print_tables() -> None:
    """Run each checker on its own table of mistakes: rejected, and with the mistake's hint."""
    from tutorial_utils import checks

    print("\nmistakes rejected with their own hint:")
    for name, table in checks.MISTAKES.items():
        own = 0
        for mistake in table:
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    getattr(checks, name)(mistake.answer)
            except AssertionError as error:
                own += mistake.hint in str(error)
        print(f"  {name:28s} {own:3d} / {len(table)}")


def main() -> None:
    for rev in [None, *sys.argv[1:]]:
        print_sizes(rev)
    print_tables()


if __name__ == "__main__":
    main()
