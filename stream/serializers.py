"""Input and output shapes of the stream API; validation of shape and range, not business rules."""

import re

from rest_framework import serializers
from rest_framework.fields import empty

from stream.models import Cdn, DeviceType, EndReason, PlaybackSession, PlayerState

RESOLUTION = re.compile(r"^(\d{2,5})x(\d{2,5})$")


def _within_bounds(field, value) -> bool:
    """Whether `value` passes the field's validators, when those are only its min/max bounds (else False)."""
    if len(field.validators) != (field.min_value is not None) + (field.max_value is not None):
        return False
    low, high = field.min_value, field.max_value
    return (low is None or value >= low) and (high is None or value <= high)


class StrictIntegerField(serializers.IntegerField):
    """An integer in JSON, not a string or a boolean that happens to convert."""

    def run_validation(self, data=empty):
        # Players send these with every heartbeat: an int within bounds is taken as it is, without DRF's
        # string handling and validator objects. Anything else takes the full path and its error messages.
        if type(data) is int and _within_bounds(self, data):
            return data
        return super().run_validation(data)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float) or (isinstance(data, float) and data % 1):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictFloatField(serializers.FloatField):
    def run_validation(self, data=empty):
        # As StrictIntegerField's, with both bounds set: NaN, infinities and integers too large for a float
        # all fail a comparison and take the full path.
        if (
            type(data) in (int, float)
            and self.min_value is not None
            and self.max_value is not None
            and _within_bounds(self, data)
        ):
            return float(data)
        return super().run_validation(data)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class DeviceSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=DeviceType.choices)
    id = serializers.CharField(max_length=128)
    max_resolution = serializers.RegexField(
        RESOLUTION, required=False, help_text="The screen's highest resolution, e.g. 1920x1080."
    )
    hevc = StrictBooleanField(
        required=False, default=False, help_text="The device decodes HEVC (H.265): premium then gets up to 2160p."
    )


class SessionStartSerializer(serializers.Serializer):
    title = StrictIntegerField(min_value=1)
    episode = StrictIntegerField(min_value=1, required=False, allow_null=True)
    device = DeviceSerializer()

    def screen_height(self) -> int | None:
        resolution = self.validated_data["device"].get("max_resolution")
        return int(RESOLUTION.match(resolution).group(2)) if resolution else None


class RungSerializer(serializers.Serializer):
    bitrate_kbps = serializers.IntegerField(source="video_kbps")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    bandwidth = serializers.IntegerField(source="peak_bandwidth")
    average_bandwidth = serializers.IntegerField()
    codecs = serializers.CharField()
    frame_rate = serializers.FloatField()


class CdnSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cdn
        fields = ["name", "base_url"]


class TrackSerializer(serializers.Serializer):
    kind = serializers.CharField()
    language = serializers.CharField(help_text="BCP-47")
    name = serializers.CharField()
    channels = serializers.IntegerField(allow_null=True)
    original = serializers.BooleanField()
    forced = serializers.BooleanField()
    accessibility = serializers.BooleanField(help_text="SDH subtitles or audio description")


class TracksSerializer(serializers.Serializer):
    audio = TrackSerializer(many=True)
    subtitles = TrackSerializer(many=True)
    closed_captions = TrackSerializer(many=True)
    default_audio = serializers.CharField(allow_null=True, help_text="Language of the audio chosen by default")
    default_subtitles = serializers.CharField(
        allow_null=True, help_text="Subtitle track chosen by default (language, -forced or -sdh), or none"
    )


class SessionStartedSerializer(serializers.Serializer):
    id = serializers.CharField()
    manifest_url = serializers.URLField()
    manifest_expires_at = serializers.DateTimeField()
    reporting_url = serializers.URLField(
        help_text="Signed CMCD event-mode reporting URL (POST application/cmcd, JSON or ?CMCD=); no token needed."
    )
    ladder = RungSerializer(many=True)
    cdn = CdnSerializer()
    resume_position_s = serializers.FloatField(allow_null=True)
    heartbeat_interval_s = serializers.IntegerField()
    idle_timeout_s = serializers.IntegerField()
    initial_bitrate_kbps = serializers.IntegerField()
    title = serializers.IntegerField()
    episode = serializers.IntegerField(allow_null=True)
    started_at = serializers.DateTimeField()
    tracks = TracksSerializer()
    end_url = serializers.URLField(help_text="Signed: POST (navigator.sendBeacon) ends the session, no token needed.")


class MetricUpdateSerializer(serializers.Serializer):
    """A player's metric update in JSON; CMCD arrives as `cmcd`, the CMCD query parameter or headers."""

    sequence = StrictIntegerField(min_value=0, max_value=2**62, required=False)
    position_s = StrictFloatField(min_value=0, max_value=1_000_000, required=False)
    duration_s = StrictFloatField(min_value=0.001, max_value=1_000_000, required=False)
    state = serializers.ChoiceField(choices=PlayerState.choices, required=False)
    bitrate_kbps = StrictIntegerField(min_value=1, max_value=1_000_000, required=False)
    buffer_ms = StrictIntegerField(min_value=0, max_value=3_600_000, required=False)
    throughput_kbps = StrictIntegerField(min_value=0, max_value=100_000_000, required=False)
    rebuffer = serializers.ChoiceField(choices=["start", "end"], required=False)
    dropped_frames = StrictIntegerField(min_value=0, max_value=2**31 - 1, required=False)
    startup_time_ms = StrictFloatField(min_value=0, max_value=600_000, required=False)
    fatal_error = StrictBooleanField(required=False)
    error_code = serializers.CharField(max_length=64, required=False, allow_blank=True)
    quit = StrictBooleanField(required=False, help_text="The viewer left (CMCD sta=q): ends the session.")
    cmcd = serializers.CharField(max_length=4096, required=False, help_text="A CMCD payload, e.g. bl=21300,br=3200")


