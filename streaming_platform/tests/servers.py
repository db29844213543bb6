"""Server subprocesses for the fault and multi-worker tests, on the suite's own PostgreSQL and Redis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from streaming_platform.tests.private_servers import HOST, PrivatePostgres, PrivateRedis, free_port

PROJECT_DIR = Path(__file__).resolve().parents[2]
# Production settings (DEBUG off) over plain HTTP on 127.0.0.1.
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "streaming_platform.settings",
    "DEBUG": "false",
    "HTTPS": "false",
    "SECRET_KEY": "hardening-tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "LOG_LEVEL": "WARNING",
    "RECOMMEND_AUTO_REBUILD": "off",
}
STATUS_PATH = "/api/analytics/status"


def environment(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(SERVER_ENV)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_DIR), env.get("PYTHONPATH", "")]))
    env.update(extra)
    return env


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


# --- Django in a subprocess ---------------------------------------------------------------------

DJANGO_PRELUDE = """
import json, django
django.setup()
"""


def django_run(env: dict[str, str], code: str, timeout_s: float = 120):
    """Runs `code` in a fresh Django process with `env`; returns the JSON it printed last (as `result`)."""
    script = DJANGO_PRELUDE + code + "\nprint('RESULT ' + json.dumps(result))\n"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=timeout_s
    )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise AssertionError(f"Django subprocess failed ({done.returncode}):\n{done.stderr[-3000:]}")


def migrate(env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, f"migrate failed:\n{done.stderr[-3000:]}"


SEED_VIEWERS = """
from catalog.tests.factories import TitleFactory
from identity.services import token_create
from identity.tests.factories import UserFactory
from stream.tests.factories import CdnFactory

CdnFactory(name="cdn-us", regions=["US"], capacity=100_000)
viewers = []
for n in range({count}):
    user = UserFactory(email=f"hardening-{{n}}@example.org", country="US", plan="premium")
    viewers.append({{"id": user.pk, "token": token_create(user=user)[1]}})
staff = UserFactory(email="hardening-staff@example.org", is_staff=True)
result = {{"viewers": viewers, "staff_token": token_create(user=staff)[1], "title": TitleFactory(runtime_s=6000).pk}}
"""


def seed_viewers(env: dict[str, str], count: int = 1) -> dict:
    """Viewers with bearer tokens, a staff token, a movie available in the US and a CDN."""
    return django_run(env, SEED_VIEWERS.format(count=count))


# --- Server processes ---------------------------------------------------------------------------


class Server:
    """One uvicorn process (HTTP and WebSocket) serving the project on a free port."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.ws_url = f"ws://{HOST}:{self.port}"
        self.log_path = log_path
        self.log = open(log_path, "ab")  # noqa: SIM115 (closed in stop())
        # Its own session, so it can be stopped (or killed) with everything it started.
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "streaming_platform.asgi:application",
                "--host",
                HOST,
                "--port",
                str(self.port),
                "--no-access-log",
                "--lifespan",
                "off",
                "--log-level",
                "warning",
            ],
            cwd=PROJECT_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"The server exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                status, _, _ = request(self.base_url + STATUS_PATH, timeout_s=3)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"The server did not answer within {timeout_s:.0f} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to finish anything it was doing."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
            except ProcessLookupError:
                pass
        self.log.close()

    def log_tail(self, chars: int = 3000) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]


@contextmanager
def serving(env: dict[str, str], log_path: Path, *, timeout_s: float = 60) -> Iterator[Server]:
    server = Server(env, log_path)
    try:
        server.wait_ready(timeout_s)
        yield server
    finally:
        server.stop()


def request(
    url: str,
    *,
    method: str = "GET",
    body=None,
    token: str | None = None,
    timeout_s: float = 15,
) -> tuple[int, dict | list | None, float]:
    """(status, parsed JSON body or None, seconds taken). Connection failures raise OSError."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    started = time.monotonic()
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    elapsed = time.monotonic() - started
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, parsed, elapsed


# --- The suite's own PostgreSQL and Redis -------------------------------------------------------


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of this test's own (free port, temporary cluster), destroyed afterwards."""
    server = PrivatePostgres().start()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A Redis server of this test's own (free port, nothing on disk), destroyed afterwards."""
    server = PrivateRedis().start()
    try:
        yield server
    finally:
        server.destroy()


@contextmanager
def stopped(server: PrivatePostgres | PrivateRedis) -> Iterator[None]:
    """The test's own server is down inside the block and running again (same port, same data) after it."""
    server.stop()
    try:
        yield
    finally:
        if not server.running():
            server.start()


# --- The development server -----------------------------------------------------------------------


@contextmanager
def runserver(env: dict[str, str], log_path: Path, *, port: int | None = None, timeout_s: float = 60) -> Iterator[str]:
    """`manage.py runserver --noreload` (daphne: HTTP and WebSocket) on a free port; yields its base URL.

    Stopped (SIGTERM, then SIGKILL) when the block ends; only this process, which the test started.
    """
    port = port or free_port()
    url = f"http://{HOST}:{port}"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"{HOST}:{port}"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    with urllib.request.urlopen(f"{url}{STATUS_PATH}", timeout=2):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(Path(log_path).read_text()) from None
                    time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
