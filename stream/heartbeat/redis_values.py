"""How live session state is held in Redis: the hash's fields and their encoding, and the cached token viewer."""

from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, DateTimeField, FloatField, ForeignKey
from knox.crypto import hash_token
from knox.settings import CONSTANTS

from stream.heartbeat.live import LIVE_FIELDS
from stream.models import PlaybackSession


def _codec():
    """(encoder, decoder) per live field, from the model's field types."""
    encoders, decoders = {}, {}
    for name in LIVE_FIELDS:
        field = PlaybackSession._meta.get_field(name.removesuffix("_id") if name.endswith("_id") else name)
        if isinstance(field, DateTimeField):
            encoders[name] = lambda v: "" if v is None else repr(v.timestamp())
            decoders[name] = lambda v: None if v == "" else datetime.fromtimestamp(float(v), tz=UTC)
        elif isinstance(field, BooleanField):
            encoders[name] = lambda v: "1" if v else "0"
            decoders[name] = lambda v: v == "1"
        elif isinstance(field, FloatField):
            encoders[name] = lambda v: "" if v is None else repr(float(v))
            decoders[name] = lambda v: None if v == "" else float(v)
        elif isinstance(field, ForeignKey) or field.get_internal_type().endswith("IntegerField"):
            encoders[name] = lambda v: "" if v is None else str(int(v))
            decoders[name] = lambda v: None if v == "" else int(float(v))
        else:
            encoders[name] = lambda v: "" if v is None else str(v)
            decoders[name] = str
    return encoders, decoders


ENCODERS, DECODERS = _codec()
OWNER_FIELDS = ["user_id", "status"]


def encode(session: PlaybackSession, *, checkpoint_at: float) -> list[str]:
    """The session's live fields as field/value pairs of its hash."""
    pairs = []
    for name in LIVE_FIELDS:
        pairs += [name, ENCODERS[name](getattr(session, name))]
    # The row's sequence as the last checkpoint (or the seed) left it: a row that moved since was written by the
    # database path while Redis was away, and wins.
    return [*pairs, "checkpoint_at", repr(checkpoint_at), "checkpoint_sequence", str(session.last_sequence)]


def decode(raw: list) -> dict:
    """A hash's flat field/value list (bytes) as the live fields' Python values."""
    values = {}
    for position in range(0, len(raw), 2):
        name = raw[position].decode()
        if name in DECODERS:
            values[name] = DECODERS[name](raw[position + 1].decode())
    return values


_FIELD_ORDER = {field.attname: position for position, field in enumerate(PlaybackSession._meta.concrete_fields)}


def cached_user(user_id: str, is_staff: str):
    user = get_user_model()(pk=int(user_id), is_staff=is_staff == "1", is_active=True)
    user.from_token_cache = True  # only id and is_staff are known: read the account when more is needed
    return user


def token_digest(credentials: bytes) -> str:
    """knox's digest of a presented token ('' for one that cannot be a token)."""
    try:
        text = credentials.decode("utf-8")
        return hash_token(text) if len(text) >= CONSTANTS.TOKEN_KEY_LENGTH else ""
    except (UnicodeDecodeError, TypeError, ValueError):
        return ""


class TokenViewer:
    """The viewer of a bearer token whose check is left to the metric update's script (one round trip).

    Authenticated as far as DRF's permission checks ask; anything else about the viewer resolves the token first
    (the cache, else knox's check, which refuses a bad token with 401).
    """

    is_authenticated = True
    is_anonymous = False
    deferred = True

    def __init__(self, store, credentials: bytes) -> None:
        self._store, self._credentials = store, credentials
        self.digest = token_digest(credentials)
        self._user = None

    @property
    def resolved(self) -> bool:
        return self._user is not None

    def resolve(self, user=None):
        if user is not None:
            self._user = user
        if self._user is None:
            self._user = self._store.authenticate_now(self._credentials, session_id=None)[0]
        return self._user

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.resolve(), name)


def session_of(session_id: str, values: dict) -> PlaybackSession:
    """A session instance holding the live values (the other fields deferred: read from the row on access)."""
    names = sorted(["id", *values], key=_FIELD_ORDER.__getitem__)
    given = {"id": session_id, **values}
    return PlaybackSession.from_db("default", names, [given[name] for name in names])
