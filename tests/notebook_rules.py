"""The notebook conventions of DESIGN.md as checks that return the problems they find."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from tools import nbtool

SLIDE_TYPES = set(nbtool.SLIDE_TYPES)
TAGS = set(nbtool.TAGS)


def header_problems(cell) -> list[str]:
    """Problems of the first cell: title, lecture-slide map, learning objectives, badges."""
    if cell.cell_type != "markdown":
        return ["cell 0 must be a markdown header"]
    text = cell.source
    checks = {
        "a '# ' title": re.search(r"^# \S", text, re.M),
        "the lecture slides it covers ('Lecture slides:')": re.search(r"lecture slides", text, re.I),
        "learning objectives": re.search(r"learning objectives", text, re.I),
        "a Colab badge": "colab.research.google.com/github/" in text,
        "a Binder badge": "mybinder.org/v2/gh/" in text,
    }
    return [f"header lacks {what}" for what, ok in checks.items() if not ok]


def cell_problems(nb) -> list[str]:
    """Problems of individual cells: outputs, slide metadata, tags, hidden solutions."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
            problems.append(f"cell {i} has stored outputs or an execution count")
        slide = cell.metadata.get("slideshow", {}).get("slide_type")
        if slide not in SLIDE_TYPES:
            problems.append(f"cell {i} has slide_type {slide!r}, not one of {sorted(SLIDE_TYPES)}")
        unknown = set(cell.metadata.get("tags", [])) - TAGS
        if unknown:
            problems.append(f"cell {i} has unknown tags {sorted(unknown)}; use {sorted(TAGS)}")
        if "solution" in cell.metadata.get("tags", []) and not cell.metadata.get("jupyter", {}).get("source_hidden"):
            problems.append(f"cell {i} is a solution but not collapsed (metadata.jupyter.source_hidden)")
    return problems


def exercise_problems(nb) -> list[str]:
    """Every exercise cell is followed by a solution cell before the next exercise."""
    problems, open_exercise = [], None
    for i, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        if "exercise" in tags:
            if open_exercise is not None:
                problems.append(f"exercise in cell {open_exercise} has no solution cell")
            open_exercise = i
        if "solution" in tags:
            open_exercise = None
    if open_exercise is not None:
        problems.append(f"exercise in cell {open_exercise} has no solution cell")
    return problems


def deck_problems(nb) -> list[str]:
    """The slide deck makes sense: a title slide, and each section heading starts a slide or sub-slide."""
    problems = []
    if nb.cells[0].metadata.get("slideshow", {}).get("slide_type") != "slide":
        problems.append("cell 0 (the title) must be a 'slide'")
    for i, cell in enumerate(nb.cells[1:], start=1):
        starts_section = cell.cell_type == "markdown" and re.match(r"##\s", cell.source)
        slide = cell.metadata.get("slideshow", {}).get("slide_type")
        if starts_section and slide not in ("slide", "subslide"):
            problems.append(f"cell {i} starts a section ('##') but is a {slide!r}, not a slide or subslide")
    return problems


def notebook_problems(path: Path) -> list[str]:
    """All convention problems of one notebook file (empty list = clean)."""
    try:
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # invalid JSON or schema
        return [f"not a valid notebook: {exc}"]
    problems = []
    if nb.metadata.get("kernelspec", {}).get("name") != "python3":
        problems.append("kernelspec is not python3")
    if not nb.cells:
        return problems + ["notebook has no cells"]
    problems += header_problems(nb.cells[0])
    setup = [i for i, c in enumerate(nb.cells) if "setup" in c.metadata.get("tags", [])]
    if setup[:1] != [1] or nb.cells[1].cell_type != "code":
        problems.append("cell 1 must be the code cell tagged 'setup'")
    return problems + cell_problems(nb) + exercise_problems(nb) + deck_problems(nb)
