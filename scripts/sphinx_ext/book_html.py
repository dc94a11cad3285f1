"""Sphinx extension: two fixes to the published HTML of this book (Jupyter Book 1 on Sphinx 7.4).

1. Sphinx 7.4 writes an inline ``<script>`` twice when an extension registers it after the
   builder is initialised (sphinx-thebe's ``const THEBE_JS_URL = ...`` and sphinx-togglebutton's
   selector): once as filename ``None`` and once, re-read from the registry, as ``''``. The second
   ``const`` declaration throws ``SyntaxError`` on every page. Keep the first copy of each script.
2. sphinx-book-theme offers "launch in Colab" on every notebook page, but Colab opens only
   ``.ipynb`` files from GitHub: for a MyST text notebook (``.md``) the link is broken. Drop that
   one button there; Binder (which opens text notebooks through jupytext) and the ``.ipynb``
   download stay.
3. ``static/book.css``: code at a size that fits 80 characters in the content column, inline
   literals that wrap on a phone, display equations that scroll inside their block.

Wired in ``_config.yml`` under ``sphinx.local_extensions``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx


def _script_key(script: Any) -> tuple:
    """Identity of a script tag: its file ('' and None both mean inline) and attributes."""
    attributes = getattr(script, "attributes", {})
    return (getattr(script, "filename", script) or "", tuple(sorted(attributes.items())))


def dedupe_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    seen: set[tuple] = set()
    unique = []
    for script in context.get("script_files", []):
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def drop_colab_for_text_notebooks(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree
) -> None:
    if Path(app.env.doc2path(pagename)).suffix == ".ipynb":
        return
    for group in context.get("header_buttons", []):
        if group.get("label") == "launch-buttons":
            group["buttons"] = [b for b in group["buttons"] if b.get("text") != "Colab"]


def add_book_css(app: Sphinx) -> None:
    app.config.html_static_path.append(str(Path(__file__).parent / "static"))


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", add_book_css)
    app.add_css_file("book.css")
    app.connect("html-page-context", dedupe_scripts, priority=900)
    # After sphinx-book-theme builds the launch buttons (priority 501).
    app.connect("html-page-context", drop_colab_for_text_notebooks, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
