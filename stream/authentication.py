"""Bearer-token authentication for the session endpoints: knox's check, at the cost of the heartbeat's."""

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication

from identity.selectors import profile_token_note
from stream.heartbeat import token


class HeartbeatTokenAuthentication(TokenAuthentication):
    """Knox tokens, checked as knox does with the heartbeat's prepared statement (`stream.heartbeat.token`).

    A metric update reads its token and its session together; the view does that through `stream.heartbeat`.
    """

    def authenticate(self, request):
        credentials = token.credentials(request.META)
        if credentials is None:
            return None
        user, auth_token, _ = token.check(credentials)
        profile_token_note(user, auth_token)  # the profile the token acts for, read only if a view needs it
        return user, auth_token


class HeartbeatTokenScheme(KnoxTokenScheme):
    """The same bearer scheme as knox's in the OpenAPI schema."""

    target_class = "stream.authentication.HeartbeatTokenAuthentication"
    name = "knoxApiTokenHeartbeat"
