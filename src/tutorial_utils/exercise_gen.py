"""Generate the student exercise notebooks from the solution notebooks (a single source).

Usage::

    python -m tutorial_utils.exercise_gen SOLUTIONS_DIR EXERCISES_DIR
        [--force] [--check] [--execute-solutions] [--timeout SECONDS]
        [--config _config.yml]

``make exercises`` runs ``python -m tutorial_utils.exercise_gen solutions exercises``.

Conventions in a solution notebook (``SOLUTIONS_DIR/*.ipynb``)
---------------------------------------------------------------
The solution notebooks are nbgrader *source* notebooks: an instructor can copy one into an
nbgrader course (``source/<assignment>/``) and run ``nbgrader generate_assignment`` with default
settings. Hence:

* The first cell is markdown whose first line is ``# Solution N: title`` (or ``# Exercise N:``;
  the generator rewrites it to ``Solution N`` in the solution and ``Exercise N`` in the exercise).
* In an **answer** cell (a code cell with nbgrader metadata ``solution: true``) the lines between
  a ``### BEGIN SOLUTION`` line and the next ``### END SOLUTION`` line are the answer. In the
  exercise each region, markers included, becomes nbgrader's default stub at the indentation of
  the BEGIN marker::

      # YOUR CODE HERE
      raise NotImplementedError()

  exactly what nbgrader's ``ClearSolutions`` writes, so our exercises and nbgrader's released
  notebooks agree. Put what the student should do in a comment line *above* the BEGIN marker
  (both keep it). An answer cell must hold at least one region (nbgrader would replace a whole
  answer cell without one).
* **Graded test** cells (``grade: true``, ``points``, ``locked: true``) hold the checks; they
  must not hold a region. ``grade_id`` values are unique in a notebook.
* A cell tagged ``solution-only`` (the explanation after each task) is left out of the exercise.
  For nbgrader it is a 0-point *task* cell whose text sits between ``<!-- BEGIN MARK SCHEME -->``
  and ``<!-- END MARK SCHEME -->`` (HTML comments: invisible in Jupyter and in the book), so
  nbgrader's ``ClearMarkScheme`` removes the text from the released notebook too.
* Every other cell is copied unchanged: source, metadata, id.
* The generator inserts (or refreshes) the **setup cell** as cell 1 of every solution and
  exercise: see :func:`setup_source`. Its text is defined here only.

Malformed notebooks are errors that name the notebook and the cell index, and then **nothing** is
written: a BEGIN without an END, a BEGIN inside a region, an END without a BEGIN, text after a
marker, a marker in a markdown or raw cell, a region outside an answer cell, an answer cell
without a region, a graded cell without points, a duplicate ``grade_id``, a missing title.

Why not call nbgrader's preprocessors?
--------------------------------------
nbgrader (the ``classroom`` extra) is not needed to build or test the book, and a student's
``pip install`` of this package must not pull in a Jupyter server. Replacing a region by a stub
is twenty lines here, with errors that name notebook, cell and line, and the test suite checks
against the real ``nbgrader generate_assignment`` that both give the same cells and stubs.
Locking cells and checksums only matter inside an nbgrader course, where nbgrader adds them
itself; the exercises keep the nbgrader metadata of their solution, without checksums.

What the generator does
-----------------------
1. Reads and validates every solution notebook (so a malformed one aborts before any writing),
   and refreshes its title and setup cell in memory.
2. For each notebook whose exercise is stale, builds the exercise and executes it with nbclient
   (kernel ``python3``, working directory ``EXERCISES_DIR``, ``IPYKERNEL_CELL_NAME=<IPY-INPUT>``,
   ``PYTHONHASHSEED=0``, ``OMP_NUM_THREADS=1``), so that every stored output is what the exercise
   itself produces. A cell may only fail with ``NotImplementedError`` (a stub, or a check cell
   that calls a stub); such cells and all stub cells are tagged ``raises-exception`` (understood
   by nbval, myst-nb and Jupyter's "Run All"), and the stored traceback is shortened to its last
   line (no file paths). Any other exception is an error naming the notebook and cell.
3. Makes the output deterministic: consecutive stream outputs are merged, volatile metadata
   (execution timestamps) is dropped, JSON is written by ``nbformat.writes``.
4. Stores ``metadata.exercise_gen = {source, source_sha256, content_sha256, generator_version}``:
   the SHA-256 of the solution's cells (sources, cell types, metadata; outputs excluded) and of
   the generated notebook itself (with ``content_sha256`` blanked).
5. Writes all files at the end, each atomically (temporary file in the same directory, then
   ``os.replace``): refreshed solutions first, then exercises.

An exercise is *up to date* when its ``source_sha256`` matches the solution and its
``content_sha256`` matches its content; up-to-date exercises are neither re-executed nor
rewritten, so regenerating an unchanged source leaves every file byte-identical. An exercise whose
``content_sha256`` no longer matches was edited by hand (or re-saved by Jupyter): it is not
overwritten unless ``--force`` (which also re-executes every exercise, e.g. after a change in
:mod:`tutorial_utils.checks` changed a message). ``--check`` writes nothing and exits with status 1
listing every stale, hand-edited, missing or orphaned exercise and every solution whose title or
setup cell is out of date (the test suite runs it). ``--execute-solutions`` first re-executes the
solution notebooks in place (same environment, errors not allowed), for authors after editing one.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

GENERATOR_VERSION = 2
METADATA_KEY = "exercise_gen"
SOLUTION_ONLY_TAG = "solution-only"
RAISES_TAG = "raises-exception"
#: nbgrader's default ``ClearSolutions.code_stub["python"]``: our stubs are the same text.
STUB_LINES = ("# YOUR CODE HERE", "raise NotImplementedError()")
KERNEL_NAME = "python3"
#: Environment of the executing kernel: stable warning locations, hashing and thread count.
KERNEL_ENV = {"IPYKERNEL_CELL_NAME": "<IPY-INPUT>", "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"}
#: Cell metadata written by front ends or executors that changes from run to run.
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled")
#: The setup cell: its id, and its nbgrader metadata (a locked, read-only cell).
SETUP_CELL_ID = "tutorial-utils-setup"
SETUP_NBGRADER = {
    "grade": False,
    "grade_id": "setup",
    "locked": True,
    "schema_version": 3,
    "solution": False,
    "task": False,
}
#: The environment variable that overrides where the setup cell installs the package from.
SOURCE_VARIABLE = "TUTORIAL_UTILS_SOURCE"

_MARKER = re.compile(
    r"^(?P<indent>[ \t]*)###[ \t]*(?P<kind>BEGIN|END)[ \t]+SOLUTION\b(?P<rest>.*)$"
)
_LOOSE_MARKER = re.compile(r"(BEGIN|END)[ \t]+SOLUTION", re.IGNORECASE)
_TITLE = re.compile(r"^#[ \t]+(?:Exercise|Solution)[ \t]+(?P<number>\w+):[ \t]*(?P<title>\S.*)$")


class ExerciseGenError(Exception):
    """A solution notebook cannot be turned into an exercise (the message says where and why)."""


@dataclass
class Plan:
    """One solution notebook and what to do with its exercise."""

    solution: Path
    exercise: Path
    notebook: nbformat.NotebookNode  # the exercise, before execution
    stub_cells: list[int]  # indices (in the exercise) of cells that hold a stub
    source_sha256: str
    status: str = "up to date"  # or: missing, stale, hand-edited
    output: str | None = field(default=None, repr=False)
    origins: list[int] = field(default_factory=list)  # solution cell index of each exercise cell
    refreshed: str | None = field(default=None, repr=False)  # new solution text, if it changed


# --------------------------------------------------------------------------------------------
# The setup cell and the title
# --------------------------------------------------------------------------------------------
def repository_url(config: Path) -> str:
    """``repository.url`` of the Jupyter Book configuration ``config`` (``_config.yml``)."""
    import yaml  # pyyaml: installed with the book and test extras

    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ExerciseGenError(f"cannot read the repository URL from {config}: {error}") from error
    url = (data.get("repository") or {}).get("url")
    if not url:
        raise ExerciseGenError(f"{config} has no repository.url (the setup cell installs from it)")
    return str(url).rstrip("/")


def setup_source(repository: str) -> str:
    """The setup cell: install ``tutorial_utils`` only when it cannot be imported.

    The default source is ``git+<repository>``; ``TUTORIAL_UTILS_SOURCE`` overrides it with any
    pip requirement (a local path, a wheel, a fork's URL). An installed torch is passed to pip as
    a constraint ``torch==<installed version>``, so pip keeps it (Colab's CUDA build) while it
    still installs whatever else is missing (``--no-deps`` would not).
    """
    return f"""\
# Setup: install tutorial_utils if it is missing (Colab, fresh JupyterHub).
# {SOURCE_VARIABLE} may name another pip source (path, wheel, URL).
# The installed torch is pinned, so pip never replaces it (Colab's CUDA).
import importlib, importlib.metadata, importlib.util
import os, subprocess, sys, tempfile
if importlib.util.find_spec("tutorial_utils") is None:
    default = "git+{repository}"
    source = os.environ.get("{SOURCE_VARIABLE}", default)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as pins:
        if importlib.util.find_spec("torch") is not None:
            pins.write(f"torch=={{importlib.metadata.version('torch')}}\\n")
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet",
                           "--constraint", pins.name, source])
    importlib.invalidate_caches()"""


def _setup_cell(repository: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(setup_source(repository))
    cell["id"] = SETUP_CELL_ID
    cell.metadata = {"nbgrader": dict(SETUP_NBGRADER)}
    return cell


def retitle(nb: nbformat.NotebookNode, name: str, word: str) -> None:
    """Rewrite the H1 ``# Exercise|Solution N: title`` of the first cell to start with ``word``."""
    first = nb.cells[0] if nb.cells else None
    lines = first.source.split("\n") if first is not None and first.cell_type == "markdown" else []
    match = _TITLE.match(lines[0]) if lines else None
    if first is None or match is None:
        raise ExerciseGenError(
            f"{name}, cell 0: the notebook must start with a markdown cell whose first line is "
            "'# Solution N: title'"
        )
    lines[0] = f"# {word} {match['number']}: {match['title'].strip()}"
    first.source = "\n".join(lines)


