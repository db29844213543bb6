"""Live session state in Redis (REDIS_URL set): what viewers, staff and the reaper see, and what the row gets."""

import datetime as dt

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from analytics.models import ViewSummary
from identity.models import WatchHistory
from identity.tests.factories import ParentalControlsFactory, UserFactory
from stream import ending, selectors, services
from stream.heartbeat import live
from stream.heartbeat.apply import WRITTEN_FIELDS
from stream.models import EndReason, PlaybackSession
from stream.tests.factories import PlaybackSessionFactory

pytestmark = pytest.mark.usefixtures("live_redis")


def client_for(user) -> tuple[APIClient, str]:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client, token


def started(client, movie, start, **kwargs) -> str:
    """Starts a session as a request would, its commit included (which puts its live state into Redis)."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = start(client, movie, **kwargs)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def put(client, session_id, body):
    return client.put(f"/api/stream/sessions/{session_id}", body, format="json")


def live_set(store, session_id: str, **values) -> None:
    """Changes a session's live state as earlier updates would have left it (datetimes as Unix times)."""
    encoded = {
        name: repr(value.timestamp()) if isinstance(value, dt.datetime) else str(value)
        for name, value in values.items()
    }
    store.redis.hset(store.key(session_id), mapping=encoded)


def test_the_redis_store_is_chosen_by_the_settings(live_redis, settings):
    assert live.store().name == "redis"
    settings.REDIS_URL = ""
    assert live.store().name == "database"


def test_updates_touch_no_row_and_every_reader_sees_the_live_state(
    user, movie, start, staff_client, django_assert_num_queries, monkeypatch
):
    import redis.connection

    client, _ = client_for(user)
    session_id = started(client, movie, start)
    assert put(client, session_id, {"sequence": 1, "state": "playing", "bitrate_kbps": 3000}).status_code == 200
    sent = []
    send = redis.connection.AbstractConnection.send_packed_command
    monkeypatch.setattr(
        redis.connection.AbstractConnection,
        "send_packed_command",
        lambda connection, command, *args, **kwargs: sent.append(command) or send(connection, command, *args, **kwargs),
    )

    with django_assert_num_queries(0):  # the token check is cached, the state is in Redis, no checkpoint due
        response = put(client, session_id, {"sequence": 2, "state": "playing", "position_s": 42.5})

    assert len(sent) == 1  # one round trip to Redis: the update's script
    monkeypatch.undo()

    assert response.status_code == 200 and response.json()["position_s"] == 42.5
    assert PlaybackSession.objects.get(pk=session_id).position_s == 0.0  # the row waits for its checkpoint
    detail = staff_client.get(f"/api/stream/sessions/{session_id}").json()
    assert (detail["position_s"], detail["last_sequence"], detail["state"]) == (42.5, 2, "playing")
    listed = staff_client.get("/api/stream/sessions").json()["results"]
    assert [(row["id"], row["position_s"]) for row in listed] == [(session_id, 42.5)]
    mine = client.get("/api/stream/sessions/mine").json()
    assert mine[0]["last_seen_at"] == detail["last_seen_at"]
    health = {row["name"]: row for row in staff_client.get("/api/stream/cdn/status").json()}
    assert health["cdn-us"]["active_sessions"] == 1


def test_cdn_health_and_the_topology_count_a_session_by_its_live_state(user, movie, start, staff_client):
    from topology.graph import cdn_nodes

    client, _ = client_for(user)
    session_id = started(client, movie, start)
    assert put(client, session_id, {"sequence": 1, "state": "playing", "bitrate_kbps": 3000}).status_code == 200
    # The row says silent for ten minutes (its last checkpoint); the live state says it just sent an update.
    PlaybackSession.objects.filter(pk=session_id).update(last_seen_at=timezone.now() - dt.timedelta(minutes=10))

    health = {row["name"]: row for row in staff_client.get("/api/stream/cdn/status").json()}

    assert health["cdn-us"]["active_sessions"] == 1
    assert {node["label"]: node["active_sessions"] for node in cdn_nodes()}["cdn-us"] == 1
    assert PlaybackSession.objects.get(pk=session_id).status == "active"  # and the reaper left it alone


def test_the_row_is_checkpointed_every_interval_and_at_the_end(user, movie, start, settings):
    settings.STREAM_CHECKPOINT_S = 60
    client, _ = client_for(user)
    session_id = started(client, movie, start)
    now = timezone.now()
    services.session_update(
        session_id=session_id, metrics={"sequence": 1, "state": "playing", "position_s": 10}, at=now
    )
    assert PlaybackSession.objects.get(pk=session_id).last_sequence == -1

    later = now + dt.timedelta(seconds=61)
    services.session_update(session_id=session_id, metrics={"sequence": 2, "position_s": 70}, at=later)

    row = PlaybackSession.objects.get(pk=session_id)
    assert (row.last_sequence, row.position_s, row.watch_time_s) == (2, 70.0, pytest.approx(61, abs=1))
    services.session_update(
        session_id=session_id, metrics={"sequence": 3, "position_s": 75}, at=later + dt.timedelta(seconds=5)
    )
    ended = services.session_end(session_id=session_id, reason=EndReason.CLIENT, at=later + dt.timedelta(seconds=5))
    assert (ended.position_s, ended.last_sequence) == (75.0, 3)
    assert PlaybackSession.objects.get(pk=session_id).position_s == 75.0


