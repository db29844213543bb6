"""List filters of the identity API: accounts (staff) and a viewer's watch history."""

import django_filters

from catalog.models import Kind
from catalog.regions import validate_region_code
from identity.models import Plan, User, WatchHistory
from streaming_platform.api.filters import IsoDateTimeFilter
from streaming_platform.api.ids import ID_RANGE


class UserFilterSet(django_filters.FilterSet):
    email = django_filters.CharFilter(lookup_expr="icontains", max_length=254)
    country = django_filters.CharFilter(method="filter_country", max_length=8, validators=[validate_region_code])
    plan = django_filters.ChoiceFilter(choices=Plan.choices)
    is_staff = django_filters.BooleanFilter()

    class Meta:
        model = User
        fields = ["email", "country", "plan", "is_staff"]

    def filter_country(self, queryset, name, value):
        return queryset.filter(country=value.strip().upper())


class WatchHistoryFilterSet(django_filters.FilterSet):
    title = django_filters.NumberFilter(field_name="title_id", **ID_RANGE)
    kind = django_filters.ChoiceFilter(field_name="title__kind", choices=Kind.choices)
    completed = django_filters.BooleanFilter()
    date = django_filters.DateFilter(field_name="last_watched_at", lookup_expr="date")
    since = IsoDateTimeFilter(field_name="last_watched_at", lookup_expr="gte")
    until = IsoDateTimeFilter(field_name="last_watched_at", lookup_expr="lt")

    class Meta:
        model = WatchHistory
        fields = ["title", "kind", "completed", "date", "since", "until"]
