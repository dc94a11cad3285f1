"""The student edition (``make book-student``) holds no solution page, link, source or search entry.

It also checks the other side: the full book (``make book``) holds the solutions, titled as
solutions ("Solution N: ...") in the page heading, the browser tab, the navigation and the search
index, so a student searching for a topic cannot mistake a solution for an exercise.
Both read built HTML and skip with a plain reason when it is missing (``make test`` builds both).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import _book_server as book

STUDENT_HTML = Path(
    os.environ.get("STUDENT_HTML_DIR", book.REPO_ROOT / "_build" / "student" / "_build" / "html")
)
SOLUTION = re.compile(r"(^|/)solutions/")


def _search_index(html: Path) -> dict:
    """The search index Sphinx writes (``Search.setIndex({...})``), parsed."""
    text = (html / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1 : text.rindex(")")])


def _pages(html: Path) -> list[Path]:
    return sorted(p for p in html.rglob("*.html") if "_static" not in p.relative_to(html).parts)


@pytest.fixture(scope="module")
def student() -> Path:
    if not (STUDENT_HTML / "index.html").is_file():
        pytest.skip(f"the student edition is not built ({STUDENT_HTML}): run `make book-student`")
    return STUDENT_HTML


def test_student_edition_has_the_exercises(student: Path) -> None:
    # The filter removed the solutions, not everything: every exercise page is there.
    exercises = [d for d in book.toc_docnames() if d.startswith("exercises/")]
    assert exercises, "the book's TOC lists no exercise"
    missing = [d for d in exercises if not (student / f"{d}.html").is_file()]
    assert not missing, f"exercise pages missing from the student edition: {missing}"


def test_student_edition_has_no_solution_file(student: Path) -> None:
    files = [str(p.relative_to(student)) for p in student.rglob("*") if p.is_file()]
    leaked = [f for f in files if SOLUTION.search(f) or "solutions-" in f]
    assert not leaked, f"solution files in the student edition: {leaked[:10]}"


def test_student_edition_links_to_no_solution(student: Path) -> None:
    leaked = []
    for page in _pages(student):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for tag in soup.find_all(["a", "link"], href=True):
            if SOLUTION.search(str(tag["href"])):
                leaked.append(f"{page.relative_to(student)} -> {tag['href']}")
        if re.search(r"\bSolution \d", soup.get_text(" ")):
            leaked.append(f"{page.relative_to(student)} mentions a 'Solution N' page")
    book.fail_if(leaked, "links or titles of solutions in the student edition")


def test_student_edition_search_finds_no_solution(student: Path) -> None:
    index = _search_index(student)
    docnames = [d for d in index["docnames"] if SOLUTION.search(d)]
    titles = [t for t in index["titles"] if t.lower().startswith("solution")]
    assert not docnames and not titles, f"search index lists solutions: {docnames + titles}"


@pytest.fixture(scope="module")
def full() -> Path:
    reason = book.missing_book_reason()
    if reason:
        pytest.skip(reason)
    return book.html_dir()


def test_full_book_titles_solutions_as_solutions(full: Path) -> None:
    solutions = [d for d in book.toc_docnames() if d.startswith("solutions/")]
    assert solutions, "the full book's TOC lists no solution"
    index = _search_index(full)
    titles = dict(zip(index["docnames"], index["titles"], strict=True))
    targets = {book.page_path(d, full).resolve(): d for d in solutions}
    problems = []
    for docname in solutions:
        soup = BeautifulSoup(
            book.page_path(docname, full).read_text(encoding="utf-8"), "html.parser"
        )
        h1 = soup.select_one(".bd-article h1")
        heading = h1.get_text(" ", strip=True).rstrip("#").strip() if h1 else ""
        tab = soup.title.get_text(strip=True) if soup.title else ""
        for what, text in (("H1", heading), ("tab title", tab), ("search title", titles[docname])):
            if not re.match(r"Solution \d+[a-z]?\b", text):
                problems.append(f"{docname}: {what} is {text!r}")
    # Every navigation label (sidebar, previous/next) that points at a solution says "Solution".
    for page in _pages(full):
        nav = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for link in nav.select("nav a[href], .prev-next-area a[href]"):
            href = str(link["href"]).split("#")[0]
            if not href or "://" in href:
                continue
            target = targets.get((page.parent / href).resolve())
            label = link.get_text(" ", strip=True)
            if target and "Solution" not in label:
                problems.append(f"{page.relative_to(full)}: link to {target} reads {label!r}")
    book.fail_if(problems, "solution pages not titled as solutions")
