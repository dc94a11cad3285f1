"""Every exercise and solution notebook runs top to bottom where a student runs it: a fresh Python
that has numpy, torch, matplotlib and ipykernel but not ``tutorial_utils`` (Colab, a new JupyterHub
image). The notebooks' setup cell must install the package itself; here it installs from
``TUTORIAL_UTILS_SOURCE`` = a clean copy of this checkout (the default, a ``git+https`` URL, needs
the network). The working directory is a temporary folder, not the repository, as on Colab.
Exercises may fail only in cells tagged ``raises-exception`` (the unanswered stubs and checks).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import _book_server as book
import _fresh_env as fresh

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

NOTEBOOKS = sorted(
    str(p.relative_to(book.REPO_ROOT))
    for folder in ("exercises", "solutions")
    for p in (book.REPO_ROOT / folder).glob("*.ipynb")
)


def clean_copy(dest: Path) -> Path:
    """The files git tracks (and untracked, not ignored ones), without build output or venv."""
    files = (
        subprocess.run(
            ["git", "ls-files", "-z", "-co", "--exclude-standard"],
            cwd=book.REPO_ROOT,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        source = book.REPO_ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


@pytest.fixture(scope="module")
def student_kernel(tmp_path_factory: pytest.TempPathFactory):
    """(kernel name, interpreter, working folder) of a fresh environment; sets the env vars."""
    root = tmp_path_factory.mktemp("fresh")
    python = fresh.make(root)
    assert fresh.where(python, "tutorial_utils") is None, "the fresh env must not have the package"
    jupyter_path = fresh.kernelspec(root, python)
    source = clean_copy(root / "checkout")
    saved = dict(os.environ)
    os.environ.update(fresh.offline_pip_env())
    os.environ["TUTORIAL_UTILS_SOURCE"] = str(source)
    os.environ["JUPYTER_PATH"] = str(jupyter_path)
    for var in ("PYTHONPATH", "PIP_CONSTRAINT", "PIP_FIND_LINKS"):
        os.environ.pop(var, None)
    work = root / "work"
    work.mkdir()
    try:
        yield "fresh", python, work
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _run(notebook: str, kernel: str, work: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(book.REPO_ROOT / notebook, as_version=4)
    shutil.copy2(book.REPO_ROOT / notebook, work / Path(notebook).name)
    client = NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=600,
        allow_errors=False,
        resources={"metadata": {"path": str(work)}},
    )
    client.execute()
    return nb


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_runs_in_a_fresh_environment(student_kernel, notebook: str) -> None:
    kernel, python, work = student_kernel
    nb = _run(notebook, kernel, work)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    assert "TUTORIAL_UTILS_SOURCE" in setup.source, (
        f"{notebook}: first code cell is not the setup cell"
    )
    errors = [
        c.source.splitlines()[0] if c.source else "(empty)"
        for c in nb.cells
        if c.cell_type == "code"
        and any(o.get("output_type") == "error" for o in c.get("outputs", []))
        and "raises-exception" not in c.metadata.get("tags", [])
    ]
    assert not errors, f"{notebook}: cells failed outside raises-exception: {errors}"


def test_setup_cell_installed_the_package_without_replacing_torch(student_kernel) -> None:
    """After the notebooks ran (tests above): the package lives in the fresh env, and pip installed
    nothing over the platform's torch, numpy or matplotlib (Colab's torch is a CUDA build)."""
    _, python, _ = student_kernel
    installed = fresh.where(python, "tutorial_utils")
    assert installed and str(python.parents[1]) in installed, installed
    torch_file = fresh.where(python, "torch")
    assert torch_file and "/site/torch/" in torch_file, f"torch was replaced: {torch_file}"
    listing = subprocess.run(
        [
            python,
            "-m",
            "pip",
            "list",
            "--format",
            "json",
            "--path",
            subprocess.run(
                [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip(),
        ],
        capture_output=True,
        text=True,
        check=True,
        env=fresh.offline_pip_env(),
    )
    names = {p["name"].lower() for p in json.loads(listing.stdout)}
    assert names & {"tutorial_utils", "tutorial-utils"}, names
    assert not names & {"torch", "numpy", "matplotlib"}, f"pip installed over the platform: {names}"
