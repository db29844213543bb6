"""The one broadcaster per process: every interval, the graph's changes go to the `topology` group."""

from __future__ import annotations

import asyncio
import json
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
# Every this many ticks the broadcaster joins its group again: a restarted Redis forgets the membership,
# and channels_redis expires it after a day. Joining again is idempotent.
REJOIN_EVERY_TICKS = 10


def update_interval_s() -> float:
    return float(settings.TOPOLOGY_UPDATE_INTERVAL_S)


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

    Every process's broadcaster joins the `topology` group with a channel of its own and hands each
    UPDATE it receives to its local consumers, encoded once: the channel layer carries one message per
    process, not one per client. With the Redis store only the holder of a lease in Redis computes and
    sends the updates, so every client of every worker gets the same UPDATE; another process takes
    over if the holder stops.
    """

    def __init__(self) -> None:
        self.owner = uuid.uuid4().hex
        self.loop: asyncio.AbstractEventLoop | None = None
        self.tasks: list[asyncio.Task] = []
        self.clients: set = set()
        self.previous: dict | None = None
        self.sequence = 0
        self.listener: asyncio.Task | None = None

    @property
    def running(self) -> bool:
        return any(not task.done() for task in self.tasks)

    def client_joined(self, consumer) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is not loop:
            # A new event loop (a restarted server, another test) starts from a clean slate.
            self.loop, self.tasks, self.clients, self.previous = loop, [], set(), None
        self.clients.add(consumer)
        if not self.running:
            self.tasks = [loop.create_task(self.run())]

    def client_left(self, consumer) -> None:
        if asyncio.get_running_loop() is not self.loop:
            return
        self.clients.discard(consumer)
        if not self.clients:
            for task in self.tasks:
                task.cancel()
            self.tasks = []

    async def run(self) -> None:
        layer = get_channel_layer()
        # The default prefix on purpose: channels_redis reads every local channel of a process from one
        # key named after that prefix, so a channel with another prefix would never be read.
        channel = await layer.new_channel()
        await layer.group_add(GROUP, channel)
        self.listener = asyncio.create_task(self.listen(layer, channel))
        try:
            await self.tick_forever(layer, channel)
        finally:
            if self.listener.done() and not self.listener.cancelled() and self.listener.exception() is not None:
                logger.info("Topology listener had stopped: %r", self.listener.exception())
            self.listener.cancel()
            self.previous = None
            try:
                await layer.group_discard(GROUP, channel)
                await database_sync_to_async(get_store().release_broadcast)(self.owner)
            except Exception:
                logger.warning("Could not leave the topology group cleanly", exc_info=True)

    async def tick_forever(self, layer, channel: str) -> None:
        interval = update_interval_s()
        ticks = 0
        while True:
            # Ticks on multiples of the interval, so every process agrees on when an update is due.
            await asyncio.sleep(interval - (time.time() % interval))
            ticks += 1
            try:
                if self.listener.done():
                    # The channel layer failed under the listener (Redis restarted): listen again.
                    if not self.listener.cancelled() and self.listener.exception() is not None:
                        logger.warning("Topology listener stopped: %r", self.listener.exception())
                    await layer.group_add(GROUP, channel)
                    self.listener = asyncio.create_task(self.listen(layer, channel))
                elif ticks % REJOIN_EVERY_TICKS == 0:
                    await layer.group_add(GROUP, channel)
                message = await database_sync_to_async(self.next_update)(interval)
                if message is not None:
                    await layer.group_send(GROUP, {"type": "topology.update", "message": message})
            except asyncio.CancelledError:
                raise
            except Exception:  # one failed tick (Redis hiccup) must not end the updates
                logger.exception("Topology update failed")

    async def listen(self, layer, channel: str) -> None:
        while True:
            event = await layer.receive(channel)
            if event.get("type") == "topology.update":
                await self.deliver(json.dumps(event["message"]))

    async def deliver(self, text: str) -> None:
        clients = list(self.clients)
        results = await asyncio.gather(*(client.send(text_data=text) for client in clients), return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                logger.debug("Could not deliver an update to a closing client: %r", result)

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
