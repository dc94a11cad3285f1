"""The built book in a real browser: headless Chromium (Debian's), driven by Playwright.

The HTML is served on 127.0.0.1; every request to any other host is blocked, recorded, and fails
the page's test, so a pass means the book renders fully offline (MathJax included). Each page of
the TOC is visited once; the checks below read what that visit recorded. Screenshots go to
``test-artifacts/``. Skipped, with the reason, when Chromium or the built book is missing.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from bs4 import BeautifulSoup

import _book_server as book
import _page_metrics as metrics

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

CHROMIUM = metrics.CHROMIUM
CHROMIUM_ARGS = metrics.CHROMIUM_ARGS
ARTIFACTS = book.REPO_ROOT / "test-artifacts"
TOC = book.toc_docnames(book.book_root())

# Runs in the page once it has loaded: waits for MathJax's first typesetting, web fonts and images
# (at most 30 s; a test then fails on what did not render, it does not hang).
WAIT_FOR_RENDERING = metrics.WAIT_FOR_RENDERING


INSPECT_PAGE = """async () => {
    const imgs = [...document.images];
    imgs.forEach((img) => { img.loading = 'eager'; });
    await Promise.all(imgs.map((img) => img.decode().catch(() => null)));
    const math = [...document.querySelectorAll('span.math, div.math')];
    return {
        h1: (document.querySelector('.bd-article h1') || {textContent: ''})
                .textContent.replace(/#$/, '').trim(),
        images: imgs.map((img) => ({
            src: img.getAttribute('src'), alt: img.getAttribute('alt'),
            width: img.naturalWidth, figure: !!img.closest('.bd-article'),
        })),
        math: math.length,
        unrendered: math.filter((e) => !e.querySelector('mjx-container'))
                        .map((e) => e.textContent.trim().slice(0, 80)),
        containers: document.querySelectorAll('mjx-container').length,
        displayMath: document.querySelectorAll('div.math mjx-container').length,
        mathErrors: [...document.querySelectorAll('mjx-merror')]
                        .map((e) => e.getAttribute('data-mjx-error') || e.textContent),
        mathFonts: [...document.fonts].filter((f) => f.family.replace(/"/g, '').startsWith('MJX'))
                        .map((f) => f.family + ':' + f.status),
        links: [...document.querySelectorAll('a[href]')].map((a) => a.href),
        ids: [...document.querySelectorAll('[id], a[name]')].map((e) => e.id || e.name),
        launch: [...document.querySelectorAll('.dropdown-launch-buttons a')]
                        .map((a) => [a.textContent.trim(), a.href]),
        downloads: [...document.querySelectorAll('.dropdown-download-buttons a')]
                        .map((a) => [a.textContent.trim(), a.href]),
    };
}"""

# Draws each figure into a canvas and reads its four corner pixels (RGBA), in the current theme.
FIGURE_CORNERS = """() => [...document.querySelectorAll('.bd-article img')]
    .filter((img) => img.naturalWidth > 0)
    .map((img) => {
        const c = document.createElement('canvas');
        c.width = img.naturalWidth; c.height = img.naturalHeight;
        const ctx = c.getContext('2d');
        ctx.drawImage(img, 0, 0);
        const w = c.width - 1, h = c.height - 1;
        const corners = [[0, 0], [w, 0], [0, h], [w, h]]
            .map(([x, y]) => [...ctx.getImageData(x, y, 1, 1).data]);
        return {src: img.getAttribute('src'), corners: corners,
                filter: getComputedStyle(img).filter};
    })"""


@dataclass
class Visit:
    """What one page load recorded."""

    url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="module")
def site() -> str:
    if not CHROMIUM.is_file():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    reason = book.missing_book_reason()
    if reason:
        pytest.skip(reason)
    with book.serve(book.html_dir()) as base:
        yield base


@pytest.fixture(scope="module")
def browser(site: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in book.LOCAL_SCHEMES or parts.hostname == "127.0.0.1"


def _open(browser, url: str, visit: Visit, color_scheme: str = "light"):
    """A new page (own context) showing ``url``, rendered; requests to other hosts are blocked."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, color_scheme=color_scheme
    )

    def route(r) -> None:
        if _is_local(r.request.url):
            r.continue_()
        else:
            visit.blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and visit.console_errors.append(m.text))
    page.on("pageerror", lambda e: visit.page_errors.append(str(e)))
    page.on("response", lambda r: r.status >= 400 and visit.failed.append(f"{r.status} {r.url}"))
    page.on(
        "requestfailed",
        lambda r: _is_local(r.url) and visit.failed.append(f"{r.failure} {r.url}"),
    )
    page.goto(url, wait_until="load")
    page.evaluate(WAIT_FOR_RENDERING)
    return page


@pytest.fixture(scope="module")
def visits(browser, site: str):
    """Visit each TOC page once, lazily; tests read the recorded :class:`Visit`."""
    done: dict[str, Visit] = {}

    def get(docname: str) -> Visit:
        if docname not in done:
            visit = Visit(url=f"{site}{docname}.html")
            page = _open(browser, visit.url, visit)
            try:
                visit.info = page.evaluate(INSPECT_PAGE)
                if any(i["figure"] and i["width"] for i in visit.info["images"]):
                    # The theme's dark mode, as its toggle sets it.
                    page.evaluate("() => { document.documentElement.dataset.theme = 'dark'; }")
                    visit.info["darkBackground"] = page.evaluate(
                        "() => getComputedStyle(document.body).backgroundColor"
                    )
                    visit.info["darkFigures"] = page.evaluate(FIGURE_CORNERS)
            finally:
                page.context.close()
            done[docname] = visit
        return done[docname]

    return get


def _short(text: str | None, limit: int = 100) -> str:
    """A source for messages: data: URIs can be megabytes long."""
    text = text or ""
    return text if len(text) <= limit else text[:limit] + "..."


@cache
def _fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - 127.0.0.1 only
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


@cache
def _ids_of(url: str) -> frozenset[str]:
    soup = BeautifulSoup(_fetch(url)[1].decode("utf-8", errors="replace"), "html.parser")
    ids = [str(t["id"]) for t in soup.find_all(id=True)]
    return frozenset(ids + [str(t["name"]) for t in soup.find_all("a", attrs={"name": True})])


@pytest.mark.parametrize("docname", TOC)
def test_page_loads_without_errors_or_remote_requests(visits, docname: str) -> None:
    """No console error, no uncaught exception, no failed request, nothing from another host."""
    visit = visits(docname)
    problems = [f"console error: {e}" for e in visit.console_errors]
    problems += [f"uncaught exception: {e}" for e in visit.page_errors]
    problems += [f"needed another host (blocked): {u}" for u in visit.blocked]
    problems += [f"failed request: {f}" for f in visit.failed]
    book.fail_if(problems, f"problems loading {visit.url}")


def _source_has_display_math(docname: str) -> bool:
    path = book.source_file(docname)
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        text = path.read_text(encoding="utf-8")
    return bool(re.search(r"^\s*(\$\$|```\{math\}|\\begin\{(equation|align))", text, re.MULTILINE))


@pytest.mark.parametrize("docname", TOC)
def test_every_formula_renders(visits, docname: str) -> None:
    """Each formula is typeset by MathJax (no error node) with its web fonts loaded."""
    info = visits(docname).info
    if _source_has_display_math(docname):
        assert info["containers"] > 0, f"{docname}: the source has display maths, the page none"
    if not info["math"]:
        return
    unrendered = info["unrendered"]
    assert not unrendered, f"{docname}: {len(unrendered)} formulas not rendered: {unrendered[:5]}"
    assert not info["mathErrors"], f"{docname}: MathJax errors: {info['mathErrors']}"
    assert info["containers"] >= info["math"]
    loaded = [f for f in info["mathFonts"] if f.endswith(":loaded")]
    assert loaded, f"{docname}: no MathJax web font loaded ({info['mathFonts']})"


@pytest.mark.parametrize("docname", TOC)
def test_every_image_loads_and_has_alt_text(visits, docname: str) -> None:
    """Every image decodes (naturalWidth > 0) and has alt text other than its file name."""
    problems = []
    for img in visits(docname).info["images"]:
        alt = (img["alt"] or "").strip()
        if img["width"] == 0:
            problems.append(f"did not load: {_short(img['src'])}")
        if not alt or Path(alt).name == Path(img["src"] or "").name:
            problems.append(f"no alt text: {_short(img['src'])} (alt={alt!r})")
    book.fail_if(problems, f"image problems on {docname}")


@pytest.mark.parametrize("docname", TOC)
def test_every_internal_link_and_anchor_resolves(visits, site: str, docname: str) -> None:
    """Every link to this site answers 200 and its #fragment names an element of the target."""
    visit = visits(docname)
    problems = []
    for href in sorted(set(visit.info["links"])):
        if not href.startswith(site):
            continue
        target, fragment = urldefrag(href)
        status, _ = _fetch(target)
        if status != 200:
            problems.append(f"{href}: HTTP {status}")
        elif fragment and target.endswith(".html"):
            ids = visit.info["ids"] if target == urldefrag(visit.url)[0] else _ids_of(target)
            if fragment not in ids:
                problems.append(f"{href}: no element with id {fragment!r}")
    book.fail_if(problems, f"broken internal links on {docname}")


@pytest.mark.parametrize("query", ["Adam", "clip"])
def test_search_finds(browser, site: str, query: str) -> None:
    """The search page (Sphinx's offline index) lists pages for the book's two subjects."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    visit = Visit(url=f"{site}search.html?q={query}")
    page = _open(browser, visit.url, visit)
    try:
        try:
            page.wait_for_selector("#search-results ul.search li a", timeout=20_000)
        except PlaywrightTimeout:
            pass  # no result within 20 s: reported below
        hits = page.eval_on_selector_all(
            "#search-results ul.search li a", "els => els.map(a => a.href)"
        )
    finally:
        page.context.close()
    assert hits, f"searching {query!r} found nothing"
    assert all(_fetch(urldefrag(h)[0])[0] == 200 for h in hits), hits
    assert not visit.blocked and not visit.page_errors, (visit.blocked, visit.page_errors)


def _expected_launch_targets(docname: str) -> dict[str, str]:
    """Binder and Colab URLs for a notebook, from _config.yml (GitHub repository assumed)."""
    config = book.book_config()
    repo = config["repository"]
    org, name = urlsplit(repo["url"]).path.strip("/").split("/")[:2]
    branch = repo.get("branch", "main")
    prefix = repo.get("path_to_book", "").strip("/")
    path = book.source_file(docname).relative_to(book.book_root()).as_posix()
    path = f"{prefix}/{path}" if prefix else path
    launch = config["launch_buttons"]
    ui = {"classic": "tree", "jupyterlab": "lab/tree"}[launch.get("notebook_interface", "classic")]
    binder, colab = launch["binderhub_url"].rstrip("/"), launch["colab_url"].rstrip("/")
    return {
        "Binder": f"{binder}/v2/gh/{org}/{name}/{branch}?urlpath={ui}/{path}",
        "Colab": f"{colab}/github/{org}/{name}/blob/{branch}/{path}",
    }


def _is_notebook(docname: str) -> bool:
    try:
        return book.is_notebook(docname)
    except FileNotFoundError:  # reported by test_book_html.py::test_every_toc_page_is_built
        return False


NOTEBOOKS = [d for d in TOC if _is_notebook(d)] or [
    pytest.param(None, marks=pytest.mark.skip(reason="no notebook page in the TOC yet"))
]


def _words(text: str) -> str:
    """Text reduced to lower-case letters and digits, to compare a heading across formats."""
    return re.sub(r"[^0-9a-z]+", "", text.lower())


@pytest.mark.parametrize("docname", NOTEBOOKS)
def test_notebook_pages_offer_launch_and_download(visits, docname: str) -> None:
    """Binder (and, for .ipynb sources, Colab) open this page's file in the repository; the
    .ipynb download is this page's notebook."""
    info = visits(docname).info
    launch = dict(info["launch"])
    expected = _expected_launch_targets(docname)
    source = book.source_file(docname)
    assert launch.get("Binder") == expected["Binder"], (launch, expected)
    # Colab opens only .ipynb files from GitHub: a Colab button on a text notebook would be broken.
    if source.suffix == ".ipynb":
        assert launch.get("Colab") == expected["Colab"], (launch, expected)
    else:
        assert "Colab" not in launch, f"Colab cannot open {source.name}: {launch['Colab']}"
    downloads = dict(info["downloads"])
    assert ".ipynb" in downloads, f"{docname}: no .ipynb download link ({downloads})"
    status, body = _fetch(downloads[".ipynb"])
    assert status == 200, downloads[".ipynb"]
    notebook = json.loads(body)
    assert notebook["nbformat"] == 4 and notebook["cells"], "the .ipynb download is not a notebook"
    headings = [
        line[2:]
        for cell in notebook["cells"]
        if cell["cell_type"] == "markdown"
        for line in "".join(cell["source"]).splitlines()
        if line.startswith("# ")
    ]
    assert headings and _words(headings[0]) == _words(info["h1"]), (
        f"the .ipynb download of {docname} starts with {headings[:1]}, the page with {info['h1']!r}"
    )


def _luminance(css_colour: str) -> float:
    """Relative luminance (0 black .. 1 white) of a CSS ``rgb(...)``/``rgba(...)`` colour."""
    r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css_colour)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_figures_stay_readable_in_dark_mode(visits) -> None:
    """In the dark theme every figure still has an opaque white background (corner pixels)."""
    pages = [d for d in TOC if "darkFigures" in visits(d).info]
    if not pages:
        pytest.skip("no page of the book has a figure yet")
    problems = []
    for docname in pages:
        info = visits(docname).info
        background = info["darkBackground"]
        assert _luminance(background) < 0.3, f"{docname}: dark theme not applied ({background})"
        for fig in info["darkFigures"]:
            src = _short(fig["src"])
            if "invert" in fig["filter"]:
                problems.append(f"{docname}: {src} is inverted ({fig['filter']})")
            bad = [tuple(c) for c in fig["corners"] if c[3] < 255 or min(c[:3]) < 245]
            if bad:
                problems.append(f"{docname}: {src} corners {bad} are not opaque white")
    book.fail_if(problems, "figures that the dark theme would make unreadable")


