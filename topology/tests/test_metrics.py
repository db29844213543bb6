"""The sliding window: rates, percentiles and error rates, in memory and shared through Redis."""

import uuid

import pytest
import redis

from topology import metrics
from topology.metrics import MetricsStore, RedisMetricsStore, percentile_ms


def test_window_figures_from_recorded_requests():
    store = MetricsStore()
    for ms in range(1, 101):  # 1 ms .. 100 ms
        store.record_request("catalog", ms / 1000, 200)
    store.record_request("catalog", 0.005, 404)
    store.record_request("catalog", 0.005, 503)

    figures = store.snapshot()["nodes"]["catalog"]

    assert figures["requests"] == 102
    assert figures["rps"] == pytest.approx(102 / metrics.RATE_WINDOW_S)
    assert 40 <= figures["p50_ms"] <= 60
    assert 85 <= figures["p95_ms"] <= 110
    assert figures["error_rate_4xx"] == pytest.approx(1 / 102, abs=1e-4)
    assert figures["error_rate_5xx"] == pytest.approx(1 / 102, abs=1e-4)


def test_requests_leave_the_window(monkeypatch):
    store = MetricsStore()
    now = [1_000_000.0]
    monkeypatch.setattr(metrics.time, "time", lambda: now[0])
    store.record_request("catalog", 0.01, 200)
    now[0] += 30
    store.record_request("catalog", 0.01, 200)

    assert store.snapshot()["nodes"]["catalog"]["requests"] == 2
    assert store.snapshot()["nodes"]["catalog"]["rps"] == pytest.approx(0.1)

    now[0] += 31  # the first request is now 61 s old
    assert store.snapshot()["nodes"]["catalog"]["requests"] == 1

    now[0] += 60
    assert store.snapshot()["nodes"]["catalog"]["requests"] == 0


def test_failed_calls_are_edge_errors():
    store = MetricsStore()
    store.record_call("stream", "catalog", 0.002, True)
    store.record_call("stream", "catalog", 0.002, False)

    edge = store.snapshot()["edges"][("stream", "catalog")]

    assert edge["requests"] == 2
    assert edge["error_rate_5xx"] == 0.5


def test_percentile_of_nothing_is_zero():
    assert percentile_ms({}, 0.95) == 0.0


@pytest.fixture
def redis_prefix(redis_url, settings):
    prefix = f"{getattr(settings, 'TEST_REDIS_PREFIX', 'topology-test')}-{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def test_redis_store_is_shared_by_processes(redis_url, redis_prefix):
    # Two stores on one prefix stand for two worker processes.
    first = RedisMetricsStore(redis_url, redis_prefix)
    second = RedisMetricsStore(redis_url, redis_prefix)
    first.record_request("catalog", 0.010, 200)
    first.record_request("catalog", 0.010, 500)
    second.record_request("catalog", 0.030, 404)
    second.record_call("recommend", "catalog", 0.004, True)
    first.flush()
    second.flush()

    for store in (first, second):
        snapshot = store.snapshot()
        assert snapshot["nodes"]["catalog"]["requests"] == 3
        assert snapshot["nodes"]["catalog"]["error_rate_5xx"] == pytest.approx(1 / 3, abs=1e-4)
        assert snapshot["nodes"]["catalog"]["error_rate_4xx"] == pytest.approx(1 / 3, abs=1e-4)
        assert snapshot["edges"][("recommend", "catalog")]["requests"] == 1


def test_redis_store_flushes_in_the_background(redis_url, redis_prefix):
    import time

    writer = RedisMetricsStore(redis_url, redis_prefix)
    reader = RedisMetricsStore(redis_url, redis_prefix)
    writer.record_request("identity", 0.01, 200)

    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and "identity" not in reader.snapshot()["nodes"]:
        time.sleep(0.05)

    assert reader.snapshot()["nodes"]["identity"]["requests"] == 1


def test_one_broadcaster_across_processes(redis_url, redis_prefix):
    first = RedisMetricsStore(redis_url, redis_prefix)
    second = RedisMetricsStore(redis_url, redis_prefix)

    assert first.acquire_broadcast("a", ttl_s=5)
    assert first.acquire_broadcast("a", ttl_s=5)  # the holder renews
    assert not second.acquire_broadcast("b", ttl_s=5)
    first.release_broadcast("a")
    assert second.acquire_broadcast("b", ttl_s=5)


def test_redis_url_selects_the_shared_store(settings, redis_url, redis_prefix):
    settings.REDIS_URL = redis_url
    settings.TOPOLOGY_REDIS_PREFIX = redis_prefix
    assert isinstance(metrics.build_store(), RedisMetricsStore)
    settings.REDIS_URL = ""
    assert type(metrics.build_store()) is MetricsStore
