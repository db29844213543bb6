"""The report figures: the formulas of docs/services/analytics.md ("Formulas"), from rollup sums.

Percentages are 0-100, rates and shares 0-1; a figure over nothing (no views, no watch time) is None.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# A view counts as completed once its playhead passed this share of the duration (Jellyfin's "watched").
COMPLETION_THRESHOLD = 0.9
RETENTION_STEP_PCT = 5


def round_to(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def ratio(numerator: float, denominator: float, scale: float = 1.0) -> float | None:
    return round_to(numerator / denominator * scale) if denominator else None


def view_reach(*, position_s: float, duration_s: float | None) -> float | None:
    """Reach of a view: end position / duration, capped to 0-1; None without a known duration."""
    if not duration_s or duration_s <= 0:
        return None
    return max(0.0, min(1.0, position_s / duration_s))


def view_figures(sums: dict) -> dict:
    """Engagement figures of a group of views, from rollup sums."""
    views = sums.get("views") or 0
    watch = sums.get("watch_time_s") or 0
    return {
        "views": views,
        "watch_time_s": round_to(watch, 1),
        "avg_view_length_s": ratio(watch, views),
        "completion_rate": ratio(sums.get("completed_views") or 0, views),
        "avg_share_watched": ratio(sums.get("reach_sum") or 0, sums.get("reach_views") or 0),
    }


def quality_figures(sums: dict, startup_ms: Sequence[float] | np.ndarray | None = None) -> dict:
    """QoE figures of a group of views, from rollup sums and (for the percentiles) startup times."""
    views = sums.get("views") or 0
    watch = sums.get("watch_time_s") or 0
    figures = {
        "views": views,
        "watch_time_s": round_to(watch, 1),
        "startup_time_avg_ms": ratio(sums.get("startup_sum_ms") or 0, sums.get("startup_views") or 0),
        "rebuffer_pct": ratio(sums.get("rebuffer_duration_s") or 0, watch, 100),
        "rebuffer_frequency_per_min": ratio(sums.get("rebuffer_count") or 0, watch / 60),
        "ebvs_pct": ratio(sums.get("ebvs_views") or 0, views, 100),
        "failure_pct": ratio(sums.get("failed_views") or 0, views, 100),
        "avg_bitrate_kbps": ratio(sums.get("bitrate_weighted_sum") or 0, sums.get("bitrate_watch_time_s") or 0),
    }
    if startup_ms is not None:
        median, p95 = np.percentile(startup_ms, [50, 95]) if len(startup_ms) else (None, None)
        figures["startup_time_median_ms"] = round_to(median, 1)
        figures["startup_time_p95_ms"] = round_to(p95, 1)
    return figures


def retention(reaches: np.ndarray) -> list[dict]:
    """Share of views (with a known duration, `reaches` sorted) whose reach is at least each 5%."""
    total = len(reaches)
    curve = []
    for pct in range(0, 101, RETENTION_STEP_PCT):
        # A tiny tolerance so a view ending exactly at 45% counts as having reached 45%.
        still = total - int(np.searchsorted(reaches, pct / 100 - 1e-9, side="left"))
        curve.append({"position_pct": pct, "share": ratio(still, total)})
    return curve
