"""Topology: the live view of the services over WebSocket, and the operator dashboard."""

from django.apps import AppConfig


class TopologyConfig(AppConfig):
    name = "topology"
    verbose_name = "Topology"
