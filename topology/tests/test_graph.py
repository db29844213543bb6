"""The graph shows every discovered service and the infrastructure, and picks up new services."""

import types

import pytest

from streaming_platform.apps import ServiceConfig, service_configs
from topology import graph as graph_module
from topology.broadcast import current_graph, graph_changes


@pytest.fixture(autouse=True)
def fresh_description(monkeypatch):
    monkeypatch.setattr(graph_module, "graph_description", graph_module.GraphDescription())
    monkeypatch.setattr("topology.broadcast.graph_description", graph_module.graph_description)


def ids(items: list[dict]) -> set[str]:
    return {item["id"] for item in items}


@pytest.mark.django_db
def test_every_service_is_a_node_with_its_declared_calls():
    graph = current_graph()
    nodes = {n["id"]: n for n in graph["nodes"]}

    for config in service_configs():
        assert nodes[config.label]["label"] == config.service_label
        assert nodes[config.label]["kind"] == config.service_kind
        for callee in config.calls:
            assert f"{config.label}->{callee}" in ids(graph["connections"])
        assert f"{config.label}->database" in ids(graph["connections"])


@pytest.mark.django_db
def test_infrastructure_nodes():
    nodes = {n["id"]: n for n in current_graph()["nodes"]}

    from django.db import connection

    assert nodes["database"]["vendor"] == connection.vendor
    assert nodes["database"]["label"] == {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[connection.vendor]
    assert nodes["channel-layer"]["kind"] == "channel_layer"
    from django.conf import settings

    assert nodes["channel-layer"]["transport"] == ("redis" if settings.REDIS_URL else "in-memory")


@pytest.mark.django_db
def test_a_new_service_appears_without_changes(monkeypatch):
    class BillingConfig(ServiceConfig):
        name = "billing"
        label = "billing"
        verbose_name = "Billing"
        service_label = "Billing Service"
        calls = ("identity",)
        path = "/nonexistent/billing"

    billing = BillingConfig("billing", types.ModuleType("billing"))
    existing = list(service_configs())
    monkeypatch.setattr(graph_module, "service_configs", lambda: iter([*existing, billing]))

    graph = current_graph()

    assert {"id": "billing", "label": "Billing Service", "kind": "service", "calls": ["identity"]}.items() <= next(
        n for n in graph["nodes"] if n["id"] == "billing"
    ).items()
    assert "billing->identity" in ids(graph["connections"])


@pytest.mark.django_db
def test_stream_cdns_are_read_through_its_selectors(monkeypatch):
    from stream.models import Cdn

    Cdn.objects.create(name="cdn-a", base_url="https://cdn-a.example", regions=["US"], capacity=10)
    Cdn.objects.create(name="cdn-b", base_url="https://cdn-b.example", enabled=False)

    graph = current_graph()
    nodes = {n["id"]: n for n in graph["nodes"]}

    assert nodes["cdn:cdn-a"]["label"] == "cdn-a"
    assert nodes["cdn:cdn-a"]["regions"] == ["US"]
    assert nodes["cdn:cdn-a"]["active_sessions"] == 0
    assert nodes["cdn:cdn-a"]["status"] == "ok"
    assert nodes["cdn:cdn-b"]["status"] == "down"
    assert {"stream->cdn:cdn-a", "stream->cdn:cdn-b"} <= ids(graph["connections"])


@pytest.mark.django_db
def test_the_graph_renders_when_the_stream_selector_fails(monkeypatch):
    def broken():
        raise RuntimeError("stream cannot answer")

    monkeypatch.setattr(graph_module, "cdn_health_list", broken)

    nodes = current_graph()["nodes"]

    assert not [n for n in nodes if n["kind"] == "cdn"]
    assert {"catalog", "stream"} <= {n["id"] for n in nodes}


@pytest.mark.django_db
def test_changes_carry_only_what_changed(fresh_store):
    before = current_graph()
    fresh_store.record_request("recommend", 0.02, 200)
    after = current_graph()

    changes = graph_changes(before, after)

    assert ids(changes["nodes"]) == {"recommend"}
    assert changes["connections"] == []
    assert changes["full"] is False
    assert graph_changes(None, after)["full"] is True
