"""Thin API views of the recommend service: parse the query, call a service or selector, serialize."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.selectors import title_get_visible
from recommend import home, selectors, services
from recommend.permissions import viewer_for
from recommend.serializers import (
    HomeFeedSerializer,
    HomeQuerySerializer,
    LimitSerializer,
    PopularQuerySerializer,
    PopularTitlesSerializer,
    RecommendationListSerializer,
    SimilaritySerializer,
    SimilarTitlesSerializer,
)

LIMIT_PARAMETER = OpenApiParameter("limit", int, description="How many titles (1-100, default 10).")
REGION_PARAMETER = OpenApiParameter("region", str, description="Region for anonymous callers (ISO 3166-1 alpha-2).")


def parse_query(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def list_body(user, recommendations, items) -> dict:
    return {
        "user_id": user.pk,
        "generated_at": recommendations.generated_at,
        "fresh_until": recommendations.fresh_until,
        "model_id": recommendations.model_id,
        "results": items,
    }


class RecommendationsView(APIView):
    """A viewer's recommendations (the viewer or staff): cached while fresh, rebuilt inline when stale."""

    @extend_schema(parameters=[LIMIT_PARAMETER], responses=RecommendationListSerializer)
    def get(self, request, user_id: int | str):
        viewer = viewer_for(request, user_id)
        limit = parse_query(LimitSerializer, request)["limit"]
        recommendations, items = services.recommendations_serve(user=viewer, limit=limit)
        return Response(RecommendationListSerializer(list_body(viewer, recommendations, items)).data)


class GenerateView(APIView):
    """Rebuild a viewer's list now and return it."""

    @extend_schema(request=None, parameters=[LIMIT_PARAMETER], responses=RecommendationListSerializer)
    def post(self, request, user_id: int | str):
        viewer = viewer_for(request, user_id)
        limit = parse_query(LimitSerializer, request)["limit"]
        services.recommendations_generate(user=viewer)
        recommendations, items = services.recommendations_serve(user=viewer, limit=limit)
        return Response(RecommendationListSerializer(list_body(viewer, recommendations, items)).data)


class SimilarityView(APIView):
    """How similar two titles are, in [0, 1], with its components; symmetric."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[REGION_PARAMETER], responses=SimilaritySerializer)
    def get(self, request, a: int, b: int):
        region = request.query_params.get("region")
        first = title_get_visible(user=request.user, title_id=a, region=region)
        second = title_get_visible(user=request.user, title_id=b, region=region)
        similarity = selectors.title_similarity(a=first, b=second)
        return Response(SimilaritySerializer({"a": a, "b": b, **similarity}).data)


class SimilarTitlesView(APIView):
    """ "More like this": titles close to one title, visible to the caller."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[LIMIT_PARAMETER, REGION_PARAMETER], responses=SimilarTitlesSerializer)
    def get(self, request, title_id: int):
        region = request.query_params.get("region")
        limit = parse_query(LimitSerializer, request)["limit"]
        title = title_get_visible(user=request.user, title_id=title_id, region=region)
        similar = selectors.titles_similar_to(title=title, user=request.user, region=region, limit=limit)
        body = {"title_id": title.pk, "results": similar}
        return Response(SimilarTitlesSerializer(body).data)


class PopularView(APIView):
    """Trending: titles most watched in the caller's region over a recent window."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            LIMIT_PARAMETER,
            REGION_PARAMETER,
            OpenApiParameter("days", int, description="The recent window in days (1-365, default 7)."),
        ],
        responses=PopularTitlesSerializer,
    )
    def get(self, request):
        query = parse_query(PopularQuerySerializer, request)
        popular = selectors.titles_popular(
            user=request.user, region=query.get("region"), days=query["days"], limit=query["limit"]
        )
        body = {
            "region": popular["region"],
            "days": popular["days"],
            "since": popular["since"],
            "results": popular["items"],
        }
        return Response(PopularTitlesSerializer(body).data)


class HomeView(APIView):
    """The home screen as ordered rows of cards with artwork, for the caller (signed in or not).

    Everyone gets featured titles, the top 10 movies and shows in the region, new arrivals and titles
    leaving soon; signed-in viewers also get continue watching, "Because you watched X" and rows of their
    favourite genres. Every title obeys the visibility rule; no title shows in more than two rows.
    """

    permission_classes = [AllowAny]

    @extend_schema(parameters=[REGION_PARAMETER], responses={200: HomeFeedSerializer, 400: OpenApiTypes.OBJECT})
    def get(self, request):
        query = parse_query(HomeQuerySerializer, request)
        # home_feed answers the documented shape already; running HomeFeedSerializer over a hundred-odd cards
        # would cost more than building the feed (tests check the answer against the schema's fields).
        return Response(home.home_feed(user=request.user, region=query.get("region")))
