"""The router every service uses."""

from django.urls import URLPattern
from django.urls.resolvers import RoutePattern
from rest_framework.routers import SimpleRouter


class ServiceRouter(SimpleRouter):
    """A SimpleRouter whose routes match with or without a trailing slash, in one URL resolution.

    No browsable API root: each service's root is its /status endpoint. URLs reversed from these routes
    are spelled without the slash, as the API is documented.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.trailing_slash = "/?"


class OptionalSlashRoutePattern(RoutePattern):
    """A `path()` endpoint whose trailing slash is optional: `status/` also matches `status`, in one resolution.

    Its regex, and so the URLs reversed from it, keep the slash as declared.
    """

    def match(self, path):
        found = super().match(path)
        if found is None and self._is_endpoint and not path.endswith("/"):
            found = super().match(path + "/")
        return found


def optional_trailing_slashes(patterns) -> list:
    """A service's URL patterns with the trailing slash of every `path()` endpoint made optional.

    Without it a documented spelling like `GET /api/catalog/status` would first reach the catch-all 404 and
    be answered only by `OptionalTrailingSlashMiddleware`'s second pass through the view stack.
    """
    rewritten = []
    for entry in patterns:
        if isinstance(entry, URLPattern) and type(entry.pattern) is RoutePattern and str(entry.pattern).endswith("/"):
            pattern = OptionalSlashRoutePattern(str(entry.pattern), name=entry.pattern.name, is_endpoint=True)
            entry = URLPattern(pattern, entry.callback, entry.default_args, entry.name)
        rewritten.append(entry)
    return rewritten
