"""Django admin for the catalog, built to stay usable with 100k titles (raw ids, select_related, indexed filters)."""

from django.contrib import admin

from catalog.models import Availability, Credit, Episode, Genre, Person, Season, Title


class AvailabilityInline(admin.TabularInline):
    model = Availability
    extra = 0


class CreditInline(admin.TabularInline):
    model = Credit
    extra = 0
    autocomplete_fields = ["person"]


class SeasonInline(admin.TabularInline):
    model = Season
    extra = 0
    show_change_link = True
    fields = ["number", "title"]


class EpisodeInline(admin.TabularInline):
    model = Episode
    extra = 0


@admin.register(Title)
class TitleAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "release_year", "maturity_rating", "original_language", "popularity"]
    list_filter = ["kind", "maturity_rating", "original_language", "genres", "availabilities__region"]
    search_fields = ["title", "=id"]
    autocomplete_fields = ["genres"]
    inlines = [AvailabilityInline, CreditInline, SeasonInline]
    readonly_fields = ["created_at", "updated_at"]
    list_per_page = 50
    # Counting 100k rows on every page load is the slow part of a big changelist; the paginator shows "more".
    show_full_result_count = False


@admin.register(Season)
class SeasonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "show", "number"]
    list_select_related = ["show"]
    search_fields = ["show__title", "title"]
    raw_id_fields = ["show"]
    inlines = [EpisodeInline]


@admin.register(Episode)
class EpisodeAdmin(admin.ModelAdmin):
    list_display = ["title", "season", "number", "air_date"]
    list_select_related = ["season__show"]
    search_fields = ["title", "season__show__title"]
    raw_id_fields = ["season"]


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(Availability)
class AvailabilityAdmin(admin.ModelAdmin):
    list_display = ["title", "region", "starts_at", "ends_at"]
    list_filter = ["region"]
    list_select_related = ["title"]
    search_fields = ["title__title", "=region"]
    raw_id_fields = ["title"]
    show_full_result_count = False
