"""What every report is asked (a time range, filters, a bucket size), its buckets, and the filter helper."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class ReportQuery:
    """What every report is asked: a half-open time range [start, end), filters and a bucket size."""

    start: datetime
    end: datetime
    granularity: str = "day"
    region: str = ""
    device: str = ""
    kind: str = ""
    genre: str = ""
    cdn: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def day_aligned(self) -> bool:
        """The range is whole UTC days: the daily rollups cover it exactly."""
        return self.start == _midnight(self.start) and self.end == _midnight(self.end)

    @property
    def first_hour(self) -> datetime:
        """The start of the hour the range starts in: rollups are hourly, so that whole hour counts."""
        return self.start.replace(minute=0, second=0, microsecond=0)

    @property
    def last_day(self) -> date:
        """The day the range's last moment falls on (the end itself is excluded)."""
        return (self.end - timedelta(microseconds=1)).date()

    @property
    def watched_only(self) -> bool:
        """Filtered by what was watched (kind, genre): distinct-user figures count the viewers of such titles."""
        return bool(self.kind or self.genre)

    @property
    def daily_totals(self) -> bool:
        """Totals may come from the daily rollups (whole days, and no genre: those rows have no title)."""
        return self.day_aligned and not self.genre

    @property
    def whole_days(self) -> bool:
        """Day buckets too: the daily rollups answer the whole report."""
        return self.daily_totals and self.granularity == "day"

    @property
    def filters(self) -> dict:
        names = ("region", "device", "kind", "genre", "cdn")
        return {name: getattr(self, name) for name in names if getattr(self, name)}


# The column of each report filter in each kind of table; a table answers only the filters it has a column for.
# Per title (hourly rollups, view summaries): the kind and genre are the watched title's.
PER_TITLE_COLUMNS = {
    "region": "region",
    "device": "device_type",
    "cdn": "cdn",
    "kind": "title__kind",
    "genre": "title__genres__slug",
}
# Per day and kind (daily rollups): no title, so no genre.
DAILY_ROLLUP_COLUMNS = {"region": "region", "device": "device_type", "cdn": "cdn", "kind": "kind"}
# Per day, region, device and kind (engagement hours): no CDN.
ENGAGEMENT_HOURS_COLUMNS = {"region": "region", "device": "device_type", "kind": "kind"}
# Per day, region and device (user sets): kind and genre are matched against the titles watched instead.
USER_SET_COLUMNS = {"region": "region", "device": "device_type"}


def filtered(rows: QuerySet, query: ReportQuery, columns: Mapping[str, str]) -> QuerySet:
    """`rows` limited by every filter the query sets that `columns` (filter name -> column) names."""
    for name, column in columns.items():
        value = getattr(query, name)
        if value:
            rows = rows.filter(**{column: value})
    return rows


def hour_range(query: ReportQuery) -> Q:
    # Rollups are hourly: an hour belongs to the range when it starts inside it (start rounded down).
    return Q(hour__gte=query.first_hour, hour__lt=query.end)


def as_date(value) -> date:
    """A date read straight from the cursor: an ISO string on SQLite, a date elsewhere."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def buckets(query: ReportQuery) -> list[datetime]:
    """Start of every bucket in the range, so a chart shows empty hours or days as zeros."""
    step = timedelta(hours=1) if query.granularity == "hour" else timedelta(days=1)
    if query.granularity == "hour":
        current = query.first_hour
    else:
        current = query.start.replace(hour=0, minute=0, second=0, microsecond=0)
    result = []
    while current < query.end:
        result.append(current)
        current += step
    return result


def bucket_key(query: ReportQuery, value) -> datetime:
    """Rollups group by `hour` (a datetime) or `day` (a date); both map to the bucket's start."""
    if query.granularity == "hour":
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    value = as_date(value)
    return datetime(value.year, value.month, value.day, tzinfo=query.start.tzinfo)


def series_points(query: ReportQuery, sums_by_bucket: dict, figures: Callable[[dict], dict]) -> list[dict]:
    """One point per bucket; `partial` marks the bucket still under way (today, this hour), whose figures
    are only part of a whole one's, so a chart does not read its dip as an incident."""
    step = timedelta(hours=1) if query.granularity == "hour" else timedelta(days=1)
    now = timezone.now()
    return [
        {"start": start, "partial": start + step > now, **figures(sums_by_bucket.get(start, {}))}
        for start in buckets(query)
    ]
