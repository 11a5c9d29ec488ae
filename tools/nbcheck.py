"""The notebook conventions of DESIGN.md as checks that return the problems they find (``make check-notebooks``).

Usage (from the repository root)::

    python -m tools.nbcheck                                # every notebook in notebooks/
    python -m tools.nbcheck notebooks/01_modalities.ipynb  # some of them

Prints each problem as ``notebook: problem`` and exits with 1 when there is any. tests/test_hygiene.py runs the
same checks. Besides the conventions (header, setup cell, slide types, tags, collapsed solutions, no outputs; for
the course's notebooks NN_*.ipynb also the exercise contract, the end sections and glossary links), each
notebook must be in sync with its paired percent script (``[tool.jupytext]`` in pyproject.toml; ``make sync``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import jupytext
import nbformat
from jupytext.config import find_jupytext_configuration_file, load_jupytext_configuration_file
from jupytext.paired_paths import paired_paths

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
GLOSSARY = ROOT / "GLOSSARY.md"
END_SECTIONS = ["Recap", "Check your understanding", "Further reading", "References"]
CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([^"']*)["']\s*\)""")
SOLUTION_MAGIC = re.compile(r"^%%solution[ \t]+(\S+)[ \t]*$")
SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-"}  # RISE's
TAGS = {"setup", "check", "exercise", "solution"}


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


def _tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def _exercise_id_problems(i: int, cell, notebook: str | None, registered) -> tuple[str | None, list[str]]:
    """(the exercise ID of exercise cell ``i``, its problems)."""
    from tools.editions import PLACEHOLDER

    calls = CHECK_CALL.findall(cell.source)
    if len(calls) != 1:
        return None, [f"exercise cell {i} must call check(\"ID\") exactly once (found {len(calls)})"]
    exercise_id, problems = calls[0], []
    if notebook is not None and not exercise_id.startswith(f"{notebook}-"):
        problems.append(f"exercise cell {i}: id {exercise_id!r} must start with '{notebook}-'")
    elif not registered(exercise_id):
        problems.append(f"exercise cell {i}: no checker registered for {exercise_id!r} in helpers/exercises/"
                        f"nb{exercise_id[:2]}.py")
    if not any(PLACEHOLDER.match(line) for line in cell.source.splitlines()):
        problems.append(f"exercise cell {i} has no placeholder line (`answer = None`)")
    return exercise_id, problems


def _is_registered(exercise_id: str) -> bool:
    from helpers.exercises import UnknownExercise, get_checker

    try:
        get_checker(exercise_id)
    except UnknownExercise:
        return False
    return True


def exercise_contract_problems(nb, notebook: str | None = None, registered=_is_registered) -> list[str]:
    """The exercise contract (README, "Exercises and editions"), for notebook number ``notebook`` ("03"; None: any).

    Every exercise cell calls ``check("ID")`` once, with an ID registered in helpers.exercises (``registered``
    says which are) and a placeholder line; every solution code cell starts with ``%%solution ID`` for the ID of
    the exercise before it; every ID is used once.
    """
    problems, ids, last_id = [], [], None
    for i, cell in enumerate(nb.cells):
        if "exercise" in _tags(cell):
            last_id, found = _exercise_id_problems(i, cell, notebook, registered)
            problems += found
            if last_id in ids:
                problems.append(f"exercise cell {i}: id {last_id!r} is used twice")
            ids.append(last_id)
        elif "solution" in _tags(cell) and cell.cell_type == "code":
            match = SOLUTION_MAGIC.match(cell.source.split("\n", 1)[0])
            if not match:
                problems.append(f"solution cell {i} must start with `%%solution ID`")
            elif match.group(1) != last_id:
                problems.append(f"solution cell {i} is `%%solution {match.group(1)}` but the exercise before it "
                                f"is {last_id!r}")
    return problems


def _sections(nb) -> list[tuple[str, list]]:
    """(title, cells) of each level-2 section, in order (cells from its heading to the next)."""
    sections = []
    for cell in nb.cells:
        heading = re.match(r"##\s+(.+)", cell.source) if cell.cell_type == "markdown" else None
        if heading:
            sections.append((heading.group(1).strip(), []))
        if sections:
            sections[-1][1].append(cell)
    return sections


def _headings(nb) -> set[str]:
    """Every heading title of ``nb`` (levels 2-4) and its part before a colon, lower case, without a leading
    number such as "3 · "."""
    titles = re.findall(r"^#{2,4}\s+(.+)$", "\n".join(c.source for c in nb.cells if c.cell_type == "markdown"),
                        re.M)
    bare = [re.sub(r"^[\d.]+\s*[·.:-]?\s*", "", t).strip().lower() for t in titles]
    return set(bare) | {re.split(r"[:—(]", t)[0].strip() for t in bare}  # "Looking at images: the window..."


