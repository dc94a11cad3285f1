"""Packaging facts that are easy to let drift: the torch version the docstrings name, the console
script of a plain install, the torch lower bound."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import tutorial_utils
from tutorial_utils import _authoring

ROOT = Path(__file__).resolve().parents[1]


def test_torch_version_tested_is_the_pinned_torch():
    pin = re.search(r"^torch==(\d+\.\d+)\.", (ROOT / "constraints.txt").read_text(), re.M)
    assert pin is not None and pin.group(1) == tutorial_utils.TORCH_VERSION_TESTED


def test_the_version_is_written_once():
    """Docstrings refer to TORCH_VERSION_TESTED instead of repeating the number."""
    number = tutorial_utils.TORCH_VERSION_TESTED
    for path in (ROOT / "src" / "tutorial_utils").rglob("*.py"):
        if path.name != "__init__.py" or path.parent.name != "tutorial_utils":
            assert f"torch {number}" not in path.read_text(), path


def test_console_script_names_the_extra_when_its_dependencies_are_missing(monkeypatch):
    monkeypatch.delitem(sys.modules, "tutorial_utils.exercise_gen", raising=False)

    def missing(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'nbformat'", name="nbformat")

    monkeypatch.setattr("builtins.__import__", _failing_import(missing))
    with pytest.raises(SystemExit, match=r"pip install 'tutorial_utils\[authoring\]'"):
        _authoring.main(["--help"])


def _failing_import(fail):
    real = __import__

    def fake(name, *args, **kwargs):
        if name == "tutorial_utils.exercise_gen":
            fail()
        return real(name, *args, **kwargs)

    return fake


def test_pyproject_entry_point_and_extras():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["tutorial-make-exercises"] == "tutorial_utils._authoring:main"
    assert {"nbformat", "nbclient"} <= {
        re.split(r"[<>=!]", dep)[0] for dep in project["optional-dependencies"]["authoring"]
    }
    torch_dep = next(d for d in project["dependencies"] if d.startswith("torch"))
    assert torch_dep == "torch>=2.7"  # Adam(decoupled_weight_decay=...), see the comment there
