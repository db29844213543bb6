"""The engagement report: active users, viewers, views, watch time and completion, totals and a series."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np

from analytics.marks import HOURS_PER_DAY, hour_number
from analytics.models import EngagementHours, Viewer
from analytics.reports.figures import ratio, view_figures
from analytics.reports.query import ENGAGEMENT_HOURS_COLUMNS, ReportQuery, bucket_key, buckets, filtered, series_points
from analytics.reports.sources import (
    DAY_TEXT,
    INTEGER_SUMS,
    VIEW_SUMS,
    UserMarks,
    bucket_sums,
    epoch_days,
    hourly_rollups_for,
    raw_rows,
)
from streaming_platform.boundary import boundary


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
        by_bucket = {bucket_key(query, day): count for day, count in by_day.items()}
    return users, by_day, by_bucket


def _engagement_sums(query: ReportQuery) -> dict[datetime, dict]:
    """The sums of the engagement figures per bucket of the series.

    They come from the engagement hours, or for a genre (known per title only) from the hourly per-title rollups.
    """
    if query.genre:
        return bucket_sums(query, hourly_rollups_for(query), VIEW_SUMS)
    rows = EngagementHours.objects.filter(day__gte=query.start.date(), day__lte=query.last_day)
    rows = filtered(rows, query, ENGAGEMENT_HOURS_COLUMNS)
    found = raw_rows(rows.annotate(day_text=DAY_TEXT).values_list("day_text", "sums"))
    if not found:
        return {}
    days = np.array(epoch_days([day for day, _ in found]), dtype=np.int64)
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
        "dau": ratio(sum(active_by_day.values()), days),
        "wau": users["wau"],
        "mau": users["mau"],
        "viewers": users["viewers"],
        "new_viewers": users["new_viewers"],
        "returning_viewers": users["viewers"] - users["new_viewers"],
        **view_figures(view_totals),
        "watch_time_per_active_user_s": ratio(view_totals["watch_time_s"], users["active_users"]),
    }
    series = series_points(query, sums, view_figures)
    for point in series:
        point["active_users"] = active_by_bucket.get(point["start"], 0)
    return {"totals": totals, "series": series}
