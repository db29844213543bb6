"""Reads of analytics data: the reports, computed from rollups (and, for percentiles, view summaries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from django.db.models import CharField, Count, ExpressionWrapper, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Cast, NullIf

from analytics.models import DailyActiveUsers, DailyRollup, UserActivity, Viewer, ViewRollup, ViewSummary
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
        """The range is whole UTC days: the per-day user sets answer distinct-user questions exactly."""
        midnight = {"hour": 0, "minute": 0, "second": 0, "microsecond": 0}
        return self.start == self.start.replace(**midnight) and self.end == self.end.replace(**midnight)

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
        current = query.start.replace(minute=0, second=0, microsecond=0)
    else:
        current = query.start.replace(hour=0, minute=0, second=0, microsecond=0)
    result = []
    while current < query.end:
        result.append(current)
        current += step
    return result


def _bucket_key(query: ReportQuery, value) -> datetime:
    """Rollups group by `hour` (a datetime) or `day` (a date); both map to the bucket's start."""
    if query.granularity == "hour":
        return value
    return datetime(value.year, value.month, value.day, tzinfo=query.start.tzinfo)


def _hour_range(query: ReportQuery) -> Q:
    # Rollups are hourly: an hour belongs to the range when it starts inside it (start rounded down).
    return Q(hour__gte=query.start.replace(minute=0, second=0, microsecond=0), hour__lt=query.end)


def daily_rollups_for(query: ReportQuery) -> QuerySet[DailyRollup]:
    rows = DailyRollup.objects.filter(day__gte=query.start.date(), day__lt=query.end.date())
    for name, column in (("region", "region"), ("device", "device_type"), ("cdn", "cdn"), ("kind", "kind")):
        if getattr(query, name):
            rows = rows.filter(**{column: getattr(query, name)})
    return rows


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
    views = ViewSummary.objects.filter(
        started_at__gte=query.start.replace(minute=0, second=0, microsecond=0), started_at__lt=query.end
    )
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


def activity_for(query: ReportQuery, *, start: datetime | None = None) -> QuerySet[UserActivity]:
    rows = UserActivity.objects.filter(
        hour__gte=(start or query.start).replace(minute=0, second=0, microsecond=0), hour__lt=query.end
    )
    if query.region:
        rows = rows.filter(region=query.region)
    if query.device:
        rows = rows.filter(device_type=query.device)
    return rows


def daily_active_for(query: ReportQuery, *, start: datetime) -> QuerySet[DailyActiveUsers]:
    rows = DailyActiveUsers.objects.filter(day__gte=start.date(), day__lt=query.end.date())
    if query.region:
        rows = rows.filter(region=query.region)
    if query.device:
        rows = rows.filter(device_type=query.device)
    return rows


def _ids(value) -> np.ndarray:
    return np.frombuffer(bytes(value or b""), dtype="<i8")


def _distinct_count(arrays: list[np.ndarray]) -> int:
    return int(np.unique(np.concatenate(arrays)).size) if arrays else 0


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


def quality_figures(sums: dict, startup_ms: list[float] | None = None) -> dict:
    """QoE figures of a group of views (definitions in the README), from rollup sums and startup times."""
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
        by_day = {_bucket_key(query, _as_date(day)): sums for day, sums, _ in self.grouped("day", startups=False)}
        return [{"start": start, **figures(by_day.get(start, {}))} for start in buckets(query)]


STARTUP_KEYS = {"cdn": 0, "region": 1, "device_type": 2}


def _startup_samples(query: ReportQuery) -> list[tuple[str, str, str, np.ndarray]]:
    """Startup times (ms) of the views in a report, as (cdn, region, device, values) groups."""
    if query.daily_totals:
        rows = daily_rollups_for(query).filter(startup_views__gt=0)
        return [
            (cdn, region, device, np.frombuffer(bytes(values), dtype="<f8"))
            for cdn, region, device, values in rows.values_list("cdn", "region", "device_type", "startup_values")
        ]
    groups: dict[tuple[str, str, str], list[float]] = {}
    rows = views_for(query).filter(startup_time_ms__isnull=False)
    for startup, cdn, region, device in rows.values_list("startup_time_ms", "cdn", "region", "device_type"):
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
    bucket_field = "hour" if query.granularity == "hour" else "day"
    by_bucket = {_bucket_key(query, row[bucket_field]): row for row in _sums(rows, (bucket_field,))}
    return [{"start": start, **figures(by_bucket.get(start, {}))} for start in buckets(query)]


def _engagement_users_daily(query: ReportQuery) -> tuple[dict, dict]:
    """Distinct-user figures from the per-day user sets (whole-day ranges)."""
    week_start, month_start = query.end - timedelta(days=7), query.end - timedelta(days=30)
    by_day: dict = {}
    rows = (
        daily_active_for(query, start=min(query.start, month_start))
        .annotate(day_text=_DAY_TEXT)
        .values_list("day_text", "user_ids", "viewer_ids")
    )
    for day, user_ids, viewer_ids in _raw_rows(rows):
        active, viewers = by_day.setdefault(_as_date(day), ([], []))
        active.append(_ids(user_ids))
        viewers.append(_ids(viewer_ids))
    start_day, week_day, month_day = query.start.date(), week_start.date(), month_start.date()

    def union(since, which: int) -> np.ndarray:
        arrays = [pair[which] for day, pair in by_day.items() if day >= since]
        flat = [array for group in arrays for array in group]
        return np.unique(np.concatenate(flat)) if flat else np.array([], dtype="<i8")

    viewers = union(start_day, 1)
    first_time = np.fromiter(
        Viewer.objects.filter(first_view_at__gte=query.start).values_list("user_id", flat=True), dtype="<i8"
    )
    new_ids = np.intersect1d(viewers, first_time)
    users = {
        "active_users": int(union(start_day, 0).size),
        "viewers": int(viewers.size),
        "new_viewers": int(new_ids.size),
        "wau": int(union(week_day, 0).size),
        "mau": int(union(month_day, 0).size),
    }
    daily_active = {
        _bucket_key(query, day): _distinct_count(pair[0]) for day, pair in by_day.items() if day >= start_day
    }
    return users, daily_active


