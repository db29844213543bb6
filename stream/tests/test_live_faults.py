"""Live session state when Redis goes away mid-viewing, and comes back: the suite's own Redis, killed."""

import pytest
from django.test import TestCase

from analytics.models import ViewSummary
from identity.models import WatchHistory
from stream.heartbeat import live
from stream.models import PlaybackSession
from stream.tests.test_live_state import client_for, put, started
from streaming_platform.tests.servers import private_redis  # noqa: F401 (fixture)


@pytest.fixture
def store(private_redis, settings):  # noqa: F811
    settings.REDIS_URL, settings.STREAM_LIVE_STORE = private_redis.url(), "redis"
    settings.STREAM_CHECKPOINT_S = 60
    store = live.store()
    store._rows_swept_at = float("-inf")
    return store


def checkpoint_due(store, session_id: str) -> None:
    """Makes the next update the one that writes the row (as if a checkpoint interval had passed)."""
    store.redis.hset(store.key(session_id), "checkpoint_at", "0")


def answered(client, session_id: str, body: dict) -> dict:
    response = put(client, session_id, body)
    assert response.status_code == 200, response.content  # never a 500, whatever Redis does
    return response.json()


def test_redis_killed_mid_viewing_updates_fall_back_then_continue_and_nothing_is_recorded_twice(
    user,
    movie,
    start,
    store,
    private_redis,  # noqa: F811
):
    viewer, _ = client_for(user)
    other_device, _ = client_for(user)
    session_id = started(viewer, movie, start)
    answered(viewer, session_id, {"sequence": 1, "state": "playing", "position_s": 10})
    checkpoint_due(store, session_id)
    answered(viewer, session_id, {"sequence": 2, "position_s": 20})  # checkpointed
    answered(viewer, session_id, {"sequence": 3, "position_s": 30})  # in Redis only
    answered(other_device, session_id, {"sequence": 4, "position_s": 40})  # caches the other token's check
    assert PlaybackSession.objects.get(pk=session_id).position_s == 20.0

    private_redis.kill()

    # The database path takes over from the last checkpoint: the player's next updates still apply.
    assert answered(viewer, session_id, {"sequence": 5, "position_s": 50})["applied"] is True
    assert PlaybackSession.objects.get(pk=session_id).position_s == 50.0
    # Logging out still revokes, though the cache of token checks cannot be told.
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert other_device.post("/api/identity/auth/logout").status_code == 204
    assert put(other_device, session_id, {"sequence": 6}).status_code == 401

    private_redis.start()
    assert store.available()

    # Redis came back empty: the session continues from its row, the logged-out token stays refused.
    assert put(other_device, session_id, {"sequence": 6}).status_code == 401
    assert answered(viewer, session_id, {"sequence": 6, "position_s": 60})["position_s"] == 60.0
    assert answered(viewer, session_id, {"sequence": 6, "position_s": 61})["applied"] is False
    assert store.redis.exists(store.key(session_id))
    ended = viewer.delete(f"/api/stream/sessions/{session_id}").json()
    assert (ended["status"], ended["position_s"]) == ("ended", 60.0)
    assert WatchHistory.objects.filter(user=user).count() == 1
    assert ViewSummary.objects.filter(session_id=session_id).count() == 1
    assert put(viewer, session_id, {"sequence": 7}).status_code == 409


def test_a_session_whose_row_moved_ahead_while_redis_was_away_continues_from_the_row(user, movie, start, store):
    """Redis cut off, not restarted: its copy is older than the row the database path wrote meanwhile."""
    viewer, _ = client_for(user)
    session_id = started(viewer, movie, start)
    answered(viewer, session_id, {"sequence": 1, "state": "playing", "position_s": 10})
    # What the database path did while this process could not reach Redis.
    PlaybackSession.objects.filter(pk=session_id).update(last_sequence=8, position_s=80.0, watch_time_s=70.0)

    checkpoint_due(store, session_id)
    answered(viewer, session_id, {"sequence": 9, "position_s": 90})  # Redis's copy was behind: the row wins

    row = PlaybackSession.objects.get(pk=session_id)
    assert (row.last_sequence, row.position_s, row.watch_time_s) == (8, 80.0, 70.0)
    again = answered(viewer, session_id, {"sequence": 10, "position_s": 100})
    assert (again["applied"], again["last_sequence"]) == (True, 10)
    assert store.session_read(session_id).watch_time_s >= 70.0  # the database path's accounting is kept


def test_a_worker_killed_between_an_update_and_its_checkpoint_costs_one_interval_at_most(user, movie, start, store):
    viewer, _ = client_for(user)
    session_id = started(viewer, movie, start)
    answered(viewer, session_id, {"sequence": 1, "state": "playing", "position_s": 10})
    checkpoint_due(store, session_id)
    from django.utils import timezone

    # The worker applies the update and claims the checkpoint, then dies before writing the row.
    claimed = store.update_once(
        session_id=session_id,
        metrics={"sequence": 2, "position_s": 20},
        at=timezone.now(),
        user=user,
        session=None,
        controls_checked=True,
        slack_s=60.0,
        controls_period_s=60,
    )
    assert claimed.checkpoint_due
    assert PlaybackSession.objects.get(pk=session_id).last_sequence == -1

    checkpoint_due(store, session_id)  # the next interval
    answered(viewer, session_id, {"sequence": 3, "position_s": 30})

    row = PlaybackSession.objects.get(pk=session_id)
    assert (row.last_sequence, row.position_s) == (3, 30.0)  # nothing of the live state was lost
