"""Re-seed the notebooks: copies whose every random seed is shifted, to test that each claim holds for any seed.

    python -m tools.seedshift --shift 3                     # -> build/seeds+3/NN_*.ipynb (every notebook)
    python -m tools.seedshift --shift 3 06_cnns.ipynb       # only the named notebooks
    python -m pytest build/seeds+3                           # nbval re-executes the re-seeded copies

A seed is an integer literal in one of the forms the notebooks use to seed: ``seed=N``, ``default_rng(N)``,
``manual_seed(N)``, ``random_state=N``, ``np.random.seed(N)``, ``RandomState(N)``, ``SEED = N`` and
``seeds=range(N, M)`` (both ends move). Each becomes ``N + shift``. Everything else is copied unchanged, so the
copy runs what the student runs, with other random numbers (``make test-seeds``).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

SEED_PATTERN = re.compile(
    r"(?P<head>\b(?:seed|random_state|SEED)\s*=\s*"
    r"|\b(?:default_rng|manual_seed|RandomState|random\.seed)\(\s*)"
    r"(?P<value>\d+)\b"
)
# seeds=range(a, b): both ends move, or the range would shrink (or empty) as the shift grows
SEED_RANGE = re.compile(r"(?P<head>\bseeds\s*=\s*range\(\s*)(?P<start>\d+)(?P<sep>\s*,\s*)(?P<stop>\d+)\b")


def shift_seeds(source: str, shift: int) -> str:
    """Return ``source`` with every seed literal (see the module docstring) increased by ``shift``.

    Examples
    --------
    >>> shift_seeds("rng = np.random.default_rng(0); fit(x, seed=1, epochs=3)", 3)
    'rng = np.random.default_rng(3); fit(x, seed=4, epochs=3)'
    >>> shift_seeds("run(seeds=range(0, 5))", 11)
    'run(seeds=range(11, 16))'
    """
    source = SEED_RANGE.sub(lambda m: f"{m['head']}{int(m['start']) + shift}{m['sep']}{int(m['stop']) + shift}",
                            source)
    return SEED_PATTERN.sub(lambda m: f"{m['head']}{int(m['value']) + shift}", source)


def count_seeds(source: str) -> int:
    """Number of seed literals in ``source`` (a ``seeds=range(N, M)`` counts once)."""
    return len(SEED_PATTERN.findall(source)) + len(SEED_RANGE.findall(source))


def without_seeds(source: str) -> str:
    """``source`` with every seed literal removed: equal for a notebook and its re-seeded copy."""
    return SEED_PATTERN.sub("", SEED_RANGE.sub(r"\g<head>\g<sep>", source))


def write_shifted(shift: int, names: list[str] | None = None, out: Path | None = None) -> list[Path]:
    """Write re-seeded copies of the notebooks (all, or the named files) into ``out``; return their paths."""
    out = out or ROOT / "build" / f"seeds{shift:+d}"
    out.mkdir(parents=True, exist_ok=True)
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) if not names else [NOTEBOOKS / Path(n).name for n in names]
    written = []
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path.name}: no such notebook in {NOTEBOOKS}; give a name like 06_cnns.ipynb")
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.source = shift_seeds(cell.source, shift)
        nbformat.write(nb, str(out / path.name))
        written.append(out / path.name)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shift", type=int, required=True, help="added to every seed literal")
    parser.add_argument("--out", type=Path, help="output folder (default build/seeds+SHIFT)")
    parser.add_argument("notebooks", nargs="*", help="notebook file names (default: all)")
    args = parser.parse_args(argv)
    for path in write_shifted(args.shift, args.notebooks or None, args.out):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
