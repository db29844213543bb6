"""Root URLs: every service's API under /api/<service>/, the schema and docs, the admin."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from streaming_platform.api.routers import optional_trailing_slashes
from streaming_platform.apps import ServiceConfig, service_configs
from streaming_platform.views import api_not_found


def service_api(config: ServiceConfig):
    """`/api/<label>/`: the service's urls.py, every endpoint matching with or without its trailing slash."""
    module, app_name, _ = include((f"{config.name}.urls", config.label))
    return path(f"api/{config.label}/", include((optional_trailing_slashes(module.urlpatterns), app_name)))


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    *(service_api(config) for config in service_configs()),
    # Anything else under /api/ is a JSON 404, in DEBUG too.
    re_path(r"^api/", api_not_found),
    # The player page and, in development, the origin serving its media belong to stream.
    path("watch/", include(("stream.page_urls", "stream_pages"))),
    path("dev-origin/", include(("stream.origin_urls", "dev_origin"))),
    # Pages outside /api/ (the operator dashboard) belong to topology.
    path("", include(("topology.page_urls", "topology_pages"))),
]

handler500 = "streaming_platform.views.server_error"
