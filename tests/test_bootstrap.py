"""The Colab bootstrap of every setup cell, run offline: a fake `google.colab` module and a local git clone."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools import nbtool

ROOT = Path(__file__).resolve().parents[1]


def _bootstrap_source() -> str:
    nb = nbformat.read(str(ROOT / "notebooks" / "00_start_here.ipynb"), as_version=4)
    setup = nb.cells[1].source
    return setup[: setup.index(nbtool.BOOT_END) + len(nbtool.BOOT_END)]


def _run(code: str, cwd: Path, *, in_colab: bool) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter, with a fake google.colab module when ``in_colab``."""
    fake = "import sys, types; sys.modules['google'] = types.ModuleType('google'); " \
           "sys.modules['google.colab'] = types.ModuleType('google.colab')\n" if in_colab else ""
    return subprocess.run([sys.executable, "-c", fake + code], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def local_origin(tmp_path_factory) -> Path:
    """A bare clone of this repository's HEAD, standing in for GitHub."""
    origin = tmp_path_factory.mktemp("origin") / "course.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(ROOT), str(origin)], check=True)
    return origin


def test_bootstrap_does_nothing_outside_colab(tmp_path):
    result = _run(_bootstrap_source(), tmp_path, in_colab=False)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_bootstrap_clones_installs_and_imports_helpers_in_colab(tmp_path, local_origin):
    branch = subprocess.run(["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    code = _bootstrap_source().replace(f"https://github.com/{nbtool.course_settings()['github']}.git",
                                       local_origin.as_uri())
    code = code.replace(f'"{nbtool.course_settings()["ref"]}"', f'"{branch}"', 1)
    # after the bootstrap, helpers must import from the clone, not from this checkout
    check = "\nimport helpers, os; print(os.path.relpath(helpers.__file__))"
    result = _run(code + check, tmp_path, in_colab=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(f"{nbtool.CLONE_DIR}/helpers/__init__.py")
    assert (tmp_path / nbtool.CLONE_DIR / "requirements-colab.txt").exists()
    again = _run(code, tmp_path, in_colab=True)  # a second run (re-executing the cell) must not clone again
    assert again.returncode == 0, again.stderr


def test_bootstrap_fails_loudly_when_the_clone_fails(tmp_path):
    code = _bootstrap_source().replace(f"https://github.com/{nbtool.course_settings()['github']}.git",
                                       (tmp_path / "no-such-repo").as_uri())
    result = _run(code, tmp_path, in_colab=True)
    assert result.returncode != 0 and "CalledProcessError" in result.stderr
