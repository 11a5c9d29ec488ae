"""Optional downloads (MedMNIST): only when asked, checksum-verified, cached, atomic, with a progress bar.

Nothing in the course needs the network; these functions exist for students who want a larger real dataset.
Files are cached in ``data_dir`` → ``$COURSE_DATA_DIR`` → ``<repository>/data/cache`` (git-ignored; safe to
delete). A download is written to a temporary file beside the target and renamed only after its size and
checksum are right, so an interrupted or wrong transfer never leaves a half file behind. A cached file whose
checksum is wrong is never used.

Checksums. MedMNIST publishes an MD5 for every file (the ``INFO`` table of the ``medmnist`` package,
``medmnist/info.py``, for the MedMNIST+ Zenodo record 10519652); no sha256 is published, and we could not
download the files here to compute one. So the published MD5 is checked by default, and a caller who knows the
sha256 passes ``sha256=`` to have that checked as well.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from helpers.data import ChecksumError

__all__ = [
    "DownloadError",
    "MEDMNIST_FILES",
    "cache_dir",
    "file_digest",
    "fetch_file",
    "download_medmnist",
    "load_medmnist",
]

_REPO_CACHE = Path(__file__).resolve().parents[1] / "data" / "cache"

# Published by MedMNIST (medmnist/info.py INFO table, records/10519652); licence and split sizes from the same
# table (split sizes also in FACTS.md §11 [45]). sha256 values are not published (see module docstring).
MEDMNIST_FILES: dict[str, dict] = {
    "pneumoniamnist": {
        "url": "https://zenodo.org/records/10519652/files/pneumoniamnist.npz?download=1",
        "md5": "28209eda62fecd6e6a2d98b1501bb15f",
        "sha256": None,
        "licence": "CC BY 4.0",
        "labels": {0: "normal", 1: "pneumonia"},
        "n_samples": {"train": 4708, "val": 524, "test": 624},
        "description": "28×28 paediatric chest X-rays, normal vs pneumonia (MedMNIST v2).",
    },
    "breastmnist": {
        "url": "https://zenodo.org/records/10519652/files/breastmnist.npz?download=1",
        "md5": "750601b1f35ba3300ea97c75c52ff8f6",
        "sha256": None,
        "licence": "CC BY 4.0",
        "labels": {0: "malignant", 1: "normal, benign"},
        "n_samples": {"train": 546, "val": 78, "test": 156},
        "description": "28×28 breast ultrasound images, malignant (label 0!) vs normal/benign (MedMNIST v2).",
    },
}
_CITATION = (
    "Yang J, Shi R, Wei D, et al. MedMNIST v2 - A large-scale lightweight benchmark for 2D and 3D biomedical "
    "image classification. Sci Data 2023;10:41. doi:10.1038/s41597-022-01721-8"
)
_SPLIT_KEYS = ("train_images", "train_labels", "val_images", "val_labels", "test_images", "test_labels")


class DownloadError(ConnectionError):
    """The file could not be fetched (offline, server error, interrupted transfer); nothing was saved."""


def cache_dir(data_dir: str | Path | None = None) -> Path:
    """Folder for downloaded files: `data_dir`, else ``$COURSE_DATA_DIR``, else ``<repository>/data/cache``.

    Parameters
    ----------
    data_dir : str or pathlib.Path, optional

    Returns
    -------
    pathlib.Path
        The folder (not created here).
    """
    if data_dir is not None:
        return Path(data_dir).expanduser()
    env = os.environ.get("COURSE_DATA_DIR")
    return Path(env).expanduser() if env else _REPO_CACHE


def file_digest(path: str | Path, algorithm: str = "sha256", *, chunk_bytes: int = 1 << 20) -> str:
    """Hex digest of a file (``"sha256"`` or ``"md5"``), read in chunks.

    Parameters
    ----------
    path : str or pathlib.Path
    algorithm : {"sha256", "md5"}
    chunk_bytes : int, optional

    Returns
    -------
    str
    """
    if algorithm not in ("sha256", "md5"):
        raise ValueError(f"algorithm must be 'sha256' or 'md5', got {algorithm!r}")
    h = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        while block := fh.read(chunk_bytes):
            h.update(block)
    return h.hexdigest()


def _expected(sha256: str | None, md5: str | None) -> dict[str, str]:
    expected = {k: v.lower() for k, v in (("sha256", sha256), ("md5", md5)) if v}
    if not expected:
        raise ValueError("no checksum given: pass sha256=... (or md5=...) so the file can be verified")
    for algo, n in (("sha256", 64), ("md5", 32)):
        if algo in expected and (
            len(expected[algo]) != n or any(c not in "0123456789abcdef" for c in expected[algo])
        ):
            raise ValueError(f"{algo}= must be {n} hex characters, got {expected[algo]!r}")
    return expected


def _mismatch(path: Path, expected: dict[str, str]) -> str | None:
    """Describe the first checksum that does not match, or None when all match."""
    for algo, want in expected.items():
        got = file_digest(path, algo)
        if got != want:
            return f"{algo} is {got}, expected {want}"
    return None


def fetch_file(
    url: str,
    dest: str | Path,
    *,
    sha256: str | None = None,
    md5: str | None = None,
    progress: bool = True,
    timeout: float = 60.0,
    chunk_bytes: int = 1 << 16,
) -> Path:
    """Download `url` to `dest` unless a verified copy is already there.

    Parameters
    ----------
    url : str
        http(s) URL.
    dest : str or pathlib.Path
        Target file; its folder is created.
    sha256, md5 : str, optional
        Expected hex digests; at least one is required. All given are checked.
    progress : bool, optional
        Show a ``tqdm`` progress bar.
    timeout : float, optional
        Seconds to wait for the connection and for each read.
    chunk_bytes : int, optional
        Read size.

    Returns
    -------
    pathlib.Path
        `dest`, verified.

    Raises
    ------
    ValueError
        If no checksum is given.
    DownloadError
        Offline, server error, timeout or interrupted transfer. No file is left behind.
    ChecksumError
        The downloaded bytes do not match. No file is left behind.

    Notes
    -----
    An existing `dest` that fails the check is never returned: it is replaced by a fresh, verified download
    (the rename is atomic, so readers see either the old or the new complete file).
    """
    expected = _expected(sha256, md5)
    dest = Path(dest)
    if dest.is_file() and _mismatch(dest, expected) is None:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            _stream(url, out, progress=progress, timeout=timeout, chunk_bytes=chunk_bytes, label=dest.name)
        problem = _mismatch(tmp, expected)
        if problem:
            raise ChecksumError(
                f"download of {url} failed verification ({problem}); nothing was saved. The "
                f"server may have sent an error page or a different file version."
            )
        os.replace(tmp, dest)  # atomic on the same file system
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def _stream(url: str, out, *, progress: bool, timeout: float, chunk_bytes: int, label: str) -> None:
    from tqdm.auto import tqdm

    request = urllib.request.Request(url, headers={"User-Agent": "medimg-course-helpers"})
    try:
        resp = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        raise DownloadError(
            f"the server answered HTTP {err.code} ({err.reason}) for {url}; nothing was saved"
        ) from err
    except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
        reason = getattr(err, "reason", err)
        raise DownloadError(
            f"could not download {url} ({reason}). Are you offline? This dataset is optional "
            f"and nothing in the course needs it; to use it, connect to the internet and try "
            f"again, or copy the file into the cache folder by hand."
        ) from err
    with resp:
        length = resp.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        done = 0
        try:
            with tqdm(total=total, unit="B", unit_scale=True, desc=label, disable=not progress) as bar:
                while block := resp.read(chunk_bytes):
                    out.write(block)
                    done += len(block)
                    bar.update(len(block))
        except (http.client.IncompleteRead, TimeoutError, ConnectionError) as err:
            raise DownloadError(
                f"transfer of {url} was interrupted after {done} bytes ({err!r}); nothing "
                f"was saved. Run the download again."
            ) from err
        if total is not None and done != total:
            raise DownloadError(
                f"transfer of {url} was interrupted after {done} of {total} bytes; nothing "
                f"was saved. Run the download again."
            )


def _medmnist_entry(name: str) -> dict:
    if name not in MEDMNIST_FILES:
        raise ValueError(f"unknown MedMNIST dataset {name!r}; available: {', '.join(MEDMNIST_FILES)}")
    return MEDMNIST_FILES[name]


def _medmnist_checks(name: str, sha256: str | None, md5: str | None) -> dict[str, str | None]:
    entry = _medmnist_entry(name)
    if sha256 or md5:
        return {"sha256": sha256, "md5": md5}
    return {"sha256": entry["sha256"], "md5": entry["md5"]}


def download_medmnist(
    name: str = "pneumoniamnist",
    *,
    data_dir: str | Path | None = None,
    url: str | None = None,
    progress: bool = True,
    sha256: str | None = None,
    md5: str | None = None,
    timeout: float = 60.0,
) -> Path:
    """Download one MedMNIST v2 file (28×28 npz, a few MB) into the cache, only when called.

    Parameters
    ----------
    name : {"pneumoniamnist", "breastmnist"}
    data_dir : str or pathlib.Path, optional
        Cache folder; default ``$COURSE_DATA_DIR`` or ``<repository>/data/cache``.
    url : str, optional
        Another location of the same file (a mirror); the checksum still applies.
    progress : bool, optional
        Show a progress bar.
    sha256, md5 : str, optional
        Expected digests. Default: MedMNIST's published MD5 (no sha256 is published).
    timeout : float, optional
        Seconds.

    Returns
    -------
    pathlib.Path
        The verified ``<data_dir>/<name>.npz``.

    Raises
    ------
    ValueError
        Unknown `name`.
    DownloadError
        Offline or transfer failure (nothing saved).
    ChecksumError
        Wrong bytes (nothing saved).

    References
    ----------
    .. [1] Yang J et al. MedMNIST v2. Sci Data 2023;10:41. doi:10.1038/s41597-022-01721-8
    """
    entry = _medmnist_entry(name)
    checks = _medmnist_checks(name, sha256, md5)
    dest = cache_dir(data_dir) / f"{name}.npz"
    return fetch_file(url or entry["url"], dest, progress=progress, timeout=timeout, **checks)


def load_medmnist(
    name: str, *, data_dir: str | Path | None = None, sha256: str | None = None, md5: str | None = None
) -> dict[str, np.ndarray]:
    """Load a cached MedMNIST file (never downloads).

    Parameters
    ----------
    name : {"pneumoniamnist", "breastmnist"}
    data_dir : str or pathlib.Path, optional
        Cache folder (see :func:`cache_dir`).
    sha256, md5 : str, optional
        Expected digests; default MedMNIST's published MD5.

    Returns
    -------
    dict of str to ndarray
        ``train_images`` (n, 28, 28) uint8, ``train_labels`` (n, 1), and the same for ``val`` and ``test``.

    Raises
    ------
    FileNotFoundError
        Not downloaded yet (the message says how).
    ChecksumError
        The cached file is corrupted; it is not used.
    """
    checks = _medmnist_checks(name, sha256, md5)
    path = cache_dir(data_dir) / f"{name}.npz"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: MedMNIST is optional and downloaded only on request. Run "
            f"helpers.datasets.download_medmnist({name!r}) once (needs internet)."
        )
    problem = _mismatch(path, _expected(checks["sha256"], checks["md5"]))
    if problem:
        raise ChecksumError(
            f"cached file {path} is corrupted or a different version ({problem}); it was "
            f"not used. Delete it or call download_medmnist({name!r}), which replaces a bad "
            f"copy."
        )
    with np.load(path) as npz:
        missing = [k for k in _SPLIT_KEYS if k not in npz.files]
        if missing:
            raise ValueError(f"{path} is not a MedMNIST file: missing arrays {missing}")
        return {k: npz[k] for k in _SPLIT_KEYS}
