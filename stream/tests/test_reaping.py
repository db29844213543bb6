"""Idle sessions end by themselves (automatically and with `manage.py reap_sessions`), and only once."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from analytics.models import ViewSummary
from identity.models import WatchHistory
from stream import services
from stream.models import PlaybackSession
from stream.tests.factories import PlaybackSessionFactory

pytestmark = pytest.mark.django_db


def silent_for(minutes: float, **fields) -> PlaybackSession:
    last_seen = timezone.now() - dt.timedelta(minutes=minutes)
    return PlaybackSessionFactory(
        started_at=last_seen - dt.timedelta(minutes=20),
        last_seen_at=last_seen,
        first_frame_at=last_seen - dt.timedelta(minutes=20),
        state="playing",
        position_s=1500.0,
        watch_time_s=1200.0,
        **fields,
    )


def test_reap_sessions_command_ends_idle_sessions_once():
    idle = silent_for(6)
    alive = silent_for(1)
    out = StringIO()

    call_command("reap_sessions", stdout=out)
    call_command("reap_sessions", stdout=out)

    assert "Ended 1 idle session " in out.getvalue() and "Ended 0 idle sessions" in out.getvalue()
    idle.refresh_from_db()
    alive.refresh_from_db()
    assert (idle.status, idle.end_reason) == ("ended", "idle")
    assert idle.ended_at == idle.last_seen_at  # the view ended when the player went silent
    assert alive.status == "active"
    assert ViewSummary.objects.filter(session_id=idle.pk).count() == 1
    assert WatchHistory.objects.get(user=idle.user).position_s == 1500.0
    assert not ViewSummary.objects.filter(session_id=alive.pk).exists()


@override_settings(STREAM_IDLE_TIMEOUT_S=60)
def test_idle_timeout_is_configurable():
    idle = silent_for(2)

    services.sessions_reap_idle()

    idle.refresh_from_db()
    assert idle.status == "ended"


def test_staff_list_reaps_automatically(staff_client):
    idle = silent_for(6)

    response = staff_client.get("/api/stream/sessions")

    assert idle.pk not in {row["id"] for row in response.json()["results"]}
    idle.refresh_from_db()
    assert idle.end_reason == "idle"


def test_cdn_status_reaps_automatically(api_client):
    idle = silent_for(6)

    api_client.get("/api/stream/cdn/status")

    idle.refresh_from_db()
    assert idle.status == "ended"


def test_delete_after_reaping_returns_the_same_summary_without_recording_again(user, user_client):
    idle = silent_for(6, user=user)
    services.sessions_reap_idle()

    response = user_client.delete(f"/api/stream/sessions/{idle.pk}")

    assert response.status_code == 200
    assert response.json()["end_reason"] == "idle"
    assert ViewSummary.objects.filter(session_id=idle.pk).count() == 1


def test_update_after_reaping_is_409(user, user_client):
    idle = silent_for(6, user=user)
    services.sessions_reap_idle()

    response = user_client.put(f"/api/stream/sessions/{idle.pk}", {"sequence": 1}, format="json")

    assert response.status_code == 409


def test_end_and_reap_of_the_same_session_record_once():
    idle = silent_for(6)

    services.session_end(session_id=idle.pk, reason="client")
    services.sessions_reap_idle()
    services.session_end(session_id=idle.pk, reason="client")

    idle.refresh_from_db()
    assert idle.end_reason == "client"
    assert ViewSummary.objects.filter(session_id=idle.pk).count() == 1