# Screenshots: the top of the first page, the first display formula, the first figure (dark theme).
SHOTS = [
    ("first-page", lambda info: True, None, "light"),
    ("formulas", lambda info: info["displayMath"] > 0, "div.math", "light"),
    ("figure-dark-mode", lambda info: "darkFigures" in info, ".bd-article img", "dark"),
]


@pytest.mark.parametrize(("name", "wanted", "selector", "theme"), SHOTS, ids=[s[0] for s in SHOTS])
def test_screenshot(browser, visits, site: str, name: str, wanted, selector, theme: str) -> None:
    """Screenshots saved to test-artifacts/ for a person to look at (CI uploads them)."""
    docname = next((d for d in TOC if wanted(visits(d).info)), None)
    if docname is None:
        pytest.skip(f"no page of the book has what the {name!r} screenshot shows")
    visit = Visit(url=f"{site}{docname}.html")
    page = _open(browser, visit.url, visit, color_scheme=theme)
    path = ARTIFACTS / f"{name}.png"
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.evaluate(f"() => {{ document.documentElement.dataset.theme = '{theme}'; }}")
        if selector and page.locator(selector).count():
            page.locator(selector).first.evaluate("e => e.scrollIntoView({block: 'center'})")
        page.screenshot(path=path)
    finally:
        page.context.close()
    from PIL import Image

    with Image.open(path) as image:
        assert image.size == (1280, 900), image.size
        assert image.convert("RGB").getcolors(maxcolors=16) is None, f"{path} looks blank"


