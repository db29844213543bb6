"""Factories for catalog data."""

import datetime as dt

import factory
from django.utils import timezone

from catalog.models import Availability, Credit, Episode, Genre, Kind, Person, Season, Title


class GenreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Genre
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Genre {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-").replace("'", ""))


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Faker("name")


class TitleFactory(factory.django.DjangoModelFactory):
    """A movie available in the US (and wherever `regions` says) since a year ago."""

    class Meta:
        model = Title
        skip_postgeneration_save = True

    kind = Kind.MOVIE
    title = factory.Sequence(lambda n: f"Title {n}")
    description = factory.Faker("sentence", nb_words=12)
    release_year = 2001
    release_date = factory.LazyAttribute(lambda o: dt.date(o.release_year, 6, 1) if o.release_year else None)
    runtime_s = 6000
    original_language = "en"

    @factory.post_generation
    def regions(obj, create, extracted, **kwargs):
        if not create:
            return
        for region in ["US"] if extracted is None else extracted:
            AvailabilityFactory(title=obj, region=region)

    @factory.post_generation
    def genres(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.genres.add(*extracted)


class ShowFactory(TitleFactory):
    kind = Kind.SHOW
    runtime_s = 2700


class CreditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Credit

    title = factory.SubFactory(TitleFactory)
    person = factory.SubFactory(PersonFactory)
    role = "cast"


class SeasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Season

    show = factory.SubFactory(ShowFactory)
    number = factory.Sequence(lambda n: n + 1)


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Episode

    season = factory.SubFactory(SeasonFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Episode {n}")
    runtime_s = 2700


class AvailabilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Availability

    title = factory.SubFactory(TitleFactory, regions=[])
    region = "US"
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=365))
    ends_at = None
