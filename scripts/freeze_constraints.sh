#!/usr/bin/env bash
# Rewrite constraints.txt from the current .venv (after deliberately upgrading something in it).
set -euo pipefail
cd "$(dirname "$0")/.."
{
  echo "# Exact versions that 'make book' and 'make test' install (pip install -c constraints.txt)."
  echo "# torch==2.13.0 matches the local CPU wheel (2.13.0+cpu); regenerate with scripts/freeze_constraints.sh."
  .venv/bin/python -m pip freeze --exclude-editable | grep -v '^-e ' | sed 's/^torch==\(.*\)+cpu$/torch==\1/'
} > constraints.txt.tmp
mv constraints.txt.tmp constraints.txt
