"""Recommend test fixtures: a small catalog with clear tastes, and a clean cache per test."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from catalog.tests.factories import GenreFactory, TitleFactory
from identity.tests.factories import UserFactory
from recommend.tests.factories import CompletedWatchFactory


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db):
    """Two tastes: sci-fi fans watch the sci-fi titles together, drama fans the dramas.

    `world["scifi"]` and `world["drama"]` are lists of titles; five fans of each have watched all but
    the last title of their genre, which only a few watched (so it is the natural next pick).
    """
    scifi_genre = GenreFactory(name="Science Fiction")
    drama_genre = GenreFactory(name="Drama")
    comedy_genre = GenreFactory(name="Comedy")
    scifi = [
        TitleFactory(title=name, genres=[scifi_genre], release_year=1990 + i)
        for i, name in enumerate(["Nebula", "Orbit", "Red Planet", "Star Voyage", "Deep Space", "Ion Storm"])
    ]
    drama = [
        TitleFactory(title=name, genres=[drama_genre])
        for name in ["Quiet Lives", "Harbour", "Long Winter", "The Letter", "Old Friends", "Home"]
    ]
    comedy = [TitleFactory(title=name, genres=[comedy_genre]) for name in ["Laughs", "Pratfall", "Punchline"]]
    now = timezone.now()
    fans = {"scifi": [], "drama": []}
    for group, titles in (("scifi", scifi), ("drama", drama)):
        for n in range(5):
            fan = UserFactory()
            fans[group].append(fan)
            for i, title in enumerate(titles[: 4 + (n % 2) + (n == 0)]):
                CompletedWatchFactory(user=fan, title=title, last_watched_at=now - dt.timedelta(days=30 - i))
    return {
        "genres": {"scifi": scifi_genre, "drama": drama_genre, "comedy": comedy_genre},
        "scifi": scifi,
        "drama": drama,
        "comedy": comedy,
        "fans": fans,
    }
