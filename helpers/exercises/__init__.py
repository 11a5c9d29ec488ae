"""Self-checking exercises: ``check`` judges the student's answer, ``%%solution`` runs a solution apart.

A notebook's setup cell runs ``from helpers.exercises import check``; an exercise cell sets the answer variable
and calls ``check("NN-name")``, which prints one line ("not answered yet", a hint, or "correct") and returns a
``Verdict``. Checkers live in ``helpers/exercises/nbNN.py`` (imported on first use of an "NN-..." id), registered
with ``@exercise("NN-name")`` and built from the hint builders here. Importing this package inside IPython
registers the ``%%solution ID`` cell magic; outside IPython it does nothing more. The contract is the README's
section "Exercises and editions".
"""

import sys

from ._core import (
    STATUSES,
    Correct,
    Hint,
    UnknownExercise,
    Verdict,
    check,
    correct,
    exercise,
    get_checker,
    hint,
    notebook_ids,
)
from ._hints import array, boolean, integer, number, one_of
from ._magic import NamespaceChanged, run_solution

__all__ = ["STATUSES", "Correct", "Hint", "NamespaceChanged", "UnknownExercise", "Verdict", "array", "boolean",
           "check", "correct", "exercise", "get_checker", "hint", "integer", "notebook_ids", "number", "one_of",
           "run_solution"]


def load_ipython_extension(shell) -> None:
    """``%load_ext helpers.exercises``: register %%solution by hand (importing the package does it already)."""
    from ._magic import register

    register(shell)


def _register_magic() -> None:
    """Register %%solution in the running IPython shell, if any (IPython is never imported here)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None:
        load_ipython_extension(shell)


_register_magic()
