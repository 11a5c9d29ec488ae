"""Precompute the scanner-shift experiment of notebook 09 over several seeds (too slow to run live).

    python -m tools.scanner_sweep            # -> helpers/data/scanner_sweep.csv (seeds 0-4)

Each row is one :func:`helpers.clinical.scanner_shift_run`; ``tests/test_clinical.py`` re-runs seed 0 and compares
it with the stored row, and the notebook shows the live seed beside the stored spread.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import torch

from helpers import clinical

OUT = clinical.SWEEP_CSV


def sweep(seeds) -> pd.DataFrame:
    """AUCs of every detector on scanners A and B, one row per seed."""
    return pd.DataFrame([{"seed": s, **clinical.scanner_shift_run(s)} for s in seeds]).set_index("seed")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # reproducible sums on any machine
    table = sweep(range(args.seeds))
    table.round(4).to_csv(args.out)
    print(table.round(3).to_string())


if __name__ == "__main__":
    main()
