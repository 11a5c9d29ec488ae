"""Stamp the Colab bootstrap and the Colab/Binder badges into the notebooks (``make stamp``).

Usage (from the repository root)::

    python tools/nbtool.py stamp                                # every notebook in notebooks/
    python tools/nbtool.py stamp notebooks/01_modalities.ipynb  # some of them

The repository slug and ref come from ``[tool.course]`` in pyproject.toml, the single place that names them.
Stamping syncs each notebook with its paired percent script first (so edits made in the script are kept), writes
the stamp into the ``.ipynb``, then syncs again so the script carries it too. Editing notebooks as text, and the
pairing itself, is jupytext's job (``[tool.jupytext]`` in pyproject.toml, ``make sync``).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BADGES_START, BADGES_END = "<!-- badges -->", "<!-- /badges -->"
BOOT_START = "# --- Colab bootstrap"
BOOT_END = "# --- end of Colab bootstrap ---"
CLONE_DIR = "medimg-course"


def course_settings() -> dict:
    """Return ``{"github": "owner/name", "ref": "..."}`` from pyproject.toml's ``[tool.course]``."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["course"]


def badges_markdown(notebook_name: str, settings: dict | None = None) -> str:
    """Return the Colab and Binder badge line for one notebook, between the badge markers."""
    s = settings or course_settings()
    colab = f"https://colab.research.google.com/github/{s['github']}/blob/{s['ref']}/notebooks/{notebook_name}"
    binder = f"https://mybinder.org/v2/gh/{s['github']}/{s['ref']}?urlpath=lab/tree/notebooks/{notebook_name}"
    return (f"{BADGES_START}\n[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab}) "
            f"[![Launch on Binder](https://mybinder.org/badge_logo.svg)]({binder})\n{BADGES_END}")


def bootstrap_code(settings: dict | None = None) -> str:
    """Return the Colab bootstrap block that opens every notebook's setup cell.

    Inside Google Colab, the first time, it clones the course repository (the stamped ref) and runs
    ``tools/colab_install.py``, which installs what Colab lacks (``requirements-colab.txt``, ``--no-deps``) and
    says once to restart if that changed a module already imported; then it puts the clone on ``sys.path`` so
    ``import helpers`` works. Elsewhere it does nothing: JupyterLab and Binder already have the package installed.
    """
    s = settings or course_settings()
    return "\n".join([
        f"{BOOT_START}: does nothing outside Google Colab (stamped by tools/nbtool.py) ---",
        "import os",
        "import subprocess",
        "import sys",
        f'COURSE_REPO, COURSE_REF = "https://github.com/{s["github"]}.git", "{s["ref"]}"',
        'if "google.colab" in sys.modules:',
        f'    if not os.path.isdir("{CLONE_DIR}"):',
        '        subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", COURSE_REF, COURSE_REPO,',
        f'                        "{CLONE_DIR}"], check=True)',
        f'        installed = subprocess.run([sys.executable, "{CLONE_DIR}/tools/colab_install.py", *sys.modules],',
        "                                   capture_output=True, text=True)",
        '        print(installed.stdout, end="")',
        "        installed.check_returncode()",
        f'    sys.path.insert(0, os.path.abspath("{CLONE_DIR}"))',
        BOOT_END,
    ])


def _replace_block(text: str, start: str, end: str, block: str) -> str:
    """Replace the lines from the one starting with ``start`` to ``end`` (inclusive) by ``block``."""
    pattern = re.compile(rf"^{re.escape(start)}.*?^{re.escape(end)}[^\n]*", re.S | re.M)
    if not pattern.search(text):
        raise ValueError(f"block starting {start!r} not found; add it first (see tools/nbtool.py)")
    return pattern.sub(lambda _m: block, text, count=1)


def stamp(nb: nbformat.NotebookNode, name: str, settings: dict | None = None) -> nbformat.NotebookNode:
    """Write the current badges into the header cell and the bootstrap into the setup cell (in place)."""
    header = nb.cells[0]
    if BADGES_START not in header.source:
        header.source = header.source.rstrip() + "\n\n" + BADGES_START + "\n" + BADGES_END
    header.source = _replace_block(header.source, BADGES_START, BADGES_END, badges_markdown(name, settings))
    setup = next((c for c in nb.cells if "setup" in c.metadata.get("tags", [])), None)
    if setup is None:
        raise ValueError(f"{name}: no cell tagged 'setup'")
    if BOOT_START not in setup.source:
        setup.source = BOOT_START + "\n" + BOOT_END + "\n" + setup.source
    setup.source = _replace_block(setup.source, BOOT_START, BOOT_END, bootstrap_code(settings))
    return nb


def sync(paths: list[Path]) -> None:
    """Sync each notebook with its paired percent script (``jupytext --sync``: the newer file's inputs win)."""
    from jupytext.cli import jupytext

    jupytext(["--sync", "--quiet", *map(str, paths)])


def stamp_file(path: Path, settings: dict | None = None) -> None:
    """Stamp one ``.ipynb`` file in place, keeping its cell ids, metadata and (absent) outputs."""
    nb = nbformat.read(str(path), as_version=4)
    stamp(nb, Path(path).name, settings)
    nbformat.validate(nb)
    nbformat.write(nb, str(path))


def main(argv: list[str]) -> int:
    """Command-line entry point (see the module docstring)."""
    if argv[:1] != ["stamp"]:
        print(__doc__, file=sys.stderr)
        return 2
    paths = [Path(p) for p in argv[1:]] or sorted(NOTEBOOKS.glob("*.ipynb"))
    sync(paths)
    for path in paths:
        stamp_file(path)
    sync(paths)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
