"""Which server stack serves Django best on this machine: the measurement behind `make serve`.

Runs the same endpoints (the bare baseline, a catalog list page, and a player's metric update, which
writes to the database) under each stack, on the same SQLite file, in one run, and prints each stack's
throughput as a ratio of the plain gunicorn WSGI workers'. The `make serve` stack is tried with several
splits of the same cores into processes and threads.

    .venv/bin/python bench/serving_bench.py [--duration 8]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness

WORKERS = 2
# `make serve` variants: (WSGI processes, threads per process).
SPLITS = [(2, 4), (2, 2), (2, 1), (3, 1), (4, 1)]
VIEWERS = 2000


def stack_commands(port: int, run_dir: str) -> dict[str, list[str]]:
    python = sys.executable
    bin_dir = Path(python).parent
    return {
        "gunicorn gthread (WSGI, no WebSocket)": [
            str(bin_dir / "gunicorn"),
            "streaming_platform.wsgi:application",
            f"--bind={harness.HOST}:{port}",
            f"--workers={WORKERS}",
            "--worker-class=gthread",
            "--threads=4",
        ],
        **{
            f"make serve, {processes} x {threads} threads": harness.server_command(
                "production", port, processes, run_dir, threads=threads
            )
            for processes, threads in SPLITS
        },
        "uvicorn (ASGI)": harness.server_command("asgi", port, WORKERS, run_dir),
        "daphne (ASGI, one process)": [
            str(bin_dir / "daphne"),
            "-b",
            harness.HOST,
            "-p",
            str(port),
            "streaming_platform.asgi:application",
        ],
    }


@contextmanager
def running(command: list[str], db: Path, port: int):
    process = subprocess.Popen(
        command,
        cwd=harness.PROJECT_DIR,
        env=harness.bench_environment(db),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://{harness.HOST}:{port}"
    try:
        harness.wait_until_answering(base_url + harness.BASELINE_PATH, process, 60)
        yield base_url
    finally:
        harness.stop_process_group(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=8)
    args = parser.parse_args()

    db = harness.bench_database("serving")
    harness.django_setup(db)
    from django.db import connection

    from bench.stream_bench import load_audience, run_updates
    from catalog.tests.factories import TitleFactory

    TitleFactory.create_batch(40)
    viewers = load_audience(VIEWERS)
    connection.close()

    paths = {"baseline": [harness.BASELINE_PATH], "catalog list": ["/api/catalog/movies/"]}
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-stacks-") as run_dir:
        for name in stack_commands(0, run_dir):
            port = harness.free_port()
            command = stack_commands(port, run_dir)[name]
            with running(command, db, port) as base_url:
                figures = {
                    label: harness.run_load(base_url, requests, duration_s=args.duration, connections=32)
                    for label, requests in paths.items()
                }
                figures["metric update"] = run_updates(
                    base_url, viewers, rate=0, duration_s=args.duration, connections=32
                )
            rows.append((name, figures))

    reference = rows[0][1]
    print(f"\n== Server stacks, {WORKERS} workers, DEBUG off, 127.0.0.1, {os.cpu_count()} cores ==")
    header = f"{'stack':<40} {'endpoint':<14} {'req/s':>8} {'x WSGI':>7} {'p95 ms':>8} {'errors':>7}"
    print(header)
    print("-" * len(header))
    for name, figures in rows:
        for label, result in figures.items():
            errors = result["non_2xx"] + sum(result["socket_errors"].values())
            print(
                f"{name:<40} {label:<14} {result['rps']:>8.1f} "
                f"{harness.ratio(result['rps'], reference[label]['rps']):>7.2f} {result['p95_ms']:>8.2f} {errors:>7d}"
            )
    # The same rows for `make bench` (bench/run_all.py); here the baseline of each row is the plain WSGI stack.
    for name, figures in rows:
        for label, result in figures.items():
            row = {
                "bench": f"Server stacks: {name}",
                "endpoint": label,
                "rps": result["rps"],
                "x_base": harness.ratio(result["rps"], reference[label]["rps"]),
                "p95_ms": result["p95_ms"],
                "errors": result["non_2xx"] + sum(result["socket_errors"].values()),
            }
            print("BENCHROW " + json.dumps(row))


if __name__ == "__main__":
    main()
