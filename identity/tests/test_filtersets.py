"""The identity filtersets on their own: what each parameter keeps, and which values are refused."""

import datetime as dt

import pytest
from django.utils import timezone

from catalog.tests.factories import EpisodeFactory
from identity.filtersets import UserFilterSet, WatchHistoryFilterSet
from identity.models import User, WatchHistory
from identity.tests.factories import UserFactory, WatchHistoryFactory

pytestmark = pytest.mark.django_db


def test_user_filterset():
    anna = UserFactory(email="anna@example.org", country="DE", plan="premium")
    UserFactory(email="bob@example.org", country="US", plan="basic")

    def emails(data):
        filterset = UserFilterSet(data=data, queryset=User.objects.all())
        assert filterset.is_valid(), filterset.errors
        return [user.email for user in filterset.qs]

    assert emails({"country": "de"}) == [anna.email]
    assert emails({"plan": "premium", "email": "ANNA"}) == [anna.email]
    assert not UserFilterSet(data={"plan": "gold"}, queryset=User.objects.all()).is_valid()
    assert not UserFilterSet(data={"country": "DEU"}, queryset=User.objects.all()).is_valid()


def test_watch_history_filterset():
    user = UserFactory()
    movie = WatchHistoryFactory(user=user, completed=True)
    episode = EpisodeFactory()
    show = WatchHistoryFactory(
        user=user,
        title=episode.season.show,
        episode=episode,
        duration_s=2700,
        position_s=900,
        last_watched_at=timezone.now() - dt.timedelta(days=3),
    )

    def ids(data):
        filterset = WatchHistoryFilterSet(data=data, queryset=WatchHistory.objects.all())
        assert filterset.is_valid(), filterset.errors
        return {entry.pk for entry in filterset.qs}

    assert ids({"kind": "movie"}) == {movie.pk}
    assert ids({"completed": "true"}) == {movie.pk}
    assert ids({"until": (timezone.now() - dt.timedelta(days=1)).isoformat()}) == {show.pk}
    assert ids({"title": episode.season.show.pk}) == {show.pk}
    assert not WatchHistoryFilterSet(data={"kind": "song"}, queryset=WatchHistory.objects.all()).is_valid()
