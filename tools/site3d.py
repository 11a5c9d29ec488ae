"""The static site's kernel-free 3D page: NiiVue's own JavaScript showing the MNI152 template with its tissue maps.

    python -m tools.site3d --out build/site      # -> build/site/3d.html + build/site/assets/

NiiVue's browser build (``dist/niivue.umd.js`` of the npm package ``@niivue/niivue``, BSD-2-Clause) is fetched
once from the npm registry, checked against its SHA-256 and cached (pooch, as the course's data); the volumes are
written into ``assets/volumes.js`` as base64 NIfTI files by the same code the notebooks' viewer uses
(:func:`helpers.viewer3d.nifti_gz_bytes`). The page fetches nothing at view time and works from ``file://``.
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import tarfile
from pathlib import Path

from helpers.data import load_sample
from helpers.viewer3d import nifti_gz_bytes

ROOT = Path(__file__).resolve().parents[1]
NIIVUE_VERSION = "0.69.0"
NIIVUE_URL = f"https://registry.npmjs.org/@niivue/niivue/-/niivue-{NIIVUE_VERSION}.tgz"
NIIVUE_SHA256 = "6e9a6a471b428eb3b258a0086beca9187d95e43a781a39e8a519c6da246af485"
NIIVUE_FILE = "package/dist/niivue.umd.js"

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>3D view: the MNI152 template and its tissue maps</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}}
#box{{width:100%;height:480px;position:relative}}label{{margin-right:1.5em}}</style></head>
<body><main>
<h1>The MNI152 T1 template in 3D, with grey and white matter</h1>
<p>A live WebGL view without a kernel: NiiVue {version} draws the course's 2 mm MNI152 T1 template (ICBM 2009a
nonlinear symmetric, as shipped with nilearn) with its grey-matter (red) and white-matter (blue) probability maps
above 0.5. Drag in a slice to move the crosshair, drag in the 3D panel to rotate, scroll to move through slices.
Radiological convention: the patient's right is on the left of the screen. In the notebooks (01 and 02) the same
viewer runs in the kernel, with more volumes. <a href="index.html">Back to the course map</a>.</p>
<p><label>view <select id="view">{view_options}</select></label>
<label>overlay opacity <input id="opacity" type="range" min="0" max="1" step="0.05" value="0.5"></label></p>
<div id="box"><canvas id="viewer" role="img"
aria-label="Interactive 3D view of the MNI152 T1 template with tissue maps"></canvas></div>
<p><small>NiiVue is BSD-2-Clause licensed (npm package @niivue/niivue {version}); the MNI152 template: see
data/README.md in the course repository.</small></p>
</main>
<script src="assets/niivue.umd.js"></script>
<script src="assets/volumes.js"></script>
<script>
const bytes = b64 => Uint8Array.from(atob(b64), c => c.charCodeAt(0)).buffer;
const nv = new niivue.Niivue({{isRadiologicalConvention: true, backColor: [0, 0, 0, 1],
                              multiplanarShowRender: niivue.SHOW_RENDER.ALWAYS}});
nv.attachTo("viewer").then(async () => {{
  for (const v of COURSE_VOLUMES) {{
    const image = await niivue.NVImage.new(bytes(v.data), v.name, v.colormap, v.opacity, null, v.cal_min, v.cal_max);
    nv.addVolume(image);
  }}
  nv.setSliceType(niivue.SLICE_TYPE.MULTIPLANAR);
  document.getElementById("view").onchange = e => nv.setSliceType(Number(e.target.value));
  document.getElementById("opacity").oninput = e => {{
    for (let i = 1; i < nv.volumes.length; i++) nv.setOpacity(i, Number(e.target.value));
  }};
}});
</script>
</body></html>
"""
VIEW_OPTIONS = {"multiplanar": 3, "axial": 0, "coronal": 1, "sagittal": 2, "3D render": 4}


def niivue_script(cache: Path | None = None) -> Path:
    """Path of NiiVue's browser build, downloaded from the npm registry once (SHA-256 checked) and cached."""
    import pooch

    cache = Path(cache or pooch.os_cache("medimg-course")) / "niivue"
    script = cache / f"niivue-{NIIVUE_VERSION}.umd.js"
    if script.exists():
        return script
    try:
        archive = pooch.retrieve(NIIVUE_URL, known_hash=f"sha256:{NIIVUE_SHA256}", path=cache, progressbar=False)
    except Exception as error:  # network errors come as requests/OSError/ValueError from pooch
        raise RuntimeError(f"could not fetch NiiVue {NIIVUE_VERSION} from the npm registry ({error}); connect to "
                           f"the internet once, or put {NIIVUE_FILE} of {NIIVUE_URL} at {script}") from error
    with tarfile.open(archive) as tar:
        script.write_bytes(tar.extractfile(NIIVUE_FILE).read())
    return script


def volumes_js() -> str:
    """``assets/volumes.js``: the template and its two tissue maps as base64 ``.nii.gz`` files."""
    t1, meta = load_sample("mri_brain_t1")
    affine = meta.extra["affine_zyx"]
    volumes = [{"name": "mni152_t1.nii.gz", "data": nifti_gz_bytes(t1, affine), "colormap": "gray",
                "opacity": 1.0, "cal_min": 0.0, "cal_max": 1.0}]
    for sample, colormap in (("mri_brain_gm", "red"), ("mri_brain_wm", "blue")):
        data, _ = load_sample(sample)
        volumes.append({"name": f"{sample}.nii.gz", "data": nifti_gz_bytes(data, affine), "colormap": colormap,
                        "opacity": 0.5, "cal_min": 0.5, "cal_max": 1.0})
    for volume in volumes:
        volume["data"] = base64.b64encode(volume["data"]).decode("ascii")
    return f"const COURSE_VOLUMES = {json.dumps(volumes)};\n"


def write_page(out: Path, cache: Path | None = None) -> Path:
    """Write ``3d.html`` and its assets into ``out``; return the page."""
    assets = out / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(niivue_script(cache), assets / "niivue.umd.js")
    (assets / "volumes.js").write_text(volumes_js())
    options = "".join(f'<option value="{value}">{name}</option>' for name, value in VIEW_OPTIONS.items())
    page = out / "3d.html"
    page.write_text(PAGE.format(version=NIIVUE_VERSION, view_options=options))
    return page


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    print(f"wrote {write_page(parser.parse_args(argv).out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
