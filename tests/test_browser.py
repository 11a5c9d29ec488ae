"""End-to-end in a real browser: JupyterLab on 127.0.0.1 driven by headless Chromium (Debian's package).

nbval already runs every course notebook, so the browser sees what only a browser can: widgets rendering and
answering. It opens two notebooks and runs all their cells:

- ``tests/fixtures/viewers.py`` (made a notebook with jupytext): one viewer of each kind on small data. Each must
  render without error, and moving its first slider must change the image; a screenshot per viewer goes to
  reports/browser/. A test without the browser checks that every viewer class in ``helpers`` has a cell there.
- ``tests/fixtures/viewer3d.py``: the WebGL 3D viewer (NiiVue) on the MNI152 template with two overlays. Its
  canvas must draw non-blank pixels, and moving the overlay opacity slider must change them.
- the static site's kernel-free ``3d.html`` (tools/site3d.py), opened from disk: it draws and follows its control.
- ``00_start_here``, end to end, as a student meets it: no error output, the viewers render, a slider moves the
  image; and its RISE slideshow opens.

The notebooks are copied to a temporary folder first, so JupyterLab's autosave never writes into the repository.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import jupytext
import pytest

import helpers
from helpers import widgets

ROOT = Path(__file__).resolve().parents[1]
VIEWERS = ROOT / "tests" / "fixtures" / "viewers.py"
VIEWER_3D = ROOT / "tests" / "fixtures" / "viewer3d.py"
VIEWER_LINE = re.compile(r"^# viewer: (\w+)", re.M)
SHOTS = ROOT / "reports" / "browser"
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
TOKEN = "course-e2e"
RUN_TIMEOUT_MS = 180_000  # 3x the 60 s notebook budget: a hang, not a slow machine
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]
# JupyterLab settings for the test user: no news pop-up, no autosave (nothing is written back anyway)
SETTINGS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
            "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False}}
KERNEL_IDLE_AND_DONE = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
    const code = panel.content.widgets.filter(c => c.model.type === 'code');
    const failed = panel.node.querySelector('[data-mime-type="application/vnd.jupyter.error"]');
    return kernel && kernel.status === 'idle' && code.length > 0
        && (failed || code.every(c => c.model.executionCount !== null));
}"""
PROGRESS = """() => {
    const code = window.jupyterapp.shell.currentWidget.content.widgets.filter(c => c.model.type === 'code');
    const done = code.filter(c => c.model.executionCount !== null).length;
    return `${done} of ${code.length} code cells executed`;
}"""


