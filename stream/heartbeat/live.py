"""Where a playing session's live state is kept: the one place that decides it, and the database's store.

A metric update changes a session's live state (sequence, state, position, QoE accumulators, last seen). With
`REDIS_URL` set, that state lives in Redis (`stream.heartbeat.redis_live`) and the relational row is written at
the start, the end and every `STREAM_CHECKPOINT_S`; without it (the embedded default), in the row itself. Both
stores answer the same questions, so the services and selectors never ask which one they have: `store()`.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from stream.heartbeat import statements
from stream.heartbeat.apply import WRITTEN_FIELDS, apply
from stream.models import PlaybackSession, SessionStatus


class Outcome:
    """What one attempt at a metric update found (`UpdateResult.kind`)."""

    APPLIED = "applied"
    STALE = "stale"  # its sequence is not above the last applied one: nothing changes
    ENDED = "ended"
    OWNER = "owner"  # the session is another viewer's: nothing was read into the answer, nothing written
    POSITION = "position"  # the position is past the duration: nothing written
    CONTROLS = "controls"  # parental controls are due a check before this update may be written
    CONFLICT = "conflict"  # a concurrent update got there first: try again
    MISSING = "missing"


@dataclass
class UpdateResult:
    kind: str
    session: PlaybackSession | None
    checkpoint_due: bool = False


# Fields of the live state besides those an update writes: the owner, whether it runs, when it began, its CDN.
LIVE_FIELDS = ("user_id", "status", "started_at", "cdn_id", *WRITTEN_FIELDS)


def sequence_of(session: PlaybackSession, metrics: dict) -> int:
    """The update's sequence number; without one (CMCD v1, or JSON without it), updates apply in arrival order."""
    given = metrics.get("sequence")
    return given if given is not None else session.last_sequence + 1


def position_past_duration(session: PlaybackSession, metrics: dict, slack_s: float) -> bool:
    position, duration = metrics.get("position_s"), metrics.get("duration_s") or session.duration_s
    return bool(position is not None and duration and position > duration + slack_s)


def controls_check_due(last_seen_at: datetime, at: datetime, period_s: int) -> bool:
    """Once per `period_s` of the session's clock: a heartbeat crossing into a new period checks."""
    return int(at.timestamp()) // period_s != int(last_seen_at.timestamp()) // period_s


class DatabaseLiveStore:
    """Live state in the session's row: every update is a compare-and-set UPDATE (the embedded default)."""

    name = "database"

    def authenticate(self, credentials: bytes, *, session_id: str) -> tuple:
        """(user, auth token, the session as an update reads it, or None); 401 for a bad token."""
        from stream.heartbeat import token

        return token.check(credentials, session_id=session_id)

    def session_read(self, session_id: str) -> PlaybackSession | None:
        return statements.session_read(session_id)

    def update_once(
        self,
        *,
        session_id: str,
        metrics: dict,
        at: datetime,
        user,
        session: PlaybackSession | None,
        controls_checked: bool,
        slack_s: float,
        controls_period_s: int,
    ) -> UpdateResult:
        session = session if session is not None and session.pk == session_id else statements.session_read(session_id)
        if session is None:
            return UpdateResult(Outcome.MISSING, None)
        if user is not None and session.user_id != user.pk:
            return UpdateResult(Outcome.OWNER, session)
        if session.status != SessionStatus.ACTIVE:
            return UpdateResult(Outcome.ENDED, session)
        sequence = sequence_of(session, metrics)
        if sequence <= session.last_sequence:
            return UpdateResult(Outcome.STALE, session)
        if position_past_duration(session, metrics, slack_s):
            return UpdateResult(Outcome.POSITION, session)
        if not controls_checked and controls_check_due(session.last_seen_at, at, controls_period_s):
            return UpdateResult(Outcome.CONTROLS, session)
        seen_sequence = session.last_sequence
        apply(session, {**metrics, "sequence": sequence}, at)
        # No full_clean: the values were range-checked on the way in and the row's relations never change here.
        if statements.session_write_if_unchanged(session, seen_sequence=seen_sequence):
            return UpdateResult(Outcome.APPLIED, session)
        return UpdateResult(Outcome.CONFLICT, None)

    def checkpoint(self, session: PlaybackSession) -> None:
        """The row is the live state: nothing to write."""

    def started(self, session: PlaybackSession) -> None:
        """The row is the live state: nothing to do."""

    def end_begin(self, session_id: str, *, idle_before: datetime | None = None) -> dict | None:
        """Live values newer than the row (none here). With `idle_before`, a session seen since then is busy."""
        return None

    def end_undo(self, session_id: str) -> None:
        """Nothing was marked."""

    def end_done(self, session_id: str) -> None:
        """Nothing to forget."""

    def overlay(self, sessions: list[PlaybackSession]) -> list[PlaybackSession]:
        """The sessions with their live values (the rows are live already)."""
        return sessions

    def idle_ids(self, *, before: datetime, user=None) -> list[str]:
        idle = PlaybackSession.objects.filter(status=SessionStatus.ACTIVE, last_seen_at__lt=before)
        if user is not None:
            idle = idle.filter(user=user)
        return list(idle.values_list("pk", flat=True))

    def active_rows(self, *, since: datetime) -> list[dict]:
        """The active sessions seen since `since`: cdn_id, user_id, last_seen_at and their QoE accumulators."""
        return list(
            PlaybackSession.objects.filter(status=SessionStatus.ACTIVE, last_seen_at__gte=since)
            .order_by()
            .values(*ACTIVE_ROW_FIELDS)
        )

    def pathway_report(self, session: PlaybackSession, changes: dict) -> None:
        """Writes what a steering request reported (throughput, CDN) to the live state."""
        PlaybackSession.objects.filter(pk=session.pk, status=SessionStatus.ACTIVE).update(**changes)

    def tokens_forget(self, *, user_id: int, digests: list[str] | None) -> None:
        """No token cache: every update reads its token."""


ACTIVE_ROW_FIELDS = (
    "cdn_id",
    "user_id",
    "last_seen_at",
    "fatal_error",
    "rebuffer_duration_s",
    "watch_time_s",
    "startup_time_ms",
)

_stores: dict[tuple, object] = {}


def store():
    """The live-state store the settings choose (`STREAM_LIVE_STORE`: Redis by default with `REDIS_URL`, else the
    database). One per settings."""
    in_redis = settings.STREAM_LIVE_STORE == "redis" and bool(settings.REDIS_URL)
    key = (in_redis, settings.REDIS_URL, settings.STREAM_LIVE_PREFIX)
    chosen = _stores.get(key)
    if chosen is None:
        if in_redis:
            from stream.heartbeat.redis_live import RedisLiveStore

            chosen = RedisLiveStore(url=settings.REDIS_URL, prefix=settings.STREAM_LIVE_PREFIX)
        else:
            chosen = DatabaseLiveStore()
        _stores[key] = chosen
    return chosen
