"""The topology WebSocket: INIT on connect, UPDATE from the group, SIMULATE_LOAD for staff, ERROR for bad input."""

from __future__ import annotations

import json
import math
import uuid
from urllib.parse import parse_qs, urlsplit

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.request import split_domain_port, validate_host

from topology import simulation
from topology.broadcast import broadcaster, initial_message

MAX_FRAME_BYTES = 64 * 1024


@database_sync_to_async
def user_from_token(token: str):
    """The active user of a knox token, or None."""
    from knox.auth import TokenAuthentication
    from rest_framework.exceptions import AuthenticationFailed

    try:
        user, _ = TokenAuthentication().authenticate_credentials(token.encode())
    except AuthenticationFailed:
        return None
    return user


DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_key(scheme: str, netloc: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin, the port made explicit; None if it is not an http(s) origin."""
    if scheme not in DEFAULT_PORTS:
        return None
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        return None
    return (scheme, (parts.hostname or "").lower(), port)


def origin_allowed(scope: dict) -> bool:
    """Whether a WebSocket handshake may proceed, judged by its `Origin` header.

    No `Origin`: a non-browser client (`websockets`, `wscat`, Node's `ws`), which no page can drive, so it is
    accepted. A browser's `Origin` must be the site itself (scheme, host and port of the request, the host
    one of ALLOWED_HOSTS) or one of CORS_ALLOWED_ORIGINS, compared by scheme, host and port.
    """
    headers = dict(scope.get("headers") or [])
    raw_origin = headers.get(b"origin")
    if raw_origin is None:
        return True
    try:
        origin = urlsplit(raw_origin.decode("latin-1").strip())
    except ValueError:
        return False
    wanted = _origin_key(origin.scheme.lower(), origin.netloc)
    if wanted is None:
        return False  # "null" (sandboxed frames, files) or another scheme
    host = headers.get(b"host", b"").decode("latin-1")
    domain, _ = split_domain_port(host)
    site_scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    if domain and validate_host(domain, settings.ALLOWED_HOSTS) and _origin_key(site_scheme, host) == wanted:
        return True
    for allowed in settings.CORS_ALLOWED_ORIGINS:
        parts = urlsplit(allowed)
        if _origin_key(parts.scheme.lower(), parts.netloc) == wanted:
            return True
    return False


class BrowserOriginValidator:
    """ASGI middleware: refuses (HTTP 403) a WebSocket handshake whose `Origin` is not allowed (see above)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


def error(code: str, detail: str, **extra) -> dict:
    return {"type": "ERROR", "code": code, "detail": detail, **extra}


def number_in_range(content: dict, name: str, default: float, low: float, high: float) -> float | dict:
    """The number `content[name]` (or `default`), or an ERROR message naming the field and its range."""
    value = content.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return error("invalid", f"{name} must be a number from {low:g} to {high:g}.", field=name)
    if not low <= value <= high:
        return error("invalid", f"{name} must be from {low:g} to {high:g}.", field=name)
    return value


class TopologyConsumer(AsyncJsonWebsocketConsumer):
    """One dashboard connection. Anyone may watch; only staff may generate load.

    Consumers get no channel of their own: the process's broadcaster hands them the updates it receives
    from the `topology` group, and a simulation (run in this process) reports to its consumer directly.
    With channels_redis, 500 idle consumers would otherwise be 500 readers of the layer to wake.
    """

    channel_layer_alias = None  # no layer configured under this alias: no channel, nothing to read

    async def connect(self) -> None:
        self.client_id = uuid.uuid4().hex
        self.user = self.scope.get("user") or AnonymousUser()
        self.token: str | None = None
        token = parse_qs(self.scope.get("query_string", b"").decode()).get("token", [None])[0]
        if token and not self.user.is_staff:
            token_user = await user_from_token(token)
            if token_user is not None:
                self.user, self.token = token_user, token
        await self.accept()
        broadcaster.client_joined(self)
        await self.send_json(await database_sync_to_async(initial_message)())

    async def disconnect(self, code: int) -> None:
        broadcaster.client_left(self)
        await simulation.stop(owner=self.client_id, announce=False)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs) -> None:
        # Parsed here rather than by the base class, so a bad frame gets an ERROR instead of closing the socket.
        if text_data is None:
            await self.send_json(error("malformed", "Send JSON text frames, not binary ones."))
            return
        if len(text_data) > MAX_FRAME_BYTES:
            await self.send_json(error("malformed", f"Frames are limited to {MAX_FRAME_BYTES} bytes."))
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.send_json(error("malformed", "The frame is not valid JSON."))
            return
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_json(error("malformed", 'Send a JSON object with a "type".'))
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict, **kwargs) -> None:
        handlers = {
            "SIMULATE_LOAD": self.simulate_load,
            "STOP_SIMULATION": self.stop_simulation,
            "PING": self.ping,
        }
        handler = handlers.get(content["type"])
        if handler is None:
            await self.send_json(
                error("unknown_type", f"Unknown message type {content['type'][:40]!r}.", accepted=sorted(handlers))
            )
            return
        await handler(content)

    async def ping(self, content: dict) -> None:
        await self.send_json({"type": "PONG"})

    async def simulate_load(self, content: dict) -> None:
        if not self.user.is_staff:
            await self.send_json(error("forbidden", "Only staff may simulate load."))
            return
        services = simulation.service_labels()
        target = content.get("target")
        if target in (None, "all"):
            targets, target = services, None
        elif isinstance(target, str) and target in services:
            targets = [target]
        else:
            await self.send_json(
                error("invalid", "target must be a service node id, or omitted for all.", field="target")
            )
            return
        factor = number_in_range(content, "factor", simulation.DEFAULT_FACTOR, 1, simulation.MAX_FACTOR)
        duration = number_in_range(content, "duration_s", simulation.DEFAULT_DURATION_S, 1, simulation.MAX_DURATION_S)
        for value in (factor, duration):
            if isinstance(value, dict):
                await self.send_json(value)
                return
        endpoints = [path for service in targets for path in simulation.read_endpoints(service)]
        if not endpoints:
            await self.send_json(error("invalid", "The target has no read endpoints to load.", field="target"))
            return
        started = simulation.Simulation(
            owner=self.client_id,
            notify=self.send_json,
            target=target,
            targets=targets,
            factor=factor,
            duration_s=duration,
            endpoints=endpoints,
            headers=simulation.request_headers(self.scope.get("headers", []), self.token),
            scheme="https" if self.scope.get("scheme") == "wss" else "http",
        )
        replaced = await simulation.start(started)
        if replaced is not None:
            # The replaced one's end is announced before the new start, to whoever started it.
            await simulation.announce_end(replaced, "replaced")
        await self.send_json({"type": "SIMULATE_LOAD_STARTED", "simulation": started.describe()})

    async def stop_simulation(self, content: dict) -> None:
        if not self.user.is_staff:
            await self.send_json(error("forbidden", "Only staff may stop a simulation."))
            return
        stopped = await simulation.stop()
        if stopped is None:
            await self.send_json(error("invalid", "No simulation is running."))
