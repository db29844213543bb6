"""The Stream service: playback sessions, bitrate ladders, CMCD metrics, CDN coordination."""

from streaming_platform.apps import ServiceConfig


class StreamConfig(ServiceConfig):
    name = "stream"
    verbose_name = "Stream"
    service_label = "Streaming Service"
    calls = ("catalog", "identity", "analytics")
