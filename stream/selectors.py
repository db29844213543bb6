"""Reads of stream data: sessions, live CDN health, CDN choice, steering order and bitrate hints."""

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from stream.heartbeat import live
from stream.heartbeat.live import ACTIVE_ROW_FIELDS
from stream.models import Cdn, PlaybackSession, SessionStatus
from streaming_platform.boundary import boundary
from streaming_platform.errors import NotFound
from streaming_platform.ownership import owner_or_staff_check

SESSION_NOT_FOUND = "No playback session matches the given id."

# CDN health thresholds over the recent window (docs/services/stream.md, "CDNs").
MIN_SESSIONS_FOR_RATES = 5  # error and rebuffer rates mean nothing over fewer sessions
MIN_FAILED_VIEWERS_FOR_DOWN = 2  # one viewer's failures (a broken device, a bad network) never take a CDN down
DOWN_ERROR_RATE = 0.5
DEGRADED_ERROR_RATE = 0.05
DEGRADED_REBUFFER_PCT = 2.0
DEGRADED_P95_STARTUP_MS = 5000.0
DEGRADED_LOAD = 0.9

HINT_SESSIONS = 50  # recent sessions whose measured throughput makes the initial bitrate hint
HINT_WINDOW = timedelta(days=7)


class CdnState:
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    DOWN = "down"


@dataclass
class CdnHealth:
    cdn: Cdn
    active_sessions: int = 0
    window_sessions: int = 0
    error_rate: float | None = None  # viewers with a fatal error / viewers, in the window
    failed_viewers: int = 0
    rebuffer_pct: float | None = None
    p95_startup_ms: float | None = None
    state: str = CdnState.HEALTHY
    reasons: list[str] = field(default_factory=list)

    @property
    def load(self) -> float:
        return self.active_sessions / self.cdn.capacity

    @property
    def spare(self) -> int:
        return self.cdn.capacity - self.active_sessions


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def _judge(health: CdnHealth) -> None:
    """Sets the state and the reasons for it, worst first."""
    cdn, reasons = health.cdn, health.reasons
    enough = health.window_sessions >= MIN_SESSIONS_FOR_RATES
    if not cdn.enabled:
        health.state = CdnState.DOWN
        reasons.append("disabled")
        return
    if (
        enough
        and health.error_rate is not None
        and health.error_rate >= DOWN_ERROR_RATE
        and health.failed_viewers >= MIN_FAILED_VIEWERS_FOR_DOWN
    ):
        health.state = CdnState.DOWN
        reasons.append(f"error rate {health.error_rate:.0%} >= {DOWN_ERROR_RATE:.0%}")
        return
    if enough and health.error_rate is not None and health.error_rate >= DEGRADED_ERROR_RATE:
        reasons.append(f"error rate {health.error_rate:.0%} >= {DEGRADED_ERROR_RATE:.0%}")
    if enough and health.rebuffer_pct is not None and health.rebuffer_pct >= DEGRADED_REBUFFER_PCT:
        reasons.append(f"rebuffering {health.rebuffer_pct:.1f}% >= {DEGRADED_REBUFFER_PCT:g}%")
    if enough and health.p95_startup_ms is not None and health.p95_startup_ms >= DEGRADED_P95_STARTUP_MS:
        reasons.append(f"p95 startup {health.p95_startup_ms:.0f} ms >= {DEGRADED_P95_STARTUP_MS:.0f} ms")
    if health.load >= DEGRADED_LOAD:
        reasons.append(f"load {health.load:.0%} >= {DEGRADED_LOAD:.0%}")
    health.state = CdnState.DEGRADED if reasons else CdnState.HEALTHY


def _totals(rows: list[dict], *, since: datetime, alive_since: datetime) -> dict[int, dict]:
    """Per CDN, what its health counts of `rows` (sessions with their status, viewer, last update and QoE)."""
    totals: dict[int, dict] = {}
    viewers: dict[int, set] = {}
    failed: dict[int, set] = {}
    for row in rows:
        cdn_id = row["cdn_id"]
        total = totals.setdefault(
            cdn_id, {"active": 0, "sessions": 0, "rebuffer_s": 0.0, "watch_s": 0.0, "startups": []}
        )
        total["active"] += row["status"] == SessionStatus.ACTIVE and row["last_seen_at"] >= alive_since
        if row["last_seen_at"] < since:
            continue
        total["sessions"] += 1
        # Errors count by viewer: one viewer ending four sessions in a second is one failure, not four.
        viewers.setdefault(cdn_id, set()).add(row["user_id"])
        if row["fatal_error"]:
            failed.setdefault(cdn_id, set()).add(row["user_id"])
        total["rebuffer_s"] += row["rebuffer_duration_s"]
        total["watch_s"] += row["watch_time_s"]
        if row["startup_time_ms"] is not None:
            total["startups"].append(row["startup_time_ms"])
    for cdn_id, total in totals.items():
        total["viewers"], total["failed_viewers"] = len(viewers.get(cdn_id, ())), len(failed.get(cdn_id, ()))
    return totals


