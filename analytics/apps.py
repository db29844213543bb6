"""The Analytics service: event ingestion and engagement, content, quality and regional reports."""

from streaming_platform.apps import ServiceConfig


class AnalyticsConfig(ServiceConfig):
    name = "analytics"
    verbose_name = "Analytics"
    service_label = "Analytics Service"
    calls = ("catalog",)

    def ready(self) -> None:
        from analytics import receivers
        from analytics.services import user_identity_erase
        from identity.account.services import account_erasure_hook_register

        receivers.connect()
        # A deleted account's events and views stay in the figures without its identity.
        account_erasure_hook_register(user_identity_erase)

    def seed_demo(self, context) -> None:
        """90 days of views and events; around the stream service's views when it already recorded some."""
        from analytics.demo import demo_seed

        demo_seed(context)
