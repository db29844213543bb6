"""Reads of analytics data: the staff reports, built in `analytics.reports` (one module per report).

This is the surface other code reads analytics through; the views call the reports from here.
"""

from analytics.reports.content import CONTENT_ORDERINGS, content_report
from analytics.reports.engagement import engagement_report
from analytics.reports.figures import quality_figures, view_figures
from analytics.reports.query import ReportQuery, buckets, series_points
from analytics.reports.regions import regions_report
from analytics.reports.streaming import streaming_report
from analytics.reports.title import retention_curve, title_report

__all__ = [
    "CONTENT_ORDERINGS",
    "ReportQuery",
    "buckets",
    "content_report",
    "engagement_report",
    "quality_figures",
    "regions_report",
    "retention_curve",
    "series_points",
    "streaming_report",
    "title_report",
    "view_figures",
]
