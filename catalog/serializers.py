"""Output shapes of the catalog API: title cards for lists and search, full pages for detail."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Availability, Credit, Episode, Genre, Maturity, Season, Title


@extend_schema_field(OpenApiTypes.STR)
class MaturityField(serializers.Field):
    """The rating's label (`PG-13`), or null when the title is not rated."""

    def to_representation(self, value):
        return Maturity(value).label if value is not None else None


class GenreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Genre
        fields = ["id", "slug", "name"]


class TitleCardSerializer(serializers.ModelSerializer):
    """What a list or a search result shows of a title."""

    maturity_rating = MaturityField(allow_null=True)
    genres = GenreSerializer(many=True)

    class Meta:
        model = Title
        fields = [
            "id",
            "kind",
            "title",
            "release_year",
            "release_date",
            "runtime_s",
            "original_language",
            "maturity_rating",
            "popularity",
            "genres",
        ]


class CreditSerializer(serializers.ModelSerializer):
    person_id = serializers.IntegerField(source="person.id")
    name = serializers.CharField(source="person.name")

    class Meta:
        model = Credit
        fields = ["person_id", "name", "role", "character", "order"]


class AvailabilitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Availability
        fields = ["region", "starts_at", "ends_at"]


class EpisodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Episode
        fields = ["id", "number", "title", "description", "runtime_s", "air_date"]


class SeasonSerializer(serializers.ModelSerializer):
    episodes = EpisodeSerializer(many=True)

    class Meta:
        model = Season
        fields = ["id", "number", "title", "episodes"]


class TitleDetailSerializer(TitleCardSerializer):
    """A title page: the card plus description, identifiers, people and the viewer's region's windows."""

    people = CreditSerializer(source="credits", many=True)
    availability = AvailabilitySerializer(source="availabilities", many=True)

    class Meta(TitleCardSerializer.Meta):
        fields = [*TitleCardSerializer.Meta.fields, "description", "external_ids", "people", "availability"]


class ShowDetailSerializer(TitleDetailSerializer):
    seasons = SeasonSerializer(many=True)

    class Meta(TitleDetailSerializer.Meta):
        fields = [*TitleDetailSerializer.Meta.fields, "seasons"]
