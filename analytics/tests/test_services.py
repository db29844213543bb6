"""The analytics services other apps call, and the rollup rebuild."""

import datetime as dt

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from analytics.marks import hours_decode, ids_decode
from analytics.models import DailyActiveUsers, DailyRollup, EngagementHours, Event, Viewer, ViewRollup, ViewSummary
from analytics.services import rollups_rebuild, server_event_record
from analytics.tests.factories import view_record
from catalog.tests.factories import EpisodeFactory, ShowFactory, TitleFactory
from identity.tests.factories import UserFactory

START = dt.datetime(2026, 3, 2, 20, 15, tzinfo=dt.UTC)


def _hours(*hours: int) -> int:
    return sum(1 << hour for hour in hours)


def _daily_sets() -> dict[tuple, dict]:
    """Every per-day set: {(day, region, device): {"users": {user: hours}, "watched": [(user, title, hours)]}}."""
    return {
        (sets.day, sets.region, sets.device_type): {
            "users": dict(zip(ids_decode(sets.user_ids).tolist(), hours_decode(sets.user_hours).tolist(), strict=True)),
            "watched": list(
                zip(
                    ids_decode(sets.watched_user_ids).tolist(),
                    ids_decode(sets.watched_title_ids).tolist(),
                    hours_decode(sets.watched_hours).tolist(),
                    strict=True,
                )
            ),
        }
        for sets in DailyActiveUsers.objects.all()
    }


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
    assert sorted(day for day, _, _ in _daily_sets()) == [START.date() - dt.timedelta(days=3), START.date()]


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
    # The login and the history update made the user active; the search had no user.
    assert {user_id for sets in _daily_sets().values() for user_id in sets["users"]} == {user.pk}


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
    live_viewers = set(Viewer.objects.values_list("user_id", "first_view_at"))
    daily_fields = [f for f in fields if f not in ("hour", "title_id")] + ["kind", "startup_values"]
    live_daily = list(DailyRollup.objects.order_by("day", "region", "device_type", "cdn").values(*daily_fields))
    live_sets = _daily_sets()
    live_hours = set(EngagementHours.objects.values_list("day", "region", "device_type", "kind", "sums"))

    counts = rollups_rebuild()

    assert list(DailyRollup.objects.order_by("day", "region", "device_type", "cdn").values(*daily_fields)) == live_daily
    assert _daily_sets() == live_sets
    assert set(EngagementHours.objects.values_list("day", "region", "device_type", "kind", "sums")) == live_hours

    assert list(ViewRollup.objects.order_by("hour", "title_id").values(*fields)) == live_rollups
    assert set(Viewer.objects.values_list("user_id", "first_view_at")) == live_viewers
    # Sets: the views' web sets of both days and the login's (no device); engagement hours: one per day.
    assert counts == {"view_rollups": 3, "daily_user_sets": 3, "engagement_hours": 2, "viewers": 2}
    assert ViewSummary.objects.count() == 3


def test_daily_sets_keep_the_hours_of_each_user_and_title(db):
    viewer, other = UserFactory(country="US"), UserFactory(country="US")
    alpha, beta = TitleFactory(), TitleFactory()
    at = {hour: START.replace(hour=hour) for hour in (10, 20, 22, 23)}
    view_record(user=viewer, title=beta, region="US", device_type="tv", started_at=at[20])
    view_record(user=viewer, title=alpha, region="US", device_type="tv", started_at=at[22])
    view_record(user=viewer, title=beta, region="US", device_type="tv", started_at=at[23])
    view_record(user=other, title=alpha, region="US", device_type="tv", started_at=at[20])
    view_record(user=other, title=alpha, region="US", device_type="web", started_at=at[20])
    server_event_record(type="login", user=viewer, occurred_at=at[10], device_type="tv")
    server_event_record(type="login", user=other, occurred_at=at[10] + dt.timedelta(days=1), device_type="tv")

    live = _daily_sets()

    day, next_day = START.date(), START.date() + dt.timedelta(days=1)
    assert set(live) == {(day, "US", "tv"), (day, "US", "web"), (next_day, "US", "tv")}
    assert live[(day, "US", "tv")]["users"] == {viewer.pk: _hours(10, 20, 22, 23), other.pk: _hours(20)}
    # One entry per user x title, sorted by user then title, with the hours its views started in.
    assert live[(day, "US", "tv")]["watched"] == sorted(
        [(viewer.pk, alpha.pk, _hours(22)), (viewer.pk, beta.pk, _hours(20, 23)), (other.pk, alpha.pk, _hours(20))]
    )
    assert live[(day, "US", "web")]["watched"] == [(other.pk, alpha.pk, _hours(20))]
    assert live[(next_day, "US", "tv")] == {"users": {other.pk: _hours(10)}, "watched": []}

    rollups_rebuild()

    assert _daily_sets() == live


def test_engagement_hours_sum_each_hour_per_kind(db):
    movie, show = TitleFactory(runtime_s=1000), ShowFactory(runtime_s=1000)
    view_record(title=movie, started_at=START, watch_time_s=950, position_s=950)  # completed
    view_record(title=movie, started_at=START + dt.timedelta(minutes=30), watch_time_s=100, position_s=250)
    view_record(title=show, started_at=START + dt.timedelta(hours=2), watch_time_s=500, position_s=500)

    rows = {row.kind: np.frombuffer(row.sums).reshape(24, 5) for row in EngagementHours.objects.all()}

    # Per hour: views, watch time, completed views, views with a known duration, summed reach.
    assert rows["movie"][20].tolist() == [2, 1050, 1, 2, pytest.approx(1.2)]
    assert rows["show"][22].tolist() == [1, 500, 0, 1, 0.5]
    assert rows["movie"].sum() == rows["movie"][20].sum() and rows["show"].sum() == rows["show"][22].sum()
