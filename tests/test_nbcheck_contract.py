"""tools/nbcheck.py's rules for the exercise contract, the end sections and glossary links, on small notebooks."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from tools.nbcheck import (
    end_section_problems,
    exercise_contract_problems,
    glossary_ids,
    glossary_link_problems,
)

ROOT = Path(__file__).resolve().parents[1]
code, markdown = nbformat.v4.new_code_cell, nbformat.v4.new_markdown_cell
REGISTERED = {"00-one", "00-two"}.__contains__


def _exercises(*pairs: tuple[str, str]):
    """A notebook of (exercise source, solution source) pairs."""
    nb = nbformat.v4.new_notebook()
    for exercise, solution in pairs:
        nb.cells += [code(exercise, metadata={"tags": ["exercise"]}), code(solution, metadata={"tags": ["solution"]})]
    return nb


GOOD = [('x = None  # your answer\ncheck("00-one")', "%%solution 00-one\nx = 1"),
        ('y = ...\ncheck("00-two")', "%%solution 00-two\ny = 2")]


def test_contract_holds_for_good_exercises():
    assert exercise_contract_problems(_exercises(*GOOD), "00", REGISTERED) == []


@pytest.mark.parametrize("pairs, expected", [
    ([('x = None\nprint(x)', "%%solution 00-one\nx = 1")], 'must call check("ID") exactly once'),
    ([('x = None\ncheck("00-three")', "%%solution 00-three\nx = 1")], "no checker registered for '00-three'"),
    ([('x = None\ncheck("01-one")', "%%solution 01-one\nx = 1")], "must start with '00-'"),
    ([('x = 1\ncheck("00-one")', "%%solution 00-one\nx = 1")], "no placeholder line"),
    ([GOOD[0], ('x = None\ncheck("00-one")', "%%solution 00-one\nx = 1")], "'00-one' is used twice"),
    ([('x = None\ncheck("00-one")', "x = 1")], "must start with `%%solution ID`"),
    ([('x = None\ncheck("00-one")', "%%solution 00-two\nx = 1")], "but the exercise before it is '00-one'"),
])
def test_contract_catches_each_broken_rule(pairs, expected):
    problems = exercise_contract_problems(_exercises(*pairs), "00", REGISTERED)
    assert any(expected in p for p in problems), problems


def test_contract_asks_the_real_registry_by_default():
    nb = _exercises(('study_mib = None\ncheck("00-study-size")', "%%solution 00-study-size\nstudy_mib = 1"))
    assert exercise_contract_problems(nb, "00") == []
    nb.cells[0].source = nb.cells[0].source.replace("study-size", "nope")
    assert "no checker registered" in exercise_contract_problems(nb, "00")[0]


def _ending(recap=6, questions=8, answers=True, order=None):
    nb = nbformat.v4.new_notebook()
    bullets = "\n".join(f"- point {i} (§{i} Topic)" for i in range(recap))
    sections = {
        "Recap": [markdown("## Recap\n" + bullets)],
        "Check your understanding": [markdown("## Check your understanding\n" + "\n".join(
            f"{i + 1}. Why {i}?" for i in range(questions)))] + (
            [markdown("**Answers** ...", metadata={"tags": ["solution"]})] if answers else []),
        "Further reading": [markdown("## Further reading\n- [Paper](https://doi.org/10.1/x): why")],
        "References": [markdown("## References\n- A. https://doi.org/10.1/x")],
    }
    nb.cells = [markdown("## 1 · Topic"), code("x = 1")]
    for title in order or list(sections):
        nb.cells += sections[title]
    return nb


def test_end_sections_hold():
    assert end_section_problems(_ending()) == []


@pytest.mark.parametrize("kwargs, expected", [
    ({"recap": 4}, "4 bullet points"),
    ({"recap": 9}, "9 bullet points"),
    ({"questions": 7}, "7 numbered questions"),
    ({"answers": False}, "ONE markdown cell tagged 'solution'"),
    ({"order": ["Recap", "Further reading", "Check your understanding", "References"]}, "the last sections"),
    ({"order": ["Recap", "Check your understanding", "Further reading"]}, "the last sections"),
])
def test_end_sections_catch_each_broken_rule(kwargs, expected):
    problems = end_section_problems(_ending(**kwargs))
    assert any(expected in p for p in problems), problems


def test_recap_bullets_must_name_a_section():
    nb = _ending()
    nb.cells[2].source += "\n- a point from nowhere"
    assert any("name the section" in p for p in end_section_problems(nb))
    nb.cells[2].source = nb.cells[2].source.replace("a point from nowhere", "a point shown in *Topic*")
    assert end_section_problems(nb) == []


def test_references_need_links():
    nb = _ending()
    nb.cells[-1].source = "## References\n- A book."
    assert end_section_problems(nb) == ["## References has no links"]


def test_glossary_links_must_resolve():
    nb = nbformat.v4.new_notebook()
    nb.cells = [markdown("[TR](../GLOSSARY.md#tr) and [XYZ](../GLOSSARY.md#xyz)")]
    assert glossary_link_problems(nb, {"tr"}) == ["link to GLOSSARY.md#xyz: the glossary has no such entry"]


def test_glossary_entries_follow_the_id_scheme_sorted_and_unique():
    text = (ROOT / "GLOSSARY.md").read_text()
    entries = re.findall(r'^### <a id="([^"]+)"></a>(.+)$', text, re.M)
    ids = [i for i, _ in entries]
    assert len(ids) == len(set(ids)) == len(glossary_ids()) >= 40
    assert ids == sorted(ids)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)
    required = ("hu window-level vr vm sop ipp iop tr te t1 t2 pd psf fwhm suv dice hausdorff auc froc mil ece "
                "voi-lut solidity").split()
    assert set(required) <= set(ids), set(required) - set(ids)


def test_every_course_notebook_is_held_to_the_contract(tmp_path):
    """notebook_problems applies the rules to NN_*.ipynb files: a broken 00 copy is reported."""
    from tools.nbcheck import notebook_problems

    nb = nbformat.read(str(ROOT / "notebooks" / "00_start_here.ipynb"), as_version=4)
    exercise = next(c for c in nb.cells if "exercise" in c.metadata.get("tags", []))
    exercise.source = exercise.source.replace('check("00-study-size")', 'check("00-unknown")')
    nb.cells = [c for c in nb.cells if not c.source.startswith("## Further reading")]
    path = tmp_path / "00_copy.ipynb"
    nbformat.write(nb, str(path))
    problems = notebook_problems(path)
    assert any("no checker registered for '00-unknown'" in p for p in problems), problems
    assert any("the last sections must be" in p for p in problems), problems
