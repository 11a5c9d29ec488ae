"""`make lab` (the README's command) starts JupyterLab, also as root, and answers on /api."""

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # starts JupyterLab through make (and installs the venv on a fresh clone)


def test_make_lab_serves_the_api_and_prints_the_url(free_port):
    port = free_port()
    proc = subprocess.Popen(["make", "-s", "lab", f"PORT={port}"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline, answer = time.monotonic() + 90, None
        while time.monotonic() < deadline and answer is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2) as response:
                    answer = json.loads(response.read())
            except OSError:
                assert proc.poll() is None, f"make lab exited early:\n{proc.stdout.read()}"
                time.sleep(0.5)
        assert answer is not None and "version" in answer, "JupyterLab did not answer on /api within 90 s"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        output = proc.communicate(timeout=30)[0]
    assert f"http://127.0.0.1:{port}/lab" in output, output[-2000:]
