"""Reads of analytics data: the reports, computed from rollups (and, for percentiles, view summaries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.db.models import Count, ExpressionWrapper, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Cast, NullIf

from analytics.models import UserActivity, Viewer, ViewRollup, ViewSummary
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
    def filters(self) -> dict:
        names = ("region", "device", "kind", "genre", "cdn")
        return {name: getattr(self, name) for name in names if getattr(self, name)}


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def _ratio(numerator: float, denominator: float, scale: float = 1.0) -> float | None:
    return _round(numerator / denominator * scale) if denominator else None


def _percentile(values, q: float) -> float | None:
    # Linear interpolation between the closest ranks (numpy's default, "method 7").
    return _round(np.percentile(values, q), 1) if len(values) else None


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


def rollups_for(query: ReportQuery, *, title_id: int | None = None) -> QuerySet[ViewRollup]:
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
        figures["startup_time_median_ms"] = _percentile(startup_ms, 50)
        figures["startup_time_p95_ms"] = _percentile(startup_ms, 95)
    return figures


def _startup_times(query: ReportQuery) -> list[tuple[float, str, str, str]]:
    return list(
        views_for(query)
        .filter(startup_time_ms__isnull=False)
        .values_list("startup_time_ms", "cdn", "region", "device_type")
    )


def _series(query: ReportQuery, rows, figures) -> list[dict]:
    bucket_field = "hour" if query.granularity == "hour" else "day"
    by_bucket = {_bucket_key(query, row[bucket_field]): row for row in _sums(rows, (bucket_field,))}
    return [{"start": start, **figures(by_bucket.get(start, {}))} for start in buckets(query)]


def _distinct_users(rows) -> int:
    return rows.values("user_id").distinct().count()


@boundary
def engagement_report(query: ReportQuery) -> dict:
    """Active users, views, watch time and completion: totals and a time series."""
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
    activity = activity_for(query)
    daily_active = {
        _bucket_key(ReportQuery(start=query.start, end=query.end), row["day"]): row["users"]
        for row in activity.values("day").annotate(users=Count("user_id", distinct=True)).order_by()
    }
    days = len(buckets(ReportQuery(start=query.start, end=query.end, granularity="day")))
    rollup_totals = _sums(rollups_for(query))[0]
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
    if query.granularity == "hour":
        active_by_bucket = {
            row["hour"]: row["users"]
            for row in activity.values("hour").annotate(users=Count("user_id", distinct=True)).order_by()
        }
    else:
        active_by_bucket = daily_active
    series = _series(query, rollups_for(query), view_figures)
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
    summed = ("views", "watch_time_s", "completed_views", "reach_views", "reach_sum")
    rows = (
        rollups_for(query)
        .values("title_id", "title__title", "title__kind")
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
    viewers = dict(
        views_for(query)
        .filter(title_id__in=[row["title_id"] for row in rows])
        .values("title_id")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("title_id", "n")
    )
    return [
        {
            "title_id": row["title_id"],
            "title": row["title__title"],
            "kind": row["title__kind"],
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


def _grouped_startups(startups, index: int) -> dict[str, list[float]]:
    groups: dict[str, list[float]] = {}
    for row in startups:
        groups.setdefault(row[index], []).append(row[0])
    return groups


@boundary
def streaming_report(query: ReportQuery) -> dict:
    """Quality of experience overall and by CDN, region and device type, with a time series."""
    rollups = rollups_for(query)
    startups = _startup_times(query)
    breakdowns = {}
    for name, column, index in (("by_cdn", "cdn", 1), ("by_region", "region", 2), ("by_device", "device_type", 3)):
        groups = _grouped_startups(startups, index)
        breakdowns[name] = [
            {"key": row[column], **quality_figures(row, groups.get(row[column], []))}
            for row in _sums(rollups, (column,))
        ]
    return {
        "overall": quality_figures(_sums(rollups)[0], [row[0] for row in startups]),
        **breakdowns,
        "series": _series(query, rollups, quality_figures),
    }


@boundary
def regions_report(query: ReportQuery) -> list[dict]:
    """Per region: active users, viewers, views, watch time and the quality figures."""
    activity = activity_for(query)
    active = dict(activity.values("region").annotate(n=Count("user_id", distinct=True)).values_list("region", "n"))
    viewers = dict(
        activity.filter(viewed=True)
        .values("region")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("region", "n")
    )
    groups = _grouped_startups(_startup_times(query), 2)
    return [
        {
            "region": row["region"],
            "active_users": active.get(row["region"], 0),
            "viewers": viewers.get(row["region"], 0),
            **quality_figures(row, groups.get(row["region"], [])),
        }
        for row in _sums(rollups_for(query), ("region",))
    ]
