"""File checksums, shared by the sample catalogue (:mod:`helpers.data`) and the downloads (:mod:`helpers.download`).

Both check files against published digests and raise the same :class:`ChecksumError`, so it lives here, where
neither has to import the other.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["ChecksumError", "file_digest"]

_ALGORITHMS = ("sha256", "md5")


class ChecksumError(ValueError):
    """A file's sha256 (or md5) differs from the expected value."""


def file_digest(path: str | Path, algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in chunks (``hashlib.file_digest``).

    Parameters
    ----------
    path : str or pathlib.Path
        The file.
    algorithm : {"sha256", "md5"}
        Hash function.

    Returns
    -------
    str
        Lowercase hex: 64 characters for sha256, 32 for md5.

    Raises
    ------
    ValueError
        If `algorithm` is not ``"sha256"`` or ``"md5"``.
    """
    if algorithm not in _ALGORITHMS:
        raise ValueError(f"algorithm must be 'sha256' or 'md5', got {algorithm!r}")
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, algorithm).hexdigest()
