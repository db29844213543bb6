"""Factories for stream data."""

import datetime as dt

import factory
from django.utils import timezone

from catalog.tests.factories import TitleFactory
from identity.tests.factories import UserFactory, main_profile
from stream.models import Cdn, PlaybackSession


class CdnFactory(factory.django.DjangoModelFactory):
    """A healthy CDN serving the US with room for 100 sessions."""

    class Meta:
        model = Cdn
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"cdn-{n}")
    base_url = factory.LazyAttribute(lambda o: f"https://{o.name}.example.net")
    regions = factory.LazyFunction(lambda: ["US"])
    capacity = 100
    weight = 100
    enabled = True


class PlaybackSessionFactory(factory.django.DjangoModelFactory):
    """An active session of a US viewer on the web that started a minute ago and is playing."""

    class Meta:
        model = PlaybackSession

    user = factory.SubFactory(UserFactory)
    profile = factory.LazyAttribute(lambda o: main_profile(o.user))
    title = factory.SubFactory(TitleFactory)
    cdn = factory.SubFactory(CdnFactory)
    region = "US"
    device_type = "web"
    device_id = factory.Sequence(lambda n: f"device-{n}")
    max_height = 1080
    ladder_kbps = factory.LazyFunction(lambda: [2000, 145, 365, 730, 1100, 3000, 4500, 6000, 7800])
    started_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=1))
    last_seen_at = factory.LazyAttribute(lambda o: o.started_at)
    duration_s = 6000.0