def refresh_solution(solution: nbformat.NotebookNode, name: str, repository: str) -> None:
    """Give ``solution`` its ``Solution N`` title and the current setup cell at index 1."""
    retitle(solution, name, "Solution")
    wanted = _setup_cell(repository)
    existing = [i for i, c in enumerate(solution.cells) if c.get("id") == SETUP_CELL_ID]
    if existing == [1]:
        cell = solution.cells[1]
        if cell.source != wanted.source or cell.cell_type != "code":
            solution.cells[1] = wanted
        else:
            cell.metadata["nbgrader"] = dict(SETUP_NBGRADER)
        return
    for index in reversed(existing):
        del solution.cells[index]
    solution.cells.insert(1, wanted)


# --------------------------------------------------------------------------------------------
# Parsing, validating and stubbing
# --------------------------------------------------------------------------------------------
def stub_source(source: str, where: str) -> tuple[str, int]:
    """Replace each solution region of one code cell by nbgrader's default stub.

    Parameters
    ----------
    source : str
        The cell's source.
    where : str
        ``"notebook.ipynb, cell 3"``, used in error messages.

    Returns
    -------
    (str, int)
        The new source and the number of regions replaced.
    """
    out: list[str] = []
    regions = 0
    inside = False
    for lineno, line in enumerate(source.split("\n"), start=1):
        match = _MARKER.match(line)
        if match is None:
            if _LOOSE_MARKER.search(line):
                raise ExerciseGenError(
                    f"{where}, line {lineno}: malformed solution marker {line.strip()!r}; write "
                    "'### BEGIN SOLUTION' or '### END SOLUTION' alone on its line (and no "
                    "'BEGIN SOLUTION' / 'END SOLUTION' elsewhere: nbgrader matches the words "
                    "anywhere in a line)"
                )
            if not inside:
                out.append(line)
            continue
        kind, rest, indent = match["kind"], match["rest"].strip(), match["indent"]
        if rest:
            raise ExerciseGenError(
                f"{where}, line {lineno}: unexpected text after '### {kind} SOLUTION': {rest!r} "
                "(nbgrader drops the whole marker line: put a message for the student in a "
                "comment line above '### BEGIN SOLUTION')"
            )
        if kind == "BEGIN":
            if inside:
                raise ExerciseGenError(
                    f"{where}, line {lineno}: nested '### BEGIN SOLUTION' (the previous region "
                    "has no '### END SOLUTION')"
                )
            out.extend(indent + stub for stub in STUB_LINES)
            inside = True
            regions += 1
        else:
            if not inside:
                raise ExerciseGenError(
                    f"{where}, line {lineno}: '### END SOLUTION' without a '### BEGIN SOLUTION'"
                )
            inside = False
    if inside:
        raise ExerciseGenError(f"{where}: '### BEGIN SOLUTION' without '### END SOLUTION'")
    return "\n".join(out), regions


