"""Writes of analytics data: client event batches, events and view summaries from other services, rollups."""

from __future__ import annotations

import functools
import json
import struct
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from analytics.event_types import SERVER_EVENT_TYPES, event_clean, time_bounds
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
    EventSource,
    Viewer,
    ViewRollup,
    ViewSummary,
)
from catalog.selectors import episode_show_ids, title_ids_visible, title_kinds
from streaming_platform.boundary import boundary

MAX_BATCH_EVENTS = 1000
# A view counts as completed once its playhead passed this share of the duration (Jellyfin's "watched").
COMPLETION_THRESHOLD = 0.9


@dataclass
class IngestResult:
    accepted: int
    duplicates: int


class EventBatchInvalid(Exception):
    """A batch with at least one bad event; `errors` lists {index, field, reason}; nothing was stored."""

    def __init__(self, errors: list[dict]):
        super().__init__(f"{len({e['index'] for e in errors})} invalid event(s)")
        self.errors = errors


def hour_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _db_value(model, field: str, value):
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


def _activity_add(rows: set[tuple[datetime, int, str, str]], *, title_id: int | None = None) -> None:
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


def _events_insert(rows: list[dict], *, source: str) -> int:
    """Inserts events, skipping ids already stored for the same sender; returns how many were new."""
    table = Event._meta.db_table
    columns = [
        "client_id",
        "type",
        "source",
        "occurred_at",
        "received_at",
        "user_id",
        "region",
        "title_id",
        "episode_id",
        "session_id",
        "device_type",
        "properties",
    ]
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) ON CONFLICT DO NOTHING"
    )
    received_at = _db_value(Event, "received_at", timezone.now())
    if connection.vendor == "sqlite":
        # The same text Django's SQLite backend writes, without its per-value settings look-ups.
        def adapt_time(value):
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")

        adapt_json = json.dumps
    else:
        adapt_time = functools.partial(Event._meta.get_field("occurred_at").get_db_prep_save, connection=connection)
        adapt_json = functools.partial(Event._meta.get_field("properties").get_db_prep_save, connection=connection)
    params = [
        (
            row["client_id"], row["type"], source, adapt_time(row["occurred_at"]), received_at, row["user_id"],
            row["region"], row["title_id"], row["episode_id"], row["session_id"], row["device_type"],
            adapt_json(row["properties"]),
        )
        for row in rows
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
        return cursor.rowcount


def _unknown_references(events: list[tuple[int, dict]], *, user) -> list[dict]:
    """Errors for events naming a title the sender may not see (or that does not exist: the two look the
    same, as in the catalog), or an episode of another title.

    The catalog's visibility rule decides, so nobody can add plays to a title their region or parental
    controls hide from them.
    """
    title_ids = {e["title_id"] for _, e in events if e["title_id"]}
    episode_ids = {e["episode_id"] for _, e in events if e["episode_id"]}
    known_titles = title_ids_visible(user=user, title_ids=title_ids)
    episode_show = episode_show_ids(episode_ids=episode_ids)
    errors = []
    for index, event in events:
        if event["title_id"] and event["title_id"] not in known_titles:
            errors.append({"index": index, "field": "title", "reason": f"Title {event['title_id']} does not exist."})
        episode_id = event["episode_id"]
        if episode_id and episode_show.get(episode_id) != event["title_id"]:
            errors.append(
                {"index": index, "field": "episode", "reason": f"Episode {episode_id} is not an episode of the title."}
            )
    return errors


@boundary
def events_ingest(*, user, events: list) -> IngestResult:
    """Stores a batch of client events all-or-nothing; ids already stored for this user count as duplicates."""
    if not isinstance(events, list) or not events:
        raise EventBatchInvalid([{"index": None, "field": "events", "reason": "Send one event or a non-empty list."}])
    if len(events) > MAX_BATCH_EVENTS:
        raise EventBatchInvalid(
            [{"index": None, "field": "events", "reason": f"A batch holds at most {MAX_BATCH_EVENTS} events."}]
        )
    bounds = time_bounds(timezone.now())
    errors: list[dict] = []
    cleaned: list[tuple[int, dict]] = []
    for index, raw in enumerate(events):
        event, problems = event_clean(raw, bounds=bounds)
        if problems or event is None:
            errors.extend({"index": index, "field": field, "reason": reason} for field, reason in problems)
        else:
            cleaned.append((index, event))
    errors.extend(_unknown_references(cleaned, user=user))
    if errors:
        errors.sort(key=lambda e: e["index"])
        raise EventBatchInvalid(errors)
    region = user.country
    rows = []
    activity = set()
    for _, event in cleaned:
        event["user_id"] = user.pk
        event["region"] = region
        rows.append(event)
        activity.add((hour_of(event["occurred_at"]), user.pk, region, event["device_type"]))
    with transaction.atomic():
        accepted = _events_insert(rows, source=EventSource.CLIENT)
        _activity_add(activity)
    return IngestResult(accepted=accepted, duplicates=len(rows) - accepted)


@boundary
def server_event_record(
    *,
    type: str,
    user=None,
    title=None,
    properties: dict | None = None,
    occurred_at: datetime | None = None,
    event_id: str | None = None,
    device_type: str = "",
) -> Event:
    """Records an event another service observed (login, history_update, search, ...)."""
    from django.core.exceptions import ValidationError

    if type not in SERVER_EVENT_TYPES:
        raise ValidationError({"type": f"Unknown server event type {type!r}."})
    event = Event(
        client_id=event_id or uuid.uuid4().hex,
        type=type,
        source=EventSource.SERVER,
        occurred_at=occurred_at or timezone.now(),
        user=user if user is not None and user.is_authenticated else None,
        region=getattr(user, "country", "") or "",
        title=title,
        device_type=device_type,
        properties=properties or {},
    )
    event.full_clean(validate_constraints=False)
    with transaction.atomic():
        event.save()
        if event.user_id:
            _activity_add({(hour_of(event.occurred_at), event.user_id, event.region, device_type)})
    return event


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
        _db_value(ViewRollup, "hour", hour),
        _db_value(ViewRollup, "day", hour.date()),
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


def view_reach(*, position_s: float, duration_s: float | None) -> float | None:
    if not duration_s or duration_s <= 0:
        return None
    return max(0.0, min(1.0, position_s / duration_s))


@boundary
def view_summary_record(
    *,
    session_id: str,
    user,
    title,
    episode=None,
    region: str,
    device_type: str,
    cdn: str,
    started_at: datetime,
    ended_at: datetime,
    startup_time_ms: float | None,
    watch_time_s: float,
    rebuffer_count: int,
    rebuffer_duration_s: float,
    avg_bitrate_kbps: float | None,
    rendition_switches: int,
    dropped_frames: int,
    exited_before_start: bool,
    fatal_error: bool,
    error_code: str = "",
    position_s: float = 0,
    duration_s: float | None = None,
) -> ViewSummary:
    """Stores the quality summary of a finished view and adds it to the rollups; once per session id."""
    existing = ViewSummary.objects.filter(session_id=str(session_id)).first()
    if existing is not None:
        return existing
    if duration_s is None:
        duration_s = (episode.runtime_s if episode is not None else None) or title.runtime_s
    reach = view_reach(position_s=position_s, duration_s=duration_s)
    view = ViewSummary(
        session_id=str(session_id),
        user=user if user is not None and user.is_authenticated else None,
        title=title,
        episode=episode,
        region=(region or getattr(user, "country", "") or "").upper(),
        device_type=(device_type or "other").lower(),
        cdn=cdn or "unknown",
        started_at=started_at,
        ended_at=max(ended_at, started_at),
        startup_time_ms=startup_time_ms,
        watch_time_s=max(0.0, watch_time_s),
        rebuffer_count=rebuffer_count,
        rebuffer_duration_s=max(0.0, rebuffer_duration_s),
        avg_bitrate_kbps=avg_bitrate_kbps,
        rendition_switches=rendition_switches,
        dropped_frames=dropped_frames,
        exited_before_start=exited_before_start,
        fatal_error=fatal_error,
        error_code=error_code or "",
        position_s=max(0.0, position_s),
        duration_s=duration_s,
        reach=reach,
        completed=reach is not None and reach >= COMPLETION_THRESHOLD,
    )
    view.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            view.save()
            _rollup_add(view)
            if view.user_id:
                hour = hour_of(view.started_at)
                _activity_add({(hour, view.user_id, view.region, view.device_type)}, title_id=view.title_id)
                viewer, created = Viewer.objects.get_or_create(
                    user_id=view.user_id, defaults={"region": view.region, "first_view_at": view.started_at}
                )
                if not created and viewer.first_view_at > view.started_at:
                    Viewer.objects.filter(pk=viewer.pk).update(first_view_at=view.started_at)
    except IntegrityError:
        # The same session was recorded concurrently: that record stands.
        existing = ViewSummary.objects.filter(session_id=view.session_id).first()
        if existing is None:
            raise
        return existing
    return view


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
    """The per-day sets from the stored events and views: what `_activity_add` adds, all at once."""
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
