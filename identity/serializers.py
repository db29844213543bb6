"""Input and output shapes of the identity API."""

from collections.abc import Mapping

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Kind, Maturity
from catalog.regions import RegionSerializerField
from identity.account.models import DeviceType
from identity.models import Plan, User
from streaming_platform.api.ids import MAX_ID
from streaming_platform.api.schema import WALL_CLOCK_TIME_SCHEMA

MATURITY_LABELS = [member.label for member in Maturity]


class UserSerializer(serializers.ModelSerializer):
    max_streams = serializers.IntegerField(read_only=True)
    max_height = serializers.IntegerField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "display_name",
            "country",
            "time_zone",
            "plan",
            "max_streams",
            "max_height",
            "is_staff",
            "date_joined",
        ]
        read_only_fields = fields


ACCOUNT_FIELDS = frozenset(UserSerializer.Meta.fields)
FIELD_REFUSALS = {"plan": "Plans are changed by staff (or the billing system), not by the account."}


class RefusesUnknownFields:
    """A body naming a field the endpoint does not take is a 400 naming it, never silently ignored."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            refused = sorted(str(name)[:64] for name in set(data) - writable)
            if refused:
                raise serializers.ValidationError({name: [self.refusal(name)] for name in refused})
        return super().to_internal_value(data)

    @staticmethod
    def refusal(name: str) -> str:
        if name in FIELD_REFUSALS:
            return FIELD_REFUSALS[name]
        if name in ACCOUNT_FIELDS:
            return "This field cannot be changed here."
        return "Unknown field."


class RegistrationSerializer(RefusesUnknownFields, serializers.Serializer):
    """A new account starts on the default plan in the region it names (ISO 3166-1 alpha-2, either case)."""

    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    display_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    country = RegionSerializerField(required=False, help_text="ISO 3166-1 alpha-2; default DEFAULT_REGION.")
    time_zone = serializers.CharField(max_length=64, required=False, default="UTC")


class ProfileUpdateSerializer(RefusesUnknownFields, serializers.Serializer):
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    time_zone = serializers.CharField(max_length=64, required=False)
    pin = serializers.CharField(
        max_length=16,
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="The account's PIN: needed to change the time zone once a PIN is set.",
    )


class PlanSerializer(RefusesUnknownFields, serializers.Serializer):
    plan = serializers.ChoiceField(choices=Plan.choices)


class PinUnlockSerializer(RefusesUnknownFields, serializers.Serializer):
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


class LoginSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})
    device_name = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="Shown in the device list, e.g. Living room TV."
    )
    device_type = serializers.ChoiceField(choices=DeviceType.choices, required=False)


class LoginResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)
    user = UserSerializer()


class PreferencesSerializer(serializers.Serializer):
    """PUT replaces every preference (omitted ones go back to their defaults); PATCH changes the given ones."""

    favourite_genres = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=100,
        required=False,
        help_text="Catalog genre ids.",
    )
    audio_languages = serializers.ListField(
        child=serializers.CharField(max_length=8), max_length=20, required=False, help_text="ISO 639-1 codes."
    )
    subtitle_languages = serializers.ListField(
        child=serializers.CharField(max_length=8), max_length=20, required=False, help_text="ISO 639-1 codes."
    )
    subtitles_enabled = serializers.BooleanField(required=False)
    autoplay_next_episode = serializers.BooleanField(required=False)
    autoplay_previews = serializers.BooleanField(required=False)
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def to_representation(self, preferences):
        return {
            "favourite_genres": sorted(genre.pk for genre in preferences.favourite_genres.all())
            if preferences.pk
            else [],
            "audio_languages": preferences.audio_languages,
            "subtitle_languages": preferences.subtitle_languages,
            "subtitles_enabled": preferences.subtitles_enabled,
            "autoplay_next_episode": preferences.autoplay_next_episode,
            "autoplay_previews": preferences.autoplay_previews,
            "updated_at": serializers.DateTimeField().to_representation(preferences.updated_at)
            if preferences.updated_at
            else None,
        }


PREFERENCE_DEFAULTS = {
    "favourite_genres": [],
    "audio_languages": [],
    "subtitle_languages": [],
    "subtitles_enabled": False,
    "autoplay_next_episode": True,
    "autoplay_previews": True,
}


class MaturityField(serializers.ChoiceField):
    """A maturity rating by its label (G, PG, PG-13, R, NC-17; TV ratings accepted), or null for no ceiling."""

    def __init__(self, **kwargs):
        super().__init__(choices=MATURITY_LABELS, allow_null=True, **kwargs)

    def to_internal_value(self, data):
        if data is None:
            return None
        try:
            return int(Maturity.from_label(str(data)))
        except ValueError:
            self.fail("invalid_choice", input=data)

    def to_representation(self, value):
        return Maturity(value).label if value is not None else None


@extend_schema_field({**WALL_CLOCK_TIME_SCHEMA, "nullable": True})
class WallClockTimeField(serializers.TimeField):
    """A time of day without an offset: OpenAPI's `format: time` (RFC 3339) would require one."""


