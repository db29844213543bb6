"""Project-wide middleware: optional trailing slashes, JSON answers for errors under /api/, the pages' CSP."""

import logging

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.urls import Resolver404, get_urlconf, resolve
from django.utils.functional import SimpleLazyObject, empty

from streaming_platform.api.errors import json_error
from streaming_platform.views import api_not_found

logger = logging.getLogger("django.request")

API_PREFIX = "/api/"


class OptionalTrailingSlashMiddleware:
    """Serves a path with or without its trailing slash, for every method, without a redirect.

    The services' routers accept both spellings themselves. Any other route is declared once: a request
    that only the catch-all JSON 404 matched is answered again under the other spelling when that one is
    a real route (a redirect could not do this for PUT or POST). A path spelled as declared costs nothing
    more than its own resolution.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.func is api_not_found:
            path = request.path_info
            alternative = path[:-1] if path.endswith("/") else path + "/"
            if self.has_route(alternative):
                request.path_info = alternative
                return self.get_response(request)
        return response

    @staticmethod
    def has_route(path: str) -> bool:
        """True when `path` resolves to a real view, not the catch-all JSON 404."""
        try:
            match = resolve(path, get_urlconf())
        except Resolver404:
            return False
        return match.func is not api_not_found


class LazyMessageMiddleware(MessageMiddleware):
    """Django's message middleware, with the message storage opened only by a request that uses it.

    Only the admin shows messages; an API request would otherwise build a cookie signer and a fallback
    storage for nothing.
    """

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response
        return super().process_response(request, response)


class ApiRequestGuardMiddleware:
    """Under /api/, refuses as JSON what Django's own middleware would refuse with an HTML page or trip on.

    An unknown Host header (DisallowedHost, raised by the middleware after this one: Django would answer
    with its HTML 400 page, or its debug page in development) and an Authorization header that is not
    ASCII (tokens are; every authentication class would otherwise have to survive undecodable bytes).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        try:
            request.get_host()
        except DisallowedHost:
            host = request.META.get("HTTP_HOST", "")[:100]
            hint = " (for devices on the LAN in development, set DEV_LAN=true)" if settings.DEBUG else ""
            return json_error(400, f"Host {host!r} is not served here; add it to ALLOWED_HOSTS{hint}.")
        if not request.META.get("HTTP_AUTHORIZATION", "").isascii():
            response = json_error(401, "Invalid token header: credentials must be ASCII characters.")
            response["WWW-Authenticate"] = "Bearer"
            return response
        return self.get_response(request)


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


class ContentSecurityPolicyMiddleware:
    """A Content-Security-Policy on the site's own HTML pages (the operator dashboard, the admin).

    Scripts, styles, images and connections (the dashboard's WebSocket and report fetches) come from the
    site itself; no plugins, no framing. Inline styles stay allowed: the admin's widgets use them, and a
    style cannot run code. The API's JSON and the schema's Swagger page (which has its own inline
    bootstrap script) are left alone. Django 6.0 ships the same as `ContentSecurityPolicyMiddleware`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            not request.path_info.startswith(API_PREFIX)
            and response.get("Content-Type", "").startswith("text/html")
            and "Content-Security-Policy" not in response
        ):
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        return response