def _nbgrader(cell: nbformat.NotebookNode) -> dict:
    return cell.metadata.get("nbgrader", {})


def validate_nbgrader(solution: nbformat.NotebookNode, name: str) -> None:
    """The checks ``nbgrader generate_assignment`` would fail on, with our cell numbers."""
    seen: dict[str, int] = {}
    for index, cell in enumerate(solution.cells):
        meta = _nbgrader(cell)
        where = f"{name}, cell {index}"
        if not meta:
            continue
        if meta.get("schema_version") != 3:
            raise ExerciseGenError(f"{where}: nbgrader metadata must have schema_version 3")
        grade, answer = meta.get("grade", False), meta.get("solution", False)
        if grade or answer or meta.get("locked", False) or meta.get("task", False):
            grade_id = meta.get("grade_id")
            if not grade_id:
                raise ExerciseGenError(f"{where}: nbgrader cell without a grade_id")
            if grade_id in seen:
                raise ExerciseGenError(
                    f"{where}: duplicate grade_id {grade_id!r} (also cell {seen[grade_id]})"
                )
            seen[grade_id] = index
        if grade and "points" not in meta:
            raise ExerciseGenError(f"{where}: graded cell {meta['grade_id']!r} has no points")
        if cell.cell_type == "markdown" and grade != answer and not meta.get("task", False):
            raise ExerciseGenError(
                f"{where}: a markdown nbgrader cell must be both grade and solution, or a task"
            )


