"""The router every service uses."""

from rest_framework.routers import SimpleRouter


class ServiceRouter(SimpleRouter):
    """A SimpleRouter whose routes match with or without a trailing slash, in one URL resolution.

    No browsable API root: each service's root is its /status endpoint. URLs reversed from these routes
    are spelled without the slash, as the API is documented.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.trailing_slash = "/?"
