"""Project-wide middleware: optional trailing slashes, and JSON answers for errors under /api/."""

import logging

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.urls import Resolver404, get_urlconf, resolve

from streaming_platform.api.errors import json_error
from streaming_platform.views import api_not_found

logger = logging.getLogger("django.request")

API_PREFIX = "/api/"


class OptionalTrailingSlashMiddleware:
    """Serves a path with or without its trailing slash, for every method, without a redirect.

    Routes are declared once (with or without the slash); a request for the other spelling is
    rewritten in place before URL resolution, which a redirect could not do for PUT or POST.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith(API_PREFIX) and not self.has_route(path):
            alternative = path[:-1] if path.endswith("/") else path + "/"
            if self.has_route(alternative):
                request.path_info = alternative
        return self.get_response(request)

    @staticmethod
    def has_route(path: str) -> bool:
        """True when `path` resolves to a real view, not the catch-all JSON 404."""
        try:
            match = resolve(path, get_urlconf())
        except Resolver404:
            return False
        return match.func is not api_not_found


class ApiErrorMiddleware:
    """Under /api/, errors are JSON: 413 for an oversized body, 503 while the database is unreachable,
    and 500 for anything else unhandled; never an HTML page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not request.path_info.startswith(API_PREFIX):
            return None
        if isinstance(exception, RequestDataTooBig):
            return json_error(413, "Request body is too large.")
        if isinstance(exception, (OperationalError, InterfaceError)):
            # The database is unreachable (restarting, failing over): a temporary condition, not a bug.
            logger.error("Database unavailable on %s %s: %s", request.method, request.path, exception)
            response = json_error(503, "The database is unavailable; try again shortly.")
            response["Retry-After"] = "5"
            return response
        logger.exception("Unhandled error on %s %s", request.method, request.path, exc_info=exception)
        return json_error(500, "Internal server error.")
