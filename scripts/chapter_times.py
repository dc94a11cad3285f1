"""Print how long each book page took to execute in the last build (from the jupyter-cache).

Usage: .venv/bin/python scripts/chapter_times.py [_build/.jupyter_cache]
"""

from __future__ import annotations

import sys
from pathlib import Path

from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[1]


def execution_seconds(cache_dir: Path) -> dict[str, float]:
    """Map each executed page (path relative to its book) to its execution time in seconds.

    The cache lives in ``<book>/_build/.jupyter_cache``, so pages are named relative to ``<book>``
    (this checkout, or a private copy made by scripts/build_subset.sh).
    """
    book_root = cache_dir.resolve().parents[1]
    cache = get_cache(str(cache_dir))
    times: dict[str, float] = {}
    for record in cache.list_cache_records():
        seconds = (record.data or {}).get("execution_seconds")
        if seconds is not None:
            # The newest record of a page wins (records are listed oldest first).
            times[str(Path(record.uri).resolve().relative_to(book_root))] = float(seconds)
    return times


def main() -> None:
    cache_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build" / ".jupyter_cache"
    for page, seconds in sorted(execution_seconds(cache_dir).items()):
        print(f"{page:45s} {seconds:7.1f} s")


if __name__ == "__main__":
    main()
