"""Factories for identity data."""

import datetime as dt

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from catalog.tests.factories import TitleFactory
from identity.models import ParentalControls, Plan, Preferences, User, WatchHistory

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"viewer{n}@example.org")
    display_name = factory.Faker("name")
    country = "US"
    plan = Plan.STANDARD
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class PreferencesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Preferences

    user = factory.SubFactory(UserFactory)
    audio_languages = factory.LazyFunction(lambda: ["en"])


class ParentalControlsFactory(factory.django.DjangoModelFactory):
    """Controls with nothing restricted unless a test says so."""

    class Meta:
        model = ParentalControls
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)

    @factory.post_generation
    def blocked_genres(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.blocked_genres.add(*extracted)

    @factory.post_generation
    def pin(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.pin_hash = make_password(extracted)
            obj.save(update_fields=["pin_hash"])


class WatchHistoryFactory(factory.django.DjangoModelFactory):
    """A movie watched half way, a minute ago."""

    class Meta:
        model = WatchHistory

    user = factory.SubFactory(UserFactory)
    title = factory.SubFactory(TitleFactory)
    episode = None
    duration_s = 6000.0
    position_s = 3000.0
    last_watched_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=1))
