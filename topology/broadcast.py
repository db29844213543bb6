"""The one broadcaster per process: every interval, the graph's changes go to the `topology` group."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from topology.graph import build_graph, graph_description
from topology.metrics import get_store

logger = logging.getLogger(__name__)

GROUP = "topology"
# Every this many updates carries the whole graph, so a client that missed one converges anyway.
FULL_UPDATE_EVERY = 30


def update_interval_s() -> float:
    return float(getattr(settings, "TOPOLOGY_UPDATE_INTERVAL_S", 1.0))


def current_graph() -> dict:
    """The graph with the current window's figures (sync: reads the store and, now and then, the CDNs)."""
    return build_graph(graph_description.nodes(), get_store().snapshot())


def graph_changes(previous: dict | None, current: dict) -> dict:
    """The nodes and connections of `current` that differ from `previous`, and the ids that disappeared."""
    if previous is None:
        return {"full": True, **current, "removed": {"nodes": [], "connections": []}}
    changes: dict = {"full": False, "removed": {}}
    for part in ("nodes", "connections"):
        before = {item["id"]: item for item in previous[part]}
        now_ids = {item["id"] for item in current[part]}
        changes[part] = [item for item in current[part] if before.get(item["id"]) != item]
        changes["removed"][part] = sorted(set(before) - now_ids)
    return changes


class Broadcaster:
    """Started by the first consumer of a process, stopped when the last one leaves.

    With the Redis store several processes run one each, but only the holder of the Redis lease sends,
    so every client of every worker gets the same UPDATE; another takes over if the holder stops.
    """

    def __init__(self) -> None:
        self.owner = uuid.uuid4().hex
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task | None = None
        self.clients = 0
        self.previous: dict | None = None
        self.sequence = 0

    def client_joined(self) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is not loop:
            # A new event loop (a restarted server, another test) starts from a clean slate.
            self.loop, self.task, self.clients, self.previous = loop, None, 0, None
        self.clients += 1
        if self.task is None or self.task.done():
            self.task = loop.create_task(self.run())

    def client_left(self) -> None:
        if asyncio.get_running_loop() is not self.loop:
            return
        self.clients = max(0, self.clients - 1)
        if self.clients == 0 and self.task is not None:
            self.task.cancel()
            self.task = None

    async def run(self) -> None:
        layer = get_channel_layer()
        interval = update_interval_s()
        try:
            while True:
                # Ticks on multiples of the interval, so every process agrees on when an update is due.
                await asyncio.sleep(interval - (time.time() % interval))
                try:
                    message = await database_sync_to_async(self.next_update)(interval)
                    if message is not None:
                        await layer.group_send(GROUP, {"type": "topology.update", "message": message})
                except asyncio.CancelledError:
                    raise
                except Exception:  # one failed tick (Redis hiccup) must not end the updates
                    logger.exception("Topology update failed")
        finally:
            self.previous = None
            try:
                await database_sync_to_async(get_store().release_broadcast)(self.owner)
            except Exception:
                logger.warning("Could not release the topology broadcast lease", exc_info=True)

    def next_update(self, interval: float) -> dict | None:
        """The UPDATE to send now, or None when another process holds the broadcast lease."""
        store = get_store()
        if not store.acquire_broadcast(self.owner, ttl_s=interval * 3):
            self.previous = None
            return None
        from topology.simulation import simulation_summary

        graph = current_graph()
        self.sequence += 1
        previous = None if self.sequence % FULL_UPDATE_EVERY == 0 else self.previous
        message = {
            "type": "UPDATE",
            "seq": self.sequence,
            "time": time.time(),
            "interval_s": interval,
            **graph_changes(previous, graph),
            "simulation": simulation_summary(),
        }
        self.previous = graph
        store.publish_last({**graph, "time": message["time"]}, ttl_s=interval * 3)
        return message


broadcaster = Broadcaster()


def initial_message() -> dict:
    """INIT: the state the last UPDATE described (so later UPDATEs apply to it), or the current one."""
    from topology.simulation import simulation_summary

    interval = update_interval_s()
    graph = get_store().last_published() or {**current_graph(), "time": time.time()}
    return {
        "type": "INIT",
        "time": graph["time"],
        "interval_s": interval,
        "nodes": graph["nodes"],
        "connections": graph["connections"],
        "simulation": simulation_summary(),
    }
