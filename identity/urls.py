"""URLs of the identity service, mounted at /api/identity/."""

from streaming_platform.api.routers import ServiceRouter
from streaming_platform.api.status import status_path

router = ServiceRouter()

urlpatterns = [
    status_path("identity"),
    *router.urls,
]
