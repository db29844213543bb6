"""Catalog API: movies, shows, genres, people, search and artwork, open to everyone, through the visibility rule."""

from functools import partial

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import artwork, selectors
from catalog.caching import cached, declared_parameters, list_cache_seconds, viewer_key
from catalog.filtersets import SearchFilterSet, TitleFilterSet
from catalog.listing import listed_mark
from catalog.models import Genre, ImageKind, Kind, Title
from catalog.pagination import CachedCountPagination
from catalog.regions import region_code_normalize
from catalog.selectors import browse
from catalog.serializers import (
    GenreCountSerializer,
    GenreSerializer,
    PersonDetailSerializer,
    ShowDetailSerializer,
    TitleCardSerializer,
    TitleDetailSerializer,
    TypedGenreSerializer,
    TypedPersonSerializer,
)
from streaming_platform.api.pagination import StandardPagination

REGION_PARAMETER = OpenApiParameter(
    "region", str, description="Region for anonymous and staff callers (ISO 3166-1 alpha-2)."
)
ErrorSerializer = inline_serializer(name="CatalogError", fields={"detail": serializers.CharField()})
SEARCH_TYPES = ("titles", "people", "genres")


class CatalogViewMixin:
    permission_classes = [AllowAny]
    marks_listed = False  # answers title cards: each gets the caller's `in_list` flag

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        return listed_mark(request.user, response) if self.marks_listed else response

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
    marks_listed = True
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


@extend_schema_serializer(many=False)  # already the paginated answer: not to be wrapped again
class TypedSearchResultsSerializer(serializers.Serializer):
    """The search answer: a page of titles, and (when `include` asks) matching people and genres."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TitleCardSerializer(many=True)
    people = TypedPersonSerializer(many=True, required=False, help_text="Only with include=people (at most 10).")
    genres = TypedGenreSerializer(many=True, required=False, help_text="Only with include=genres (at most 10).")


class SearchIncludeSerializer(serializers.Serializer):
    include = serializers.CharField(required=False, allow_blank=True, max_length=100)

    def validate_include(self, value: str) -> list[str]:
        names = [name.strip().lower() for name in value.split(",") if name.strip()]
        unknown = [name for name in names if name not in SEARCH_TYPES]
        if unknown:
            raise serializers.ValidationError(f"Unknown type: {', '.join(unknown)}; use {', '.join(SEARCH_TYPES)}.")
        return names


@extend_schema(
    parameters=[
        OpenApiParameter(
            "include",
            str,
            description="Also answer matching `people` and/or `genres` (comma-separated), each at most 10, "
            "beside the page of titles in `results`.",
        )
    ],
    responses={200: TypedSearchResultsSerializer, 400: OpenApiTypes.OBJECT},
)
class SearchView(CatalogViewMixin, ListAPIView):
    """Ranked full-text search over title, description, genres and people (prefix and typo tolerant).

    `results` are always titles; `include=people,genres` adds typed `people` and `genres` lists.
    """

    serializer_class = TitleCardSerializer
    marks_listed = True
    filter_backends = [DjangoFilterBackend]
    filterset_class = SearchFilterSet
    queryset = Title.objects.none()

    def list(self, request, *args, **kwargs):
        include = SearchIncludeSerializer(data=request.query_params)
        include.is_valid(raise_exception=True)
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
        self.add_typed_results(response, include.validated_data.get("include") or [], query=data.get("q") or "")
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

    def add_typed_results(self, response, types: "list[str]", *, query: str) -> None:
        if "people" in types:
            people = browse.search_people(query=query, user=self.request.user, region=self.region_param)
            response.data["people"] = TypedPersonSerializer(people, many=True).data
        if "genres" in types:
            genres = browse.search_genres(query=query, user=self.request.user)
            response.data["genres"] = TypedGenreSerializer(genres, many=True).data


# --- Genres and people ------------------------------------------------------------------------------


@extend_schema(
    parameters=[REGION_PARAMETER], responses={200: GenreCountSerializer(many=True), 400: OpenApiTypes.OBJECT}
)
class GenreListView(CatalogViewMixin, ListAPIView):
    """Every genre the viewer may browse, with how many titles of it they may see now (in their region)."""

    serializer_class = GenreCountSerializer
    pagination_class = StandardPagination
    filter_backends: list = []  # a short list, always by name
    queryset = Genre.objects.none()

    def get_queryset(self):
        return browse.genres_with_title_counts(user=self.request.user, region=self.region_param)


class GenreTitleFilterSet(TitleFilterSet):
    """The lists' filters, plus `kind`, for a genre's page."""

    kind = django_filters.ChoiceFilter(choices=Kind.choices, help_text="movie or show (default: both).")


class GenreDetailPagination(CachedCountPagination):
    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data = {"genre": GenreSerializer(self.genre).data, **response.data}
        return response


@extend_schema_serializer(many=False)
class GenrePageSerializer(serializers.Serializer):
    """A genre's page: the genre, then the standard paginated list of its titles."""

    genre = GenreSerializer()
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TitleCardSerializer(many=True)


