"""Settings of the test suite: the project's own, with a fast password hasher and names of its own on shared servers.

Under `make test-scale` the suite runs against an operator's PostgreSQL and Redis. It then creates (and drops)
a test database whose name no one else uses, and keeps every Redis key under a prefix of this run, so
clearing the cache removes only the suite's keys and nothing another program stored.
"""

import uuid

from streaming_platform.settings import *  # noqa: F403
from streaming_platform.settings import CACHES, CHANNEL_LAYERS, DATABASES, REDIS_URL

TEST_RUN_ID = uuid.uuid4().hex[:12]
TEST_REDIS_PREFIX = f"streaming-platform-test-{TEST_RUN_ID}"

# Hashing speed is not under test (login and lockout tests check behaviour, not cost).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": f"test_streaming_platform_{TEST_RUN_ID}"}

if REDIS_URL:
    CACHES["default"].update(
        BACKEND="streaming_platform.tests.redis_cache.PrefixScopedRedisCache", KEY_PREFIX=f"{TEST_REDIS_PREFIX}-cache"
    )
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"{TEST_REDIS_PREFIX}-asgi"
    TOPOLOGY_REDIS_PREFIX = f"{TEST_REDIS_PREFIX}-topology"
# Live session state, under the run's prefix on whichever Redis a test uses. The suite's tests of sessions read
# their rows after each update: they run on the database's store, also under `make test-scale`; the tests of
# the Redis store ask for it (fixture `live_redis`), and the servers tests start use the project's settings.
STREAM_LIVE_PREFIX = f"{TEST_REDIS_PREFIX}-stream-live"
STREAM_LIVE_STORE = "database"
