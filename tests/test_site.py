"""The static site builder and its accessibility check (full build: `make site`; here one notebook)."""

from pathlib import Path

import nbformat
import pytest

from tools import a11y, build_site

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    pages = build_site.build(out, only=["00_start_here.ipynb"])
    return out, pages


@pytest.mark.slow  # executes 00_start_here
def test_site_has_index_and_executed_page_with_figures(site):
    out, pages = site
    assert [p.name for p in pages] == ["index.html", "00_start_here.html", "3d.html"]
    index = (out / "index.html").read_text()
    assert 'href="00_start_here.html"' in index and "Course map" in index and 'href="3d.html"' in index
    assert (out / "assets" / "niivue.umd.js").stat().st_size > 1_000_000  # NiiVue's browser build, bundled
    page = (out / "00_start_here.html").read_text()
    assert page.count("data:image/png;base64") >= 4  # gallery, CT viewer, brain viewer, cine snapshots
    assert "Traceback" not in page


@pytest.mark.slow  # executes 00_start_here
def test_site_passes_the_accessibility_check(site):
    out, _ = site
    assert a11y.audit_site(out) == {}


def test_accessibility_check_catches_bad_pages():
    bad = '<html><body><h1>x</h1><h3>skipped</h3><img src="a.png"></body></html>'
    problems = a11y.audit_html(bad)
    assert any("skips a level" in p for p in problems)
    assert any("no alt text" in p for p in problems)
    assert any("lang" in p for p in problems) and any("<title>" in p for p in problems)


def test_student_variant_removes_solutions_only():
    nb = nbformat.read(str(ROOT / "notebooks" / "00_start_here.ipynb"), as_version=4)
    n_solutions = sum("solution" in c.metadata.get("tags", []) for c in nb.cells)
    stripped = build_site.remove_solutions(nb)
    assert n_solutions > 0 and len(stripped.cells) == len(nbformat.read(
        str(ROOT / "notebooks" / "00_start_here.ipynb"), as_version=4).cells) - n_solutions
    assert not any("solution" in c.metadata.get("tags", []) for c in stripped.cells)


def test_figure_captions_follow_the_markdown():
    nb = nbformat.v4.new_notebook()
    image = nbformat.v4.new_output("display_data", data={"image/png": "iVBOR"})
    nb.cells = [nbformat.v4.new_markdown_cell("## A\n*Figure:* a chest radiograph."),
                nbformat.v4.new_code_cell("x", outputs=[image]),
                nbformat.v4.new_code_cell("y", outputs=[image]),  # consecutive code cells share the caption
                nbformat.v4.new_markdown_cell("Some prose without a caption."),
                nbformat.v4.new_code_cell("z", outputs=[image])]
    assert build_site.figure_captions(nb) == ["a chest radiograph."] * 2 + ["Figure of the section 'A'"]


def test_the_site_keeps_the_png_of_a_live_widget_and_drops_anywidget_state():
    widget = {"application/vnd.jupyter.widget-view+json": {"model_id": "a"}}
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("viewer")
    cell.outputs = [nbformat.v4.new_output("display_data", data={**widget, "image/png": "iVBOR", "text/plain": "x"}),
                    nbformat.v4.new_output("display_data", data=dict(widget))]
    nb.cells = [cell]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {
        "a": {"model_module": "anywidget", "state": {}}, "b": {"model_module": "@jupyter-widgets/controls"}}}}
    build_site.keep_static_views(nb)
    first, second = cell.outputs
    assert "image/png" in first.data and "application/vnd.jupyter.widget-view+json" not in first.data
    assert "application/vnd.jupyter.widget-view+json" in second.data  # an ordinary widget stays
    assert list(nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]) == ["b"]


def test_without_network_the_3d_page_says_how_to_get_niivue(tmp_path, monkeypatch):
    from tools import site3d

    monkeypatch.setattr(site3d, "NIIVUE_URL", "http://127.0.0.1:9/niivue.tgz")  # nothing listens on port 9
    with pytest.raises(RuntimeError, match="could not fetch NiiVue .* put package/dist/niivue.umd.js"):
        site3d.niivue_script(tmp_path)
