"""Signed, expiring playback URLs: an HMAC-SHA256 over the session id, the path and the expiry time."""

import base64
import hashlib
import hmac
import time

from django.conf import settings


def _signature(session_id: str, path: str, expires: int) -> str:
    message = f"{session_id}\n{path.rstrip('/')}\n{expires}".encode()
    digest = hmac.new(settings.STREAM_SIGNING_KEY.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(*, session_id: str, path: str, ttl_s: int | None = None, now: float | None = None) -> dict[str, str]:
    """The query parameters (`expires`, `signature`) that authorize `path` for `session_id` until expiry."""
    expires = int((now if now is not None else time.time()) + (ttl_s or settings.STREAM_URL_TTL_S))
    return {"expires": str(expires), "signature": _signature(session_id, path, expires)}


def verify(*, session_id: str, path: str, expires: str | None, signature: str | None, now: float | None = None) -> str:
    """'' when the signature is valid and unexpired, else the reason it is not."""
    if not expires or not signature:
        return "This URL is not signed."
    try:
        expires_at = int(expires)
    except ValueError:
        return "This URL's signature is not valid."
    # Compared as bytes: compare_digest refuses str with non-ASCII characters, which anyone can put in a URL.
    if not hmac.compare_digest(_signature(session_id, path, expires_at).encode(), signature.encode()):
        return "This URL's signature is not valid."
    if expires_at < (now if now is not None else time.time()):
        return "This URL has expired."
    return ""
