"""The project app, and the base class that makes a Django app one of the platform's services."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from django.apps import AppConfig, apps

if TYPE_CHECKING:
    from streaming_platform.demo import DemoContext


class StreamingPlatformConfig(AppConfig):
    default = True  # this module holds ServiceConfig too
    name = "streaming_platform"
    verbose_name = "Streaming platform"

    def ready(self) -> None:
        leave_request_bodies_to_django()


def leave_request_bodies_to_django() -> None:
    """The development server (daphne, on Twisted) must not parse form bodies itself.

    Twisted parses multipart and urlencoded bodies before Django sees them, and answers one it cannot
    parse (a multipart body without a boundary) with an empty, non-JSON 400. Django parses bodies on
    its own, so Twisted's parsing is switched off.
    """
    try:
        from daphne import http_protocol
    except ImportError:
        return
    if getattr(http_protocol.WebRequest, "_bodies_left_to_django", False):
        return
    original = http_protocol.WebRequest.__init__

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("parsePOSTFormSubmission", False)
        original(self, *args, **kwargs)

    http_protocol.WebRequest.__init__ = __init__
    http_protocol.WebRequest._bodies_left_to_django = True


class ServiceConfig(AppConfig):
    """An app that is a service: mounted at /api/<label>/, shown as a node in the topology.

    Subclasses name the services they call (`calls`); the topology graph, the URL mounting and the
    demo-data commands all discover services through this class, so a new service is one new app.
    """

    default_auto_field = "django.db.models.BigAutoField"
    service_label: str = ""
    service_kind: str = "service"
    calls: tuple[str, ...] = ()

    def seed_demo(self, context: DemoContext) -> None:
        """Add this service's demo data; `seed_demo` calls it in INSTALLED_APPS order."""

    def import_movielens(self, directory: Path, *, stdout) -> None:
        """Import this service's share of a MovieLens directory; `import_movielens` calls it."""


def service_configs() -> Iterator[ServiceConfig]:
    """Every installed service, in INSTALLED_APPS order."""
    for config in apps.get_app_configs():
        if isinstance(config, ServiceConfig):
            yield config
