"""Writes of the rollups the reports read: each view and event is added as it is recorded, and
`rollups_rebuild` recomputes them all from the stored events and views (docs/services/analytics.md, "Rollups")."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import F, Sum

from analytics.marks import (
    EPOCH,
    HOURS_PER_DAY,
    hour_bit,
    hours_decode,
    hours_encode,
    ids_decode,
    ids_encode,
    marks_merge,
)
from analytics.models import (
    DailyActiveUsers,
    DailyRollup,
    EngagementHours,
    Event,
    Viewer,
    ViewRollup,
    ViewSummary,
)
from catalog.selectors import title_kinds
from streaming_platform.boundary import boundary


def hour_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def db_value(model, field: str, value):
    return model._meta.get_field(field).get_db_prep_save(value, connection)


def _sets_merged(
    entry: DailyActiveUsers, key_fields: tuple[str, ...], hours_field: str, keys: tuple[np.ndarray, ...], hours
) -> dict:
    """The fields of a per-day set that change when entries (key arrays, hour masks) are added to it."""
    stored = tuple(ids_decode(getattr(entry, name)) for name in key_fields)
    merged_keys, merged_hours = marks_merge(
        tuple(np.concatenate(pair) for pair in zip(stored, keys, strict=True)),
        np.concatenate([hours_decode(getattr(entry, hours_field)), hours]),
    )
    values = {name: ids_encode(key) for name, key in zip(key_fields, merged_keys, strict=True)}
    values[hours_field] = hours_encode(merged_hours)
    return {name: value for name, value in values.items() if value != bytes(getattr(entry, name))}


def activity_add(rows: set[tuple[datetime, int, str, str]], *, title_id: int | None = None) -> None:
    """Adds (hour, user, region, device) activity marks, and for a view the title watched, to the per-day sets.

    A set is written only when it changes.
    """
    by_key: dict[tuple, dict[int, int]] = {}
    for hour, user_id, region, device in rows:
        hours = by_key.setdefault((hour.date(), region, device), {})
        hours[user_id] = hours.get(user_id, 0) | hour_bit(hour)
    for (day, region, device), hours in by_key.items():
        entry, _ = DailyActiveUsers.objects.select_for_update().get_or_create(
            day=day, region=region, device_type=device
        )
        users = np.fromiter(hours, dtype="<i8", count=len(hours))
        masks = np.fromiter(hours.values(), dtype="<u4", count=len(hours))
        changes = _sets_merged(entry, ("user_ids",), "user_hours", (users,), masks)
        if title_id is not None:
            titles = np.full(len(users), title_id, dtype="<i8")
            changes |= _sets_merged(
                entry, ("watched_user_ids", "watched_title_ids"), "watched_hours", (users, titles), masks
            )
        if changes:
            DailyActiveUsers.objects.filter(pk=entry.pk).update(**changes)


def _rollup_add(view: ViewSummary) -> None:
    """Adds a view to its hourly (per title), daily (per kind) and engagement-hours rollup rows."""
    hour = hour_of(view.started_at)
    has_bitrate = view.avg_bitrate_kbps is not None
    amounts = {
        "views": 1,
        "watch_time_s": view.watch_time_s,
        "completed_views": int(view.completed),
        "reach_views": int(view.reach is not None),
        "reach_sum": view.reach or 0,
        "startup_views": int(view.startup_time_ms is not None),
        "startup_sum_ms": view.startup_time_ms or 0,
        "rebuffer_count": view.rebuffer_count,
        "rebuffer_duration_s": view.rebuffer_duration_s,
        "bitrate_weighted_sum": (view.avg_bitrate_kbps or 0) * view.watch_time_s,
        "bitrate_watch_time_s": view.watch_time_s if has_bitrate else 0,
        "ebvs_views": int(view.exited_before_start and not view.fatal_error),
        "failed_views": int(view.fatal_error),
    }
    key: dict[str, Any] = {"region": view.region, "device_type": view.device_type, "cdn": view.cdn}
    _view_rollup_add(hour, view.title_id, key, amounts)
    increments: dict[str, Any] = {name: F(name) + amount for name, amount in amounts.items()}
    daily, _ = DailyRollup.objects.select_for_update().get_or_create(day=hour.date(), kind=view.title.kind, **key)
    if view.startup_time_ms is not None:
        increments["startup_values"] = bytes(daily.startup_values) + struct.pack("<d", view.startup_time_ms)
    DailyRollup.objects.filter(pk=daily.pk).update(**increments)
    engagement, _ = EngagementHours.objects.select_for_update().get_or_create(
        day=hour.date(), region=view.region, device_type=view.device_type, kind=view.title.kind
    )
    sums = _hours_array(engagement.sums)
    sums[hour.hour] += [amounts[name] for name in EngagementHours.SUMS]
    EngagementHours.objects.filter(pk=engagement.pk).update(sums=sums.tobytes())


def _view_rollup_add(hour: datetime, title_id: int, key: dict, amounts: dict) -> None:
    """Adds amounts to an hourly per-title rollup row, created if missing, in one statement."""
    table = ViewRollup._meta.db_table
    columns = ["hour", "day", "title_id", *key, *amounts]
    additions = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in amounts)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT (hour, title_id, region, device_type, cdn) DO UPDATE SET {additions}"
    )
    params = [
        db_value(ViewRollup, "hour", hour),
        db_value(ViewRollup, "day", hour.date()),
        title_id,
        *key.values(),
        *amounts.values(),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _hours_array(value) -> np.ndarray:
    """The hour x sum array stored in an `EngagementHours` row, writable; zeros for a new row."""
    if not value:
        return np.zeros((HOURS_PER_DAY, len(EngagementHours.SUMS)), dtype="<f8")
    return np.frombuffer(bytes(value), dtype="<f8").reshape(HOURS_PER_DAY, len(EngagementHours.SUMS)).copy()


def view_add(view: ViewSummary) -> None:
    """Adds a view just stored to every rollup: its rollup rows, its viewer's day set and first view.

    Runs inside the transaction that stores the view.
    """
    _rollup_add(view)
    if view.user_id:
        hour = hour_of(view.started_at)
        activity_add({(hour, view.user_id, view.region, view.device_type)}, title_id=view.title_id)
        viewer, created = Viewer.objects.get_or_create(
            user_id=view.user_id, defaults={"region": view.region, "first_view_at": view.started_at}
        )
        if not created and viewer.first_view_at > view.started_at:
            Viewer.objects.filter(pk=viewer.pk).update(first_view_at=view.started_at)


def _hour_sql(column: str) -> tuple[str, str]:
    """SQL for the start of the hour and the day of a datetime column, on the configured database."""
    if connection.vendor == "sqlite":
        return f"strftime('%Y-%m-%d %H:00:00', {column})", f"date({column})"
    return f"date_trunc('hour', {column})", f"CAST(date_trunc('day', {column}) AS date)"


@boundary
def rollups_rebuild() -> dict[str, int]:
    """Recomputes every rollup from the stored events and views (after bulk loads or repairs)."""
    views, rollup, viewer = ViewSummary._meta.db_table, ViewRollup._meta.db_table, Viewer._meta.db_table
    daily = DailyRollup._meta.db_table
    # The title kinds come from the catalog's selector, joined as a subquery (it has no parameters).
    titles_sql, titles_params = title_kinds().query.sql_with_params()
    assert not titles_params
    titles = "titles"
    view_hour, view_day = _hour_sql("started_at")
    statements = [
        f"DELETE FROM {rollup}",
        f"DELETE FROM {viewer}",
        f"DELETE FROM {daily}",
        f"DELETE FROM {DailyActiveUsers._meta.db_table}",
        f"DELETE FROM {EngagementHours._meta.db_table}",
        f"""INSERT INTO {rollup} (hour, day, title_id, region, device_type, cdn, views, watch_time_s, completed_views,
            reach_views, reach_sum, startup_views, startup_sum_ms, rebuffer_count, rebuffer_duration_s,
            bitrate_weighted_sum, bitrate_watch_time_s, ebvs_views, failed_views)
        SELECT {view_hour}, {view_day}, title_id, region, device_type, cdn, COUNT(*), SUM(watch_time_s),
            SUM(CASE WHEN completed THEN 1 ELSE 0 END), COUNT(reach), COALESCE(SUM(reach), 0),
            COUNT(startup_time_ms), COALESCE(SUM(startup_time_ms), 0), SUM(rebuffer_count), SUM(rebuffer_duration_s),
            COALESCE(SUM(avg_bitrate_kbps * watch_time_s), 0),
            SUM(CASE WHEN avg_bitrate_kbps IS NOT NULL THEN watch_time_s ELSE 0 END),
            SUM(CASE WHEN exited_before_start AND NOT fatal_error THEN 1 ELSE 0 END),
            SUM(CASE WHEN fatal_error THEN 1 ELSE 0 END)
        FROM {views} GROUP BY {view_hour}, {view_day}, title_id, region, device_type, cdn""",
        f"""INSERT INTO {daily} (day, region, device_type, cdn, kind, views, watch_time_s, completed_views,
            reach_views, reach_sum, startup_views, startup_sum_ms, rebuffer_count, rebuffer_duration_s,
            bitrate_weighted_sum, bitrate_watch_time_s, ebvs_views, failed_views, startup_values)
        SELECT day, region, device_type, cdn, kind, SUM(views), SUM(watch_time_s), SUM(completed_views),
            SUM(reach_views), SUM(reach_sum), SUM(startup_views), SUM(startup_sum_ms), SUM(rebuffer_count),
            SUM(rebuffer_duration_s), SUM(bitrate_weighted_sum), SUM(bitrate_watch_time_s), SUM(ebvs_views),
            SUM(failed_views), {"X''" if connection.vendor == "sqlite" else "''::bytea"}
        FROM {rollup} JOIN ({titles_sql}) {titles} ON {titles}.id = {rollup}.title_id
        GROUP BY day, region, device_type, cdn, kind""",
        f"""INSERT INTO {viewer} (user_id, region, first_view_at)
        SELECT user_id, MIN(region), MIN(started_at) FROM {views} WHERE user_id IS NOT NULL GROUP BY user_id""",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        _daily_startups_rebuild()
        _daily_active_rebuild()
        _engagement_hours_rebuild()
    return {
        "view_rollups": ViewRollup.objects.count(),
        "daily_user_sets": DailyActiveUsers.objects.count(),
        "engagement_hours": EngagementHours.objects.count(),
        "viewers": Viewer.objects.count(),
    }


def _daily_startups_rebuild() -> None:
    startups: dict[tuple, list] = {}
    rows = ViewSummary.objects.filter(startup_time_ms__isnull=False).values_list(
        "started_at", "region", "device_type", "cdn", "title__kind", "startup_time_ms"
    )
    for started_at, region, device, cdn, kind, startup in rows.iterator(chunk_size=5000):
        startups.setdefault((hour_of(started_at).date(), region, device, cdn, kind), []).append(startup)
    table = DailyRollup._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET startup_values = %s WHERE day = %s AND region = %s AND device_type = %s "
            "AND cdn = %s AND kind = %s",
            [
                (
                    np.asarray(values, dtype="<f8").tobytes(),
                    DailyRollup._meta.get_field("day").get_db_prep_save(key[0], connection),
                    *key[1:],
                )
                for key, values in startups.items()
            ],
        )


def _hour_number_sql(column: str) -> str:
    """SQL for the hour (counted from 1970, UTC) a datetime column falls in, on the configured database."""
    if connection.vendor == "sqlite":
        return f"CAST(strftime('%s', {column}) AS INTEGER) / 3600"
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / 3600) AS BIGINT)"


def _daily_active_rebuild() -> None:
    """The per-day sets from the stored events and views: what `activity_add` adds, all at once."""
    events, views = Event._meta.db_table, ViewSummary._meta.db_table
    event_hour, view_hour = _hour_number_sql("occurred_at"), _hour_number_sql("started_at")
    active: dict[tuple, dict[int, int]] = {}
    watched: dict[tuple, dict[tuple[int, int], int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {event_hour}, region, device_type, user_id FROM {events} WHERE user_id IS NOT NULL "
            f"UNION SELECT {view_hour}, region, device_type, user_id FROM {views} WHERE user_id IS NOT NULL"
        )
        for number, region, device, user_id in cursor:
            day, hour = divmod(number, HOURS_PER_DAY)
            users = active.setdefault((day, region, device), {})
            users[user_id] = users.get(user_id, 0) | 1 << hour
        cursor.execute(
            f"SELECT {view_hour}, region, device_type, user_id, title_id FROM {views} WHERE user_id IS NOT NULL"
        )
        for number, region, device, user_id, title_id in cursor:
            day, hour = divmod(number, HOURS_PER_DAY)
            titles = watched.setdefault((day, region, device), {})
            titles[user_id, title_id] = titles.get((user_id, title_id), 0) | 1 << hour
    entries = []
    for day, region, device in active.keys() | watched.keys():
        users = active.get((day, region, device), {})
        (user_ids,), user_hours = marks_merge((list(users),), list(users.values()))
        titles = watched.get((day, region, device), {})
        pairs = list(titles)
        (watched_users, watched_titles), watched_hours = marks_merge(
            ([user for user, _ in pairs], [title for _, title in pairs]), list(titles.values())
        )
        entries.append(
            DailyActiveUsers(
                day=EPOCH.date() + timedelta(days=day),
                region=region,
                device_type=device,
                user_ids=ids_encode(user_ids),
                user_hours=hours_encode(user_hours),
                watched_user_ids=ids_encode(watched_users),
                watched_title_ids=ids_encode(watched_titles),
                watched_hours=hours_encode(watched_hours),
            )
        )
    DailyActiveUsers.objects.bulk_create(entries, batch_size=1000)


def _engagement_hours_rebuild() -> None:
    """The engagement hours from the hourly per-title rollups (just rebuilt)."""
    sums: dict[tuple, np.ndarray] = {}
    rows = (
        ViewRollup.objects.values("hour", "region", "device_type", "title__kind")
        .annotate(**{f"sum_{name}": Sum(name) for name in EngagementHours.SUMS})
        .order_by()
        .values_list("hour", "region", "device_type", "title__kind", *(f"sum_{name}" for name in EngagementHours.SUMS))
    )
    for hour, region, device, kind, *values in rows.iterator(chunk_size=10000):
        key = (hour.date(), region, device, kind)
        if key not in sums:
            sums[key] = _hours_array(b"")
        sums[key][hour.hour] = values
    EngagementHours.objects.bulk_create(
        [
            EngagementHours(day=day, region=region, device_type=device, kind=kind, sums=values.tobytes())
            for (day, region, device, kind), values in sums.items()
        ],
        batch_size=1000,
    )