@boundary
def cdn_health_list(*, at: datetime | None = None) -> list[CdnHealth]:
    """Every CDN's live health: its active sessions as their live state holds them, and those ended in the window.

    The active sessions come from the live-state store (their rows, or Redis); the ended ones from their rows by
    `ended_at` (only ended sessions have one, and a session is last seen no later than it ends). Three reads.
    """
    at = at or timezone.now()
    since = at - timedelta(seconds=settings.STREAM_CDN_HEALTH_WINDOW_S)
    alive_since = at - timedelta(seconds=settings.STREAM_IDLE_TIMEOUT_S)
    healths = {cdn.pk: CdnHealth(cdn=cdn) for cdn in Cdn.objects.all()}
    active = [
        {**row, "status": SessionStatus.ACTIVE} for row in live.store().active_rows(since=min(since, alive_since))
    ]
    ended = PlaybackSession.objects.filter(ended_at__range=(since, at), last_seen_at__gte=since).order_by()
    rows = [*active, *ended.values("status", *ACTIVE_ROW_FIELDS)]
    for cdn_id, total in _totals(rows, since=since, alive_since=alive_since).items():
        health = healths.get(cdn_id)
        if health is None:
            continue
        health.active_sessions = total["active"]
        health.window_sessions = total["sessions"]
        # A viewer with an active and an ended session counts in both parts: the rate errs on the low side.
        health.failed_viewers = total["failed_viewers"]
        if total["viewers"]:
            health.error_rate = min(1.0, total["failed_viewers"] / total["viewers"])
        if total["watch_s"]:
            health.rebuffer_pct = 100 * total["rebuffer_s"] / total["watch_s"]
        health.p95_startup_ms = _p95(total["startups"])
    for health in healths.values():
        _judge(health)
    return list(healths.values())


def _preference(health: CdnHealth, region: str) -> tuple:
    """Sort key: room first, healthy before degraded, then region fit, then weight x spare capacity."""
    regions = health.cdn.regions
    # A CDN that names the region beats a catch-all one (no regions), which beats one for other regions.
    fit = 0 if region in regions else 1 if not regions else 2
    tier = (0 if health.state == CdnState.HEALTHY else 3) + fit
    score = health.cdn.weight * max(health.spare, 0) / health.cdn.capacity
    return (health.spare <= 0, tier, -score, health.cdn.name)


@boundary
def cdns_ranked(*, region: str, healths: list[CdnHealth] | None = None) -> list[CdnHealth]:
    """CDNs that may serve `region`, best first; down ones are left out.

    Order: CDNs with spare capacity first; then healthy before degraded (failover when the preferred
    one degrades); then CDNs naming the region, catch-all CDNs, CDNs of other regions; within a tier the
    largest weight x spare fraction wins, so load spreads by weight as sessions accumulate.
    """
    healths = healths if healths is not None else cdn_health_list()
    usable = [health for health in healths if health.state != CdnState.DOWN]
    return sorted(usable, key=lambda health: _preference(health, region))


@boundary
def session_get(*, session_id: str, user=None) -> PlaybackSession:
    """A session by id; with `user`, only the owner's (or any for staff; a kids profile only its own). 404
    otherwise."""
    session = PlaybackSession.objects.select_related("cdn").filter(pk=session_id).first()
    if session is None:
        raise NotFound(SESSION_NOT_FOUND)
    if user is not None:
        owner_or_staff_check(user, session.user_id, write=False, not_found=SESSION_NOT_FOUND)
        if not user.is_staff and not _shown_to_profile(session.profile_id, user):
            raise NotFound(SESSION_NOT_FOUND)
    return live.store().overlay([session])[0]


@boundary
def sessions_live(*, sessions: list[PlaybackSession]) -> list[PlaybackSession]:
    """The sessions (a page of `session_list`, `sessions_active_for`) with their live state: position, QoE."""
    return live.store().overlay(list(sessions))


def _shown_to_profile(profile_id: int | None, user) -> bool:
    """The account's sessions are every profile's to see, except from a kids profile: only its own."""
    from identity.selectors import profile_of

    profile = profile_of(user)
    return profile is None or not profile.is_kids or profile.pk == profile_id


@boundary
def sessions_mine(*, user) -> QuerySet[PlaybackSession]:
    """The active sessions the caller sees as theirs: the account's (a kids profile's own only)."""
    from identity.selectors import profile_of

    sessions = sessions_active_for(user=user)
    profile = profile_of(user)
    if profile is not None and profile.is_kids:
        sessions = sessions.filter(profile=profile)
    return sessions


@boundary
def session_list(*, include_ended: bool = False) -> QuerySet[PlaybackSession]:
    sessions = PlaybackSession.objects.select_related("user", "title", "episode", "cdn")
    return sessions if include_ended else sessions.filter(status=SessionStatus.ACTIVE)


@boundary
def sessions_active_for(*, user) -> QuerySet[PlaybackSession]:
    return PlaybackSession.objects.filter(user=user, status=SessionStatus.ACTIVE).select_related("title", "cdn")


@boundary
def initial_bitrate_hint(*, region: str, device_type: str, at: datetime | None = None) -> int | None:
    """Median measured throughput (kbps) of recent sessions in the same region on the same device type."""
    at = at or timezone.now()
    throughputs = [
        kbps
        for kbps in PlaybackSession.objects.filter(
            region=region, device_type=device_type, started_at__gte=at - HINT_WINDOW, throughput_kbps__isnull=False
        )
        .order_by("-started_at")
        .values_list("throughput_kbps", flat=True)[:HINT_SESSIONS]
        if kbps is not None
    ]
    return round(statistics.median(throughputs)) if throughputs else None


@boundary
def active_watch_seconds(*, user, profile=None) -> float:
    """Seconds played so far in the running sessions of the account (of `profile` only, when given): not yet
    in the recorded daily watch time."""
    running = PlaybackSession.objects.filter(user=user, status=SessionStatus.ACTIVE)
    if profile is not None:
        running = running.filter(profile=profile)
    return float(sum(session.watch_time_s for session in live.store().overlay(list(running))))


@boundary
def cdn_origins() -> list[str]:
    """The origins (scheme, host and port) players fetch media from: those of the enabled CDNs."""
    origins = set()
    for base_url in Cdn.objects.filter(enabled=True).values_list("base_url", flat=True):
        parts = urlsplit(base_url)
        if parts.scheme in ("http", "https") and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)
