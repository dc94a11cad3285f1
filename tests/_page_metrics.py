"""Layout measurements of a built page in a real browser (headless Chromium via Playwright).

What a reader sees, measured on the rendered page:

* ``wide_equations``: display equations wider than the content column, or whose equation number
  overlaps the formula (at the desktop width);
* ``cut_code_lines``: lines of visible code (cell inputs and outputs, literal blocks) wider than
  their block, i.e. cut off at the right unless the reader scrolls the block (desktop width);
* ``page_overflow_px``: how far the whole page scrolls sideways (at the phone width);
* ``code_share``: visible code-input characters / (visible code-input + prose characters).
  Inputs folded away by ``hide-input`` (a closed ``<details>``) or removed by ``remove-input`` do
  not count. Prose is the visible text outside code cells, captions included, plus the symbols of
  each formula; cell outputs count as neither;
* ``shrunk_figures``: figures shown at less than 70 % of their natural (pixel) width (desktop).

Used by ``tests/test_browser.py`` (so the numbers cannot regress) and by
``scripts/page_metrics.py`` (a table for authors).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: Debian's Chromium, and the flags that keep it from calling home on a machine without network.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
#: A figure shown narrower than this fraction of its natural width has text too small to read.
MIN_FIGURE_SCALE = 0.7
#: Target for the share of visible code in a chapter's text.
MAX_CODE_SHARE = 0.35

# Runs in a loaded, typeset page. Returns the raw measurements.
MEASURE_JS = """() => {
    const article = document.querySelector('.bd-article') || document.body;
    const visible = (el) => {
        for (let e = el; e && e !== document.body; e = e.parentElement) {
            if (e.tagName === 'DETAILS' && !e.open && !(el.tagName === 'SUMMARY')) {
                // Content of a closed <details> (hide-input) is folded away, except its summary.
                if (!e.querySelector(':scope > summary')?.contains(el)) return false;
            }
            const style = getComputedStyle(e);
            if (style.display === 'none' || style.visibility === 'hidden') return false;
        }
        return true;
    };

    // Display equations: the typeset formula must fit in its block; the number must not cover it.
    const wideEquations = [];
    for (const block of article.querySelectorAll('div.math')) {
        if (!visible(block)) continue;
        const formula = block.querySelector('mjx-container > mjx-math') ||
                        block.querySelector('mjx-container');
        if (!formula) continue;
        const f = formula.getBoundingClientRect();
        const b = block.getBoundingClientRect();
        const text = block.textContent.trim().replace(/\\s+/g, ' ').slice(0, 70);
        if (f.width > b.width + 1 || f.right > b.right + 1 || f.left < b.left - 1) {
            wideEquations.push(
                `${Math.round(f.width)} px formula in a ${Math.round(b.width)} px column: ${text}`);
            continue;
        }
        const number = block.querySelector('.eqno');
        if (number) {
            const n = number.getBoundingClientRect();
            if (n.width > 0 && n.left < f.right - 1 && n.right > f.left + 1 &&
                n.top < f.bottom - 1 && n.bottom > f.top + 1) {
                wideEquations.push(`equation number overlaps the formula: ${text}`);
            }
        }
    }

    // Code lines wider than their block (cut off at the right).
    const canvas = document.createElement('canvas').getContext('2d');
    const cutLines = [];
    for (const pre of article.querySelectorAll('pre')) {
        if (!visible(pre) || pre.clientWidth === 0) continue;
        const style = getComputedStyle(pre);
        const ws = style.whiteSpace;
        if (ws.startsWith('pre-wrap') || ws === 'break-spaces') continue;
        canvas.font = style.font;
        const room = pre.clientWidth - parseFloat(style.paddingLeft)
                     - parseFloat(style.paddingRight);
        for (const line of pre.textContent.split('\\n')) {
            if (canvas.measureText(line.replace(/\\t/g, '    ')).width > room + 1) {
                const kind = pre.closest('.cell_input') ? 'input' :
                             pre.closest('.cell_output') ? 'output' : 'literal';
                cutLines.push(`${kind}: ${line.trim().slice(0, 90)}`);
            }
        }
    }

    // Visible code-input characters against prose characters.
    const squash = (s) => s.replace(/\\s+/g, ' ').trim().length;
    let code = 0;
    for (const pre of article.querySelectorAll('.cell_input pre')) {
        if (visible(pre)) code += squash(pre.textContent);
    }
    let prose = 0;
    const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
    const skip = 'pre, .cell_output, .cell_input, mjx-container, script, style, .headerlink, ' +
                 '.toggle-details, summary, .eqno, math';
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!parent || parent.closest(skip) || !visible(parent)) continue;
        prose += squash(node.textContent);
    }
    // Formulas are read too: count their symbols (MathJax's assistive MathML holds them once).
    for (const math of article.querySelectorAll('mjx-container')) {
        if (!math.closest('.cell_output') && visible(math)) {
            const mml = math.querySelector('mjx-assistive-mml');
            prose += squash(mml ? mml.textContent : '');
        }
    }

    // Figures shown much smaller than they were drawn.
    const shrunk = [];
    for (const img of article.querySelectorAll('img')) {
        if (!visible(img) || !img.naturalWidth) continue;
        const scale = img.getBoundingClientRect().width / img.naturalWidth;
        if (scale < MIN_SCALE) {
            const name = (img.getAttribute('alt') || img.getAttribute('src') || '').slice(0, 60);
            shrunk.push(`${name}: ` +
                        `${img.naturalWidth} px shown at ${Math.round(100 * scale)} %`);
        }
    }

    return {
        wideEquations, cutLines, shrunk, code, prose,
        overflow: document.documentElement.scrollWidth - window.innerWidth,
    };
}"""


@dataclass
class PageMetrics:
    """The measurements of one page (see the module docstring)."""

    docname: str
    wide_equations: list[str] = field(default_factory=list)
    cut_code_lines: list[str] = field(default_factory=list)
    shrunk_figures: list[str] = field(default_factory=list)
    page_overflow_px: int = 0
    code_chars: int = 0
    prose_chars: int = 0

    @property
    def code_share(self) -> float:
        total = self.code_chars + self.prose_chars
        return self.code_chars / total if total else 0.0


WAIT_FOR_RENDERING = """async () => {
    const rendered = (async () => {
        if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
            await MathJax.startup.promise;
        }
        await document.fonts.ready;
        const imgs = [...document.images];
        imgs.forEach((img) => { img.loading = 'eager'; });
        await Promise.all(imgs.map((img) => img.decode().catch(() => null)));
    })();
    await Promise.race([rendered, new Promise((resolve) => setTimeout(resolve, 30000))]);
}"""


def _evaluate(browser: Any, url: str, viewport: dict[str, int], shot: str | None) -> dict:
    context = browser.new_context(viewport=viewport)
    # Only the served book is reachable: the page must render offline.
    context.route(
        "**/*",
        lambda r: (
            r.continue_() if urlsplit(r.request.url).hostname in (None, "127.0.0.1") else r.abort()
        ),
    )
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        page.evaluate(WAIT_FOR_RENDERING)
        result = page.evaluate(MEASURE_JS.replace("MIN_SCALE", repr(MIN_FIGURE_SCALE)))
        if shot:
            page.screenshot(path=shot, full_page=False)
        return result
    finally:
        context.close()


def measure(browser: Any, base_url: str, docname: str, shots: str | None = None) -> PageMetrics:
    """Measure ``docname`` of the book served at ``base_url`` at the desktop and phone widths.

    Parameters
    ----------
    browser : playwright.sync_api.Browser
        A launched Chromium.
    base_url : str
        URL of the served HTML folder, ending in ``/``.
    docname : str
        Page to measure, e.g. ``"book/ch03_clipping"``.
    shots : str, optional
        Folder for two screenshots, ``<name>-1280.png`` and ``<name>-390.png``.
    """
    url = f"{base_url}{docname}.html"
    stem = docname.replace("/", "-")
    desktop = _evaluate(browser, url, DESKTOP, shots and f"{shots}/{stem}-1280.png")
    phone = _evaluate(browser, url, PHONE, shots and f"{shots}/{stem}-390.png")
    return PageMetrics(
        docname=docname,
        wide_equations=desktop["wideEquations"],
        cut_code_lines=desktop["cutLines"],
        shrunk_figures=desktop["shrunk"],
        page_overflow_px=int(phone["overflow"]),
        code_chars=int(desktop["code"]),
        prose_chars=int(desktop["prose"]),
    )
