"""WebSocket routes of the topology app."""

websocket_urlpatterns: list = []
