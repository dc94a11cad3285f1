"""Tests of the exercise generator: stubs, malformed markers, determinism, staleness, hand edits."""

from __future__ import annotations

import copy
import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tutorial_utils import exercise_gen as gen

REPO = Path(__file__).resolve().parents[1]

SOLUTION_CELL = '''\
def double(x):
    """Return 2 x."""
    # Task 1: return twice x
    ### BEGIN SOLUTION
    y = 2 * x
    return y
    ### END SOLUTION'''
REPOSITORY = "https://github.com/example/book"
CONFIG = f"title: toy\nrepository:\n  url: {REPOSITORY}\n  branch: main\n"


def answer(source: str, grade_id: str = "task1-answer") -> nbformat.NotebookNode:
    return new_code_cell(
        source,
        metadata={
            "nbgrader": {
                "grade": False,
                "grade_id": grade_id,
                "locked": False,
                "schema_version": 3,
                "solution": True,
                "task": False,
            }
        },
    )


def graded(source: str, grade_id: str = "task1-test", points: int = 1) -> nbformat.NotebookNode:
    return new_code_cell(
        source,
        metadata={
            "nbgrader": {
                "grade": True,
                "grade_id": grade_id,
                "locked": True,
                "points": points,
                "schema_version": 3,
                "solution": False,
                "task": False,
            }
        },
    )


def make_solution(cells: list) -> nbformat.NotebookNode:
    nb = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    for index, cell in enumerate(nb.cells):  # stable ids, like a committed notebook
        cell["id"] = f"cell-{index}"
    return nb


def good_solution() -> nbformat.NotebookNode:
    return make_solution(
        [
            new_markdown_cell("# Solution 0: toy\nImplement `double`."),
            new_code_cell("import math\nprint(round(math.pi, 3))"),
            answer(SOLUTION_CELL),
            graded("assert double(21) == 42, 'expected 42'\nprint('ok')"),
            new_markdown_cell("Discussion of the answer.", metadata={"tags": ["solution-only"]}),
            new_code_cell("print('independent', 1 + 1)"),
        ]
    )


def write_solution(
    directory: Path, nb: nbformat.NotebookNode, name: str = "ex00_toy.ipynb"
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory.parent / "_config.yml").write_text(CONFIG)
    path = directory / name
    nbformat.write(nb, path)
    return path


# ----------------------------------------------------------------------------------------------
# Pure stubbing (no kernel)
# ----------------------------------------------------------------------------------------------
def test_stub_is_nbgrader_default_at_the_marker_indentation():
    source, regions = gen.stub_source(SOLUTION_CELL, "x.ipynb, cell 2")
    assert regions == 1
    assert source.splitlines() == [
        "def double(x):",
        '    """Return 2 x."""',
        "    # Task 1: return twice x",
        "    # YOUR CODE HERE",
        "    raise NotImplementedError()",
    ]
    compile(source, "<stub>", "exec")  # the stub is valid Python


def test_several_regions():
    source = (
        "### BEGIN SOLUTION\na = 1\n### END SOLUTION\nb = 2\n"
        "  ### BEGIN SOLUTION\n  c = 3\n  ### END SOLUTION"
    )
    stubbed, regions = gen.stub_source(source, "x")
    assert regions == 2
    assert stubbed.splitlines() == [
        "# YOUR CODE HERE",
        "raise NotImplementedError()",
        "b = 2",
        "  # YOUR CODE HERE",
        "  raise NotImplementedError()",
    ]


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("### BEGIN SOLUTION\nx = 1", "BEGIN SOLUTION' without '### END SOLUTION'"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "nested"),
        ("x = 1\n### END SOLUTION", "without a '### BEGIN SOLUTION'"),
        ("### BEGIN SOLUTION: implement it\nx=1\n### END SOLUTION", "comment line above"),
        ("### BEGIN SOLUTION\nx=1\n### END SOLUTION now", "after '### END SOLUTION'"),
        ("x = 1  ### BEGIN SOLUTION\n### END SOLUTION", "malformed solution marker"),
        ("# see END SOLUTION below\n", "malformed solution marker"),
    ],
)
def test_malformed_markers_name_notebook_cell_and_line(source, fragment):
    with pytest.raises(gen.ExerciseGenError) as info:
        gen.stub_source(source, "nb.ipynb, cell 7")
    assert "nb.ipynb, cell 7" in str(info.value)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda nb: nb.cells[2].metadata.pop("nbgrader"), "not an nbgrader answer cell"),
        (
            lambda nb: nb.cells.__setitem__(1, answer("x = 1", "other")),
            "without a '### BEGIN SOLUTION'",
        ),
        (lambda nb: nb.cells[3].metadata["nbgrader"].pop("points"), "has no points"),
        (
            lambda nb: nb.cells[3].metadata["nbgrader"].update(grade_id="task1-answer"),
            "duplicate grade_id",
        ),
        (
            lambda nb: nb.cells.__setitem__(0, new_markdown_cell("No title")),
            "'# Solution N: title'",
        ),
    ],
)
def test_nbgrader_metadata_errors_name_the_cell(mutate, fragment):
    nb = good_solution()
    mutate(nb)
    with pytest.raises(gen.ExerciseGenError, match=re.escape(fragment)):
        gen.refresh_solution(nb, "sol.ipynb", REPOSITORY)
        gen.build_exercise(nb, "sol.ipynb")


