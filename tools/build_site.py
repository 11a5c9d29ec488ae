"""Build the static course site: execute every notebook and render it to HTML, with an index page.

Usage::

    python -m tools.build_site                 # -> build/site/index.html + one page per notebook
    python -m tools.build_site --student       # solutions removed -> build/site-student/
    python -m tools.build_site --student --source build/student/notebooks   # from `make student`'s edition
    python -m tools.build_site --only 00_start_here.ipynb --out /tmp/site

Each page shows the executed notebook with its figures; the viewers leave their current image as a static PNG, so
widget snapshots appear without a running kernel (the 3D viewer too: its PNG replaces the widget). ``3d.html`` is a
kernel-free live 3D view (tools/site3d.py). Every figure gets alt text from the "*Figure:*" sentence of the
markdown cell before it (the notebooks' accessibility convention).
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import time
from pathlib import Path

import nbformat

from helpers.course import COURSE_MAP
from tools import site3d
from tools.editions import student_edition

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PLACEHOLDER = "No description has been provided for this image"
FIGURE_RE = re.compile(r"\*Figure:\*\s*(.+?)(?:\n\n|$)", re.S)


def remove_solutions(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Make ``nb`` the student edition (tools/editions.py: no cells tagged ``solution``), in place."""
    nb.cells = student_edition(nb).cells
    return nb


def figure_captions(nb: nbformat.NotebookNode) -> list[str]:
    """Return one alt text per image output, in page order.

    Each image is described by the last "*Figure:*" sentence of the markdown before it; consecutive code cells
    after one caption share it, and a markdown cell without a caption ends it once it has been used. An image
    without a caption gets a generic description naming its section (which tools/a11y.py flags).
    """
    caption, used, section, captions = None, False, "figure", []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            headings = re.findall(r"^#+\s*(.+)$", cell.source, re.M)
            section = headings[-1] if headings else section
            found = FIGURE_RE.findall(cell.source)
            if found:
                caption, used = " ".join(found[-1].split()), False
            elif used:
                caption = None
            continue
        n_images = sum("image/png" in out.get("data", {}) for out in cell.get("outputs", []))
        captions += [caption or f"Figure of the section '{section}'"] * n_images
        used = used or n_images > 0
    return captions


def apply_alt_text(page: str, captions: list[str]) -> str:
    """Replace nbconvert's placeholder alt text of the output images, in order, by ``captions``."""
    parts = page.split(f'alt="{PLACEHOLDER}"')
    out = [parts[0]]
    for i, part in enumerate(parts[1:]):
        text = captions[i] if i < len(captions) else "Figure"
        out.append(f'alt="{html.escape(text, quote=True)}"{part}')
    return "".join(out)


def execute(nb: nbformat.NotebookNode, *, timeout: int = 120) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel with the notebooks folder as working directory."""
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}},
                   store_widget_state=True).execute()
    return nb


def keep_static_views(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Show the PNG of every output that carries a live widget and a PNG (the 3D viewer), in place.

    A page has no kernel: the 3D viewer's widget would load NiiVue and its volumes into the page and still could
    not follow a control. The PNG it carries for such front ends is kept instead, and the widget states of
    anywidget models (NiiVue's code and volumes, megabytes) are dropped from the stored state.
    """
    widget = "application/vnd.jupyter.widget-view+json"
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if widget in data and "image/png" in data:
                del data[widget]
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for model_id in [k for k, v in state.items() if v.get("model_module") == "anywidget"]:
        del state[model_id]
    return nb


def to_html(nb: nbformat.NotebookNode, title: str) -> str:
    """Render an executed notebook with nbconvert's JupyterLab template."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body.replace("<html>", '<html lang="en">', 1)


def index_html(pages: list[tuple[str, str, str, str]], *, student: bool) -> str:
    """The index page: the course map with links to the rendered notebooks."""
    rows = "\n".join(
        f'<tr><td><a href="{html.escape(href)}">{html.escape(nb)}</a></td><td>{html.escape(title)}</td>'
        f"<td>{html.escape(lecture)}</td></tr>" for href, nb, title, lecture in pages)
    variant = " (student edition: solutions removed)" if student else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Medical imaging course companion{variant}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}}
table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:.3em .6em;text-align:left}}</style></head>
<body><main>
<h1>Medical imaging, hands-on: a course companion{variant}</h1>
<p>Executed notebooks of the course, one per topic of Lecture 3, <em>Medical Imaging</em>, in lecture order.
Built {time.strftime("%Y-%m-%d")}. Interactive viewers are shown as their initial image; run the notebooks
in JupyterLab, Binder or Colab to move the sliders. One volume is live without a kernel:
<a href="3d.html">the MNI152 template in 3D</a> (NiiVue, WebGL).</p>
<h2>Course map</h2>
<table><thead><tr><th scope="col">Notebook</th><th scope="col">Topic</th><th scope="col">Lecture slides</th></tr>
</thead><tbody>
{rows}
</tbody></table>
</main></body></html>
"""


def build(out: Path, *, student: bool = False, only: list[str] | None = None, run: bool = True,
          source: Path = NOTEBOOKS) -> list[Path]:
    """Execute and render the notebooks of ``source`` into ``out``; return the pages written (index first)."""
    out.mkdir(parents=True, exist_ok=True)
    pages, written = [], []
    for chapter in COURSE_MAP:
        path = source / chapter.notebook
        if not path.exists() or (only and chapter.notebook not in only):
            continue
        nb = nbformat.read(str(path), as_version=4)
        if student:
            remove_solutions(nb)
        if run:
            start = time.perf_counter()
            execute(nb)
            print(f"executed {chapter.notebook} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        keep_static_views(nb)
        page = out / chapter.notebook.replace(".ipynb", ".html")
        page.write_text(apply_alt_text(to_html(nb, f"{chapter.notebook}: {chapter.title}"), figure_captions(nb)))
        pages.append((page.name, chapter.notebook, chapter.title, chapter.lecture))
        written.append(page)
    index = out / "index.html"
    index.write_text(index_html(pages, student=student))
    return [index, *written, site3d.write_page(out)]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="output folder (default build/site[-student])")
    parser.add_argument("--student", action="store_true", help="remove the exercise solutions")
    parser.add_argument("--only", nargs="*", help="notebook file names to build (default all)")
    parser.add_argument("--source", type=Path, default=NOTEBOOKS,
                        help="folder of the notebooks to build (default notebooks/; `make site-student` passes "
                             "build/student/notebooks)")
    args = parser.parse_args(argv)
    out = args.out or ROOT / "build" / ("site-student" if args.student else "site")
    pages = build(out, student=args.student, only=args.only, source=args.source)
    print(f"wrote {len(pages)} pages to {out}; open {pages[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
