"""The ``%%solution ID`` cell magic: run a solution in a copy of the notebook's namespace, then check it.

The student's variables are never touched: the body runs in a shallow copy of the user namespace, its last
expression is displayed like a normal cell's, ``check(ID, strict=True)`` judges the copy, and the magic raises if
the student's namespace changed anyway (a name rebound, added or removed, or an array mutated in place).
"""

from __future__ import annotations

import ast
import hashlib
import linecache

import numpy as np

from ._core import check, get_checker, solution_namespace

_SAMPLE = 4096  # elements hashed per array: a cheap fingerprint, with the sum catching changes between samples


class NamespaceChanged(RuntimeError):
    """A solution cell changed the student's variables (it must work on copies)."""


def _array_fingerprint(array: np.ndarray) -> tuple:
    flat = array.reshape(-1)  # a view when contiguous
    sample = np.ascontiguousarray(flat[:: max(1, flat.size // _SAMPLE)])
    digest = hashlib.blake2b(sample.view(np.uint8).tobytes() if sample.dtype != object else repr(sample).encode(),
                             digest_size=16).hexdigest()
    total = b""
    if array.dtype.kind in "biufc":
        total = np.asarray(array.sum(dtype=np.complex128 if array.dtype.kind == "c" else np.float64)).tobytes()
    return array.shape, str(array.dtype), digest, total


def fingerprint(value) -> tuple:
    """A cheap summary of ``value`` that changes when its content does (arrays, tensors) or its length does.

    Numpy arrays and torch tensors: shape, dtype, a hash of a strided sample and the sum; lists, dicts and sets:
    their length; data frames: shape and column names; anything else: nothing beyond its identity (compared
    separately).
    """
    try:
        if isinstance(value, np.ndarray):
            return _array_fingerprint(value)
        if type(value).__module__.startswith("torch") and hasattr(value, "detach") and hasattr(value, "shape"):
            return _array_fingerprint(value.detach().cpu().numpy())
        if isinstance(value, list | dict | set | bytearray):
            return (len(value),)
        if hasattr(value, "columns") and hasattr(value, "shape"):  # a pandas DataFrame: a column added or dropped
            return tuple(value.shape), tuple(map(str, value.columns))
    except Exception:  # an exotic array (sparse, meta device...): identity alone
        return ()
    return ()


def _student_names(namespace: dict) -> dict[str, tuple]:
    """Identity and fingerprint of every student-visible name (not IPython's ``_``-prefixed history, In, Out)."""
    return {name: (id(value), fingerprint(value)) for name, value in namespace.items()
            if not name.startswith("_") and name not in ("In", "Out", "exit", "quit", "get_ipython")}


def changed_names(before: dict[str, tuple], after: dict[str, tuple]) -> list[str]:
    """Describe each name that was added, removed, rebound or changed in place between two ``_student_names``."""
    changes = [f"`{n}` was added" for n in after.keys() - before.keys()]
    changes += [f"`{n}` was removed" for n in before.keys() - after.keys()]
    for name in before.keys() & after.keys():
        if before[name][0] != after[name][0]:
            changes.append(f"`{name}` was rebound")
        elif before[name][1] != after[name][1]:
            changes.append(f"`{name}` was changed in place")
    return sorted(changes)


def _run(body: str, namespace: dict, filename: str):
    """Execute ``body`` (IPython syntax allowed) in ``namespace``; return the value of its last expression or None."""
    shell = namespace.get("get_ipython", lambda: None)()
    code = shell.transform_cell(body) if shell is not None else body
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)  # tracebacks show the lines
    tree = ast.parse(code, filename)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, filename, "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), filename, "eval"), namespace)


def run_solution(exercise_id: str, body: str, user_ns: dict, *, show=None) -> dict:
    """Run solution ``body`` of ``exercise_id`` in a copy of ``user_ns``, show its result, check it strictly.

    Parameters
    ----------
    exercise_id : str
        The exercise the body solves.
    body : str
        The solution code, written in the student's variable names.
    user_ns : dict
        The student's namespace; left as it was (NamespaceChanged names what the body changed otherwise).
    show : callable, optional
        Displays the value of the body's last expression (IPython's ``display`` by default; not called for None or
        when the body ends with ';').

    Returns
    -------
    dict
        The namespace the solution ran in (the copy).
    """
    get_checker(exercise_id)  # an unknown id fails before anything runs
    before = _student_names(user_ns)
    copy = dict(user_ns)
    token = solution_namespace.set(copy)
    try:
        value = _run(body, copy, f"<solution {exercise_id}>")
        changes = changed_names(before, _student_names(user_ns))
        if changes:
            raise NamespaceChanged(f"the solution of {exercise_id} changed the student's variables: "
                                   f"{'; '.join(changes)}. Work on copies (e.g. `x = x.copy()`) in solution cells.")
        if value is not None and not body.rstrip().endswith(";"):
            if show is None:
                from IPython.display import display as show
            show(value)
        check(exercise_id, strict=True, namespace=copy)
    finally:
        solution_namespace.reset(token)
    return copy


def solution(line: str, cell: str) -> None:
    """``%%solution ID``: run this cell in a copy of the notebook's variables, then check it (see the module doc)."""
    from IPython import get_ipython

    exercise_id = line.strip()
    if not exercise_id or " " in exercise_id:
        raise ValueError(f"usage: %%solution ID (one exercise id such as 03-psnr-gain), not {line!r}")
    run_solution(exercise_id, cell, get_ipython().user_ns)


def register(shell) -> None:
    """Register ``%%solution`` in IPython ``shell``."""
    shell.register_magic_function(solution, magic_kind="cell", magic_name="solution")
