"""Tests of helpers.data: every real sample loads with the promised shape, spacing, orientation and values."""

import dataclasses
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import data
from helpers.checksums import file_digest
from helpers.geometry import nifti_to_zyx

SPATIAL = set("zyx")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def samples():
    """Every sample loaded once (the echo cine dominates: ~1-3 s to decode 120 JPEG frames)."""
    return {name: data.load_sample(name) for name in data.sample_names()}


def _mode(values, lo, hi, width=10.0):
    """Centre of the most populated histogram bin of `values` within [lo, hi)."""
    v = values[(values >= lo) & (values < hi)]
    counts, edges = np.histogram(v, bins=np.arange(lo, hi + width, width))
    return edges[counts.argmax()] + width / 2


# ------------------------------------------------------------------------------------------------ catalogue
def test_catalogue_has_the_contract_names():
    required = {
        "xray_chest",
        "xray_tibia",
        "ct_head",
        "ct_abdomen",
        "ct_small",
        "mr_shoulder",
        "mr_abdomen_overlay",
        "mr_enhanced",
        "us_echo_cine",
        "us_doppler",
        "nm_bone_scan",
        "mri_brain_t1",
        "mri_brain_gm",
        "mri_brain_wm",
        "mri_brain_mask",
        "fmri_4d",
        "pathology_ihc",
        "retina_fundus",
        "shepp_logan",
    }
    assert required <= set(data.sample_names())


def test_list_samples_is_a_table_of_the_catalogue():
    table = data.list_samples()
    assert list(table["name"]) == data.sample_names()
    for col in [
        "name",
        "title",
        "modality",
        "axes",
        "shape",
        "dtype",
        "spacing_mm",
        "units",
        "source_package",
        "licence",
    ]:
        assert col in table.columns
    assert table["licence"].str.len().min() > 10


def test_catalogue_rows_are_complete_without_loading():
    metas = data.catalogue()
    assert [m.name for m in metas] == data.sample_names()
    assert all(m.extra == {} for m in metas)
    assert "{" not in "".join(m.licence + m.citation for m in metas)  # every shared quote was filled in
    assert {m.source_package for m in metas} == set(data.CHECKED_VERSIONS)


@pytest.mark.parametrize("name", data.sample_names())
def test_sample_matches_catalogue(samples, name):
    image, meta = samples[name]
    row = data.list_samples().set_index("name").loc[name]
    assert image.shape == meta.shape == tuple(row["shape"])
    assert str(image.dtype) == meta.dtype == row["dtype"]
    assert len(meta.axes) == image.ndim
    n_spatial = sum(a in SPATIAL for a in meta.axes)
    if meta.spacing_mm is not None:
        assert len(meta.spacing_mm) == n_spatial
        assert all(s is None or 0.01 < s < 10 for s in meta.spacing_mm)
    assert ("t" in meta.axes) == (meta.frame_time_ms is not None)
    assert meta.source_package in {"pydicom", "pydicom-data", "scikit-image", "nibabel", "nilearn"}
    assert meta.sha256 == file_digest(data.sample_path(name))
    assert meta.licence and meta.citation and meta.description
    if image.dtype.kind == "f":
        assert np.isfinite(image).all()


def test_load_sample_returns_an_independent_copy(samples):
    image, meta = data.load_sample("ct_small")
    image[:] = 0
    meta.extra["flipped_axes"] = "changed"
    again, meta2 = data.load_sample("ct_small")
    assert again.max() > 1000
    assert meta2.extra["flipped_axes"] == ()


# ------------------------------------------------------------------------------------------- physical values
def test_ct_head_hounsfield_units(samples):
    ct, meta = samples["ct_head"]
    assert meta.units == "HU" and ct.dtype == np.float32
    assert -1030 < _mode(ct, -1300, -700) < -950  # air ≈ -1000 HU (by definition of the HU scale)
    centre = ct[236:276, 236:276]  # a box in the middle of the brain
    assert 20 <= np.median(centre) <= 45  # grey/white matter +20..+45 HU (typical values, Buzug 2008)
    skull = ct[ct > -500]
    assert np.percentile(skull, 99) > 700  # bone +700..+3000 HU (typical values, Buzug 2008)
    assert meta.extra["PixelPaddingValue"] == -2000  # the out-of-field padding the description warns about


