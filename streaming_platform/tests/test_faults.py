"""Faults while serving: a worker killed mid-ingest, PostgreSQL restarted, Redis restarted under WebSocket clients.

Every server broken here is the test's own (`private_postgres`, `private_redis`): free port, temporary data.
"""

import asyncio
import json
import sqlite3
import threading
import time
import uuid

import pytest
from websockets.asyncio.client import connect

from streaming_platform.tests.servers import (
    STATUS_PATH,
    Server,
    environment,
    migrate,
    request,
    seed_viewers,
    serving,
    sqlite_url,
    stopped,
)

BATCH_SIZE = 1000
# A request during an outage must be answered (with an error) within this, never hang.
OUTAGE_ANSWER_BOUND_S = 10
RECOVERY_BOUND_S = 30
# WebSocket dashboard clients per scenario, and how long two UPDATEs may take.
CLIENTS = 3
UPDATES_BOUND_S = 12


def event_batch(prefix: str) -> list[dict]:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return [
        {"id": f"{prefix}-{i}", "type": "page_view", "time": now, "properties": {"page": f"page-{i % 10}"}}
        for i in range(BATCH_SIZE)
    ]


def stored_events(db_path, prefix: str) -> int:
    with sqlite3.connect(db_path, timeout=20) as connection:
        return connection.execute(
            "SELECT COUNT(*) FROM analytics_event WHERE client_id LIKE ?", (f"{prefix}-%",)
        ).fetchone()[0]


def kill_inside_write_transaction(server: Server, db_path, timeout_s: float = 30) -> bool:
    """SIGKILLs the server the moment it holds SQLite's write lock (the ingest's BEGIN IMMEDIATE).

    Probing with our own BEGIN IMMEDIATE (busy timeout 0) tells when another connection holds the lock;
    the settings make every write transaction take it at BEGIN, so the server is then inside one.
    """
    probe = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    server.kill()
                    return True
                raise
            time.sleep(0.0005)
        return False
    finally:
        probe.close()


@pytest.mark.slow
def test_worker_killed_in_the_middle_of_a_batch_ingest_leaves_the_batch_whole_or_absent(tmp_path):
    db_path = tmp_path / "ingest.sqlite3"
    env = environment(DATABASE_URL=sqlite_url(db_path))
    migrate(env)
    token = seed_viewers(env)["viewers"][0]["token"]
    outcomes = []
    for attempt in range(3):
        prefix = f"killed-{attempt}"
        server = Server(env, tmp_path / f"server-{attempt}.log")
        answers: list = []
        try:
            server.wait_ready()
            sender = threading.Thread(
                target=_post_into,
                args=(answers, server.base_url + "/api/analytics/events", event_batch(prefix), token),
                daemon=True,
            )
            sender.start()
            killed_inside = kill_inside_write_transaction(server, db_path)
            sender.join(timeout=30)
        finally:
            server.stop()
        stored = stored_events(db_path, prefix)
        outcomes.append({"batch": prefix, "killed_in_transaction": killed_inside, "answer": answers, "stored": stored})
    print("\nSIGKILL during a 1,000-event ingest:", json.dumps(outcomes))

    assert all(outcome["killed_in_transaction"] for outcome in outcomes), outcomes
    # Whole or absent, never a part of a batch.
    assert all(outcome["stored"] in (0, BATCH_SIZE) for outcome in outcomes), outcomes
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The client never got a 201 for a batch that is not stored, and a retry of each batch stores it exactly once.
    for outcome in outcomes:
        assert outcome["answer"] != [201] or outcome["stored"] == BATCH_SIZE
    with serving(env, tmp_path / "server-retry.log") as server:
        for outcome in outcomes:
            status, body, _ = request(
                server.base_url + "/api/analytics/events",
                method="POST",
                body=event_batch(outcome["batch"]),
                token=token,
            )
            assert status in (200, 201), body
            assert body == {"accepted": BATCH_SIZE - outcome["stored"], "duplicates": outcome["stored"]}
            assert stored_events(db_path, outcome["batch"]) == BATCH_SIZE


