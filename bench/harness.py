"""Shared benchmark harness: a fresh database, the production-like server, a wrk load runner, ratio reports.

Every benchmark serves the app as in production (`manage.py serve`: nginx, 2 WSGI worker processes for
HTTP and an ASGI worker for WebSocket; DEBUG off; `bench.settings`) on 127.0.0.1 and compares its
endpoints with the bare baseline endpoint
`/bench/baseline/` measured in the same run, so figures are ratios that survive a change of machine.

Usage (a complete benchmark is a short script; see bench/catalog_bench.py)::

    from bench import harness

    db = harness.bench_database("mybench")         # a fresh SQLite file under bench/.data/, migrated
    harness.django_setup(db)                        # this process now uses it (bench.settings)
    ...bulk-load data with the ORM or your app's services...

    with harness.serve(db) as base_url:             # uvicorn on a free port; stopped on exit
        baseline = harness.run_load(base_url, ["/bench/baseline/"])
        detail = harness.run_load(
            base_url,
            [f"/api/catalog/movies/{i}/" for i in ids],  # cycled through, round-robin
            duration_s=10,
        )
        login = harness.run_load(
            base_url,
            [harness.Request("/api/identity/auth/login/", method="POST",
                             body='{"email": "...", "password": "..."}',
                             headers={"Content-Type": "application/json"})],
            headers={"Authorization": "Bearer ..."},  # sent with every request
        )
    harness.print_report("My service", baseline, {"detail": detail, "login": login})

API:
- `Request(path, method="GET", headers=None, body=None)`: one request; plain strings are GET paths.
- `bench_database(name) -> Path`: creates `bench/.data/<name>.sqlite3` afresh and migrates it.
- `django_setup(db_path)`: points this process at `db_path` with `bench.settings` and calls `django.setup()`.
- `serve(db_path, *, workers=2, env=None, startup_timeout_s=60, stack=None) -> ContextManager[str]`: runs
  the server as a subprocess and yields its base URL; `stack` is "production" (`manage.py serve`, the
  default; `BENCH_STACK` changes it) or "asgi" (uvicorn alone).
- `run_load(base_url, requests, *, duration_s=10, connections=16, threads=2, headers=None,
  timeout_s=10, warmup_s=1) -> dict`: drives wrk with a Lua script that cycles through `requests`; returns
  `{"requests", "duration_s", "rps", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms",
  "non_2xx", "socket_errors": {"connect", "read", "write", "timeout"}}`. Bounded by `duration_s`.
- `average_load(*runs) -> dict`: runs of the same load combined (total requests over total time).
- `ratio(a, b) -> float`, `print_report(name, baseline, results, targets=None)`: the table every bench prints.

wrk is the Debian package `wrk`; when it is missing the harness installs it with apt-get if it runs as root,
else it stops with a message saying how to install it. Loads only ever target 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / ".data"
HOST = "127.0.0.1"
SETTINGS_MODULE = "bench.settings"
ASGI_APP = "streaming_platform.asgi:application"
BASELINE_PATH = "/bench/baseline/"
# wrk's own run time is bounded; the subprocess gets this much longer before it is killed.
WRK_GRACE_S = 30


class BenchError(RuntimeError):
    """A benchmark cannot run (missing tool, server that does not start, unparseable wrk output)."""


@dataclass(frozen=True)
class Request:
    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None


# --- Database and Django -------------------------------------------------------------------------


# Where benchmarks keep their data: "sqlite" (a file under bench/.data/, the default), or the URL of a
# PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432), on which each bench gets a fresh database.
BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "sqlite")


def database_engine() -> str:
    return "postgresql" if BENCH_DATABASE.startswith("postgres") else "sqlite"


def database_url(db_path: Path | str) -> str:
    if isinstance(db_path, str) and db_path.startswith("postgres"):
        return db_path
    return f"sqlite:///{Path(db_path).resolve()}"


def bench_environment(db_path: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the server and of the loading process: same settings, same database."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "DATABASE_URL": database_url(db_path),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_DIR), env.get("PYTHONPATH", "")])),
        }
    )
    env.update(extra or {})
    return env


def fresh_postgres_database(name: str) -> str:
    """Drops and creates the database `bench_<name>` on the BENCH_DATABASE server; returns its URL."""
    import psycopg

    server = BENCH_DATABASE.rstrip("/")
    # BENCH_DATABASE_SUFFIX keeps the databases of two checkouts benchmarking on one server apart.
    database = f"bench_{name}{os.environ.get('BENCH_DATABASE_SUFFIX', '')}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')
    return f"{server}/{database}"


def bench_database(name: str) -> Path | str:
    """A fresh, migrated database: the SQLite file `bench/.data/<name>.sqlite3` (any previous one is
    replaced), or with BENCH_DATABASE=postgres://... the PostgreSQL database `bench_<name>` (its URL)."""
    if database_engine() == "postgresql":
        path: Path | str = fresh_postgres_database(name)
    else:
        DATA_DIR.mkdir(exist_ok=True)
        path = DATA_DIR / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, str(PROJECT_DIR / "manage.py"), "migrate", "--noinput", "-v", "0"],
        cwd=PROJECT_DIR,
        env=bench_environment(path),
        check=True,
    )
    return path


