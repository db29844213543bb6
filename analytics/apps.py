"""The Analytics service: event ingestion and engagement, content, quality and regional reports."""

from streaming_platform.apps import ServiceConfig


class AnalyticsConfig(ServiceConfig):
    name = "analytics"
    verbose_name = "Analytics"
    service_label = "Analytics Service"
    calls = ("catalog",)