def _post_into(answers: list, url: str, body, token: str) -> None:
    try:
        answers.append(request(url, method="POST", body=body, token=token, timeout_s=30)[0])
    except OSError as exc:  # the connection dies with the server: no answer at all
        answers.append(type(exc).__name__)


def _probe(url: str, **kwargs) -> dict:
    """One request during an outage: its status (or the connection error), body and time taken."""
    started = time.monotonic()
    try:
        status, body, elapsed = request(url, timeout_s=OUTAGE_ANSWER_BOUND_S + 5, **kwargs)
    except OSError as exc:
        return {"status": type(exc).__name__, "body": None, "seconds": round(time.monotonic() - started, 2)}
    return {"status": status, "body": body, "seconds": round(elapsed, 2)}


@pytest.mark.slow
def test_postgresql_restart_fails_requests_cleanly_then_the_same_app_recovers(tmp_path, private_postgres):
    database_url = private_postgres.create_database("restart")
    env = environment(DATABASE_URL=database_url)
    migrate(env)
    seed = seed_viewers(env)
    token = seed["viewers"][0]["token"]
    # A connection per request (the default), and persistent connections that go stale in the restart.
    configurations = {
        "per-request connections": {**env, "DB_CONN_MAX_AGE": "0"},
        "persistent connections": {**env, "DB_CONN_MAX_AGE": "60"},
    }
    with (
        serving(configurations["per-request connections"], tmp_path / "fresh.log") as fresh,
        serving(configurations["persistent connections"], tmp_path / "persistent.log") as persistent,
    ):
        servers = {"per-request connections": fresh, "persistent connections": persistent}
        for server in servers.values():
            assert request(server.base_url + "/api/identity/users/me", token=token)[0] == 200
        during: dict[str, list[dict]] = {name: [] for name in servers}
        recovery: dict[str, float] = {}
        private_postgres.stop()
        stopped_at = time.monotonic()
        try:
            # Probe for a few seconds of outage, not just one instant of it.
            while time.monotonic() - stopped_at < 3:
                for name, server in servers.items():
                    during[name].append(_probe(server.base_url + STATUS_PATH))
                    during[name].append(_probe(server.base_url + "/api/identity/users/me", token=token))
                    during[name].append(
                        _probe(
                            server.base_url + "/api/analytics/events",
                            method="POST",
                            body=event_batch(f"outage-{uuid.uuid4().hex[:6]}")[:10],
                            token=token,
                        )
                    )
        finally:
            private_postgres.start()
        back_at = time.monotonic()
        outage_s = round(back_at - stopped_at, 2)
        pending = dict(servers)
        while pending and time.monotonic() - back_at < RECOVERY_BOUND_S:
            for name, server in list(pending.items()):
                ok = _probe(server.base_url + STATUS_PATH)["status"] == 200 and (
                    _probe(server.base_url + "/api/identity/users/me", token=token)["status"] == 200
                )
                if ok:
                    recovery[name] = round(time.monotonic() - back_at, 2)
                    del pending[name]
            time.sleep(0.05)
        after = {
            name: request(
                server.base_url + "/api/analytics/events",
                method="POST",
                body=event_batch(f"after-{server.port}")[:10],
                token=token,
            )[0]
            for name, server in servers.items()
        }
    summary = {
        name: {
            "requests": len(probes),
            "statuses": sorted({str(p["status"]) for p in probes}),
            "slowest_s": max(p["seconds"] for p in probes),
        }
        for name, probes in during.items()
    }
    print(f"\nPostgreSQL down for {outage_s} s; requests during the outage: {json.dumps(summary)}")
    print("Recovery after PostgreSQL accepted connections again (s):", recovery, "then POST events:", after)

    assert private_postgres.answers()
    for name, probes in during.items():
        for probe in probes:
            # Failed cleanly: an HTTP answer (never a dropped connection), quickly, JSON with a detail.
            assert isinstance(probe["status"], int), (name, probe)
            assert probe["seconds"] <= OUTAGE_ANSWER_BOUND_S, (name, probe)
            assert probe["status"] >= 500, (name, probe)
            assert isinstance(probe["body"], dict), (name, probe)
        status_answers = probes[0::3]
        assert all(p["status"] == 503 and p["body"]["checks"]["database"]["status"] == "error" for p in status_answers)
        assert all("detail" in p["body"] for p in probes[1::3] + probes[2::3]), probes
    # Back without restarting the app.
    assert set(recovery) == set(servers), f"not recovered within {RECOVERY_BOUND_S} s: {set(servers) - set(recovery)}"
    assert set(after.values()) == {201}, after