def django_setup(db_path: Path) -> None:
    """Configure Django in this process against `db_path`, with the same settings as the server."""
    os.environ.update(bench_environment(db_path))
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()


# --- Server --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_until_answering(url: str, process: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"The server exited with code {process.returncode} before answering.")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise BenchError(f"The server did not answer {url} within {timeout_s:.0f} s.")


# The stack `serve` runs: "production" is `manage.py serve` (nginx in front of WSGI workers for HTTP and
# an ASGI worker for WebSocket, as `make serve` runs it); "asgi" is uvicorn alone with `workers` processes.
DEFAULT_STACK = os.environ.get("BENCH_STACK", "production")


def server_command(stack: str, port: int, workers: int, run_dir: str, threads: int | None = None) -> list[str]:
    """The command line of a server stack; `threads` per WSGI worker (default: `manage.py serve`'s)."""
    if stack == "production":
        return [
            sys.executable,
            str(PROJECT_DIR / "manage.py"),
            "serve",
            "--host",
            HOST,
            "--port",
            str(port),
            "--http-workers",
            str(workers),
            "--ws-workers",
            "1",
            *(["--threads", str(threads)] if threads else []),
            "--run-dir",
            run_dir,
        ]
    if stack == "asgi":
        return [
            sys.executable,
            "-m",
            "uvicorn",
            ASGI_APP,
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
    raise BenchError(f"Unknown server stack {stack!r} (production or asgi).")


@contextmanager
def serve(
    db_path: Path,
    *,
    workers: int = 2,
    env: dict[str, str] | None = None,
    startup_timeout_s: float = 60,
    stack: str | None = None,
    threads: int | None = None,
) -> Iterator[str]:
    """Run the production server on a free 127.0.0.1 port against `db_path`; yield its base URL."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as run_dir:
        command = server_command(stack or DEFAULT_STACK, port, workers, run_dir, threads)
        # Its own session, so stopping it also stops the worker processes it forked.
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=bench_environment(db_path, env), start_new_session=True
        )
        base_url = f"http://{HOST}:{port}"
        try:
            wait_until_answering(base_url + BASELINE_PATH, process, startup_timeout_s)
            # Every worker imports the app lazily; a few requests warm them all before measuring.
            for _ in range(workers * 4):
                urllib.request.urlopen(base_url + BASELINE_PATH, timeout=5).read()
            yield base_url
        finally:
            stop_process_group(process)


def stop_process_group(process: subprocess.Popen, timeout_s: float = 15) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


# --- Load ----------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """The path of wrk, installing the Debian package when possible."""
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing wrk (apt-get install -y wrk)...", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        installed = subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, capture_output=True)
        if installed.returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, capture_output=True)
        path = shutil.which("wrk")
        if path:
            return path
    raise BenchError("The benchmarks need wrk: install it with `sudo apt-get install -y wrk` (Debian/Ubuntu).")


def lua_string(value: str) -> str:
    """A Lua string literal for any text (decimal escapes for everything outside printable ASCII)."""
    out = []
    for byte in value.encode():
        char = chr(byte)
        if char in '\\"':
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def lua_table(mapping: dict[str, str]) -> str:
    return "{" + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in mapping.items()) + "}"


LUA_TEMPLATE = """
-- Generated by bench/harness.py: cycles through a fixed list of requests and prints JSON stats.
local specs = {
%(specs)s
}
local common_headers = %(headers)s
local threads = {}
local counter = 1

function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end

function init(args)
  requests_list = {}
  for i, spec in ipairs(specs) do
    local headers = {}
    for k, v in pairs(common_headers) do headers[k] = v end
    for k, v in pairs(spec.headers) do headers[k] = v end
    requests_list[i] = wrk.format(spec.method, spec.path, headers, spec.body)
  end
  -- Each thread starts at a different point of the list so the mix is spread from the first second.
  counter = (offset * 7) %% #requests_list + 1
  non2xx = 0
end

function request()
  local r = requests_list[counter]
  counter = counter %% #requests_list + 1
  return r
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local non = 0
  for _, thread in ipairs(threads) do non = non + (thread:get("non2xx") or 0) end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "mean_us": %%f, "max_us": %%f, ' ..
    '"p50_us": %%d, "p90_us": %%d, "p95_us": %%d, "p99_us": %%d, "non_2xx": %%d, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "timeout": %%d}\\n',
    summary.requests, summary.duration, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    non, e.connect, e.read, e.write, e.timeout))
