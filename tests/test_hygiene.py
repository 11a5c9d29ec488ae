"""Notebook hygiene: conventions of DESIGN.md, checked on every notebook and proven on bad fixtures."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest

from tests.notebook_rules import notebook_problems
from tools import nbtool

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FIXTURE = ROOT / "tests" / "fixtures" / "bad_outputs.ipynb"


def test_there_are_notebooks():
    assert (ROOT / "notebooks" / "00_start_here.ipynb") in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_conventions(path):
    assert notebook_problems(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_carries_current_stamp(path):
    """Badges and Colab bootstrap match [tool.course] in pyproject.toml (run `make stamp` after changing it)."""
    nb = nbformat.read(str(path), as_version=4)
    restamped = nbtool.stamp(copy.deepcopy(nb), path.name)
    assert [c.source for c in restamped.cells] == [c.source for c in nb.cells]


def test_course_map_lists_every_notebook():
    from helpers.course import COURSE_MAP

    listed = {ch.notebook for ch in COURSE_MAP}
    assert {p.name for p in NOTEBOOKS} <= listed


def test_readme_course_map_lists_every_notebook():
    from helpers.course import course_table_markdown

    assert course_table_markdown(link_prefix="notebooks/") in (ROOT / "README.md").read_text()


def test_hygiene_catches_stored_outputs():
    """The committed fixture is a notebook with outputs: the check must report it."""
    problems = notebook_problems(FIXTURE)
    assert any("stored outputs" in p for p in problems), problems


def _good_notebook_copy(tmp_path, edit) -> Path:
    nb = nbformat.read(str(ROOT / "notebooks" / "00_start_here.ipynb"), as_version=4)
    edit(nb)
    out = tmp_path / "edited.ipynb"
    nbformat.write(nb, str(out))
    return out


@pytest.mark.parametrize("edit, expected", [
    (lambda nb: nb.cells[0].update(source="Just text"), "title"),
    (lambda nb: nb.cells[0].update(source=nb.cells[0].source.replace("mybinder.org/v2/gh/", "x/")),
     "Binder badge"),
    (lambda nb: nb.cells[2].metadata.pop("slideshow"), "slide_type"),
    (lambda nb: nb.cells[2].metadata.update(tags=["mystery"]), "unknown tags"),
    (lambda nb: nb.metadata["kernelspec"].update(name="julia"), "kernelspec"),
    (lambda nb: nb.cells[0].metadata["slideshow"].update(slide_type="-"), "title"),
    (lambda nb: nb.cells.append(nbformat.v4.new_markdown_cell("## New section", metadata={
        "slideshow": {"slide_type": "fragment"}})), "starts a section"),
    (lambda nb: nb.cells.append(nbformat.v4.new_code_cell("x", metadata={"tags": ["exercise"],
                                                                          "slideshow": {"slide_type": "-"}})),
     "no solution"),
])
def test_hygiene_catches_each_broken_rule(tmp_path, edit, expected):
    assert notebook_problems(ROOT / "notebooks" / "00_start_here.ipynb") == []
    problems = notebook_problems(_good_notebook_copy(tmp_path, edit))
    assert any(expected in p for p in problems), problems


def test_percent_round_trip():
    nb = nbformat.read(str(ROOT / "notebooks" / "00_start_here.ipynb"), as_version=4)
    again = nbtool.from_percent(nbtool.to_percent(nb))
    assert [(c.cell_type, c.source, c.metadata.get("tags")) for c in again.cells] == \
           [(c.cell_type, c.source, c.metadata.get("tags")) for c in nb.cells]
