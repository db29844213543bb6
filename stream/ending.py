"""Ending playback sessions: by the player, the viewer, staff, the idle reaper, a fatal error or the rules,
each recorded exactly once (history, analytics) whichever worker or store saw it last."""

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from stream.heartbeat import live
from stream.heartbeat.apply import WRITTEN_FIELDS, account_interval
from stream.models import EndReason, PlaybackSession, SessionStatus
from streaming_platform.boundary import boundary

REAP_EVERY_S = 30  # automatic reaping runs at most this often per process


@boundary
def session_end(*, session_id: str, reason: str, at: datetime | None = None) -> PlaybackSession:
    """Ends a session exactly once, whatever the path (player, idle reaper, fatal error).

    The first call closes the running aggregates, records the viewer's progress through identity and the
    view's quality summary through analytics, in one transaction; later calls return the ended session.
    """
    at = at or timezone.now()
    store = live.store()
    # The live state is marked ended first: an update after this point is refused, one before it is counted.
    idle_before = at - timedelta(seconds=settings.STREAM_IDLE_TIMEOUT_S) if reason == EndReason.IDLE else None
    values = store.end_begin(session_id, idle_before=idle_before)
    if values and values.get("busy"):  # the reaper's view was stale: the player is still sending updates
        return PlaybackSession.objects.get(pk=session_id)
    try:
        ended = _session_end_recorded(session_id=session_id, reason=reason, at=at, live_values=values or {})
    except BaseException:
        if values is not None:
            store.end_undo(session_id)
        raise
    transaction.on_commit(lambda: store.end_done(session_id))
    return ended


def _session_end_recorded(*, session_id: str, reason: str, at: datetime, live_values: dict) -> PlaybackSession:
    from analytics.services import view_summary_record
    from identity.services import history_record

    with transaction.atomic():
        session = (
            PlaybackSession.objects.select_for_update(of=("self",))
            .select_related("user", "profile", "title", "episode", "cdn")
            .get(pk=session_id)
        )
        if session.status != SessionStatus.ACTIVE:
            return session
        for name in WRITTEN_FIELDS:
            if name in live_values:
                setattr(session, name, live_values[name])
        if reason == EndReason.IDLE:
            # The view ended when the player went silent, not when the reaper noticed.
            ended_at = session.last_seen_at
        else:
            ended_at = max(at, session.last_seen_at)
            account_interval(session, ended_at)
        session.status = SessionStatus.ENDED
        session.end_reason = reason
        session.ended_at = ended_at
        if session.position_s == session.start_position_s and session.watch_time_s > 0:
            # The player never reported a position (no `pt`, a CMCD v1 player): the best estimate is where it
            # began plus the time it played.
            session.position_s = session.start_position_s + session.watch_time_s
        if session.duration_s:
            session.position_s = min(session.position_s, session.duration_s)
        # A conditional update: whoever flips the status first ends the session, even without row locks.
        flipped = PlaybackSession.objects.filter(pk=session.pk, status=SessionStatus.ACTIVE).update(
            status=session.status,
            end_reason=session.end_reason,
            ended_at=session.ended_at,
            **{name: getattr(session, name) for name in WRITTEN_FIELDS},
        )
        if not flipped:
            return PlaybackSession.objects.get(pk=session.pk)
        # A session whose profile was deleted leaves no history behind (its profile's history went with it).
        if session.first_frame_at is not None and session.profile_id is not None:
            history_record(
                user=session.user,
                profile=session.profile,
                title=session.title,
                episode=session.episode,
                position_s=session.position_s,
                duration_s=session.duration_s,
                watched_at=ended_at,
                watched_s=session.watch_time_s,
            )
        view_summary_record(
            session_id=session.pk,
            user=session.user,
            profile=session.profile,
            title=session.title,
            episode=session.episode,
            region=session.region,
            device_type=session.device_type,
            cdn=session.cdn.name,
            started_at=session.started_at,
            ended_at=ended_at,
            startup_time_ms=session.startup_time_ms,
            watch_time_s=session.watch_time_s,
            rebuffer_count=session.rebuffer_count,
            rebuffer_duration_s=session.rebuffer_duration_s,
            avg_bitrate_kbps=session.avg_bitrate_kbps,
            rendition_switches=session.rendition_switches,
            dropped_frames=session.dropped_frames,
            exited_before_start=session.exited_before_start,
            fatal_error=session.fatal_error,
            error_code=session.error_code,
            position_s=session.position_s,
            duration_s=session.duration_s,
        )
    return session


@boundary
def sessions_end_of_deleted_profile(*, user) -> int:
    """Ends the account's running sessions whose profile was deleted (their profile is empty now)."""
    running = PlaybackSession.objects.filter(user=user, status=SessionStatus.ACTIVE, profile__isnull=True)
    ended = 0
    for session_id in running.values_list("pk", flat=True):
        session_end(session_id=session_id, reason=EndReason.PARENTAL)
        ended += 1
    return ended


@boundary
def sessions_reap_idle(*, at: datetime | None = None, user=None) -> int:
    """Ends, as idle, the active sessions (of `user`, or everyone's) with no update within the idle timeout."""
    at = at or timezone.now()
    before = at - timedelta(seconds=settings.STREAM_IDLE_TIMEOUT_S)
    ended = 0
    for session_id in live.store().idle_ids(before=before, user=user):
        if session_end(session_id=session_id, reason=EndReason.IDLE, at=at).end_reason == EndReason.IDLE:
            ended += 1
    return ended


_last_reap = {"at": float("-inf")}


@boundary
def sessions_reap_idle_if_due() -> int:
    """The automatic reaper: lists and CDN status call it; it runs at most every REAP_EVERY_S per process."""
    now = time.monotonic()
    if now - _last_reap["at"] < REAP_EVERY_S:
        return 0
    _last_reap["at"] = now
    return sessions_reap_idle()
