"""Django admin for the catalog, built to stay usable with 100k titles (raw ids, select_related, indexed filters)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from catalog import artwork
from catalog.models import Availability, Credit, Episode, Extra, Genre, Image, Person, Season, Title


class ImageForm(forms.ModelForm):
    """Uploads are checked like imports: JPEG, PNG or WebP, at most the size limit, at least 100 px a side."""

    class Meta:
        model = Image
        fields = ["kind", "language", "file", "focal_x", "focal_y", "position"]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):  # a new upload (not the file already stored)
            if upload.size > artwork.MAX_UPLOAD_BYTES:
                raise ValidationError(f"The image is larger than {artwork.MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
            upload.seek(0)
            data = upload.read()
            upload.seek(0)
            artwork.check_image_bytes(data)
            self.instance.version = artwork.version_of(data)
            self.instance.generated = False
        return upload

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("file") and not self.instance.generated:
            self.add_error("file", "Upload an image.")
        return cleaned


class ImageInline(admin.TabularInline):
    model = Image
    form = ImageForm
    extra = 0
    fields = ["kind", "language", "file", "focal_x", "focal_y", "position", "generated", "width", "height"]
    readonly_fields = ["generated", "width", "height"]


class ExtraInline(admin.TabularInline):
    model = Extra
    extra = 0


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
    inlines = [AvailabilityInline, CreditInline, SeasonInline, ImageInline, ExtraInline]
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
    inlines = [EpisodeInline, ImageInline]


@admin.register(Episode)
class EpisodeAdmin(admin.ModelAdmin):
    list_display = ["title", "season", "number", "air_date"]
    list_select_related = ["season__show"]
    search_fields = ["title", "season__show__title"]
    raw_id_fields = ["season"]
    inlines = [ImageInline]


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    inlines = [ImageInline]


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageForm
    list_display = ["__str__", "kind", "language", "generated", "width", "height", "created_at"]
    list_filter = ["kind", "generated"]
    list_select_related = ["title", "season__show", "episode", "person"]
    raw_id_fields = ["title", "season", "episode", "person"]
    show_full_result_count = False

    def get_form(self, request, obj=None, **kwargs):
        kwargs["fields"] = ["title", "season", "episode", "person", *ImageForm.Meta.fields]
        return super().get_form(request, obj, **kwargs)


@admin.register(Availability)
class AvailabilityAdmin(admin.ModelAdmin):
    list_display = ["title", "region", "starts_at", "ends_at"]
    list_filter = ["region"]
    list_select_related = ["title"]
    search_fields = ["title__title", "=region"]
    raw_id_fields = ["title"]
    show_full_result_count = False
