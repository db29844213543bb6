"""The content detail report: one title's totals, time series and audience retention curve."""

from __future__ import annotations

import numpy as np
from django.db.models import Count

from analytics.reports.figures import retention, view_figures
from analytics.reports.query import ReportQuery
from analytics.reports.sources import rollups_for, series, sums, views_for
from streaming_platform.boundary import boundary


@boundary
def retention_curve(query: ReportQuery, *, title_id: int) -> list[dict]:
    """Share of views (with a known duration) whose playhead reached each 5% of the runtime."""
    reaches = np.sort(
        np.fromiter(
            views_for(query, title_id=title_id).filter(reach__isnull=False).values_list("reach", flat=True),
            dtype=float,
        )
    )
    return retention(reaches)


@boundary
def title_report(query: ReportQuery, *, title) -> dict:
    """One title: its totals, a time series and the audience retention curve."""
    views = views_for(query, title_id=title.pk)
    totals = {
        # Views of deleted accounts (no identity left) count as one viewer, so the figure survives a deletion.
        "unique_viewers": views.values("user_id").distinct().count(),
        "unique_profiles": views.aggregate(n=Count("profile_id", distinct=True))["n"],
        **view_figures(sums(rollups_for(query, title_id=title.pk))[0]),
    }
    return {
        "title_id": title.pk,
        "title": title.title,
        "kind": title.kind,
        "runtime_s": title.runtime_s,
        "totals": totals,
        "series": series(query, rollups_for(query, title_id=title.pk), view_figures),
        "retention": retention_curve(query, title_id=title.pk),
    }
