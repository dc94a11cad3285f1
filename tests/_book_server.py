"""Helpers shared by the built-book tests: where the HTML is, which pages the TOC lists, a server.

The tests read the book the way ``make book`` leaves it: ``_build/html`` under the repository root
(``make test`` builds it before running pytest). ``BOOK_HTML_DIR`` points them at another build,
e.g. the private copy of ``scripts/build_subset.sh NAME`` (``/tmp/jb-NAME/_build/html``); the table
of contents is then read from the ``_toc.yml`` of that copy (two levels above the HTML).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCE_SUFFIXES = (".md", ".ipynb", ".rst")
# Schemes that never fetch anything from another host.
LOCAL_SCHEMES = {"data", "blob", "about", "javascript", "mailto"}


def html_dir() -> Path:
    """The built HTML book: ``$BOOK_HTML_DIR`` or ``<repo>/_build/html``."""
    return Path(os.environ.get("BOOK_HTML_DIR", REPO_ROOT / "_build" / "html")).resolve()


def book_root(html: Path | None = None) -> Path:
    """The source tree the HTML was built from (it holds ``_toc.yml`` and ``_config.yml``)."""
    html = html or html_dir()
    candidate = html.parent.parent
    return candidate if (candidate / "_toc.yml").is_file() else REPO_ROOT


def missing_book_reason(html: Path | None = None) -> str | None:
    """A plain reason to skip when the book has not been built, else None."""
    html = html or html_dir()
    if not (html / "index.html").is_file():
        return f"the book is not built ({html} has no index.html): run `make book` first"
    return None


def _walk_toc(node: object) -> Iterator[str]:
    """Yield the ``file:`` entries of a (nested) ``_toc.yml`` in reading order."""
    if isinstance(node, dict):
        if "file" in node:
            yield str(node["file"])
        for key in ("root", "parts", "chapters", "sections", "entries"):
            if key == "root" and key in node:
                yield str(node[key])
            elif key in node:
                yield from _walk_toc(node[key])
    elif isinstance(node, list):
        for item in node:
            yield from _walk_toc(item)


def toc_docnames(root: Path | None = None) -> list[str]:
    """Docnames (paths without suffix, ``/``-separated) of every page in the TOC, root first."""
    root = root or book_root()
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    names: list[str] = []
    for entry in _walk_toc(toc):
        name = entry
        for suffix in SOURCE_SUFFIXES:
            name = name.removesuffix(suffix)
        if name not in names:
            names.append(name)
    return names


def book_config(root: Path | None = None) -> dict:
    """The parsed ``_config.yml`` of the book."""
    root = root or book_root()
    return yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))


def source_file(docname: str, root: Path | None = None) -> Path:
    """The source file of a page (``book/intro`` -> ``<root>/book/intro.md``)."""
    root = root or book_root()
    for suffix in SOURCE_SUFFIXES:
        path = root / f"{docname}{suffix}"
        if path.is_file():
            return path
    raise FileNotFoundError(f"no source file for TOC entry {docname!r} under {root}")


def is_notebook(docname: str, root: Path | None = None) -> bool:
    """Whether a page is executed as a notebook (an .ipynb, or a MyST text notebook)."""
    path = source_file(docname, root)
    if path.suffix == ".ipynb":
        return True
    if path.suffix != ".md":
        return False
    text = path.read_text(encoding="utf-8")
    front_matter = text.split("\n---", 1)[0] if text.startswith("---") else ""
    return "kernelspec:" in front_matter


def page_path(docname: str, html: Path | None = None) -> Path:
    """The HTML file of a page."""
    return (html or html_dir()) / f"{docname}.html"


def resolve_href(page: Path, href: str, html: Path) -> tuple[Path, str] | None:
    """Resolve a relative ``href`` of ``page`` to (file, fragment); None for external links.

    A link to a folder means its ``index.html``. Query strings are dropped.
    """
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
    if target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


def is_remote(url: str) -> bool:
    """True for a URL that would be fetched from another host (http, https, protocol-relative)."""
    parts = urlsplit(url.strip())
    if parts.scheme in LOCAL_SCHEMES:
        return False
    return bool(parts.netloc) or parts.scheme in {"http", "https", "ftp", "ws", "wss"}


def fail_if(problems: list[str], what: str, limit: int = 25) -> None:
    """Fail the current test with a readable list (the first ``limit``) when there are problems."""
    if problems:
        shown = "\n  ".join(problems[:limit])
        more = f"\n  ... and {len(problems) - limit} more" if len(problems) > limit else ""
        pytest.fail(f"{len(problems)} {what}:\n  {shown}{more}", pytrace=False)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) in a thread; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="book-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