def test_refresh_inserts_one_setup_cell_and_the_titles():
    nb = good_solution()
    nb.cells[0].source = nb.cells[0].source.replace("Solution 0", "Exercise 0")
    gen.refresh_solution(nb, "sol.ipynb", REPOSITORY)
    assert nb.cells[0].source.startswith("# Solution 0: toy\n")
    assert nb.cells[1]["id"] == gen.SETUP_CELL_ID
    assert nb.cells[1].metadata["nbgrader"]["locked"] is True
    assert f'"git+{REPOSITORY}"' in nb.cells[1].source
    once = copy.deepcopy(nb)
    gen.refresh_solution(nb, "sol.ipynb", REPOSITORY)  # idempotent
    assert nb == once
    exercise, _ = gen.build_exercise(nb, "sol.ipynb")
    assert exercise.cells[0].source.startswith("# Exercise 0: toy\n")
    assert exercise.cells[1].source == nb.cells[1].source


def test_setup_cell_is_short_and_never_replaces_torch():
    source = gen.setup_source(REPOSITORY)
    assert len(source.splitlines()) <= 15
    assert "TUTORIAL_UTILS_SOURCE" in source and "invalidate_caches" in source
    assert "torch==" in source and "--constraint" in source
    compile(source, "<setup>", "exec")


def test_setup_cell_installs_from_the_variable_when_missing(tmp_path, monkeypatch):
    """Run the cell with tutorial_utils hidden and pip replaced by a recorder."""
    calls = []
    monkeypatch.setenv("TUTORIAL_UTILS_SOURCE", "/some/checkout")
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "tutorial_utils" else real_find_spec(name, *a),
    )
    monkeypatch.setattr(subprocess, "check_call", lambda cmd: calls.append(cmd))
    exec(compile(gen.setup_source(REPOSITORY), "<setup>", "exec"), {})
    (cmd,) = calls
    assert cmd[:4] == [sys.executable, "-m", "pip", "install"] and cmd[-1] == "/some/checkout"
    pins = Path(cmd[cmd.index("--constraint") + 1]).read_text()
    assert pins == f"torch=={importlib.metadata.version('torch')}\n"


def test_repository_url_comes_from_the_config(tmp_path):
    (tmp_path / "_config.yml").write_text(CONFIG)
    assert gen.repository_url(tmp_path / "_config.yml") == REPOSITORY
    (tmp_path / "bad.yml").write_text("title: x\n")
    with pytest.raises(gen.ExerciseGenError, match="no repository.url"):
        gen.repository_url(tmp_path / "bad.yml")


def test_marker_in_markdown_cell_is_an_error():
    nb = make_solution([new_markdown_cell("Text\n### BEGIN SOLUTION\n"), answer(SOLUTION_CELL)])
    with pytest.raises(
        gen.ExerciseGenError, match=r"sol\.ipynb, cell 0: solution marker in a markdown cell"
    ):
        gen.build_exercise(nb, "sol.ipynb")


def test_notebook_without_regions_is_an_error():
    with pytest.raises(gen.ExerciseGenError, match="no '### BEGIN SOLUTION' region"):
        gen.build_exercise(
            make_solution([new_markdown_cell("# Solution 0: t"), new_code_cell("x = 1")]),
            "sol.ipynb",
        )


