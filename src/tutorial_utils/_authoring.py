"""``tutorial-make-exercises``: the exercise generator, naming its extra when that is missing.

The generator (:func:`tutorial_utils.exercise_gen.main`) reads and executes notebooks with
nbformat and nbclient, which a plain ``pip install tutorial_utils`` does not bring; the console
script is installed anyway, so it imports the generator only when run.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

#: The optional dependencies the generator needs (the ``authoring`` extra in pyproject.toml).
AUTHORING_MODULES = ("nbformat", "nbclient", "ipykernel")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``tutorial_utils.exercise_gen:main``, or exit with a message naming the extra."""
    try:
        from tutorial_utils.exercise_gen import main as generate
    except ModuleNotFoundError as error:
        if error.name not in AUTHORING_MODULES:
            raise
        sys.exit(
            f"tutorial-make-exercises needs {error.name!r}, which a plain install of "
            "tutorial_utils does not include; install the authoring extra: "
            "pip install 'tutorial_utils[authoring]'"
        )
    return generate(argv)
