"""Per-session delivery tokens a CDN checks at the edge, on variant playlists and segments.

The token is Akamai Token Authorization 2.0's (EdgeAuth) format, a common denominator that the other CDNs' edge
code checks with configuration alone (docs/services/stream.md, "Delivery tokens"):

    exp=<unix time>~acl=<path prefix>*~id=<session>~hmac=<hex HMAC-SHA256 of everything before ~hmac>

keyed per CDN (`Cdn.token_key`, hex; blank: derived from STREAM_SIGNING_KEY and the CDN's name) and carried in
the query parameter (or cookie) `Cdn.token_name`. Tokens are renewed before they expire by the steering reload
(pathway clones whose URI-REPLACEMENT carries a fresh token), so a session's delivery stops at most
STREAM_DELIVERY_TOKEN_TTL_S after it stops being renewed, and at once on an origin that checks the session.
"""

import hashlib
import hmac
import re
import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from stream.models import Cdn, PlaybackSession
from stream.playlists import media_path

CLONE_SUFFIX = re.compile(r"\.r\d{1,12}$")  # pathway clones carrying a renewed token: `<cdn>.r<expiry>`
TOKEN_FIELDS = ("exp", "acl", "id")
MAX_TOKEN_CHARS = 1024


def token_ttl_s() -> int:
    # Long enough that several steering reloads fall within it, whatever the two settings say.
    return max(settings.STREAM_DELIVERY_TOKEN_TTL_S, 4 * settings.STREAM_STEERING_TTL_S)


def cdn_key(cdn: Cdn) -> bytes:
    if cdn.token_key:
        return bytes.fromhex(cdn.token_key)
    return hmac.new(settings.STREAM_SIGNING_KEY.encode(), f"cdn-token\n{cdn.name}".encode(), hashlib.sha256).digest()


def acl_for(cdn: Cdn, session: PlaybackSession) -> str:
    """The path prefix the token opens: the title's (or episode's) media on this CDN, every rendition."""
    base_path = urlsplit(cdn.base_url).path.rstrip("/")
    return f"{base_path}/{media_path(session)}/*"


def _hmac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def token_issue(*, cdn: Cdn, session: PlaybackSession, now: float | None = None) -> tuple[str, int]:
    """A token for `session`'s media on `cdn`, and its expiry (Unix time)."""
    expires = int((now if now is not None else time.time()) + token_ttl_s())
    body = f"exp={expires}~acl={acl_for(cdn, session)}~id={session.pk}"
    return f"{body}~hmac={_hmac(cdn_key(cdn), body)}", expires


def token_fields(value: str) -> dict[str, str] | None:
    """The token's fields, or None if it is not one of ours in shape."""
    if not value or len(value) > MAX_TOKEN_CHARS:
        return None
    fields: dict[str, str] = {}
    for part in value.split("~"):
        name, sep, field_value = part.partition("=")
        if not sep or name in fields:
            return None
        fields[name] = field_value
    if set(fields) != {*TOKEN_FIELDS, "hmac"}:
        return None
    return fields


def token_verify(*, cdn: Cdn, value: str | None, path: str, now: float | None = None) -> tuple[str, str]:
    """(session id, '') when `value` opens `path` on `cdn` now, else ('', the reason it does not)."""
    fields = token_fields(value or "")
    if fields is None:
        return "", "A valid delivery token is required."
    body = value.rsplit("~hmac=", 1)[0]
    if not hmac.compare_digest(_hmac(cdn_key(cdn), body).encode(), fields["hmac"].encode()):
        return "", "The delivery token's signature is not valid."
    if not fields["exp"].isdigit() or int(fields["exp"]) < (now if now is not None else time.time()):
        return "", "The delivery token has expired."
    acl = fields["acl"]
    if not acl.endswith("/*") or not path.startswith(acl[:-1]) or "/../" in path:
        return "", "The delivery token does not cover this path."
    return fields["id"], ""


def pathway_name(pathway: str) -> str:
    """The CDN a pathway (or a clone of it) is: `edge-eu.r1767225600` is `edge-eu`."""
    return CLONE_SUFFIX.sub("", pathway)


def needs_renewal(expires: int, now: float | None = None) -> bool:
    """Whether tokens expiring at `expires` should be replaced on this steering reload."""
    remaining = expires - (now if now is not None else time.time())
    return remaining <= max(token_ttl_s() / 2, 3 * settings.STREAM_STEERING_TTL_S)


def renewed_pathways(
    *, session: PlaybackSession, cdns: list[Cdn], now: float | None = None
) -> tuple[list[dict], dict[str, str], int]:
    """Steering's PATHWAY-CLONES carrying fresh tokens, the clone id of each CDN, and the new expiry."""
    clones, ids, expires = [], {}, 0
    for cdn in cdns:
        token, expires = token_issue(cdn=cdn, session=session, now=now)
        clone_id = f"{cdn.name}.r{expires}"
        ids[cdn.name] = clone_id
        clones.append({"BASE-ID": cdn.name, "ID": clone_id, "URI-REPLACEMENT": {"PARAMS": {cdn.token_name: token}}})
    return clones, ids, expires


def variant_queries(*, session: PlaybackSession, cdns: list[Cdn], now: float | None = None) -> tuple[dict, int]:
    """The token query string of each CDN's variant URIs (by CDN name), and the tokens' expiry."""
    queries, expires = {}, 0
    for cdn in cdns:
        token, expires = token_issue(cdn=cdn, session=session, now=now)
        queries[cdn.name] = urlencode({cdn.token_name: token}, safe="=~/*")
    return queries, expires


RENEWED_PARAM = "delivery_renewed"  # on the steering URIs: the expiry of the tokens the player holds
ISSUED_PARAM = "delivery_expires"  # the same, when they are still the playlist's own (no clones yet)


def steering_delivery(
    *, session: PlaybackSession, cdns: list[Cdn], query: dict, now: float | None = None
) -> tuple[list[str], list[dict], dict[str, str]]:
    """What a steering reload adds for delivery: the pathway priority (clone ids once renewed), the clones
    carrying fresh tokens when the player's expire soon, and the parameters for the next RELOAD-URI.
    """
    renewed, issued = query.get(RENEWED_PARAM, ""), query.get(ISSUED_PARAM, "")
    held = renewed or issued
    expires = int(held) if held.isdigit() and len(held) <= 12 else None
    if expires is None:
        # A steering URI from before delivery tokens: the plain pathways, as it always had.
        return [cdn.name for cdn in cdns], [], {}
    if needs_renewal(expires, now):
        clones, ids, new_expires = renewed_pathways(session=session, cdns=cdns, now=now)
        return [ids[cdn.name] for cdn in cdns], clones, {RENEWED_PARAM: str(new_expires)}
    if renewed:
        # The player holds the clones of the last renewal: keep steering by their ids.
        return [f"{cdn.name}.r{expires}" for cdn in cdns], [], {RENEWED_PARAM: renewed}
    return [cdn.name for cdn in cdns], [], {ISSUED_PARAM: issued}