def _engagement_users_hourly(query: ReportQuery) -> tuple[dict, dict]:
    """Distinct-user figures from the hourly activity marks (ranges that do not fall on whole days)."""
    hour_start = query.start.replace(minute=0, second=0, microsecond=0)
    week_start, month_start = query.end - timedelta(days=7), query.end - timedelta(days=30)
    in_range = Q(hour__gte=hour_start)
    new_viewer_ids = Viewer.objects.filter(first_view_at__gte=hour_start).values("user_id")
    # One scan of the activity marks answers every distinct-user question at once.
    users = activity_for(query, start=min(hour_start, month_start)).aggregate(
        active_users=Count("user_id", distinct=True, filter=in_range),
        viewers=Count("user_id", distinct=True, filter=in_range & Q(viewed=True)),
        new_viewers=Count("user_id", distinct=True, filter=in_range & Q(viewed=True, user_id__in=new_viewer_ids)),
        wau=Count("user_id", distinct=True, filter=Q(hour__gte=week_start.replace(minute=0, second=0, microsecond=0))),
        mau=Count("user_id", distinct=True, filter=Q(hour__gte=month_start.replace(minute=0, second=0, microsecond=0))),
    )
    return users, _hourly_active(query)


def _hourly_active(query: ReportQuery) -> dict:
    """Distinct active users per bucket, from the hourly activity marks."""
    bucket_field = "hour" if query.granularity == "hour" else "day"
    return {
        _bucket_key(query, row[bucket_field]): row["users"]
        for row in activity_for(query).values(bucket_field).annotate(users=Count("user_id", distinct=True)).order_by()
    }


@boundary
def engagement_report(query: ReportQuery) -> dict:
    """Active users, views, watch time and completion: totals and a time series."""
    if query.day_aligned:
        users, daily_active = _engagement_users_daily(query)
        active_by_bucket = daily_active
        if query.granularity == "hour":
            active_by_bucket = _hourly_active(query)
    else:
        users, active_by_bucket = _engagement_users_hourly(query)
        daily_query = ReportQuery(start=query.start, end=query.end, region=query.region, device=query.device)
        daily_active = active_by_bucket if query.granularity == "day" else _engagement_users_hourly(daily_query)[1]
    days = len(buckets(ReportQuery(start=query.start, end=query.end, granularity="day")))
    frame = DailyFrame.read(query) if query.daily_totals else None
    rollup_totals = frame.total()[0] if frame else _sums(rollups_for(query))[0]
    totals = {
        "active_users": users["active_users"],
        "dau": _ratio(sum(daily_active.values()), days),
        "wau": users["wau"],
        "mau": users["mau"],
        "viewers": users["viewers"],
        "new_viewers": users["new_viewers"],
        "returning_viewers": users["viewers"] - users["new_viewers"],
        **view_figures(rollup_totals),
        "watch_time_per_active_user_s": _ratio(rollup_totals.get("watch_time_s") or 0, users["active_users"]),
    }
    if query.whole_days:
        series = frame.series(query, view_figures)
    else:
        series = _series(query, hourly_rollups_for(query), view_figures)
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
    from catalog.models import Title

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
    titles = {title.pk: title for title in Title.objects.filter(pk__in=ids).only("title", "kind")}
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


def _users_by(query: ReportQuery, group: str | None = None) -> dict:
    """Distinct active users and viewers in the range, per region when `group` is "region"."""
    if query.day_aligned:
        parts: dict = {}
        rows = daily_active_for(query, start=query.start).values_list("region", "user_ids", "viewer_ids")
        for region, user_ids, viewer_ids in _raw_rows(rows):
            key = region if group else None
            active, viewers = parts.setdefault(key, ([], []))
            active.append(_ids(user_ids))
            viewers.append(_ids(viewer_ids))
        return {
            key: {"active_users": _distinct_count(active), "viewers": _distinct_count(viewers)}
            for key, (active, viewers) in parts.items()
        }
    rows = activity_for(query)
    if group:
        rows = rows.values(group)
    counted = (
        rows.annotate(
            active_users=Count("user_id", distinct=True), viewers=Count("user_id", distinct=True, filter=Q(viewed=True))
        )
        if group
        else [
            rows.aggregate(
                active_users=Count("user_id", distinct=True),
                viewers=Count("user_id", distinct=True, filter=Q(viewed=True)),
            )
        ]
    )
    return {(row[group] if group else None): row for row in counted}


@boundary
def regions_report(query: ReportQuery) -> list[dict]:
    """Per region: active users, viewers, views, watch time and the quality figures."""
    users = _users_by(query, "region")
    if query.daily_totals:
        groups = DailyFrame.read(query).grouped("region")
    else:
        startups = _startups_by(_startup_samples(query), "region")
        groups = [
            (row["region"], row, startups.get(row["region"], [])) for row in _sums(rollups_for(query), ("region",))
        ]
    return [
        {
            "region": region,
            "active_users": users.get(region, {}).get("active_users", 0),
            "viewers": users.get(region, {}).get("viewers", 0),
            **quality_figures(sums, startups),
        }
        for region, sums, startups in groups
    ]