class ParentalControlsSerializer(serializers.Serializer):
    max_maturity = MaturityField(required=False)
    block_unrated = serializers.BooleanField(required=False)
    blocked_genres = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), max_length=100, required=False
    )
    viewing_days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        max_length=7,
        required=False,
        help_text="Weekdays when viewing is allowed, Monday = 0.",
    )
    viewing_start = WallClockTimeField(required=False, allow_null=True)
    viewing_end = WallClockTimeField(required=False, allow_null=True)
    daily_limit_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60, required=False, allow_null=True)
    has_pin = serializers.BooleanField(read_only=True)
    pin = serializers.CharField(
        write_only=True, required=False, allow_blank=True, help_text="The account's PIN, required once one is set."
    )

    def to_representation(self, controls):
        return {
            "max_maturity": MaturityField().to_representation(controls.max_maturity),
            "block_unrated": controls.block_unrated,
            "blocked_genres": sorted(genre.pk for genre in controls.blocked_genres.all()) if controls.pk else [],
            "viewing_days": controls.viewing_days,
            "viewing_start": controls.viewing_start.strftime("%H:%M:%S") if controls.viewing_start else None,
            "viewing_end": controls.viewing_end.strftime("%H:%M:%S") if controls.viewing_end else None,
            "daily_limit_minutes": controls.daily_limit_minutes,
            "has_pin": controls.has_pin,
        }


CONTROL_DEFAULTS = {
    "max_maturity": None,
    "block_unrated": False,
    "blocked_genres": [],
    "viewing_days": [0, 1, 2, 3, 4, 5, 6],
    "viewing_start": None,
    "viewing_end": None,
    "daily_limit_minutes": None,
}


class PinSetSerializer(serializers.Serializer):
    pin = serializers.RegexField(r"^\d{4}$", error_messages={"invalid": "The PIN is exactly 4 digits."})
    current_pin = serializers.CharField(required=False, allow_blank=True, help_text="Required to change a PIN.")


class PinSerializer(serializers.Serializer):
    pin = serializers.CharField(max_length=16)


class ViewingAllowedSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True)


class TitleBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    release_year = serializers.IntegerField(allow_null=True)
    runtime_s = serializers.IntegerField(allow_null=True)


class EpisodeBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    season = serializers.IntegerField(source="season.number")
    number = serializers.IntegerField()
    title = serializers.CharField()
    runtime_s = serializers.IntegerField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = TitleBriefSerializer()
    episode = EpisodeBriefSerializer(allow_null=True)
    position_s = serializers.FloatField(help_text="Resume point; 0 means start from the beginning.")
    duration_s = serializers.FloatField(allow_null=True)
    progress = serializers.FloatField(help_text="0..1; 1 for a title watched to the end.")
    completed = serializers.BooleanField()
    watch_count = serializers.IntegerField()
    rating = serializers.FloatField(allow_null=True)
    last_watched_at = serializers.DateTimeField()
    hidden_from_continue_watching = serializers.BooleanField()


class HistoryInputSerializer(serializers.Serializer):
    title = serializers.IntegerField(min_value=1)
    episode = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    position_s = serializers.FloatField()
    duration_s = serializers.FloatField(required=False, allow_null=True)
    watched_at = serializers.DateTimeField(required=False, allow_null=True)
    rating = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=5)


class HistoryClearedSerializer(serializers.Serializer):
    deleted = serializers.IntegerField()


class ContinueWatchingSerializer(serializers.Serializer):
    title = TitleBriefSerializer()
    episode = EpisodeBriefSerializer(allow_null=True, help_text="The episode to resume, if one is in progress.")
    position_s = serializers.FloatField()
    duration_s = serializers.FloatField(allow_null=True)
    progress = serializers.FloatField()
    last_watched_at = serializers.DateTimeField()
    next_up = EpisodeBriefSerializer(allow_null=True, help_text="For shows: the episode after the last one finished.")


KIND_CHOICES = Kind.choices
