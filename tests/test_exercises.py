"""helpers.exercises: check's three verdicts, the hint builders, and the %%solution magic in a real IPython shell."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import exercises
from helpers.exercises import (
    NamespaceChanged,
    UnknownExercise,
    array,
    boolean,
    check,
    correct,
    exercise,
    hint,
    integer,
    number,
    one_of,
)

ROOT = Path(__file__).resolve().parents[1]


# Checkers of the tests' own notebook "99": each recomputes its expected value from a context variable.
@exercise("99-mean-hu")
def _mean_hu(mean_hu, volume):
    return number(mean_hu, expected=float(volume.mean()), rtol=0.01, unit="HU")


@exercise("99-count")
def _count(n_bright, volume):
    return integer(n_bright, expected=int((volume > 0).sum()))


@exercise("99-plane")
def _plane(plane):
    return one_of(plane, expected="axial", options=["axial", "coronal", "sagittal"],
                  why={"coronal": "coronal planes hold the z and x axes"})


@exercise("99-is-signed")
def _signed(is_signed):
    return boolean(is_signed, expected=True, why="CT stores air below zero")


@exercise("99-flipped")
def _flipped(flipped, volume):
    return array(flipped, expected=volume[:, :, ::-1])


@exercise("99-why")
def _why(answer):
    return correct("the value is a whole number") if answer == 7 else hint("try another")


@exercise("99-fragile")
def _fragile(answer):
    return number(answer.mean(), expected=12.5)  # breaks on a student type without .mean()


@pytest.fixture
def volume():
    return np.random.default_rng(0).normal(40, 300, size=(4, 5, 6))


def test_placeholder_is_unanswered_and_does_not_raise(volume, capsys):
    for placeholder in (None, ...):
        verdict = check("99-mean-hu", namespace={"mean_hu": placeholder, "volume": volume})
        assert verdict.status == "unanswered" and not verdict
    out = capsys.readouterr().out
    assert out.count("not answered yet") == 2 and out.startswith("⏳ 99-mean-hu:")


def test_undefined_answer_is_unanswered(volume):
    assert check("99-mean-hu", namespace={"volume": volume}).status == "unanswered"


def _forms(value: float) -> list[str]:
    """The ways a hint could spell ``value``."""
    return [repr(value), str(value)] + [f"{value:.{d}f}" for d in range(4)]


@pytest.mark.parametrize("make, expected_hint", [
    (str, "should be a number (HU), not a str"),  # type
    (lambda t: np.full(3, t), "not a ndarray of shape (3,)"),  # shape: an array for a number
    (lambda t: -t, "sign is wrong"),  # sign
    (lambda t: t * 1000, "far too large"),  # order of magnitude
    (lambda t: t / 1000, "far too small"),
    (lambda t: t * 1.2, "too high"),  # close, but too high
    (lambda t: t * 0.8, "too low"),
    (lambda t: float("inf"), "finite"),
    (lambda t: True, "not a bool"),  # a bool is not a number
])
def test_wrong_number_gets_its_specific_hint_not_the_answer(volume, make, expected_hint):
    truth = float(volume.mean())
    answer = make(truth)
    verdict = check("99-mean-hu", namespace={"mean_hu": answer, "volume": volume})
    assert verdict.status == "wrong" and verdict.message.startswith("✗ 99-mean-hu: ")
    assert expected_hint in verdict.message
    assert not any(form in verdict.message for form in _forms(truth))


def test_right_number_is_correct(volume, capsys):
    verdict = check("99-mean-hu", namespace={"mean_hu": float(volume.mean()) * 1.005, "volume": volume})
    assert verdict and verdict.status == "correct"
    assert capsys.readouterr().out == "✓ 99-mean-hu: correct.\n"


def test_correct_with_why_and_hint():
    assert check("99-why", namespace={"answer": 7}).message == "✓ 99-why: correct. the value is a whole number"
    assert check("99-why", namespace={"answer": 8}).message == "✗ 99-why: try another"


@pytest.mark.parametrize("offset, expected_hint", [(1, "too high"), (-1, "too low")])
def test_integer_hints(volume, offset, expected_hint):
    n = int((volume > 0).sum())
    verdict = check("99-count", namespace={"n_bright": n + offset, "volume": volume})
    assert expected_hint in verdict.message and str(n) not in verdict.message
    assert "whole number" in check("99-count", namespace={"n_bright": n + 0.5, "volume": volume}).message
    assert check("99-count", namespace={"n_bright": np.int64(n), "volume": volume}).status == "correct"
    assert check("99-count", namespace={"n_bright": float(n), "volume": volume}).status == "correct"


def test_one_of_and_boolean():
    assert check("99-plane", namespace={"plane": " Axial"}).status == "correct"
    assert "coronal planes" in check("99-plane", namespace={"plane": "coronal"}).message
    assert "one of 'axial', 'coronal', 'sagittal'" in check("99-plane", namespace={"plane": 3}).message
    assert "one of" in check("99-plane", namespace={"plane": []}).message  # unhashable: a hint, not a TypeError
    assert check("99-is-signed", namespace={"is_signed": np.bool_(True)}).status == "correct"
    assert "below zero" in check("99-is-signed", namespace={"is_signed": False}).message
    assert "True or False" in check("99-is-signed", namespace={"is_signed": "yes"}).message


@pytest.mark.parametrize("make, expected_hint", [
    (lambda v: v[:, :, ::-1].tolist(), "numpy array (np.asarray"),  # type
    (lambda v: v[:, :, ::-1][0], "shape (5, 6); it should have shape (4, 5, 6)"),  # shape
    (lambda v: -v[:, :, ::-1], "sign of your values is flipped"),  # sign
    (lambda v: 1000 * v[:, :, ::-1], "constant factor"),  # order of magnitude
    (lambda v: v, "of the values are off"),  # values
    (lambda v: np.where(v > 0, np.nan, v)[:, :, ::-1], "NaN"),
])
def test_wrong_array_gets_its_specific_hint(volume, make, expected_hint):
    verdict = check("99-flipped", namespace={"flipped": make(volume), "volume": volume})
    assert verdict.status == "wrong" and expected_hint in verdict.message


def test_right_array_is_correct(volume):
    assert check("99-flipped", namespace={"flipped": np.flip(volume, 2).copy(), "volume": volume})


def test_array_transposed_and_dtype_hints():
    square = np.arange(9.0).reshape(3, 3)
    assert "transposed" in array(square.T, expected=square).text
    assert "should hold" in array(square.astype(int), dtype=np.floating).text
    assert array(square, expected=square, dtype=np.floating) is None


def test_checker_that_raises_becomes_a_hint_unless_strict(capsys):
    verdict = check("99-fragile", namespace={"answer": "12.5"})
    assert verdict.status == "wrong" and "could not be checked" in verdict.message and "str" in verdict.message
    assert "Traceback" not in capsys.readouterr().out
    with pytest.raises(AssertionError, match="could not be checked") as info:
        check("99-fragile", strict=True, namespace={"answer": "12.5"})
    assert isinstance(info.value.__cause__, AttributeError)


def test_strict_raises_unless_correct(volume):
    with pytest.raises(AssertionError, match="not answered yet"):
        check("99-mean-hu", strict=True, namespace={"mean_hu": None, "volume": volume})
    with pytest.raises(AssertionError, match="too high"):
        check("99-mean-hu", strict=True, namespace={"mean_hu": float(volume.mean()) * 1.5, "volume": volume})
    assert check("99-mean-hu", strict=True, namespace={"mean_hu": float(volume.mean()), "volume": volume})


def test_missing_context_asks_to_run_the_cells_above():
    verdict = check("99-mean-hu", namespace={"mean_hu": 3.0})
    assert verdict.status == "wrong" and "`volume` is not defined" in verdict.message


def test_unknown_id_lists_the_notebooks_ids():
    with pytest.raises(UnknownExercise, match=r"no exercise '99-nope'; notebook 99 has: .*99-count.*99-mean-hu"):
        check("99-nope", namespace={})
    with pytest.raises(UnknownExercise, match="00-study-size"):
        check("00-nope", namespace={})
    with pytest.raises(UnknownExercise, match="look like"):
        check("mean", namespace={})


def test_ids_are_validated_and_unique():
    with pytest.raises(ValueError, match="must look like"):
        exercise("3-Bad_Id")
    with pytest.raises(ValueError, match="already registered"):
        exercise("99-count")(lambda n_bright: None)


def test_every_checker_module_loads_lazily_and_registers_its_notebooks_ids():
    assert exercises.notebook_ids("00") == ["00-study-size"]
    assert check("00-study-size", namespace={"study_mib": 250.0}).status == "correct"


# --- the %%solution magic, in a real IPython shell -------------------------------------------------------------
@pytest.fixture
def shell(volume):
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    ip.run_cell("from helpers.exercises import check", store_history=False)
    exercises.load_ipython_extension(ip)  # this process imported the package before the shell existed
    ip.user_ns["volume"] = volume
    yield ip
    for name in ("volume", "mean_hu", "flipped", "helper"):
        ip.user_ns.pop(name, None)


def _run(shell, source: str):
    result = shell.run_cell(source, store_history=True)
    return result.error_in_exec or result.error_before_exec


def test_importing_inside_ipython_registers_the_magic_and_outside_does_nothing():
    script = ("import sys; import helpers.exercises; assert 'IPython' not in sys.modules\n"
              "from IPython.core.interactiveshell import InteractiveShell\n"
              "ip = InteractiveShell.instance(); del sys.modules['helpers.exercises']\n"
              "ip.run_cell('from helpers.exercises import check')\n"
              "assert 'solution' in ip.magics_manager.magics['cell']")
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT)


def test_solution_runs_in_a_copy_and_leaves_the_students_answer(shell, capsys):
    assert _run(shell, "mean_hu = None\ncheck('99-mean-hu')") is None
    assert _run(shell, "%%solution 99-mean-hu\nmean_hu = float(volume.mean())\nhelper = 1\nround(mean_hu, 1)") is None
    out = capsys.readouterr().out
    assert "not answered yet" in out and "✓ 99-mean-hu: correct." in out
    assert str(round(float(shell.user_ns["volume"].mean()), 1)) in out  # the last expression was displayed
    assert shell.user_ns["mean_hu"] is None and "helper" not in shell.user_ns
    assert _run(shell, "v = check('99-mean-hu')") is None  # re-checking still judges the student's answer
    assert shell.user_ns["v"].status == "unanswered"
    shell.user_ns.pop("v")


def test_wrong_solution_fails_the_cell(shell):
    error = _run(shell, "%%solution 99-mean-hu\nmean_hu = float(volume.mean()) * 2")
    assert isinstance(error, AssertionError) and "too high" in str(error)


def test_solution_mutating_a_students_array_is_named(shell):
    error = _run(shell, "%%solution 99-flipped\nflipped = volume[:, :, ::-1]\nvolume[0, 0, 0] += 1")
    assert isinstance(error, NamespaceChanged) and "`volume` was changed in place" in str(error)
    shell.user_ns["volume"][0, 0, 0] -= 1


def test_solution_mutation_deep_inside_a_big_array_is_caught(shell):
    shell.user_ns["volume"] = np.zeros((64, 64, 64))
    error = _run(shell, "%%solution 99-flipped\nvolume[33, 17, 5] = 1e-3\nflipped = volume[:, :, ::-1]")
    assert isinstance(error, NamespaceChanged) and "`volume`" in str(error)


def test_solution_that_works_on_a_copy_passes(shell):
    assert _run(shell, "%%solution 99-flipped\nflipped = volume.copy()[:, :, ::-1]\nflipped[0, 0, 0] += 0;") is None
    assert "flipped" not in shell.user_ns


def test_solution_body_may_use_ipython_syntax_and_check(shell, capsys):
    source = "%%solution 99-why\n%time answer = 7\nassert check('99-why')"
    assert _run(shell, source) is None
    assert capsys.readouterr().out.count("✓ 99-why: correct.") == 2  # the body's check judged the copy


def test_solution_magic_rejects_an_unknown_id_before_running(shell):
    error = _run(shell, "%%solution 99-nope\nvolume[0, 0, 0] = 5")
    assert isinstance(error, UnknownExercise) and shell.user_ns["volume"][0, 0, 0] != 5


def test_fingerprint_sees_tensors_lists_and_ignores_others():
    import torch

    from helpers.exercises._magic import fingerprint

    t = torch.zeros(3, 4)
    before = fingerprint(t)
    t[1, 2] = 1
    assert fingerprint(t) != before and fingerprint([1]) != fingerprint([1, 2]) and fingerprint("x") == ()
    import pandas as pd

    table = pd.DataFrame({"a": [1, 2]})
    before = fingerprint(table)
    table["b"] = 3
    assert fingerprint(table) != before


def test_check_outside_ipython_asks_for_a_namespace(monkeypatch):
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    with pytest.raises(RuntimeError, match="namespace=globals"):
        check("00-study-size")


def test_jupytext_round_trips_a_solution_cell_exactly():
    """The paired percent script comments the magic out ("# %%solution"), which is not read as a cell marker."""
    import jupytext
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('x = None\ncheck("99-why")', metadata={"tags": ["exercise"]}),
                nbformat.v4.new_code_cell("%%solution 99-why\nx = 7\n%time y = 1\nx", metadata={
                    "tags": ["solution"], "jupyter": {"source_hidden": True}})]
    text = jupytext.writes(nb, "py:percent")
    assert "\n# %%solution 99-why\n" in text and text.count("# %% ") == 2
    back = jupytext.reads(text, "py:percent")
    assert [(c.cell_type, c.source, c.metadata) for c in back.cells] == \
        [(c.cell_type, c.source, c.metadata) for c in nb.cells]
