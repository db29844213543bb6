"""Reads of analytics data: the reports, computed from rollups (and, for percentiles, view summaries)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
from django.db.models import (
    Aggregate,
    BinaryField,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Cast, NullIf
from django.utils import timezone

from analytics.marks import HOURS_PER_DAY, Marks, epoch_day, hour_number
from analytics.models import DailyActiveUsers, DailyRollup, EngagementHours, Viewer, ViewRollup, ViewSummary
from streaming_platform.boundary import boundary

RETENTION_STEP_PCT = 5
ROLLUP_SUMS = (
    "views",
    "watch_time_s",
    "completed_views",
    "reach_views",
    "reach_sum",
    "startup_views",
    "startup_sum_ms",
    "rebuffer_count",
    "rebuffer_duration_s",
    "bitrate_weighted_sum",
    "bitrate_watch_time_s",
    "ebvs_views",
    "failed_views",
)
# The sums the engagement figures need (`view_figures`).
VIEW_SUMS = EngagementHours.SUMS


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


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def _ratio(numerator: float, denominator: float, scale: float = 1.0) -> float | None:
    return _round(numerator / denominator * scale) if denominator else None


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


def series_points(query: ReportQuery, sums_by_bucket: dict, figures) -> list[dict]:
    """One point per bucket; `partial` marks the bucket still under way (today, this hour), whose figures
    are only part of a whole one's, so a chart does not read its dip as an incident."""
    step = timedelta(hours=1) if query.granularity == "hour" else timedelta(days=1)
    now = timezone.now()
    return [
        {"start": start, "partial": start + step > now, **figures(sums_by_bucket.get(start, {}))}
        for start in buckets(query)
    ]


def _bucket_key(query: ReportQuery, value) -> datetime:
    """Rollups group by `hour` (a datetime) or `day` (a date); both map to the bucket's start."""
    if query.granularity == "hour":
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    value = _as_date(value)
    return datetime(value.year, value.month, value.day, tzinfo=query.start.tzinfo)


def _hour_range(query: ReportQuery) -> Q:
    # Rollups are hourly: an hour belongs to the range when it starts inside it (start rounded down).
    return Q(hour__gte=query.first_hour, hour__lt=query.end)


# The column of each report filter in the per-day tables (daily rollups, engagement hours, user sets).
_DAY_TABLE_COLUMNS = {"region": "region", "device": "device_type", "cdn": "cdn", "kind": "kind"}


def _day_rows_filtered(rows: QuerySet, query: ReportQuery, *names: str) -> QuerySet:
    """`rows` of a per-day table limited to those of the query's filters `names` that it sets."""
    for name in names:
        if getattr(query, name):
            rows = rows.filter(**{_DAY_TABLE_COLUMNS[name]: getattr(query, name)})
    return rows


def daily_rollups_for(query: ReportQuery) -> QuerySet[DailyRollup]:
    rows = DailyRollup.objects.filter(day__gte=query.start.date(), day__lt=query.end.date())
    return _day_rows_filtered(rows, query, "region", "device", "cdn", "kind")


def hourly_rollups_for(query: ReportQuery) -> QuerySet[ViewRollup]:
    return rollups_for(query, per_title=True)


def rollups_for(query: ReportQuery, *, title_id: int | None = None, per_title: bool = False) -> QuerySet:
    """The rollup rows of a report: daily ones when they answer exactly, else the hourly per-title ones."""
    if title_id is None and not per_title and query.daily_totals:
        return daily_rollups_for(query)
    rows = ViewRollup.objects.filter(_hour_range(query))
    if title_id is not None:
        rows = rows.filter(title_id=title_id)
    if query.region:
        rows = rows.filter(region=query.region)
    if query.device:
        rows = rows.filter(device_type=query.device)
    if query.cdn:
        rows = rows.filter(cdn=query.cdn)
    if query.kind:
        rows = rows.filter(title__kind=query.kind)
    if query.genre:
        rows = rows.filter(title__genres__slug=query.genre)
    return rows


