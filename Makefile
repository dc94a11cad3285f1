# Two commands do everything:  `make book`  and  `make test`.
# Both create .venv on first use and reinstall only when pyproject.toml or constraints.txt change.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Stable notebook outputs: warning locations, set ordering, thread count.
export IPYKERNEL_CELL_NAME := <IPY-INPUT>
export PYTHONHASHSEED := 0
export OMP_NUM_THREADS ?= 1

STUDENT := _build/student

.PHONY: book book-student test lint unit notebooks exercises bench clean check-python help

help:
	@echo "make book       build the HTML book into _build/html/ (creates .venv on first use)"
	@echo "make book-student  build the student edition, without solutions, into $(STUDENT)/_build/html/"
	@echo "make test       run the whole test suite (lint, strict book build, pytest, nbval)"
	@echo "make lint       ruff (lint + format check) and mypy, a few seconds"
	@echo "make exercises  regenerate exercises/ from solutions/"
	@echo "make bench      run the CPU benchmarks (benchmarks/)"
	@echo "make clean      remove _build/ (keeps .venv)"

check-python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
	  echo "error: '$(PYTHON)' was not found. This project needs Python 3.10 or newer (3.11 recommended)."; \
	  echo "       Install it, or point make at one: make PYTHON=/path/to/python3.11 test"; exit 1; } >&2
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null || { \
	  echo "error: '$(PYTHON)' reports '$$($(PYTHON) -V 2>&1 | tr -d '\n')'; this project needs Python 3.10 or newer."; \
	  echo "       Install it, or point make at one: make PYTHON=/path/to/python3.11 test"; exit 1; } >&2
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
	  echo "error: '$(PYTHON)' has no working 'venv'/'ensurepip' module (on Debian/Ubuntu: apt install python3-venv)."; exit 1; } >&2

$(STAMP): pyproject.toml constraints.txt | check-python
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[book,test,classroom]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $@

$(VENV): $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "Open _build/html/index.html in a browser."

# The same book without the Solutions part (for a class): its own TOC, its own output folder; the
# execution cache is shared, so nothing is executed twice.
book-student: $(STAMP)
	$(BIN)/python scripts/student_toc.py _toc.yml $(STUDENT)/_toc.yml
	$(BIN)/jupyter-book build . --toc $(STUDENT)/_toc.yml --path-output $(STUDENT) -W -n --keep-going
	@echo "Open $(STUDENT)/_build/html/index.html in a browser."

# The strict build executes every chapter (a failing cell is a warning, and -W makes it fatal);
# pytest then runs unit tests, nbval over exercises/ and solutions/, and checks of the built HTML.
test: $(STAMP) lint
	$(BIN)/jupyter-book build . -W -n --keep-going
	$(MAKE) --no-print-directory book-student
	$(BIN)/python -m pytest

# Fast static checks first: any finding fails make test (configuration in pyproject.toml).
LINTED := src tests scripts benchmarks
lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest tests -m "not browser"

exercises: $(STAMP)
	$(BIN)/python -m tutorial_utils.exercise_gen solutions exercises

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_clipping.py
	$(BIN)/python benchmarks/bench_adam.py

clean:
	rm -rf _build
