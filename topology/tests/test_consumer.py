"""The WebSocket protocol: INIT, UPDATE, SIMULATE_LOAD and its acknowledgements, and ERROR for bad input."""

import asyncio
import time

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client

from streaming_platform.asgi import application
from topology import simulation

HEADERS = [(b"origin", b"http://testserver"), (b"host", b"testserver")]


@pytest.fixture(autouse=True)
def in_memory_channel_layer(settings):
    """The protocol is tested on the in-memory layer, as the Channels docs advise for consumer tests.

    With REDIS_URL set (`make test-scale`), the Redis layer is exercised end to end by the real-server
    tests instead (test_live_server.py, streaming_platform/tests/test_two_workers.py, test_faults.py),
    where each event loop lives as long as its server, as in production.
    """
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def run(scenario):
    """Runs an async test body to completion in a fresh event loop."""
    return async_to_sync(scenario)()


def session_headers(user) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    return [*HEADERS, (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


async def connected(path: str = "/", headers=None) -> tuple[WebsocketCommunicator, dict]:
    communicator = WebsocketCommunicator(application, path, headers=headers or HEADERS)
    accepted, _ = await communicator.connect()
    assert accepted
    return communicator, await communicator.receive_json_from(timeout=5)


async def receive_type(communicator: WebsocketCommunicator, wanted: str, timeout: float = 5) -> dict:
    """The next message of type `wanted`, skipping the periodic UPDATEs in between."""
    deadline = time.monotonic() + timeout
    while True:
        message = await communicator.receive_json_from(timeout=max(0.05, deadline - time.monotonic()))
        if message["type"] == wanted:
            return message


@pytest.fixture(autouse=True)
def fast_updates(settings):
    settings.TOPOLOGY_UPDATE_INTERVAL_S = 0.2


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/ws/topology/"])
def test_init_describes_every_node_and_connection(path):
    async def scenario():
        communicator, init = await connected(path)
        await communicator.disconnect()
        return init

    init = run(scenario)

    assert init["type"] == "INIT"
    node_ids = {n["id"] for n in init["nodes"]}
    assert {"catalog", "identity", "stream", "analytics", "recommend", "database", "channel-layer"} <= node_ids
    assert "stream->catalog" in {c["id"] for c in init["connections"]}
    assert init["nodes"][0]["metrics"].keys() >= {"rps", "p50_ms", "p95_ms", "error_rate_4xx", "error_rate_5xx"}
    assert init["simulation"] is None


@pytest.mark.django_db
def test_updates_show_new_traffic(fresh_store):
    async def scenario():
        communicator, init = await connected()
        before = next(n for n in init["nodes"] if n["id"] == "analytics")["metrics"]["requests"]
        fresh_store.record_request("analytics", 0.01, 200)
        # An update already being computed when the request was recorded may still show none: the test
        # waits for the first one that includes the analytics node with the request counted.
        seen = None
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            update = await receive_type(communicator, "UPDATE")
            node = next((n for n in update["nodes"] if n["id"] == "analytics"), None)
            if node is not None:
                seen = node
                if node["metrics"]["requests"] >= 1:
                    break
        await communicator.disconnect()
        return before, seen

    before, seen = run(scenario)

    assert before == 0
    assert seen["metrics"]["requests"] == 1
    assert seen["status"] == "ok"


@pytest.mark.django_db
def test_every_client_gets_the_same_update():
    async def scenario():
        first, _ = await connected()
        second, _ = await connected("/ws/topology/")
        one = await receive_type(first, "UPDATE")
        other = await receive_type(second, "UPDATE")
        while other["seq"] < one["seq"]:
            other = await receive_type(second, "UPDATE")
        while one["seq"] < other["seq"]:
            one = await receive_type(first, "UPDATE")
        await first.disconnect()
        await second.disconnect()
        return one, other

    one, other = run(scenario)

    assert one == other


@pytest.mark.django_db
def test_ping():
    async def scenario():
        communicator, _ = await connected()
        await communicator.send_json_to({"type": "PING"})
        pong = await receive_type(communicator, "PONG")
        await communicator.disconnect()
        return pong

    assert run(scenario) == {"type": "PONG"}


BAD_FRAMES = [
    ("text", "not json", "malformed"),
    ("text", "[1, 2]", "malformed"),
    ("text", '{"factor": 2}', "malformed"),
    ("bytes", b"\x00\x01", "malformed"),
    ("text", '{"type": "REBOOT"}', "unknown_type"),
    ("text", "x" * 70_000, "malformed"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "frame", "code"), BAD_FRAMES)
def test_bad_frames_get_an_error_and_the_connection_stays_open(kind, frame, code):
    async def scenario():
        communicator, _ = await connected()
        if kind == "bytes":
            await communicator.send_to(bytes_data=frame)
        else:
            await communicator.send_to(text_data=frame)
        error = await receive_type(communicator, "ERROR")
        await communicator.send_json_to({"type": "PING"})
        pong = await receive_type(communicator, "PONG")
        await communicator.disconnect()
        return error, pong

    error, pong = run(scenario)

    assert error["code"] == code
    assert error["detail"]
    assert pong == {"type": "PONG"}


@pytest.mark.django_db
def test_anonymous_clients_cannot_simulate_load():
    async def scenario():
        communicator, _ = await connected()
        await communicator.send_json_to({"type": "SIMULATE_LOAD", "factor": 2, "duration_s": 5})
        error = await receive_type(communicator, "ERROR")
        await communicator.disconnect()
        return error

    error = run(scenario)

    assert error["code"] == "forbidden"
    assert simulation.simulation_summary() is None


@pytest.mark.django_db
def test_viewers_cannot_simulate_load_even_with_a_token(user):
    from knox.models import AuthToken

    _, token = AuthToken.objects.create(user=user)

    async def scenario():
        communicator, _ = await connected(f"/?token={token}")
        await communicator.send_json_to({"type": "SIMULATE_LOAD", "factor": 2, "duration_s": 5})
        error = await receive_type(communicator, "ERROR")
        await communicator.disconnect()
        return error

    assert run(scenario)["code"] == "forbidden"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"factor": 0}, "factor"),
        ({"factor": 11}, "factor"),
        ({"factor": "3"}, "factor"),
        ({"factor": True}, "factor"),
        ({"duration_s": 61}, "duration_s"),
        ({"duration_s": 0}, "duration_s"),
        ({"duration_s": None}, "duration_s"),
        ({"target": "database"}, "target"),
        ({"target": "nope"}, "target"),
        ({"target": 3}, "target"),
    ],
)
def test_out_of_range_simulations_are_refused(staff_user, message, field):
    headers = session_headers(staff_user)

    async def scenario():
        communicator, _ = await connected(headers=headers)
        await communicator.send_json_to({"type": "SIMULATE_LOAD", "factor": 2, "duration_s": 5, **message})
        error = await receive_type(communicator, "ERROR")
        await communicator.send_json_to({"type": "PING"})
        await receive_type(communicator, "PONG")
        await communicator.disconnect()
        return error

    error = run(scenario)

    assert error["code"] == "invalid"
    assert error["field"] == field
    assert simulation.simulation_summary() is None