def views_for(query: ReportQuery, *, title_id: int | None = None) -> QuerySet[ViewSummary]:
    """Raw views matching the same range and filters as `rollups_for` (views are bucketed by start hour)."""
    views = ViewSummary.objects.filter(started_at__gte=query.first_hour, started_at__lt=query.end)
    if title_id is not None:
        views = views.filter(title_id=title_id)
    if query.region:
        views = views.filter(region=query.region)
    if query.device:
        views = views.filter(device_type=query.device)
    if query.cdn:
        views = views.filter(cdn=query.cdn)
    if query.kind:
        views = views.filter(title__kind=query.kind)
    if query.genre:
        views = views.filter(title__genres__slug=query.genre)
    return views


@dataclass(frozen=True)
class UserMarks:
    """The hour marks of the active users and of the viewers, grouped by region (`regions[group]`)."""

    active: Marks
    watched: Marks
    regions: list[str]

    @classmethod
    def read(cls, query: ReportQuery, *, start: datetime) -> UserMarks:
        """Marks from the day of `start` to the end of the range, in the query's region and device.

        Filtered by what was watched, only views of titles of that kind or genre count, and the active users
        are the users who watched one.
        """
        rows = DailyActiveUsers.objects.filter(day__gte=start.date(), day__lte=query.last_day)
        rows = _day_rows_filtered(rows, query, "region", "device")
        columns = ("user_ids", "user_hours", "watched_user_ids", "watched_hours", "watched_title_ids")
        sets = _raw_rows(rows.annotate(day_text=_DAY_TEXT).values_list("day_text", "region", *columns))
        day_texts, region_names, *values = zip(*sets, strict=True) if sets else [()] * (2 + len(columns))
        blobs = dict(zip(columns, values, strict=True))
        regions: dict[str, int] = {}
        groups = [regions.setdefault(region, len(regions)) for region in region_names]
        days = _epoch_days(day_texts)
        watched = Marks.from_sets(days, groups, blobs["watched_user_ids"], blobs["watched_hours"])
        if not query.watched_only:
            active = Marks.from_sets(days, groups, blobs["user_ids"], blobs["user_hours"])
            return cls(active=active, watched=watched, regions=list(regions))
        titles = np.frombuffer(b"".join(blobs["watched_title_ids"]), dtype="<i8")
        from catalog.selectors import title_ids_of

        matching = np.array(title_ids_of(kind=query.kind, genre=query.genre), dtype=np.int64)
        viewers = watched.where(np.isin(titles, matching))
        return cls(active=viewers, watched=viewers, regions=list(regions))


