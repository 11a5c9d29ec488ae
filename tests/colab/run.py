"""``make test-colab``: the course on Colab's own package versions, with the notebooks' real bootstrap.

Usage (from the repository root; PYTHON313 is a CPython 3.13, as Colab runs)::

    python tests/colab/run.py PYTHON313

Steps, each timed:

1. a throwaway venv (``$COLAB_VENV``, default ``/tmp/medimg-colab-venv``; a previous one is brought back to the
   list: what the list lacks is uninstalled) with Colab's versions from ``tests/colab/colab-versions.txt``.
   Colab's torch and torchvision are CPU builds; the package index has only the CUDA builds of those versions, so
   the venv gets those (same version, plus the CUDA libraries, which Colab's list does not name and this check
   ignores);
2. the setup cell's bootstrap, run as in Colab (a fake ``google.colab`` module) on a clone of this repository's
   committed HEAD; it fails if the bootstrap upgraded or downgraded any package the venv had, or installed
   anything but ``requirements-colab.txt``;
3. nbval (the test runner, which Colab lacks) installed without touching Colab's packages;
4. in the clone: the viewer, sample and environment tests (ipywidgets 7, scikit-image 0.25 ...) and every
   notebook re-executed by nbval.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VERSIONS = Path(__file__).with_name("colab-versions.txt")
VENV = Path(os.environ.get("COLAB_VENV", Path(tempfile.gettempdir()) / "medimg-colab-venv"))
PINS = VENV / "colab-pins.txt"  # colab-versions.txt as pip can install it here (see build_venv)
CUDA_STAND_INS = ("nvidia-", "cuda-", "triton")  # libraries of the CUDA build that stands in for Colab's CPU one
# ipython 7.34 requires jedi (and jedi parso), which Colab's list leaves out: pip brings them, as it would on Colab
REQUIRED_BUT_UNLISTED = ("jedi", "parso")
TOOLS = ["nbval", "coverage"]  # the test runner; not part of Colab
TESTS = ["tests/test_widgets.py", "tests/test_viewer3d.py", "tests/test_data.py", "tests/test_environment.py",
         "tests/test_colab_install.py", "notebooks"]
# nilearn is installed without its dependencies on Colab (only its files are read): its own loaders, the
# reference of this one test, need a newer pandas than Colab's
DESELECT = ["tests/test_data.py::test_brain_maps_match_nilearn"]


def canonical(name: str) -> str:
    """PEP 503 name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def colab_pins() -> dict[str, str]:
    """``{name: version}`` from colab-versions.txt."""
    lines = (line.strip() for line in VERSIONS.read_text().splitlines())
    return {canonical(n): v for n, v in (line.split("==", 1) for line in lines if line and not line[0] == "#")}


def python() -> str:
    return str(VENV / "bin" / "python")


def pip(*args: str, cwd: Path | None = None) -> None:
    subprocess.run([python(), "-m", "pip", "install", "-q", *args], check=True, cwd=cwd)


def installed() -> dict[str, str]:
    """``{name: version}`` of the venv's distributions."""
    listing = subprocess.run([python(), "-m", "pip", "list", "--format=json"], check=True, capture_output=True,
                             text=True).stdout
    return {canonical(row["name"]): row["version"] for row in json.loads(listing)}


def build_venv(python313: str) -> None:
    """Create the venv, or bring a previous one back to exactly Colab's versions (faster than a new one)."""
    if not Path(python()).exists():
        subprocess.run([python313, "-m", "venv", str(VENV)], check=True)
    pins = colab_pins()
    keep = CUDA_STAND_INS + REQUIRED_BUT_UNLISTED + ("pip",)
    extra = [name for name in installed() if name not in pins and not name.startswith(keep)]
    if extra:  # e.g. what the last run's bootstrap added
        subprocess.run([python(), "-m", "pip", "uninstall", "-q", "-y", *extra], check=True)
    # the index has no +cpu builds: the same release without the local label
    PINS.write_text("\n".join(f"{name}=={version.split('+')[0]}" for name, version in pins.items()))
    pip("-r", str(PINS))