def test_ct_abdomen_hounsfield_units_and_orientation(samples):
    ct, meta = samples["ct_abdomen"]
    assert ct.min() == pytest.approx(-1024)
    assert -1030 < _mode(ct, -1300, -700) < -950  # air
    assert (
        -120 <= _mode(ct, -200, 300) <= -80
    )  # abdominal fat is the commonest tissue: -50..-120 HU (typical, Buzug 2008)
    soft = ((ct > 0) & (ct < 80)).mean()
    assert soft > 0.05  # water/soft tissue 0..80 HU
    assert np.percentile(ct, 99.9) > 300  # bone
    # the file stores rows posterior-first; after the flip the spine (bone) lies below the body's centre
    assert meta.extra["flipped_axes"] == ("y",)
    rows = np.broadcast_to(np.arange(ct.shape[0])[:, None], ct.shape)
    assert rows[ct > 300].mean() > rows[ct > -500].mean() + 30
    assert meta.extra["image_orientation_patient"][4] > 0  # column direction now points posterior (+y in LPS)


def test_ct_small_hounsfield_units(samples):
    ct, _ = samples["ct_small"]
    assert 0 <= _mode(ct, -200, 300) <= 80  # soft tissue
    assert -910 <= _mode(ct, -1000, -500) <= -700  # lung -700..-910 HU (typical values, Buzug 2008)
    assert np.percentile(ct, 99) > 300  # vertebral bone


def test_radiographs_are_monochrome1_stored_values(samples):
    for name, bits in [("xray_chest", 15), ("xray_tibia", 10)]:
        image, meta = samples[name]
        assert meta.photometric == "MONOCHROME1" and meta.modality == "CR"
        assert image.max() < 2**bits and image.max() > 2 ** (bits - 2)
        assert meta.extra["BitsStored"] == bits


def test_mr_samples(samples):
    shoulder, meta = samples["mr_shoulder"]
    assert meta.extra["RescaleSlope"] == pytest.approx(3.774114)  # kept, not applied
    assert shoulder.max() < 2**12
    abdomen, meta = samples["mr_abdomen_overlay"]
    assert meta.extra["overlay"].shape == abdomen.shape and meta.extra["overlay"].dtype == bool
    assert 0 < meta.extra["overlay"].sum() < 0.01 * abdomen.size
    assert meta.extra["window_center"] == 450 and meta.extra["window_width"] == 790
    enhanced, meta = samples["mr_enhanced"]
    assert meta.spacing_mm == (1.2, None, None)


def test_ultrasound_samples(samples):
    cine, meta = samples["us_echo_cine"]
    assert meta.frame_time_ms == pytest.approx(33.333)
    assert meta.photometric == "RGB" and meta.extra["stored_photometric"] == "YBR_FULL_422"
    motion = np.abs(cine[30].astype(np.int16) - cine[0]).mean()
    assert motion > 1.0  # the heart moves between frames
    assert meta.extra["us_region"]["PhysicalUnitsXDirection"] == 3  # cm (PS3.3 C.8.5.5.1.15)
    from pydicom.pixels import pixel_array

    path = data.sample_path("us_echo_cine")
    for i in (0, 59, 119):  # the fast Pillow path equals pydicom's Pillow decoding...
        assert np.array_equal(cine[i], pixel_array(path, index=i, decoding_plugin="pillow"))
    # ...and JPEG decoders may differ by a few grey levels (IDCT/upsampling), e.g. pylibjpeg
    assert np.abs(cine[0].astype(int) - pixel_array(path, index=0, decoding_plugin="pylibjpeg")).max() <= 8
    doppler, _ = samples["us_doppler"]
    coloured = np.abs(doppler[..., 0].astype(int) - doppler[..., 2]) > 60
    assert coloured.mean() > 0.005  # the power Doppler box is really coloured
    flow = doppler[coloured]
    assert (flow[:, 0] > flow[:, 2]).all()  # one red-to-yellow hue (strength only): no blue for reversed flow


