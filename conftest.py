"""Fixtures shared by every app's tests."""

import os
from pathlib import Path

import pytest
from rest_framework.test import APIClient

PROJECT_DIR = Path(__file__).resolve().parent
# Where `make test` caches MovieLens 100K when ../shared/data has no copy (outside the repository).
MOVIELENS_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "streaming-platform" / "ml-100k"


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    """Uploaded artwork and its sized copies go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    from identity.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def staff_user(db):
    from identity.tests.factories import UserFactory

    return UserFactory(is_staff=True)


@pytest.fixture
def user_client(user) -> APIClient:
    """An API client logged in as `user` with a bearer token."""
    from knox.models import AuthToken

    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    from knox.models import AuthToken

    client = APIClient()
    _, token = AuthToken.objects.create(user=staff_user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture(scope="session")
def redis_url():
    """A Redis for tests that need one: the configured REDIS_URL (`make test-scale`), else the suite's own server.

    On a configured (shared) server, a test keeps its keys under `settings.TEST_REDIS_PREFIX` and removes them.
    """
    from django.conf import settings

    from streaming_platform.tests.private_servers import PrivateRedis

    if settings.REDIS_URL:
        yield settings.REDIS_URL
        return
    server = PrivateRedis().start()
    try:
        yield server.url()
    finally:
        server.destroy()


def pytest_sessionfinish(session, exitstatus):
    """Removes every key this run left on a configured Redis (all under the run's prefix), and nothing else."""
    from django.conf import settings

    if not getattr(settings, "REDIS_URL", "") or not getattr(settings, "TEST_REDIS_PREFIX", ""):
        return
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3)
    keys = list(client.scan_iter(match=f"{settings.TEST_REDIS_PREFIX}*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])


@pytest.fixture(scope="session")
def movielens_dir() -> Path:
    """MovieLens 100K, put in place by `make test` (scripts/fetch_movielens.py): MOVIELENS_DIR, else its defaults."""
    from scripts.fetch_movielens import complete

    candidates = [Path(os.environ["MOVIELENS_DIR"])] if os.environ.get("MOVIELENS_DIR") else []
    candidates += [PROJECT_DIR.parent / "shared" / "data" / "ml-100k", MOVIELENS_CACHE]
    for directory in candidates:
        if complete(directory):
            return directory
    pytest.fail(f"MovieLens 100K is not in {', '.join(map(str, candidates))}: run `make test` (it fetches it)")


# A test that uses one of these starts a server process (the suite's own PostgreSQL, Redis or Django).
SERVER_FIXTURES = {"redis_url", "private_postgres", "private_redis", "server_process", "two_workers"}


def pytest_collection_modifyitems(config, items):
    """Marks every test that starts a server process `slow`, so `make test-fast` (-m "not slow") starts none."""
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def _test_database_left_droppable(django_db_setup, django_db_blocker):
    """On PostgreSQL, ends the sessions that test threads left open on the suite's own test database.

    Otherwise dropping it at the end fails ("being accessed by other users") and it stays on the server.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [connection.settings_dict["NAME"]],
        )
