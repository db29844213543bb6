"""Bearer-token authentication for the session endpoints, trimmed for the per-viewer heartbeat rate."""

import binascii
from hmac import compare_digest

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import HTTP_HEADER_ENCODING, exceptions

from stream.models import PlaybackSession
from stream.prepared import PreparedRead
from stream.services import UPDATE_READ_FIELDS

_tokens_by_key = PreparedRead(get_token_model(), where="token_key", join="user")
# A metric update reads its token, the token's user and the session it updates in one statement.
# Of the token and its user, it reads what authentication checks; of the session, what the update needs.
_tokens_by_key_with_session = PreparedRead(
    get_token_model(),
    where="token_key",
    join="user",
    beside=(PlaybackSession, "id"),
    only={
        get_token_model(): ["token_key", "user", "expiry"],
        get_user_model(): ["is_active", "is_staff"],
        PlaybackSession: UPDATE_READ_FIELDS,
    },
)


def heartbeat_session(request) -> PlaybackSession | None:
    """The session a metric update names, as read with its token (None if it does not exist or was not read)."""
    return getattr(request, "_heartbeat_session", None)


class HeartbeatTokenAuthentication(TokenAuthentication):
    """Knox tokens, checked exactly as knox does, at less cost per request.

    The differences are all about cost (players call these endpoints every few seconds): the token and its
    user are read with a prepared statement instead of an ORM query compiled per request; for a metric
    update, that statement also reads the session being updated (see `heartbeat_session`); and the user's
    other expired tokens are not swept on every request (the other endpoints still do it). The token
    presented is refused, and deleted, once expired.
    """

    session_id: str | None = None  # set for a metric update: the session to read with the token
    session: PlaybackSession | None = None

    def authenticate(self, request):
        # knox's checks of the header, reading it from the environ: DRF's get_authorization_header first builds
        # a dictionary of every header of the request.
        auth = request.META.get("HTTP_AUTHORIZATION", "").encode(HTTP_HEADER_ENCODING).split()
        if not auth or auth[0].lower() != self.authenticate_header(request).encode().lower():
            return None
        if len(auth) == 1:
            raise exceptions.AuthenticationFailed(_("Invalid token header. No credentials provided."))
        if len(auth) > 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header. Token string should not contain spaces."))
        view = (request.parser_context or {}).get("view")
        if getattr(view, "action", None) == "update":
            self.session_id = view.kwargs.get(view.lookup_url_kwarg or view.lookup_field)
        authenticated = self.authenticate_credentials(auth[1])
        if self.session_id is not None:
            request._heartbeat_session = self.session
        return authenticated

    def authenticate_credentials(self, token: bytes):
        message = _("Invalid token.")
        token = token.decode("utf-8")
        key = token[: CONSTANTS.TOKEN_KEY_LENGTH]
        if self.session_id is None:
            candidates = [(auth_token, None) for auth_token in _tokens_by_key.all(key)]
        else:
            candidates = _tokens_by_key_with_session.all_beside(key, self.session_id)
        for auth_token, session in candidates:
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error) as exc:
                raise exceptions.AuthenticationFailed(message) from exc
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                self.session = session
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(message)

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


class HeartbeatTokenScheme(KnoxTokenScheme):
    """The same bearer scheme as knox's in the OpenAPI schema."""

    target_class = "stream.authentication.HeartbeatTokenAuthentication"
    name = "knoxApiTokenHeartbeat"
