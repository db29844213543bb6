"""`GET /api/<service>/status`: the health answer every service gives, built once."""

import time

from django.apps import apps
from django.db import DatabaseError, connection
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

import streaming_platform


def database_check() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"status": "error", "error": exc.__class__.__name__}
    return {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


StatusSerializer = inline_serializer(
    name="ServiceStatus",
    fields={
        "service": serializers.CharField(),
        "label": serializers.CharField(),
        "status": serializers.ChoiceField(choices=["ok", "degraded"]),
        "version": serializers.CharField(),
        "uptime_s": serializers.FloatField(),
        "time": serializers.DateTimeField(),
        "checks": serializers.DictField(),
    },
)


class ServiceStatusView(APIView):
    """Name, version, uptime and a database round trip; 503 when the database does not answer."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    service: str = ""

    @extend_schema(responses={200: StatusSerializer, 503: StatusSerializer})
    def get(self, request):
        config = apps.get_app_config(self.service)
        checks = {"database": database_check()}
        healthy = all(check["status"] == "ok" for check in checks.values())
        body = {
            "service": self.service,
            "label": getattr(config, "service_label", config.verbose_name),
            "status": "ok" if healthy else "degraded",
            "version": streaming_platform.__version__,
            "uptime_s": round(time.monotonic() - streaming_platform.STARTED_AT, 3),
            "time": timezone.now(),
            "checks": checks,
        }
        return Response(body, status=status.HTTP_200_OK if healthy else status.HTTP_503_SERVICE_UNAVAILABLE)


def status_path(service: str):
    """The URL pattern of a service's status endpoint, for its urls.py."""
    return path("status/", ServiceStatusView.as_view(service=service), name="status")