def source_hash(solution: nbformat.NotebookNode) -> str:
    """SHA-256 of what determines the exercise: cells (type, source, metadata) and the kernel."""
    payload = {
        "generator_version": GENERATOR_VERSION,
        "kernelspec": solution.metadata.get("kernelspec", {}),
        "cells": [
            {
                "cell_type": cell.cell_type,
                "source": cell.source,
                "metadata": _clean_metadata(cell.metadata),
                "id": cell.get("id"),
            }
            for cell in solution.cells
        ],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _clean_metadata(metadata: dict) -> dict:
    return {k: v for k, v in metadata.items() if k not in VOLATILE_CELL_METADATA}


def build_exercise(
    solution: nbformat.NotebookNode, name: str
) -> tuple[nbformat.NotebookNode, list[int]]:
    """Turn a solution notebook into an (unexecuted) exercise notebook.

    Returns the exercise and the indices of its cells that contain a stub. Raises
    :class:`ExerciseGenError` naming ``name`` and the cell index for malformed markers or
    nbgrader metadata. The title becomes ``# Exercise N: ...`` when the notebook has one.
    """
    validate_nbgrader(solution, name)
    exercise = copy.deepcopy(solution)
    exercise.cells = []
    stub_cells: list[int] = []
    total = 0
    for index, cell in enumerate(solution.cells):
        where = f"{name}, cell {index}"
        tags = cell.metadata.get("tags", [])
        meta = _nbgrader(cell)
        if cell.cell_type != "code":
            if _LOOSE_MARKER.search(cell.source):
                raise ExerciseGenError(
                    f"{where}: solution marker in a {cell.cell_type} cell (markers are only "
                    "allowed in code cells)"
                )
            if SOLUTION_ONLY_TAG in tags:
                continue
            new = copy.deepcopy(cell)
            new.metadata = _clean_metadata(new.metadata)
            exercise.cells.append(new)
            continue
        source, regions = stub_source(cell.source, where)
        if regions and not meta.get("solution", False):
            raise ExerciseGenError(
                f"{where}: solution region in a cell that is not an nbgrader answer cell "
                "(metadata nbgrader.solution must be true; nbgrader refuses it otherwise)"
            )
        if meta.get("solution", False) and not regions:
            raise ExerciseGenError(
                f"{where}: nbgrader answer cell without a '### BEGIN SOLUTION' region (nbgrader "
                "would replace the whole cell)"
            )
        if SOLUTION_ONLY_TAG in tags:
            continue
        new = copy.deepcopy(cell)
        new.metadata = _clean_metadata(new.metadata)
        new.source = source
        new.outputs = []
        new.execution_count = None
        if regions:
            stub_cells.append(len(exercise.cells))
            total += regions
        exercise.cells.append(new)
    if total == 0:
        raise ExerciseGenError(f"{name}: no '### BEGIN SOLUTION' region in any code cell")
    if (
        exercise.cells
        and exercise.cells[0].cell_type == "markdown"
        and _TITLE.match(exercise.cells[0].source.split("\n")[0])
    ):
        retitle(exercise, name, "Exercise")
    return exercise, stub_cells


# --------------------------------------------------------------------------------------------
# Execution and normalisation
# --------------------------------------------------------------------------------------------
@contextmanager
def _kernel_environment() -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in KERNEL_ENV}
    os.environ.update(KERNEL_ENV)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def execute(nb: nbformat.NotebookNode, cwd: Path, *, allow_errors: bool, timeout: int) -> None:
    """Execute ``nb`` in place with nbclient in the deterministic kernel environment."""
    from nbclient import NotebookClient  # imported late: --help and --check need no kernel

    with _kernel_environment():
        client = NotebookClient(
            nb,
            kernel_name=KERNEL_NAME,
            timeout=timeout,
            allow_errors=allow_errors,
            record_timing=False,
            resources={"metadata": {"path": str(cwd)}},
        )
        client.execute()


