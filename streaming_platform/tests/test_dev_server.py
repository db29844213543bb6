"""The development server (`make dev`: runserver through daphne), started on a free port with its own database."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from streaming_platform.tests.servers import PROJECT_DIR


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dev_server(tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'dev.sqlite3'}", PYTHONUNBUFFERED="1")
    log = open(tmp_path / "server.log", "w+")  # noqa: SIM115 - read after the server stops
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/catalog/status/", timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("The development server did not start.") from None
                time.sleep(0.2)
        yield base, tmp_path / "server.log"
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def post(url: str, body: bytes, content_type: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def test_multipart_without_boundary_is_json_and_each_line_is_logged_once(dev_server):
    base, log = dev_server
    status, content_type, body = post(f"{base}/api/identity/auth/login/", b"--x\r\n\r\n", "multipart/form-data")
    assert status == 400
    assert content_type.startswith("application/json"), body
    assert b"boundary" in body.lower()
    time.sleep(0.5)
    lines = [line for line in log.read_text().splitlines() if "POST /api/identity/auth/login/" in line]
    assert len(lines) == 1, lines
