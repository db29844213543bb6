"""Factories for analytics data: events and view summaries."""

import datetime as dt

import factory
from django.utils import timezone

from analytics.models import Event, EventSource, ViewSummary
from catalog.tests.factories import TitleFactory
from identity.tests.factories import UserFactory


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    client_id = factory.Sequence(lambda n: f"evt-{n}")
    type = "page_view"
    source = EventSource.CLIENT
    occurred_at = factory.LazyFunction(timezone.now)
    user = factory.SubFactory(UserFactory)
    region = factory.LazyAttribute(lambda o: o.user.country if o.user else "")
    device_type = "web"
    properties = factory.LazyFunction(lambda: {"page": "home"})


class ViewSummaryFactory(factory.DictFactory):
    """Keyword arguments for `view_summary_record`, so views go through the service and its rollups.

    Use `view_record(**overrides)` below to store one.
    """

    session_id = factory.Sequence(lambda n: f"session-{n}")
    user = factory.SubFactory(UserFactory)
    title = factory.SubFactory(TitleFactory)
    episode = None
    region = "US"
    device_type = "web"
    cdn = "cdn-a"
    started_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    ended_at = factory.LazyAttribute(lambda o: o.started_at + dt.timedelta(seconds=o.watch_time_s + 60))
    startup_time_ms = 1000.0
    watch_time_s = 600.0
    rebuffer_count = 0
    rebuffer_duration_s = 0.0
    avg_bitrate_kbps = 3000.0
    rendition_switches = 0
    dropped_frames = 0
    exited_before_start = False
    fatal_error = False
    error_code = ""
    position_s = 600.0
    duration_s = None


def view_record(**overrides) -> ViewSummary:
    from analytics.services import view_summary_record

    return view_summary_record(**ViewSummaryFactory(**overrides))
