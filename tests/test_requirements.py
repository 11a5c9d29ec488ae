"""Dependency files agree: requirements.txt, the constraints lock, environment.yml (Binder) and Colab's list."""

import re
from pathlib import Path

import yaml

from helpers.environment import check_packages, read_requirements

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"pytorch-cpu": "torch", "pytorch": "torch", "python": None, "pip": None}


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


def test_lock_pins_every_requirement_and_the_working_torch_pair():
    pins = _lock()
    missing = [name for name in read_requirements() if name.replace("_", "-") not in pins]
    assert not missing, f"constraints.txt lacks pins for {missing}; run `make lock`"
    assert pins["torch"] == "2.14.1" and pins["torchvision"] == "0.29.1"


def test_lock_satisfies_lower_bounds():
    pins = _lock()
    for name, bound in read_requirements().items():
        if bound:
            as_tuple = [tuple(int(p) for p in re.findall(r"\d+", v)[:3]) for v in (pins[name], bound)]
            assert as_tuple[0] >= as_tuple[1], f"{name}: lock {pins[name]} below requirement >={bound}"


def test_environment_yml_installs_the_same_set():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict))
    assert pip_section == ["-r requirements.txt"], "Binder's pip section must read requirements.txt"
    conda = [re.split(r"[<>=]", d)[0] for d in deps if isinstance(d, str)]
    wanted = read_requirements()
    for name in conda:
        pip_name = CONDA_TO_PIP.get(name, name)
        assert pip_name is None or pip_name in wanted, f"environment.yml has {name}, requirements.txt does not"


def test_colab_list_is_a_subset_of_requirements():
    colab = read_requirements(ROOT / "requirements-colab.txt")
    wanted = read_requirements()
    assert colab and all(wanted.get(name) == bound for name, bound in colab.items())


def test_installed_environment_meets_requirements():
    bad = [row for row in check_packages() if not row["ok"]]
    assert not bad, bad
