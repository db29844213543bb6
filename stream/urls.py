"""URLs of the stream service, mounted at /api/stream/."""

from streaming_platform.api.routers import ServiceRouter
from streaming_platform.api.status import status_path

router = ServiceRouter()

urlpatterns = [
    status_path("stream"),
    *router.urls,
]
