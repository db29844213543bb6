"""Filters of the catalog lists and search; invalid values answer 400 naming the parameter."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from catalog.models import Availability, Kind, Maturity, Title
from catalog.regions import validate_region_code
from catalog.selectors import genres_matching, viewer_region
from streaming_platform.api.filters import IsoDateTimeFilter

language_param_validator = RegexValidator(r"^[A-Za-z]{2}$", "Use an ISO 639-1 code such as en or fr.")


class CommaListField(forms.Field):
    """One or several values: `?genre=a&genre=b` or `?genre=a,b`."""

    widget = forms.SelectMultiple

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else [value] if value else []
        return [item.strip() for raw in values for item in str(raw).split(",") if item.strip()]


@extend_schema_field(OpenApiTypes.STR)
class GenreListFilter(django_filters.Filter):
    field_class = CommaListField

    def filter(self, qs, value):
        return qs  # applied by the filterset, which has already resolved the genres in clean()


class MaturityField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return Maturity.from_label(value)
        except ValueError:
            labels = ", ".join(member.label for member in Maturity)
            # django-filter %-formats messages: the value goes in as a parameter, never into the format.
            raise ValidationError(
                "Unknown rating %(value)r; use one of %(labels)s.", params={"value": value, "labels": labels}
            ) from None


@extend_schema_field(OpenApiTypes.STR)
class MaturityCeilingFilter(django_filters.Filter):
    field_class = MaturityField

    def filter(self, qs, value):
        # Unrated titles are left out: a ceiling is a promise that nothing above it shows.
        return qs if value is None else qs.filter(maturity_rating__lte=value)


class CatalogFilterSet(django_filters.FilterSet):
    """Shared by lists and search. `region` is applied by the visibility rule, and only validated here."""

    genre = GenreListFilter(help_text="Genre slug or id; several with commas or repeated (any of them).")
    region = django_filters.CharFilter(
        method="filter_noop",
        validators=[validate_region_code],
        help_text="Region for anonymous and staff callers (a viewer's region is their account's).",
    )

    class Meta:
        model = Title
        fields: list[str] = []

    def clean_region_value(self) -> str:
        user = getattr(self.request, "user", None)
        return viewer_region(user, self.form.cleaned_data.get("region") or None)

    def filter_noop(self, qs, name, value):
        return qs

    def windows(self, **conditions):
        now = timezone.now()
        return Exists(
            Availability.objects.filter(
                Q(ends_at__isnull=True) | Q(ends_at__gt=now),
                title=OuterRef("pk"),
                region=self.clean_region_value(),
                starts_at__lte=now,
                **conditions,
            )
        )

    def filter_available_since(self, qs, name, value):
        return qs.filter(self.windows(starts_at__gte=value))

    def filter_leaving_before(self, qs, name, value):
        return qs.filter(self.windows(ends_at__lt=value))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        genres = self.form.cleaned_data.get("genre")
        if genres:
            through = Title.genres.through.objects.filter(title=OuterRef("pk"), genre__in=self.genre_ids)
            queryset = queryset.filter(Exists(through))
        return queryset

    @property
    def genre_ids(self) -> list[int]:
        return [genre.pk for genre in self.resolved_genres]

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if valid:
            valid = self.resolve_genres()
        return valid

    def resolve_genres(self) -> bool:
        names = self.form.cleaned_data.get("genre") or []
        self.resolved_genres = genres_matching(names) if names else []
        known = {str(genre.pk) for genre in self.resolved_genres} | {genre.slug for genre in self.resolved_genres}
        unknown = [name for name in names if name.lower() not in known]
        if unknown:
            self.form.add_error(
                "genre", ValidationError("Unknown genre: %(names)s.", params={"names": ", ".join(unknown)})
            )
            return False
        return True


ORDERING_FIELDS = (("title", "title"), ("release_date", "release_date"), ("popularity", "popularity"))


class TitleFilterSet(CatalogFilterSet):
    """Movies and shows lists: genres, years, maturity ceiling, language, availability, ordering."""

    year_min = django_filters.NumberFilter(field_name="release_year", lookup_expr="gte", min_value=1800)
    year_max = django_filters.NumberFilter(field_name="release_year", lookup_expr="lte", max_value=3000)
    maturity_max = MaturityCeilingFilter(help_text="Highest rating to include: G, PG, PG-13, R, NC-17 (TV-14 etc.).")
    language = django_filters.CharFilter(
        field_name="original_language", validators=[language_param_validator], help_text="ISO 639-1, e.g. en."
    )
    available_since = IsoDateTimeFilter(
        method="filter_available_since", help_text="New arrivals: the current window started at or after this time."
    )
    leaving_before = IsoDateTimeFilter(
        method="filter_leaving_before", help_text="Leaving soon: the current window ends before this time."
    )

    ordering = django_filters.OrderingFilter(
        fields=ORDERING_FIELDS, help_text="title, release_date or popularity; prefix with - for descending."
    )

    def is_valid(self) -> bool:
        valid = super().is_valid()
        low, high = (self.form.cleaned_data.get(name) for name in ("year_min", "year_max")) if valid else (None, None)
        if low is not None and high is not None and low > high:
            self.form.add_error("year_min", "year_min must not be greater than year_max.")
            valid = False
        return valid

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # A stable tie-breaker, so pages never repeat or skip a title.
        ordering = list(queryset.query.order_by) or ["title"]
        return queryset.order_by(*ordering, "id")


class SearchFilterSet(CatalogFilterSet):
    """Search: a query and/or genres; results keep their rank order."""

    q = django_filters.CharFilter(method="filter_noop", max_length=200, help_text="Words to find, as typed.")
    kind = django_filters.ChoiceFilter(choices=Kind.choices, method="filter_noop")

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if valid and not (self.form.cleaned_data.get("q") or "").strip() and not self.form.cleaned_data.get("genre"):
            self.form.add_error("q", "Give a search query (q) or at least one genre.")
            valid = False
        return valid
