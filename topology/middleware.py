"""Counts every request under /api/<service>/ towards that service's node: rate, latency, 4xx and 5xx."""

import time

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed

from streaming_platform.apps import service_configs
from topology.metrics import get_store

API_PREFIX = "/api/"


class ServiceMetricsMiddleware:
    """Placed first in MIDDLEWARE so the latency it records is the whole request, every middleware included.

    The work per request is a prefix check, a dict look-up and one in-memory bucket update; nothing
    waits for I/O (the Redis store flushes from a background thread).
    """

    def __init__(self, get_response):
        if not settings.TOPOLOGY_METRICS_ENABLED:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.services = frozenset(config.label for config in service_configs())

    def __call__(self, request):
        path = request.path_info
        if not path.startswith(API_PREFIX):
            return self.get_response(request)
        service = path[len(API_PREFIX) :].partition("/")[0]
        if service not in self.services:
            return self.get_response(request)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            get_store().record_request(service, time.perf_counter() - started, status)