@pytest.mark.parametrize("how", ["logout", "logout-all", "deactivation"])
def test_a_revoked_token_is_refused_on_the_very_next_update(
    user, movie, start, how, django_capture_on_commit_callbacks
):
    client, _ = client_for(user)
    session_id = started(client, movie, start)
    assert put(client, session_id, {"sequence": 1}).status_code == 200  # the token check is now cached

    with django_capture_on_commit_callbacks(execute=True):  # as the request's commit would
        if how == "logout":
            assert client.post("/api/identity/auth/logout").status_code == 204
        elif how == "logout-all":
            assert client.post("/api/identity/auth/logout-all").status_code == 204
        else:
            user.is_active = False
            user.save()

    assert put(client, session_id, {"sequence": 2}).status_code == 401


def test_an_expired_token_is_refused_though_its_check_was_cached(user, movie, start):
    client, _ = client_for(user)
    session_id = started(client, movie, start)
    assert put(client, session_id, {"sequence": 1}).status_code == 200
    token = AuthToken.objects.get(user=user)
    AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    live_store = live.store()
    for key in live_store.redis.scan_iter(match=f"{live_store.prefix}:t:*"):
        value = live_store.redis.get(key).decode().rsplit("|", 1)[0]
        live_store.redis.set(key, f"{value}|{(timezone.now() - dt.timedelta(seconds=1)).timestamp()}")

    assert put(client, session_id, {"sequence": 2}).status_code == 401
    assert not AuthToken.objects.filter(pk=token.pk).exists()  # knox deletes the expired token it was shown


def test_an_update_after_the_end_began_is_refused_and_not_counted(user, movie, start, live_redis):
    client, _ = client_for(user)
    session_id = started(client, movie, start)
    assert put(client, session_id, {"sequence": 1, "state": "playing", "position_s": 30}).status_code == 200

    values = live_redis.end_begin(session_id)  # a DELETE on another worker, between its two steps
    late = put(client, session_id, {"sequence": 2, "position_s": 90})
    ending._session_end_recorded(session_id=session_id, reason=EndReason.CLIENT, at=timezone.now(), live_values=values)

    assert late.status_code == 409
    assert PlaybackSession.objects.get(pk=session_id).position_s == 30.0
    assert put(client, session_id, {"sequence": 3}).status_code == 409


def test_the_daily_limit_is_checked_before_the_update_is_written(user, movie, start, live_redis):
    client, _ = client_for(user)
    session_id = started(client, movie, start)
    ParentalControlsFactory(user=user, daily_limit_minutes=30)
    live_set(
        live_redis,
        session_id,
        state="playing",
        watch_time_s=30 * 60,
        last_seen_at=timezone.now() - dt.timedelta(minutes=1),
    )

    response = put(client, session_id, {"sequence": 1, "state": "playing", "position_s": 600})

    assert response.status_code == 403 and "daily limit" in response.json()["detail"]
    row = PlaybackSession.objects.get(pk=session_id)
    assert (row.status, row.end_reason, row.last_sequence) == ("ended", "parental", -1)
    assert row.position_s != 600


def test_the_concurrent_stream_limit_counts_live_sessions(movie, start):
    viewer = UserFactory(plan="basic")  # one stream
    client, _ = client_for(viewer)
    started(client, movie, start, device_id="tv")

    assert start(client, movie, device_id="phone").status_code == 409


def test_the_reaper_ends_a_session_idle_in_redis_at_its_last_update(user, movie, start, live_redis):
    client, _ = client_for(user)
    session_id = started(client, movie, start)
    silent_since = timezone.now() - dt.timedelta(minutes=10)
    live_set(live_redis, session_id, last_seen_at=silent_since, position_s=123, state="paused")
    live_redis.redis.zadd(live_redis.seen_key, {session_id: silent_since.timestamp()})

    assert services.sessions_reap_idle() == 1

    row = PlaybackSession.objects.get(pk=session_id)
    assert (row.end_reason, row.position_s, row.ended_at) == (
        "idle",
        123.0,
        pytest.approx(silent_since, abs=dt.timedelta(seconds=1)),
    )


def test_the_reaper_spares_a_session_whose_row_is_old_but_whose_live_state_is_fresh(user, movie, start):
    client, _ = client_for(user)
    session_id = started(client, movie, start)
    PlaybackSession.objects.filter(pk=session_id).update(last_seen_at=timezone.now() - dt.timedelta(minutes=30))
    assert put(client, session_id, {"sequence": 1, "state": "playing"}).status_code == 200

    assert services.sessions_reap_idle() == 0
    assert PlaybackSession.objects.get(pk=session_id).status == "active"