class BytesConcat(Aggregate):
    """The values of a binary column over a group, joined end to end (in no particular order)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ''::bytea)"
    output_field = BinaryField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # GROUP_CONCAT copies the bytes as they are; the cast gives them back as a blob.
        template = "CAST(GROUP_CONCAT(%(expressions)s, '') AS BLOB)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def _sums(rows, group_by: tuple[str, ...] = ()) -> list[dict]:
    """Sums of every rollup column (named as the columns), per group when `group_by` is given."""
    # Annotations may not reuse a field's name, hence the prefix that is stripped again below.
    aggregates = {f"sum_{name}": Sum(name) for name in ROLLUP_SUMS}
    if group_by:
        grouped = rows.values(*group_by).annotate(**aggregates).order_by(*group_by)
    else:
        grouped = [rows.aggregate(**aggregates)]
    return [{key.removeprefix("sum_"): value for key, value in row.items()} for row in grouped]


def view_figures(sums: dict) -> dict:
    """Engagement figures of a group of views, from rollup sums."""
    views = sums.get("views") or 0
    watch = sums.get("watch_time_s") or 0
    return {
        "views": views,
        "watch_time_s": _round(watch, 1),
        "avg_view_length_s": _ratio(watch, views),
        "completion_rate": _ratio(sums.get("completed_views") or 0, views),
        "avg_share_watched": _ratio(sums.get("reach_sum") or 0, sums.get("reach_views") or 0),
    }


def quality_figures(sums: dict, startup_ms: Sequence[float] | np.ndarray | None = None) -> dict:
    """QoE figures of a group of views (docs/services/analytics.md), from rollup sums and startup times."""
    views = sums.get("views") or 0
    watch = sums.get("watch_time_s") or 0
    figures = {
        "views": views,
        "watch_time_s": _round(watch, 1),
        "startup_time_avg_ms": _ratio(sums.get("startup_sum_ms") or 0, sums.get("startup_views") or 0),
        "rebuffer_pct": _ratio(sums.get("rebuffer_duration_s") or 0, watch, 100),
        "rebuffer_frequency_per_min": _ratio(sums.get("rebuffer_count") or 0, watch / 60),
        "ebvs_pct": _ratio(sums.get("ebvs_views") or 0, views, 100),
        "failure_pct": _ratio(sums.get("failed_views") or 0, views, 100),
        "avg_bitrate_kbps": _ratio(sums.get("bitrate_weighted_sum") or 0, sums.get("bitrate_watch_time_s") or 0),
    }
    if startup_ms is not None:
        median, p95 = np.percentile(startup_ms, [50, 95]) if len(startup_ms) else (None, None)
        figures["startup_time_median_ms"] = _round(median, 1)
        figures["startup_time_p95_ms"] = _round(p95, 1)
    return figures


def _raw_rows(queryset) -> list[tuple]:
    """The rows of a values_list() query straight from the cursor: no per-value conversion.

    Dates then come back as ISO strings on SQLite (see `_as_date`) and blobs as bytes or memoryview.
    """
    from django.db import connections

    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Days read as text: the driver then skips its per-row date conversion (parsed once per day instead).
_DAY_TEXT = Cast("day", output_field=CharField())


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _epoch_days(values) -> list[int]:
    """The days (counted from 1970) of dates read straight from the cursor; each distinct one is parsed once."""
    parsed = {value: epoch_day(_as_date(value)) for value in set(values)}
    return [parsed[value] for value in values]


INTEGER_SUMS = {
    "views",
    "completed_views",
    "reach_views",
    "startup_views",
    "rebuffer_count",
    "ebvs_views",
    "failed_views",
}


@dataclass
class DailyFrame:
    """The daily rollup rows of a whole-day report, read once and grouped in memory.

    `sums` has one row per rollup row and one column per ROLLUP_SUMS entry; `startups` holds every
    startup time (ms) and `startup_rows` the rollup row each one belongs to.
    """

    keys: dict[str, np.ndarray]
    sums: np.ndarray
    startups: np.ndarray
    startup_rows: np.ndarray

    @classmethod
    def read(cls, query: ReportQuery) -> DailyFrame:
        names = ("day", "region", "device_type", "cdn")
        rows = _raw_rows(
            daily_rollups_for(query)
            .annotate(day_text=_DAY_TEXT)
            .values_list("day_text", *names[1:], *ROLLUP_SUMS, "startup_values")
        )
        if not rows:
            empty = np.array([], dtype=object)
            return cls({name: empty for name in names}, np.zeros((0, len(ROLLUP_SUMS))), np.array([]), empty)
        columns = list(zip(*rows, strict=True))
        blobs = [bytes(blob or b"") for blob in columns[-1]]
        # Percentiles are interpolated from floats whatever the order, so one buffer serves every group.
        lengths = np.fromiter((len(blob) // 8 for blob in blobs), dtype=np.int64, count=len(blobs))
        return cls(
            keys={name: np.array(columns[i], dtype=object) for i, name in enumerate(names)},
            sums=np.array(columns[len(names) : -1], dtype=float).T,
            startups=np.frombuffer(b"".join(blobs), dtype="<f8"),
            startup_rows=np.repeat(np.arange(len(rows)), lengths),
        )

    @staticmethod
    def _as_dict(totals: np.ndarray) -> dict:
        return {name: int(v) if name in INTEGER_SUMS else float(v) for name, v in zip(ROLLUP_SUMS, totals, strict=True)}

    def total(self) -> tuple[dict, np.ndarray]:
        return self._as_dict(self.sums.sum(axis=0)), self.startups

    def grouped(self, column: str, *, startups: bool = True) -> list[tuple[object, dict, np.ndarray | None]]:
        """(key, sums, startup times) per distinct value of a key column, in key order."""
        if not len(self.sums):
            return []
        keys, inverse = np.unique(self.keys[column], return_inverse=True)
        totals = np.zeros((len(keys), len(ROLLUP_SUMS)))
        np.add.at(totals, inverse, self.sums)
        if not startups:
            return [(key, self._as_dict(totals[i]), None) for i, key in enumerate(keys)]
        value_groups = inverse[self.startup_rows]
        return [(key, self._as_dict(totals[i]), self.startups[value_groups == i]) for i, key in enumerate(keys)]

    def series(self, query: ReportQuery, figures) -> list[dict]:
        by_day = {_bucket_key(query, day): sums for day, sums, _ in self.grouped("day", startups=False)}
        return series_points(query, by_day, figures)


STARTUP_KEYS = {"cdn": 0, "region": 1, "device_type": 2}


def _startup_samples(query: ReportQuery) -> list[tuple[str, str, str, np.ndarray]]:
    """Startup times (ms) of the views in a report, as (cdn, region, device, values) groups, from the views."""
    groups: dict[tuple[str, str, str], list[float]] = {}
    rows = views_for(query).filter(startup_time_ms__isnull=False).order_by()
    for cdn, region, device, startup in _raw_rows(rows.values_list("cdn", "region", "device_type", "startup_time_ms")):
        groups.setdefault((cdn, region, device), []).append(startup)
    return [(*key, np.array(values)) for key, values in groups.items()]


def _startups_by(samples, column: str) -> dict[str, np.ndarray]:
    index = STARTUP_KEYS[column]
    parts: dict[str, list[np.ndarray]] = {}
    for sample in samples:
        parts.setdefault(sample[index], []).append(sample[3])
    return {key: np.concatenate(values) for key, values in parts.items()}


def _all_startups(samples) -> np.ndarray:
    return np.concatenate([sample[3] for sample in samples]) if samples else np.array([])


def _series(query: ReportQuery, rows, figures) -> list[dict]:
    return _series_of(query, _bucket_sums(query, rows, ROLLUP_SUMS), figures)


def _bucket_sums(query: ReportQuery, rows, columns: tuple[str, ...]) -> dict[datetime, dict]:
    """Sums of the rollup `columns` per bucket (rows of an hourly rollup, or of the daily one for day buckets)."""
    bucket_field = "hour" if query.granularity == "hour" else "day"
    sums = {f"sum_{name}": Sum(name) for name in columns}
    grouped = rows.values(bucket_field).annotate(**sums).order_by().values_list(bucket_field, *sums)
    return {
        _bucket_key(query, bucket): dict(zip(columns, values, strict=True)) for bucket, *values in _raw_rows(grouped)
    }


def _series_of(query: ReportQuery, sums: dict[datetime, dict], figures) -> list[dict]:
    return series_points(query, sums, figures)


def _engagement_users(query: ReportQuery) -> tuple[dict, dict[date, int], dict[datetime, int]]:
    """Distinct-user figures, and the active users per day and per bucket of the series."""
    start = query.first_hour
    week_start, month_start = query.end - timedelta(days=7), query.end - timedelta(days=30)
    marks = UserMarks.read(query, start=min(start, month_start))
    # One entry per user x day from the earliest start on: active users, WAU and MAU all count up to the end.
    active = marks.active.within(min(start, month_start), query.end).daily()
    active_users, wau, mau = active.count_since([start, week_start, month_start])
    viewers = marks.watched.within(start, query.end).distinct_user_ids()
    # A viewer in the range saw their first view before its end.
    first_views = Viewer.objects.filter(first_view_at__gte=start, first_view_at__lt=query.end)
    first_time = np.fromiter(first_views.values_list("user_id", flat=True), dtype=np.int64)
    users = {
        "active_users": active_users,
        "viewers": viewers.size,
        "new_viewers": np.intersect1d(viewers, first_time, assume_unique=True).size,
        "wau": wau,
        "mau": mau,
    }
    in_range = active.within(start, query.end)
    by_day = in_range.count_by_day()
    if query.granularity == "hour":
        by_bucket = in_range.count_by_hour()
    else:
        by_bucket = {_bucket_key(query, day): count for day, count in by_day.items()}
    return users, by_day, by_bucket


def _engagement_sums(query: ReportQuery) -> dict[datetime, dict]:
    """The sums of the engagement figures per bucket of the series.

    They come from the engagement hours, or for a genre (known per title only) from the hourly per-title rollups.
    """
    if query.genre:
        return _bucket_sums(query, hourly_rollups_for(query), VIEW_SUMS)
    rows = EngagementHours.objects.filter(day__gte=query.start.date(), day__lte=query.last_day)
    rows = _day_rows_filtered(rows, query, "region", "device", "kind")
    found = _raw_rows(rows.annotate(day_text=_DAY_TEXT).values_list("day_text", "sums"))
    if not found:
        return {}
    days = np.array(_epoch_days([day for day, _ in found]), dtype=np.int64)
    sums = np.frombuffer(b"".join(blob for _, blob in found), dtype="<f8").reshape(-1, len(VIEW_SUMS))
    hours = (days[:, None] * HOURS_PER_DAY + np.arange(HOURS_PER_DAY)).ravel()
    keep = (hours >= hour_number(query.start)) & (hours < hour_number(query.end, round_up=True))
    starts = buckets(query)
    step = 1 if query.granularity == "hour" else HOURS_PER_DAY
    index = (hours[keep] - hour_number(starts[0])) // step
    columns = []
    for i, name in enumerate(VIEW_SUMS):
        column = np.bincount(index, weights=sums[keep, i], minlength=len(starts))
        columns.append((column.astype(np.int64) if name in INTEGER_SUMS else column).tolist())
    per_bucket = zip(*columns, strict=True)
    return {start: dict(zip(VIEW_SUMS, values, strict=True)) for start, values in zip(starts, per_bucket, strict=True)}


@boundary
def engagement_report(query: ReportQuery) -> dict:
    """Active users, views, watch time and completion: totals and a time series.

    Filtered by kind or genre, the view figures count the views of such titles and the distinct-user figures
    the users who watched one.
    """
    users, active_by_day, active_by_bucket = _engagement_users(query)
    sums = _engagement_sums(query)
    # Every view of the range falls in one bucket, so the buckets add up to the totals.
    view_totals = {name: sum(bucket[name] or 0 for bucket in sums.values()) for name in VIEW_SUMS}
    days = len(buckets(ReportQuery(start=query.start, end=query.end, granularity="day")))
    totals = {
        "active_users": users["active_users"],
        "dau": _ratio(sum(active_by_day.values()), days),
        "wau": users["wau"],
        "mau": users["mau"],
        "viewers": users["viewers"],
        "new_viewers": users["new_viewers"],
        "returning_viewers": users["viewers"] - users["new_viewers"],
        **view_figures(view_totals),
        "watch_time_per_active_user_s": _ratio(view_totals["watch_time_s"], users["active_users"]),
    }
    series = _series_of(query, sums, view_figures)
    for point in series:
        point["active_users"] = active_by_bucket.get(point["start"], 0)
    return {"totals": totals, "series": series}


# Orderings of the content report (always descending) and the annotation each one sorts by.
CONTENT_ORDERINGS = {
    "views": "sum_views",
    "watch_time": "sum_watch_time_s",
    "completion_rate": "sum_completion",
    "avg_share_watched": "sum_share",
}


@boundary
def content_report(query: ReportQuery, *, order: str = "views", limit: int = 20) -> list[dict]:
    """The top titles by `order`: views, unique viewers, watch time, completion rate, share watched."""
    from catalog.selectors import titles_by_id

    summed = ("views", "watch_time_s", "completed_views", "reach_views", "reach_sum")
    # Grouped by the title id alone (no join): the names of the few winners are fetched afterwards.
    rows = (
        rollups_for(query, per_title=True)
        .values("title_id")
        .annotate(**{f"sum_{name}": Sum(name) for name in summed})
        .annotate(
            sum_completion=ExpressionWrapper(
                Cast(F("sum_completed_views"), FloatField()) / NullIf(F("sum_views"), 0), output_field=FloatField()
            ),
            sum_share=ExpressionWrapper(
                F("sum_reach_sum") / NullIf(F("sum_reach_views"), 0), output_field=FloatField()
            ),
        )
        .order_by(F(CONTENT_ORDERINGS[order]).desc(nulls_last=True), "title_id")[:limit]
    )
    rows = [{key.removeprefix("sum_"): value for key, value in row.items()} for row in rows]
    ids = [row["title_id"] for row in rows]
    titles = titles_by_id(title_ids=ids)
    viewers = dict(
        views_for(query)
        .filter(title_id__in=ids)
        .values("title_id")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("title_id", "n")
    )
    return [
        {
            "title_id": row["title_id"],
            "title": titles[row["title_id"]].title,
            "kind": titles[row["title_id"]].kind,
            "unique_viewers": viewers.get(row["title_id"], 0),
            **view_figures(row),
        }
        for row in rows
    ]


@boundary
def retention_curve(query: ReportQuery, *, title_id: int) -> list[dict]:
    """Share of views (with a known duration) whose playhead reached each 5% of the runtime."""
    reaches = np.sort(
        np.fromiter(
            views_for(query, title_id=title_id).filter(reach__isnull=False).values_list("reach", flat=True),
            dtype=float,
        )
    )
    total = len(reaches)
    curve = []
    for pct in range(0, 101, RETENTION_STEP_PCT):
        # A tiny tolerance so a view ending exactly at 45% counts as having reached 45%.
        still = total - int(np.searchsorted(reaches, pct / 100 - 1e-9, side="left"))
        curve.append({"position_pct": pct, "share": _ratio(still, total)})
    return curve


@boundary
def title_report(query: ReportQuery, *, title) -> dict:
    """One title: its totals, a time series and the audience retention curve."""
    views = views_for(query, title_id=title.pk)
    totals = {
        "unique_viewers": views.values("user_id").distinct().count(),
        **view_figures(_sums(rollups_for(query, title_id=title.pk))[0]),
    }
    return {
        "title_id": title.pk,
        "title": title.title,
        "kind": title.kind,
        "runtime_s": title.runtime_s,
        "totals": totals,
        "series": _series(query, rollups_for(query, title_id=title.pk), view_figures),
        "retention": retention_curve(query, title_id=title.pk),
    }


@boundary
def streaming_report(query: ReportQuery) -> dict:
    """Quality of experience overall and by CDN, region and device type, with a time series."""
    names = (("by_cdn", "cdn"), ("by_region", "region"), ("by_device", "device_type"))
    if query.daily_totals:
        frame = DailyFrame.read(query)
        if query.whole_days:
            series = frame.series(query, quality_figures)
        else:
            series = _series(query, hourly_rollups_for(query), quality_figures)
        return {
            "overall": quality_figures(*frame.total()),
            **{
                name: [{"key": key, **quality_figures(sums, startups)} for key, sums, startups in frame.grouped(column)]
                for name, column in names
            },
            "series": series,
        }
    rollups = rollups_for(query)
    samples = _startup_samples(query)
    breakdowns = {}
    for name, column in names:
        startups = _startups_by(samples, column)
        breakdowns[name] = [
            {"key": row[column], **quality_figures(row, startups.get(row[column], []))}
            for row in _sums(rollups, (column,))
        ]
    return {
        "overall": quality_figures(_sums(rollups)[0], _all_startups(samples)),
        **breakdowns,
        "series": _series(query, rollups, quality_figures),
    }


def _users_by_region(query: ReportQuery) -> dict[str, dict]:
    """Distinct active users and viewers in the range, per region."""
    marks = UserMarks.read(query, start=query.first_hour)
    active = marks.active.within(query.first_hour, query.end).count_by_group()
    viewers = marks.watched.within(query.first_hour, query.end).count_by_group()
    return {
        region: {"active_users": active.get(group, 0), "viewers": viewers.get(group, 0)}
        for group, region in enumerate(marks.regions)
    }


def _quality_by(query: ReportQuery, column: str) -> list[tuple[str, dict, np.ndarray]]:
    """(value, sums, startup times) per value of a rollup column, for the quality figures of each."""
    if query.daily_totals:
        sums = {f"sum_{name}": Sum(name) for name in ROLLUP_SUMS}
        rows = (
            daily_rollups_for(query)
            .values(column)
            .annotate(**sums, startups=BytesConcat("startup_values"))
            .order_by(column)
            .values_list(column, *sums, "startups")
        )
        return [
            (key, dict(zip(ROLLUP_SUMS, values, strict=True)), np.frombuffer(startups or b"", dtype="<f8"))
            for key, *values, startups in _raw_rows(rows)
        ]
    startups = _startups_by(_startup_samples(query), column)
    none = np.empty(0)
    return [(row[column], row, startups.get(row[column], none)) for row in _sums(rollups_for(query), (column,))]


@boundary
def regions_report(query: ReportQuery) -> list[dict]:
    """Per region: active users, viewers, views, watch time and the quality figures.

    Filtered by kind or genre, the figures are those of the views of such titles and of the users who watched one.
    """
    users = _users_by_region(query)
    return [
        {
            "region": region,
            "active_users": users.get(region, {}).get("active_users", 0),
            "viewers": users.get(region, {}).get("viewers", 0),
            **quality_figures(sums, startups),
        }
        for region, sums, startups in _quality_by(query, "region")
    ]
