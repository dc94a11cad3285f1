#!/usr/bin/env bash
# Build part of the book strictly, in a private copy, without touching _build/ in the checkout.
#   scripts/build_subset.sh NAME book/ch03_clipping.md [more pages...]
# The copy lives in /tmp/jb-NAME (its own execution cache, so several people or agents can build at
# once). Its table of contents holds intro, the pages named, every exercise/solution notebook that
# exists, the API page and the references. Output: /tmp/jb-NAME/_build/html.
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1; shift
root=$PWD
dest=/tmp/jb-$name
mkdir -p "$dest"
# Fresh copy of the sources each time (new mtimes, so Sphinx re-reads every page; jupyter-cache
# still skips re-executing unchanged notebooks); the private _build (execution cache) is kept.
find "$dest" -mindepth 1 -maxdepth 1 ! -name _build -exec rm -rf {} +
tar -c --exclude=./.venv --exclude=./_build --exclude=./.git --exclude=./.pytest_cache \
  --exclude=./.hypothesis --exclude=./test-artifacts . | tar -x -m -C "$dest"
{
  echo "format: jb-book"
  echo "root: book/intro"
  echo "chapters:"
  for page in "$@"; do echo "  - file: ${page%.*}"; done
  for nb in exercises/*.ipynb solutions/*.ipynb; do
    [ -e "$nb" ] && echo "  - file: ${nb%.ipynb}"
  done
  echo "  - file: book/api"
  echo "  - file: book/references"
} > "$dest/_toc.yml"
cd "$dest"
IPYKERNEL_CELL_NAME='<IPY-INPUT>' PYTHONHASHSEED=0 OMP_NUM_THREADS=1 \
  "$root/.venv/bin/jupyter-book" build . -W -n --keep-going
