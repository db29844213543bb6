"""The Stream service: playback sessions, bitrate ladders, CMCD metrics, CDN coordination."""

from streaming_platform.apps import ServiceConfig


class StreamConfig(ServiceConfig):
    name = "stream"
    verbose_name = "Stream"
    service_label = "Streaming Service"
    calls = ("catalog", "identity", "analytics")

    def ready(self) -> None:
        from identity.events import profile_deleted
        from stream.receivers import profile_deleted_sessions_end

        profile_deleted.connect(profile_deleted_sessions_end)

    def seed_demo(self, context) -> None:
        """CDNs in several regions and a history of finished views (after identity's viewers exist)."""
        from stream.demo import demo_seed

        demo_seed(context)
