"""Two worker processes on one PostgreSQL database and one Redis behave as one service."""

import asyncio
import time

import pytest
from websockets.asyncio.client import connect

from streaming_platform.tests.private_servers import PrivatePostgres, PrivateRedis
from streaming_platform.tests.servers import (
    environment,
    migrate,
    request,
    seed_viewers,
    serving,
)
from topology.tests.dashboard_client import next_of, node_requests

REQUESTS_ON_B = 7


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    """Workers A and B (separate uvicorn processes, separate ports) sharing the suite's own PostgreSQL and Redis."""
    logs = tmp_path_factory.mktemp("two-workers")
    postgres, redis_server = PrivatePostgres(), PrivateRedis()
    try:
        postgres.start()
        redis_server.start()
        env = environment(DATABASE_URL=postgres.create_database("workers"), REDIS_URL=redis_server.url())
        migrate(env)
        seed = seed_viewers(env)
        seed["redis"] = redis_server
        with serving(env, logs / "a.log") as worker_a, serving(env, logs / "b.log") as worker_b:
            yield worker_a, worker_b, seed
    finally:
        postgres.destroy()
        redis_server.destroy()


@pytest.mark.slow
def test_websocket_client_on_worker_a_sees_requests_served_by_worker_b(two_workers):
    worker_a, worker_b, _ = two_workers

    async def scenario():
        async with connect(worker_a.ws_url + "/ws/topology/", origin=worker_a.base_url) as socket:
            init = await next_of(socket, "INIT")
            # Let the first UPDATE settle the figures before counting.
            before = node_requests(await next_of(socket, "UPDATE"), "identity") or 0
            for _ in range(REQUESTS_ON_B):
                status, _, _ = await asyncio.to_thread(request, worker_b.base_url + "/api/identity/status")
                assert status == 200
            seen = before
            deadline = time.monotonic() + 15
            while seen < before + REQUESTS_ON_B and time.monotonic() < deadline:
                seen = node_requests(await next_of(socket, "UPDATE"), "identity") or seen
            return init, before, seen

    init, before, seen = asyncio.run(scenario())
    print(f"\nidentity requests on worker A's dashboard: {before} before, {seen} after {REQUESTS_ON_B} served by B")

    assert init["type"] == "INIT"
    # Worker A served none of them: the figures come from B through Redis.
    assert seen == before + REQUESTS_ON_B


@pytest.mark.slow
def test_session_started_on_worker_a_is_updated_and_ended_on_worker_b(two_workers):
    worker_a, worker_b, seed = two_workers
    token = seed["viewers"][0]["token"]
    start = {"title": seed["title"], "device": {"type": "tv", "id": "living-room"}}

    status, started, _ = request(worker_a.base_url + "/api/stream/sessions", method="POST", body=start, token=token)
    assert status == 201, started
    session = f"/api/stream/sessions/{started['id']}"
    update = {"sequence": 1, "state": "playing", "position_s": 120.0, "bitrate_kbps": 3000}
    status, updated, _ = request(worker_b.base_url + session, method="PUT", body=update, token=token)
    assert (status, updated["applied"], updated["position_s"]) == (200, True, 120.0), updated
    # The same update again, through A: already applied, nothing changes.
    status, repeated, _ = request(worker_a.base_url + session, method="PUT", body=update, token=token)
    assert (status, repeated["applied"], repeated["last_sequence"]) == (200, False, 1), repeated
    status, ended, _ = request(worker_b.base_url + session, method="DELETE", token=token)
    assert status == 200, ended
    assert ended["status"] == "ended"

    status, seen_on_a, _ = request(worker_a.base_url + session, token=token)
    assert (status, seen_on_a["status"]) == (200, "ended")
    later = {**update, "sequence": 2}
    status, refused, _ = request(worker_a.base_url + session, method="PUT", body=later, token=token)
    assert status == 409, refused


@pytest.mark.slow
def test_both_workers_see_the_live_state_of_the_same_sessions(two_workers):
    worker_a, worker_b, seed = two_workers
    token, staff = seed["viewers"][0]["token"], seed["staff_token"]
    start = {"title": seed["title"], "device": {"type": "tv", "id": "bedroom"}}
    status, started, _ = request(worker_a.base_url + "/api/stream/sessions", method="POST", body=start, token=token)
    assert status == 201, started
    session = f"/api/stream/sessions/{started['id']}"
    update = {"sequence": 1, "state": "playing", "position_s": 77.0}
    assert request(worker_a.base_url + session, method="PUT", body=update, token=token)[0] == 200

    # Not yet checkpointed to the row: worker B reads the live state A wrote, which is in Redis.
    assert seed["redis"].client().hget(f"stream-live:s:{started['id']}", "position_s") == b"77"
    status, detail, _ = request(worker_b.base_url + session, token=staff)
    assert (status, detail["position_s"], detail["last_sequence"]) == (200, 77.0, 1), detail
    status, listed, _ = request(worker_b.base_url + "/api/stream/sessions", token=staff)
    assert {row["id"]: row["position_s"] for row in listed["results"]}[started["id"]] == 77.0
    assert request(worker_b.base_url + session, method="DELETE", token=token)[0] == 200


@pytest.mark.slow
def test_the_stream_limit_holds_across_workers(two_workers):
    worker_a, worker_b, seed = two_workers
    token = seed["viewers"][0]["token"]
    started_ids, refused = [], None
    for n in range(10):
        worker = (worker_a, worker_b)[n % 2]
        body = {"title": seed["title"], "device": {"type": "tablet", "id": f"device-{n}"}}
        status, answer, _ = request(worker.base_url + "/api/stream/sessions", method="POST", body=body, token=token)
        if status == 409:
            refused = answer
            break
        assert status == 201, answer
        started_ids.append(answer["id"])
    try:
        assert refused is not None and len(started_ids) == refused["max_streams"] >= 2
        # The other worker refuses too: both count the same sessions.
        other = (worker_a, worker_b)[(len(started_ids) + 1) % 2]
        body = {"title": seed["title"], "device": {"type": "tablet", "id": "one-more"}}
        status, _, _ = request(other.base_url + "/api/stream/sessions", method="POST", body=body, token=token)
        assert status == 409
    finally:
        for session_id in started_ids:
            request(worker_a.base_url + f"/api/stream/sessions/{session_id}", method="DELETE", token=token)
