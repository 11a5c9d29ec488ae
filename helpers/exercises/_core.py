"""The exercise registry, ``check`` and its verdicts (the contract: README, "Exercises and editions")."""

from __future__ import annotations

import contextvars
import importlib
import inspect
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass

STATUSES = ("unanswered", "wrong", "correct")
PLACEHOLDERS = (None, Ellipsis)  # what an exercise cell ships with
_ID = re.compile(r"^(\d\d)-[a-z0-9]+(?:-[a-z0-9]+)*$")
_SYMBOL = {"unanswered": "⏳", "wrong": "✗", "correct": "✓"}
_REGISTRY: dict[str, Checker] = {}
# The namespace a running %%solution cell works in: a check() inside its body judges that copy, not the student's.
solution_namespace: contextvars.ContextVar[dict | None] = contextvars.ContextVar("solution_namespace", default=None)


class UnknownExercise(LookupError):
    """An id that no checker module registers."""


@dataclass(frozen=True)
class Hint:
    """What a checker returns for a wrong answer: one sentence saying what is off, never the answer."""

    text: str


@dataclass(frozen=True)
class Correct:
    """What a checker may return for a right answer, with an optional one-line why."""

    why: str = ""


@dataclass(frozen=True)
class Checker:
    """A registered checker: ``func``'s first ``answers`` parameters are the student's answer variables."""

    id: str
    func: Callable
    answers: int

    @property
    def parameters(self) -> list[inspect.Parameter]:
        return list(inspect.signature(self.func).parameters.values())

    @property
    def answer_names(self) -> list[str]:
        return [p.name for p in self.parameters[: self.answers]]