def coalesce_streams(outputs: list) -> list:
    """Merge consecutive stream outputs of the same stream (their split depends on timing)."""
    merged: list = []
    for out in outputs:
        if (
            out.get("output_type") == "stream"
            and merged
            and merged[-1].get("output_type") == "stream"
            and merged[-1].get("name") == out.get("name")
        ):
            merged[-1]["text"] += out["text"]
        else:
            merged.append(out)
    return merged


def normalise(nb: nbformat.NotebookNode) -> None:
    """Drop volatile metadata and merge stream outputs, in place."""
    for cell in nb.cells:
        cell.metadata = _clean_metadata(cell.metadata)
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
    nb.metadata.pop("widgets", None)


def solution_cell_indices(solution: nbformat.NotebookNode) -> list[int]:
    """For each cell of the exercise, the index of the solution cell it comes from."""
    return [
        index
        for index, cell in enumerate(solution.cells)
        if SOLUTION_ONLY_TAG not in cell.metadata.get("tags", [])
    ]


def finish_exercise(
    nb: nbformat.NotebookNode,
    stub_cells: Sequence[int],
    name: str,
    origins: Sequence[int] | None = None,
) -> None:
    """Tag stub cells and cells that raised ``NotImplementedError``; reject any other error.

    ``name`` is the solution notebook and ``origins[i]`` the index of the solution cell that
    exercise cell ``i`` comes from, so that an error points at the cell the author edits.
    """
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        raised = False
        for out in cell.outputs:
            if out.get("output_type") != "error":
                continue
            if out["ename"] != "NotImplementedError":
                where = (
                    f"cell {origins[index]} (exercise cell {index})" if origins else f"cell {index}"
                )
                raise ExerciseGenError(
                    f"{name}, {where}: the exercise raised {out['ename']}: {out['evalue']} "
                    "(only NotImplementedError from a stub is allowed; make cells that use a "
                    "student's result call the student's function)"
                )
            out["traceback"] = [f"{out['ename']}: {out['evalue']}"]
            raised = True
        if raised or index in stub_cells:
            tags = cell.metadata.setdefault("tags", [])
            if RAISES_TAG not in tags:
                tags.append(RAISES_TAG)


