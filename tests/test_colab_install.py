"""tools/colab_install.py: what the Colab bootstrap installs, and when it asks for a restart."""

import re
import subprocess
import sys
from pathlib import Path

from helpers.environment import LOCAL_FRONT_END
from tools import colab_install

ROOT = Path(__file__).resolve().parents[1]


def test_a_changed_package_that_is_imported_asks_for_a_restart():
    before = {"numpy": "2.1.3", "pandas": "2.2.3", "tqdm": "4.67.3"}
    after = {"numpy": "2.4.6", "pandas": "2.2.3", "tqdm": "4.70.1", "pydicom": "3.0.2"}
    assert colab_install.changed_and_imported(before, after, {"numpy", "pandas", "sys"}) == ["numpy"]
    assert colab_install.changed_and_imported(before, before | {"pydicom": "3.0.2"}, {"numpy", "pydicom"}) == []


def test_nothing_to_install_prints_nothing():
    # every package of requirements-colab.txt is installed here at the lock's version: pip has nothing to do
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "colab_install.py"), "numpy", "pandas"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_a_failing_install_shows_pips_message(tmp_path, monkeypatch, capsys):
    (tmp_path / "requirements-colab.txt").write_text("no-such-package-xyz-course>=1\n")
    (tmp_path / "constraints.txt").write_text("")
    monkeypatch.setattr(colab_install, "CLONE", tmp_path)
    assert colab_install.main([]) != 0
    assert "no-such-package-xyz-course" in capsys.readouterr().out


def _names(path: Path) -> set[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return {re.split(r"[<>=]", line)[0].lower() for line in lines if line}


def test_the_colab_list_is_exactly_what_colab_lacks_of_the_runtime_set():
    colab_has = _names(ROOT / "tests" / "colab" / "colab-versions.txt")
    runtime = (_names(ROOT / "requirements.txt") | _names(ROOT / "requirements-data.txt")) - LOCAL_FRONT_END
    assert _names(ROOT / "requirements-colab.txt") == runtime - colab_has