def test_a_session_whose_live_state_expired_is_reaped_at_its_last_checkpoint(user, live_redis):
    checkpointed = timezone.now() - dt.timedelta(minutes=20)
    session = PlaybackSessionFactory(
        user=user,
        started_at=checkpointed - dt.timedelta(minutes=5),
        last_seen_at=checkpointed,
        position_s=456.0,
        state="playing",
        watch_time_s=300.0,
        first_frame_at=checkpointed - dt.timedelta(minutes=5),
    )
    assert not live_redis.redis.exists(live_redis.key(session.pk))  # expired, or Redis restarted

    assert services.sessions_reap_idle() == 1

    row = PlaybackSession.objects.get(pk=session.pk)
    assert (row.end_reason, row.position_s, row.ended_at) == ("idle", 456.0, checkpointed)
    assert WatchHistory.objects.filter(user=user).get().position_s == 456.0
    assert ViewSummary.objects.filter(session_id=session.pk).count() == 1


def test_a_steering_report_moves_the_live_throughput_without_a_row_write(user, movie, start, live_redis):
    client, _ = client_for(user)
    session_id = started(client, movie, start)
    session = selectors.session_get(session_id=session_id)

    services.session_pathway_report(session=session, pathway=None, throughput_kbps=12345)

    assert PlaybackSession.objects.get(pk=session_id).throughput_kbps is None
    assert selectors.session_get(session_id=session_id).throughput_kbps == 12345


UPDATES = [
    {"sequence": 0, "state": "starting", "bitrate_kbps": 2000},
    {"sequence": 1, "state": "playing", "position_s": 5.0, "buffer_ms": 8000, "throughput_kbps": 9000},
    {"sequence": 2, "bitrate_kbps": 3000, "dropped_frames": 4},
    {"sequence": 3, "rebuffer": "start"},
    {"sequence": 3, "rebuffer": "end"},  # a repeat: not applied
    {"sequence": 4, "rebuffer": "end", "startup_time_ms": 1234},
    {"sequence": 6, "state": "paused", "position_s": 20.5, "dropped_frames": 2, "duration_s": 6000.0},
    {"state": "playing", "error_code": "NET_WARN"},
    {"sequence": 9, "fatal_error": True, "error_code": "MEDIA_ERR_DECODE"},
]


def test_the_redis_script_accounts_for_updates_exactly_as_the_database_path(user, movie, settings, live_redis):
    """The same updates, 3 s apart, applied to twin sessions by each store: the same live state."""
    at = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=10)
    twins = {}
    for name in ("database", "redis"):
        twins[name] = PlaybackSessionFactory(user=user, title=movie, started_at=at, last_seen_at=at)
    stores = {"database": live.DatabaseLiveStore(), "redis": live_redis}
    for step, metrics in enumerate(UPDATES, start=1):
        for name, store in stores.items():
            store.update_once(
                session_id=twins[name].pk,
                metrics=metrics,
                at=at + dt.timedelta(seconds=3 * step),
                user=user,
                session=None,
                controls_checked=True,
                slack_s=60.0,
                controls_period_s=60,
            )
    database = PlaybackSession.objects.get(pk=twins["database"].pk)
    in_redis = live_redis.session_read(twins["redis"].pk)
    for field in WRITTEN_FIELDS:
        expected, got = getattr(database, field), getattr(in_redis, field)
        if isinstance(expected, dt.datetime):
            assert got == pytest.approx(expected, abs=dt.timedelta(milliseconds=1)), field
        elif isinstance(expected, float):
            assert got == pytest.approx(expected), field
        else:
            assert got == expected, field


def test_whose_session_it_is_comes_before_the_body_in_redis_too(user, movie, start):
    client, _ = client_for(user)
    session_id = started(client, movie, start)
    stranger, _ = client_for(UserFactory())
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION="Bearer " + "x" * 64)

    assert put(stranger, session_id, {"sequence": "not a number"}).status_code == 404
    assert put(stranger, session_id, {"sequence": 1, "position_s": 5}).status_code == 404
    assert put(forged, session_id, {"sequence": "not a number"}).status_code == 401
    assert put(client, session_id, {"sequence": "not a number"}).status_code == 400
    assert put(client, session_id, {"sequence": 1, "position_s": 5}).status_code == 200


def test_a_fatal_error_ends_the_session_and_a_late_error_code_is_kept(user, movie, start):
    client, _ = client_for(user)
    session_id = started(client, movie, start)
    assert put(client, session_id, {"sequence": 1, "state": "playing", "position_s": 12}).status_code == 200

    failed = put(client, session_id, {"sequence": 2, "fatal_error": True})
    late = put(client, session_id, {"sequence": 3, "error_code": "MEDIA_ERR_DECODE"})

    assert (failed.status_code, failed.json()["status"]) == (200, "ended")
    assert late.status_code == 200
    row = PlaybackSession.objects.get(pk=session_id)
    assert (row.end_reason, row.error_code, row.position_s) == ("error", "MEDIA_ERR_DECODE", 12.0)
    summary = ViewSummary.objects.get(session_id=session_id)
    assert summary.fatal_error is True
    assert put(client, session_id, {"sequence": 4, "position_s": 20}).status_code == 409
