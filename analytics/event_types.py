"""The documented event types, the properties each one takes, and the validation of one event."""

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from streaming_platform.api.ids import MAX_ID

ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
TOKEN_PATTERN = re.compile(r"^[a-z0-9_\-]{1,16}$")
EVENT_FIELDS = {"id", "type", "time", "title", "episode", "session", "device", "properties"}


@dataclass(frozen=True)
class Prop:
    kind: str  # "number" (>= 0), "integer" (>= 0), "string", "boolean"
    required: bool = False
    max_length: int = 200


# Types a client may send, with their properties.
CLIENT_EVENT_TYPES: dict[str, dict[str, Prop]] = {
    "play_start": {"position_s": Prop("number")},
    "play_end": {"position_s": Prop("number", required=True), "watch_time_s": Prop("number")},
    "pause": {"position_s": Prop("number")},
    "seek": {"from_s": Prop("number", required=True), "to_s": Prop("number", required=True)},
    "rebuffer": {"duration_s": Prop("number", required=True), "position_s": Prop("number")},
    "playback_error": {
        "code": Prop("string", required=True, max_length=64),
        "fatal": Prop("boolean"),
        "message": Prop("string", max_length=500),
    },
    "quality_change": {
        "bitrate_kbps": Prop("number", required=True),
        "previous_bitrate_kbps": Prop("number"),
        "height": Prop("integer"),
    },
    "search": {"query": Prop("string", required=True), "results": Prop("integer")},
    "page_view": {"page": Prop("string", required=True), "referrer": Prop("string")},
}

# Types only other services report (through `server_event_record`); their properties are free-form.
SERVER_EVENT_TYPES = {"login", "history_update", "search", "view"}

# Events whose type needs a title.
TITLE_REQUIRED = {"play_start", "play_end", "pause", "seek", "rebuffer", "quality_change"}


def max_event_age() -> timedelta:
    return timedelta(seconds=getattr(settings, "ANALYTICS_EVENT_MAX_AGE_S", 7 * 24 * 3600))


def max_event_skew() -> timedelta:
    return timedelta(seconds=getattr(settings, "ANALYTICS_EVENT_MAX_FUTURE_S", 300))


def _check_prop(name: str, spec: Prop, value) -> str | None:
    if spec.kind == "boolean":
        return None if isinstance(value, bool) else f"properties.{name} must be true or false."
    if spec.kind == "string":
        if not isinstance(value, str):
            return f"properties.{name} must be a string."
        if len(value) > spec.max_length:
            return f"properties.{name} is longer than {spec.max_length} characters."
        if "\x00" in value:
            return f"properties.{name} may not contain NUL characters."
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"properties.{name} must be a number."
    if spec.kind == "integer" and not isinstance(value, int):
        return f"properties.{name} must be a whole number."
    if not math.isfinite(value) or value < 0:
        return f"properties.{name} must be a finite number >= 0."
    return None


def _parse_time(value, earliest: datetime, latest: datetime) -> tuple[datetime | None, str | None]:
    if not isinstance(value, str):
        return None, "time must be an ISO 8601 string."
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None, "time is not a valid ISO 8601 date-time."
    if parsed.tzinfo is None:
        return None, "time must include a UTC offset (e.g. 2026-01-31T20:15:00Z)."
    if parsed > latest:
        return None, "time is too far in the future."
    if parsed < earliest:
        return None, f"time is more than {max_event_age().days} days in the past."
    return parsed, None


def time_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The oldest and the latest time an event sent `now` may carry."""
    return now - max_event_age(), now + max_event_skew()


def event_clean(raw, *, bounds: tuple[datetime, datetime]) -> tuple[dict | None, list[tuple[str, str]]]:
    """One client event as sent: the cleaned event, or (None, [(field, reason), ...]).

    `bounds` comes from `time_bounds(now)`, computed once per batch (this runs for every event of it).
    """
    if not isinstance(raw, dict):
        return None, [("non_field_errors", "An event must be a JSON object.")]
    errors: list[tuple[str, str]] = []
    if not raw.keys() <= EVENT_FIELDS:
        errors.extend((unknown, "Unknown field.") for unknown in sorted(set(raw) - EVENT_FIELDS))
    client_id = raw.get("id")
    if not isinstance(client_id, str) or not ID_PATTERN.match(client_id):
        errors.append(("id", "id is required: 1 to 64 letters, digits or _ . : -"))
    event_type = raw.get("type")
    spec = CLIENT_EVENT_TYPES.get(event_type) if isinstance(event_type, str) else None
    if spec is None:
        if isinstance(event_type, str) and event_type in SERVER_EVENT_TYPES:
            errors.append(("type", f"'{event_type}' events are recorded by the server, not sent by clients."))
        else:
            errors.append(("type", f"Unknown event type {event_type!r}; use one of {', '.join(CLIENT_EVENT_TYPES)}."))
    occurred_at, time_error = _parse_time(raw.get("time"), *bounds)
    if time_error:
        errors.append(("time", time_error))
    title_id, episode_id = raw.get("title"), raw.get("episode")
    for field, value in (("title", title_id), ("episode", episode_id)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID):
            errors.append((field, f"{field} must be a positive integer id."))
    if title_id is None and spec is not None and event_type in TITLE_REQUIRED:
        errors.append(("title", f"'{event_type}' events need a title."))
    if episode_id is not None and title_id is None:
        errors.append(("episode", "An episode needs its title."))
    session = raw.get("session", "")
    if not isinstance(session, str) or len(session) > 64 or "\x00" in session:
        errors.append(("session", "session must be a string of at most 64 characters."))
    device = raw.get("device", "")
    if not isinstance(device, str) or (device and not TOKEN_PATTERN.match(device)):
        errors.append(("device", "device must be a short lowercase token such as web, mobile, tablet or tv."))
    properties = raw.get("properties", {})
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        errors.append(("properties", "properties must be a JSON object."))
    elif spec is not None:
        if not properties.keys() <= spec.keys():
            for name in sorted(set(properties) - set(spec)):
                errors.append(("properties", f"'{name}' is not a property of '{event_type}' events."))
        for name, prop in spec.items():
            if name not in properties:
                if prop.required:
                    errors.append(("properties", f"properties.{name} is required for '{event_type}' events."))
                continue
            problem = _check_prop(name, prop, properties[name])
            if problem:
                errors.append(("properties", problem))
    if errors:
        return None, errors
    return {
        "client_id": client_id,
        "type": event_type,
        "occurred_at": occurred_at,
        "title_id": title_id,
        "episode_id": episode_id,
        "session_id": session,
        "device_type": device,
        "properties": properties,
    }, []
