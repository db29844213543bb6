"""Writes of analytics data: client event batches, and events and view summaries from other services.

Each write adds what it stores to the rollups (`analytics.rollups`) in the same transaction.
"""

from __future__ import annotations

import functools
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from analytics.event_types import MAX_BATCH_EVENTS, SERVER_EVENT_TYPES, event_clean, time_bounds
from analytics.models import Event, EventSource, Viewer, ViewSummary
from analytics.reports.figures import COMPLETION_THRESHOLD, view_reach
from analytics.rollups import activity_add, db_value, hour_of, rollups_rebuild, view_add
from catalog.selectors import episode_show_ids, title_ids_visible
from identity.selectors import profile_of
from streaming_platform.boundary import boundary
from streaming_platform.errors import Invalid

# `rollups_rebuild` is a service of this app too (the rebuild command and the demo seed call it).
__all__ = [
    "EventBatchInvalid",
    "IngestResult",
    "events_ingest",
    "rollups_rebuild",
    "server_event_record",
    "view_summary_record",
]


@dataclass
class IngestResult:
    accepted: int
    duplicates: int


class EventBatchInvalid(Invalid):
    """A batch with at least one bad event; `errors` lists {index, field, reason}; nothing was stored."""

    code = "invalid_events"

    def __init__(self, errors: list[dict]):
        bad = len({error["index"] for error in errors})
        super().__init__(f"{bad} invalid event(s); nothing was stored.", extra={"errors": errors})
        self.errors = errors


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
        "profile_id",
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
    received_at = db_value(Event, "received_at", timezone.now())
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
            row["profile_id"], row["region"], row["title_id"], row["episode_id"], row["session_id"], row["device_type"],
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
    profile = profile_of(user)
    rows = []
    activity = set()
    for _, event in cleaned:
        event["user_id"] = user.pk
        event["profile_id"] = profile.pk if profile is not None else None
        event["region"] = region
        rows.append(event)
        activity.add((hour_of(event["occurred_at"]), user.pk, region, event["device_type"]))
    with transaction.atomic():
        accepted = _events_insert(rows, source=EventSource.CLIENT)
        activity_add(activity)
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
    account_wide: bool = False,
) -> Event:
    """Records an event another service observed (login, history_update, search, ...).

    It carries the profile `user` acts for, unless it is `account_wide` (a login).
    """
    from django.core.exceptions import ValidationError

    if type not in SERVER_EVENT_TYPES:
        raise ValidationError({"type": f"Unknown server event type {type!r}."})
    event = Event(
        client_id=event_id or uuid.uuid4().hex,
        type=type,
        source=EventSource.SERVER,
        occurred_at=occurred_at or timezone.now(),
        user=user if user is not None and user.is_authenticated else None,
        profile=None if account_wide else profile_of(user),
        region=getattr(user, "country", "") or "",
        title=title,
        device_type=device_type,
        properties=properties or {},
    )
    event.full_clean(validate_constraints=False)
    with transaction.atomic():
        event.save()
        if event.user_id:
            activity_add({(hour_of(event.occurred_at), event.user_id, event.region, device_type)})
    return event


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
    profile=None,
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
        profile=profile,
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
            view_add(view)
    except IntegrityError:
        # The same session was recorded concurrently: that record stands.
        existing = ViewSummary.objects.filter(session_id=view.session_id).first()
        if existing is None:
            raise
        return existing
    return view


@boundary
def user_identity_erase(*, user) -> None:
    """Before an account is deleted: its events and view summaries stay, counted, but name no one.

    Events lose the user and get a new client id (a client id is unique among anonymous events; the
    random part keeps a sender's chosen id from colliding). The viewer's first-view record goes. The
    daily distinct-user arrays keep the bare id of the deleted account, which then names no one (ids
    are never reused), so the distinct counts of past days stay right.
    """
    erased = f"erased-{secrets.token_hex(8)}-"
    Event.objects.filter(user=user).update(user=None, client_id=Concat(Value(erased), Cast("id", CharField())))
    ViewSummary.objects.filter(user=user).update(user=None)
    Viewer.objects.filter(user=user).delete()