def _wait_for_api(url: str, proc: subprocess.Popen, log: Path, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer {url} within {timeout_s} s")


@pytest.fixture(scope="module")
def lab(tmp_path_factory, free_port):
    """A JupyterLab server on 127.0.0.1 serving a temporary copy of notebooks/; yields its base URL."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    for fixture in (VIEWERS, VIEWER_3D):
        jupytext.write(jupytext.read(fixture), root / "notebooks" / f"{fixture.stem}.ipynb")
    settings = root / "settings"
    for name, value in SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(value))
    port, log = free_port(), root / "lab.log"
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(settings)}
    cmd = [sys.executable, "-m", "jupyter", "lab", "--ip=127.0.0.1", f"--port={port}", "--no-browser",
           "--allow-root", f"--IdentityProvider.token={TOKEN}", "--expose-app-in-browser",
           f"--ServerApp.root_dir={root}"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        _wait_for_api(f"http://127.0.0.1:{port}/api", proc, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright (no browser download)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's package (apt-get install chromium; "
                    "`make test` does this when run as root) or set CHROMIUM=/path/to/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _open_and_run(browser, lab: str, name: str):
    """Open a notebook in JupyterLab, run all cells, wait until done; return the page."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    # a fresh, reset workspace per notebook: otherwise JupyterLab restores the tabs (and starts the kernels) of
    # every notebook opened before
    page.goto(f"{lab}/lab/workspaces/e2e-{Path(name).stem}/tree/notebooks/{name}?reset&token={TOKEN}")
    page.wait_for_function("() => { const p = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
                           " const k = p && p.sessionContext && p.sessionContext.session"
                           " && p.sessionContext.session.kernel; return k && k.status === 'idle'; }",
                           timeout=90_000)
    open_tabs = page.evaluate("[...window.jupyterapp.shell.widgets('main')].length")
    assert open_tabs == 1, f"expected only {name} open, found {open_tabs} tabs"
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    try:  # done when every code cell has run, or a cell has failed (JupyterLab then stops the queue)
        page.wait_for_function(KERNEL_IDLE_AND_DONE, timeout=RUN_TIMEOUT_MS, polling=500)
    except Exception:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{Path(name).stem}_timeout.png"))
        raise AssertionError(f"{name}: not finished after {RUN_TIMEOUT_MS / 1000:.0f} s "
                             f"({page.evaluate(PROGRESS)})") from None
    return page


def _close(page) -> None:
    page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    page.close()


def _assert_no_errors(page, name: str) -> None:
    errors = page.locator('[data-mime-type="application/vnd.jupyter.error"]')
    assert errors.count() == 0, f"{name}: error output in the browser:\n{errors.first.inner_text()[:2000]}"
    assert page.locator("text=Error displaying widget").count() == 0, f"{name}: a widget failed to render"


def _slider_moves_image(page, cell) -> bool:
    """Press the right arrow on the cell's first slider; whether the image shown then changes (30 s at most)."""
    image = cell.locator(".jp-OutputArea-output img").last
    cell.scroll_into_view_if_needed()
    before = image.get_attribute("src")
    handle = cell.locator(".widget-slider .noUi-handle").first
    handle.focus()
    for _ in range(5):
        handle.press("ArrowRight")
    deadline = time.monotonic() + 30  # the kernel redraws; the front end swaps the <img> (re-queried here)
    while image.get_attribute("src") == before and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    return image.get_attribute("src") != before


def _viewer_classes() -> set[str]:
    """Names of the public viewer classes in every ``helpers`` module (subclasses of the widgets' base)."""
    base = getattr(widgets, "Viewer", None) or widgets._Viewer
    names = set()
    for info in pkgutil.walk_packages(helpers.__path__, "helpers."):
        for name, obj in vars(importlib.import_module(info.name)).items():
            if inspect.isclass(obj) and issubclass(obj, base) and obj is not base and not name.startswith("_"):
                names.add(name)
    return names


def test_every_viewer_class_has_a_cell_in_the_fixture():
    assert _viewer_classes() <= set(VIEWER_LINE.findall(VIEWERS.read_text()))


@pytest.mark.browser
def test_every_viewer_renders_and_its_slider_moves_the_image(browser, lab):
    names = VIEWER_LINE.findall(VIEWERS.read_text())
    page = _open_and_run(browser, lab, "viewers.ipynb")
    try:
        _assert_no_errors(page, "viewers.ipynb")
        page.wait_for_selector(".widget-slider", timeout=30_000)
        cells = page.locator(".jp-CodeCell", has=page.locator(".widget-slider"))
        assert cells.count() == len(names), f"{cells.count()} cells show sliders, expected one per viewer {names}"
        SHOTS.mkdir(parents=True, exist_ok=True)
        still = [name for i, name in enumerate(names) if not _slider_moves_image(page, cells.nth(i))]
        for i, name in enumerate(names):
            cells.nth(i).screenshot(path=str(SHOTS / f"viewer_{name}.png"))
        assert still == [], f"moving the first slider did not change the image of {still}"
    finally:
        _close(page)


def _canvas_pixels(canvas):
    """The canvas as drawn on screen: an (h, w, 3) uint8 array from an element screenshot."""
    import io

    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("RGB"))


def _wait_for_change(page, canvas, before, timeout_s: float = 30):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        page.wait_for_timeout(500)
        after = _canvas_pixels(canvas)
        if after.shape != before.shape or (after != before).any():
            return after
    return before


