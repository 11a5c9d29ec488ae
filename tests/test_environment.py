"""The start-here environment check reports what is missing, with the fix."""

from helpers.environment import check_assets, check_packages, read_requirements


def test_missing_and_too_old_packages_are_reported_with_a_fix(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("# comment\nnumpy>=1.0\nnumpy-from-the-future-xyz>=1.0\npytest>=999\n")
    rows = {r["package"]: r for r in check_packages(req)}
    assert read_requirements(req) == {"numpy": "1.0", "numpy-from-the-future-xyz": "1.0", "pytest": "999"}
    assert rows["numpy"]["ok"] and rows["numpy"]["fix"] == ""
    assert not rows["numpy-from-the-future-xyz"]["ok"] and rows["numpy-from-the-future-xyz"]["installed"] is None
    assert rows["pytest"]["fix"] == "pip install 'pytest>=999'"


def test_assets_are_found_on_disk():
    rows = check_assets()
    assert len(rows) == 4 and all(r["ok"] for r in rows), rows
