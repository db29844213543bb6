"""The streaming report: quality of experience overall and by CDN, region and device type, with a series."""

from __future__ import annotations

from analytics.reports.figures import quality_figures
from analytics.reports.query import ReportQuery
from analytics.reports.sources import (
    DailyFrame,
    all_startups,
    hourly_rollups_for,
    rollups_for,
    series,
    startup_samples,
    startups_by,
    sums,
)
from streaming_platform.boundary import boundary

BREAKDOWNS = (("by_cdn", "cdn"), ("by_region", "region"), ("by_device", "device_type"))


@boundary
def streaming_report(query: ReportQuery) -> dict:
    """Quality of experience overall and by CDN, region and device type, with a time series."""
    if query.daily_totals:
        frame = DailyFrame.read(query)
        if query.whole_days:
            points = frame.series(query, quality_figures)
        else:
            points = series(query, hourly_rollups_for(query), quality_figures)
        return {
            "overall": quality_figures(*frame.total()),
            **{
                name: [{"key": key, **quality_figures(sums, times)} for key, sums, times in frame.grouped(column)]
                for name, column in BREAKDOWNS
            },
            "series": points,
        }
    rollups = rollups_for(query)
    samples = startup_samples(query)
    breakdowns = {}
    for name, column in BREAKDOWNS:
        startups = startups_by(samples, column)
        breakdowns[name] = [
            {"key": row[column], **quality_figures(row, startups.get(row[column], []))}
            for row in sums(rollups, (column,))
        ]
    return {
        "overall": quality_figures(sums(rollups)[0], all_startups(samples)),
        **breakdowns,
        "series": series(query, rollups, quality_figures),
    }
