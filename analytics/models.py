"""Analytics data: raw events, one quality summary per finished view, and the rollups reports read."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class EventSource(models.TextChoices):
    CLIENT = "client", "Client"
    SERVER = "server", "Server"


class Event(models.Model):
    """One thing that happened, sent by a client (`POST /events`) or reported by another service."""

    client_id = models.CharField(max_length=64, help_text="Id the sender generated; retries reuse it.")
    type = models.CharField(max_length=32)
    source = models.CharField(max_length=8, choices=EventSource.choices, default=EventSource.CLIENT)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    profile = models.ForeignKey(
        "identity.Profile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The account's profile it happened to; empty for account-wide events and deleted profiles.",
    )
    region = models.CharField(max_length=2, blank=True)
    title = models.ForeignKey("catalog.Title", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    episode = models.ForeignKey("catalog.Episode", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    session_id = models.CharField(max_length=64, blank=True)
    device_type = models.CharField(max_length=16, blank=True)
    properties = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            # A client id is unique per sender: per user, or globally for events without a user.
            models.UniqueConstraint(fields=["user", "client_id"], name="analytics_event_unique_per_user"),
            models.UniqueConstraint(
                fields=["client_id"], condition=Q(user__isnull=True), name="analytics_event_unique_anonymous"
            ),
        ]
        indexes = [
            models.Index(fields=["occurred_at"]),
            models.Index(fields=["type", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.type} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class ViewSummary(models.Model):
    """The quality-of-experience summary of one finished playback session."""

    session_id = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    profile = models.ForeignKey(
        "identity.Profile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The profile that watched; empty once that profile is deleted.",
    )

    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="+")
    episode = models.ForeignKey("catalog.Episode", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    region = models.CharField(max_length=2)
    device_type = models.CharField(max_length=16, help_text="web, mobile, tablet, tv, ...")
    cdn = models.CharField(max_length=32)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    startup_time_ms = models.FloatField(null=True, blank=True, help_text="Empty when playback never started.")
    watch_time_s = models.FloatField()
    rebuffer_count = models.PositiveIntegerField(default=0)
    rebuffer_duration_s = models.FloatField(default=0)
    avg_bitrate_kbps = models.FloatField(null=True, blank=True)
    rendition_switches = models.PositiveIntegerField(default=0)
    dropped_frames = models.PositiveIntegerField(default=0)
    exited_before_start = models.BooleanField(default=False)
    fatal_error = models.BooleanField(default=False)
    error_code = models.CharField(max_length=64, blank=True)
    position_s = models.FloatField(default=0, help_text="Playhead when the view ended.")
    duration_s = models.FloatField(null=True, blank=True, help_text="Length of what was played, when known.")
    reach = models.FloatField(null=True, blank=True, help_text="position_s / duration_s, capped at 1.")
    completed = models.BooleanField(default=False, help_text="Reached 90% of the duration.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name_plural = "view summaries"
        indexes = [
            # Covering index for the startup-time percentiles and per-title retention.
            models.Index(fields=["started_at", "startup_time_ms", "cdn", "region", "device_type"]),
            models.Index(fields=["title", "started_at"]),
            models.Index(fields=["user", "started_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(watch_time_s__gte=0), name="analytics_view_watch_time_positive"),
            models.CheckConstraint(condition=Q(ended_at__gte=models.F("started_at")), name="analytics_view_ends_after"),
        ]

    def __str__(self) -> str:
        return f"view {self.session_id}"


class ViewRollup(models.Model):
    """Sums of view summaries per hour x title x region x device x CDN; reports add these rows up."""

    hour = models.DateTimeField()
    day = models.DateField()
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="+")
    region = models.CharField(max_length=2)
    device_type = models.CharField(max_length=16)
    cdn = models.CharField(max_length=32)
    views = models.PositiveIntegerField(default=0)
    watch_time_s = models.FloatField(default=0)
    completed_views = models.PositiveIntegerField(default=0)
    reach_views = models.PositiveIntegerField(default=0, help_text="Views with a known duration.")
    reach_sum = models.FloatField(default=0)
    startup_views = models.PositiveIntegerField(default=0)
    startup_sum_ms = models.FloatField(default=0)
    rebuffer_count = models.PositiveIntegerField(default=0)
    rebuffer_duration_s = models.FloatField(default=0)
    bitrate_weighted_sum = models.FloatField(default=0, help_text="sum(avg_bitrate_kbps x watch_time_s)")
    bitrate_watch_time_s = models.FloatField(default=0, help_text="watch time of views with a known bitrate")
    ebvs_views = models.PositiveIntegerField(default=0)
    failed_views = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["hour", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["hour", "title", "region", "device_type", "cdn"], name="analytics_viewrollup_unique_key"
            ),
        ]
        indexes = [
            # Covers the top-titles report: a range of hours summed per title without reading the table.
            models.Index(
                fields=["hour", "title", "views", "watch_time_s", "completed_views", "reach_views", "reach_sum"],
                name="analytics_rollup_content_idx",
            ),
            models.Index(fields=["title", "hour"]),
        ]

    def __str__(self) -> str:
        return f"{self.title_id} {self.region} {self.device_type} {self.cdn} at {self.hour:%Y-%m-%d %H:00}"


class Viewer(models.Model):
    """When each user first watched something: tells new viewers from returning ones."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    region = models.CharField(max_length=2)
    first_view_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"user {self.user_id} since {self.first_view_at:%Y-%m-%d}"


