"""WebSocket routes of the topology app: the documented root address and an explicit path."""

from django.urls import path

from topology.consumers import TopologyConsumer

websocket_urlpatterns: list = [
    path("", TopologyConsumer.as_asgi()),
    path("ws/topology/", TopologyConsumer.as_asgi()),
]
