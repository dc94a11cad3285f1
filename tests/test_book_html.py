"""Static checks of the built HTML (no browser): pages, navigation, offline assets, alt text, links.

They read ``_build/html`` (``make test`` builds it first; ``BOOK_HTML_DIR`` points elsewhere) and
skip with a plain reason when the book has not been built.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

import _book_server as book

# <link rel=...> values that make the browser fetch the target when the page loads.
LOADING_RELS = {"stylesheet", "preload", "modulepreload", "icon", "apple-touch-icon", "manifest"}
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""")
IMAGE_SUFFIX = re.compile(r"\.(png|jpe?g|gif|svg|webp)$", re.IGNORECASE)


@pytest.fixture(scope="module")
def html() -> Path:
    reason = book.missing_book_reason()
    if reason:
        pytest.skip(reason)
    return book.html_dir()


@cache
def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@cache
def _ids(path: Path) -> frozenset[str]:
    soup = _soup(path)
    return frozenset(
        [str(tag["id"]) for tag in soup.find_all(id=True)]
        + [str(tag["name"]) for tag in soup.find_all("a", attrs={"name": True})]
    )


def _pages(html: Path) -> list[Path]:
    """Every HTML page of the book (not the theme's templates in _static, not _sources)."""
    skip = {"_static", "_sources", "_images"}
    return sorted(
        p for p in html.rglob("*.html") if not skip.intersection(p.relative_to(html).parts)
    )


def test_every_toc_page_is_built(html: Path) -> None:
    docnames = book.toc_docnames()
    assert docnames, "the TOC lists no pages"
    missing = [d for d in docnames if not book.page_path(d, html).is_file()]
    book.fail_if(missing, "TOC pages have no HTML file (stale or failed build?)")


def test_sidebar_navigation_lists_every_toc_page(html: Path) -> None:
    root = book.page_path(book.toc_docnames()[0], html)
    nav = _soup(root).select_one("nav.bd-docs-nav")
    assert nav is not None, f"{root.name}: no sidebar navigation (nav.bd-docs-nav)"
    linked = set()
    for a in nav.find_all("a", href=True):
        resolved = book.resolve_href(root, a["href"], html)
        if resolved:
            linked.add(resolved[0])
    missing = [d for d in book.toc_docnames() if book.page_path(d, html).resolve() not in linked]
    book.fail_if(missing, "TOC pages are missing from the sidebar navigation")


def _remote_loads(soup: BeautifulSoup) -> Iterator[str]:
    """URLs on other hosts that the browser would fetch while loading the page."""
    for tag in soup.find_all(["script", "img", "iframe", "source", "video", "audio", "embed"]):
        if tag.get("src") and book.is_remote(tag["src"]):
            yield f"<{tag.name} src={tag['src']}>"
        for candidate in str(tag.get("srcset", "")).split(","):
            url = candidate.strip().split(" ")[0]
            if url and book.is_remote(url):
                yield f"<{tag.name} srcset={url}>"
    for tag in soup.find_all("object", data=True):
        if book.is_remote(tag["data"]):
            yield f"<object data={tag['data']}>"
    for tag in soup.find_all("link", href=True):
        rels = {r.lower() for r in tag.get("rel", [])}
        if rels & LOADING_RELS and book.is_remote(tag["href"]):
            yield f"<link rel={' '.join(sorted(rels))} href={tag['href']}>"
    css = [t.get_text() for t in soup.find_all("style")]
    css += [str(t["style"]) for t in soup.find_all(style=True)]
    for text in css:
        for url in CSS_URL.findall(text):
            if book.is_remote(url):
                yield f"CSS url({url})"


def test_pages_load_nothing_from_other_hosts(html: Path) -> None:
    """No CDN script, stylesheet, font or image: the book reads offline (MathJax served locally)."""
    problems = [
        f"{page.relative_to(html)}: {ref}"
        for page in _pages(html)
        for ref in _remote_loads(_soup(page))
    ]
    for css in sorted((html / "_static").rglob("*.css")):
        for url in CSS_URL.findall(css.read_text(encoding="utf-8", errors="replace")):
            if book.is_remote(url):
                problems.append(f"{css.relative_to(html)}: url({url})")
    book.fail_if(problems, "remote resources are loaded at page load")


def test_mathjax_is_served_with_the_book(html: Path) -> None:
    """Pages with formulas load MathJax 3 from _static, and its CHTML fonts are there too."""
    pages_with_math = [p for p in _pages(html) if _soup(p).select(".math")]
    problems = []
    for page in pages_with_math:
        sources = [s["src"] for s in _soup(page).find_all("script", src=True)]
        scripts = [src for src in sources if "mathjax" in src.lower()]
        if not scripts:
            problems.append(f"{page.relative_to(html)}: has formulas but loads no MathJax")
        for src in scripts:
            resolved = book.resolve_href(page, src, html)
            if resolved is None or not resolved[0].is_file():
                problems.append(f"{page.relative_to(html)}: MathJax {src} is not in the build")
    book.fail_if(problems, "MathJax problems")
    fonts = list((html / "_static" / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff"))
    assert fonts, "_static/mathjax has no CHTML web fonts: formulas would fall back to system fonts"


def test_every_image_has_alt_text(html: Path) -> None:
    """Alt text is present, not empty, and not just the image file name (Sphinx's default)."""
    problems = []
    for page in _pages(html):
        for img in _soup(page).find_all("img"):
            alt = (img.get("alt") or "").strip()
            src = img.get("src", "")
            if not alt or IMAGE_SUFFIX.search(alt) or Path(alt).name == Path(src).name:
                shown = src if len(src) <= 100 else src[:100] + "..."
                problems.append(f"{page.relative_to(html)}: <img src={shown!r} alt={alt!r}>")
    book.fail_if(problems, "images without meaningful alt text")


def _local_refs(soup: BeautifulSoup) -> Iterator[tuple[str, str]]:
    """(kind, url) of every local reference: links, scripts, stylesheets, images."""
    for tag in soup.find_all(["a", "link"], href=True):
        yield tag.name, tag["href"]
    for tag in soup.find_all(["script", "img", "source", "iframe"], src=True):
        yield tag.name, tag["src"]


def test_internal_links_and_anchors_resolve(html: Path) -> None:
    problems = []
    for page in _pages(html):
        for kind, url in _local_refs(_soup(page)):
            if book.is_remote(url) or urlsplit(url).scheme in book.LOCAL_SCHEMES or url == "#":
                continue
            resolved = book.resolve_href(page, url, html)
            if resolved is None:
                continue
            target, fragment = resolved
            where = f"{page.relative_to(html)}: <{kind}> {url}"
            if not target.is_file():
                problems.append(f"{where} -> missing file")
            elif fragment and target.suffix == ".html" and fragment not in _ids(target):
                problems.append(f"{where} -> no id {fragment!r} in {target.relative_to(html)}")
    book.fail_if(problems, "internal references do not resolve")