@pytest.mark.django_db(transaction=True)
def test_staff_simulation_sends_real_requests(staff_user, fresh_store):
    headers = session_headers(staff_user)

    async def scenario():
        communicator, _ = await connected(headers=headers)
        await communicator.send_json_to({"type": "SIMULATE_LOAD", "target": "catalog", "factor": 4, "duration_s": 1})
        started = await receive_type(communicator, "SIMULATE_LOAD_STARTED")
        ended = await receive_type(communicator, "SIMULATE_LOAD_ENDED", timeout=10)
        await communicator.disconnect()
        return started, ended

    started, ended = run(scenario)

    assert started["simulation"]["targets"] == ["catalog"]
    assert started["simulation"]["rate_rps"] == 4 * simulation.BASE_RATE_RPS
    assert "/api/catalog/status/" in started["simulation"]["endpoints"]
    assert ended["reason"] == "completed"
    assert ended["requests"] >= 10
    assert ended["errors"] == 0
    # The requests went through the middleware like any client's.
    assert fresh_store.snapshot()["nodes"]["catalog"]["requests"] == ended["requests"]
    assert "identity" not in fresh_store.snapshot()["nodes"]


@pytest.mark.django_db(transaction=True)
def test_staff_token_may_simulate_all_services(staff_user, fresh_store):
    from knox.models import AuthToken

    _, token = AuthToken.objects.create(user=staff_user)

    async def scenario():
        communicator, _ = await connected(f"/ws/topology/?token={token}")
        await communicator.send_json_to({"type": "SIMULATE_LOAD", "factor": 1, "duration_s": 2})
        started = await receive_type(communicator, "SIMULATE_LOAD_STARTED")
        ended = await receive_type(communicator, "SIMULATE_LOAD_ENDED", timeout=10)
        await communicator.disconnect()
        return started, ended

    started, ended = run(scenario)

    assert started["simulation"]["target"] is None
    assert set(started["simulation"]["targets"]) == {"catalog", "identity", "stream", "analytics", "recommend"}
    assert ended["errors"] == 0
    assert set(fresh_store.snapshot()["nodes"]) == set(started["simulation"]["targets"])


