"""URLs of the recommend service, mounted at /api/recommend/."""

from streaming_platform.api.routers import ServiceRouter
from streaming_platform.api.status import status_path

router = ServiceRouter()

urlpatterns = [
    status_path("recommend"),
    *router.urls,
]
