"""`manage.py check_services`: fail unless the configured database (and Redis, when set) answer."""

import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection


class Command(BaseCommand):
    help = "Check that the configured database and Redis server are reachable."

    def handle(self, *args, **options):
        try:
            connection.ensure_connection()
        except DatabaseError as exc:
            raise CommandError(f"Database {connection.vendor} is unreachable: {exc}") from exc
        self.stdout.write(f"database: {connection.vendor} ok")
        if settings.REDIS_URL:
            try:
                redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
            except redis.RedisError as exc:
                raise CommandError(f"Redis at {settings.REDIS_URL} is unreachable: {exc}") from exc
            self.stdout.write("redis: ok")
