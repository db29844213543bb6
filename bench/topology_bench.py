"""Topology benchmark: UPDATE fan-out to 500 WebSocket clients, and the metrics middleware's throughput cost.

Run: `.venv/bin/python bench/topology_bench.py` (about two minutes; needs Redis at 127.0.0.1:6379, as the
production server's worker processes share metrics and the channel layer through it).

1. Middleware cost, measured two ways:
   - two production servers on one database, identical but for TOPOLOGY_METRICS_ENABLED, loaded in
     turn by wrk on `/api/catalog/status` (a request the middleware attributes and records) and on the
     bare baseline; the figure is the median of the per-round throughput ratios. On a busy machine
     rounds differ by more than the few percent sought, so this figure is only as good as the machine is quiet;
   - CPU time: what the middleware adds to one request, against what the request costs through the
     whole Django stack, both in this process; CPU time ignores the other processes on the machine.
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
    """Throughput with and without the middleware: two servers, loaded one after the other each round.

    Returns the median run of each variant and the median of the per-round on/off ratios (each round
    swaps which goes first, so neither always gets the quieter machine).
    """
    runs: dict[str, list[dict]] = {"on": [], "off": [], "baseline_on": [], "baseline_off": []}
    ratios: dict[str, list[float]] = {"status": [], "baseline": []}
    with harness.serve(db, env=server_env(True)) as url_on, harness.serve(db, env=server_env(False)) as url_off:
        for round_number in range(rounds):
            order = [("on", url_on), ("off", url_off)]
            if round_number % 2:
                order.reverse()
            for name, url in order:
                runs[name].append(harness.run_load(url, [LOAD_PATH], duration_s=duration_s, warmup_s=0.5))
                runs[f"baseline_{name}"].append(
                    harness.run_load(url, [harness.BASELINE_PATH], duration_s=max(1, duration_s / 2), warmup_s=0.5)
                )
            ratios["status"].append(harness.ratio(runs["on"][-1]["rps"], runs["off"][-1]["rps"]))
            ratios["baseline"].append(harness.ratio(runs["baseline_on"][-1]["rps"], runs["baseline_off"][-1]["rps"]))

    def median_run(name: str) -> dict:
        ordered = sorted(runs[name], key=lambda f: f["rps"])
        return ordered[len(ordered) // 2]

    return {
        **{name: median_run(name) for name in runs},
        "ratio": statistics.median(ratios["status"]),
        "baseline_ratio": statistics.median(ratios["baseline"]),
        "ratios": ratios["status"],
    }


def middleware_cpu_cost(db: Path, requests: int) -> dict:
    """CPU time per request in this process: what the middleware itself adds, against what the request costs.

    CPU time, unlike wall time, ignores the other processes sharing the machine. The middleware runs in
    a tight loop around a response that is already made (its whole per-request work: path check,
    timing, one bucket update); the request runs through the whole Django stack without it.
    """
    import os

    os.environ.update(server_env(True))
    harness.django_setup(db)
    from django.http import HttpResponse
    from django.test import Client, RequestFactory, override_settings

    from topology.middleware import ServiceMetricsMiddleware

    with override_settings(TOPOLOGY_METRICS_ENABLED=False):
        client = Client()
        for _ in range(200):  # warm the URL resolver, the templates of errors, the connection
            client.get(LOAD_PATH)
        began = time.process_time()
        for _ in range(requests):
            client.get(LOAD_PATH)
        request_us = (time.process_time() - began) / requests * 1e6

    response = HttpResponse()
    request = RequestFactory().get(LOAD_PATH)
    middleware = ServiceMetricsMiddleware(lambda r: response)
    calls = 100_000
    began = time.process_time()
    for _ in range(calls):
        middleware(request)
    with_middleware = time.process_time() - began
    bare = lambda r: response  # noqa: E731 (the same call without the middleware's work)
    began = time.process_time()
    for _ in range(calls):
        bare(request)
    without = time.process_time() - began
    middleware_us = max(0.0, (with_middleware - without) / calls * 1e6)
    return {
        "request_us": round(request_us, 1),
        "middleware_us": round(middleware_us, 2),
        "ratio": round(request_us / (request_us + middleware_us), 4),
    }


async def fan_out(base_url: str, clients: int, probes: int) -> dict:
    from websockets.asyncio.client import connect

    ws_url = base_url.replace("http://", "ws://") + "/ws/topology/"
    # Per client: the list of (receive time, UPDATE) it saw.
    received: list[list[tuple[float, str]]] = [[] for _ in range(clients)]
    sockets = []

    async def reader(index: int, socket) -> None:
        # Stamped on arrival and parsed after the run, so the client's own work does not delay the next stamp.
        async for raw in socket:
            received[index].append((time.time(), raw))

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

    parsed = [[(at, json.loads(raw)) for at, raw in updates] for updates in received]
    received_updates = [[(at, m) for at, m in updates if m["type"] == "UPDATE"] for updates in parsed]
    change_to_screen, delivery, ticks, spreads = [], [], set(), []
    missing = 0
    for answered_at, expected in changes:
        per_client_receipt, per_client_published = [], []
        for updates in received_updates:
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
    all_updates = sum(len(updates) for updates in received_updates)
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
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--cpu-requests", type=int, default=2000)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds of each wrk run")
    args = parser.parse_args()

    db = harness.bench_database("topology")
    cost = middleware_cost(db, args.rounds, args.duration)
    cpu = middleware_cpu_cost(db, args.cpu_requests)
    with harness.serve(db, env=server_env(True)) as url:
        ws = asyncio.run(fan_out(url, args.clients, args.probes))

    ratio, baseline_ratio = cost["ratio"], cost["baseline_ratio"]
    harness.print_report(
        "Topology: metrics middleware (median of paired runs)",
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
    print(f"  per-round ratios on/off for {LOAD_PATH}: {', '.join(f'{r:.3f}' for r in cost['ratios'])}")
    print(f"  paths outside the services (baseline): {baseline_ratio:.3f} of the throughput without the middleware")

    print(
        f"  CPU per request: the middleware adds {cpu['middleware_us']} us to the {cpu['request_us']} us of a "
        f"{LOAD_PATH} request without it: {cpu['ratio']:.4f} of the throughput"
    )
    print(f"  [{'met' if cpu['ratio'] >= 0.95 else 'MISSED'}] CPU cost of the middleware under 5%")

    interval_ms = 1000.0
    print(f"\n== Topology: UPDATE fan-out to {ws['clients']} WebSocket clients (production stack, Redis) ==")
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