def end_section_problems(nb) -> list[str]:
    """The notebook ends with Recap (5-8 bullets, each naming its section), Check your understanding (>= 8
    numbered questions, then one collapsed ``solution`` markdown cell with the answers), Further reading and
    References (links)."""
    sections = _sections(nb)
    titles = [title for title, _ in sections[-len(END_SECTIONS):]]
    if titles != END_SECTIONS:
        return [f"the last sections must be {END_SECTIONS}, not {titles}"]
    content = {title: cells for title, cells in sections[-len(END_SECTIONS):]}
    text = {title: "\n".join(c.source for c in cells if c.cell_type == "markdown" and "solution" not in _tags(c))
            for title, cells in content.items()}
    problems = []
    bullets = re.findall(r"^[-*]\s+(.*(?:\n[ \t]+\S.*)*)", text["Recap"], re.M)
    if not 5 <= len(bullets) <= 8:
        problems.append(f"## Recap has {len(bullets)} bullet points; it needs 5 to 8")
    headings = _headings(nb) - {t.lower() for t in END_SECTIONS}
    unnamed = [b.split("\n")[0][:40] for b in bullets
               if "§" not in b and not any(h and h in b.lower() for h in headings)]
    if unnamed:
        problems.append(f"## Recap bullets must name the section that showed them (§N or its title): {unnamed}")
    questions = re.findall(r"^\d+\.\s", text["Check your understanding"], re.M)
    if len(questions) < 8:
        problems.append(f"## Check your understanding has {len(questions)} numbered questions; it needs 8 or more")
    answers = [c for c in content["Check your understanding"] if "solution" in _tags(c)]
    if len(answers) != 1 or answers[0].cell_type != "markdown" or answers[0] is not \
            content["Check your understanding"][-1]:
        problems.append("## Check your understanding must end with ONE markdown cell tagged 'solution' (the answers)")
    for title in ("Further reading", "References"):
        if "http" not in text[title]:
            problems.append(f"## {title} has no links")
    return problems


def glossary_ids(path: Path = GLOSSARY) -> set[str]:
    """The anchor ids of the glossary's entries."""
    return set(re.findall(r'^### <a id="([^"]+)"></a>', path.read_text(), re.M)) if path.exists() else set()


def glossary_link_problems(nb, ids: set[str] | None = None) -> list[str]:
    """Every ``GLOSSARY.md#id`` link of the notebook points at an entry of GLOSSARY.md."""
    ids = glossary_ids() if ids is None else ids
    links = re.findall(r"GLOSSARY\.md#([^)\s]+)", "\n".join(c.source for c in nb.cells if c.cell_type == "markdown"))
    return [f"link to GLOSSARY.md#{link}: the glossary has no such entry" for link in sorted(set(links) - ids)]


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


def paired_script(path: Path) -> Path | None:
    """Return the percent script paired with notebook ``path`` by pyproject.toml's ``[tool.jupytext]`` formats.

    None when the formats pair no script with ``path`` (a notebook outside ``notebooks/``).
    """
    config = load_jupytext_configuration_file(find_jupytext_configuration_file(str(ROOT)))
    formats = config.default_formats(str(path))
    pairs = paired_paths(str(path), "ipynb", formats) if formats else []
    return next((Path(p) for p, fmt in pairs if fmt["extension"] == ".py"), None)


def sync_problems(path: Path) -> list[str]:
    """The notebook and its paired percent script hold the same cells (types, sources and metadata)."""
    script = paired_script(path)
    if script is None:
        return ["no percent script is paired with it: notebooks live in notebooks/ (see [tool.jupytext])"]
    if not script.exists():
        return [f"no paired script {script}; run `make sync`"]
    ours = [(c.cell_type, c.source, c.metadata) for c in nbformat.read(str(path), as_version=4).cells]
    twin = [(c.cell_type, c.source, c.metadata) for c in jupytext.read(str(script)).cells]
    if ours == twin:
        return []
    mismatch = next((i for i, (a, b) in enumerate(zip(ours, twin, strict=False)) if a != b), None)
    where = f"cell {mismatch} differs" if mismatch is not None else f"{len(ours)} cells vs {len(twin)}"
    return [f"out of sync with {script.name} ({where}); run `make sync` (jupytext --sync: the newer file wins)"]


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
    problems += cell_problems(nb) + exercise_problems(nb) + deck_problems(nb)
    course_notebook = re.match(r"(\d\d)_", path.name)
    if course_notebook:  # the exercise contract, end sections and glossary links of the course's notebooks
        problems += exercise_contract_problems(nb, course_notebook.group(1)) + end_section_problems(nb)
        problems += glossary_link_problems(nb)
    return problems


def main(argv: list[str]) -> int:
    """Command-line entry point (see the module docstring)."""
    paths = [Path(p) for p in argv] or sorted(NOTEBOOKS.glob("*.ipynb"))
    problems = [f"{path.name}: {p}" for path in paths for p in notebook_problems(path) + sync_problems(path)]
    print("\n".join(problems) or f"{len(paths)} notebook(s) follow the conventions and match their scripts")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
