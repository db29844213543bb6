"""The content report: the top titles by views, watch time, completion or share watched."""

from __future__ import annotations

from django.db.models import Count, ExpressionWrapper, F, FloatField, Sum
from django.db.models.functions import Cast, NullIf

from analytics.reports.figures import view_figures
from analytics.reports.query import ReportQuery
from analytics.reports.sources import rollups_for, views_for
from streaming_platform.boundary import boundary

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
    # Accounts and, within them, the household's profiles that watched (a deleted profile counts no more).
    audiences: dict[int, tuple[int, int]] = {
        title_id: (accounts, profiles)
        for title_id, accounts, profiles in views_for(query)
        .filter(title_id__in=ids)
        .values("title_id")
        .annotate(accounts=Count("user_id", distinct=True), profiles=Count("profile_id", distinct=True))
        .values_list("title_id", "accounts", "profiles")
    }
    return [
        {
            "title_id": row["title_id"],
            "title": titles[row["title_id"]].title,
            "kind": titles[row["title_id"]].kind,
            "unique_viewers": audiences.get(row["title_id"], (0, 0))[0],
            "unique_profiles": audiences.get(row["title_id"], (0, 0))[1],
            **view_figures(row),
        }
        for row in rows
    ]
