"""Requests are attributed to their service by path; cross-service calls become edges."""

import pytest
from django.test import Client

from streaming_platform.boundary import boundary
from topology.broadcast import current_graph


def node(graph: dict, node_id: str) -> dict:
    return next(n for n in graph["nodes"] if n["id"] == node_id)


def connection(graph: dict, connection_id: str) -> dict:
    return next(c for c in graph["connections"] if c["id"] == connection_id)


@pytest.mark.django_db
def test_requests_count_towards_their_service(client, fresh_store):
    client.get("/api/catalog/status")
    client.get("/api/catalog/status/")
    client.get("/api/catalog/no-such-thing/")
    client.get("/api/identity/status")

    graph = current_graph()

    catalog = node(graph, "catalog")
    assert catalog["metrics"]["requests"] == 3
    assert catalog["metrics"]["error_rate_4xx"] == pytest.approx(1 / 3, abs=1e-4)
    assert catalog["metrics"]["p95_ms"] > 0
    assert catalog["status"] == "ok"
    assert node(graph, "identity")["metrics"]["requests"] == 1
    assert node(graph, "stream")["metrics"]["requests"] == 0
    assert node(graph, "stream")["status"] == "idle"


@pytest.mark.django_db
def test_server_errors_count_as_5xx(client, monkeypatch, fresh_store):
    from streaming_platform.api import status as status_module

    def explode():
        raise RuntimeError("boom")

    monkeypatch.setattr(status_module, "database_check", explode)
    client.raise_request_exception = False

    assert client.get("/api/stream/status").status_code == 500

    stream = node(current_graph(), "stream")
    assert stream["metrics"]["error_rate_5xx"] == 1.0
    assert stream["status"] == "degraded"


@pytest.mark.django_db
def test_paths_outside_services_are_not_counted(client, fresh_store):
    client.get("/api/nope")
    client.get("/api/schema/")
    client.get("/admin/login/")

    assert fresh_store.snapshot()["nodes"] == {}


@pytest.mark.django_db
def test_metrics_can_be_switched_off(settings, fresh_store):
    settings.TOPOLOGY_METRICS_ENABLED = False

    Client().get("/api/catalog/status")

    assert fresh_store.snapshot()["nodes"] == {}


def test_cross_service_calls_become_edge_metrics(fresh_store):
    def titles_for_player():
        return ["t1"]

    titles_for_player.__module__ = "catalog.selectors"
    measured = boundary(titles_for_player)
    # The caller is whatever module the call is made from; here, code of the stream app.
    exec("for _ in range(3): measured()", {"__name__": "stream.services", "measured": measured})

    edge = connection(current_graph(), "stream->catalog")
    assert edge["metrics"]["calls"] == 3
    assert edge["metrics"]["calls_per_s"] > 0
    assert edge["declared"] is True


def test_undeclared_calls_still_show(fresh_store):
    fresh_store.record_call("analytics", "recommend", 0.001, True)

    edge = connection(current_graph(), "analytics->recommend")

    assert edge["declared"] is False
    assert edge["metrics"]["calls"] == 1
