"""Reading the dashboard's WebSocket as a client: wait for a message type, read a node's figures."""

import asyncio
import json
import time


async def next_of(socket, wanted: str, timeout_s: float = 10) -> dict:
    """The next message of type `wanted`, skipping others; fails after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), max(0.05, deadline - time.monotonic())))
        if message["type"] == wanted:
            return message


def node_requests(message: dict, node_id: str) -> int | None:
    """The request count of a node in an INIT or UPDATE message (None when the node is absent)."""
    node = next((n for n in message["nodes"] if n["id"] == node_id), None)
    return None if node is None else node["metrics"]["requests"]
