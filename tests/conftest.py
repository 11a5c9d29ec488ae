"""Shared test settings: fixture notebooks are data for the hygiene test, not notebooks for nbval to run."""

import matplotlib

matplotlib.use("Agg")  # tests never open windows

collect_ignore_glob = ["fixtures/*"]
