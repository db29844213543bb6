"""Two session starts racing for the plan's last slot: exactly one wins, the other gets 409.

The race runs on a SQLite file (WAL, BEGIN IMMEDIATE, busy timeout: the production settings) because
the in-memory test database shares one cache between connections and locks differently.
"""

import sqlite3
import threading
import time

import pytest
from django.db import connection, connections

from catalog.tests.factories import TitleFactory
from identity.models import Plan
from identity.tests.factories import UserFactory
from stream import selectors, services
from stream.models import PlaybackSession
from stream.tests.factories import CdnFactory


@pytest.fixture
def file_database(transactional_db, tmp_path, monkeypatch):
    """Copies the test database into a file and makes every new connection (one per thread) open the file."""
    path = tmp_path / "race.sqlite3"

    def switch():
        if connection.vendor != "sqlite":
            # PostgreSQL: every thread's connection already reaches the shared test database.
            return None
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        # A new settings dict for new connections only: this thread's connection shares the old dict, and
        # pointing it at the file would let it close (and so destroy) the in-memory test database.
        monkeypatch.setitem(connections.settings, "default", {**connections.settings["default"], "NAME": str(path)})
        return path

    return switch


def test_two_starts_for_the_last_slot_do_not_both_pass(file_database, monkeypatch):
    viewer = UserFactory(plan=Plan.BASIC)
    movie = TitleFactory()
    CdnFactory(name="cdn-us")
    path = file_database()
    counted = selectors.sessions_active_for

    def slow_count(*, user):
        # Widen the window between counting the active sessions and inserting the new one.
        sessions = list(counted(user=user))
        time.sleep(0.3)
        return PlaybackSession.objects.filter(pk__in=[session.pk for session in sessions])

    monkeypatch.setattr(selectors, "sessions_active_for", slow_count)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def contender(device_id: str) -> None:
        try:
            barrier.wait()
            services.session_start(user=viewer, title_id=movie.pk, device_type="tv", device_id=device_id)
            outcomes.append("started")
        except services.TooManyStreams:
            outcomes.append("409")
        except Exception as exc:  # any other outcome fails the assertion below, with its reason
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=contender, args=(name,)) for name in ("tv", "phone")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["409", "started"]
    if path is None:
        active = PlaybackSession.objects.filter(status="active").count()
    else:
        with sqlite3.connect(path) as db:
            active = db.execute("SELECT COUNT(*) FROM stream_playbacksession WHERE status = 'active'").fetchone()[0]
    assert active == 1
