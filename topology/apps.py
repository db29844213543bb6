"""Topology: the live view of the services over WebSocket, and the operator dashboard."""

from django.apps import AppConfig


class TopologyConfig(AppConfig):
    name = "topology"
    verbose_name = "Topology"

    def ready(self) -> None:
        from streaming_platform.boundary import add_call_listener
        from topology.metrics import record_boundary_call

        # Every cross-service call made through a @boundary function becomes an edge sample.
        add_call_listener(record_boundary_call)
