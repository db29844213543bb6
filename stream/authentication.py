"""Bearer-token authentication for the session endpoints, trimmed for the per-viewer heartbeat rate."""

from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.signals import token_expired


class HeartbeatTokenAuthentication(TokenAuthentication):
    """Knox tokens, without sweeping the user's other expired tokens on every request.

    Knox deletes all of a user's expired tokens on each authentication, one extra query per request; players
    call the session endpoints every few seconds, so that sweep is left to the other endpoints. The token
    presented is still refused (and deleted) once expired.
    """

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False
