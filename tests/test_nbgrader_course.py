"""A real nbgrader course built from solutions/: release, autograde three submissions, export.

Every solution notebook becomes one assignment (``source/<name>/<name>.ipynb``).
``nbgrader generate_assignment`` runs with default settings; ``nbgrader autograde`` grades three
students per assignment: the worked solution (full marks), the released notebook untouched
(zero), and the solution with one typical wrong answer (partial credit); ``nbgrader export``
writes the gradebook (nbgrader's own sqlite database) to CSV, and the scores are read from it.
Nothing is mocked: the real command-line tools run in a temporary course directory. A second
test checks that our generated ``exercises/`` and nbgrader's released notebooks have the same
cells and stubs.

The course configuration sets only what a course must name (its id) and a per-cell execution
timeout large enough for a slow CI machine; everything else is nbgrader's default.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tutorial_utils import exercise_gen as gen

pytest.importorskip("nbgrader", reason="nbgrader is not installed (pip install -e '.[classroom]')")

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((REPO / "solutions").glob("*.ipynb"))
NBGRADER = Path(sys.executable).with_name("nbgrader")

#: One typical wrong answer per notebook: (answer cell's grade_id, its new source, the graded
#: cells that must then fail). The cells named fail; every other graded cell keeps its points.
WRONG = {
    "ex01_gradients": (
        "ex01-task4-answer",
        """
def difference_errors(steps):
    x = np.array([1.0])  # a one-sided difference: its best step is near 1e-8, not 1e-5
    return np.array([abs((np.sin(x[0] + h) - np.sin(x[0])) / h - np.cos(1.0)) for h in steps])
""",
        ["ex01-task4-test"],
    ),
    "ex02_vanishing_exploding": (
        "ex02-task3-answer",
        """
def clip_all_layers(layer_grads, max_norm):
    total = math.sqrt(sum(float(np.sum(g * g)) for g in layer_grads))  # per-layer clipping:
    return [g * min(max_norm / (np.linalg.norm(g) + 1e-6), 1.0) for g in layer_grads], total
""",
        ["ex02-task3-test"],
    ),
    "ex03_clipping": (
        "ex03-task2-answer",
        """
def clip_by_norm(grad, max_norm):
    norm = np.sqrt(np.sum(np.square(grad)))
    return grad * min(max_norm / max(norm, 1e-300), 1.0)  # torch's 1e-6 forgotten
""",
        ["ex03-task2-test"],
    ),
    "ex03b_clipping_in_depth": (
        "ex03b-task2-answer",
        """
def per_example_clip(per_example_grads, max_norm, noise_multiplier=0.0, rng=None):
    mean = np.mean(np.asarray(per_example_grads, dtype=np.float64), axis=0)  # clips the MEAN
    clipped = mean * min(1.0, max_norm / (np.linalg.norm(mean) + 1e-6))
    if noise_multiplier > 0:
        noise = rng.normal(0.0, noise_multiplier * max_norm, size=clipped.shape)
        clipped = clipped + noise / len(per_example_grads)
    return clipped
""",
        ["ex03b-task2-test"],
    ),
    "ex04_adam": (
        "ex04-task3-answer",
        """
def uncorrected_ratio():
    corrected = abs(adam_step(np.zeros(1), np.ones(1), np.zeros(1), np.zeros(1), 1)[0][0])
    uncorrected = 1e-3 * 0.1 / (np.sqrt(0.001) + 1e-8)
    return float(corrected / uncorrected)  # the ratio upside down
""",
        ["ex04-task3-test"],
    ),
    "ex05_amsgrad_weight_decay": (
        "ex05-task3-answer",
        """
def decay_only(weight_decay, decoupled):
    theta, m, v = np.ones(1), np.zeros(1), np.zeros(1)
    for t in range(1, 101):  # the flag is not passed on: always AdamW
        theta, m, v = adamw_step(theta, np.zeros(1), m, v, t, lr=1e-3, weight_decay=weight_decay)
    return float(theta[0])
""",
        ["ex05-task3-test"],
    ),
    "ex06_training_loop": (
        "ex06-task5-answer",
        """
def amp_train_step(model, loss_fn, optimizer, scaler, x, y, max_norm):
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)  # before unscale_
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()
""",
        ["ex06-task5-test"],
    ),
    "ex07_misconceptions": (
        "ex07-q4-answer",
        """
