"""Catalog API: movies, shows and search, open to everyone, always through the visibility rule."""

from functools import partial

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer

from catalog import selectors
from catalog.caching import cached, declared_parameters, list_cache_seconds, viewer_key
from catalog.filtersets import SearchFilterSet, TitleFilterSet
from catalog.models import Kind, Title
from catalog.pagination import CachedCountPagination
from catalog.regions import region_code_normalize
from catalog.serializers import ShowDetailSerializer, TitleCardSerializer, TitleDetailSerializer

REGION_PARAMETER = OpenApiParameter(
    "region", str, description="Region for anonymous and staff callers (ISO 3166-1 alpha-2)."
)


class CatalogViewMixin:
    permission_classes = [AllowAny]

    @property
    def region_param(self) -> str | None:
        # Validated by the filterset on lists; detail pages validate it the same way here.
        region = self.request.query_params.get("region") or None
        if region is None:
            return None
        try:
            return region_code_normalize(region)
        except DjangoValidationError as exc:
            raise ValidationError({"region": exc.messages}) from exc


class TitleViewSet(CatalogViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Visible titles of one kind: a paginated, filterable list and a detail page."""

    kind: str = ""
    pagination_class = CachedCountPagination
    detail_serializer_class = TitleDetailSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = TitleFilterSet
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.titles_detail(user=self.request.user, region=self.region_param, kind=self.kind)
        return selectors.titles_list(user=self.request.user, region=self.region_param, kind=self.kind)

    @property
    def cache_parameters(self) -> frozenset[str]:
        return declared_parameters(self.filterset_class)

    def get_serializer_class(self):
        return self.detail_serializer_class if self.action == "retrieve" else TitleCardSerializer

    def list(self, request, *args, **kwargs):
        # Anonymous browsing is the hot path; a page may lag by a few seconds (see catalog/caching.py).
        seconds = list_cache_seconds()
        if request.accepted_renderer.format != "json" or seconds <= 0:
            return super().list(request, *args, **kwargs)
        # JSON pages are kept rendered, so a cached page costs a cache read and nothing else.
        key = viewer_key("page", request, parameters=self.cache_parameters)
        body = cached(key, seconds, lambda: self.rendered_page(request))
        return HttpResponse(body, content_type="application/json")

    def rendered_page(self, request) -> bytes:
        return JSONRenderer().render(super().list(request).data)

    def filter_queryset(self, queryset):
        # Filters are for lists; a detail page only needs the visibility rule.
        return queryset if self.action == "retrieve" else super().filter_queryset(queryset)


@extend_schema(parameters=[REGION_PARAMETER])
class MovieViewSet(TitleViewSet):
    kind = Kind.MOVIE
    queryset = Title.objects.none()


@extend_schema(parameters=[REGION_PARAMETER])
class ShowViewSet(TitleViewSet):
    kind = Kind.SHOW
    detail_serializer_class = ShowDetailSerializer
    queryset = Title.objects.none()


class SearchView(CatalogViewMixin, ListAPIView):
    """Ranked full-text search over title, description, genres and people (prefix and typo tolerant)."""

    serializer_class = TitleCardSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = SearchFilterSet
    queryset = Title.objects.none()

    def list(self, request, *args, **kwargs):
        filterset = SearchFilterSet(data=request.query_params, queryset=self.queryset, request=request)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        data = filterset.form.cleaned_data
        results = selectors.search_titles(
            query=data.get("q") or "",
            user=request.user,
            region=self.region_param,
            genres=filterset.resolved_genres,
            kind=data.get("kind") or "",
            record=False,
        )
        page = self.paginate_queryset(results)
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        # Analytics learns of the search after the answer has gone out: a write (and its lock) off the
        # viewer's path. The server calls a response's closers once the body is sent.
        response._resource_closers.append(
            partial(
                selectors.search_event_record,
                user=request.user,
                query=data.get("q") or "",
                genres=filterset.resolved_genres,
                results=len(results),
            )
        )
        return response
