"""Topology benchmark: UPDATE fan-out to 500 WebSocket clients, and the metrics middleware's throughput cost.

Run: `.venv/bin/python bench/topology_bench.py` (about two minutes; needs Redis at 127.0.0.1:6379, as the
production-like server shares metrics and the channel layer between its two workers through it).

1. Middleware cost: two production-like servers on one database, identical but for
   TOPOLOGY_METRICS_ENABLED; wrk alternates between them on `/api/catalog/status` (a request the
   middleware attributes and records) and on the bare baseline; the figure is the ratio of medians.
2. Fan-out: 500 clients connect to the server with metrics on; a probe makes one request every ~1.3 s
   (never aligned with the 1 s ticks). For each, we note when every client has received the UPDATE
   carrying it: "delivery" is measured from the moment the server published that UPDATE (its `time`),
   "change to screen" from the moment the request was answered (this one includes the wait for the next tick).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness

CLIENTS = 500
CONNECT_BATCH = 50
PROBE_NODE = "identity"
PROBE_PATH = "/api/identity/status"
LOAD_PATH = "/api/catalog/status"
# Redis database of this bench only, so its channel layer and metrics meet nobody else's.
REDIS_URL = "redis://127.0.0.1:6379/7"


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def server_env(metrics_enabled: bool) -> dict[str, str]:
    return {
        "REDIS_URL": REDIS_URL,
        "TOPOLOGY_REDIS_PREFIX": f"topology-bench-{uuid.uuid4().hex[:8]}",
        "TOPOLOGY_METRICS_ENABLED": "true" if metrics_enabled else "false",
        "TOPOLOGY_UPDATE_INTERVAL_S": "1",
    }


def middleware_cost(db: Path, rounds: int, duration_s: float) -> dict:
    """Throughput with and without the middleware, alternated round by round to share the machine's noise."""
    figures: dict[str, list[dict]] = {"on": [], "off": [], "baseline_on": [], "baseline_off": []}
    with harness.serve(db, env=server_env(True)) as url_on, harness.serve(db, env=server_env(False)) as url_off:
        for _ in range(rounds):
            for name, url in (("on", url_on), ("off", url_off)):
                figures[name].append(harness.run_load(url, [LOAD_PATH], duration_s=duration_s))
                figures[f"baseline_{name}"].append(
                    harness.run_load(url, [harness.BASELINE_PATH], duration_s=duration_s / 2)
                )

    def median_of(name: str) -> dict:
        runs = sorted(figures[name], key=lambda f: f["rps"])
        return runs[len(runs) // 2]

    return {name: median_of(name) for name in figures}


async def fan_out(base_url: str, clients: int, probes: int) -> dict:
    from websockets.asyncio.client import connect

    ws_url = base_url.replace("http://", "ws://") + "/ws/topology/"
    # Per client: the list of (receive time, UPDATE) it saw.
    received: list[list[tuple[float, dict]]] = [[] for _ in range(clients)]
    sockets = []

    async def reader(index: int, socket) -> None:
        async for raw in socket:
            message = json.loads(raw)
            if message["type"] == "UPDATE":
                received[index].append((time.time(), message))

    started = time.monotonic()
    for first in range(0, clients, CONNECT_BATCH):
        batch = await asyncio.gather(
            *(connect(ws_url, origin=base_url, open_timeout=30, max_queue=None) for _ in range(CONNECT_BATCH))
        )
        sockets.extend(batch[: clients - first])
    connect_s = time.monotonic() - started
    init_messages = [json.loads(await asyncio.wait_for(s.recv(), 30)) for s in sockets]
    readers = [asyncio.create_task(reader(i, s)) for i, s in enumerate(sockets)]
    baseline_count = next(n for n in init_messages[0]["nodes"] if n["id"] == PROBE_NODE)["metrics"]["requests"]

    await asyncio.sleep(2.5)  # let every client see a couple of ordinary updates first
    changes: list[tuple[float, int]] = []  # (answered at, expected count in the window)
    for i in range(probes):
        await asyncio.sleep(1.3)
        await asyncio.to_thread(lambda: urllib.request.urlopen(base_url + PROBE_PATH, timeout=10).read())
        changes.append((time.time(), baseline_count + i + 1))
    await asyncio.sleep(2.5)
    for task in readers:
        task.cancel()
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)

    change_to_screen, delivery, ticks, spreads = [], [], set(), []
    missing = 0
    for answered_at, expected in changes:
        per_client_receipt, per_client_published = [], []
        for updates in received:
            count = None
            hit = None
            for receipt, message in updates:
                node = next((n for n in message["nodes"] if n["id"] == PROBE_NODE), None)
                if node is not None:
                    count = node["metrics"]["requests"]
                if count is not None and count >= expected:
                    hit = (receipt, message)
                    break
            if hit is None:
                missing += 1
                continue
            per_client_receipt.append(hit[0])
            per_client_published.append(hit[1]["time"])
            ticks.add(hit[1]["seq"])
        if per_client_receipt:
            last = max(per_client_receipt)
            change_to_screen.append((last - answered_at) * 1000)
            delivery.append((last - min(per_client_published)) * 1000)
            spreads.append((last - min(per_client_receipt)) * 1000)
    all_updates = sum(len(updates) for updates in received)
    return {
        "clients": clients,
        "connect_s": round(connect_s, 2),
        "probes": len(changes),
        "missing": missing,
        "updates_received": all_updates,
        "delivery_p95_ms": round(p95(delivery), 1),
        "delivery_max_ms": round(max(delivery), 1),
        "spread_p95_ms": round(p95(spreads), 1),
        "change_to_screen_p95_ms": round(p95(change_to_screen), 1),
        "change_to_screen_median_ms": round(statistics.median(change_to_screen), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--probes", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of each wrk run")
    args = parser.parse_args()

    db = harness.bench_database("topology")
    cost = middleware_cost(db, args.rounds, args.duration)
    with harness.serve(db, env=server_env(True)) as url:
        ws = asyncio.run(fan_out(url, args.clients, args.probes))

    ratio = harness.ratio(cost["on"]["rps"], cost["off"]["rps"])
    baseline_ratio = harness.ratio(cost["baseline_on"]["rps"], cost["baseline_off"]["rps"])
    harness.print_report(
        "Topology: metrics middleware (median of alternated runs)",
        cost["baseline_off"],
        {
            "baseline, metrics on": cost["baseline_on"],
            "catalog/status, metrics off": cost["off"],
            "catalog/status, metrics on": cost["on"],
        },
        targets=[
            (f"middleware keeps {ratio:.3f} of the throughput of the same server without it (>= 0.95)", ratio >= 0.95)
        ],
    )
    print(f"  paths outside the services (baseline): {baseline_ratio:.3f} of the throughput without the middleware")

    interval_ms = 1000.0
    print(f"\n== Topology: UPDATE fan-out to {ws['clients']} WebSocket clients (uvicorn, 2 workers, Redis) ==")
    print(f"connected in {ws['connect_s']} s; {ws['probes']} metric changes; {ws['updates_received']} UPDATEs received")
    print(
        f"delivery, UPDATE published -> all {ws['clients']} clients: p95 {ws['delivery_p95_ms']} ms "
        f"({ws['delivery_p95_ms'] / interval_ms:.3f} of the interval), max {ws['delivery_max_ms']} ms"
    )
    print(f"spread between first and last client: p95 {ws['spread_p95_ms']} ms")
    print(
        f"change to screen (request answered -> all clients, includes the wait for the next 1 s tick): "
        f"median {ws['change_to_screen_median_ms']} ms, p95 {ws['change_to_screen_p95_ms']} ms"
    )
    print(f"  [{'met' if ws['missing'] == 0 else 'MISSED'}] every client saw every change ({ws['missing']} missing)")
    met = ws["delivery_p95_ms"] < 250
    print(f"  [{'met' if met else 'MISSED'}] p95 delivery of a change's UPDATE to every client < 250 ms")


if __name__ == "__main__":
    main()
