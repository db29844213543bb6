"""The analytics services other apps call, and the rollup rebuild."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from analytics.models import DailyActiveUsers, DailyRollup, Event, UserActivity, Viewer, ViewRollup, ViewSummary
from analytics.services import rollups_rebuild, server_event_record
from analytics.tests.factories import view_record
from catalog.tests.factories import EpisodeFactory, TitleFactory
from identity.tests.factories import UserFactory

START = dt.datetime(2026, 3, 2, 20, 15, tzinfo=dt.UTC)


def test_a_session_is_recorded_once(db):
    first = view_record(session_id="s-1", started_at=START, watch_time_s=600)
    again = view_record(session_id="s-1", started_at=START, watch_time_s=9999)

    assert again.pk == first.pk and again.watch_time_s == 600
    rollup = ViewRollup.objects.get()
    assert (rollup.views, rollup.watch_time_s, rollup.hour) == (1, 600, START.replace(minute=0))


def test_views_in_the_same_hour_and_key_share_a_rollup(db):
    title = TitleFactory(runtime_s=1000)
    view_record(title=title, started_at=START, position_s=950, watch_time_s=950, avg_bitrate_kbps=2000)
    view_record(title=title, started_at=START + dt.timedelta(minutes=30), position_s=100, avg_bitrate_kbps=None)

    rollup = ViewRollup.objects.get()
    assert (rollup.views, rollup.completed_views, rollup.reach_views) == (2, 1, 2)
    assert rollup.reach_sum == pytest.approx(1.05)
    assert (rollup.bitrate_weighted_sum, rollup.bitrate_watch_time_s) == (2000 * 950, 950)


def test_duration_comes_from_the_episode_then_the_title(db):
    episode = EpisodeFactory(runtime_s=2000)
    view = view_record(title=episode.season.show, episode=episode, position_s=1000)
    assert (view.duration_s, view.reach, view.completed) == (2000, 0.5, False)
    movie = view_record(title=TitleFactory(runtime_s=None), position_s=1000)
    assert (movie.duration_s, movie.reach) == (None, None)


def test_first_view_time_is_kept_per_viewer(db):
    user = UserFactory()
    view_record(user=user, started_at=START)
    view_record(user=user, started_at=START - dt.timedelta(days=3))

    assert Viewer.objects.get(user=user).first_view_at == START - dt.timedelta(days=3)
    assert UserActivity.objects.filter(user=user, viewed=True).count() == 2


def test_server_events_from_other_services(db):
    user = UserFactory(country="FR")
    title = TitleFactory()

    login = server_event_record(type="login", user=user)
    history = server_event_record(type="history_update", user=user, title=title, properties={"position_s": 30})
    search = server_event_record(type="search", properties={"query": "space"})

    assert (login.region, login.source) == ("FR", "server")
    assert history.title == title and history.properties == {"position_s": 30}
    assert search.user is None and search.region == ""
    assert Event.objects.count() == 3
    assert UserActivity.objects.filter(user=user).count() == 1


def test_unknown_server_event_type_is_refused(db):
    with pytest.raises(ValidationError):
        server_event_record(type="teleport")
    assert not Event.objects.exists()


def test_rebuild_gives_the_same_rollups_as_live_updates(db):
    user = UserFactory()
    view_record(user=user, started_at=START, startup_time_ms=800, rebuffer_count=2, rebuffer_duration_s=4)
    view_record(user=user, started_at=START, exited_before_start=True, startup_time_ms=None, watch_time_s=0)
    view_record(started_at=START + dt.timedelta(hours=5), fatal_error=True)
    server_event_record(type="login", user=user, occurred_at=START + dt.timedelta(hours=2))
    fields = ["hour", "day", "title_id", "region", "device_type", "cdn", "views", "watch_time_s", "completed_views",
              "reach_views", "reach_sum", "startup_views", "startup_sum_ms", "rebuffer_count", "rebuffer_duration_s",
              "bitrate_weighted_sum", "bitrate_watch_time_s", "ebvs_views", "failed_views"]  # fmt: skip
    live_rollups = list(ViewRollup.objects.order_by("hour", "title_id").values(*fields))
    live_activity = set(UserActivity.objects.values_list("hour", "day", "user_id", "region", "device_type", "viewed"))
    live_viewers = set(Viewer.objects.values_list("user_id", "first_view_at"))
    daily_fields = [f for f in fields if f not in ("hour", "title_id")] + ["kind", "startup_values"]
    live_daily = list(DailyRollup.objects.order_by("day", "region", "device_type", "cdn").values(*daily_fields))
    live_users = set(DailyActiveUsers.objects.values_list("day", "region", "device_type", "user_ids", "viewer_ids"))

    counts = rollups_rebuild()

    assert list(DailyRollup.objects.order_by("day", "region", "device_type", "cdn").values(*daily_fields)) == live_daily
    assert set(DailyActiveUsers.objects.values_list("day", "region", "device_type", "user_ids", "viewer_ids")) == (
        live_users
    )

    assert list(ViewRollup.objects.order_by("hour", "title_id").values(*fields)) == live_rollups
    assert set(UserActivity.objects.values_list("hour", "day", "user_id", "region", "device_type", "viewed")) == (
        live_activity
    )
    assert set(Viewer.objects.values_list("user_id", "first_view_at")) == live_viewers
    assert counts == {"view_rollups": 3, "activity": len(live_activity), "viewers": 2}
    assert ViewSummary.objects.count() == 3
