"""URLs of the catalog service, mounted at /api/catalog/."""

from streaming_platform.api.routers import ServiceRouter
from streaming_platform.api.status import status_path

router = ServiceRouter()

urlpatterns = [
    status_path("catalog"),
    *router.urls,
]
