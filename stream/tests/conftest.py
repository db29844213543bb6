"""Fixtures of the stream tests: a CDN, a movie, and a helper that starts a session through the API."""

import pytest
from django.core.cache import cache

from catalog.tests.factories import TitleFactory
from stream import ending
from stream.tests.factories import CdnFactory


@pytest.fixture(autouse=True)
def _fresh_state():
    # Automatic reaping is throttled per process; every test starts as if it had never run.
    ending._last_reap["at"] = float("-inf")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cdn(db):
    return CdnFactory(name="cdn-us", regions=["US"])


@pytest.fixture
def movie(db):
    return TitleFactory(runtime_s=6000)


@pytest.fixture
def start(cdn):
    """POSTs a session start with sensible defaults; returns the response."""

    def _start(client, title, *, episode=None, device_type="web", device_id="laptop", max_resolution=None):
        device = {"type": device_type, "id": device_id}
        if max_resolution:
            device["max_resolution"] = max_resolution
        body = {"title": title.pk, "device": device}
        if episode is not None:
            body["episode"] = episode.pk
        return client.post("/api/stream/sessions", body, format="json")

    return _start


# --- The development origin's media, made once per run with the real generator ---------------------------------

LOCAL_BASE = "http://testserver/dev-origin"


@pytest.fixture
def local_cdn(db):
    return CdnFactory(name="local", base_url=f"{LOCAL_BASE}/local", regions=[])


@pytest.fixture(scope="session")
def tiny_media(tmp_path_factory):
    """One rung, a 4 s clip: made once per run with the real generator."""
    from django.conf import settings

    from stream import media

    directory = tmp_path_factory.mktemp("media")
    original = settings.STREAM_MEDIA_DIR, settings.STREAM_MEDIA_CLIP_S, settings.STREAM_MEDIA_RUNGS_KBPS
    settings.STREAM_MEDIA_DIR, settings.STREAM_MEDIA_CLIP_S, settings.STREAM_MEDIA_RUNGS_KBPS = directory, 4, [145]
    try:
        media.media_generate(say=lambda message: None)
        yield directory
    finally:
        settings.STREAM_MEDIA_DIR, settings.STREAM_MEDIA_CLIP_S, settings.STREAM_MEDIA_RUNGS_KBPS = original


@pytest.fixture
def media_settings(settings, tiny_media):
    settings.STREAM_MEDIA_DIR, settings.STREAM_MEDIA_CLIP_S, settings.STREAM_MEDIA_RUNGS_KBPS = tiny_media, 4, [145]
    settings.STREAM_DEV_ORIGIN = True
    return settings


@pytest.fixture
def live_redis(redis_url, settings):
    """Live session state in the suite's Redis (as with REDIS_URL set); its keys are removed afterwards."""
    from stream.heartbeat import live

    settings.REDIS_URL = redis_url  # of the settings read at run time, only the live-state store's choice
    settings.STREAM_LIVE_STORE = "redis"
    store = live.store()
    store._down_until, store._rows_swept_at = 0.0, float("-inf")
    yield store
    keys = list(store.redis.scan_iter(match=f"{store.prefix}:*", count=1000))
    if keys:
        store.redis.delete(*keys)