def content_hash(nb: nbformat.NotebookNode) -> str:
    """SHA-256 of the serialised notebook with ``content_sha256`` blanked."""
    clone = copy.deepcopy(nb)
    clone.metadata.setdefault(METADATA_KEY, {})["content_sha256"] = ""
    return hashlib.sha256(serialise(clone).encode()).hexdigest()


def serialise(nb: nbformat.NotebookNode) -> str:
    """The exact text written to disk (``nbformat.writes`` sorts keys; one trailing newline)."""
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def _file_mode(path: Path) -> int:
    """The permission bits ``path`` keeps (if it exists) or gets (``0o666`` less the umask)."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory.

    The file gets the permissions a plain ``open(path, "w")`` would give it (``mkstemp`` creates
    the temporary file readable by its owner only, which ``os.replace`` would carry over).
    """
    mode = _file_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# --------------------------------------------------------------------------------------------
# Planning and the command line
# --------------------------------------------------------------------------------------------
def exercise_status(exercise_path: Path, source_sha256: str) -> str:
    """``'up to date'``, ``'missing'``, ``'stale'`` (source changed) or ``'hand-edited'``."""
    if not exercise_path.exists():
        return "missing"
    try:
        existing = nbformat.read(exercise_path, as_version=4)
    except Exception:  # unreadable: treat as edited by hand, never overwrite silently
        return "hand-edited"
    meta = existing.metadata.get(METADATA_KEY, {})
    if meta.get("content_sha256") != content_hash(existing):
        return "hand-edited"
    if meta.get("source_sha256") != source_sha256:
        return "stale"
    return "up to date"


def plan(
    solutions_dir: Path, exercises_dir: Path, repository: str
) -> tuple[list[Plan], list[Path]]:
    """Validate and refresh every solution notebook; return the plans and orphaned exercises."""
    solutions = sorted(solutions_dir.glob("*.ipynb"))
    if not solutions:
        raise ExerciseGenError(f"no solution notebooks (*.ipynb) in {solutions_dir}")
    plans = []
    for path in solutions:
        try:
            text = path.read_text(encoding="utf-8")
            solution = nbformat.reads(text, as_version=4)
        except Exception as error:
            raise ExerciseGenError(f"{path}: cannot read the notebook: {error}") from error
        build_exercise(solution, str(path))  # validate first: errors name the cells on disk
        refresh_solution(solution, str(path), repository)
        refreshed = serialise(solution)
        exercise, stubs = build_exercise(solution, str(path))
        digest = source_hash(solution)
        target = exercises_dir / path.name
        plans.append(
            Plan(
                path,
                target,
                exercise,
                stubs,
                digest,
                exercise_status(target, digest),
                origins=solution_cell_indices(solution),
                refreshed=None if refreshed == text else refreshed,
            )
        )
    names = {p.name for p in solutions}
    orphans = sorted(p for p in exercises_dir.glob("*.ipynb") if p.name not in names)
    return plans, orphans


def generate(item: Plan, timeout: int) -> str:
    """Execute one exercise and return its final text."""
    nb = item.notebook
    try:
        execute(nb, item.exercise.parent, allow_errors=True, timeout=timeout)
    except Exception as error:  # timeout, dead kernel: name the notebook, write nothing
        raise ExerciseGenError(
            f"{item.solution}: executing the exercise failed: {error}"
        ) from error
    normalise(nb)
    finish_exercise(nb, item.stub_cells, str(item.solution), item.origins)
    nb.metadata[METADATA_KEY] = {
        "generator_version": GENERATOR_VERSION,
        "source": item.solution.name,
        "source_sha256": item.source_sha256,
        "content_sha256": "",
    }
    nb.metadata[METADATA_KEY]["content_sha256"] = content_hash(nb)
    return serialise(nb)


