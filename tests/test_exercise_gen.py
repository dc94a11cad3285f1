"""Tests of the exercise generator: stubbing, malformed markers, determinism, staleness, hand edits."""

from __future__ import annotations

import os
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
    ### BEGIN SOLUTION: Task 1 - return twice x
    y = 2 * x
    return y
    ### END SOLUTION'''


def make_solution(cells: list) -> nbformat.NotebookNode:
    nb = new_notebook(
        cells=cells,
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    for index, cell in enumerate(nb.cells):  # stable ids, like a committed notebook
        cell["id"] = f"cell-{index}"
    return nb


def good_solution() -> nbformat.NotebookNode:
    return make_solution(
        [
            new_markdown_cell("# Toy exercise\nImplement `double`."),
            new_code_cell("import math\nprint(round(math.pi, 3))"),
            new_code_cell(SOLUTION_CELL),
            new_code_cell("assert double(21) == 42\nprint('ok')"),
            new_markdown_cell("Discussion of the answer.", metadata={"tags": ["solution-only"]}),
            new_code_cell("print('independent', 1 + 1)"),
        ]
    )


def write_solution(directory: Path, nb: nbformat.NotebookNode, name: str = "ex00_toy.ipynb") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    nbformat.write(nb, path)
    return path


# ----------------------------------------------------------------------------------------------
# Pure stubbing (no kernel)
# ----------------------------------------------------------------------------------------------
def test_stub_keeps_indentation_and_message():
    source, regions = gen.stub_source(SOLUTION_CELL, "x.ipynb, cell 2")
    assert regions == 1
    assert source.splitlines() == [
        "def double(x):",
        '    """Return 2 x."""',
        "    raise NotImplementedError('Task 1 - return twice x')",
    ]
    compile(source, "<stub>", "exec")  # the stub is valid Python


def test_stub_without_message_uses_default_and_several_regions():
    source = "### BEGIN SOLUTION\na = 1\n### END SOLUTION\nb = 2\n  ### BEGIN SOLUTION\n  c = 3\n  ### END SOLUTION"
    stubbed, regions = gen.stub_source(source, "x")
    assert regions == 2
    assert stubbed.splitlines() == [
        f"raise NotImplementedError({gen.DEFAULT_MESSAGE!r})",
        "b = 2",
        f"  raise NotImplementedError({gen.DEFAULT_MESSAGE!r})",
    ]


def test_message_with_quotes_is_escaped():
    stubbed, _ = gen.stub_source("### BEGIN SOLUTION: use 'np.sign' and \"abs\"\nx=1\n### END SOLUTION", "x")
    namespace: dict = {}
    with pytest.raises(NotImplementedError, match="use 'np.sign' and \"abs\""):
        exec(compile(stubbed, "<stub>", "exec"), namespace)


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("### BEGIN SOLUTION\nx = 1", "BEGIN SOLUTION' without '### END SOLUTION'"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "nested"),
        ("x = 1\n### END SOLUTION", "without a '### BEGIN SOLUTION'"),
        ("### BEGIN SOLUTION implement it\nx=1\n### END SOLUTION", "must start with ':'"),
        ("### BEGIN SOLUTION\nx=1\n### END SOLUTION now", "after '### END SOLUTION'"),
        ("x = 1  ### BEGIN SOLUTION\n### END SOLUTION", "malformed solution marker"),
    ],
)
def test_malformed_markers_name_notebook_cell_and_line(source, fragment):
    with pytest.raises(gen.ExerciseGenError) as info:
        gen.stub_source(source, "nb.ipynb, cell 7")
    assert "nb.ipynb, cell 7" in str(info.value)
    assert fragment in str(info.value)


def test_marker_in_markdown_cell_is_an_error():
    nb = make_solution([new_markdown_cell("Text\n### BEGIN SOLUTION\n"), new_code_cell(SOLUTION_CELL)])
    with pytest.raises(gen.ExerciseGenError, match=r"sol\.ipynb, cell 0: solution marker in a markdown cell"):
        gen.build_exercise(nb, "sol.ipynb")


def test_notebook_without_regions_is_an_error():
    with pytest.raises(gen.ExerciseGenError, match="no '### BEGIN SOLUTION' region"):
        gen.build_exercise(make_solution([new_code_cell("x = 1")]), "sol.ipynb")


def test_build_exercise_drops_solution_only_and_copies_the_rest():
    solution = good_solution()
    exercise, stubs = gen.build_exercise(solution, "sol.ipynb")
    assert [c["id"] for c in exercise.cells] == ["cell-0", "cell-1", "cell-2", "cell-3", "cell-5"]
    assert stubs == [2]
    for kept in (0, 1, 3):
        assert exercise.cells[kept].source == solution.cells[kept].source
    assert "NotImplementedError('Task 1 - return twice x')" in exercise.cells[2].source
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
    assert len(sources) == 5  # solution-only cell dropped
    stub, check, independent = nb.cells[2], nb.cells[3], nb.cells[4]
    assert "raise NotImplementedError" in stub.source
    assert "raises-exception" in stub.metadata["tags"]
    assert "raises-exception" in check.metadata["tags"]
    (error,) = check.outputs
    assert (error.output_type, error.ename, error.evalue) == (
        "error",
        "NotImplementedError",
        "Task 1 - return twice x",
    )
    assert error.traceback == ["NotImplementedError: Task 1 - return twice x"]
    assert nb.cells[1].outputs[0].text == "3.142\n"
    assert independent.outputs[0].text == "independent 2\n"
    assert "tags" not in independent.metadata
    assert all("execution" not in c.metadata for c in nb.cells)
    meta = nb.metadata["exercise_gen"]
    assert meta["source"] == "ex00_toy.ipynb"
    assert meta["source_sha256"] == gen.source_hash(good_solution())
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
    # Named by the solution cell the author edits (cell 5), then the exercise's own index.
    assert "ex00_toy.ipynb, cell 5 (exercise cell 4): the exercise raised NameError" in err
    assert list(exs.iterdir()) == []


def test_help_documents_the_markers():
    result = subprocess.run(
        [sys.executable, "-m", "tutorial_utils.exercise_gen", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "BEGIN SOLUTION" in result.stdout and "--check" in result.stdout


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
