"""What the catalog announces to the services that depend on it; they connect in their `AppConfig.ready()`."""

from streaming_platform.events import Event

# A viewer searched the catalog: payload `user` (None when anonymous), `query`, `genres` (slugs), `results`.
title_searched = Event("title_searched", sender_app="catalog")
