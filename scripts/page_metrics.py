"""Print the layout measurements of built pages (see tests/_page_metrics.py for what they mean).

    .venv/bin/python scripts/page_metrics.py [HTML_DIR] [DOCNAME ...] [--shots DIR] [--details]

HTML_DIR defaults to _build/html; DOCNAMEs (e.g. book/ch03_clipping) default to every page under
book/ in that build. Needs Debian's chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import _book_server as book  # noqa: E402
from _page_metrics import CHROMIUM, CHROMIUM_ARGS, MAX_CODE_SHARE, measure  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", nargs="?", default=str(REPO / "_build" / "html"))
    parser.add_argument("docnames", nargs="*")
    parser.add_argument("--shots", help="write 1280 px and 390 px screenshots into this folder")
    parser.add_argument("--details", action="store_true", help="list each offending line")
    args = parser.parse_args(argv)
    html = Path(args.html).resolve()
    names = args.docnames or sorted(
        f"book/{p.stem}" for p in (html / "book").glob("*.html") if p.stem not in {"api"}
    )
    if args.shots:
        Path(args.shots).mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    bad = 0
    print(
        f"{'page':36} {'wide eq':>7} {'cut code':>8} {'390px overflow':>14} "
        f"{'shrunk fig':>10} {'code share':>10}"
    )
    with book.serve(html) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for name in names:
            m = measure(browser, base, name, args.shots)
            flag = (
                m.wide_equations
                or m.cut_code_lines
                or m.page_overflow_px > 0
                or m.shrunk_figures
                or m.code_share > MAX_CODE_SHARE
            )
            bad += bool(flag)
            print(
                f"{name:36} {len(m.wide_equations):7d} {len(m.cut_code_lines):8d} "
                f"{m.page_overflow_px:14d} {len(m.shrunk_figures):10d} {m.code_share:10.1%}"
            )
            if args.details:
                for line in m.wide_equations + m.cut_code_lines + m.shrunk_figures:
                    print(f"    {line}")
        browser.close()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