@pytest.mark.django_db(transaction=True)
def test_a_second_simulation_replaces_the_first(staff_user):
    headers = session_headers(staff_user)

    async def scenario():
        communicator, _ = await connected(headers=headers)
        await communicator.send_json_to({"type": "SIMULATE_LOAD", "target": "identity", "duration_s": 30})
        first = await receive_type(communicator, "SIMULATE_LOAD_STARTED")
        await communicator.send_json_to({"type": "SIMULATE_LOAD", "target": "stream", "duration_s": 30})
        replaced = await receive_type(communicator, "SIMULATE_LOAD_ENDED")
        second = await receive_type(communicator, "SIMULATE_LOAD_STARTED")
        running = simulation.simulation_summary()
        await communicator.send_json_to({"type": "STOP_SIMULATION"})
        stopped = await receive_type(communicator, "SIMULATE_LOAD_ENDED")
        await communicator.disconnect()
        return first, replaced, second, running, stopped

    first, replaced, second, running, stopped = run(scenario)

    assert replaced == {**replaced, "simulation_id": first["simulation"]["id"], "reason": "replaced"}
    assert running["id"] == second["simulation"]["id"]
    assert running["targets"] == ["stream"]
    assert stopped["simulation_id"] == second["simulation"]["id"]
    assert stopped["reason"] == "stopped"
    assert simulation.simulation_summary() is None


@pytest.mark.django_db(transaction=True)
def test_disconnecting_cancels_the_simulation_and_the_updates(staff_user):
    from topology.broadcast import broadcaster

    headers = session_headers(staff_user)

    async def scenario():
        communicator, _ = await connected(headers=headers)
        await communicator.send_json_to({"type": "SIMULATE_LOAD", "target": "recommend", "duration_s": 30})
        started = await receive_type(communicator, "SIMULATE_LOAD_STARTED")
        task = simulation._current.task
        await communicator.disconnect()
        await asyncio.sleep(0.1)
        return started, task, broadcaster.running

    started, task, broadcast_task = run(scenario)

    assert started["simulation"]["targets"] == ["recommend"]
    assert task.done()
    assert simulation.simulation_summary() is None
    assert broadcast_task is False


@pytest.mark.django_db
def test_updates_flow_through_the_redis_channel_layer(settings, fresh_store, redis_url):
    import uuid

    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": redis_url, "socket_timeout": 30}],
                "prefix": f"{getattr(settings, 'TEST_REDIS_PREFIX', 'topology-test')}-{uuid.uuid4().hex}",
            },
        }
    }
    channel_layers.backends.clear()

    async def scenario():
        communicator, _ = await connected()
        fresh_store.record_request("stream", 0.01, 200)
        update = await receive_type(communicator, "UPDATE")
        while not any(n["id"] == "stream" for n in update["nodes"]):
            update = await receive_type(communicator, "UPDATE")
        await communicator.send_json_to({"type": "PING"})
        pong = await receive_type(communicator, "PONG")
        await communicator.disconnect()
        await channel_layers["default"].flush()
        return update, pong

    try:
        update, pong = run(scenario)
    finally:
        channel_layers.backends.clear()

    assert next(n for n in update["nodes"] if n["id"] == "stream")["metrics"]["requests"] == 1
    assert pong == {"type": "PONG"}
