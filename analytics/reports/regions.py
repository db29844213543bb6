"""The regions report: per region, active users, viewers and the quality figures."""

from __future__ import annotations

import numpy as np
from django.db.models import Sum

from analytics.reports.figures import quality_figures
from analytics.reports.query import ReportQuery
from analytics.reports.sources import (
    ROLLUP_SUMS,
    BytesConcat,
    UserMarks,
    daily_rollups_for,
    raw_rows,
    rollups_for,
    startup_samples,
    startups_by,
    sums,
)
from streaming_platform.boundary import boundary


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
        aggregates = {f"sum_{name}": Sum(name) for name in ROLLUP_SUMS}
        rows = (
            daily_rollups_for(query)
            .values(column)
            .annotate(**aggregates, startups=BytesConcat("startup_values"))
            .order_by(column)
            .values_list(column, *aggregates, "startups")
        )
        return [
            (key, dict(zip(ROLLUP_SUMS, values, strict=True)), np.frombuffer(startups or b"", dtype="<f8"))
            for key, *values, startups in raw_rows(rows)
        ]
    startups = startups_by(startup_samples(query), column)
    none = np.empty(0)
    return [(row[column], row, startups.get(row[column], none)) for row in sums(rollups_for(query), (column,))]


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
            **quality_figures(totals, startups),
        }
        for region, totals, startups in _quality_by(query, "region")
    ]
