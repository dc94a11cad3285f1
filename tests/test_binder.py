"""Binder's image works: ``binder/requirements.txt`` pins what this project tests with, and a fresh
environment with those packages, after ``binder/postBuild``, imports ``tutorial_utils`` and opens a
chapter (a MyST text file) as a notebook through jupytext, as the Binder launch button does.

The environment is built offline from this project's installed distributions (tests/_fresh_env.py);
mybinder.org itself cannot be reached from here.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

import _book_server as book
import _fresh_env as fresh
from test_fresh_env_notebooks import clean_copy

pytestmark = pytest.mark.slow

BINDER = book.REPO_ROOT / "binder"
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)")


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line.strip())
        if match:
            pins[match[1].lower().replace("_", "-")] = match[2]
    return pins


def test_binder_pins_match_the_tested_versions() -> None:
    binder = _pins(BINDER / "requirements.txt")
    tested = _pins(book.REPO_ROOT / "constraints.txt")
    assert binder, "binder/requirements.txt pins nothing"
    wrong = {
        name: (version, tested.get(name))
        for name, version in binder.items()
        if tested.get(name) != version
    }
    assert not wrong, f"binder pins differ from constraints.txt (binder, tested): {wrong}"


def test_binder_environment_imports_the_package_and_opens_a_chapter(tmp_path: Path) -> None:
    python = fresh.make(tmp_path, tuple(_pins(BINDER / "requirements.txt")) + fresh.BUILD_TOOLS)
    assert fresh.where(python, "tutorial_utils") is None
    repo = clean_copy(tmp_path / "repo")
    env = fresh.offline_pip_env()
    env["PATH"] = f"{python.parent}{os.pathsep}{env['PATH']}"  # postBuild's `python` is Binder's
    subprocess.run(["bash", str(repo / "binder" / "postBuild")], cwd=repo, env=env, check=True)

    located = fresh.where(python, "tutorial_utils")
    assert located and located.startswith(str(repo)), located
    chapter = repo / "book" / "ch01_gradients.md"
    script = (
        "import sys, jupytext, nbformat\n"
        "nb = jupytext.read(sys.argv[1])\n"
        "nbformat.validate(nb)\n"
        "code = [c for c in nb.cells if c.cell_type == 'code']\n"
        "print(nb.metadata['kernelspec']['name'], len(code))\n"
        "exec(compile(code[0].source, 'first-cell', 'exec'))\n"  # the chapter's imports
    )
    out = subprocess.run(
        [python, "-c", script, chapter], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    kernel, cells = out.stdout.split()[:2]
    assert kernel == "python3" and int(cells) > 5, out.stdout
