"""Stream data: CDNs and playback sessions with the running quality-of-experience aggregates."""

import secrets

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q


def new_session_id() -> str:
    """32 random bytes, URL-safe: a session id is a bearer of playback rights, so it must not be guessable."""
    return secrets.token_urlsafe(32)


class Cdn(models.Model):
    """A content delivery network the platform may hand a player to (admin-managed data)."""

    name = models.SlugField(max_length=64, unique=True, help_text="Also the HLS pathway id.")
    base_url = models.URLField(max_length=300, help_text="Origin of the media segments, e.g. https://cdn-a.example")
    regions = models.JSONField(
        default=list, blank=True, help_text='Regions served (ISO 3166-1 alpha-2), e.g. ["US", "CA"]; empty = all.'
    )
    capacity = models.PositiveIntegerField(
        default=1000, validators=[MinValueValidator(1)], help_text="Concurrent sessions it can carry."
    )
    weight = models.PositiveIntegerField(
        default=100, validators=[MinValueValidator(1)], help_text="Relative share of new sessions."
    )
    enabled = models.BooleanField(default=True)
    token_key = models.CharField(
        max_length=128,
        blank=True,
        validators=[RegexValidator(r"^([0-9a-fA-F]{2}){16,64}$", "A hex key of 16 to 64 bytes.")],
        help_text="Hex key of the delivery token's HMAC-SHA256, as the CDN is configured; blank: derived from "
        "STREAM_SIGNING_KEY and the name.",
    )
    token_name = models.CharField(
        max_length=64,
        default="__token__",
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$", "Letters, digits, _ and - only.")],
        help_text="Query parameter (or cookie) the CDN reads the delivery token from.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "CDN"
        verbose_name_plural = "CDNs"

    def __str__(self) -> str:
        return self.name

    def serves(self, region: str) -> bool:
        return not self.regions or region in self.regions


class DeviceType(models.TextChoices):
    TV = "tv", "TV"
    MOBILE = "mobile", "Mobile"
    TABLET = "tablet", "Tablet"
    WEB = "web", "Web browser"
    CONSOLE = "console", "Game console"


class SessionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"


class PlayerState(models.TextChoices):
    """The player's state, as CMCD v2 `sta` names them."""

    STARTING = "starting", "Starting"
    PLAYING = "playing", "Playing"
    SEEKING = "seeking", "Seeking"
    REBUFFERING = "rebuffering", "Rebuffering"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"
    ERROR = "error", "Fatal error"


class EndReason(models.TextChoices):
    CLIENT = "client", "Ended by the player"
    IDLE = "idle", "No update within the idle timeout"
    ERROR = "error", "Fatal playback error"
    PARENTAL = "parental", "Parental controls no longer allow viewing"
    REPLACED = "replaced", "Replaced by a new session on the same device"


class PlaybackSession(models.Model):
    """One view: from the play request to its end, with the QoE aggregates kept up to date per update."""

    id = models.CharField(primary_key=True, max_length=64, default=new_session_id, editable=False)
    user = models.ForeignKey("identity.User", on_delete=models.CASCADE, related_name="playback_sessions")
    profile = models.ForeignKey(
        "identity.Profile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The profile watching (its history and controls); empty once the profile is deleted.",
    )
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="playback_sessions")
    episode = models.ForeignKey(
        "catalog.Episode", on_delete=models.CASCADE, null=True, blank=True, related_name="playback_sessions"
    )
    cdn = models.ForeignKey(Cdn, on_delete=models.PROTECT, related_name="sessions")
    region = models.CharField(max_length=2)
    device_type = models.CharField(max_length=16, choices=DeviceType.choices)
    device_id = models.CharField(max_length=128)
    max_height = models.PositiveIntegerField(help_text="Highest rendition height offered (plan and device).")
    ladder_kbps = models.JSONField(default=list, help_text="Video bitrates offered, default rung first.")
    hevc_ladder_kbps = models.JSONField(default=list, blank=True, help_text="HEVC rungs offered too (kbps).")
    initial_bitrate_kbps = models.PositiveIntegerField(null=True, blank=True)

    status = models.CharField(max_length=8, choices=SessionStatus.choices, default=SessionStatus.ACTIVE)
    state = models.CharField(max_length=16, choices=PlayerState.choices, default=PlayerState.STARTING)
    end_reason = models.CharField(max_length=8, choices=EndReason.choices, blank=True)
    started_at = models.DateTimeField(help_text="When play was requested.")
    last_seen_at = models.DateTimeField(help_text="Last update from the player (or the start).")
    ended_at = models.DateTimeField(null=True, blank=True)
    last_sequence = models.BigIntegerField(default=-1, help_text="Highest update sequence number applied.")

    position_s = models.FloatField(default=0.0)
    start_position_s = models.FloatField(default=0.0, help_text="Where playback began (the resume position).")
    player_clock_offset_ms = models.BigIntegerField(
        null=True, blank=True, help_text="Server time minus the player's CMCD `ts`, as its event reports bound it."
    )
    duration_s = models.FloatField(null=True, blank=True)
    bitrate_kbps = models.PositiveIntegerField(null=True, blank=True, help_text="Rendition now playing.")
    buffer_ms = models.PositiveIntegerField(null=True, blank=True)
    throughput_kbps = models.PositiveIntegerField(null=True, blank=True, help_text="Last measured throughput.")

    # Running QoE aggregates; the summary at the end is read straight from them.
    first_frame_at = models.DateTimeField(null=True, blank=True)
    startup_time_ms = models.FloatField(null=True, blank=True)
    watch_time_s = models.FloatField(default=0.0, help_text="Seconds with the playhead moving.")
    rebuffer_count = models.PositiveIntegerField(default=0)
    rebuffer_duration_s = models.FloatField(default=0.0)
    bitrate_time_kbps_s = models.FloatField(default=0.0, help_text="Sum of bitrate x seconds played.")
    bitrate_time_s = models.FloatField(default=0.0, help_text="Seconds played with a known bitrate.")
    rendition_switches = models.PositiveIntegerField(default=0)
    dropped_frames = models.PositiveIntegerField(default=0)
    fatal_error = models.BooleanField(default=False)
    error_code = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-started_at"]
        # No index holds a column a metric update writes (last_seen_at, position, ...): every viewer sends one
        # every few seconds, and each index entry moved would be more pages written per update (and, on
        # PostgreSQL, no heap-only update). Active sessions are found by status, ended ones by ended_at.
        indexes = [
            models.Index(fields=["user", "status"]),
            models.Index(fields=["status", "cdn"]),
            models.Index(fields=["ended_at"]),
            models.Index(fields=["region", "device_type", "-started_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="active", ended_at__isnull=True) | Q(status="ended", ended_at__isnull=False),
                name="stream_session_ended_at_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} watching {self.title} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == SessionStatus.ACTIVE

    @property
    def avg_bitrate_kbps(self) -> float | None:
        """Time-weighted: sum(bitrate_i x seconds_i) / sum(seconds_i)."""
        if self.bitrate_time_s <= 0:
            return None
        return self.bitrate_time_kbps_s / self.bitrate_time_s

    @property
    def exited_before_start(self) -> bool:
        """Asked to play, never saw a first frame, and did not fail (failures are counted apart)."""
        return self.first_frame_at is None and not self.fatal_error


class TrackKind(models.TextChoices):
    AUDIO = "audio", "Audio"
    SUBTITLES = "subtitles", "Subtitles (WebVTT)"
    CLOSED_CAPTIONS = "closed-captions", "Closed captions (CEA-608 in the video)"


class MediaTrack(models.Model):
    """An audio, subtitle or closed-caption track of a title, or of one episode (which then has its own set)."""

    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="media_tracks")
    episode = models.ForeignKey(
        "catalog.Episode", on_delete=models.CASCADE, null=True, blank=True, related_name="media_tracks"
    )
    kind = models.CharField(max_length=16, choices=TrackKind.choices)
    language = models.CharField(
        max_length=35,
        help_text="BCP-47 tag (en, pt-BR, es-419); names and ISO 639-2 are normalized: eng and English are en.",
    )
    name = models.CharField(max_length=64, help_text="As players show it, e.g. English, Español (Latinoamérica).")
    channels = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Audio channels (2, 6 for 5.1).")
    is_original = models.BooleanField(default=False, help_text="The language the title was made in.")
    is_default = models.BooleanField(default=False, help_text="The one to choose when no preference matches.")
    is_forced = models.BooleanField(default=False, help_text="Subtitles of foreign dialogue and signs only.")
    is_accessibility = models.BooleanField(
        default=False, help_text="Subtitles for the deaf and hard of hearing (SDH), or audio description."
    )

    class Meta:
        ordering = ["title", "episode", "kind", "-is_original", "language", "is_forced", "is_accessibility"]
        # Two partial constraints rather than NULLS NOT DISTINCT, which SQLite lacks.
        constraints = [
            models.UniqueConstraint(
                fields=["title", "kind", "language", "is_forced", "is_accessibility"],
                condition=Q(episode__isnull=True),
                name="stream_track_unique_of_title",
            ),
            models.UniqueConstraint(
                fields=["episode", "kind", "language", "is_forced", "is_accessibility"],
                condition=Q(episode__isnull=False),
                name="stream_track_unique_of_episode",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title_id}: {self.kind} {self.language} {self.name}"
