"""Reads of stream data: sessions, live CDN health, CDN choice, steering order and bitrate hints."""

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from stream.models import Cdn, PlaybackSession, SessionStatus
from streaming_platform.boundary import boundary

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


def _seen_between(since: datetime, until: datetime, rows: Callable[[QuerySet], QuerySet]) -> QuerySet:
    """`rows` of the sessions seen at or after `since` (and ended, if at all, by `until`), in one query.

    `last_seen_at` moves with every metric update, so no index holds it: the active sessions are found by
    status, the ended ones by `ended_at` (only ended sessions have one, and a session is last seen no later
    than it ends). The two parts are planned apart (UNION ALL, a closed range on `ended_at`), so each uses
    its index whatever statistics the database holds; an OR, or an open range, loses to a scan of the CDN
    index in group order.
    """
    active = PlaybackSession.objects.filter(status=SessionStatus.ACTIVE, last_seen_at__gte=since)
    ended = PlaybackSession.objects.filter(ended_at__range=(since, until), last_seen_at__gte=since)
    return rows(active.order_by()).union(rows(ended.order_by()), all=True)


@boundary
def cdn_health_list(*, at: datetime | None = None) -> list[CdnHealth]:
    """Every CDN's live health from the sessions it served in the recent window (three queries)."""
    at = at or timezone.now()
    since = at - timedelta(seconds=settings.STREAM_CDN_HEALTH_WINDOW_S)
    alive_since = at - timedelta(seconds=settings.STREAM_IDLE_TIMEOUT_S)
    healths = {cdn.pk: CdnHealth(cdn=cdn) for cdn in Cdn.objects.all()}
    rows = _seen_between(
        min(since, alive_since),
        at,
        lambda sessions: sessions.values("cdn_id").annotate(
            active=Count("pk", filter=Q(status=SessionStatus.ACTIVE, last_seen_at__gte=alive_since)),
            sessions=Count("pk", filter=Q(last_seen_at__gte=since)),
            # Errors count by viewer: one viewer ending four sessions in a second is one failure, not four.
            viewers=Count("user", distinct=True, filter=Q(last_seen_at__gte=since)),
            failed_viewers=Count("user", distinct=True, filter=Q(last_seen_at__gte=since, fatal_error=True)),
            rebuffer_s=Sum("rebuffer_duration_s", filter=Q(last_seen_at__gte=since), default=0.0),
            watch_s=Sum("watch_time_s", filter=Q(last_seen_at__gte=since), default=0.0),
        ),
    )
    totals: dict[int, dict] = {}
    for row in rows:  # a CDN has up to two rows: its active sessions and its ended ones
        total = totals.setdefault(row.pop("cdn_id"), dict.fromkeys(row, 0))
        for name, value in row.items():
            total[name] += value
    for cdn_id, total in totals.items():
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
    startups: dict[int, list[float]] = {}
    for cdn_id, startup in _seen_between(
        since,
        at,
        lambda sessions: sessions.filter(startup_time_ms__isnull=False).values_list("cdn_id", "startup_time_ms"),
    ):
        startups.setdefault(cdn_id, []).append(startup)
    for cdn_id, values in startups.items():
        if cdn_id in healths:
            healths[cdn_id].p95_startup_ms = _p95(values)
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
    if session is None or (user is not None and not user.is_staff and session.user_id != user.pk):
        raise Http404("No playback session matches the given id.")
    if user is not None and not user.is_staff and not _shown_to_profile(session.profile_id, user):
        raise Http404("No playback session matches the given id.")
    return session


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
    total = running.aggregate(total=Sum("watch_time_s", default=0.0))["total"]
    return float(total)


@boundary
def cdn_origins() -> list[str]:
    """The origins (scheme, host and port) players fetch media from: those of the enabled CDNs."""
    origins = set()
    for base_url in Cdn.objects.filter(enabled=True).values_list("base_url", flat=True):
        parts = urlsplit(base_url)
        if parts.scheme in ("http", "https") and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)
