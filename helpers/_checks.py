"""Argument checks shared by several helper modules (private: the public API is in each topic module)."""

from __future__ import annotations

import math

__all__ = ["check_range"]


def check_range(name: str, bounds, *, low: float | None = None, high: float | None = None,
                strict_low: bool = False) -> tuple[float, float]:
    """Check a ``(low, high)`` pair of finite numbers with ``low <= high``, optionally inside limits.

    Parameters
    ----------
    name : str
        The argument's name, quoted in the error message.
    bounds : pair of numbers
        The ``(low, high)`` pair to check.
    low, high : float, optional
        Limits: ``bounds[0] >= low`` (``> low`` with ``strict_low``) and ``bounds[1] <= high``.
    strict_low : bool, optional
        Exclude ``low`` itself (e.g. a gamma exponent must be > 0).

    Returns
    -------
    (float, float)

    Raises
    ------
    TypeError
        ``bounds`` is not a pair of numbers.
    ValueError
        The pair is not finite, not ordered, or outside the limits; the message names ``name`` and every rule.

    Examples
    --------
    >>> check_range("contrast", (0.25, 0.6), low=0.0, high=2.0)
    (0.25, 0.6)
    >>> check_range("gamma", (0.0, 1.0), low=0.0, strict_low=True)
    Traceback (most recent call last):
    ...
    ValueError: gamma must be (low, high) with low <= high and low > 0, got (0.0, 1.0)
    """
    try:
        lo, hi = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a (low, high) pair of numbers, got {bounds!r}") from None
    rules = ["low <= high"]
    ok = math.isfinite(lo) and math.isfinite(hi) and lo <= hi
    if low is not None:
        rules.append(f"low {'>' if strict_low else '>='} {low:g}")
        ok = ok and (lo > low if strict_low else lo >= low)
    if high is not None:
        rules.append(f"high <= {high:g}")
        ok = ok and hi <= high
    if not ok:
        raise ValueError(f"{name} must be (low, high) with {' and '.join(rules)}, got {bounds!r}")
    return lo, hi
