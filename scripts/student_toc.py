"""Write the table of contents of the student edition: the book's ``_toc.yml`` without solutions.

    python scripts/student_toc.py [SOURCE_TOC] DEST_TOC

Every entry whose file lies under ``solutions/`` is dropped, and so is any part left empty (the
"Solutions" part). Used by ``make book-student``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

SOLUTIONS = "solutions/"


def without_solutions(node: Any) -> Any:
    """A copy of a (nested) TOC node without ``solutions/`` entries and without emptied parts."""
    if isinstance(node, list):
        kept = [without_solutions(item) for item in node]
        return [item for item in kept if item is not None]
    if isinstance(node, dict):
        if str(node.get("file", "")).startswith(SOLUTIONS):
            return None
        copy = dict(node)
        for key in ("parts", "chapters", "sections"):
            if key in copy:
                copy[key] = without_solutions(copy[key])
                if not copy[key]:
                    return None
        return copy
    return node


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print(__doc__, file=sys.stderr)
        return 2
    source = Path(argv[0] if len(argv) == 2 else "_toc.yml")
    dest = Path(argv[-1])
    toc = without_solutions(yaml.safe_load(source.read_text(encoding="utf-8")))
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    tmp.write_text(yaml.safe_dump(toc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    tmp.replace(dest)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
