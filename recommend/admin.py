"""Admin pages of the recommend service: built models and cached lists (read-only), featured titles."""

from django.contrib import admin

from recommend.models import FeaturedTitle, RecommendationList, RecommenderModel


@admin.register(FeaturedTitle)
class FeaturedTitleAdmin(admin.ModelAdmin):
    """The home feed's featured row: order it with `position`; a region pins the entry to that region."""

    list_display = ["title", "region", "position"]
    list_editable = ["position"]
    list_filter = ["region"]
    list_select_related = ["title"]
    raw_id_fields = ["title"]
    search_fields = ["title__title", "=region"]
    ordering = ["region", "position", "id"]


@admin.register(RecommenderModel)
class RecommenderModelAdmin(admin.ModelAdmin):
    list_display = ["id", "built_at", "build_seconds", "viewers", "titles", "interactions"]
    exclude = ["data"]
    readonly_fields = ["built_at", "build_seconds", "viewers", "titles", "interactions"]


@admin.register(RecommendationList)
class RecommendationListAdmin(admin.ModelAdmin):
    list_display = ["user", "profile", "generated_at", "fresh_until", "invalidated", "model"]
    list_filter = ["invalidated"]
    raw_id_fields = ["user", "profile"]
    readonly_fields = ["items", "generated_at", "fresh_until", "model"]
