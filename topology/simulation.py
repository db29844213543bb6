"""Simulated load: real GET requests through the full Django stack against a service's read endpoints."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.urls import URLPattern, URLResolver, get_resolver

from streaming_platform.apps import service_configs

logger = logging.getLogger(__name__)

# Requests per second per target service at factor 1; factor multiplies it.
BASE_RATE_RPS = 5.0
# Hard limits whatever is asked, so a simulation never starves real traffic on a small machine.
MAX_RATE_RPS = 100.0
MAX_IN_FLIGHT = 4
MAX_FACTOR = 10
MAX_DURATION_S = 60
DEFAULT_FACTOR = 2
DEFAULT_DURATION_S = 10
REGEX_SPECIALS = set("()[]{}?*+\\|<")


def route_text(pattern) -> str | None:
    """The literal path of a URL pattern, or None when it takes parameters."""
    text = str(pattern.pattern)
    if text.startswith("^"):
        text = text[1:]
    if text.endswith("$"):
        text = text[:-1]
    # The services' routers accept a path with or without its trailing slash (`movies/?`): that is no parameter.
    if text.endswith("/?"):
        text = text[:-1]
    if any(char in REGEX_SPECIALS for char in text):
        return None
    return text


def allows_get(callback) -> bool:
    actions = getattr(callback, "actions", None)
    if actions is not None:  # a DRF viewset route
        return "get" in actions
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:
        return hasattr(view_class, "get") and "get" in getattr(view_class, "http_method_names", ["get"])
    return True


def read_endpoints(service: str) -> list[str]:
    """Every parameterless GET path the service's urls.py declares (its lists, reports and status)."""
    # The root URLconf mounts each service's urls.py at /api/<service>/ under the service's namespace.
    mounted = [
        entry for entry in get_resolver().url_patterns if isinstance(entry, URLResolver) and entry.namespace == service
    ]
    if not mounted:
        return []
    patterns = mounted[0].url_patterns
    found: list[str] = []

    def walk(entries, prefix: str) -> None:
        for entry in entries:
            text = route_text(entry)
            if text is None:
                continue
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + text)
            elif isinstance(entry, URLPattern) and allows_get(entry.callback):
                found.append(f"/api/{service}/{prefix}{text}")

    walk(patterns, "")
    return sorted(set(found))


@dataclass
class Simulation:
    owner: str  # id of the connection that asked
    notify: Callable[[dict], Awaitable[None]]  # sends a message to that connection
    target: str | None
    targets: list[str]
    factor: float
    duration_s: float
    endpoints: list[str]
    headers: list[tuple[bytes, bytes]]
    scheme: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started_at: float = field(default_factory=time.time)
    requests: int = 0
    errors: int = 0
    skipped: list[str] = field(default_factory=list)
    task: asyncio.Task | None = None

    @property
    def rate_rps(self) -> float:
        return min(MAX_RATE_RPS, BASE_RATE_RPS * self.factor * len(self.targets))

    def describe(self) -> dict:
        return {
            "id": self.id,
            "target": self.target,
            "targets": self.targets,
            "factor": self.factor,
            "duration_s": self.duration_s,
            "rate_rps": self.rate_rps,
            "endpoints": self.endpoints,
            "started_at": self.started_at,
            "ends_at": self.started_at + self.duration_s,
            "requests": self.requests,
            "errors": self.errors,
        }


_handler: ASGIHandler | None = None
_current: Simulation | None = None


def django_handler() -> ASGIHandler:
    global _handler
    if _handler is None:
        _handler = ASGIHandler()
    return _handler


def simulation_summary() -> dict | None:
    return _current.describe() if _current is not None else None


