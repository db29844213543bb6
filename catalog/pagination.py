"""Catalog list pagination: the standard one, with the total count cached (see catalog/caching.py)."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from catalog.caching import PAGE_PARAMETERS, cached, count_cache_seconds, viewer_key
from streaming_platform.api.pagination import StandardPagination


class CachedCountPaginator(Paginator):
    count_key: str | None = None

    @cached_property
    def count(self) -> int:
        if self.count_key is None:
            return super().count
        return cached(self.count_key, count_cache_seconds(), lambda: Paginator.count.func(self))

    def page(self, number):
        # A full page even when the cached count lags behind newly added titles.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)


class CachedCountPagination(StandardPagination):
    count_key: str | None = None

    def django_paginator_class(self, *args, **kwargs):
        paginator = CachedCountPaginator(*args, **kwargs)
        paginator.count_key = self.count_key
        return paginator

    def paginate_queryset(self, queryset, request, view=None):
        parameters = getattr(view, "cache_parameters", None)
        # Without a declared list of parameters (no view said), the count is not cached.
        self.count_key = (
            None if parameters is None else viewer_key("count", request, parameters=parameters, ignore=PAGE_PARAMETERS)
        )
        return super().paginate_queryset(queryset, request, view)
