"""The router every service uses; trailing slashes are made optional by middleware, not here."""

from rest_framework.routers import SimpleRouter


class ServiceRouter(SimpleRouter):
    """A SimpleRouter (no browsable API root: each service's root is its /status endpoint)."""
