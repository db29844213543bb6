"""Events between services: delivered after the sender's transaction commits, a failing receiver only logged."""

import datetime as dt
import logging

import pytest
from django.db import connection, transaction
from django.utils import timezone

from analytics.models import Event as AnalyticsEvent
from catalog.tests.factories import TitleFactory
from identity.models import WatchHistory
from stream.models import PlaybackSession, SessionStatus
from stream.tests.factories import CdnFactory, PlaybackSessionFactory
from streaming_platform.events import Event


@pytest.fixture
def announced():
    """An event with one receiver that writes down what it heard."""
    event = Event("something_happened", sender_app="catalog")
    heard = []

    def receiver(**payload):
        heard.append(payload)

    event.connect(receiver)
    return event, heard


@pytest.mark.django_db(transaction=True)
def test_receivers_hear_an_event_only_once_the_transaction_commits(announced):
    event, heard = announced

    with transaction.atomic():
        event.send_on_commit(value=1)
        assert heard == []
    assert heard == [{"value": 1}]

    with pytest.raises(RuntimeError), transaction.atomic():
        event.send_on_commit(value=2)
        raise RuntimeError("the sender's work is rolled back")
    assert heard == [{"value": 1}]


@pytest.mark.django_db(transaction=True)
def test_a_failing_receiver_is_logged_and_the_others_still_hear(announced, caplog):
    event, heard = announced

    def broken(**payload):
        raise ValueError("receiver bug")

    event.connect(broken)
    with caplog.at_level(logging.ERROR, logger="streaming_platform.events"):
        event.send_on_commit(value=3)

    assert heard == [{"value": 3}]
    [record] = [r for r in caplog.records if r.name == "streaming_platform.events"]
    assert "broken" in record.getMessage() and "something_happened" in record.getMessage()
    assert record.exc_info[0] is ValueError


@pytest.mark.django_db(transaction=True)
def test_a_receiver_failing_in_the_database_leaves_the_ended_session_and_its_history(
    user, user_client, monkeypatch, caplog
):
    """On PostgreSQL a failed query inside the sender's transaction used to abort it: the end was lost."""
    movie = TitleFactory(runtime_s=6000)
    session = PlaybackSessionFactory(
        user=user,
        title=movie,
        cdn=CdnFactory(name="cdn-us", regions=["US"]),
        first_frame_at=timezone.now() - dt.timedelta(seconds=50),
        position_s=1200.0,
    )

    def failing_query(*, user):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")

    monkeypatch.setattr("recommend.receivers.recommendations_invalidate", failing_query)
    with caplog.at_level(logging.ERROR, logger="streaming_platform.events"):
        response = user_client.delete(f"/api/stream/sessions/{session.pk}")

    assert response.status_code == 200
    assert PlaybackSession.objects.get(pk=session.pk).status == SessionStatus.ENDED
    assert WatchHistory.objects.get(user=user, title=movie).position_s == 1200
    # Analytics, the other receiver of the same event, still recorded the progress.
    assert AnalyticsEvent.objects.filter(type="history_update", user=user, title=movie).exists()
    assert any("viewer_changed" in r.getMessage() for r in caplog.records if r.name == "streaming_platform.events")
