"""Output shapes of the catalog API: title cards for lists and search, full pages for detail."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.artwork import images_answer
from catalog.models import Availability, Credit, Episode, Extra, Genre, ImageKind, Maturity, Season, Title


@extend_schema_field(OpenApiTypes.STR)
class MaturityField(serializers.Field):
    """The rating's label (`PG-13`), or null when the title is not rated."""

    def to_representation(self, value):
        return Maturity(value).label if value is not None else None


class GenreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Genre
        fields = ["id", "slug", "name"]


class ImageSizeSerializer(serializers.Serializer):
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    url = serializers.CharField(help_text="Immutable: the same URL always answers the same bytes.")


class FocalPointSerializer(serializers.Serializer):
    x = serializers.FloatField(help_text="0 left .. 1 right")
    y = serializers.FloatField(help_text="0 top .. 1 bottom")


class ImageSerializer(serializers.Serializer):
    """The schema of one entry of `images` (built by catalog.artwork.images_answer)."""

    id = serializers.IntegerField(allow_null=True, help_text="null for the placeholder")
    kind = serializers.ChoiceField(choices=ImageKind.choices)
    language = serializers.CharField(allow_null=True)
    focal_point = FocalPointSerializer()
    placeholder = serializers.BooleanField(help_text="True when the title has no artwork of its own.")
    sizes = ImageSizeSerializer(many=True)


@extend_schema_field(ImageSerializer(many=True))
class ImagesField(serializers.Field):
    """The prefetched images of the object (`images`), sized; a placeholder poster when `placeholder_kind` is set."""

    def __init__(self, *, placeholder_kind: str | None = None, **kwargs):
        self.placeholder_kind = placeholder_kind
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        images = value.all() if hasattr(value, "all") else value  # a related manager reads the prefetched rows
        return images_answer(images, placeholder_kind=self.placeholder_kind)


class TitleCardSerializer(serializers.ModelSerializer):
    """What a list or a search result shows of a title."""

    maturity_rating = MaturityField(allow_null=True)
    genres = GenreSerializer(many=True)
    images = ImagesField(placeholder_kind=ImageKind.POSTER)
    in_list = serializers.SerializerMethodField(
        help_text="On the signed-in caller's My List (their profile's); null for anonymous callers."
    )

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
            "images",
            "in_list",
        ]

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_in_list(self, title) -> bool | None:
        return None  # set for the whole page at once by catalog.listing.listed_mark


class CreditSerializer(serializers.ModelSerializer):
    person_id = serializers.IntegerField(source="person.id")
    name = serializers.CharField(source="person.name")
    images = ImagesField(source="person.images")

    class Meta:
        model = Credit
        fields = ["person_id", "name", "role", "character", "order", "images"]


class AvailabilitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Availability
        fields = ["region", "starts_at", "ends_at"]


class EpisodeSerializer(serializers.ModelSerializer):
    images = ImagesField()

    class Meta:
        model = Episode
        fields = ["id", "number", "title", "description", "runtime_s", "air_date", "images"]


class SeasonSerializer(serializers.ModelSerializer):
    episodes = EpisodeSerializer(many=True)
    images = ImagesField()

    class Meta:
        model = Season
        fields = ["id", "number", "title", "images", "episodes"]


class ExtraSerializer(serializers.ModelSerializer):
    class Meta:
        model = Extra
        fields = ["id", "kind", "name", "language", "runtime_s"]


class TitleDetailSerializer(TitleCardSerializer):
    """A title page: the card plus description, identifiers, people and the viewer's region's windows."""

    people = CreditSerializer(source="credits", many=True)
    availability = AvailabilitySerializer(source="availabilities", many=True)
    extras = ExtraSerializer(many=True, help_text="Trailers, teasers and clips.")

    class Meta(TitleCardSerializer.Meta):
        fields = [
            *TitleCardSerializer.Meta.fields,
            "description",
            "external_ids",
            "people",
            "availability",
            "extras",
        ]


class ShowDetailSerializer(TitleDetailSerializer):
    seasons = SeasonSerializer(many=True)

    class Meta(TitleDetailSerializer.Meta):
        fields = [*TitleDetailSerializer.Meta.fields, "seasons"]


# --- Browsing ------------------------------------------------------------------------------------------


class GenreCountSerializer(GenreSerializer):
    title_count = serializers.IntegerField(help_text="Titles of the genre the viewer may see now.")

    class Meta(GenreSerializer.Meta):
        fields = [*GenreSerializer.Meta.fields, "title_count"]


class PersonCreditSerializer(serializers.ModelSerializer):
    """One credit on a person's page: the title's card and the part played."""

    title = TitleCardSerializer()

    class Meta:
        model = Credit
        fields = ["title", "role", "character"]


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    images = ImagesField(help_text="Headshots; empty when there are none.")


class PersonDetailSerializer(PersonSerializer):
    credits = PersonCreditSerializer(source="visible_credits", many=True, help_text="Only titles the viewer may see.")


class TypedPersonSerializer(PersonSerializer):
    type = serializers.SerializerMethodField()

    def get_type(self, person) -> str:
        return "person"


class TypedGenreSerializer(GenreSerializer):
    type = serializers.SerializerMethodField()

    class Meta(GenreSerializer.Meta):
        fields = ["type", *GenreSerializer.Meta.fields]

    def get_type(self, genre) -> str:
        return "genre"
