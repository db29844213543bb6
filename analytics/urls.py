"""URLs of the analytics service, mounted at /api/analytics/."""

from streaming_platform.api.routers import ServiceRouter
from streaming_platform.api.status import status_path

router = ServiceRouter()

urlpatterns = [
    status_path("analytics"),
    *router.urls,
]
