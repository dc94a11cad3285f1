"""`make` refuses, with a message and no traceback, to run without a usable Python 3.10+."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _check_python(python: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", "check-python", f"PYTHON={python}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_python_is_named(tmp_path):
    result = _check_python(str(tmp_path / "no-such-python3"))
    assert result.returncode != 0
    assert "was not found" in result.stderr and "Python 3.10 or newer" in result.stderr
    assert "Traceback" not in result.stderr


def test_old_python_is_refused_with_its_version(tmp_path):
    fake = tmp_path / "python3.8"
    # Answers -V like Python 3.8 and fails the version check like it would.
    fake.write_text(
        '#!/bin/sh\nif [ "$1" = "-V" ]; then echo "Python 3.8.10"; exit 0; fi\nexit 1\n'
    )
    fake.chmod(0o755)
    result = _check_python(str(fake))
    assert result.returncode != 0
    assert "Python 3.8.10" in result.stderr and "3.10 or newer" in result.stderr
    assert "Traceback" not in result.stderr


def test_current_python_passes():
    import sys

    result = _check_python(sys.executable)
    assert result.returncode == 0, result.stderr
