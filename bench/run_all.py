"""`make bench`: run every benchmark in bench/ and print one table of their figures and targets.

Each benchmark measures its own baseline in the same run; this collects the rows they report
(throughput as a ratio of that baseline, p95 latency) and every target line ("[met]" / "[MISSED]").
Full output of each benchmark goes to bench/results/<name>-<engine>.log, and the table (with the date,
the commit and the machine) to bench/results/latest.md, which the docs link to instead of copying figures.
A run of some benchmarks (`--only`) replaces only their own section of latest.md ("Latest runs of single
benchmarks"), so their figures are written down without a full `make bench`.

    .venv/bin/python bench/run_all.py [--only catalog_bench stream_bench ...] [--postgres URL]

With --postgres (`make bench` passes the local server), the benchmarks whose data lives in the
project's database run a second time on PostgreSQL; the others measure SQLite-specific paths
(raw `executemany`, SQLite locking) or the recommender, which does not depend on the database.
"""

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
LATEST = RESULTS_DIR / "latest.md"
# Benchmarks that also run on PostgreSQL when --postgres is given.
POSTGRES_BENCHMARKS = ["catalog_bench", "identity_bench", "stream_bench", "home_bench"]
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
    "home_bench",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="benchmark module names to run")
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL for the second pass")
    parser.add_argument("--args", default="", help="arguments passed to every benchmark run (e.g. a shorter run)")
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
        command = [sys.executable, str(script), *args.args.split()]
        completed = subprocess.run(command, capture_output=True, text=True, env=env)
        output = completed.stdout + completed.stderr
        (RESULTS_DIR / f"{name}-{engine}.log").write_text(output)
        print(f"  finished in {time.perf_counter() - started:.0f} s (exit {completed.returncode})", flush=True)
        if completed.returncode != 0:
            failures.append(f"{name} on {engine}: exit {completed.returncode}, see bench/results/{name}-{engine}.log")
        for line in completed.stdout.splitlines():
            if line.startswith("BENCHROW "):
                rows.append(json.loads(line[len("BENCHROW ") :]))
            elif "[met]" in line or "[MISSED]" in line or "[info]" in line:
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
    if not args.only:
        LATEST.write_text(latest_markdown(rows, targets, failures, runs=runs))
    else:
        text = LATEST.read_text() if LATEST.exists() else ""
        LATEST.write_text(with_section(text, rows, targets, failures, runs, args.args))
    print(f"\nTable written to {LATEST.relative_to(BENCH_DIR.parent)}")
    return 1 if failures else 0


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def latest_markdown(rows: list[dict], targets: list[str], failures: list[str], *, runs, args: str = "") -> str:
    """The same table as printed, as Markdown: the one place the current figures are written down."""
    arguments = f" (with `{args}`)" if args else ""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "# Latest `make bench`",
        "",
        "Generated by `bench/run_all.py` (`make bench`); do not edit by hand, run it again.",
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- commit: {_commit()}",
        f"- machine: {os.cpu_count()} cores, load average {load:.1f} at the end",
        f"- runs: {', '.join(f'{name} [{engine}]' for name, engine in runs)}{arguments}",
        "",
        "Throughput as a ratio of the baseline measured in the same run; p95 in ms.",
        "",
        "| benchmark | endpoint | req/s | x base | p95 ms | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {row['bench']} | {row['endpoint']} | {row['rps']:.1f} | {row['x_base']:.3f} | {row['p95_ms']:.2f} "
        f"| {row['errors']} |"
        for row in rows
    ]
    lines += ["", "## Targets", ""]
    lines += [f"- {line}" for line in targets] or ["- (none reported)"]
    if failures:
        lines += ["", "## Failures", ""] + [f"- {line}" for line in failures]
    return "\n".join(lines) + "\n"


SECTIONS_HEADING = "## Latest runs of single benchmarks"


def with_section(text: str, rows: list[dict], targets: list[str], failures: list[str], runs, args: str = "") -> str:
    """latest.md with the section of these runs (one per set of benchmark names) written anew, the rest kept."""
    names = " ".join(sorted({name for name, _ in runs}))
    begin, end = f"<!-- begin: {names} -->", f"<!-- end: {names} -->"
    body = latest_markdown(rows, targets, failures, runs=runs, args=args).split("\n", 4)[4]  # without its title lines
    section = f"{begin}\n### {names}\n\n{body.replace('## Targets', '#### Targets')}{end}\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        return head + section + rest.split(end, 1)[1].lstrip("\n")
    if SECTIONS_HEADING not in text:
        text = text.rstrip("\n") + f"\n\n{SECTIONS_HEADING}\n\n"
    return text.rstrip("\n") + "\n\n" + section


if __name__ == "__main__":
    sys.exit(main())
