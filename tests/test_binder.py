"""binder/: conda-forge's CPU torch stays (pip never touches torch), the run-time set is there, no dev tool ships.

Binder itself cannot run here (no container engine); these tests read the files as repo2docker would use them.
conda installs the `pip:` list with `pip install -U -r <list>`: pip upgrades the listed packages and installs any
dependency that conda did not provide. So the rule: no `-r`/option lines, no torch or torchvision, no listed
package that depends on torch (directly or through its dependencies), and every dependency of a listed package is
provided by conda (a listed conda package or one of its dependencies) or by the list itself.
"""

import importlib.metadata as md
import re
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from helpers.environment import read_requirements

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
CONDA_TO_PIP = {"pytorch-cpu": "torch", "matplotlib-base": "matplotlib"}
NOT_PYTHON_PACKAGES = {"python", "pip"}
BINDER_ONLY = {"jupyter-resource-usage", "jupyterlab-mathjax3",  # memory indicator; jupyterlab-rise's MathJax
               "anywidget", "psygnal"}  # ipyniivue's dependencies, which the conda list does not bring
TORCH = {"torch", "torchvision"}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _environment() -> tuple[dict[str, str], dict[str, str]]:
    """``({pip name: conda pin}, {pip name: pip pin})`` from binder/environment.yml."""
    deps = yaml.safe_load((BINDER / "environment.yml").read_text())["dependencies"]
    conda, pip = {}, {}
    for dep in deps:
        if isinstance(dep, str):
            name, _, pin = dep.partition("=")
            if name not in NOT_PYTHON_PACKAGES:
                conda[_canonical(CONDA_TO_PIP.get(name, name))] = pin
        else:
            for line in dep["pip"]:
                assert not line.startswith("-"), f"pip line {line!r}: no -r or options (conda runs pip -U)"
                requirement = Requirement(line)
                pip[_canonical(requirement.name)] = str(requirement.specifier)
    return conda, pip


def _requires(name: str) -> set[str]:
    """Base dependencies (no extras) of a distribution, from its metadata here (none known when not installed)."""
    found = set()
    try:
        lines = md.requires(name) or []
    except md.PackageNotFoundError:
        return found
    for line in lines:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            found.add(_canonical(requirement.name))
    return found


def _closure(names) -> set[str]:
    seen, todo = set(), set(names)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo |= _requires(name)
    return seen


def _lock() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    return {_canonical(n): v for n, v in (line.split("==", 1) for line in lines if "==" in line)}


def test_torch_comes_from_conda_forge_as_a_cpu_build_and_pip_never_touches_it():
    conda, pip = _environment()
    text = (BINDER / "environment.yml").read_text()
    assert re.search(r"^\s*- pytorch-cpu=", text, re.M) and "torchvision" in conda
    assert not TORCH & set(pip), "torch/torchvision in the pip list: pip -U would install the CUDA build"
    pulls_torch = {name for name in pip if _closure([name]) & TORCH}
    assert not pulls_torch, f"pip would resolve torch through {pulls_torch}: install them --no-deps in postBuild"


def test_every_dependency_of_the_pip_list_is_already_provided():
    conda, pip = _environment()
    provided = _closure(conda) | set(pip)
    lock = _lock()
    for name in pip:
        md.version(name)  # the pip list's metadata must be readable here, or nothing below is checked
        unmet = _requires(name) - provided
        assert not unmet, f"{name} needs {unmet}: pip would fetch them; list them (conda first)"
        for line in md.requires(name) or []:
            requirement = Requirement(line)
            dep = _canonical(requirement.name)
            if dep in lock and (requirement.marker is None or requirement.marker.evaluate({"extra": ""})):
                assert requirement.specifier.contains(lock[dep], prereleases=True), f"{name} needs {requirement}"


def test_the_runtime_set_is_there_and_no_dev_tool_ships():
    conda, pip = _environment()
    shipped = set(conda) | set(pip)
    runtime = set(read_requirements(ROOT / "requirements.txt"))
    assert runtime <= shipped, f"missing on Binder: {runtime - shipped}"
    dev = set(read_requirements(ROOT / "requirements-dev.txt"))
    assert not dev & shipped, f"development tools shipped to Binder: {dev & shipped}"
    assert shipped - runtime <= BINDER_ONLY, shipped - runtime - BINDER_ONLY


def test_pins_follow_the_lock():
    conda, pip = _environment()
    lock = _lock()
    for name, spec in pip.items():
        assert spec == f"=={lock[name]}", f"pip {name}{spec}: the lock has {lock[name]}"
    for name, pin in conda.items():
        if name in lock:  # conda pins a release series: the lock's major.minor
            assert Version(lock[name]).release[:2] == Version(pin).release[:2], f"{name}={pin}, lock {lock[name]}"


def test_post_build_installs_files_and_helpers_without_dependencies_and_culls_idle_kernels():
    post_build = "\n".join(line for line in (BINDER / "postBuild").read_text().splitlines()
                           if not line.startswith("#"))
    assert "pip install --no-deps -r requirements-data.txt" in post_build
    assert "pip install --no-deps ." in post_build
    assert "requirements.txt" not in post_build.replace("requirements-data.txt", "") and "torch" not in post_build
    config = {}
    exec((BINDER / "jupyter_server_config.py").read_text(), {"get_config": lambda: _Config(config)})
    assert config["cull_idle_timeout"] > 0 and config["cull_connected"] and config["cull_interval"] > 0
    assert "binder/jupyter_server_config.py" in post_build


class _Config:
    """Stands in for Jupyter's config object: records ``c.MappingKernelManager.<name> = value``."""

    def __init__(self, store):
        self.MappingKernelManager = _Recorder(store)


class _Recorder:
    def __init__(self, store):
        object.__setattr__(self, "store", store)

    def __setattr__(self, name, value):
        self.store[name] = value


def test_root_environment_is_binders_without_the_binder_extras():
    root = yaml.safe_load((BINDER.parent / "environment.yml").read_text())
    binder = yaml.safe_load((BINDER / "environment.yml").read_text())
    assert root["channels"] == binder["channels"] == ["conda-forge"]
    # the status-bar memory indicator matters on Binder's 2 GB only
    assert [d for d in binder["dependencies"] if d != "jupyter-resource-usage"] == root["dependencies"]
