"""The rows the reports read: the rollups (daily, hourly per title, engagement hours), the view summaries and
the per-day user sets, each limited to a report's range and filters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db import connections
from django.db.models import Aggregate, BinaryField, CharField, QuerySet, Sum
from django.db.models.functions import Cast

from analytics.marks import Marks, epoch_day
from analytics.models import DailyActiveUsers, DailyRollup, EngagementHours, ViewRollup, ViewSummary
from analytics.reports.query import (
    DAILY_ROLLUP_COLUMNS,
    PER_TITLE_COLUMNS,
    USER_SET_COLUMNS,
    ReportQuery,
    as_date,
    bucket_key,
    filtered,
    hour_range,
    series_points,
)

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
INTEGER_SUMS = {
    "views",
    "completed_views",
    "reach_views",
    "startup_views",
    "rebuffer_count",
    "ebvs_views",
    "failed_views",
}
# Days read as text: the driver then skips its per-row date conversion (parsed once per day instead).
DAY_TEXT = Cast("day", output_field=CharField())


def raw_rows(queryset) -> list[tuple]:
    """The rows of a values_list() query straight from the cursor: no per-value conversion.

    Dates then come back as ISO strings on SQLite (see `as_date`) and blobs as bytes or memoryview.
    """
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def epoch_days(values) -> list[int]:
    """The days (counted from 1970) of dates read straight from the cursor; each distinct one is parsed once."""
    parsed = {value: epoch_day(as_date(value)) for value in set(values)}
    return [parsed[value] for value in values]


def daily_rollups_for(query: ReportQuery) -> QuerySet[DailyRollup]:
    rows = DailyRollup.objects.filter(day__gte=query.start.date(), day__lt=query.end.date())
    return filtered(rows, query, DAILY_ROLLUP_COLUMNS)


def hourly_rollups_for(query: ReportQuery) -> QuerySet[ViewRollup]:
    return rollups_for(query, per_title=True)


def rollups_for(query: ReportQuery, *, title_id: int | None = None, per_title: bool = False) -> QuerySet:
    """The rollup rows of a report: daily ones when they answer exactly, else the hourly per-title ones."""
    if title_id is None and not per_title and query.daily_totals:
        return daily_rollups_for(query)
    rows = ViewRollup.objects.filter(hour_range(query))
    if title_id is not None:
        rows = rows.filter(title_id=title_id)
    return filtered(rows, query, PER_TITLE_COLUMNS)


def views_for(query: ReportQuery, *, title_id: int | None = None) -> QuerySet[ViewSummary]:
    """Raw views matching the same range and filters as `rollups_for` (views are bucketed by start hour)."""
    views = ViewSummary.objects.filter(started_at__gte=query.first_hour, started_at__lt=query.end)
    if title_id is not None:
        views = views.filter(title_id=title_id)
    return filtered(views, query, PER_TITLE_COLUMNS)


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
        rows = filtered(rows, query, USER_SET_COLUMNS)
        columns = ("user_ids", "user_hours", "watched_user_ids", "watched_hours", "watched_title_ids")
        sets = raw_rows(rows.annotate(day_text=DAY_TEXT).values_list("day_text", "region", *columns))
        day_texts, region_names, *values = zip(*sets, strict=True) if sets else [()] * (2 + len(columns))
        blobs = dict(zip(columns, values, strict=True))
        regions: dict[str, int] = {}
        groups = [regions.setdefault(region, len(regions)) for region in region_names]
        days = epoch_days(day_texts)
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


def sums(rows, group_by: tuple[str, ...] = ()) -> list[dict]:
    """Sums of every rollup column (named as the columns), per group when `group_by` is given."""
    # Annotations may not reuse a field's name, hence the prefix that is stripped again below.
    aggregates = {f"sum_{name}": Sum(name) for name in ROLLUP_SUMS}
    if group_by:
        grouped = rows.values(*group_by).annotate(**aggregates).order_by(*group_by)
    else:
        grouped = [rows.aggregate(**aggregates)]
    return [{key.removeprefix("sum_"): value for key, value in row.items()} for row in grouped]


def bucket_sums(query: ReportQuery, rows, columns: tuple[str, ...]) -> dict[datetime, dict]:
    """Sums of the rollup `columns` per bucket (rows of an hourly rollup, or of the daily one for day buckets)."""
    bucket_field = "hour" if query.granularity == "hour" else "day"
    aggregates = {f"sum_{name}": Sum(name) for name in columns}
    grouped = rows.values(bucket_field).annotate(**aggregates).order_by().values_list(bucket_field, *aggregates)
    return {bucket_key(query, bucket): dict(zip(columns, values, strict=True)) for bucket, *values in raw_rows(grouped)}


def series(query: ReportQuery, rows, figures: Callable[[dict], dict]) -> list[dict]:
    """The time series of `figures` over rollup `rows`, one point per bucket."""
    return series_points(query, bucket_sums(query, rows, ROLLUP_SUMS), figures)


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
        rows = raw_rows(
            daily_rollups_for(query)
            .annotate(day_text=DAY_TEXT)
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

    def series(self, query: ReportQuery, figures: Callable[[dict], dict]) -> list[dict]:
        by_day = {bucket_key(query, day): totals for day, totals, _ in self.grouped("day", startups=False)}
        return series_points(query, by_day, figures)


STARTUP_KEYS = {"cdn": 0, "region": 1, "device_type": 2}
StartupSamples = list[tuple[str, str, str, np.ndarray]]


def startup_samples(query: ReportQuery) -> StartupSamples:
    """Startup times (ms) of the views in a report, as (cdn, region, device, values) groups, from the views."""
    groups: dict[tuple[str, str, str], list[float]] = {}
    rows = views_for(query).filter(startup_time_ms__isnull=False).order_by()
    for cdn, region, device, startup in raw_rows(rows.values_list("cdn", "region", "device_type", "startup_time_ms")):
        groups.setdefault((cdn, region, device), []).append(startup)
    return [(*key, np.array(values)) for key, values in groups.items()]


def startups_by(samples: StartupSamples, column: str) -> dict[str, np.ndarray]:
    index = STARTUP_KEYS[column]
    parts: dict[str, list[np.ndarray]] = {}
    for *keys, values in samples:
        parts.setdefault(keys[index], []).append(values)
    return {key: np.concatenate(values) for key, values in parts.items()}


def all_startups(samples: StartupSamples) -> np.ndarray:
    return np.concatenate([sample[3] for sample in samples]) if samples else np.array([])
