"""What one metric update does to a session's live state: the accounting and the fields it may change.

`WRITTEN_FIELDS` is the one list of what an update changes: the compare-and-set write and the session read
are built from it, and a test applies every branch here and checks that nothing outside it changes.
"""

from datetime import datetime

from django.conf import settings

from stream.models import PlaybackSession, PlayerState

WRITTEN_FIELDS = (
    "state",
    "last_seen_at",
    "last_sequence",
    "position_s",
    "duration_s",
    "bitrate_kbps",
    "buffer_ms",
    "throughput_kbps",
    "first_frame_at",
    "startup_time_ms",
    "watch_time_s",
    "rebuffer_count",
    "rebuffer_duration_s",
    "bitrate_time_kbps_s",
    "bitrate_time_s",
    "rendition_switches",
    "dropped_frames",
    "fatal_error",
    "error_code",
)
# What an update reads besides what it writes: the owner, whether the session still runs, when it began.
CHECKED_FIELDS = ("user", "status", "started_at")
REPORTED_FIELDS = ("buffer_ms", "throughput_kbps", "position_s", "duration_s")  # taken as the player sends them


def elapsed_s(since: datetime, until: datetime) -> float:
    """Seconds between two updates; a silence longer than the idle timeout counts only up to it."""
    return min(max((until - since).total_seconds(), 0.0), float(settings.STREAM_IDLE_TIMEOUT_S))


def account_interval(session: PlaybackSession, until: datetime) -> None:
    """Credits the time since the last update to the state the player was in during it."""
    seconds = elapsed_s(session.last_seen_at, until)
    started = session.first_frame_at is not None
    if session.state == PlayerState.PLAYING:
        session.watch_time_s += seconds
        if session.bitrate_kbps:
            session.bitrate_time_kbps_s += session.bitrate_kbps * seconds
            session.bitrate_time_s += seconds
    elif session.state == PlayerState.REBUFFERING and started:
        session.rebuffer_duration_s += seconds


def apply(session: PlaybackSession, metrics: dict, at: datetime) -> None:
    """Applies one validated update (with its `sequence`) to the session in memory; changes only WRITTEN_FIELDS."""
    account_interval(session, at)
    previous = session.state
    state = metrics.get("state")
    if state is None and metrics.get("rebuffer") == "start":
        state = PlayerState.REBUFFERING
    elif state is None and metrics.get("rebuffer") == "end":
        state = PlayerState.PLAYING
    if metrics.get("fatal_error"):
        state = PlayerState.ERROR
        session.fatal_error = True
    if metrics.get("error_code"):
        session.error_code = metrics["error_code"]  # the latest error the player reported, fatal or before it
    if state is not None:
        session.state = state
    if session.state == PlayerState.PLAYING and session.first_frame_at is None:
        session.first_frame_at = at
        startup_ms = metrics.get("startup_time_ms")
        session.startup_time_ms = (
            float(startup_ms) if startup_ms is not None else (at - session.started_at).total_seconds() * 1000
        )
    elif metrics.get("startup_time_ms") is not None and session.first_frame_at is not None:
        # The player's own measure (CMCD msd) is more precise than our clock; it may arrive a little later.
        session.startup_time_ms = float(metrics["startup_time_ms"])
    if (
        session.state == PlayerState.REBUFFERING
        and previous != PlayerState.REBUFFERING
        and session.first_frame_at is not None
    ):
        session.rebuffer_count += 1
    bitrate = metrics.get("bitrate_kbps")
    if bitrate is not None and bitrate != session.bitrate_kbps:
        if session.bitrate_kbps is not None:
            session.rendition_switches += 1
        session.bitrate_kbps = bitrate
    for name in REPORTED_FIELDS:
        if metrics.get(name) is not None:
            setattr(session, name, metrics[name])
    if metrics.get("dropped_frames") is not None:
        # Players report the count since playback began (HTMLVideoElement.getVideoPlaybackQuality()).
        session.dropped_frames = max(session.dropped_frames, metrics["dropped_frames"])
    session.last_seen_at = max(at, session.last_seen_at)
    session.last_sequence = metrics["sequence"]