# Layout as a reader sees it (tests/_page_metrics.py): each page measured once at 1280 px and at
# 390 px. The two chapters a student reads most (ch03, ch04) are also photographed at both widths.
LAYOUT_SHOT_PAGES = {"book/ch03_clipping", "book/ch04_adam"}
CHAPTERS = [d for d in TOC if re.fullmatch(r"book/ch\d+\w*", d)]


@pytest.fixture(scope="module")
def layout(browser, site: str):
    done: dict[str, metrics.PageMetrics] = {}

    def get(docname: str) -> metrics.PageMetrics:
        if docname not in done:
            shots = None
            if docname in LAYOUT_SHOT_PAGES:
                ARTIFACTS.mkdir(exist_ok=True)
                shots = str(ARTIFACTS)
            done[docname] = metrics.measure(browser, site, docname, shots)
        return done[docname]

    return get


@pytest.mark.parametrize("docname", TOC)
def test_no_display_equation_wider_than_the_column(layout, docname: str) -> None:
    """At 1280 px every display formula fits its column and no equation number covers it."""
    book.fail_if(layout(docname).wide_equations, f"display equations that do not fit on {docname}")


@pytest.mark.parametrize("docname", TOC)
def test_no_code_line_cut_off(layout, docname: str) -> None:
    """At 1280 px no line of visible code or output runs past the right edge of its block."""
    book.fail_if(layout(docname).cut_code_lines, f"code lines cut off at 1280 px on {docname}")


@pytest.mark.parametrize("docname", TOC)
def test_page_does_not_scroll_sideways_on_a_phone(layout, docname: str) -> None:
    """At 390 px the page is no wider than the screen (long literals wrap)."""
    overflow = layout(docname).page_overflow_px
    assert overflow <= 0, f"{docname} scrolls {overflow} px sideways at 390 px"


@pytest.mark.parametrize("docname", TOC)
def test_figures_are_not_shrunk_below_readable_size(layout, docname: str) -> None:
    """Figures are shown at >= 70 % of their pixel size, so their 10 pt text stays >= 10 pt."""
    book.fail_if(layout(docname).shrunk_figures, f"figures shrunk too far on {docname}")


@pytest.mark.parametrize("docname", CHAPTERS)
def test_visible_code_is_at_most_a_third_of_a_chapter(layout, docname: str) -> None:
    """Visible code inputs are <= 35 % of a chapter's characters; the rest is folded or removed."""
    page = layout(docname)
    assert page.code_share <= metrics.MAX_CODE_SHARE, (
        f"{docname}: visible code is {page.code_share:.1%} of the text "
        f"({page.code_chars} code, {page.prose_chars} prose characters)"
    )
