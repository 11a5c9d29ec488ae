"""Tests of helpers.download against a bounded local HTTP server on 127.0.0.1 (no internet)."""

import hashlib
import http.server
import socket
import threading
from pathlib import Path

import numpy as np
import pooch
import pytest
from tqdm import tqdm

from helpers import download as dl
from helpers.checksums import ChecksumError

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "tiny_medmnist.npz"
PAYLOAD = FIXTURE.read_bytes()
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        type(self).hits.append(self.path)
        if self.path == "/ok.npz":
            self._send(PAYLOAD)
        elif self.path == "/other.npz":
            self._send(PAYLOAD[::-1])
        elif self.path == "/truncated.npz":  # promise the whole file, send half, hang up
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD[: len(PAYLOAD) // 2])
            self.wfile.flush()
            self.close_connection = True
        else:
            self.send_error(404, "no such file")

    def _send(self, body: bytes):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.timeout = 5
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture()
def hits():
    _Handler.hits.clear()
    return _Handler.hits


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_success_then_cached(server, hits, tmp_path):
    path = dl.download_medmnist(
        "pneumoniamnist", url=f"{server}/ok.npz", sha256=SHA, data_dir=tmp_path, progress=False, timeout=5
    )
    assert path == tmp_path / "pneumoniamnist.npz" and path.read_bytes() == PAYLOAD
    assert _leftovers(tmp_path) == ["pneumoniamnist.npz"]  # no temporary file left
    again = dl.download_medmnist(
        "pneumoniamnist", url=f"{server}/ok.npz", sha256=SHA, data_dir=tmp_path, progress=True, timeout=5
    )
    assert again == path and hits == ["/ok.npz"]  # the verified cache answered; no second request
    arrays = dl.load_medmnist("pneumoniamnist", data_dir=tmp_path, sha256=SHA)
    assert arrays["train_images"].shape == (12, 28, 28) and arrays["test_labels"].shape == (6, 1)
    with np.load(FIXTURE) as ref:
        assert np.array_equal(arrays["val_images"], ref["val_images"])


def test_checksum_mismatch_leaves_nothing(server, hits, tmp_path):
    with pytest.raises(ChecksumError, match="sha256 is .* expected"):
        dl.download_medmnist(
            "breastmnist", url=f"{server}/other.npz", sha256=SHA, data_dir=tmp_path, progress=False, timeout=5
        )
    assert _leftovers(tmp_path) == []


def test_published_md5_is_checked_by_default(server, tmp_path):
    # the fixture is not the real file, so MedMNIST's published MD5 must reject it
    with pytest.raises(ChecksumError, match="md5 is .* expected 28209eda62fecd6e6a2d98b1501bb15f"):
        dl.download_medmnist(
            "pneumoniamnist", url=f"{server}/ok.npz", data_dir=tmp_path, progress=False, timeout=5
        )
    assert _leftovers(tmp_path) == []


def test_interrupted_transfer_leaves_nothing(server, tmp_path):
    with pytest.raises(dl.DownloadError, match="interrupted"):
        dl.download_medmnist(
            "pneumoniamnist",
            url=f"{server}/truncated.npz",
            sha256=SHA,
            data_dir=tmp_path,
            progress=False,
            timeout=5,
        )
    assert _leftovers(tmp_path) == []


def test_http_error_is_reported(server, tmp_path):
    with pytest.raises(dl.DownloadError, match="HTTP 404"):
        dl.fetch_file(f"{server}/missing.npz", tmp_path / "x.npz", sha256=SHA, progress=False, timeout=5)
    assert _leftovers(tmp_path) == []


def test_server_down_says_offline(tmp_path):
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there now
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(dl.DownloadError, match="Are you offline"):
        dl.download_medmnist(
            "pneumoniamnist",
            url=f"http://127.0.0.1:{port}/ok.npz",
            sha256=SHA,
            data_dir=tmp_path,
            progress=False,
            timeout=5,
        )
    assert _leftovers(tmp_path) == []


def test_corrupted_cache_is_detected_and_replaced(server, hits, tmp_path):
    cached = tmp_path / "pneumoniamnist.npz"
    cached.write_bytes(PAYLOAD[:100])  # a half file from some earlier accident
    with pytest.raises(ChecksumError, match="not used"):
        dl.load_medmnist("pneumoniamnist", data_dir=tmp_path, sha256=SHA)
    dl.download_medmnist(
        "pneumoniamnist", url=f"{server}/ok.npz", sha256=SHA, data_dir=tmp_path, progress=False, timeout=5
    )
    assert hits == ["/ok.npz"] and cached.read_bytes() == PAYLOAD


def test_progress_bar_only_when_asked(server, tmp_path, capsys):
    for progress, folder in ((False, tmp_path / "quiet"), (True, tmp_path / "bar")):
        dl.fetch_file(f"{server}/ok.npz", folder / "x.npz", sha256=SHA, progress=progress, timeout=5)
        shown = capsys.readouterr().err
        total = f"/{tqdm.format_sizeof(len(PAYLOAD))}"  # tqdm's "done/total" counter, e.g. 18.6k/18.6k
        assert ("100%" in shown) == progress and (total in shown) == progress, shown


def test_both_digests_are_checked(server, tmp_path):
    wrong_md5 = hashlib.md5(PAYLOAD[::-1]).hexdigest()
    with pytest.raises(ChecksumError, match=f"md5 is {hashlib.md5(PAYLOAD).hexdigest()}, expected {wrong_md5}"):
        dl.fetch_file(f"{server}/ok.npz", tmp_path / "x.npz", sha256=SHA, md5=wrong_md5, progress=False, timeout=5)
    assert _leftovers(tmp_path) == []


def test_load_before_download_explains(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"download_medmnist\('breastmnist'\)"):
        dl.load_medmnist("breastmnist", data_dir=tmp_path)


def test_cache_dir_order(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    assert dl.cache_dir() == Path(pooch.os_cache("medimg-course"))  # the user cache, outside the repository
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "env"))
    assert dl.cache_dir() == tmp_path / "env"
    assert dl.cache_dir(tmp_path / "arg") == tmp_path / "arg"


def test_bad_arguments():
    with pytest.raises(ValueError, match="available: pneumoniamnist, breastmnist"):
        dl.download_medmnist("chestmnist")
    with pytest.raises(ValueError, match="no checksum"):
        dl.fetch_file("http://127.0.0.1:9/x", "x.npz")
    with pytest.raises(ValueError, match="64 hex"):
        dl.fetch_file("http://127.0.0.1:9/x", "x.npz", sha256="abc")


def test_registry_has_published_md5s():
    assert dl.MEDMNIST_FILES["breastmnist"]["labels"] == {0: "malignant", 1: "normal, benign"}
    assert "doi:10.1038/s41597-022-01721-8" in dl.MEDMNIST_CITATION
    assert dl.MEDMNIST_FILES["pneumoniamnist"]["md5"] == "28209eda62fecd6e6a2d98b1501bb15f"
    assert dl.MEDMNIST_FILES["breastmnist"]["md5"] == "750601b1f35ba3300ea97c75c52ff8f6"
    for entry in dl.MEDMNIST_FILES.values():
        assert entry["url"].startswith("https://zenodo.org/records/10519652/files/")