def test_build_exercise_drops_solution_only_and_copies_the_rest():
    solution = good_solution()
    exercise, stubs = gen.build_exercise(solution, "sol.ipynb")
    assert [c["id"] for c in exercise.cells] == ["cell-0", "cell-1", "cell-2", "cell-3", "cell-5"]
    assert stubs == [2]
    assert exercise.cells[0].source == solution.cells[0].source.replace("Solution", "Exercise")
    for kept in (1, 3):
        assert exercise.cells[kept].source == solution.cells[kept].source
    assert "# Task 1: return twice x\n    # YOUR CODE HERE" in exercise.cells[2].source
    assert "2 * x" not in exercise.cells[2].source
    assert solution.cells[2].source == SOLUTION_CELL  # the input is not mutated


def test_source_hash_ignores_outputs_but_not_sources():
    a = good_solution()
    b = good_solution()
    b.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="3.142\n")]
    b.cells[1].execution_count = 1
    assert gen.source_hash(a) == gen.source_hash(b)
    b.cells[3].source += "\n"
    assert gen.source_hash(a) != gen.source_hash(b)


def test_coalesce_streams():
    out = [
        {"output_type": "stream", "name": "stdout", "text": "a"},
        {"output_type": "stream", "name": "stdout", "text": "b"},
        {"output_type": "stream", "name": "stderr", "text": "c"},
        {"output_type": "stream", "name": "stdout", "text": "d"},
    ]
    assert [o["text"] for o in gen.coalesce_streams(out)] == ["ab", "c", "d"]


def test_write_atomic_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "a.ipynb"
    target.write_text("old")
    gen.write_atomic(target, "new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ipynb"]


def test_write_atomic_gives_normal_permissions(tmp_path):
    """mkstemp's temporary file is 0600; the written notebook must not inherit that."""
    old_umask = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.ipynb"
        gen.write_atomic(fresh, "x")
        assert fresh.stat().st_mode & 0o777 == 0o644
        kept = tmp_path / "kept.ipynb"
        kept.write_text("old")
        kept.chmod(0o664)
        gen.write_atomic(kept, "new")
        assert kept.stat().st_mode & 0o777 == 0o664
    finally:
        os.umask(old_umask)


# ----------------------------------------------------------------------------------------------
# The command line (executes a kernel; one generation shared by several tests)
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("gen")
    write_solution(root / "solutions", good_solution())
    assert gen.main([str(root / "solutions"), str(root / "exercises")]) == 0
    return root


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_generated_exercise_content(generated):
    nb = nbformat.read(generated / "exercises" / "ex00_toy.ipynb", as_version=4)
    sources = [c.source for c in nb.cells]
    assert len(sources) == 6  # setup cell added, solution-only cell dropped
    assert nb.cells[0].source.startswith("# Exercise 0: toy")
    assert nb.cells[1]["id"] == gen.SETUP_CELL_ID and nb.cells[1].outputs == []
    stub, check, independent = nb.cells[3], nb.cells[4], nb.cells[5]
    assert "raise NotImplementedError()" in stub.source
    assert "raises-exception" in stub.metadata["tags"]
    assert "raises-exception" in check.metadata["tags"]
    (error,) = check.outputs
    assert (error.output_type, error.ename, error.evalue) == (
        "error",
        "NotImplementedError",
        "",
    )
    assert error.traceback == ["NotImplementedError: "]
    assert nb.cells[2].outputs[0].text == "3.142\n"
    assert independent.outputs[0].text == "independent 2\n"
    assert "tags" not in independent.metadata
    assert all("execution" not in c.metadata for c in nb.cells)
    meta = nb.metadata["exercise_gen"]
    assert meta["source"] == "ex00_toy.ipynb"
    refreshed = good_solution()
    gen.refresh_solution(refreshed, "x", REPOSITORY)
    assert meta["source_sha256"] == gen.source_hash(refreshed)
    solution = nbformat.read(generated / "solutions" / "ex00_toy.ipynb", as_version=4)
    assert solution.cells[1]["id"] == gen.SETUP_CELL_ID  # the solution was refreshed on disk
    assert meta["content_sha256"] == gen.content_hash(nb)