def test_nm_bone_scan_counts(samples):
    nm, meta = samples["nm_bone_scan"]
    # summed counts agree with (0018,0070) Counts Accumulated (lossy coding moved a little)
    assert nm.sum() == pytest.approx(meta.extra["CountsAccumulated"], rel=0.05)
    assert np.percentile(nm, 99) > 20 and nm.min() > -50


def test_brain_template_values(samples):
    t1, _ = samples["mri_brain_t1"]
    gm, _ = samples["mri_brain_gm"]
    wm, _ = samples["mri_brain_wm"]
    mask, meta = samples["mri_brain_mask"]
    assert 0 <= t1.min() and t1.max() <= 1 and 0 <= gm.min() and gm.max() <= 1 and wm.max() <= 1
    litres = mask.sum() * np.prod(meta.spacing_mm) / 1e6
    assert 1.0 < litres < 2.2
    # T1 contrast: white matter brighter than grey matter brighter than CSF-like voxels
    csf = mask & (gm < 0.2) & (wm < 0.2)
    assert np.median(t1[wm > 0.7]) > np.median(t1[gm > 0.7]) + 0.1 > np.median(t1[csf]) + 0.2


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("mri_brain_t1", "load_mni152_template"),
        ("mri_brain_gm", "load_mni152_gm_template"),
        ("mri_brain_wm", "load_mni152_wm_template"),
        ("mri_brain_mask", "load_mni152_brain_mask"),
    ],
)
def test_brain_maps_match_nilearn(samples, name, reference):
    """The catalogue resamples the 1 mm files itself (less memory); nilearn's own 2 mm maps are the reference."""
    from nilearn import datasets

    ours, meta = samples[name]
    theirs, spacing, affine_zyx = nifti_to_zyx(getattr(datasets, reference)(resolution=2))
    assert spacing == meta.spacing_mm and np.array_equal(affine_zyx, meta.extra["affine_zyx"])
    if ours.dtype == bool:
        # voxels whose T1 value lies within one float32 step of the 0.2 threshold may fall either side
        assert (ours != (theirs > 0)).sum() <= 1e-5 * ours.size
    else:
        assert np.abs(ours - theirs).max() <= 1e-6


