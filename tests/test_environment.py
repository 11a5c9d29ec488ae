"""The start-here environment check reports what is missing or too old, with the command that fixes it."""

import sys
import types

from helpers.environment import LOCAL_FRONT_END, check_assets, check_packages, read_requirements


def test_missing_and_too_old_packages_are_reported_with_a_fix(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("# comment\n-r other.txt\nnumpy>=1.0\nnumpy-from-the-future-xyz>=1.0\npytest>=999\nPyYAML\n")
    rows = {r["package"]: r for r in check_packages(req, skip=frozenset())}
    assert read_requirements(req) == {"numpy": "1.0", "numpy-from-the-future-xyz": "1.0", "pytest": "999",
                                      "pyyaml": ""}
    assert rows["numpy"]["ok"] and rows["numpy"]["fix"] == ""
    assert not rows["numpy-from-the-future-xyz"]["ok"] and rows["numpy-from-the-future-xyz"]["installed"] is None
    assert rows["numpy-from-the-future-xyz"]["fix"] == "%pip install 'numpy-from-the-future-xyz>=1.0'"
    assert not rows["pytest"]["ok"] and rows["pytest"]["fix"] == "%pip install 'pytest>=999'"


def test_a_data_package_is_fixed_without_its_dependencies(tmp_path):
    req = tmp_path / "requirements-data.txt"
    req.write_text("nilearn-from-the-future-xyz>=0.11\n")
    assert check_packages(req)[0]["fix"] == "%pip install --no-deps 'nilearn-from-the-future-xyz>=0.11'"


def test_a_local_build_label_counts_as_its_release(tmp_path, monkeypatch):
    req = tmp_path / "requirements.txt"
    req.write_text("torch>=2.14.1\n")
    monkeypatch.setattr("helpers.environment._installed_version", lambda name: "2.14.1+cpu")
    assert check_packages(req)[0]["ok"]
    monkeypatch.setattr("helpers.environment._installed_version", lambda name: "2.14.0+cpu")
    assert not check_packages(req)[0]["ok"]


def test_the_runtime_set_is_checked_and_colab_skips_the_local_front_end(monkeypatch):
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)  # make test-colab sets it, as Colab does
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    names = {row["package"] for row in check_packages()}
    assert {"numpy", "torch", "nbval", "jupyterlab"} <= names and not names & {"ruff", "playwright"}
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    in_colab = {row["package"] for row in check_packages()}
    assert in_colab == names - LOCAL_FRONT_END and "jupyterlab" not in in_colab
    monkeypatch.delitem(sys.modules, "google.colab")
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab-20260819")
    assert {row["package"] for row in check_packages()} == in_colab


def test_assets_are_found_on_disk():
    rows = check_assets()
    assert len(rows) == 5 and all(r["ok"] for r in rows), rows