class DailyRollup(models.Model):
    """Sums of view summaries per day x region x device x CDN x kind (no title: a few rows per day), plus
    every startup time of those views, so whole-day reports read a few thousand rows and stay exact."""

    day = models.DateField()
    region = models.CharField(max_length=2)
    device_type = models.CharField(max_length=16)
    cdn = models.CharField(max_length=32)
    kind = models.CharField(max_length=8)
    views = models.PositiveIntegerField(default=0)
    watch_time_s = models.FloatField(default=0)
    completed_views = models.PositiveIntegerField(default=0)
    reach_views = models.PositiveIntegerField(default=0)
    reach_sum = models.FloatField(default=0)
    startup_views = models.PositiveIntegerField(default=0)
    startup_sum_ms = models.FloatField(default=0)
    rebuffer_count = models.PositiveIntegerField(default=0)
    rebuffer_duration_s = models.FloatField(default=0)
    bitrate_weighted_sum = models.FloatField(default=0)
    bitrate_watch_time_s = models.FloatField(default=0)
    ebvs_views = models.PositiveIntegerField(default=0)
    failed_views = models.PositiveIntegerField(default=0)
    startup_values = models.BinaryField(default=b"", help_text="Startup times (ms) as little-endian float64s.")

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "region", "device_type", "cdn", "kind"], name="analytics_dailyrollup_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.region} {self.device_type} {self.cdn} {self.kind}"


class EngagementHours(models.Model):
    """The engagement sums of each hour of a day, per day x region x device x kind.

    Engagement totals and series over any range of whole hours add up a few hundred of these rows
    instead of every hourly per-title rollup row.
    """

    # The sums kept for every hour, in their order in `sums`.
    SUMS = ("views", "watch_time_s", "completed_views", "reach_views", "reach_sum")

    day = models.DateField()
    region = models.CharField(max_length=2)
    device_type = models.CharField(max_length=16)
    kind = models.CharField(max_length=8)
    sums = models.BinaryField(
        default=b"",
        help_text="24 x 5 little-endian float64s: per hour (UTC), the views, watch time (s), completed views, "
        "views with a known duration and the sum of their reach.",
    )

    class Meta:
        ordering = ["day"]
        verbose_name_plural = "engagement hours"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "region", "device_type", "kind"], name="analytics_engagementhours_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.region} {self.device_type} {self.kind}"


class DailyActiveUsers(models.Model):
    """Who was active, and who watched what, per day x region x device: sorted arrays with hour masks.

    Each entry carries the hours (UTC) of the day it was seen in as a bit mask (bit h: hour h), so
    distinct-user counts over any range of whole hours, also limited to the viewers of a kind or a genre,
    are unions of a few hundred small arrays instead of a COUNT(DISTINCT) over every event and view.
    """

    day = models.DateField()
    region = models.CharField(max_length=2)
    device_type = models.CharField(max_length=16, blank=True)
    user_ids = models.BinaryField(default=b"", help_text="Sorted user ids as little-endian int64s.")
    user_hours = models.BinaryField(
        default=b"", help_text="Per user id, the hours the user was active, as little-endian uint32 bit masks."
    )
    watched_user_ids = models.BinaryField(
        default=b"", help_text="Per user x title watched (sorted by user, then title), the user id as an int64."
    )
    watched_title_ids = models.BinaryField(
        default=b"", help_text="Per user x title watched, the title id as a little-endian int64."
    )
    watched_hours = models.BinaryField(
        default=b"", help_text="Per user x title watched, the hours a view of it started, as uint32 bit masks."
    )

    class Meta:
        ordering = ["day"]
        verbose_name_plural = "daily active users"
        constraints = [
            models.UniqueConstraint(fields=["day", "region", "device_type"], name="analytics_dailyactive_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.region} {self.device_type}"