def test_regenerating_unchanged_source_is_byte_identical(generated, tmp_path):
    root = copy_tree(generated, tmp_path / "r")
    target = root / "exercises" / "ex00_toy.ipynb"
    before = target.read_bytes()
    mtime = target.stat().st_mtime_ns
    assert gen.main([str(root / "solutions"), str(root / "exercises")]) == 0
    assert target.read_bytes() == before
    assert target.stat().st_mtime_ns == mtime  # not even rewritten
    # Re-executing from scratch gives the same bytes too (the output is deterministic).
    assert gen.main([str(root / "solutions"), str(root / "exercises"), "--force"]) == 0
    assert target.read_bytes() == before


def test_check_detects_stale_missing_and_orphaned(generated, tmp_path, capsys):
    root = copy_tree(generated, tmp_path / "c")
    sols, exs = root / "solutions", root / "exercises"
    assert gen.main([str(sols), str(exs), "--check"]) == 0
    before = (exs / "ex00_toy.ipynb").read_bytes()
    changed = good_solution()
    changed.cells[5].source = "print('changed')"
    write_solution(sols, changed)
    write_solution(sols, good_solution(), "ex99_new.ipynb")
    (exs / "ex42_orphan.ipynb").write_bytes(before)
    capsys.readouterr()
    assert gen.main([str(sols), str(exs), "--check"]) == 1
    err = capsys.readouterr().err
    assert "ex00_toy.ipynb: stale" in err
    assert "ex99_new.ipynb: missing" in err
    assert "ex42_orphan.ipynb: orphaned" in err
    assert (exs / "ex00_toy.ipynb").read_bytes() == before  # --check writes nothing
    assert not (exs / "ex99_new.ipynb").exists()


def test_hand_edited_exercise_is_kept_unless_force(generated, tmp_path, capsys):
    root = copy_tree(generated, tmp_path / "h")
    sols, exs = root / "solutions", root / "exercises"
    target = exs / "ex00_toy.ipynb"
    edited = nbformat.read(target, as_version=4)
    edited.cells[2].source = "def double(x):\n    return x + x"
    nbformat.write(edited, target)
    edited_bytes = target.read_bytes()
    capsys.readouterr()
    assert gen.main([str(sols), str(exs), "--check"]) == 1
    assert "hand-edited" in capsys.readouterr().err
    assert gen.main([str(sols), str(exs)]) == 1
    assert "refusing to overwrite" in capsys.readouterr().err
    assert target.read_bytes() == edited_bytes
    assert gen.main([str(sols), str(exs), "--force"]) == 0
    assert target.read_bytes() == (generated / "exercises" / "ex00_toy.ipynb").read_bytes()


def test_malformed_notebook_writes_nothing(tmp_path, capsys):
    sols, exs = tmp_path / "solutions", tmp_path / "exercises"
    write_solution(sols, good_solution(), "ex01_good.ipynb")
    bad = good_solution()
    bad.cells[2].source = SOLUTION_CELL.replace("    ### END SOLUTION", "")
    write_solution(sols, bad, "ex02_bad.ipynb")
    assert gen.main([str(sols), str(exs)]) == 1
    err = capsys.readouterr().err
    assert "ex02_bad.ipynb, cell 2" in err and "without '### END SOLUTION'" in err
    assert not exs.exists() or list(exs.iterdir()) == []


def test_unexpected_error_in_exercise_is_reported_and_nothing_written(tmp_path, capsys):
    sols, exs = tmp_path / "solutions", tmp_path / "exercises"
    nb = good_solution()
    nb.cells[5].source = "undefined_name + 1"
    write_solution(sols, nb)
    assert gen.main([str(sols), str(exs)]) == 1
    err = capsys.readouterr().err
    # Named by the solution cell the author edits (cell 6 once the setup cell is inserted),
    # then the exercise's own index.
    assert "ex00_toy.ipynb, cell 6 (exercise cell 5): the exercise raised NameError" in err
    assert list(exs.iterdir()) == []


def test_help_documents_the_markers():
    result = subprocess.run(
        [sys.executable, "-m", "tutorial_utils.exercise_gen", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "BEGIN SOLUTION" in result.stdout and "--check" in result.stdout
    assert "--config" in result.stdout


@pytest.mark.skipif(not (REPO / "solutions").is_dir(), reason="no solutions/ directory")
def test_repository_exercises_are_up_to_date():
    """Fails when solutions/ changed but exercises/ was not regenerated (run `make exercises`)."""
    result = subprocess.run(
        [sys.executable, "-m", "tutorial_utils.exercise_gen", "solutions", "exercises", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ},
    )
    assert result.returncode == 0, result.stderr
