"""The Catalog service: titles, shows, genres, people, regional availability and search."""

from streaming_platform.apps import ServiceConfig


class CatalogConfig(ServiceConfig):
    name = "catalog"
    verbose_name = "Catalog"
    service_label = "Content Catalog"
    calls = ("identity", "analytics")