def test_brain_maps_load_without_nilearn():
    # nilearn's loaders import ~1,400 modules and hold three copies of the 1 mm volume: the catalogue needs neither
    code = ("import sys; from helpers.data import load_sample; load_sample('mri_brain_gm'); "
            "print('nilearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False", out.stdout + out.stderr


# -------------------------------------------------------------------------------------------- orientation
def test_brain_orientation_anatomy(samples):
    mask, _ = samples["mri_brain_mask"]
    z_any = np.where(mask.any(axis=(1, 2)))[0]
    z0, z1 = z_any.min(), z_any.max()
    # top of the brain at high z: the box cuts the brainstem at z = 0 but leaves room above the vertex
    assert z0 == 0 and mask.shape[0] - 1 - z1 > 5
    rows = np.arange(mask.shape[1])

    def row_centroid(m):
        return (m.sum(axis=(0, 2)) * rows).sum() / m.sum()

    # the lowest quarter of the brain is the posterior fossa (cerebellum): posterior = high row index
    low = mask[z0 : z0 + (z1 - z0) // 4]
    assert row_centroid(low) > row_centroid(mask) + 5
    # frontal pole (lowest rows with brain) lies at mid height, above the cerebellum
    y_front = np.where(mask.any(axis=(0, 2)))[0].min()
    z_front = np.where(mask[:, y_front + 1].any(axis=1))[0].mean()
    assert z0 + 0.3 * (z1 - z0) < z_front < z0 + 0.8 * (z1 - z0)


@pytest.mark.parametrize("name", ["mri_brain_t1", "fmri_4d"])
def test_affine_directions(samples, name):
    _, meta = samples[name]
    a = meta.extra["affine_zyx"]
    # columns of the affine: world change per step in z, y, x (RAS+: +x right, +y anterior, +z superior)
    assert a[2, 0] > 0  # z -> superior
    assert a[1, 1] < 0  # y (rows) -> posterior
    assert a[0, 2] < 0  # x (columns) -> patient's left
    assert np.allclose(np.abs(np.diag(a[:3, :3][::-1])).round(1), meta.spacing_mm, atol=0.2)


def test_fmri_header_and_time(samples):
    fmri, meta = samples["fmri_4d"]
    assert meta.frame_time_ms == 2000.0 and meta.extra["pixdim4_file"] == 2000.0
    assert meta.extra["axcodes_file"] == "LAS"  # stored left-first: reorientation really flipped x
    assert fmri.shape[0] == 2 and not np.array_equal(fmri[0], fmri[1])


# ----------------------------------------------------------------------------------------------- errors
def test_unknown_name_lists_available():
    with pytest.raises(data.UnknownSampleError, match="ct_head.*shepp_logan") as info:
        data.load_sample("ct_hed")
    assert isinstance(info.value, KeyError)
    assert "ct_hed" in str(info.value)


def test_missing_package_names_pip_package(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "data_store" else real(n, *a))
    data._load_cached.cache_clear()
    with pytest.raises(data.MissingPackageError, match="pip install pydicom-data") as info:
        data.load_sample("ct_head")
    assert isinstance(info.value, ImportError)
    data._load_cached.cache_clear()


def test_missing_decoder_names_the_samples_packages(monkeypatch):
    from helpers import dicom

    def no_decoder(ds, **kwargs):
        raise dicom.MissingDecoderError("no installed decoder plugin", transfer_syntax="1.2.840.10008.1.2.4.90",
                                        packages=())

    monkeypatch.setattr(dicom, "pixels", no_decoder)
    data._load_cached.cache_clear()
    with pytest.raises(data.MissingPackageError, match="ct_abdomen.*pip install pylibjpeg pylibjpeg-openjpeg"):
        data.load_sample("ct_abdomen")
    data._load_cached.cache_clear()


def test_missing_file_names_reinstall(monkeypatch):
    entry = data._CATALOGUE["ct_small"]
    missing = dataclasses.replace(entry.meta, source_file="pydicom/data/test_files/no_such_file.dcm")
    entry = dataclasses.replace(entry, meta=missing)
    monkeypatch.setitem(data._CATALOGUE, "ct_small", entry)
    data._load_cached.cache_clear()
    with pytest.raises(data.MissingPackageError, match="force-reinstall pydicom"):
        data.load_sample("ct_small")
    data._load_cached.cache_clear()


def test_checksum_mismatch_is_an_error(monkeypatch):
    entry = data._CATALOGUE["ct_small"]
    entry = dataclasses.replace(entry, meta=dataclasses.replace(entry.meta, sha256="0" * 64))
    monkeypatch.setitem(data._CATALOGUE, "ct_small", entry)
    data._load_cached.cache_clear()
    with pytest.raises(data.ChecksumError, match="sha256") as info:
        data.load_sample("ct_small")
    assert isinstance(info.value, ValueError)
    data._load_cached.cache_clear()


def test_sample_path_points_into_the_package():
    path = data.sample_path("pathology_ihc")
    assert path.is_file() and path.name == "ihc.png" and "skimage" in Path(path).parts


# ------------------------------------------------------------------------------------------ data/README.md
def test_data_readme_is_in_sync():
    spec = importlib.util.spec_from_file_location("make_data_readme", ROOT / "tools" / "make_data_readme.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    on_disk = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert on_disk == tool.render(), "data/README.md is stale: run `python tools/make_data_readme.py`"
