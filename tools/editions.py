"""The course's editions of the notebooks: the instructor's (notebooks/), the student's, and an nbgrader assignment.

Usage (from the repository root)::

    python -m tools.editions student      # -> build/student/notebooks/NN_*.ipynb (solution cells removed)
    python -m tools.editions assignment   # -> build/assignment/source/NN_*/NN_*.ipynb + nbgrader_config.py

The student edition is the instructor's notebook without the cells tagged ``solution`` (code and markdown);
nothing else changes. The nbgrader assignment (README, "Exercises and editions") turns each exercise into an
autograded answer cell, whose placeholder line becomes the solution between ``### BEGIN SOLUTION`` and
``### END SOLUTION``, followed by an autograded test cell ``check("ID", strict=True)`` worth one point; every other
cell is read-only. Each notebook is its own assignment, named after the notebook.
"""

from __future__ import annotations

import copy
import re
import shutil
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "build"
SOLUTION_MAGIC = re.compile(r"^%%solution[ \t]+(\S+)[ \t]*$")
PLACEHOLDER = re.compile(r"^\s*[A-Za-z_]\w*(\s*,\s*[A-Za-z_]\w*)*\s*=\s*(None|\.\.\.)(\s*,\s*(None|\.\.\.))*\s*(#.*)?$")
NBGRADER_CONFIG = '''"""nbgrader settings of the course's assignments (written by tools/editions.py)."""
c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.root = "."
c.CourseDirectory.course_id = "medical-imaging-companion"
# A released answer cell keeps running: "# YOUR CODE HERE" without `raise NotImplementedError()`, so that
# Run All reaches the end and each check() says "not answered yet".
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}
c.ExecutePreprocessor.timeout = 300
'''


def tags(cell) -> list[str]:
    """The cell's tags (empty list when it has none)."""
    return cell.metadata.get("tags", [])


def solution_id(cell) -> str | None:
    """The ID of a ``%%solution ID`` code cell, else None."""
    if cell.cell_type != "code":
        return None
    match = SOLUTION_MAGIC.match(cell.source.split("\n", 1)[0])
    return match.group(1) if match else None


def solution_body(cell) -> str:
    """The code of a ``%%solution`` cell without its magic line."""
    return cell.source.split("\n", 1)[1] if "\n" in cell.source else ""


def exercise_pairs(nb) -> list[tuple[int, int]]:
    """(exercise cell index, its solution code cell index) for every exercise, in order.

    Raises ValueError when an exercise cell is not followed by its ``%%solution`` cell before the next exercise.
    """
    pairs, open_exercise = [], None
    for i, cell in enumerate(nb.cells):
        if "exercise" in tags(cell):
            if open_exercise is not None:
                raise ValueError(f"exercise in cell {open_exercise} has no %%solution cell before the next one")
            open_exercise = i
        elif open_exercise is not None and solution_id(cell) is not None:
            pairs.append((open_exercise, i))
            open_exercise = None
    if open_exercise is not None:
        raise ValueError(f"exercise in cell {open_exercise} has no %%solution cell")
    return pairs


def student_edition(nb):
    """A copy of ``nb`` without its solution cells (code and markdown) and without outputs."""
    student = copy.deepcopy(nb)
    student.cells = [c for c in student.cells if "solution" not in tags(c)]
    for cell in student.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return student


def _nbgrader(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: int | None = None) -> dict:
    meta = {"grade": grade, "solution": solution, "locked": locked, "task": False, "grade_id": grade_id,
            "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return meta


def answer_source(exercise_source: str, body: str, where: str) -> str:
    """The exercise's code with its placeholder line(s) replaced by the solution ``body`` between nbgrader's marks."""
    lines = exercise_source.split("\n")
    placeholders = [i for i, line in enumerate(lines) if PLACEHOLDER.match(line)]
    if not placeholders:
        raise ValueError(f"{where}: no placeholder line (`answer = None`) to replace by the solution")
    region = ["### BEGIN SOLUTION", *body.rstrip("\n").split("\n"), "### END SOLUTION"]
    kept = [line for i, line in enumerate(lines) if i not in placeholders[1:]]
    first = placeholders[0]
    return "\n".join(kept[:first] + region + kept[first + 1:])


def assignment_edition(nb, name: str = "notebook"):
    """A copy of ``nb`` as an nbgrader source notebook (see the module docstring)."""
    try:
        pairs = dict(exercise_pairs(nb))
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
    solutions = set(pairs.values())
    out = copy.deepcopy(nb)
    cells = []
    for i, cell in enumerate(nb.cells):
        if i in solutions or "solution" in tags(cell):
            continue  # the solution lives in the answer cell; the markdown answers stay with the instructor
        cell = copy.deepcopy(cell)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if i in pairs:
            exercise_id = solution_id(nb.cells[pairs[i]])
            cell.source = answer_source(cell.source, solution_body(nb.cells[pairs[i]]), f"{name} cell {i}")
            cell.metadata["nbgrader"] = _nbgrader(exercise_id, grade=False, solution=True, locked=False)
            test = nbformat.v4.new_code_cell(
                f'check("{exercise_id}", strict=True)',
                metadata={"nbgrader": _nbgrader(f"{exercise_id}-test", grade=True, solution=False, locked=True,
                                                points=1),
                          "slideshow": {"slide_type": "skip"}, "tags": ["check"]})
            cells += [cell, test]
        else:
            cell.metadata["nbgrader"] = _nbgrader(f"cell-{i:03d}", grade=False, solution=False, locked=True)
            cells.append(cell)
    out.cells = cells
    return out


def _notebooks(selected: list[str] | None) -> list[Path]:
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    return [p for p in paths if not selected or p.name in selected or p.stem in selected]


def write_student(out: Path = BUILD / "student" / "notebooks", selected: list[str] | None = None) -> list[Path]:
    """Write the student edition of every notebook (or of ``selected`` file names) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in _notebooks(selected):
        nbformat.write(student_edition(nbformat.read(str(path), as_version=4)), str(out / path.name))
        written.append(out / path.name)
    return written


def write_assignment(out: Path = BUILD / "assignment", selected: list[str] | None = None) -> list[Path]:
    """Write an nbgrader course folder: ``out/nbgrader_config.py`` and ``out/source/NN_name/NN_name.ipynb``."""
    if (out / "source").exists():
        shutil.rmtree(out / "source")
    out.mkdir(parents=True, exist_ok=True)
    (out / "nbgrader_config.py").write_text(NBGRADER_CONFIG)
    written = []
    for path in _notebooks(selected):
        folder = out / "source" / path.stem
        folder.mkdir(parents=True)
        nb = assignment_edition(nbformat.read(str(path), as_version=4), path.name)
        nbformat.write(nb, str(folder / path.name))
        written.append(folder / path.name)
    return written


def main(argv: list[str]) -> int:
    """Command-line entry point (see the module docstring); extra arguments select notebooks by file name."""
    if not argv or argv[0] not in ("student", "assignment"):
        print(__doc__)
        return 2
    write = write_student if argv[0] == "student" else write_assignment
    written = write(selected=argv[1:] or None)
    print(f"wrote {len(written)} notebook(s) under {written[0].parents[1] if written else BUILD}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
