"""Writes of stream data: start, update and end playback sessions, reap idle ones, manage CDNs."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Subquery
from django.utils import timezone

from catalog.models import Episode, Kind, Title
from catalog.selectors import episode_of_show
from identity.services import account_lock
from stream import selectors
from stream.ending import (  # noqa: F401 - other services end sessions through this module
    session_end,
    sessions_end_of_deleted_profile,
    sessions_reap_idle,
    sessions_reap_idle_if_due,
)
from stream.heartbeat import live
from stream.heartbeat.live import Outcome
from stream.ladder import RUNGS_BY_KBPS, Rung, hevc_ladder_for, ladder_for, max_height_for
from stream.models import Cdn, EndReason, PlaybackSession
from streaming_platform.boundary import boundary
from streaming_platform.errors import Conflict, Forbidden, NotFound, Unavailable
from streaming_platform.ownership import owner_or_staff_check


class TooManyStreams(Conflict):
    code = "too_many_streams"

    def __init__(self, *, max_streams: int, active_sessions: list[PlaybackSession]):
        super().__init__(
            f"Too many streams: your plan allows {max_streams} at a time. End one of the active sessions to start."
        )
        self.max_streams = max_streams
        self.active_sessions = active_sessions


class NoCdnAvailable(Unavailable):
    code = "no_cdn"
    default_message = "No CDN can serve this stream right now."


class ViewingNotAllowed(Forbidden):
    """Parental controls no longer allow viewing: the session was ended; the body names why and how."""

    code = "viewing_not_allowed"

    def __init__(self, reason: str):
        super().__init__(reason, extra={"code": self.code, "end_reason": EndReason.PARENTAL.value})


POSITION_SLACK_S = 60.0  # players may report a little past the duration (rounding, credits); more is a wrong unit
CONTROLS_CHECK_S = 60  # metric updates check parental controls once a minute per session (windows are in minutes)


@dataclass
class StartedSession:
    session: PlaybackSession
    ladder: list[Rung]
    resume_position_s: float | None


# --- CDNs --------------------------------------------------------------------------------------------


@boundary
def cdn_upsert(
    *, name: str, base_url: str, regions: list[str], capacity: int, weight: int = 100, enabled: bool = True
) -> Cdn:
    """Creates the CDN called `name`, or brings an existing one up to these values."""
    with transaction.atomic():
        cdn = Cdn.objects.filter(name=name).first() or Cdn(name=name)
        cdn.base_url, cdn.regions, cdn.capacity, cdn.weight, cdn.enabled = (
            base_url,
            [region.upper() for region in regions],
            capacity,
            weight,
            enabled,
        )
        cdn.full_clean()
        cdn.save()
    return cdn


# --- Starting ------------------------------------------------------------------------------------------


def _title_and_episode(*, user, title_id: int, episode_id: int | None) -> tuple[Title, Episode | None]:
    from catalog.selectors import title_get_visible

    # The catalog's one visibility rule (region, availability window, parental controls): hidden is 404.
    title = title_get_visible(user=user, title_id=title_id)
    if title.kind == Kind.SHOW:
        if episode_id is None:
            raise ValidationError({"episode": ["Choose an episode to play a show."]})
        episode = episode_of_show(show=title, episode_id=episode_id)
        if episode is None:
            raise ValidationError({"episode": [f"Episode {episode_id} is not an episode of title {title.pk}."]})
        return title, episode
    if episode_id is not None:
        raise ValidationError({"episode": ["A movie has no episodes."]})
    return title, None


@boundary
def session_start(
    *,
    user,
    title_id: int,
    episode_id: int | None = None,
    device_type: str,
    device_id: str,
    screen_height: int | None = None,
    device_hevc: bool = False,
    at: datetime | None = None,
) -> StartedSession:
    """Checks entitlement, picks a CDN and the ladder, and opens a session.

    Refuses with 404 (title not visible), 403 (outside viewing hours, daily limit) or 409 (the plan's
    concurrent streams are all in use). The viewer's active session on the same device, if any, ends
    (`replaced`) and frees its slot. The count and the insert run in one write transaction, with the
    viewer's row locked where the database supports it, so two starts racing for the last slot cannot
    both pass (SQLite's BEGIN IMMEDIATE serializes writers the same way).
    """
    from catalog.selectors import viewer_region
    from identity.selectors import profile_of, resume_position_for

    at = at or timezone.now()
    title, episode = _title_and_episode(user=user, title_id=title_id, episode_id=episode_id)
    allowed, reason = _viewing_allowed(user=user, at=at)
    if not allowed:
        raise Forbidden(reason or "Viewing is not allowed now.")

    region = viewer_region(user)
    max_height = max_height_for(plan_max_height=user.max_height, device_type=device_type, screen_height=screen_height)
    ladder = ladder_for(max_height)
    hevc_ladder = hevc_ladder_for(max_height=max_height, plan_max_height=user.max_height, device_hevc=device_hevc)
    hint = selectors.initial_bitrate_hint(region=region, device_type=device_type, at=at)
    store = live.store()
    with transaction.atomic():
        account_lock(user=user)
        sessions_reap_idle(at=at, user=user)
        active = store.overlay(list(selectors.sessions_active_for(user=user).order_by("started_at")))
        # A device plays one stream: starting again on it (a reload, a crash, a new title) takes over its
        # session instead of waiting for the idle timeout with a 409. Everything that may refuse comes first.
        replaced = [session for session in active if session.device_id == device_id]
        others = [session for session in active if session.device_id != device_id]
        if len(others) >= user.max_streams:
            raise TooManyStreams(max_streams=user.max_streams, active_sessions=others)
        ranked = selectors.cdns_ranked(region=region, healths=selectors.cdn_health_list(at=at))
        if not ranked:
            raise NoCdnAvailable()
        for previous in replaced:
            session_end(session_id=previous.pk, reason=EndReason.REPLACED, at=at)
        session = PlaybackSession(
            user=user,
            profile=profile_of(user),
            title=title,
            episode=episode,
            cdn=ranked[0].cdn,
            region=region,
            device_type=device_type,
            device_id=device_id,
            max_height=max_height,
            ladder_kbps=[rung.video_kbps for rung in ladder],
            hevc_ladder_kbps=[rung.video_kbps for rung in hevc_ladder],
            initial_bitrate_kbps=hint if hint is not None else ladder[0].video_kbps,
            started_at=at,
            last_seen_at=at,
            duration_s=float((episode.runtime_s if episode else title.runtime_s) or 0) or None,
        )
        resume = resume_position_for(user=user, title=title, episode=episode)
        session.position_s = session.start_position_s = resume or 0.0
        session.full_clean(exclude=["user", "profile", "title", "episode", "cdn"], validate_constraints=False)
        session.save(force_insert=True)
        transaction.on_commit(lambda: store.started(session))
    return StartedSession(session=session, ladder=[*ladder, *hevc_ladder], resume_position_s=resume)


# --- Metric updates ----------------------------------------------------------------------------------------
# The statements and the accounting are the heartbeat's (`stream.heartbeat`); the rules of an update are here.

UPDATE_ATTEMPTS = 5


def session_writable_check(*, session: PlaybackSession | None, user) -> PlaybackSession:
    """The session, if `user` (None: the system) may send its metrics: 404 for another viewer's, 403 for staff's."""
    if session is None:
        raise NotFound(selectors.SESSION_NOT_FOUND)
    if user is not None:
        owner_or_staff_check(
            user,
            session.user_id,
            write=True,
            not_found=selectors.SESSION_NOT_FOUND,
            staff_write="Only the viewer of a session may send its metrics.",
        )
    return session


@boundary
def session_update(
    *, session_id: str, metrics: dict, user=None, at: datetime | None = None, session: PlaybackSession | None = None
) -> tuple[PlaybackSession, bool]:
    """Applies one metric update; returns the session and whether the update changed anything.

    `metrics` is validated by the caller (`MetricUpdateSerializer`, the CMCD parser). With `user`, only
    the session's owner may update it (404 for others, 403 for staff, who may read but not write).
    `session` is the row as the caller has just read it, if it has (`stream.heartbeat.authenticate` reads it
    with the token): the first attempt starts from it instead of reading it again.
    An update whose sequence number is not above the last applied one changes nothing (a retry or a late
    packet). A fatal error ends the session.

    The write is one compare-and-set UPDATE (on the sequence number and the status read before), not a
    locking transaction: every viewer sends one every few seconds, and on SQLite a transaction held
    across the read would queue all writers behind it. A concurrent update of the same session makes the
    write miss; the update is then re-read and re-applied.
    """
    at = at or timezone.now()
    store, controls_checked = live.store(), False
    for _attempt in range(UPDATE_ATTEMPTS):
        result = store.update_once(
            session_id=session_id,
            metrics=metrics,
            at=at,
            user=user,
            session=session,
            controls_checked=controls_checked,
            slack_s=POSITION_SLACK_S,
            controls_period_s=CONTROLS_CHECK_S,
        )
        if result.kind == Outcome.CONFLICT:
            session = None  # read it again
            continue
        session = session_writable_check(session=result.session, user=user)
        if result.kind == Outcome.ENDED:
            return _after_end(session, metrics)
        if result.kind == Outcome.STALE:
            return session, False
        if result.kind == Outcome.POSITION:
            _position_check(session, metrics)
        if result.kind == Outcome.CONTROLS:
            # Before the write: a viewer past their limit gets nothing more recorded.
            _viewing_check(session=session, user=user, at=at)
            controls_checked = True
            continue
        if result.kind == Outcome.APPLIED:
            break
    else:
        raise Conflict("The session is being updated concurrently; send the update again.")
    if result.checkpoint_due:
        store.checkpoint(session)
    if session.fatal_error:
        session = session_end(session_id=session.pk, reason=EndReason.ERROR, at=at)
    elif metrics.get("quit"):
        session = session_end(session_id=session.pk, reason=EndReason.CLIENT, at=at)
    return session, True


def _after_end(session: PlaybackSession, metrics: dict) -> tuple[PlaybackSession, bool]:
    """An update after the end: 409, except the error code a player sends in the report after its fatal error.

    The code is kept on the session (its summary shows it); the view's analytics summary was recorded at the end.
    """
    code = metrics.get("error_code")
    if code:  # the live state may say ended before the row does (the end is being recorded): the row decides
        session = PlaybackSession.objects.get(pk=session.pk)
    if session.end_reason == EndReason.ERROR and code and not session.error_code:
        PlaybackSession.objects.filter(pk=session.pk, error_code="").update(error_code=code)
        session.error_code = code
        return session, True
    raise Conflict("This session has ended.")


def _position_check(session: PlaybackSession, metrics: dict) -> None:
    position, duration = metrics.get("position_s"), metrics.get("duration_s") or session.duration_s
    if position is not None and duration and position > duration + POSITION_SLACK_S:
        raise ValidationError(
            {"position_s": [f"Position {position:g} s is past the duration ({duration:g} s); positions are seconds."]}
        )


def _controls_check_due(session: PlaybackSession, at: datetime) -> bool:
    """Once per CONTROLS_CHECK_S of the session's clock: a heartbeat crossing into a new period checks."""
    return int(at.timestamp()) // CONTROLS_CHECK_S != int(session.last_seen_at.timestamp()) // CONTROLS_CHECK_S


@boundary
def session_viewing_check(*, session: PlaybackSession, at: datetime | None = None) -> None:
    """Ends the session (end_reason `parental`) and raises 403 if parental controls no longer allow viewing."""
    _viewing_check(session=session, user=None, at=at or timezone.now())


def _viewing_allowed(*, user, at: datetime) -> tuple[bool, str | None]:
    """Identity's rule (viewing hours, days, daily limit), with the watch time of the viewer's running sessions
    counted toward the daily limit as it accumulates, not only once they end."""
    from identity.selectors import parental_controls_for, profile_of, viewing_allowed_now

    if parental_controls_for(user=user) is None:
        return True, None
    running_s = selectors.active_watch_seconds(user=user, profile=profile_of(user))
    return viewing_allowed_now(user=user, at=at, unrecorded_watch_s=running_s)


def _viewing_check(*, session: PlaybackSession, user, at: datetime) -> None:
    from identity.selectors import profile_bind_of_session

    # A viewer known from the token cache holds only its id and staff flag: the controls need the account.
    if (
        user is None
        or user.pk != session.user_id
        or not isinstance(user, get_user_model())
        or getattr(user, "from_token_cache", False)
    ):
        user = get_user_model().objects.get(pk=session.user_id)
    # The session's profile is the one watching, whichever profile the caller's token now acts for. A metric
    # update's session has its profile deferred: it is read inside the query that reads that profile.
    if "profile_id" in session.__dict__:
        profile_bind_of_session(user=user, profile_id=session.profile_id)
    else:
        profile_bind_of_session(
            user=user, profile_id=Subquery(PlaybackSession.objects.filter(pk=session.pk).values("profile_id")[:1])
        )
    allowed, reason = _viewing_allowed(user=user, at=at)
    if not allowed:
        reason = reason or "Viewing is not allowed now."
        session_end(session_id=session.pk, reason=EndReason.PARENTAL, at=at)
        raise ViewingNotAllowed(reason)


@boundary
def session_pathway_report(
    *, session: PlaybackSession, pathway: str | None, throughput_kbps: int | None, pathways: list[str] | None = None
) -> None:
    """Records what a steering request tells: the CDN (pathway) the player now uses and its throughput.

    A pathway that is not one of `pathways` (the session's CDN and those its playlist may list) is ignored.
    Before any measurement, a throughput equal to a variant's BANDWIDTH is the player's starting estimate (hls.js
    reports the first variant's), not a measurement: it would feed the next sessions' initial bitrate.
    """
    changes: dict = {}
    if throughput_kbps is not None and not (
        session.throughput_kbps is None and throughput_kbps in _variant_bandwidths_kbps(session)
    ):
        changes["throughput_kbps"] = throughput_kbps
    if pathway and pathway != session.cdn.name and (pathways is None or pathway in pathways):
        cdn = Cdn.objects.filter(name=pathway).first()
        if cdn is not None:
            changes["cdn"] = cdn
    if changes and session.is_active:
        live.store().pathway_report(session, changes)
        for name, value in changes.items():
            setattr(session, name, value)


@boundary
def session_report_times(*, session: PlaybackSession, stamps: list[int], arrived: datetime) -> list[datetime]:
    """When, on the server's clock, the reports with player timestamps `stamps` (CMCD `ts`, ms) happened.

    A report cannot arrive before it was made, so the player's clock offset is at most arrival minus `ts`; the
    smallest such bound over all the session's reports is the estimate (kept on the session), and a late
    report keeps its place in time: a burst describing 10 s of rebuffering counts 10 s. A report older than the
    idle timeout counts from then.
    """
    arrived_ms = int(arrived.timestamp() * 1000)
    offset = arrived_ms - max(stamps)
    if session.player_clock_offset_ms is None or offset < session.player_clock_offset_ms:
        PlaybackSession.objects.filter(pk=session.pk).update(player_clock_offset_ms=offset)
        session.player_clock_offset_ms = offset
    oldest_ms, offset = arrived_ms - settings.STREAM_IDLE_TIMEOUT_S * 1000, session.player_clock_offset_ms
    lateness_ms = [arrived_ms - max(oldest_ms, min(stamp + offset, arrived_ms)) for stamp in stamps]
    return [arrived - timedelta(milliseconds=late) for late in lateness_ms]


def _variant_bandwidths_kbps(session: PlaybackSession) -> set[int]:
    rungs = [RUNGS_BY_KBPS[kbps] for kbps in session.ladder_kbps if kbps in RUNGS_BY_KBPS]
    return {round(bandwidth / 1000) for rung in rungs for bandwidth in (rung.peak_bandwidth, rung.average_bandwidth)}
