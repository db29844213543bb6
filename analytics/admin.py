"""Read-only admin views of analytics events and view summaries, with filters."""

from django.contrib import admin

from analytics.models import Event, ViewSummary


class ReadOnlyAdmin(admin.ModelAdmin):
    """Analytics rows are facts; the admin may look, never add, change or delete."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "type", "source", "user", "region", "title", "device_type", "session_id")
    list_filter = ("type", "source", "region", "device_type", ("occurred_at", admin.DateFieldListFilter))
    search_fields = ("client_id", "session_id", "user__email", "title__title")
    date_hierarchy = "occurred_at"
    list_select_related = ("user", "title")
    show_full_result_count = False


@admin.register(ViewSummary)
class ViewSummaryAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at",
        "title",
        "user",
        "region",
        "device_type",
        "cdn",
        "watch_time_s",
        "startup_time_ms",
        "rebuffer_count",
        "completed",
        "fatal_error",
    )
    list_filter = (
        "cdn",
        "region",
        "device_type",
        "completed",
        "exited_before_start",
        "fatal_error",
        ("started_at", admin.DateFieldListFilter),
    )
    search_fields = ("session_id", "user__email", "title__title", "error_code")
    date_hierarchy = "started_at"
    list_select_related = ("user", "title", "episode")
    show_full_result_count = False
