"""Hint builders shared by the checkers: each returns None when the answer is right, else a ``Hint``.

Each says what is off (type, shape, dtype, sign, order of magnitude, too high or too low) and never the expected
value. Chain them with ``or``: ``return integer(n, expected=k) or hint("...")`` returns the first problem.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

from ._core import Hint, hint


def _unit(unit: str) -> str:
    return f" ({unit})" if unit else ""


def _as_scalar(value):
    """The value as a Python number if it is a single real number (numpy scalar, 0-d array or tensor), else None."""
    if isinstance(value, bool | np.bool_ | str | bytes):
        return None
    if isinstance(value, Real):
        return value
    if hasattr(value, "shape") and tuple(value.shape) == () and hasattr(value, "item"):
        item = value.item()
        return item if isinstance(item, Real) and not isinstance(item, bool) else None
    return None


def _describe(value) -> str:
    shape = getattr(value, "shape", None)
    return f"a {type(value).__name__} of shape {tuple(shape)}" if shape is not None else f"a {type(value).__name__}"


def _size_hint(value: float, expected: float, unit: str) -> Hint | None:
    """Sign, then order of magnitude (a factor of 10 or more), in that order."""
    if expected != 0 and value != 0 and (value > 0) != (expected > 0):
        return hint("the sign is wrong")
    if expected != 0 and value == 0:
        return hint("your answer is 0; it should not be")
    if expected != 0:
        factor = abs(value / expected)
        if factor >= 10 or factor <= 0.1:
            direction = "large" if factor > 1 else "small"
            return hint(f"far too {direction} (by a factor of 10 or more): check the units{_unit(unit)} and the "
                        "conversion factors")
    return None


def number(value, expected: float, *, rtol: float = 0.05, atol: float = 0.0, unit: str = "") -> Hint | None:
    """Check a real number against ``expected`` within ``atol + rtol * |expected|``.

    In order: a single real number → finite → sign → order of magnitude → too high / too low.

    Examples
    --------
    >>> number(250.0, expected=250.0) is None
    True
    >>> number("250", expected=250.0).text
    'your answer should be a number, not a str'
    >>> number(-250.0, expected=250.0).text
    'the sign is wrong'
    """
    scalar = _as_scalar(value)
    if scalar is None:
        return hint(f"your answer should be a number{_unit(unit)}, not {_describe(value)}")
    scalar = float(scalar)
    if not math.isfinite(scalar):
        return hint(f"your answer is {scalar}; it should be a finite number")
    if abs(scalar - expected) <= atol + rtol * abs(expected):
        return None
    return _size_hint(scalar, expected, unit) or hint(
        f"too {'high' if scalar > expected else 'low'}: close, but outside the tolerance"
        if abs(scalar - expected) <= 3 * (atol + rtol * abs(expected)) else
        f"too {'high' if scalar > expected else 'low'}")


def integer(value, expected: int, *, unit: str = "") -> Hint | None:
    """Check a whole number (int or numpy integer, or a float with no fractional part) equals ``expected``.

    Examples
    --------
    >>> integer(3.5, expected=4).text
    'your answer should be a whole number, not 3.5'
    >>> integer(5, expected=4).text
    'too high'
    """
    scalar = _as_scalar(value)
    if scalar is None:
        return hint(f"your answer should be a whole number{_unit(unit)}, not {_describe(value)}")
    if not isinstance(scalar, Integral) and not float(scalar).is_integer():
        return hint(f"your answer should be a whole number, not {scalar}")
    scalar = int(scalar)
    if scalar == expected:
        return None
    return _size_hint(scalar, expected, unit) or hint(f"too {'high' if scalar > expected else 'low'}")


def _normalise(choice):
    return choice.strip().lower() if isinstance(choice, str) else choice


def one_of(value, expected, options, *, why: dict | None = None) -> Hint | None:
    """Check a choice among ``options`` (strings compare case- and space-insensitively).

    ``why`` maps a wrong option to a hint about it (what that option would mean).

    Examples
    --------
    >>> one_of("Axial", expected="axial", options=["axial", "coronal", "sagittal"]) is None
    True
    >>> one_of("top", expected="axial", options=["axial", "coronal", "sagittal"]).text
    "your answer should be one of 'axial', 'coronal', 'sagittal', not 'top'"
    """
    by_key = {_normalise(o): o for o in options}
    try:
        chosen = by_key.get(_normalise(value))
    except TypeError:  # an unhashable answer
        chosen = None
    if chosen is None:
        listed = ", ".join(repr(o) for o in options)
        return hint(f"your answer should be one of {listed}, not {value!r}"[:300])
    if _normalise(chosen) == _normalise(expected):
        return None
    return hint((why or {}).get(chosen, f"{chosen!r} is not it; think again"))


def boolean(value, expected: bool, *, why: str = "") -> Hint | None:
    """Check a True/False answer; ``why`` is the hint when it is the wrong one.

    Examples
    --------
    >>> boolean("yes", expected=True).text
    'your answer should be True or False, not a str'
    """
    if not isinstance(value, bool | np.bool_):
        return hint(f"your answer should be True or False, not {_describe(value)}")
    return None if bool(value) == expected else hint(why or "not quite: re-read the section and think again")


def _to_numpy(value):
    """A numpy view of an ndarray or a torch tensor; None for anything else."""
    if isinstance(value, np.ndarray):
        return value
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return None


def array(value, expected=None, *, shape: tuple | None = None, dtype=None, rtol: float = 1e-5,
          atol: float = 1e-8) -> Hint | None:
    """Check an array: type (numpy array or torch tensor) → shape → dtype kind → values close to ``expected``.

    ``shape`` defaults to ``expected``'s shape; ``dtype`` is a kind to match with ``np.issubdtype`` (``np.floating``,
    ``np.integer``, ``bool``...). Values are compared only when ``expected`` is given.

    Examples
    --------
    >>> import numpy as np
    >>> array([1, 2], expected=np.array([1, 2])).text
    'your answer should be a numpy array (np.asarray turns a list into one), not a list'
    >>> array(np.zeros((2, 3)), expected=np.zeros((3, 2))).text
    'your array has shape (2, 3); it should have shape (3, 2)'
    """
    got = _to_numpy(value)
    if got is None:
        extra = " (np.asarray turns a list into one)" if isinstance(value, list | tuple) else ""
        return hint(f"your answer should be a numpy array{extra}, not {_describe(value)}")
    want = None if expected is None else np.asarray(expected)
    shape = tuple(want.shape) if shape is None and want is not None else shape
    if shape is not None and tuple(got.shape) != tuple(shape):
        return hint(f"your array has shape {tuple(got.shape)}; it should have shape {tuple(shape)}")
    if dtype is not None and not np.issubdtype(got.dtype, dtype):
        return hint(f"your array holds {got.dtype} values; it should hold {getattr(dtype, '__name__', dtype)} values")
    if want is None or np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
        return None
    return _array_values_hint(got, want, rtol, atol)


def _array_values_hint(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> Hint:
    """Say how the values are off: not finite, sign flipped, transposed, scaled, or which share differs."""
    if got.dtype.kind in "fc" and not np.isfinite(got).all() and np.isfinite(want).all():
        return hint("your array contains NaN or infinite values")
    close = np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    if got.dtype.kind != "b" and np.allclose(-got, want, rtol=rtol, atol=atol):
        return hint("the sign of your values is flipped")
    if got.ndim == 2 and got.shape == got.shape[::-1] and np.allclose(got.T, want, rtol=rtol, atol=atol):
        return hint("your array is transposed: check the axis order")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.abs(got.astype(float)[want != 0] / want.astype(float)[want != 0]) if got.dtype.kind != "b" else []
    if len(ratio) and np.allclose(ratio, ratio[0], rtol=0.01) and (ratio[0] >= 10 or ratio[0] <= 0.1):
        return hint("your values are off by a constant factor of 10 or more: check the units")
    return hint(f"{100 * (1 - close.mean()):.0f}% of the values are off")
