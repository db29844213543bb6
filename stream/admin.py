"""Admin: CDNs are managed here; playback sessions are shown read-only with their metrics."""

from django.contrib import admin
from django.db import models

from stream.models import Cdn, MediaTrack, PlaybackSession


@admin.register(Cdn)
class CdnAdmin(admin.ModelAdmin):
    list_display = ["name", "base_url", "regions", "capacity", "weight", "enabled"]
    list_filter = ["enabled"]
    list_editable = ["enabled", "weight"]
    search_fields = ["name", "base_url"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(PlaybackSession)
class PlaybackSessionAdmin(admin.ModelAdmin):
    """Sessions are written by players only; the admin looks, it does not touch."""

    list_display = [
        "id",
        "user",
        "title",
        "cdn",
        "device_type",
        "status",
        "state",
        "started_at",
        "last_seen_at",
        "watch_time_s",
        "rebuffer_count",
        "startup_time_ms",
        "fatal_error",
    ]
    list_filter = ["status", "state", "device_type", "cdn", "region", "end_reason", "fatal_error"]
    search_fields = ["id", "user__email", "title__title", "device_id"]
    list_select_related = ["user", "title", "cdn"]
    date_hierarchy = "started_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MediaTrack)
class MediaTrackAdmin(admin.ModelAdmin):
    list_display = ["title", "episode", "kind", "language", "name", "channels", "is_original", "is_default"]
    list_filter = ["kind", "is_original", "is_forced", "is_accessibility"]
    search_fields = ["title__title", "language", "name"]
    raw_id_fields = ["title", "episode"]