async def request(path: str, headers: list[tuple[bytes, bytes]], scheme: str) -> int:
    """One GET through the whole Django stack, middleware included, as if it came from a client."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 0),
    }
    body_sent = False
    never = asyncio.Event()
    status = 0

    async def receive() -> dict:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await never.wait()  # the client never disconnects; Django stops listening once it has answered
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await django_handler()(scope, receive, send)
    return status


async def run(simulation: Simulation) -> None:
    """Paces requests at the simulation's rate, at most MAX_IN_FLIGHT at a time, until its duration ends."""
    global _current
    slots = asyncio.Semaphore(MAX_IN_FLIGHT)
    in_flight: set[asyncio.Task] = set()
    interval = 1.0 / simulation.rate_rps
    deadline = time.monotonic() + simulation.duration_s

    async def one(path: str) -> None:
        try:
            status = await request(path, simulation.headers, simulation.scheme)
            simulation.requests += 1
            if status >= 400:
                simulation.errors += 1
        except asyncio.CancelledError:
            raise
        except Exception:
            simulation.requests += 1
            simulation.errors += 1
            logger.warning("Simulated request to %s failed", path, exc_info=True)
        finally:
            slots.release()

    reason = "completed"
    try:
        await probe(simulation)
        paths = itertools.cycle(simulation.endpoints)
        next_at = time.monotonic()
        while simulation.endpoints and next_at < deadline:
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            # When the server is slower than the pace, wait for a slot rather than pile up requests.
            await slots.acquire()
            task = asyncio.create_task(one(next(paths)))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            next_at = max(next_at + interval, time.monotonic() - interval)
        if in_flight:
            await asyncio.wait(in_flight, timeout=10)
        if not simulation.endpoints:
            reason = "no_endpoints"
    except asyncio.CancelledError:
        reason = "stopped"
        raise
    finally:
        for task in in_flight:
            task.cancel()
        if _current is simulation:
            _current = None
        if reason != "stopped":
            await announce_end(simulation, reason)


async def probe(simulation: Simulation) -> None:
    """Keeps the endpoints that answer a bare GET; those needing parameters (a search without ?q=) are skipped."""
    slots = asyncio.Semaphore(MAX_IN_FLIGHT)

    async def one(path: str) -> int:
        async with slots:
            return await request(path, simulation.headers, simulation.scheme)

    statuses = await asyncio.gather(*(one(path) for path in simulation.endpoints), return_exceptions=True)
    simulation.requests += len(statuses)
    kept = [path for path, status in zip(simulation.endpoints, statuses, strict=True) if status in range(200, 400)]
    simulation.skipped = [path for path in simulation.endpoints if path not in kept]
    simulation.endpoints = kept


def end_message(simulation: Simulation, reason: str) -> dict:
    return {
        "type": "SIMULATE_LOAD_ENDED",
        "simulation_id": simulation.id,
        "reason": reason,
        "requests": simulation.requests,
        "skipped_endpoints": simulation.skipped,
        "errors": simulation.errors,
    }


async def announce_end(simulation: Simulation, reason: str) -> None:
    """Tells the connection that started `simulation` (always in this process) that it ended."""
    try:
        await simulation.notify(end_message(simulation, reason))
    except Exception:  # the connection is closing
        logger.warning("Could not announce the end of simulation %s", simulation.id, exc_info=True)


async def start(simulation: Simulation) -> Simulation | None:
    """Starts `simulation`; returns the one it replaced in this process, if any (cancelled, not yet announced)."""
    global _current
    previous = _current
    if previous is not None and previous.task is not None:
        previous.task.cancel()
    _current = simulation
    simulation.task = asyncio.create_task(run(simulation))
    return previous


async def stop(owner: str | None = None, announce: bool = True) -> Simulation | None:
    """Stops the running simulation (only when `owner` started it, if given); returns it."""
    global _current
    simulation = _current
    if simulation is None or (owner is not None and simulation.owner != owner):
        return None
    _current = None
    if simulation.task is not None:
        simulation.task.cancel()
    if announce:
        await announce_end(simulation, "stopped")
    return simulation


def service_labels() -> list[str]:
    return [config.label for config in service_configs()]


def request_headers(ws_headers: list[tuple[bytes, bytes]], token: str | None) -> list[tuple[bytes, bytes]]:
    """The simulated requests carry the requester's own credentials: their session cookie or their token."""
    wanted = {b"cookie"}
    headers = [(name, value) for name, value in ws_headers if name.lower() in wanted]
    host = next((value for name, value in ws_headers if name.lower() == b"host"), None)
    if host is None:
        allowed = [h for h in settings.ALLOWED_HOSTS if h and "*" not in h and not h.startswith(".")]
        host = (allowed[0] if allowed else "localhost").encode()
    headers.append((b"host", host))
    headers.append((b"user-agent", b"topology-simulated-load"))
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    return headers
