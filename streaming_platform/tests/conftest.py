"""Fixtures of the cross-service tests: the suite's own PostgreSQL and Redis servers."""

from streaming_platform.tests.servers import private_postgres, private_redis  # noqa: F401 (fixtures)