def differences(expected: dict[str, str], actual: dict[str, str]) -> list[str]:
    """Packages whose version differs from ``expected`` (local labels ignored), or that ``expected`` lacks."""
    problems = []
    for name, version in sorted(actual.items()):
        if name in ("pip", *REQUIRED_BUT_UNLISTED) or name.startswith(CUDA_STAND_INS):
            continue
        if name not in expected:
            problems.append(f"{name} {version} is not in Colab's list")
        elif version.split("+")[0] != expected[name].split("+")[0]:
            problems.append(f"{name}: {expected[name]} -> {version}")
    return problems


def run_bootstrap(workdir: Path) -> str:
    """Clone HEAD through the notebooks' own bootstrap code, as Colab runs it; return what it printed."""
    sys.path.insert(0, str(ROOT))
    import nbformat

    from tools import nbtool

    origin = workdir / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(ROOT), str(origin)], check=True)
    branch = subprocess.run(["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.strip()
    setup = next(c.source for c in nbformat.read(str(ROOT / "notebooks" / "00_start_here.ipynb"), 4).cells
                 if "setup" in c.metadata.get("tags", []))
    code = setup[: setup.index(nbtool.BOOT_END)]
    settings = nbtool.course_settings()
    code = code.replace(f"https://github.com/{settings['github']}.git", origin.as_uri())
    code = code.replace(f'"{settings["ref"]}"', f'"{branch}"', 1)
    fake_colab = ("import sys, types; sys.modules['google'] = types.ModuleType('google'); "
                  "sys.modules['google.colab'] = types.ModuleType('google.colab')\n")
    done = subprocess.run([python(), "-c", fake_colab + code], cwd=workdir, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the bootstrap failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def step(name: str, timings: dict, action, *args):
    start = time.monotonic()
    result = action(*args)
    timings[name] = round(time.monotonic() - start)
    print(f"[test-colab] {name}: {timings[name]} s", flush=True)
    return result


def main(python313: str) -> int:
    """Run the steps of the module docstring; non-zero exit on the first failure."""
    timings: dict[str, int] = {}
    step("Colab venv", timings, build_venv, python313)
    before = installed()
    wrong = differences(colab_pins(), before)
    if wrong:
        raise SystemExit("the venv differs from Colab's list (regenerate it?):\n" + "\n".join(wrong))
    workdir = Path(tempfile.mkdtemp(prefix="medimg-colab-"))
    printed = step("bootstrap", timings, run_bootstrap, workdir)
    after = installed()
    changed = differences(before, {k: v for k, v in after.items() if k in before})
    added = set(after) - set(before)
    wanted = {canonical(line.split(">=")[0]) for line in (ROOT / "requirements-colab.txt").read_text().splitlines()
              if line and not line.startswith("#")}
    if changed or added != wanted or printed:
        raise SystemExit(f"the bootstrap changed Colab's packages: {changed}; added {sorted(added)}, expected "
                         f"{sorted(wanted)}; printed {printed!r}")
    print(f"[test-colab] bootstrap added {len(added)} packages and changed none of Colab's {len(before)}")
    step("test tools", timings, pip, *TOOLS, "-c", str(PINS))
    unchanged = differences(before, {k: v for k, v in installed().items() if k in before})
    if unchanged:
        raise SystemExit(f"installing {TOOLS} changed Colab's packages: {unchanged}")
    clone = workdir / "medimg-course"
    # COLAB_RELEASE_TAG: set in Colab's runtime; 00's environment check then leaves out the local JupyterLab
    env = {**os.environ, "PYTHONPATH": str(clone), "MPLBACKEND": "Agg", "COLAB_RELEASE_TAG": "test-colab"}
    deselect = [arg for test in DESELECT for arg in ("--deselect", test)]
    command = [python(), "-m", "pytest", *TESTS, *deselect, "-q", "-p", "no:randomly"]
    tests = step("tests and notebooks", timings, lambda: subprocess.run(command, cwd=clone, env=env))
    print(f"[test-colab] seconds per step: {timings}; total {sum(timings.values())} s")
    shutil.rmtree(workdir, ignore_errors=True)
    return tests.returncode


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
