"""Every book page with code executed successfully in the last build, within its time budget.

`make test` runs the strict book build first, which executes each changed page and stores the
result in the jupyter-cache (a page whose cell fails is not cached, and the build fails). These
tests read that cache, so they check the pages as they are now without executing them twice.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = ROOT / "_build" / ".jupyter_cache"
#: Seconds a page may take on 2 CPU cores (the issue's budgets); the training chapter gets more.
BUDGET_SECONDS = {"book/ch06_training_loop.md": 120.0}
DEFAULT_BUDGET_SECONDS = 60.0


def _toc_files(node) -> list[str]:
    files = []
    if isinstance(node, dict):
        if "file" in node:
            files.append(node["file"])
        if "root" in node:
            files.append(node["root"])
        for value in node.values():
            files += _toc_files(value)
    elif isinstance(node, list):
        for item in node:
            files += _toc_files(item)
    return files


def _book_pages_with_code() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = []
    for entry in dict.fromkeys(_toc_files(toc)):
        path = ROOT / f"{entry}.md"
        if entry.startswith("book/") and path.exists() and "{code-cell}" in path.read_text():
            pages.append(f"{entry}.md")
    return pages


PAGES = _book_pages_with_code()


def test_toc_has_pages_with_code():
    assert "book/intro.md" in PAGES


@pytest.mark.parametrize("page", PAGES)
def test_page_executed_within_budget(page):
    if not CACHE_DIR.exists():
        pytest.skip("no execution cache: run `make book` (or `make test`, which builds first)")
    from jupyter_cache import get_cache

    cache = get_cache(str(CACHE_DIR))
    notebook = jupytext.read(ROOT / page)
    try:
        record = cache.match_cache_notebook(notebook)
    except KeyError:
        pytest.fail(f"{page}: its current content has no successful execution in {CACHE_DIR}")
    seconds = float(record.data["execution_seconds"])
    budget = BUDGET_SECONDS.get(page, DEFAULT_BUDGET_SECONDS)
    print(f"{page}: executed in {seconds:.1f} s (budget {budget:.0f} s)")
    assert seconds <= budget, (
        f"{page} took {seconds:.1f} s to execute, over its {budget:.0f} s budget"
    )
