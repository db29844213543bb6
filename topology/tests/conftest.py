"""Fixtures of the topology tests: a fresh metrics store and no simulation left over between tests."""

import pytest

from topology import simulation
from topology.broadcast import broadcaster
from topology.metrics import MetricsStore, set_store


@pytest.fixture(autouse=True)
def fresh_store():
    store = MetricsStore()
    set_store(store)
    broadcaster.previous = None
    yield store
    set_store(None)
    simulation._current = None
