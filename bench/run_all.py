"""`make bench`: run every benchmark in bench/ and print one table of their figures and targets.

Each benchmark measures its own baseline in the same run; this collects the rows they report
(throughput as a ratio of that baseline, p95 latency) and every target line ("[met]" / "[MISSED]").
Full output of each benchmark goes to bench/results/<name>.log.

    .venv/bin/python bench/run_all.py [--only catalog_bench stream_bench ...]
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
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
    args = parser.parse_args()
    RESULTS_DIR.mkdir(exist_ok=True)
    rows, targets, failures = [], [], []
    for name in args.only or BENCHMARKS:
        script = BENCH_DIR / f"{name}.py"
        if not script.exists():
            failures.append(f"{name}: no such benchmark")
            continue
        print(f"Running {name}...", flush=True)
        started = time.perf_counter()
        completed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
        output = completed.stdout + completed.stderr
        (RESULTS_DIR / f"{name}.log").write_text(output)
        print(f"  finished in {time.perf_counter() - started:.0f} s (exit {completed.returncode})", flush=True)
        if completed.returncode != 0:
            failures.append(f"{name}: exit {completed.returncode}, see bench/results/{name}.log")
        for line in completed.stdout.splitlines():
            if line.startswith("BENCHROW "):
                rows.append(json.loads(line[len("BENCHROW ") :]))
            elif "[met]" in line or "[MISSED]" in line:
                targets.append(f"{name}: {line.strip()}")

    header = f"{'benchmark':<36} {'endpoint':<28} {'req/s':>9} {'x base':>7} {'p95 ms':>9} {'errors':>7}"
    print("\n" + header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['bench'][:36]:<36} {row['endpoint'][:28]:<28} {row['rps']:>9.1f} {row['x_base']:>7.3f} "
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
