"""The Identity service: accounts, tokens, preferences, watch history, parental controls."""

from streaming_platform.apps import ServiceConfig


class IdentityConfig(ServiceConfig):
    name = "identity"
    verbose_name = "Identity"
    service_label = "User Management"
    calls = ("catalog", "analytics")
