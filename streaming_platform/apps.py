"""The project app, and the base class that makes a Django app one of the platform's services."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from django.apps import AppConfig, apps

if TYPE_CHECKING:
    from streaming_platform.demo import DemoContext


class StreamingPlatformConfig(AppConfig):
    name = "streaming_platform"
    verbose_name = "Streaming platform"


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
