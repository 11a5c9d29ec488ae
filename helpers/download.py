"""Optional downloads (MedMNIST): only when asked, checksum-verified, cached, with a progress bar.

Nothing in the course needs the network; these functions exist for students who want a larger real dataset.
Files are cached in ``data_dir`` → ``$COURSE_DATA_DIR`` → the user cache folder (``pooch.os_cache``, e.g.
``~/.cache/medimg-course`` on Linux; safe to delete). The transfer is pooch's: it downloads to a temporary file
beside the target and moves it into place only after the checksum matches, so an interrupted or wrong transfer
never leaves a half file behind, and a cached file whose checksum is wrong is downloaded again, never used.

Checksums. MedMNIST publishes an MD5 for every file (the ``INFO`` table of the ``medmnist`` package,
``medmnist/info.py``, for the MedMNIST+ Zenodo record 10519652); no sha256 is published, and we could not
download the files here to compute one. So the published MD5 is checked by default, and a caller who knows the
sha256 passes ``sha256=`` to have that checked as well. The table of files is course content and lives in
``helpers/data/medmnist.toml``.
"""

from __future__ import annotations

import os
import re
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np

from helpers.checksums import ChecksumError, file_digest

__all__ = [
    "DownloadError",
    "MEDMNIST_CITATION",
    "MEDMNIST_FILES",
    "cache_dir",
    "fetch_file",
    "download_medmnist",
    "load_medmnist",
]

_CACHE_NAME = "medimg-course"  # folder name inside the user cache
_SPLIT_KEYS = ("train_images", "train_labels", "val_images", "val_labels", "test_images", "test_labels")


def _read_medmnist_table() -> tuple[dict[str, dict], str]:
    # helpers/data/ is read as a folder of the helpers package: importing helpers.data is not needed
    text = resources.files("helpers").joinpath("data", "medmnist.toml").read_text(encoding="utf-8")
    table = tomllib.loads(text)
    files = {
        name: entry | {"sha256": entry.get("sha256"), "labels": {int(k): v for k, v in entry["labels"].items()}}
        for name, entry in table["datasets"].items()
    }
    return files, table["citation"]


# url, md5, sha256 (None: not published), licence, labels, n_samples and description of each file
MEDMNIST_FILES, MEDMNIST_CITATION = _read_medmnist_table()


class DownloadError(ConnectionError):
    """The file could not be fetched (offline, server error, interrupted transfer); nothing was saved."""


def cache_dir(data_dir: str | Path | None = None) -> Path:
    """Folder for downloaded files: `data_dir`, else ``$COURSE_DATA_DIR``, else the user cache folder.

    Parameters
    ----------
    data_dir : str or pathlib.Path, optional

    Returns
    -------
    pathlib.Path
        The folder (not created here). The user cache is ``pooch.os_cache("medimg-course")``: e.g.
        ``~/.cache/medimg-course`` on Linux, ``~/Library/Caches/medimg-course`` on macOS.
    """
    if data_dir is not None:
        return Path(data_dir).expanduser()
    env = os.environ.get("COURSE_DATA_DIR")
    if env:
        return Path(env).expanduser()
    import pooch

    return Path(pooch.os_cache(_CACHE_NAME))


def _expected(sha256: str | None, md5: str | None) -> dict[str, str]:
    """The given digests, validated, sha256 first."""
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
) -> Path:
    """Download `url` to `dest` unless a verified copy is already there (``pooch.retrieve``).

    Parameters
    ----------
    url : str
        http(s) URL.
    dest : str or pathlib.Path
        Target file; its folder is created.
    sha256, md5 : str, optional
        Expected hex digests; at least one is required. All given are checked.
    progress : bool, optional
        Show a ``tqdm`` progress bar while downloading.
    timeout : float, optional
        Seconds to wait for the connection and for each read.

    Returns
    -------
    pathlib.Path
        `dest`, verified.

    Raises
    ------
    ValueError
        If no checksum is given, or one is not hex of the right length.
    DownloadError
        Offline, server error, timeout or interrupted transfer. No file is left behind.
    ChecksumError
        The downloaded bytes do not match. No file is left behind.

    Notes
    -----
    An existing `dest` that fails the check is never returned: it is replaced by a fresh, verified download
    (pooch moves the verified temporary file into place, so readers see either the old or the new complete file).
    """
    import pooch
    import requests

    (algo, want), *others = _expected(sha256, md5).items()
    dest = Path(dest)
    downloader = pooch.HTTPDownloader(progressbar=progress, timeout=timeout)
    try:
        pooch.retrieve(url, f"{algo}:{want}", fname=dest.name, path=dest.parent, downloader=downloader)
    except ValueError as err:  # pooch's hash check failed ("... expected <hash> but got <hash>. Deleted ...")
        got = re.search(r"but got (\w+)", str(err))
        found = f"is {got.group(1)}, expected {want}" if got else f"is not the expected {want} ({err})"
        raise ChecksumError(
            f"download of {url} failed verification ({algo} {found}); nothing was saved. The server may have sent "
            f"an error page or a different file version."
        ) from err
    except requests.RequestException as err:
        raise DownloadError(_transfer_problem(url, err)) from err
    problem = _mismatch(dest, dict(others))  # a second digest, when both were given
    if problem:
        dest.unlink()
        raise ChecksumError(f"download of {url} failed verification ({problem}); nothing was saved.")
    return dest


def _transfer_problem(url: str, err) -> str:
    """What went wrong with a transfer (a ``requests.RequestException``) and what to do about it."""
    import requests

    if isinstance(err, requests.HTTPError) and err.response is not None:
        status, reason = err.response.status_code, err.response.reason
        return f"the server answered HTTP {status} ({reason}) for {url}; nothing was saved"
    if isinstance(err, requests.ConnectionError | requests.ConnectTimeout):  # no connection, or it dropped
        return (
            f"could not download {url} ({err}). Are you offline? This dataset is optional and nothing in the "
            f"course needs it; to use it, connect to the internet and try again, or copy the file into the cache "
            f"folder by hand."
        )
    return f"transfer of {url} was interrupted ({err}); nothing was saved. Run the download again."


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
        Cache folder; default ``$COURSE_DATA_DIR`` or the user cache (see :func:`cache_dir`).
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
    .. [1] Yang J et al. MedMNIST v2. Sci Data 2023;10:41. https://doi.org/10.1038/s41597-022-01721-8
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