def execute_solutions(solutions_dir: Path, timeout: int) -> None:
    """Re-execute every solution notebook in place (no errors allowed), deterministically."""
    for path in sorted(solutions_dir.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        try:
            execute(nb, path.parent, allow_errors=False, timeout=timeout)
        except Exception as error:
            raise ExerciseGenError(f"{path}: execution failed: {error}") from error
        normalise(nb)
        write_atomic(path, serialise(nb))
        print(f"executed {path}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tutorial_utils.exercise_gen",
        description="Generate exercise notebooks from solution notebooks (nbgrader source "
        "notebooks): each region between '### BEGIN SOLUTION' and '### END SOLUTION' becomes "
        "nbgrader's stub ('# YOUR CODE HERE' / 'raise NotImplementedError()'), cells tagged "
        "solution-only are dropped, the title and the setup cell are refreshed, and the exercise "
        "is executed so that its stored outputs are its own.",
    )
    parser.add_argument("solutions", type=Path, help="directory of solution notebooks (the source)")
    parser.add_argument("exercises", type=Path, help="directory the exercises are written to")
    parser.add_argument(
        "--force",
        action="store_true",
        help="regenerate and re-execute every exercise, overwriting hand edits",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 listing stale, hand-edited, missing or orphaned exercises",
    )
    parser.add_argument(
        "--execute-solutions",
        action="store_true",
        help="first re-execute the solution notebooks in place (authors, after editing one)",
    )
    parser.add_argument(
        "--timeout", type=int, default=120, help="seconds allowed per cell (default 120)"
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="Jupyter Book configuration whose repository.url the setup cell installs from "
        "(default: _config.yml next to the solutions directory)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.check and (args.force or args.execute_solutions):
        print(
            "error: --check writes nothing; do not combine it with --force or --execute-solutions",
            file=sys.stderr,
        )
        return 2
    try:
        if not args.solutions.is_dir():
            raise ExerciseGenError(f"solutions directory {args.solutions} does not exist")
        config = args.config or args.solutions.resolve().parent / "_config.yml"
        repository = repository_url(config)
        if args.execute_solutions:
            plans, _ = plan(args.solutions, args.exercises, repository)  # validate first
            for item in plans:
                if item.refreshed is not None:
                    write_atomic(item.solution, item.refreshed)
            execute_solutions(args.solutions, args.timeout)
        if not args.check:
            args.exercises.mkdir(parents=True, exist_ok=True)
        plans, orphans = plan(args.solutions, args.exercises, repository)
        if args.check:
            problems = [
                f"{p.solution}: title or setup cell out of date"
                for p in plans
                if p.refreshed is not None
            ]
            problems += [f"{p.exercise}: {p.status}" for p in plans if p.status != "up to date"]
            problems += [f"{o}: orphaned (no solution notebook {o.name})" for o in orphans]
            if problems:
                print(
                    "exercises are out of date (run: python -m tutorial_utils.exercise_gen "
                    f"{args.solutions} {args.exercises}):",
                    file=sys.stderr,
                )
                for line in problems:
                    print(f"  {line}", file=sys.stderr)
                return 1
            print(f"all {len(plans)} exercises are up to date")
            return 0
        edited = [p for p in plans if p.status == "hand-edited"]
        if edited and not args.force:
            raise ExerciseGenError(
                "refusing to overwrite exercises edited by hand (use --force): "
                + ", ".join(str(p.exercise) for p in edited)
            )
        todo = [p for p in plans if args.force or p.status != "up to date"]
        for item in todo:  # execute everything first: an error leaves every file untouched
            reason = "--force" if item.status == "up to date" else item.status
            print(f"executing {item.exercise} ({reason})")
            item.output = generate(item, args.timeout)
        for item in plans:
            if item.refreshed is not None:
                write_atomic(item.solution, item.refreshed)
                print(f"refreshed the title and setup cell of {item.solution}")
        for item in todo:
            assert item.output is not None
            if item.exercise.exists() and item.exercise.read_text(encoding="utf-8") == item.output:
                continue
            write_atomic(item.exercise, item.output)
            print(f"wrote {item.exercise}")
        for orphan in orphans:
            print(f"warning: {orphan} has no solution notebook", file=sys.stderr)
        print(f"{len(plans) - len(todo)} up to date, {len(todo)} regenerated")
        return 0
    except ExerciseGenError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
