"""Shared test settings and fixtures.

Fixture notebooks and scripts (tests/fixtures) are data for the tests, not tests for pytest or nbval to collect.
"""

import socket

import matplotlib
import pytest

matplotlib.use("Agg")  # tests never open windows

collect_ignore_glob = ["fixtures/*"]


@pytest.fixture(scope="session")
def free_port():
    """A function returning a TCP port on 127.0.0.1 that is free right now (for a server the test starts)."""
    def pick() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    return pick
