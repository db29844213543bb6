"""Input shapes of the analytics API: the report query parameters."""

from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone
from rest_framework import serializers

from analytics.selectors import CONTENT_ORDERINGS, ReportQuery

DEFAULT_RANGE = timedelta(days=30)
MAX_RANGE = timedelta(days=400)
MAX_HOURLY_RANGE = timedelta(days=93)
MAX_TOP_TITLES = 100


class DateOrDateTimeField(serializers.Field):
    """An ISO 8601 date-time (with offset, or UTC if none) or a plain date (its midnight, UTC)."""

    default_error_messages = {
        "invalid": "Use an ISO 8601 date (2026-01-31) or date-time (2026-01-31T20:00:00Z).",
        "out_of_range": "Use a year between 1970 and 9000.",
    }

    def to_internal_value(self, data) -> datetime | date:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            parsed = date.fromisoformat(data) if len(data) == 10 else datetime.fromisoformat(data)
        except ValueError:
            self.fail("invalid")
        # Far-off years would overflow the range arithmetic; no report reaches that far.
        if not 1970 <= parsed.year <= 9000:
            self.fail("out_of_range")
        if isinstance(parsed, datetime):
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        return parsed

    def to_representation(self, value):
        return value.isoformat()


class ReportParamsSerializer(serializers.Serializer):
    """`from` and `to` (a date `to` includes that whole day), filters, and the time-series bucket size."""

    granularity = serializers.ChoiceField(choices=["hour", "day"], default="day")
    region = serializers.RegexField(r"^[A-Za-z]{2}$", required=False, help_text="ISO 3166-1 alpha-2 code.")
    kind = serializers.ChoiceField(choices=["movie", "show"], required=False)
    genre = serializers.SlugField(required=False, help_text="Genre slug.")
    device = serializers.RegexField(r"^[a-z0-9_\-]{1,16}$", required=False, help_text="web, mobile, tablet, tv, ...")
    cdn = serializers.RegexField(r"^[A-Za-z0-9_.\-]{1,32}$", required=False)
    order = serializers.ChoiceField(choices=list(CONTENT_ORDERINGS), default="views")
    limit = serializers.IntegerField(min_value=1, max_value=MAX_TOP_TITLES, default=20)

    def validate(self, attrs):
        allowed = self.context.get("allowed")
        if allowed is not None:
            refused = sorted(name for name in self.initial_data if name in ALL_PARAMS and name not in allowed)
            if refused:
                raise serializers.ValidationError({name: "Not supported by this report." for name in refused})
        if attrs.get("genre"):
            from catalog.selectors import genre_exists

            if not genre_exists(slug=attrs["genre"]):
                raise serializers.ValidationError({"genre": f"Unknown genre '{attrs['genre']}'."})
        end = attrs.get("to")
        if isinstance(end, date) and not isinstance(end, datetime):
            end = datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC)
        # Default: up to the end of today, so the default range is whole days (the daily rollups answer it).
        end = end or datetime.combine(timezone.now().date() + timedelta(days=1), time(), tzinfo=UTC)
        start = attrs.get("from")
        if isinstance(start, date) and not isinstance(start, datetime):
            start = datetime.combine(start, time(), tzinfo=UTC)
        start = start or end - DEFAULT_RANGE
        if start >= end:
            raise serializers.ValidationError({"to": "to must be after from."})
        if end - start > MAX_RANGE:
            raise serializers.ValidationError({"from": f"The range may span at most {MAX_RANGE.days} days."})
        if attrs["granularity"] == "hour" and end - start > MAX_HOURLY_RANGE:
            raise serializers.ValidationError(
                {"granularity": f"Hourly series cover at most {MAX_HOURLY_RANGE.days} days; use day."}
            )
        attrs["start"], attrs["end"] = start, end
        return attrs

    def report_query(self) -> ReportQuery:
        data = self.validated_data
        return ReportQuery(
            start=data["start"],
            end=data["end"],
            granularity=data["granularity"],
            region=data.get("region", "").upper(),
            device=data.get("device", ""),
            kind=data.get("kind", ""),
            genre=data.get("genre", ""),
            cdn=data.get("cdn", ""),
        )


# `from` is a Python keyword, so these two are added by name.
ReportParamsSerializer._declared_fields["from"] = DateOrDateTimeField(
    required=False, help_text="Start (default: to - 30 days)."
)
ReportParamsSerializer._declared_fields["to"] = DateOrDateTimeField(
    required=False, help_text="End, exclusive (default: the end of today, UTC)."
)
ALL_PARAMS = set(ReportParamsSerializer._declared_fields)


class EventIngestResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()
