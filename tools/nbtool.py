"""Notebook tooling: edit notebooks as plain text, stamp the Colab bootstrap and badges, strip outputs.

Usage (from the repository root)::

    python tools/nbtool.py topy notebooks/01_modalities.ipynb  > /tmp/01.py    # ipynb -> percent text
    python tools/nbtool.py frompy /tmp/01.py notebooks/01_modalities.ipynb     # percent text -> ipynb (stamped)
    python tools/nbtool.py stamp                                                 # re-stamp every notebook
    python tools/nbtool.py strip notebooks/*.ipynb                               # drop outputs and counts

Percent text format: each cell starts with a header line ``# %% [markdown] slide=slide tags=check,other`` (markdown)
or ``# %% slide=fragment tags=setup`` (code). Markdown lines are written as comments (``# text``). ``slide`` is the
RISE slide type (slide, subslide, fragment, skip, notes, -); cells tagged ``solution`` are stored collapsed.

The repository slug and ref come from ``[tool.course]`` in pyproject.toml, the single place that names them.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
TAGS = ("setup", "check", "exercise", "solution")
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

    Inside Google Colab it clones the course repository (the stamped ref), installs what Colab lacks from
    ``requirements-colab.txt`` and puts the clone on ``sys.path`` so ``import helpers`` works. Elsewhere it does
    nothing: JupyterLab and Binder already have the package installed.
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
        '        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-r",',
        f'                        "{CLONE_DIR}/requirements-colab.txt"], check=True)',
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


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove outputs and execution counts; keep the collapsed state of solution cells (in place)."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        if "solution" in cell.metadata.get("tags", []):
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
    return nb


def _parse_header(line: str) -> tuple[str, dict]:
    """Parse ``# %% [markdown] slide=... tags=a,b`` into (cell_type, metadata)."""
    words = line[4:].split()
    cell_type = "markdown" if words[:1] == ["[markdown]"] else "code"
    meta: dict = {"slideshow": {"slide_type": "-"}}
    for word in words[1 if cell_type == "markdown" else 0:]:
        key, _, value = word.partition("=")
        if key == "slide":
            if value not in SLIDE_TYPES:
                raise ValueError(f"unknown slide type {value!r} in {line!r}; use one of {SLIDE_TYPES}")
            meta["slideshow"]["slide_type"] = value
        elif key == "tags":
            meta["tags"] = [t for t in value.split(",") if t]
        else:
            raise ValueError(f"unknown cell option {word!r} in {line!r}; use slide=... or tags=...")
    return cell_type, meta


def from_percent(text: str) -> nbformat.NotebookNode:
    """Build a notebook from percent text (see the module docstring)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}}
    chunks = re.split(r"^(# %%.*)$", text, flags=re.M)
    for header, body in zip(chunks[1::2], chunks[2::2], strict=True):
        cell_type, meta = _parse_header(header)
        lines = body.strip("\n").split("\n")
        if cell_type == "markdown":
            source = "\n".join(re.sub(r"^# ?", "", ln) for ln in lines)
            cell = nbformat.v4.new_markdown_cell(source.strip("\n"))
        else:
            cell = nbformat.v4.new_code_cell("\n".join(lines).strip("\n"))
        cell.metadata = meta
        nb.cells.append(cell)
    return strip(nb)


def to_percent(nb: nbformat.NotebookNode) -> str:
    """Write a notebook as percent text (inverse of :func:`from_percent`)."""
    parts = []
    for cell in nb.cells:
        opts = [f"slide={cell.metadata.get('slideshow', {}).get('slide_type', '-')}"]
        if cell.metadata.get("tags"):
            opts.append("tags=" + ",".join(cell.metadata["tags"]))
        kind = " [markdown]" if cell.cell_type == "markdown" else ""
        body = cell.source
        if cell.cell_type == "markdown":
            body = "\n".join(("# " + ln).rstrip() for ln in body.split("\n"))
        parts.append(f"# %%{kind} {' '.join(opts)}\n{body}\n")
    return "\n".join(parts)


def write(nb: nbformat.NotebookNode, path: Path) -> None:
    """Stamp, strip, validate and write ``nb`` to ``path``."""
    stamp(strip(nb), Path(path).name)
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i:03d}"  # stable ids keep diffs small
    nbformat.validate(nb)
    nbformat.write(nb, str(path))


def main(argv: list[str]) -> int:
    """Command-line entry point (see the module docstring)."""
    if not argv:
        print(__doc__)
        return 2
    cmd, args = argv[0], argv[1:]
    if cmd == "topy":
        print(to_percent(nbformat.read(args[0], as_version=4)))
    elif cmd == "frompy":
        write(from_percent(Path(args[0]).read_text()), Path(args[1]))
    elif cmd in ("stamp", "strip"):
        for path in args or sorted(NOTEBOOKS.glob("*.ipynb")):
            write(nbformat.read(str(path), as_version=4), Path(path))
    else:
        print(f"unknown command {cmd!r}; use topy, frompy, stamp or strip", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
