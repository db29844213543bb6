"""Admin pages of the recommend service: built models and cached lists, read-only."""

from django.contrib import admin

from recommend.models import RecommendationList, RecommenderModel


@admin.register(RecommenderModel)
class RecommenderModelAdmin(admin.ModelAdmin):
    list_display = ["id", "built_at", "build_seconds", "viewers", "titles", "interactions"]
    exclude = ["data"]
    readonly_fields = ["built_at", "build_seconds", "viewers", "titles", "interactions"]


@admin.register(RecommendationList)
class RecommendationListAdmin(admin.ModelAdmin):
    list_display = ["user", "generated_at", "fresh_until", "invalidated", "model"]
    list_filter = ["invalidated"]
    raw_id_fields = ["user"]
    readonly_fields = ["items", "generated_at", "fresh_until", "model"]
