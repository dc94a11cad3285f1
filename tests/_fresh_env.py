"""A fresh Python environment that has some packages but not ``tutorial_utils``: what Colab or a
new JupyterHub image offers a student.

Installing numpy, torch, matplotlib and ipykernel from a registry would take minutes and the
network. Instead the new venv sees exactly the *installed distributions* of those packages and of
everything they require, taken from this project's environment through a site directory of
symbolic links (``site.addsitedir``, so their ``.pth`` hooks run). ``tutorial_utils`` is not among
them, nor anything else of the project's environment, and ``pip install`` in the new venv writes
into the venv itself, as it would on Colab.
"""

from __future__ import annotations

import importlib.metadata as metadata
import json
import os
import subprocess
import sys
import venv
from collections.abc import Iterable
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

#: What every student platform we support has before the setup cell runs.
STUDENT_PLATFORM = ("numpy", "torch", "matplotlib", "ipykernel")
#: Also present on Colab and in every venv-made image; needed to build a package from a source
#: folder without downloading a build backend.
BUILD_TOOLS = ("pip", "setuptools", "wheel")


def closure(names: Iterable[str]) -> list[metadata.Distribution]:
    """The installed distributions ``names`` and, recursively, everything they require.

    Only requirements whose environment markers hold here (without extras) are followed.
    """
    seen: dict[str, metadata.Distribution] = {}
    todo = [canonicalize_name(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        dist = metadata.distribution(name)
        seen[name] = dist
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return sorted(seen.values(), key=lambda d: canonicalize_name(d.metadata["Name"]))


def _top_level_entries(dist: metadata.Distribution) -> set[str]:
    """Names directly under site-packages that belong to ``dist`` (packages, modules, dist-info)."""
    entries = set()
    for file in dist.files or []:
        parts = Path(str(file)).parts
        if parts and parts[0] not in ("..", "__pycache__") and not parts[0].startswith("/"):
            entries.add(parts[0])
    return entries


def make(root: Path, packages: Iterable[str] = STUDENT_PLATFORM + BUILD_TOOLS) -> Path:
    """Create the environment under ``root``; return its Python interpreter.

    Parameters
    ----------
    root : pathlib.Path
        Empty folder: the venv is ``root/env``, the shared site directory ``root/site``.
    packages : iterable of str
        Distributions the environment starts with (plus their requirements).
    """
    site_packages = Path(metadata.distribution("numpy").locate_file(""))
    shared = root / "site"
    shared.mkdir(parents=True)
    for dist in closure(packages):
        if canonicalize_name(dist.metadata["Name"]) == "tutorial-utils":
            raise AssertionError("tutorial_utils must not be in the fresh environment")
        for entry in _top_level_entries(dist):
            source = site_packages / entry
            if source.exists() and not (shared / entry).exists():
                (shared / entry).symlink_to(source)
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root / "env")
    python = root / "env" / "bin" / "python"
    own = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(own) / "zz_student_platform.pth").write_text(
        f"import site; site.addsitedir({str(shared)!r})\n", encoding="utf-8"
    )
    return python


def kernelspec(root: Path, python: Path, name: str = "fresh") -> Path:
    """Write a Jupyter kernelspec that runs ``python``; return the folder to put on JUPYTER_PATH."""
    folder = root / "jupyter"
    spec = folder / "kernels" / name
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": f"Python 3 ({name})",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    return folder


def offline_pip_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """Environment variables under which pip needs no network and ignores this machine's config."""
    env = dict(os.environ if env is None else env)
    env.update(
        {
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_INDEX": "1",
            # pip's spelling for "build in this environment, with its setuptools, no download".
            "PIP_NO_BUILD_ISOLATION": "0",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
    )
    for var in ("PYTHONPATH", "VIRTUAL_ENV", "PIP_CONSTRAINT", "PIP_FIND_LINKS"):
        env.pop(var, None)
    return env


def where(python: Path, module: str) -> str | None:
    """The file ``module`` is imported from by ``python`` (run outside any project folder)."""
    result = subprocess.run(
        [python, "-c", f"import {module}; print({module}.__file__)"],
        capture_output=True,
        text=True,
        cwd="/",
        env=offline_pip_env(),
    )
    return result.stdout.strip() if result.returncode == 0 else None


if __name__ == "__main__":  # pragma: no cover - a manual check
    print([d.metadata["Name"] for d in closure(sys.argv[1:] or STUDENT_PLATFORM)])
