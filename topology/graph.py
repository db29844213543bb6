"""The service graph: nodes discovered from the installed services and infrastructure, with their measured load."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import connection

from stream.selectors import cdn_health_list
from streaming_platform.apps import service_configs

logger = logging.getLogger(__name__)

DATABASE_ID = "database"
CHANNEL_LAYER_ID = "channel-layer"
CDN_PREFIX = "cdn:"
# CDNs change rarely; reading them once per this many seconds keeps the broadcaster off the database.
CDN_REFRESH_S = 10.0
# A node is "degraded" above either of these over the window.
DEGRADED_5XX_RATE = 0.05
DEGRADED_P95_MS = 1000.0
CDN_STATES = {"healthy": "ok", "degraded": "degraded", "down": "down"}
INFRA_KINDS = frozenset({"database", "channel_layer", "cdn"})
DATABASE_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MySQL", "oracle": "Oracle"}

EMPTY_NODE_METRICS = {
    "rps": 0.0,
    "requests": 0,
    "p50_ms": 0.0,
    "p95_ms": 0.0,
    "error_rate_4xx": 0.0,
    "error_rate_5xx": 0.0,
}


def service_nodes() -> list[dict]:
    """One node per installed service, described by its ServiceConfig."""
    return [
        {
            "id": config.label,
            "label": config.service_label or config.verbose_name,
            "kind": config.service_kind,
            "calls": list(config.calls),
        }
        for config in service_configs()
    ]


def channel_layer_node() -> dict:
    backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", "")
    name = backend.rsplit(".", 1)[-1]
    transport = "redis" if "redis" in backend.lower() else "in-memory"
    return {
        "id": CHANNEL_LAYER_ID,
        "label": "Channel layer",
        "kind": "channel_layer",
        "backend": name,
        "transport": transport,
    }


def database_node() -> dict:
    vendor = connection.vendor
    return {"id": DATABASE_ID, "label": DATABASE_LABELS.get(vendor, vendor), "kind": "database", "vendor": vendor}


def cdn_nodes() -> list[dict]:
    """The Stream service's CDNs with their live health, read through its selector."""
    try:
        healths = cdn_health_list()
    except Exception:  # the graph must still render if the stream service cannot answer
        logger.warning("Could not read the CDNs from stream.selectors", exc_info=True)
        return []
    return [
        {
            "id": f"{CDN_PREFIX}{health.cdn.name}",
            "label": health.cdn.name,
            "kind": "cdn",
            "regions": list(health.cdn.regions or []),
            "state": health.state,
            "active_sessions": health.active_sessions,
            "load": round(health.load, 3),
        }
        for health in healths
    ]


class GraphDescription:
    """The static part of the graph (nodes and declared connections), with the CDN list refreshed now and then."""

    def __init__(self) -> None:
        self._cdns: list[dict] = []
        self._cdns_read_at = float("-inf")

    def nodes(self) -> list[dict]:
        """All nodes; touches the database (CDN list) at most every CDN_REFRESH_S, so call it from a sync context."""
        if time.monotonic() - self._cdns_read_at > CDN_REFRESH_S:
            self._cdns = cdn_nodes()
            self._cdns_read_at = time.monotonic()
        return [*service_nodes(), database_node(), channel_layer_node(), *self._cdns]


graph_description = GraphDescription()


def node_status(metrics: dict) -> str:
    if not metrics["requests"]:
        return "idle"
    if metrics["error_rate_5xx"] > DEGRADED_5XX_RATE or metrics["p95_ms"] > DEGRADED_P95_MS:
        return "degraded"
    return "ok"


def edge_metrics(figures: dict | None) -> dict:
    figures = figures or EMPTY_NODE_METRICS
    return {
        "calls_per_s": figures["rps"],
        "calls": figures["requests"],
        "p50_ms": figures["p50_ms"],
        "p95_ms": figures["p95_ms"],
        "error_rate": figures["error_rate_5xx"],
    }


def connection_entry(source: str, target: str, kind: str, figures: dict | None = None, declared: bool = True) -> dict:
    entry = {"id": f"{source}->{target}", "source": source, "target": target, "kind": kind, "declared": declared}
    if kind == "call":
        entry["metrics"] = edge_metrics(figures)
    return entry


def build_graph(nodes: list[dict], snapshot: dict) -> dict:
    """`{"nodes": [...], "connections": [...]}`: the described graph with the window's figures attached."""
    services = {node["id"] for node in nodes if node["kind"] not in INFRA_KINDS}
    out_nodes = []
    for node in nodes:
        node = dict(node)
        if node["id"] in services:
            metrics = snapshot["nodes"].get(node["id"]) or dict(EMPTY_NODE_METRICS)
            node["metrics"] = metrics
            node["status"] = node_status(metrics)
        else:
            node["status"] = CDN_STATES.get(node.get("state", "healthy"), "ok")
        out_nodes.append(node)

    connections: dict[str, dict] = {}
    for node in nodes:
        if node["id"] not in services:
            continue
        for callee in node.get("calls", []):
            if callee in services:
                entry = connection_entry(node["id"], callee, "call", snapshot["edges"].get((node["id"], callee)))
                connections[entry["id"]] = entry
    # Calls the code makes without declaring them still show: the measurement is the truth.
    for (caller, callee), figures in snapshot["edges"].items():
        if caller in services and callee in services and f"{caller}->{callee}" not in connections:
            entry = connection_entry(caller, callee, "call", figures, declared=False)
            connections[entry["id"]] = entry
    for service in sorted(services):
        entry = connection_entry(service, DATABASE_ID, "data")
        connections[entry["id"]] = entry
    if "stream" in services:
        for node in nodes:
            if node["kind"] == "cdn":
                entry = connection_entry("stream", node["id"], "delivery")
                connections[entry["id"]] = entry
    return {"nodes": out_nodes, "connections": list(connections.values())}
