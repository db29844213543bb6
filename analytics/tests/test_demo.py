"""`seed_demo` for analytics: realistic, deterministic, idempotent, and built around existing views."""

import random

from django.db.models import Sum

from analytics.demo import BAD_CDN, DemoSeeder
from analytics.models import Event, ViewRollup, ViewSummary
from analytics.tests.factories import view_record
from catalog.tests.factories import ShowFactory, TitleFactory
from identity.tests.factories import UserFactory
from streaming_platform.demo import DemoContext


def seed(days: int = 30, events: int = 4000, seed: int = 1) -> DemoSeeder:
    seeder = DemoSeeder(DemoContext(rng=random.Random(seed), days=days, events=events))
    seeder.run()
    return seeder


def catalog_and_users(db):
    for country in ["US", "DE", "BR", "IN", "JP", "US"]:
        UserFactory(country=country)
    TitleFactory.create_batch(8)
    ShowFactory.create_batch(3)


def test_seed_creates_views_events_and_rollups_once(db):
    catalog_and_users(db)

    seeder = seed()

    views = ViewSummary.objects.count()
    assert views == 500  # events // 8
    assert Event.objects.count() >= 4000
    assert ViewRollup.objects.aggregate(n=Sum("views"))["n"] == views
    assert {"play_start", "play_end", "rebuffer", "quality_change", "page_view", "search", "login"} <= set(
        Event.objects.values_list("type", flat=True)
    )
    assert all(seeder.start <= v.started_at < seeder.end for v in ViewSummary.objects.all())
    seed()
    assert ViewSummary.objects.count() == views


def test_seed_is_deterministic(db):
    catalog_and_users(db)
    seed(seed=7)
    first = list(ViewSummary.objects.order_by("session_id").values_list("session_id", "title_id", "watch_time_s"))
    ViewSummary.objects.all().delete()
    Event.objects.all().delete()

    seed(seed=7)

    assert list(ViewSummary.objects.order_by("session_id").values_list("session_id", "title_id", "watch_time_s")) == (
        first
    )


def test_seed_has_evening_peaks_and_a_bad_cdn_day(db):
    catalog_and_users(db)
    seeder = seed(days=30, events=16000)

    views = list(ViewSummary.objects.filter(user__country="US"))
    # Factory users live on UTC, so their local evening is the UTC evening.
    evening = sum(1 for v in views if 19 <= v.started_at.hour <= 22)
    night = sum(1 for v in views if 2 <= v.started_at.hour <= 5)
    assert evening > 3 * night
    bad = ViewSummary.objects.filter(cdn=BAD_CDN, started_at__date=seeder.bad_day.date())
    good = ViewSummary.objects.exclude(cdn=BAD_CDN)

    def rebuffer_pct(rows):
        sums = rows.aggregate(r=Sum("rebuffer_duration_s"), w=Sum("watch_time_s"))
        return sums["r"] / sums["w"]

    assert bad.exists() and rebuffer_pct(bad) > 3 * rebuffer_pct(good)


def test_seed_adds_events_around_views_the_stream_service_recorded(db):
    catalog_and_users(db)
    recorded = view_record(session_id="stream-1")

    seed(events=100)

    # The recorded view is kept, not duplicated; generated ones make up the rest of the 100 // 8.
    assert ViewSummary.objects.count() == 12
    assert ViewSummary.objects.filter(session_id="stream-1").count() == 1
    assert set(Event.objects.filter(session_id="stream-1").values_list("type", flat=True)) >= {"play_start", "play_end"}
    assert recorded.title_id == Event.objects.get(session_id="stream-1", type="play_start").title_id


def test_generated_views_use_the_cdns_the_stream_service_recorded(db):
    catalog_and_users(db)
    view_record(session_id="stream-1", cdn="edge-eu")
    view_record(session_id="stream-2", cdn="edge-na")

    seed(events=800)

    assert set(ViewSummary.objects.values_list("cdn", flat=True)) == {"edge-eu", "edge-na"}
