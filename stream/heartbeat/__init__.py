"""The metric update's hot path: the token check, the statements it runs, and what an update applies.

Players send an update every few seconds, so this path is tuned for cost (see docs/services/stream.md). Its
parts: `token` (knox's bearer-token check), `statements` (the reads and the compare-and-set write, prepared
once), `apply` (the accounting, and `WRITTEN_FIELDS`, the one list of what an update changes), `live` (which
store holds a playing session's live state: the row, or Redis with `redis_live`). The session endpoints' view
calls `authenticate` for a metric update; `stream.services.session_update` does the rest.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from rest_framework.exceptions import AuthenticationFailed

from stream.heartbeat import live, token
from stream.models import PlaybackSession


@dataclass(frozen=True)
class Heartbeat:
    """A metric update's viewer, and the session it names as read with the token (None: no such session)."""

    user: object
    session: PlaybackSession | None
    # The token and the session's owner are checked by the update itself (live state in Redis): `user` is then
    # resolved on first use of anything but `is_authenticated`.
    deferred: bool = False


def authenticate(request, *, session_id: str) -> Heartbeat | None:
    """Checks the request's bearer token and reads the session `session_id` in the same statement.

    Sets `request.user` and `request.auth` as DRF's authentication does. Returns None when the request carries
    no bearer token (the view's other authentication classes then decide); a bad one is 401.
    """
    credentials = token.credentials(request.META)
    if credentials is None:
        return None
    try:
        user, auth_token, session = live.store().authenticate(credentials, session_id=session_id)
    except AuthenticationFailed:
        request.user, request.auth = AnonymousUser(), None
        raise
    request.user, request.auth = user, auth_token
    return Heartbeat(user=user, session=session, deferred=getattr(user, "deferred", False))
