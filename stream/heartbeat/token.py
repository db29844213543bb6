"""knox's bearer-token check, at less cost per request, optionally reading a session in the same statement.

This follows `knox.auth.TokenAuthentication` of django-rest-knox KNOX_VERSION (requirements.txt pins that minor
version; `stream/tests/test_heartbeat.py` runs both checks side by side). The differences are all about cost:
the token and its user are read with a prepared statement, and the user's other expired tokens are not swept
(the endpoints that use knox's own class still do it). The token presented is refused, and deleted, once expired.
"""

import binascii
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import HTTP_HEADER_ENCODING, exceptions

from stream.heartbeat import statements

KNOX_VERSION = "5.1"


def credentials(meta: dict) -> bytes | None:
    """The token of a bearer `Authorization` header; None when the header is absent or of another scheme.

    knox's checks of the header, reading it from the environ: DRF's get_authorization_header first builds a
    dictionary of every header of the request.
    """
    auth = meta.get("HTTP_AUTHORIZATION", "").encode(HTTP_HEADER_ENCODING).split()
    if not auth or auth[0].lower() != knox_settings.AUTH_HEADER_PREFIX.encode().lower():
        return None
    if len(auth) == 1:
        raise exceptions.AuthenticationFailed(_("Invalid token header. No credentials provided."))
    if len(auth) > 2:
        raise exceptions.AuthenticationFailed(_("Invalid token header. Token string should not contain spaces."))
    return auth[1]


def check(token: bytes, *, session_id: str | None = None) -> tuple:
    """(user, auth token, the session `session_id` names or None), as knox accepts the token; else 401.

    With `session_id`, the session is read in the same statement as the token (only the columns an update uses).
    """
    message = _("Invalid token.")
    text = token.decode("utf-8")
    key = text[: CONSTANTS.TOKEN_KEY_LENGTH]
    candidates: list[tuple]
    if session_id is None:
        candidates = [(auth_token, None) for auth_token in statements.tokens_by_key.all(key)]
    else:
        candidates = statements.tokens_by_key_with_session.all_beside(key, session_id)
    for auth_token, session in candidates:
        if _expired_deleted(auth_token):
            continue
        try:
            digest = hash_token(text)
        except (TypeError, binascii.Error) as exc:
            raise exceptions.AuthenticationFailed(message) from exc
        if compare_digest(digest, auth_token.digest):
            if knox_settings.AUTO_REFRESH and auth_token.expiry:
                TokenAuthentication().renew_token(auth_token)
            if not auth_token.user.is_active:
                raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
            return auth_token.user, auth_token, session
    raise exceptions.AuthenticationFailed(message)


def _expired_deleted(auth_token) -> bool:
    if auth_token.expiry is not None and auth_token.expiry < timezone.now():
        username = auth_token.user.get_username()
        auth_token.delete()
        token_expired.send(sender=TokenAuthentication, username=username, source="auth_token")
        return True
    return False
