"""The editions of the notebooks (tools/editions.py): the student's and the nbgrader assignment.

Fast checks run on every notebook; executing the student edition of 00 is `slow`; executing the student edition of
every notebook (`make test-student`) and nbgrader's own round trip (`make test-assignment`) are `editions`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools import editions
from tools.editions import assignment_edition, exercise_pairs, solution_id, student_edition, tags

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
VERDICT = re.compile(r"^(⏳|✗|✓) (\d\d-[a-z0-9-]+): (.*)$", re.M)


def _read(path: Path):
    return nbformat.read(str(path), as_version=4)


def _exercise_ids(nb) -> list[str]:
    return [solution_id(nb.cells[s]) for _, s in exercise_pairs(nb)]


def _tiny_notebook():
    """An exercise, its solution, a markdown answers cell and an ordinary cell."""
    code, markdown = nbformat.v4.new_code_cell, nbformat.v4.new_markdown_cell
    nb = nbformat.v4.new_notebook()
    nb.cells = [markdown("# Title"), code("x = 2"),
                code('y, z = None, None  # your answer\nw = ...\ncheck("00-tiny")', metadata={"tags": ["exercise"]}),
                code("%%solution 00-tiny\ny, z = x, 3\nw = 1\ny", metadata={"tags": ["solution"]}),
                markdown("**Answers** 1. yes", metadata={"tags": ["solution"]}), code("print(x)")]
    return nb


def test_student_edition_drops_solution_cells_and_nothing_else():
    nb = _tiny_notebook()
    student = student_edition(nb)
    assert [c.source for c in student.cells] == [nb.cells[i].source for i in (0, 1, 2, 5)]
    assert [c.metadata for c in student.cells] == [nb.cells[i].metadata for i in (0, 1, 2, 5)]
    assert len(nb.cells) == 6  # the instructor's notebook is untouched


def test_assignment_edition_makes_answer_and_test_cells():
    nb = assignment_edition(_tiny_notebook())
    answer, test = nb.cells[2], nb.cells[3]
    assert answer.source == '### BEGIN SOLUTION\ny, z = x, 3\nw = 1\ny\n### END SOLUTION\ncheck("00-tiny")'
    assert answer.metadata.nbgrader == {"grade": False, "solution": True, "locked": False, "task": False,
                                        "grade_id": "00-tiny", "schema_version": 3}
    assert test.source == 'check("00-tiny", strict=True)'
    assert test.metadata.nbgrader == {"grade": True, "solution": False, "locked": True, "points": 1,
                                      "task": False, "grade_id": "00-tiny-test", "schema_version": 3}
    others = [c for c in nb.cells if c not in (answer, test)]
    assert len(nb.cells) == 5 and all(c.metadata.nbgrader["locked"] and not c.metadata.nbgrader["grade"]
                                      for c in others)
    assert len({c.metadata.nbgrader["grade_id"] for c in nb.cells}) == 5


def test_assignment_needs_a_placeholder_and_a_solution():
    nb = _tiny_notebook()
    nb.cells[2].source = 'check("00-tiny")'
    with pytest.raises(ValueError, match="no placeholder"):
        assignment_edition(nb)
    del nb.cells[3]
    with pytest.raises(ValueError, match="no %%solution cell"):
        exercise_pairs(nb)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_edition_of_every_notebook(path):
    """No solution cell, no %%solution, no output; every exercise cell keeps its check("ID") call."""
    nb = _read(path)
    student = student_edition(nb)
    assert not any("solution" in tags(c) for c in student.cells)
    assert not any(re.search(r"^\s*%%solution", c.source, re.M) for c in student.cells if c.cell_type == "code")
    assert not any(c.get("outputs") or c.get("execution_count") for c in student.cells if c.cell_type == "code")
    exercises = [c for c in student.cells if "exercise" in tags(c)]
    ids = _exercise_ids(nb)
    assert exercises and len(exercises) == len(ids)
    for cell, exercise_id in zip(exercises, ids, strict=True):
        assert f'check("{exercise_id}")' in cell.source, cell.source


def test_make_student_writes_the_edition(tmp_path):
    written = editions.write_student(tmp_path, ["00_start_here.ipynb"])
    assert written == [tmp_path / "00_start_here.ipynb"]
    assert _read(written[0]).cells == student_edition(_read(ROOT / "notebooks" / "00_start_here.ipynb")).cells


def run_student_edition(path: Path) -> None:
    """Execute the student edition of ``path``: no error, and each exercise says only "not answered yet"."""
    from nbclient import NotebookClient

    instructor = _read(path)
    nb = student_edition(instructor)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()  # raises on an error
    verdicts = [(m.group(1), m.group(2)) for c in nb.cells if c.cell_type == "code" for out in c.outputs
                if out.output_type == "stream" for m in VERDICT.finditer(out.text)]
    ids = _exercise_ids(instructor)
    assert verdicts == [("⏳", i) for i in ids], verdicts
    # an exercise cell's stdout may arrive in several stream outputs (a print, then the check after some work)
    texts = ["".join(out.get("text", "") for out in c.outputs if out.output_type == "stream")
             for c in nb.cells if "exercise" in tags(c)]
    assert all("not answered yet" in t for t in texts) and len(texts) >= len(ids), texts


@pytest.mark.slow
def test_student_edition_of_00_runs_and_reports_not_answered_yet():
    run_student_edition(ROOT / "notebooks" / "00_start_here.ipynb")


@pytest.mark.editions
@pytest.mark.student
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_edition_runs_and_reports_not_answered_yet(path):
    run_student_edition(path)


def _nbgrader(course: Path, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                          text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _submit(course: Path, student: str, assignment: str, notebook: Path) -> None:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    shutil.copy(notebook, folder / notebook.name)


@pytest.mark.editions
@pytest.mark.nbgrader
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_nbgrader_round_trip(tmp_path, monkeypatch, path):
    """nbgrader generates the release; the instructor's answers get full marks, the untouched release zero."""
    from nbgrader.api import Gradebook

    # nbgrader runs the `alembic` command of its environment (the venv's bin, not always on PATH)
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    name = path.stem
    editions.write_assignment(tmp_path, [path.name])
    _nbgrader(tmp_path, "generate_assignment", name, "--force")
    release = tmp_path / "release" / name / path.name
    assert "### BEGIN SOLUTION" not in release.read_text()
    _submit(tmp_path, "instructor", name, tmp_path / "source" / name / path.name)
    _submit(tmp_path, "untouched", name, release)
    _nbgrader(tmp_path, "autograde", name, "--force")
    n_exercises = len(_exercise_ids(_read(path)))
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        assert gradebook.find_assignment(name).max_score == n_exercises > 0
        assert gradebook.find_submission(name, "instructor").score == n_exercises
        assert gradebook.find_submission(name, "untouched").score == 0