@extend_schema(
    parameters=[REGION_PARAMETER],
    responses={200: GenrePageSerializer, 400: OpenApiTypes.OBJECT, 404: ErrorSerializer},
)
class GenreDetailView(CatalogViewMixin, ListAPIView):
    """A genre and a page of its titles the viewer may see, with the same filters and ordering as the lists."""

    serializer_class = TitleCardSerializer
    marks_listed = True
    pagination_class = GenreDetailPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = GenreTitleFilterSet
    queryset = Title.objects.none()

    def get_queryset(self):
        self.genre = browse.genre_get_visible(user=self.request.user, slug=self.kwargs["slug"])
        return browse.genre_titles(user=self.request.user, genre=self.genre, region=self.region_param)

    def paginate_queryset(self, queryset):
        self.paginator.genre = self.genre
        return super().paginate_queryset(queryset)

    @extend_schema(operation_id="catalog_genre_titles")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(
    parameters=[REGION_PARAMETER],
    responses={200: PersonDetailSerializer, 400: OpenApiTypes.OBJECT, 404: ErrorSerializer},
)
class PersonDetailView(CatalogViewMixin, APIView):
    """A person's page: name, headshots and their credits on titles the viewer may see.

    A person none of whose titles the viewer may see is a 404, like an unknown id.
    """

    def get(self, request, person_id: int):
        person = browse.person_get_visible(user=request.user, person_id=person_id, region=self.region_param)
        return Response(PersonDetailSerializer(person).data)


# --- Artwork ----------------------------------------------------------------------------------------


class AnyAcceptNegotiation(BaseContentNegotiation):
    """Image routes answer image bytes (or a JSON error) whatever `Accept` an <img> tag sends."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def image_response(data: bytes, extension: str) -> HttpResponse:
    response = HttpResponse(data, content_type=artwork.content_type_for(extension))
    response["Cache-Control"] = artwork.IMMUTABLE_CACHE_CONTROL
    return response


IMAGE_RESPONSES = {
    (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="The image at that width."),
    (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="Logos, with transparency."),
    (400, "application/json"): OpenApiTypes.OBJECT,
    (404, "application/json"): ErrorSerializer,
}


class ImageFileView(CatalogViewMixin, APIView):
    """One image at one of the fixed widths; 404 when its title (or person) is not visible to the caller.

    The URL names the image's version, so it never changes meaning: browsers may keep it for a year.
    """

    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(
        parameters=[
            REGION_PARAMETER,
            OpenApiParameter(
                "filename", str, OpenApiParameter.PATH, description="`<version>.jpg` (logos: `.png`), as answered."
            ),
        ],
        responses=IMAGE_RESPONSES,
    )
    def get(self, request, image_id: int, width: int, filename: str):
        version, _, extension = filename.partition(".")
        image = browse.image_get_visible(user=request.user, image_id=image_id, region=self.region_param)
        if version != (image.version or "0") or extension != artwork.extension_for(image.kind):
            raise Http404("No such image.")
        if width not in artwork.widths_for(image):
            raise Http404(f"No such size; sizes: {', '.join(map(str, artwork.widths_for(image)))}.")
        return image_response(artwork.rendition_bytes(image, width), artwork.extension_for(image.kind))


class PlaceholderImageView(APIView):
    """The neutral image cards show when a title has no artwork (the same for every title)."""

    permission_classes = [AllowAny]
    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY),
            (404, "application/json"): ErrorSerializer,
        }
    )
    def get(self, request, kind: str, width: int):
        if kind not in ImageKind.values or width not in artwork.PLACEHOLDER_WIDTHS:
            raise Http404("No such placeholder.")
        return image_response(artwork.placeholder_bytes(kind, width), "png")