@dataclass(frozen=True)
class Verdict:
    """The outcome of ``check``: ``status`` is "unanswered", "wrong" or "correct"; ``message`` is the printed line.

    True in a boolean context when correct. In a notebook ``check`` already printed the line, so a verdict left as
    a cell's last expression displays nothing more.
    """

    id: str
    status: str
    message: str

    def __bool__(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        return self.message

    def _ipython_display_(self) -> None:  # check() printed the line already
        pass


def hint(text: str) -> Hint:
    """A wrong-answer hint: what is off (type, shape, units, sign, size...), in one sentence without the answer."""
    return Hint(str(text))


def correct(why: str = "") -> Correct:
    """A right answer, with an optional one-line why printed after "correct."."""
    return Correct(str(why))


def exercise(exercise_id: str, *, answers: int = 1) -> Callable[[Callable], Callable]:
    """Register the decorated function as the checker of ``exercise_id`` ("NN-short-name").

    The function's first ``answers`` parameters name the student's answer variables; the others name context
    variables that ``check`` reads from the notebook too (a parameter with a default may be missing there). It
    returns None or ``correct()`` when the answer is right, ``hint("...")`` when it is wrong.
    """
    match = _ID.match(exercise_id)
    if not match:
        raise ValueError(f"exercise id {exercise_id!r} must look like '03-psnr-gain' (two-digit notebook, "
                         "then lowercase words joined by '-')")

    def register(func: Callable) -> Callable:
        module = re.fullmatch(r"helpers\.exercises\.nb(\d\d)", func.__module__ or "")
        if module and module.group(1) != match.group(1):
            raise ValueError(f"{exercise_id!r} is registered in {func.__module__}; ids there start with "
                             f"'{module.group(1)}-'")
        old = _REGISTRY.get(exercise_id)
        if old is not None and old.func.__qualname__ != func.__qualname__:
            raise ValueError(f"exercise id {exercise_id!r} is already registered by {old.func.__qualname__}")
        if len(inspect.signature(func).parameters) < answers:
            raise ValueError(f"checker of {exercise_id!r} needs at least {answers} answer parameter(s)")
        _REGISTRY[exercise_id] = Checker(exercise_id, func, answers)
        return func

    return register


def notebook_ids(notebook: str) -> list[str]:
    """The registered exercise ids of notebook ``notebook`` ("03"), importing its checker module."""
    _import_checkers(notebook)
    return sorted(i for i in _REGISTRY if i.startswith(f"{notebook}-"))


def _import_checkers(notebook: str) -> None:
    name = f"helpers.exercises.nb{notebook}"
    if name in sys.modules:
        return
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        if any(i.startswith(f"{notebook}-") for i in _REGISTRY):  # ids registered elsewhere (tests)
            return
        raise UnknownExercise(f"no checkers for notebook {notebook}: helpers/exercises/nb{notebook}.py "
                              "does not exist") from None


def get_checker(exercise_id: str) -> Checker:
    """The checker registered under ``exercise_id``; UnknownExercise lists the notebook's ids when there is none."""
    if not isinstance(exercise_id, str) or not _ID.match(exercise_id):
        raise UnknownExercise(f"exercise id {exercise_id!r} must look like '03-psnr-gain'")
    if exercise_id in _REGISTRY:  # registered already (tests register their own ids)
        return _REGISTRY[exercise_id]
    notebook = exercise_id[:2]
    _import_checkers(notebook)
    if exercise_id not in _REGISTRY:
        known = ", ".join(notebook_ids(notebook)) or "none"
        raise UnknownExercise(f"no exercise {exercise_id!r}; notebook {notebook} has: {known}")
    return _REGISTRY[exercise_id]


def _default_namespace() -> dict:
    """The namespace ``check`` reads: the running solution's copy, else IPython's user namespace."""
    copy = solution_namespace.get()
    if copy is not None:
        return copy
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        raise RuntimeError("check() outside IPython needs the answers: pass namespace=globals() (or a dict)")
    return shell.user_ns


def _judge(checker: Checker, namespace: dict) -> tuple[str, str, BaseException | None]:
    """(status, text, exception the checker raised) for the answers in ``namespace``."""
    for name in checker.answer_names:
        if name not in namespace:
            return "unanswered", f"not answered yet — `{name}` is not defined; run the exercise cell", None
        if any(namespace[name] is p for p in PLACEHOLDERS):
            placeholder = "None" if namespace[name] is None else "..."
            return "unanswered", f"not answered yet — replace `{placeholder}` in `{name} = {placeholder}` with " \
                                 "your answer, then run the cell again", None
    arguments = {}
    for p in checker.parameters:
        if p.name in namespace:
            arguments[p.name] = namespace[p.name]
        elif p.default is inspect.Parameter.empty:
            return "wrong", f"cannot check yet: `{p.name}` is not defined — run the cells above first", None
    try:
        outcome = checker.func(**arguments)
    except Exception as exc:  # the student's answer broke the checker: a hint, not a traceback
        kinds = ", ".join(f"`{n}` is a {type(namespace[n]).__name__}" for n in checker.answer_names)
        return "wrong", f"your answer could not be checked ({type(exc).__name__}; {kinds}): check its type " \
                        "and shape against the question", exc
    if outcome is None:
        return "correct", "correct.", None
    if isinstance(outcome, Correct):
        return "correct", f"correct. {outcome.why}".strip(), None
    if isinstance(outcome, Hint):
        return "wrong", outcome.text, None
    raise TypeError(f"checker of {checker.id!r} returned {type(outcome).__name__}; return None, correct() or hint()")


def check(exercise_id: str, *, strict: bool = False, namespace: dict | None = None, quiet: bool = False) -> Verdict:
    """Judge the student's answer to exercise ``exercise_id``, print one line and return the Verdict.

    Parameters
    ----------
    exercise_id : str
        The exercise, "NN-short-name" (NN: the notebook).
    strict : bool
        Raise AssertionError (with the line) unless the answer is right: for solution and nbgrader test cells.
    namespace : dict, optional
        Where the answer variables live; default the notebook's namespace (IPython's user namespace).
    quiet : bool
        Do not print the line.

    Returns
    -------
    Verdict
        ``.status`` "unanswered" (the placeholder is still there; never raises unless strict), "wrong" (with a
        hint that does not give the answer away) or "correct".

    Examples
    --------
    >>> from helpers.exercises import check
    >>> check("00-study-size", namespace={"study_mib": None}).status
    ⏳ 00-study-size: not answered yet — replace `None` in `study_mib = None` with your answer, then run the cell again
    'unanswered'
    """
    checker = get_checker(exercise_id)
    status, text, error = _judge(checker, _default_namespace() if namespace is None else namespace)
    verdict = Verdict(exercise_id, status, f"{_SYMBOL[status]} {exercise_id}: {text}")
    if not quiet:
        print(verdict.message)
    if strict and status != "correct":
        raise AssertionError(verdict.message) from error
    return verdict
