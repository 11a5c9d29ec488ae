"""Pytest plugin: measure every notebook nbval re-executes and write the budget report.

For each notebook: wall seconds (first cell start to last cell end), the slowest cell (seconds, code-cell index
and first line) and the kernel's peak resident memory in MiB, read from the kernel process (``VmHWM`` in
``/proc/<pid>/status``: the high-water mark of its RSS, measured, not estimated). The report goes to
``reports/notebook_budget.json`` (entries of notebooks not run this session are kept) and a table is printed.

Budgets (DESIGN.md): notebook <= 60 s, cell <= 10 s, kernel <= 1.5 GB. The pytest run fails only on gross
overruns (3x a budget: a hang or a regression), because CI machines are shared and noisy; ``make bench`` judges
the real budget from the report (``python -m tools.nbbudget --strict``).

nbval has no public hook for its kernel, so the plugin reads nbval's internals: each notebook cell is an item whose
``cell`` and ``cell_num`` describe the cell and whose parent holds the kernel (``parent.kernel.km.provisioner.pid``).
If a new nbval moves any of them, the notebook cells error with a message naming the path that moved, instead of
the report silently going empty. ``--budget-report PATH`` writes the report elsewhere (the plugin's own tests).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "reports" / "notebook_budget.json"
BUDGET = {"wall_s": 60.0, "slowest_cell_s": 10.0, "peak_mb": 1536.0}  # peak in MiB: 1.5 GB read as 1.5 GiB
GROSS_FACTOR = 3.0

_runs: dict[str, dict] = {}


def pytest_addoption(parser):
    """``--budget-report PATH``: where the plugin writes the report (default reports/notebook_budget.json)."""
    parser.addoption("--budget-report", type=Path, default=REPORT, help="where to write the notebook budget report")


def kernel_peak_mb(pid: int) -> float:
    """Return the peak resident set size of process ``pid`` in MiB (Linux ``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"no VmHWM for pid {pid}: peak memory needs Linux /proc")


class NbvalInternalsMoved(RuntimeError):
    """nbval no longer exposes a cell or its kernel where tools/nbbudget.py reads them."""


def _nbval(item, path: str):
    """Follow the dotted attribute ``path`` from ``item``; raise NbvalInternalsMoved naming the missing step."""
    value = item
    for step in path.split("."):
        if not hasattr(value, step):
            raise NbvalInternalsMoved(
                f"tools/nbbudget.py reads nbval's internal item.{path}, but {step!r} is missing "
                f"(nbval {_nbval_version()}): update _nbval's paths in tools/nbbudget.py for this nbval, "
                "or pin the nbval version of constraints.txt")
        value = getattr(value, step)
    return value


def _nbval_version() -> str:
    from importlib.metadata import version

    return version("nbval")


def kernel_pid(item) -> int:
    """The process id of the kernel nbval runs ``item``'s notebook in."""
    return _nbval(item, "parent.kernel.km.provisioner.pid")


def is_notebook_cell(item) -> bool:
    """Whether ``item`` is one cell of a notebook nbval runs."""
    return item.path.suffix == ".ipynb"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Time each notebook cell and sample the kernel's peak memory after it."""
    if not is_notebook_cell(item):
        yield
        return
    start = time.perf_counter()
    yield
    end = time.perf_counter()
    run = _runs.setdefault(item.path.name, {"start": start, "cells": [], "peak_mb": 0.0})
    run["end"] = end
    first_line = next((ln for ln in _nbval(item, "cell.source").splitlines() if ln.strip()), "")
    run["cells"].append((end - start, _nbval(item, "cell_num"), first_line[:60]))
    run["peak_mb"] = max(run["peak_mb"], kernel_peak_mb(kernel_pid(item)))


def summarise(run: dict) -> dict:
    """Turn one notebook's raw timings into its report entry."""
    slowest = max(run["cells"])
    return {"wall_s": round(run["end"] - run["start"], 2), "slowest_cell_s": round(slowest[0], 2),
            "slowest_cell_index": slowest[1], "slowest_cell_line": slowest[2], "n_code_cells": len(run["cells"]),
            "peak_mb": round(run["peak_mb"], 1), "measured_at": time.strftime("%Y-%m-%d %H:%M:%S")}


def over_budget(entry: dict, factor: float = 1.0) -> list[str]:
    """Return the budget lines ``entry`` exceeds by more than ``factor`` times the budget."""
    return [f"{key} {entry[key]} > {factor:g} x {limit:g}" for key, limit in BUDGET.items()
            if entry[key] > factor * limit]


def format_table(report: dict) -> str:
    """Format the report as a fixed-width table."""
    lines = [f"{'notebook':32s} {'wall s':>7s} {'slowest cell s':>15s} {'(cell)':>7s} {'peak MiB':>8s}  status"]
    for name, e in sorted(report.items()):
        status = "; ".join(over_budget(e)) or "within budget"
        lines.append(f"{name:32s} {e['wall_s']:7.1f} {e['slowest_cell_s']:15.1f} {e['slowest_cell_index']:7d} "
                     f"{e['peak_mb']:8.0f}  {status}")
    return "\n".join(lines)


def load_report(path: Path = REPORT) -> dict:
    """Read the report, or an empty one."""
    return json.loads(path.read_text()) if path.exists() else {}


def pytest_sessionfinish(session, exitstatus):
    """Write the report; fail the session on a gross overrun."""
    if not _runs:
        return
    path = session.config.getoption("budget_report")
    report = load_report(path)
    report.update({name: summarise(run) for name, run in _runs.items() if run["cells"]})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    gross = {n: over_budget(report[n], GROSS_FACTOR) for n in _runs}
    gross = {n: v for n, v in gross.items() if v}
    session.config._budget_table = format_table({n: report[n] for n in _runs})
    if gross:
        session.config._budget_gross = gross
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print the budget table (and any gross overrun) at the end of the run."""
    table = getattr(config, "_budget_table", None)
    if table:
        terminalreporter.section(f"notebook budget ({config.getoption('budget_report')})")
        terminalreporter.write_line(table)
    for name, problems in getattr(config, "_budget_gross", {}).items():
        terminalreporter.write_line(f"GROSS BUDGET OVERRUN {name}: {'; '.join(problems)}", red=True)


def main(argv: list[str]) -> int:
    """``python -m tools.nbbudget [--strict]``: print the report; with --strict fail on any overrun."""
    report = load_report(REPORT)
    if not report:
        print(f"no report at {REPORT}; run `make test` first", file=sys.stderr)
        return 1
    print(format_table(report))
    bad = {n: over_budget(e) for n, e in report.items() if over_budget(e)}
    if "--strict" in argv and bad:
        print(f"\n{len(bad)} notebook(s) over budget: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
