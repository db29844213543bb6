"""Factories for recommend tests: history rows and a small hand-built catalog."""

import datetime as dt

import factory
from django.utils import timezone

from identity.tests.factories import WatchHistoryFactory


class CompletedWatchFactory(WatchHistoryFactory):
    """A title watched to the end a day ago."""

    position_s = 0.0
    duration_s = 6000.0
    completed = True
    watch_count = 1
    last_watched_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))


class AbandonedWatchFactory(WatchHistoryFactory):
    """A title given up after five minutes."""

    position_s = 300.0
    duration_s = 6000.0
    completed = False
    watch_count = 0
