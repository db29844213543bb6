"""`make bench`: run every benchmark in bench/ and print one table of their figures and targets.

Each benchmark measures its own baseline in the same run; this collects the rows they report
(throughput as a ratio of that baseline, p95 latency) and every target line ("[met]" / "[MISSED]").
Full output of each benchmark goes to bench/results/<name>.log.

    .venv/bin/python bench/run_all.py [--only catalog_bench stream_bench ...] [--postgres URL]

With --postgres (`make bench` passes the local server), the benchmarks whose data lives in the
project's database run a second time on PostgreSQL; the others measure SQLite-specific paths
(raw `executemany`, SQLite locking) or the recommender, which does not depend on the database.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
# Benchmarks that also run on PostgreSQL when --postgres is given.
POSTGRES_BENCHMARKS = ["catalog_bench", "identity_bench", "stream_bench"]
BENCHMARKS = [
    "serving_bench",
    "catalog_bench",
    "identity_bench",
    "stream_bench",
    "analytics_bench",
    "topology_bench",
    "sqlite_concurrency",
    "recommend_eval",
    "recommend_scale",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="benchmark module names to run")
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL for the second pass")
    args = parser.parse_args()
    RESULTS_DIR.mkdir(exist_ok=True)
    rows, targets, failures = [], [], []
    runs = [(name, "sqlite") for name in args.only or BENCHMARKS]
    if args.postgres:
        runs += [(name, "postgresql") for name in args.only or BENCHMARKS if name in POSTGRES_BENCHMARKS]
    for name, engine in runs:
        script = BENCH_DIR / f"{name}.py"
        if not script.exists():
            failures.append(f"{name}: no such benchmark")
            continue
        print(f"Running {name} on {engine}...", flush=True)
        started = time.perf_counter()
        env = dict(os.environ, BENCH_DATABASE=args.postgres if engine == "postgresql" else "sqlite")
        completed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env)
        output = completed.stdout + completed.stderr
        (RESULTS_DIR / f"{name}-{engine}.log").write_text(output)
        print(f"  finished in {time.perf_counter() - started:.0f} s (exit {completed.returncode})", flush=True)
        if completed.returncode != 0:
            failures.append(f"{name} on {engine}: exit {completed.returncode}, see bench/results/{name}-{engine}.log")
        for line in completed.stdout.splitlines():
            if line.startswith("BENCHROW "):
                rows.append(json.loads(line[len("BENCHROW ") :]))
            elif "[met]" in line or "[MISSED]" in line:
                targets.append(f"{name} [{engine}]: {line.strip()}")

    header = f"{'benchmark':<48} {'endpoint':<28} {'req/s':>9} {'x base':>7} {'p95 ms':>9} {'errors':>7}"
    print("\n" + header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['bench'][:48]:<48} {row['endpoint'][:28]:<28} {row['rps']:>9.1f} {row['x_base']:>7.3f} "
            f"{row['p95_ms']:>9.2f} {row['errors']:>7d}"
        )
    print("\nTargets:")
    for line in targets:
        print(f"  {line}")
    for line in failures:
        print(f"  FAILED {line}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
