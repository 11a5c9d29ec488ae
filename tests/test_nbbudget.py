"""tools/nbbudget.py: the budget arithmetic, its report, and the nbval internals it reads (loud when they move)."""

from __future__ import annotations

import json
import os
import types
from pathlib import Path

import nbformat
import pytest

from tools import nbbudget

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parents[1]


def _run(cells, wall_s=12.0, peak_mb=900.0):
    """A raw run as the plugin records it: (seconds, code-cell index, first line) per cell."""
    return {"start": 100.0, "end": 100.0 + wall_s, "peak_mb": peak_mb, "cells": cells}


def test_summarise_picks_the_slowest_cell_and_the_wall_time():
    entry = nbbudget.summarise(_run([(0.5, 0, "import numpy"), (4.25, 1, "model.fit()"), (1.0, 2, "plot()")]))
    assert (entry["wall_s"], entry["slowest_cell_s"], entry["slowest_cell_index"]) == (12.0, 4.25, 1)
    assert entry["slowest_cell_line"] == "model.fit()" and entry["n_code_cells"] == 3 and entry["peak_mb"] == 900.0


def test_over_budget_names_each_limit_exceeded_by_the_factor():
    entry = {"wall_s": 70.0, "slowest_cell_s": 9.0, "peak_mb": 1600.0}
    assert [line.split()[0] for line in nbbudget.over_budget(entry)] == ["wall_s", "peak_mb"]
    assert nbbudget.over_budget(entry, factor=nbbudget.GROSS_FACTOR) == []
    assert nbbudget.over_budget({**entry, "wall_s": 3.5 * nbbudget.BUDGET["wall_s"]}, factor=3) != []


def test_table_marks_each_notebook_within_or_over_budget():
    ok = nbbudget.summarise(_run([(1.0, 0, "x")]))
    slow = nbbudget.summarise(_run([(11.0, 3, "y")], wall_s=61.0))
    table = nbbudget.format_table({"00_a.ipynb": ok, "01_b.ipynb": slow}).splitlines()
    assert table[1].startswith("00_a.ipynb") and table[1].endswith("within budget")
    assert table[2].startswith("01_b.ipynb") and "wall_s 61.0 > 1 x 60" in table[2] and "slowest_cell_s" in table[2]


def test_kernel_peak_is_at_least_the_current_memory_of_a_process():
    with open(f"/proc/{os.getpid()}/status") as f:
        rss_kib = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    assert nbbudget.kernel_peak_mb(os.getpid()) >= rss_kib / 1024.0 > 0


def test_kernel_pid_follows_nbvals_kernel():
    provisioner = types.SimpleNamespace(pid=4242)
    item = types.SimpleNamespace(parent=types.SimpleNamespace(kernel=types.SimpleNamespace(
        km=types.SimpleNamespace(provisioner=provisioner))))
    assert nbbudget.kernel_pid(item) == 4242


@pytest.mark.parametrize("moved", ["kernel", "km", "provisioner"])
def test_kernel_pid_fails_loudly_when_nbvals_internals_move(moved):
    kernel = types.SimpleNamespace(km=types.SimpleNamespace(provisioner=types.SimpleNamespace(pid=1)))
    item = types.SimpleNamespace(parent=types.SimpleNamespace(kernel=kernel))
    owner = {"kernel": item.parent, "km": kernel, "provisioner": kernel.km}[moved]
    delattr(owner, moved)
    with pytest.raises(nbbudget.NbvalInternalsMoved, match=rf"item\.parent\.kernel\.km\.provisioner\.pid.*'{moved}'"):
        nbbudget.kernel_pid(item)


def test_strict_command_fails_only_on_an_overrun(tmp_path, monkeypatch, capsys):
    report = tmp_path / "budget.json"
    monkeypatch.setattr(nbbudget, "REPORT", report)
    assert nbbudget.main([]) == 1 and "no report" in capsys.readouterr().err
    report.write_text(json.dumps({"00_a.ipynb": nbbudget.summarise(_run([(1.0, 0, "x")]))}))
    assert nbbudget.main(["--strict"]) == 0
    report.write_text(json.dumps({"00_a.ipynb": nbbudget.summarise(_run([(1.0, 0, "x")], peak_mb=2000.0))}))
    assert nbbudget.main([]) == 0 and nbbudget.main(["--strict"]) == 1
    assert "1 notebook(s) over budget: 00_a.ipynb" in capsys.readouterr().err


@pytest.mark.slow  # starts a kernel
def test_plugin_measures_a_notebook_run_by_the_installed_nbval(pytester, monkeypatch):
    """Against the real nbval: the internals the plugin reads are where it expects them, and the report is right."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell("import time"), nbformat.v4.new_markdown_cell("text"),
                nbformat.v4.new_code_cell("time.sleep(0.3)\nx = b'1' * (200 * 2**20)  # 200 MiB, written")]
    nbformat.write(nb, str(pytester.path / "tiny.ipynb"))
    report = pytester.path / "budget.json"
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    result = pytester.runpytest_subprocess("-p", "tools.nbbudget", "--nbval-lax", "--nbval-current-env",
                                           "--budget-report", str(report), "-p", "no:cacheprovider", "tiny.ipynb")
    result.assert_outcomes(passed=2)
    entry = json.loads(report.read_text())["tiny.ipynb"]
    assert entry["n_code_cells"] == 2 and entry["slowest_cell_index"] == 1 and entry["slowest_cell_s"] >= 0.3
    assert entry["wall_s"] >= entry["slowest_cell_s"] and entry["peak_mb"] > 200
    assert "within budget" in result.stdout.str()