async def _next_of(socket, wanted: str, timeout_s: float) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), max(0.05, deadline - time.monotonic())))
        if message["type"] == wanted:
            return message


async def _updates_after(socket, count: int, timeout_s: float) -> list[dict]:
    return [await _next_of(socket, "UPDATE", timeout_s) for _ in range(count)]


def _redis_restart_scenario(tmp_path, redis_server, *, reconnect: bool) -> dict:
    """Three dashboard clients see INIT and UPDATEs; Redis restarts; then they reconnect, or stay connected."""
    db_path = tmp_path / "ws.sqlite3"
    env = environment(
        DATABASE_URL=sqlite_url(db_path),
        REDIS_URL=redis_server.url(),
        TOPOLOGY_REDIS_PREFIX=f"hardening-{uuid.uuid4().hex[:8]}",
    )
    migrate(env)

    async def first_messages(sockets) -> tuple[list[str], list[int]]:
        inits = await asyncio.gather(*(_next_of(s, "INIT", 10) for s in sockets))
        updates = await asyncio.gather(*(_updates_after(s, 2, UPDATES_BOUND_S) for s in sockets))
        return [m["type"] for m in inits], [len(u) for u in updates]

    async def scenario(server) -> dict:
        url = server.ws_url + "/ws/topology/"
        figures: dict = {}
        sockets = [await connect(url, origin=server.base_url) for _ in range(CLIENTS)]
        try:
            figures["init_before"], figures["updates_before"] = await first_messages(sockets)
            with stopped(redis_server):
                await asyncio.sleep(2)
            back_at = time.monotonic()
            if reconnect:
                for socket in sockets:
                    await socket.close()
                sockets = [await connect(url, origin=server.base_url) for _ in range(CLIENTS)]
                figures["init_after"], figures["updates_after"] = await first_messages(sockets)
            else:
                results = await asyncio.gather(
                    *(_updates_after(s, 2, UPDATES_BOUND_S) for s in sockets), return_exceptions=True
                )
                figures["updates_after"] = [len(r) if isinstance(r, list) else type(r).__name__ for r in results]
            figures["updates_resumed_after_s"] = round(time.monotonic() - back_at, 2)
        finally:
            for socket in sockets:
                await socket.close()
        return figures

    with serving(env, tmp_path / "ws.log") as server:
        figures = asyncio.run(asyncio.wait_for(scenario(server), 60))
        # Plain HTTP never depended on Redis being there.
        assert request(server.base_url + STATUS_PATH)[0] == 200
    return figures


@pytest.mark.slow
def test_redis_restart_websocket_clients_that_reconnect_get_init_and_updates_again(tmp_path, private_redis):
    figures = _redis_restart_scenario(tmp_path, private_redis, reconnect=True)
    print("\nRedis restart, clients reconnect:", figures)

    assert figures["init_before"] == ["INIT"] * CLIENTS
    assert figures["updates_before"] == [2] * CLIENTS
    assert figures["init_after"] == ["INIT"] * CLIENTS
    assert figures["updates_after"] == [2] * CLIENTS


@pytest.mark.slow
def test_redis_restart_websocket_clients_that_stay_connected_get_updates_again(tmp_path, private_redis):
    # The dashboard reconnects only when its socket closes: if the server keeps it open but sends
    # nothing after Redis came back, the operator sees a "live" dashboard that no longer moves.
    figures = _redis_restart_scenario(tmp_path, private_redis, reconnect=False)
    print("\nRedis restart, clients stay connected:", figures)

    assert figures["updates_before"] == [2] * CLIENTS
    assert figures["updates_after"] == [2] * CLIENTS, "no UPDATE reached connected clients after Redis restarted"
