"""Notebook hygiene: conventions of DESIGN.md, checked on every notebook and proven on bad fixtures."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import jupytext
import nbformat
import pytest

from tools import nbcheck, nbtool
from tools.nbcheck import notebook_problems

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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_matches_its_paired_script(path):
    """notebooks/NN.ipynb and notebooks_py/NN.py hold the same cells; if not, run `make sync`."""
    assert nbcheck.sync_problems(path) == []


def test_percent_script_keeps_every_cell_metadata():
    """Slide types, tags and collapsed solutions survive ipynb -> percent script -> ipynb exactly."""
    nb = nbformat.read(str(ROOT / "notebooks" / "00_start_here.ipynb"), as_version=4)
    again = jupytext.reads(jupytext.writes(nb, fmt="py:percent"), fmt="py:percent")
    assert [(c.cell_type, c.source, c.metadata) for c in again.cells] == \
           [(c.cell_type, c.source, c.metadata) for c in nb.cells]
    hidden = [c for c in again.cells if c.metadata.get("jupyter", {}).get("source_hidden")]
    assert hidden and all("solution" in c.metadata["tags"] for c in hidden)


@pytest.fixture
def paired_copy(tmp_path):
    """A copy of 00_start_here, its script and the pairing config (pyproject.toml) under tmp_path."""
    script = nbcheck.paired_script(ROOT / "notebooks" / "00_start_here.ipynb")
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / script.parent.name).mkdir()
    shutil.copy(ROOT / "notebooks" / "00_start_here.ipynb", tmp_path / "notebooks")
    shutil.copy(script, tmp_path / script.parent.name)
    return tmp_path / "notebooks" / "00_start_here.ipynb", tmp_path / script.parent.name / script.name


def test_sync_check_catches_an_edit_on_either_side(paired_copy):
    notebook, script = paired_copy
    assert nbcheck.sync_problems(notebook) == []
    script.write_text(script.read_text().replace("## What this is", "## What this was"))
    assert any("cell 2 differs" in p and "make sync" in p for p in nbcheck.sync_problems(notebook))
    nb = nbformat.read(str(notebook), as_version=4)
    nb.cells[2].metadata["slideshow"]["slide_type"] = "fragment"  # metadata only: still out of sync
    script.write_text(jupytext.writes(nbformat.read(str(ROOT / "notebooks" / "00_start_here.ipynb"), as_version=4),
                                      fmt="py:percent"))
    nbformat.write(nb, str(notebook))
    assert any("cell 2 differs" in p for p in nbcheck.sync_problems(notebook))
    script.unlink()
    assert any("no paired script" in p for p in nbcheck.sync_problems(notebook))


def test_stamp_reaches_the_paired_script(paired_copy):
    """`make stamp` with another ref writes the new badges into the notebook and its script alike."""
    notebook, script = paired_copy
    settings = {**nbtool.course_settings(), "ref": "v2"}
    nbtool.stamp_file(notebook, settings)
    nbtool.sync([notebook])
    assert "/blob/v2/notebooks/00_start_here.ipynb" in script.read_text()
    assert nbcheck.sync_problems(notebook) == []


def test_nbcheck_command_reports_problems(tmp_path, capsys):
    assert nbcheck.main([str(ROOT / "notebooks" / "00_start_here.ipynb")]) == 0
    assert nbcheck.main([str(FIXTURE)]) == 1
    assert "bad_outputs.ipynb: cell" in capsys.readouterr().out


def test_nbtool_only_stamps(capsys):
    """The home-made text format is gone (jupytext pairs the notebooks); nbtool answers only `stamp`."""
    assert nbtool.main(["topy", "notebooks/00_start_here.ipynb"]) == 2
    assert "tools/nbtool.py stamp" in capsys.readouterr().err
