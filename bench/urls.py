"""The project's URLs plus bench-only endpoints: the baseline every benchmark compares against."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from streaming_platform.urls import urlpatterns as project_urlpatterns

BASELINE_BODY = {"service": "bench", "status": "ok", "items": [1, 2, 3]}


class BaselineView(APIView):
    """A bare Django + DRF JSON endpoint: no authentication, no database, a small constant body."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response(BASELINE_BODY)


def bench_urlpatterns() -> list:
    """Bench-only endpoints other benchmarks contribute (each optional, imported lazily)."""
    patterns = []
    try:
        from bench.catalog_views import urlpatterns as catalog_patterns
    except ImportError:
        catalog_patterns = []
    patterns.extend(catalog_patterns)
    return patterns


urlpatterns = [
    path("bench/baseline/", BaselineView.as_view(), name="bench-baseline"),
    *bench_urlpatterns(),
    *project_urlpatterns,
]
