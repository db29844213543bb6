"""Watch history rules, parental controls as restrictions and viewing limits, through the service API."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalog.models import Maturity
from catalog.selectors import titles_visible_to
from catalog.tests.factories import EpisodeFactory, GenreFactory, SeasonFactory, ShowFactory, TitleFactory
from identity import selectors, services
from identity.models import DailyWatchTime, WatchHistory
from identity.tests.factories import ParentalControlsFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_history_below_five_percent_keeps_no_resume_point(user):
    title = TitleFactory(runtime_s=6000)

    entry = services.history_record(user=user, title=title, position_s=200)

    assert entry.position_s == 0
    assert entry.duration_s == 6000
    assert not entry.completed
    assert selectors.resume_position_for(user=user, title=title) is None


def test_history_between_five_and_ninety_percent_is_a_resume_point(user):
    title = TitleFactory()

    services.history_record(user=user, title=title, position_s=1200, duration_s=6000)

    assert selectors.resume_position_for(user=user, title=title) == 1200


def test_history_above_ninety_percent_counts_as_watched_once_per_viewing(user):
    title = TitleFactory()
    services.history_record(user=user, title=title, position_s=3000, duration_s=6000)

    services.history_record(user=user, title=title, position_s=5500, duration_s=6000)
    entry = services.history_record(user=user, title=title, position_s=5900, duration_s=6000)

    assert entry.completed and entry.watch_count == 1 and entry.position_s == 0
    assert selectors.resume_position_for(user=user, title=title) is None
    # A second viewing that gets past the middle and then to the end counts again.
    services.history_record(user=user, title=title, position_s=3000, duration_s=6000)
    entry = services.history_record(user=user, title=title, position_s=6000, duration_s=6000)
    assert entry.watch_count == 2
    assert WatchHistory.objects.filter(user=user, title=title).count() == 1


def test_short_items_count_as_watched(user):
    title = TitleFactory(runtime_s=240)

    entry = services.history_record(user=user, title=title, position_s=60)

    assert entry.completed and entry.watch_count == 1 and entry.position_s == 0


def test_history_is_one_row_per_episode_and_one_per_title(user):
    episode = EpisodeFactory()
    show = episode.season.show
    movie = TitleFactory()

    services.history_record(user=user, title=show, episode=episode, position_s=600)
    services.history_record(user=user, title=show, episode=episode, position_s=900)
    services.history_record(user=user, title=movie, position_s=900, duration_s=6000)
    services.history_record(user=user, title=movie, position_s=1000, duration_s=6000)

    assert WatchHistory.objects.filter(user=user, title=show, episode=episode).get().position_s == 900
    assert WatchHistory.objects.filter(user=user, title=movie, episode__isnull=True).get().position_s == 1000
    with pytest.raises(ValidationError) as refused:
        services.history_record(user=user, title=show, position_s=900)
    assert "episode" in refused.value.message_dict


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"position_s": -1}, "position_s"),
        ({"position_s": 7000}, "position_s"),
        ({"position_s": 10, "duration_s": 0}, "duration_s"),
        ({"position_s": 10, "rating": 6}, "rating"),
        ({"position_s": 10, "watched_s": -5}, "watched_s"),
    ],
)
def test_history_rejects_bad_values(user, kwargs, field):
    with pytest.raises(ValidationError) as error:
        services.history_record(user=user, title=TitleFactory(runtime_s=6000), **kwargs)

    assert field in error.value.message_dict
    assert not WatchHistory.objects.exists()


def test_history_rejects_an_episode_of_another_show(user):
    episode = EpisodeFactory()

    with pytest.raises(ValidationError) as error:
        services.history_record(user=user, title=ShowFactory(), episode=episode, position_s=10)

    assert "episode" in error.value.message_dict


def test_an_older_update_does_not_move_the_resume_point_back(user):
    title = TitleFactory()
    now = timezone.now()
    services.history_record(user=user, title=title, position_s=3000, watched_at=now)

    entry = services.history_record(user=user, title=title, position_s=1000, watched_at=now - dt.timedelta(hours=1))

    assert entry.position_s == 3000 and entry.last_watched_at == now


def test_history_interactions_expose_progress_and_rating(user):
    watched, started = TitleFactory(), TitleFactory()
    services.history_record(user=user, title=watched, position_s=6000, rating=4.0)
    services.history_record(user=user, title=started, position_s=1500)

    rows = {row["title_id"]: row for row in selectors.history_interactions().values()}

    assert rows[watched.pk]["progress"] == 1.0 and rows[watched.pk]["rating"] == 4.0
    assert rows[watched.pk]["completed"] and rows[watched.pk]["watch_count"] == 1
    assert rows[started.pk]["progress"] == pytest.approx(0.25) and rows[started.pk]["rating"] is None


def test_restrictions_follow_parental_controls(user):
    drama = GenreFactory(name="Drama")
    kids = TitleFactory(maturity_rating=Maturity.G)
    adult = TitleFactory(maturity_rating=Maturity.R)
    unrated = TitleFactory(maturity_rating=None)
    dramatic = TitleFactory(maturity_rating=Maturity.PG, genres=[drama])
    assert set(titles_visible_to(user)) == {kids, adult, unrated, dramatic}

    ParentalControlsFactory(user=user, max_maturity=Maturity.PG, block_unrated=True, blocked_genres=[drama])
    user.refresh_from_db()

    assert set(titles_visible_to(user)) == {kids}
    assert selectors.content_restrictions_for(user).blocked_genre_ids == {drama.pk}


def test_anonymous_viewers_are_unrestricted():
    from django.contrib.auth.models import AnonymousUser

    assert selectors.content_restrictions_for(AnonymousUser()).is_unrestricted
    assert selectors.content_restrictions_for(None).is_unrestricted


def test_viewing_allowed_without_controls(user):
    assert selectors.viewing_allowed_now(user=user) == (True, None)


def test_viewing_hours_are_in_the_users_time_zone():
    user = UserFactory(time_zone="Europe/Berlin")
    ParentalControlsFactory(user=user, viewing_start=dt.time(7), viewing_end=dt.time(20))
    berlin = ZoneInfo("Europe/Berlin")

    allowed, _ = selectors.viewing_allowed_now(user=user, at=dt.datetime(2026, 11, 25, 19, 30, tzinfo=berlin))
    refused, reason = selectors.viewing_allowed_now(user=user, at=dt.datetime(2026, 11, 25, 20, 30, tzinfo=berlin))
    # 19:30 UTC is 20:30 in Berlin.
    refused_utc, _ = selectors.viewing_allowed_now(user=user, at=dt.datetime(2026, 11, 25, 19, 30, tzinfo=dt.UTC))

    assert allowed and not refused and not refused_utc
    assert "07:00 to 20:00" in reason


def test_viewing_hours_may_cross_midnight(user):
    ParentalControlsFactory(user=user, viewing_start=dt.time(18), viewing_end=dt.time(2))

    assert selectors.viewing_allowed_now(user=user, at=dt.datetime(2026, 11, 25, 23, tzinfo=dt.UTC))[0]
    assert selectors.viewing_allowed_now(user=user, at=dt.datetime(2026, 11, 26, 1, tzinfo=dt.UTC))[0]
    assert not selectors.viewing_allowed_now(user=user, at=dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC))[0]


def test_viewing_days(user):
    ParentalControlsFactory(user=user, viewing_days=[5, 6])

    allowed, reason = selectors.viewing_allowed_now(user=user, at=dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC))

    assert not allowed and reason == "Viewing is not allowed on Wednesdays."
    assert selectors.viewing_allowed_now(user=user, at=dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC))[0]


def test_daily_limit_counts_watched_time_per_local_day():
    user = UserFactory(time_zone="America/New_York")
    ParentalControlsFactory(user=user, daily_limit_minutes=60)
    title = TitleFactory()
    # 03:00 UTC on the 26th is still the 25th in New York.
    late = dt.datetime(2026, 11, 26, 3, tzinfo=dt.UTC)

    services.history_record(user=user, title=title, position_s=1800, watched_at=late, watched_s=1800)
    assert selectors.viewing_allowed_now(user=user, at=late)[0]
    services.history_record(user=user, title=title, position_s=3600, watched_at=late, watched_s=1800)
    allowed, reason = selectors.viewing_allowed_now(user=user, at=late)

    assert not allowed and "daily limit of 60 minutes" in reason
    assert DailyWatchTime.objects.get(user=user).day == dt.date(2026, 11, 25)
    # The next local day starts afresh.
    assert selectors.viewing_allowed_now(user=user, at=late + dt.timedelta(days=1))[0]


def test_history_record_tells_recommend_and_analytics(user, django_capture_on_commit_callbacks):
    from analytics.models import Event
    from recommend.models import RecommenderState

    title = TitleFactory()

    with django_capture_on_commit_callbacks(execute=True) as announced:
        services.history_record(user=user, title=title, position_s=1200)

    assert len(announced) == 1  # one history_changed event, delivered after commit
    assert RecommenderState.objects.get().new_history == 1
    event = Event.objects.get(type="history_update")
    assert event.user == user and event.title == title and event.properties["position_s"] == 1200


def test_history_changes_are_not_announced_before_commit(user):
    from recommend.models import RecommenderState

    # The test's transaction never commits, so the receivers never run.
    services.history_record(user=user, title=TitleFactory(), position_s=1200)

    assert not RecommenderState.objects.filter(new_history__gt=0).exists()


def test_continue_watching_keeps_visible_titles_and_next_up(user):
    movie = TitleFactory()
    gone = TitleFactory(regions=["DE"])
    season = SeasonFactory(number=1)
    first, second = EpisodeFactory(season=season, number=1), EpisodeFactory(season=season, number=2)
    show = season.show
    now = timezone.now()
    services.history_record(user=user, title=movie, position_s=2000, watched_at=now - dt.timedelta(hours=3))
    services.history_record(user=user, title=gone, position_s=2000, watched_at=now - dt.timedelta(hours=2))
    services.history_record(user=user, title=show, episode=first, position_s=2700, watched_at=now)

    items = selectors.continue_watching_for(user=user)

    assert [item.title for item in items] == [show, movie]
    assert items[0].episode is None and items[0].next_up == second

    services.history_record(user=user, title=show, episode=second, position_s=2700)
    assert [item.title for item in selectors.continue_watching_for(user=user)] == [movie]


def test_preference_selectors(user):
    from identity.tests.factories import PreferencesFactory

    assert selectors.favourite_genre_ids_for(user=user) == []
    assert selectors.preferences_for(user=user).pk is None
    drama = GenreFactory(name="Drama")
    PreferencesFactory(user=user).favourite_genres.add(drama)

    assert selectors.favourite_genre_ids_for(user=user) == [drama.pk]
    assert selectors.preferences_for(user=user).audio_languages == ["en"]


def test_resume_position_for_anonymous_and_unknown():
    from django.contrib.auth.models import AnonymousUser

    title = TitleFactory()

    assert selectors.resume_position_for(user=AnonymousUser(), title=title) is None
    assert selectors.resume_position_for(user=UserFactory(), title=title) is None


def test_hiding_from_continue_watching_keeps_history(user):
    title = TitleFactory()
    services.history_record(user=user, title=title, position_s=2000)

    services.continue_watching_hide(user=user, title=title)

    assert selectors.continue_watching_for(user=user) == []
    assert selectors.resume_position_for(user=user, title=title) == 2000
