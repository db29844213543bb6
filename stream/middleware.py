"""CORS for the signed playback URLs: any origin may fetch them, the signature is their credential."""

import re

from django.http import HttpResponse

# The manifest, the steering manifest and the CMCD reporting endpoint of a session.
SIGNED_PATH = re.compile(r"^/api/stream/sessions/[^/]+/(manifest\.m3u8|steering|report)/?$")
ALLOW_HEADERS = "content-type, cmcd-object, cmcd-request, cmcd-session, cmcd-status"
ALLOW_METHODS = "GET, POST, OPTIONS"
PREFLIGHT_MAX_AGE_S = 3600


class SignedUrlCorsMiddleware:
    """`Access-Control-Allow-Origin: *` on the signed URLs, and their preflights answered for any origin.

    Players (hls.js, dash.js, Shaka) run in pages of any origin and send no credentials to these URLs, so the
    allow-list of `CORS_ALLOWED_ORIGINS` does not apply to them; everything else goes on to django-cors-headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not SIGNED_PATH.match(request.path_info):
            return self.get_response(request)
        if request.method == "OPTIONS" and "access-control-request-method" in request.headers:
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ALLOW_METHODS
            response["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_S)
        else:
            response = self.get_response(request)
        response["Access-Control-Allow-Origin"] = "*"
        if response.has_header("Access-Control-Allow-Credentials"):
            del response["Access-Control-Allow-Credentials"]  # never with "*", and these URLs take no cookies
        if response.has_header("Vary"):
            # The answer is the same for every origin: a cache need not keep one copy per origin.
            kept = [part.strip() for part in response["Vary"].split(",") if part.strip().lower() != "origin"]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response
