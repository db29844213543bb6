"""Factories for identity data."""

import datetime as dt
import functools

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from catalog.tests.factories import TitleFactory
from identity.models import ParentalControls, Plan, Preferences, Profile, User, WatchHistory

TEST_PASSWORD = "correct-horse-battery-staple"


@functools.cache
def hashed_test_password() -> str:
    """TEST_PASSWORD hashed once per run: the password hasher is deliberately slow."""
    return make_password(TEST_PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    """A US viewer on the standard plan whose password is TEST_PASSWORD (or `password=` when given)."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"viewer{n}@example.org")
    display_name = factory.Faker("name")
    country = "US"
    plan = Plan.STANDARD
    password = None

    @classmethod
    def _create(cls, model_class, *args, password=None, **kwargs):
        kwargs["password"] = make_password(password) if password else hashed_test_password()
        user = super()._create(model_class, *args, **kwargs)
        Profile.objects.create(account=user, name=(user.display_name or user.email)[:50], is_main=True)
        return user


def main_profile(user: User) -> Profile:
    return Profile.objects.get(account=user, is_main=True)


def _main_profile_of(row) -> Profile | None:
    return main_profile(row.user) if row.user.pk else None


class ProfileFactory(factory.django.DjangoModelFactory):
    """A second (not main) profile of an account."""

    class Meta:
        model = Profile
        skip_postgeneration_save = True

    account = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Profile {n}")
    is_kids = False


class KidsProfileFactory(ProfileFactory):
    """A kids profile: PG at most, unrated titles blocked (as the service creates one)."""

    is_kids = True
    name = factory.Sequence(lambda n: f"Kid {n}")

    @factory.post_generation
    def controls(obj, create, extracted, **kwargs):
        from catalog.models import Maturity

        if create:
            ParentalControls.objects.create(user=obj.account, profile=obj, max_maturity=Maturity.PG, block_unrated=True)


class PreferencesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Preferences

    user = factory.SubFactory(UserFactory)
    profile = factory.LazyAttribute(_main_profile_of)
    audio_languages = factory.LazyFunction(lambda: ["en"])


class ParentalControlsFactory(factory.django.DjangoModelFactory):
    """Controls with nothing restricted unless a test says so."""

    class Meta:
        model = ParentalControls
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    profile = factory.LazyAttribute(_main_profile_of)

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
    profile = factory.LazyAttribute(_main_profile_of)
    title = factory.SubFactory(TitleFactory)
    episode = None
    duration_s = 6000.0
    position_s = 3000.0
    last_watched_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=1))