end
"""


def lua_script(requests: list[Request], headers: dict[str, str]) -> str:
    specs = ",\n".join(
        f"{{path = {lua_string(r.path)}, method = {lua_string(r.method)}, headers = {lua_table(r.headers)}, "
        f"body = {'nil' if r.body is None else lua_string(r.body)}}}"
        for r in requests
    )
    return LUA_TEMPLATE % {"specs": specs, "headers": lua_table(headers)}


def as_requests(requests: Iterable[Request | str]) -> list[Request]:
    out = [r if isinstance(r, Request) else Request(r) for r in requests]
    if not out:
        raise BenchError("run_load needs at least one request.")
    return out


def run_load(
    base_url: str,
    requests: Iterable[Request | str],
    *,
    duration_s: float = 10,
    connections: int = 16,
    threads: int = 2,
    headers: dict[str, str] | None = None,
    timeout_s: float = 10,
    warmup_s: float = 1,
) -> dict:
    """Load `base_url` with wrk, cycling through `requests`; return throughput and latency figures."""
    if not base_url.startswith(f"http://{HOST}:"):
        raise BenchError("Loads only ever target 127.0.0.1.")
    wrk = ensure_wrk()
    specs = as_requests(requests)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(specs, headers or {}))
    try:
        if warmup_s > 0:
            run_wrk(wrk, base_url, script.name, warmup_s, connections, threads, timeout_s)
        raw = run_wrk(wrk, base_url, script.name, duration_s, connections, threads, timeout_s)
    finally:
        os.unlink(script.name)
    duration = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "duration_s": round(duration, 3),
        "rps": round(raw["requests"] / duration, 1) if duration else 0.0,
        "mean_ms": round(raw["mean_us"] / 1000, 2),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p95_ms": round(raw["p95_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "non_2xx": raw["non_2xx"],
        "socket_errors": {key: raw[key] for key in ("connect", "read", "write", "timeout")},
    }


def average_load(*runs: dict) -> dict:
    """Several runs of the same load as one: request-weighted rates, the worst of each latency figure."""
    duration = sum(run["duration_s"] for run in runs)
    requests = sum(run["requests"] for run in runs)
    combined = {
        "requests": requests,
        "duration_s": round(duration, 3),
        "rps": round(requests / duration, 1) if duration else 0.0,
        "non_2xx": sum(run["non_2xx"] for run in runs),
        "socket_errors": {
            key: sum(run["socket_errors"][key] for run in runs) for key in ("connect", "read", "write", "timeout")
        },
    }
    for key in ("mean_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms"):
        combined[key] = max(run[key] for run in runs)
    return combined


def run_wrk(
    wrk: str, base_url: str, script: str, duration_s: float, connections: int, threads: int, timeout_s: float
) -> dict:
    seconds = max(1, round(duration_s))
    command = [
        wrk,
        f"-t{threads}",
        f"-c{max(connections, threads)}",
        f"-d{seconds}s",
        f"--timeout={max(1, round(timeout_s))}s",
        "-s",
        script,
        base_url,
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + WRK_GRACE_S)
    for line in completed.stdout.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[len("WRKJSON ") :])
    raise BenchError(f"wrk gave no figures (exit {completed.returncode}): {completed.stderr or completed.stdout}")


# --- Reports -------------------------------------------------------------------------------------


def ratio(a: float, b: float) -> float:
    return round(a / b, 3) if b else float("inf")


def print_report(name: str, baseline: dict, results: dict[str, dict], targets: list[tuple[str, bool]] | None = None):
    """One table: each endpoint's throughput and latency, and its throughput as a ratio of the baseline."""
    name = f"{name} [{database_engine()}]"
    print(f"\n== {name} ({DEFAULT_STACK} server stack, DEBUG off, 127.0.0.1) ==")
    header = f"{'endpoint':<28} {'req/s':>9} {'x base':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'non2xx':>7}"
    print(header)
    print("-" * len(header))
    for label, figures in {"baseline": baseline, **results}.items():
        print(
            f"{label:<28} {figures['rps']:>9.1f} {ratio(figures['rps'], baseline['rps']):>7.3f} "
            f"{figures['p50_ms']:>8.2f} {figures['p95_ms']:>8.2f} {figures['p99_ms']:>8.2f} {figures['non_2xx']:>7d}"
        )
    for description, met in targets or []:
        print(f"  [{'met' if met else 'MISSED'}] {description}")
    # One machine-readable line per row, for `make bench` (bench/run_all.py) to gather into one table.
    for label, figures in {"baseline": baseline, **results}.items():
        row = {
            "bench": name,
            "endpoint": label,
            "rps": figures["rps"],
            "x_base": ratio(figures["rps"], baseline["rps"]),
            "p95_ms": figures["p95_ms"],
            "errors": figures["non_2xx"] + sum(figures.get("socket_errors", {}).values()),
        }
        print("BENCHROW " + json.dumps(row))