# Bound once: a field's validation keeps no state, and building a serializer per heartbeat (DRF deep-copies
# its fields) would cost more than the update itself.
_METRIC_FIELDS = None


def metric_update_validate(data: dict) -> dict:
    """What `MetricUpdateSerializer(data=data).is_valid()` checks, without a serializer per call."""
    global _METRIC_FIELDS
    if _METRIC_FIELDS is None:
        _METRIC_FIELDS = MetricUpdateSerializer().fields
    values, errors = {}, {}
    for key, value in data.items():
        field = _METRIC_FIELDS.get(key)
        if field is None:
            continue  # unknown keys are ignored, as a serializer would
        try:
            values[key] = field.run_validation(value)
        except serializers.ValidationError as exc:
            errors[key] = exc.detail
    if errors:
        raise serializers.ValidationError(errors)
    return values


class MetricUpdateResultSerializer(serializers.Serializer):
    id = serializers.CharField()
    applied = serializers.BooleanField(help_text="False when the sequence number was already applied.")
    last_sequence = serializers.IntegerField()
    status = serializers.CharField()
    state = serializers.CharField()
    position_s = serializers.FloatField()


class QoeSummarySerializer(serializers.Serializer):
    startup_time_ms = serializers.FloatField(allow_null=True)
    watch_time_s = serializers.FloatField()
    rebuffer_count = serializers.IntegerField()
    rebuffer_duration_s = serializers.FloatField()
    rebuffer_pct = serializers.SerializerMethodField()
    avg_bitrate_kbps = serializers.FloatField(allow_null=True)
    rendition_switches = serializers.IntegerField()
    dropped_frames = serializers.IntegerField()
    exited_before_start = serializers.BooleanField()
    fatal_error = serializers.BooleanField()
    error_code = serializers.CharField()

    def get_rebuffer_pct(self, session) -> float | None:
        if not session.watch_time_s:
            return None
        return round(100 * session.rebuffer_duration_s / session.watch_time_s, 3)


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice stored as '' when unset, answered as null (an empty string is not one of the choices)."""

    def to_representation(self, value):
        return super().to_representation(value) if value else None


class SessionSerializer(serializers.ModelSerializer):
    cdn = serializers.SlugRelatedField(slug_field="name", read_only=True)
    end_reason = BlankAsNullChoiceField(
        choices=EndReason.choices, allow_null=True, read_only=True, help_text="null while the session is active."
    )
    summary = QoeSummarySerializer(source="*", read_only=True)

    class Meta:
        model = PlaybackSession
        fields = [
            "id",
            "user",
            "profile",
            "title",
            "episode",
            "cdn",
            "region",
            "device_type",
            "device_id",
            "max_height",
            "ladder_kbps",
            "status",
            "state",
            "end_reason",
            "started_at",
            "last_seen_at",
            "ended_at",
            "last_sequence",
            "position_s",
            "duration_s",
            "bitrate_kbps",
            "buffer_ms",
            "throughput_kbps",
            "summary",
        ]
        read_only_fields = fields


class SessionDetailSerializer(SessionSerializer):
    """A session as its viewer reads it: with freshly signed playback URLs while it is active (else null)."""

    manifest_url = serializers.URLField(allow_null=True, read_only=True)
    manifest_expires_at = serializers.DateTimeField(allow_null=True, read_only=True)
    reporting_url = serializers.URLField(allow_null=True, read_only=True)

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "manifest_url", "manifest_expires_at", "reporting_url"]
        read_only_fields = fields


class ActiveSessionSerializer(serializers.ModelSerializer):
    """What a 409 lists so a client can offer to end one of them."""

    title_name = serializers.CharField(source="title.title", read_only=True)

    class Meta:
        model = PlaybackSession
        fields = ["id", "title", "title_name", "episode", "device_type", "device_id", "started_at", "last_seen_at"]
        read_only_fields = fields


class CdnHealthSerializer(serializers.Serializer):
    name = serializers.CharField(source="cdn.name")
    base_url = serializers.CharField(source="cdn.base_url")
    regions = serializers.ListField(source="cdn.regions", child=serializers.CharField())
    enabled = serializers.BooleanField(source="cdn.enabled")
    capacity = serializers.IntegerField(source="cdn.capacity")
    weight = serializers.IntegerField(source="cdn.weight")
    active_sessions = serializers.IntegerField()
    load = serializers.SerializerMethodField()
    window_sessions = serializers.IntegerField(help_text="Sessions seen in the health window.")
    error_rate = serializers.SerializerMethodField()
    rebuffer_pct = serializers.SerializerMethodField()
    p95_startup_ms = serializers.SerializerMethodField()
    state = serializers.CharField(help_text="healthy, degraded or down")
    reasons = serializers.ListField(child=serializers.CharField())

    def get_load(self, health) -> float:
        return round(health.load, 4)

    def get_error_rate(self, health) -> float | None:
        return None if health.error_rate is None else round(health.error_rate, 4)

    def get_rebuffer_pct(self, health) -> float | None:
        return None if health.rebuffer_pct is None else round(health.rebuffer_pct, 3)

    def get_p95_startup_ms(self, health) -> float | None:
        return None if health.p95_startup_ms is None else round(health.p95_startup_ms, 1)