predictions["after_backward"] = 1.0  # "clipping happens during backpropagation"
""",
        ["ex07-q4-test"],
    ),
}


def _points(nb: nbformat.NotebookNode) -> dict[str, float]:
    return {
        c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"]["points"])
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }


def _nbgrader(course: Path, *args: str) -> None:
    # nbgrader runs `alembic` (its database migrations) as a program: put this
    # environment's bin/ first on PATH, as an activated environment would.
    path = f"{NBGRADER.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, **gen.KERNEL_ENV, "PATH": path}
    result = subprocess.run(
        [str(NBGRADER), *args], cwd=course, env=env, capture_output=True, text=True, timeout=1800
    )
    assert result.returncode == 0, (
        f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    )


def _submit(course: Path, student: str, name: str, nb: nbformat.NotebookNode) -> None:
    target = course / "submitted" / student / name
    target.mkdir(parents=True)
    nbformat.write(nb, target / f"{name}.ipynb")
    (target / "timestamp.txt").write_text("2026-11-30 12:00:00.000000 UTC")


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """Release every notebook, autograde three students, export the grades to CSV."""
    root = tmp_path_factory.mktemp("course")
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        'c.CourseDirectory.course_id = "gradient-clipping-adam"\n'
        "c.Execute.timeout = 600  # seconds per cell, for a slow CI machine\n"
    )
    for path in SOLUTIONS:
        (root / "source" / path.stem).mkdir(parents=True)
        shutil.copy(path, root / "source" / path.stem / path.name)
    _nbgrader(root, "generate_assignment", "*")  # every assignment, default settings
    for path in SOLUTIONS:
        name = path.stem
        solution = nbformat.read(path, as_version=4)
        released = nbformat.read(root / "release" / name / path.name, as_version=4)
        grade_id, source, _ = WRONG[name]
        wrong = nbformat.read(path, as_version=4)
        (cell,) = [
            c for c in wrong.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
        ]
        cell.source = source.strip("\n")
        _submit(root, "full", name, solution)
        _submit(root, "untouched", name, released)
        _submit(root, "wrong", name, wrong)
    _nbgrader(root, "autograde", "*")
    _nbgrader(root, "export", "--to", str(root / "grades.csv"))
    return root


def _scores(course: Path) -> dict[tuple[str, str], tuple[float, float]]:
    with open(course / "grades.csv", newline="") as handle:
        return {
            (row["assignment"], row["student_id"]): (float(row["score"]), float(row["max_score"]))
            for row in csv.DictReader(handle)
        }


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_three_submissions_get_full_zero_and_partial_marks(course, path):
    scores = _scores(course)
    points = _points(nbformat.read(path, as_version=4))
    total = sum(points.values())
    _, _, failing = WRONG[path.stem]
    expected = {"full": total, "untouched": 0.0, "wrong": total - sum(points[g] for g in failing)}
    got = {student: scores[(path.stem, student)] for student in expected}
    print(f"{path.stem}: " + ", ".join(f"{s} {v[0]:g}/{v[1]:g}" for s, v in got.items()))
    assert {s: v[1] for s, v in got.items()} == dict.fromkeys(expected, total), (
        "expected every submission's max_score to be the sum of the graded cells' points"
    )
    assert {s: v[0] for s, v in got.items()} == expected, (
        f"expected full marks, zero and {expected['wrong']:g} (one wrong answer) of {total:g}"
    )
    assert 0 < expected["wrong"] < total, "the wrong answer must cost some, not all, points"


def _comparable(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(cell type, source) of every cell, without the cells nbgrader empties (task cells)."""
    cells = []
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("task"):
            continue
        source = cell.source
        if not cells:  # the title: ours says "Exercise N", nbgrader keeps the source's word
            source = source.replace("# Solution ", "# Exercise ", 1)
        cells.append((cell.cell_type, source))
    return cells


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_generated_exercises_agree_with_nbgrader_release(course, path):
    released = nbformat.read(course / "release" / path.stem / path.name, as_version=4)
    ours = nbformat.read(REPO / "exercises" / path.name, as_version=4)
    assert _comparable(ours) == _comparable(released)
    task_cells = [c for c in released.cells if c.metadata.get("nbgrader", {}).get("task")]
    assert all("Why" not in c.source for c in task_cells), "an explanation leaked to students"