@pytest.mark.browser
def test_3d_viewer_draws_and_its_opacity_slider_changes_the_drawing(browser, lab):
    page = _open_and_run(browser, lab, "viewer3d.ipynb")
    try:
        _assert_no_errors(page, "viewer3d.ipynb")
        cell = page.locator(".jp-CodeCell", has=page.locator("canvas")).last
        canvas = cell.locator("canvas").first
        canvas.wait_for(timeout=60_000)
        cell.scroll_into_view_if_needed()
        blank = _canvas_pixels(canvas)
        drawn = _wait_for_change(page, canvas, blank)  # NiiVue loads the volumes, then draws
        SHOTS.mkdir(parents=True, exist_ok=True)
        cell.screenshot(path=str(SHOTS / "viewer3d_drawn.png"))
        grey_levels = len({tuple(p) for p in drawn.reshape(-1, 3)[::7]})
        assert grey_levels > 50, f"the 3D viewer's canvas shows only {grey_levels} colours: nothing drawn"
        handle = cell.locator(".widget-slider .noUi-handle").first
        handle.focus()
        for _ in range(5):
            handle.press("ArrowRight")
        moved = _wait_for_change(page, canvas, drawn)
        cell.screenshot(path=str(SHOTS / "viewer3d_opacity_moved.png"))
        assert (moved != drawn).mean() > 0.01, "moving the overlay opacity slider did not change the 3D viewer"
    finally:
        _close(page)


@pytest.mark.browser
def test_the_sites_3d_page_draws_without_a_kernel_and_follows_its_opacity_control(browser, tmp_path):
    from tools import site3d

    page_path = site3d.write_page(tmp_path)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(page_path.as_uri())
        canvas = page.locator("#viewer")
        drawn = _wait_for_change(page, canvas, _canvas_pixels(canvas))
        grey_levels = len({tuple(p) for p in drawn.reshape(-1, 3)[::7]})
        assert not errors, errors
        assert grey_levels > 50, f"the 3D page's canvas shows only {grey_levels} colours: nothing drawn"
        page.evaluate("const s = document.getElementById('opacity'); s.value = 1; s.dispatchEvent(new Event('input'))")
        moved = _wait_for_change(page, canvas, drawn)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "site_3d_page.png"))
        assert (moved != drawn).mean() > 0.01, "the 3D page did not follow its opacity control"
    finally:
        page.close()


@pytest.fixture(scope="module")
def start_here(browser, lab):
    """00_start_here opened in JupyterLab with all its cells run; yields the page."""
    page = _open_and_run(browser, lab, "00_start_here.ipynb")
    yield page
    _close(page)


@pytest.mark.browser
def test_start_here_runs_in_jupyterlab(start_here):
    _assert_no_errors(start_here, "00_start_here.ipynb")
    start_here.wait_for_selector(".widget-slider", timeout=30_000)
    start_here.locator(".jp-CodeCell", has=start_here.locator(".widget-slider")).first.scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    start_here.screenshot(path=str(SHOTS / "00_start_here.png"))


@pytest.mark.browser
def test_moving_a_slider_changes_the_image(start_here):
    cell = start_here.locator(".jp-CodeCell", has=start_here.locator(".widget-slider")).first
    assert _slider_moves_image(start_here, cell), "moving the slider did not change the image"
    SHOTS.mkdir(parents=True, exist_ok=True)
    cell.screenshot(path=str(SHOTS / "00_start_here_slider_moved.png"))


@pytest.mark.browser
def test_slideshow_opens(browser, lab):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(f"{lab}/rise/notebooks/00_start_here.ipynb?token={TOKEN}")
        page.wait_for_selector(".reveal .slides section", timeout=90_000)
        assert page.locator(".reveal .slides > section").count() >= 3
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "00_start_here_slideshow.png"))
    finally:
        page.close()
