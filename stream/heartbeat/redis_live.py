"""Live session state in Redis: one server-side script per metric update, the row written at the edges.

Each active session is a hash `<prefix>:s:<id>` (the fields of `live.LIVE_FIELDS`, plus `checkpoint_at`), and
one sorted set `<prefix>:seen` ranks the sessions by their last update (the idle reaper's index). A metric
update is `UPDATE_SCRIPT`: the ownership and status checks, the compare-and-set on the sequence, the position
and parental-controls gates, the QoE accounting of `apply.apply` and the write, atomically; it says when the
session's checkpoint is due (every `STREAM_CHECKPOINT_S`, claimed by one worker), which then writes the row.
The token check is answered from `<prefix>:t:<digest>` (`STREAM_TOKEN_CACHE_S`), deleted at once on logout,
logout-all and deactivation; an expired token is checked against the database, which refuses it.

When Redis cannot be reached, every operation falls back to the database's store (the row, as of its last
checkpoint); a checkpoint that finds the row ahead of Redis (updates went to the row meanwhile) reloads the
session from the row, so nothing is counted twice.
"""

import json
import logging
import random
import time
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.utils import timezone
from knox.settings import knox_settings

from stream.heartbeat import statements
from stream.heartbeat.live import ACTIVE_ROW_FIELDS, LIVE_FIELDS, DatabaseLiveStore, Outcome, UpdateResult
from stream.heartbeat.redis_scripts import END_SCRIPT, SEED_SCRIPT, UPDATE_SCRIPT
from stream.heartbeat.redis_values import (
    DECODERS,
    OWNER_FIELDS,
    TokenViewer,
    cached_user,
    decode,
    encode,
    session_of,
    token_digest,
)
from stream.models import PlaybackSession, SessionStatus

logger = logging.getLogger(__name__)

REDIS_TIMEOUT_S = 0.5  # a Redis that does not answer within this is treated as down for this request
DOWN_RETRY_S = 2.0  # after a failure, the process uses the database for this long before trying Redis again
ENDED_KEEP_S = 120  # an ended session's hash stays this long, so late updates are refused without a row read


class RedisLiveStore(DatabaseLiveStore):
    """Live state in Redis; what it cannot do there (Redis down) it does as the database's store does."""

    name = "redis"

    def __init__(self, *, url: str, prefix: str) -> None:
        self.redis = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S)
        self.prefix = prefix
        self.seen_key = f"{prefix}:seen"
        self._update = self.redis.register_script(UPDATE_SCRIPT)
        self._end = self.redis.register_script(END_SCRIPT)
        self._seed = self.redis.register_script(SEED_SCRIPT)
        self._down_until = 0.0
        self._rows_swept_at = float("-inf")

    # --- reaching Redis ----------------------------------------------------------------------------------

    def _up(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, exc: Exception) -> None:
        logger.warning("Redis unreachable for live session state (%s): using the database", exc)
        self._down_until = time.monotonic() + DOWN_RETRY_S

    def available(self) -> bool:
        """Whether Redis answers now (it is then used again at once)."""
        try:
            self.redis.ping()
        except redis.RedisError as exc:
            self._failed(exc)
            return False
        self._down_until = 0.0
        return True

    def key(self, session_id: str) -> str:
        return f"{self.prefix}:s:{session_id}"

    def _ttl(self) -> int:
        return 2 * settings.STREAM_IDLE_TIMEOUT_S + settings.STREAM_CHECKPOINT_S

    # --- tokens ------------------------------------------------------------------------------------------

    def _token_key(self, digest: str) -> str:
        return f"{self.prefix}:t:{digest}"

    def _user_tokens_key(self, user_id: int) -> str:
        return f"{self.prefix}:u:{user_id}"

    def authenticate(self, credentials: bytes, *, session_id: str) -> tuple:
        """A viewer the update's script checks (its token, the session's owner): nothing is read here."""
        if not self._up() or knox_settings.AUTO_REFRESH:
            return super().authenticate(credentials, session_id=session_id)
        return TokenViewer(self, credentials), None, None

    def authenticate_now(self, credentials: bytes, *, session_id: str | None) -> tuple:
        """(user, auth token or None, the session's owner and status, or None), from the cache or knox's check."""
        if not self._up() or knox_settings.AUTO_REFRESH:
            return super().authenticate(credentials, session_id=session_id)
        digest = token_digest(credentials)
        try:
            pipe = self.redis.pipeline(transaction=False)
            pipe.get(self._token_key(digest))
            if session_id is not None:
                pipe.hmget(self.key(session_id), OWNER_FIELDS)  # whose it is: the script reads the rest
            cached, *raw = pipe.execute()
        except redis.RedisError as exc:
            self._failed(exc)
            return super().authenticate(credentials, session_id=session_id)
        user = self._cached_user(cached) if digest and cached else None
        if user is None:  # not cached, or expired: knox's check against the database (which refuses it, deleting it)
            user, auth_token, _ = super().authenticate(credentials, session_id=None)
            self.token_remember(digest, user=user, expiry=auth_token.expiry)
        else:
            auth_token = None
        if session_id is None:
            return user, auth_token, None
        if raw[0][0] is not None:
            owner = {name: DECODERS[name](value.decode()) for name, value in zip(OWNER_FIELDS, raw[0], strict=True)}
            return user, auth_token, session_of(session_id, owner)
        return user, auth_token, self._seed_from_row(session_id)

    @staticmethod
    def _cached_user(cached: bytes):
        user_id, is_staff, expiry = cached.decode().split("|")
        if expiry and float(expiry) < time.time():
            return None
        return cached_user(user_id, is_staff)

    def token_remember(self, digest: str, *, user, expiry: datetime | None) -> None:
        """Caches that the token with this knox digest is the user's, valid until `expiry` (None: no expiry)."""
        ttl = settings.STREAM_TOKEN_CACHE_S
        if expiry is not None:
            ttl = min(ttl, int((expiry - timezone.now()).total_seconds()))
        if not digest or ttl <= 0:
            return
        value = f"{user.pk}|{'1' if user.is_staff else '0'}|{expiry.timestamp() if expiry else ''}"
        try:
            pipe = self.redis.pipeline(transaction=False)
            pipe.set(self._token_key(digest), value, ex=ttl)
            pipe.sadd(self._user_tokens_key(user.pk), digest)
            pipe.expire(self._user_tokens_key(user.pk), settings.STREAM_TOKEN_CACHE_S)
            pipe.execute()
        except redis.RedisError as exc:
            self._failed(exc)

    def tokens_forget(self, *, user_id: int, digests: list[str] | None) -> None:
        """Drops cached token checks at once: the given tokens', or (None) every token of the user."""
        try:
            if digests is None:
                digests = [digest.decode() for digest in self.redis.smembers(self._user_tokens_key(user_id))]
            keys = [self._token_key(digest) for digest in digests]
            self.redis.delete(*keys, self._user_tokens_key(user_id)) if keys else None
        except redis.RedisError as exc:
            # The token is revoked in the database whatever happens here; a Redis that comes back empty has
            # forgotten it too, and one that was only cut off keeps it at most STREAM_TOKEN_CACHE_S.
            self._failed(exc)

    # --- sessions ----------------------------------------------------------------------------------------

    def _seed_from_row(self, session_id: str, *, replace: bool = False) -> PlaybackSession | None:
        session = statements.session_read(session_id)
        if session is None:
            return None
        self._seed_session(session, replace=replace)
        return session

    def _seed_session(self, session: PlaybackSession, *, replace: bool = False) -> None:
        """Puts the row's state into Redis (unless a newer one is there, or `replace`)."""
        ttl = ENDED_KEEP_S if session.status != SessionStatus.ACTIVE else self._ttl()
        # Spread over the interval: sessions seeded together (after a Redis restart) checkpoint apart.
        pairs = encode(session, checkpoint_at=time.time() - random.uniform(0, settings.STREAM_CHECKPOINT_S))
        self._seed(keys=[self.key(session.pk)], args=[session.pk, ttl, "1" if replace else "0", *pairs])
        if session.status == SessionStatus.ACTIVE:
            self.redis.zadd(self.seen_key, {session.pk: session.last_seen_at.timestamp()})

    def session_read(self, session_id: str) -> PlaybackSession | None:
        if not self._up():
            return super().session_read(session_id)
        try:
            raw = self.redis.hgetall(self.key(session_id))
            if not raw:
                return self._seed_from_row(session_id)
        except redis.RedisError as exc:
            self._failed(exc)
            return super().session_read(session_id)
        return session_of(session_id, decode([item for pair in raw.items() for item in pair]))

    def update_once(self, *, session_id, metrics, at, user, session, controls_checked, slack_s, controls_period_s):
        if not self._up():
            if isinstance(user, TokenViewer):
                user.resolve()
            return super().update_once(
                session_id=session_id,
                metrics=metrics,
                at=at,
                user=user,
                session=None,
                controls_checked=controls_checked,
                slack_s=slack_s,
                controls_period_s=controls_period_s,
            )
        viewer = user if isinstance(user, TokenViewer) and not user.resolved else None
        keys = [self.key(session_id), self.seen_key]
        if viewer is not None:
            keys.append(self._token_key(viewer.digest))
        args = [
            repr(at.timestamp()),
            "" if user is None or viewer is not None else str(user.pk),
            json.dumps(metrics, default=str),
            settings.STREAM_IDLE_TIMEOUT_S,
            settings.STREAM_CHECKPOINT_S,
            "1" if controls_checked else "0",
            controls_period_s,
            self._ttl(),
            slack_s,
            session_id,
        ]
        try:
            answer = self._update(keys=keys, args=args)
        except redis.RedisError as exc:
            self._failed(exc)
            return self.update_once(
                session_id=session_id,
                metrics=metrics,
                at=at,
                user=user,
                session=None,
                controls_checked=controls_checked,
                slack_s=slack_s,
                controls_period_s=controls_period_s,
            )
        kind = answer[0].decode()
        again = {
            "session_id": session_id,
            "metrics": metrics,
            "at": at,
            "user": user,
            "session": None,
            "controls_checked": controls_checked,
            "slack_s": slack_s,
            "controls_period_s": controls_period_s,
        }
        if kind == "token":  # not cached, or expired: knox's check (401 for a bad token), then the update again
            viewer.resolve()
            return self.update_once(**again)
        if viewer is not None:
            viewer.resolve(cached_user(answer[1].decode(), answer[2].decode()))
        if kind == "missing":  # not in Redis (yet, or any more): from the row, then the update again
            if self._seed_from_row(session_id) is None:
                return UpdateResult(Outcome.MISSING, None)
            return self.update_once(**again)
        if kind == "applied":
            flat = answer[4:]
            live = session_of(session_id, decode(flat))
            if answer[3] == b"1":
                live.checkpoint_sequence = int(
                    float(dict(zip(flat[::2], flat[1::2], strict=True))[b"checkpoint_sequence"])
                )
            return UpdateResult(Outcome.APPLIED, live, checkpoint_due=answer[3] == b"1")
        return UpdateResult(kind, session_of(session_id, decode(answer[3:])))

    def checkpoint(self, session: PlaybackSession) -> None:
        """Writes the live state to the row; a row written since the last checkpoint (by the database path, while
        Redis was away) wins: Redis reloads it, losing at most the interval since that checkpoint."""
        try:
            if statements.session_checkpoint(session, row_sequence=session.checkpoint_sequence):
                self.redis.hset(self.key(session.pk), "checkpoint_sequence", str(session.last_sequence))
                return
            row = statements.session_read(session.pk)
            if row is not None and row.status == SessionStatus.ACTIVE:
                self._seed_session(row, replace=True)
        except redis.RedisError as exc:
            self._failed(exc)

    def started(self, session: PlaybackSession) -> None:
        if not self._up():
            return
        try:
            self._seed_session(session, replace=True)
        except redis.RedisError as exc:  # the first update seeds it from the row
            self._failed(exc)

    def end_begin(self, session_id: str, *, idle_before: datetime | None = None) -> dict | None:
        if not self._up():
            return None
        try:
            answer = self._end(
                keys=[self.key(session_id)], args=["" if idle_before is None else idle_before.timestamp(), ENDED_KEEP_S]
            )
        except redis.RedisError as exc:
            self._failed(exc)
            return None
        if answer[0] == b"busy":
            return {"busy": True}
        if answer[0] == b"missing":
            return None
        return decode(answer[1:])

    def end_undo(self, session_id: str) -> None:
        try:
            self.redis.hset(self.key(session_id), "status", SessionStatus.ACTIVE.value)
            self.redis.expire(self.key(session_id), self._ttl())
        except redis.RedisError as exc:
            self._failed(exc)

    def end_done(self, session_id: str) -> None:
        try:
            pipe = self.redis.pipeline(transaction=False)
            pipe.hset(self.key(session_id), "status", SessionStatus.ENDED.value)
            pipe.expire(self.key(session_id), ENDED_KEEP_S)
            pipe.zrem(self.seen_key, session_id)
            pipe.execute()
        except redis.RedisError as exc:
            self._failed(exc)

    def _live_values(self, session_ids: list[str], fields: list[str]) -> dict[str, dict]:
        """{session id: its live `fields`} of those with live state (none when Redis is down)."""
        if not session_ids or not self._up():
            return {}
        try:
            pipe = self.redis.pipeline(transaction=False)
            for session_id in session_ids:
                pipe.hmget(self.key(session_id), fields)
            answers = pipe.execute()
        except redis.RedisError as exc:
            self._failed(exc)
            return {}
        live = {}
        for session_id, values in zip(session_ids, answers, strict=True):
            if values[0] is None:
                continue
            live[session_id] = {
                name: DECODERS[name](value.decode()) for name, value in zip(fields, values, strict=True)
            }
        return live

    def overlay(self, sessions: list[PlaybackSession]) -> list[PlaybackSession]:
        active = [session for session in sessions if session.status == SessionStatus.ACTIVE]
        names = [name for name in LIVE_FIELDS if name not in ("user_id", "started_at", "cdn_id")]
        live = self._live_values([session.pk for session in active], names)
        for session in active:
            for name, value in live.get(session.pk, {}).items():
                if name != "status":
                    setattr(session, name, value)
        return sessions

    def idle_ids(self, *, before: datetime, user=None) -> list[str]:
        if user is not None:
            candidates = list(
                PlaybackSession.objects.filter(user=user, status=SessionStatus.ACTIVE).values_list("pk", "last_seen_at")
            )
            live = self._live_values([pk for pk, _ in candidates], ["last_seen_at"])
            return [pk for pk, seen in candidates if live.get(pk, {}).get("last_seen_at", seen) < before]
        ids: list[str] = []
        if self._up():
            try:
                ids = [pk.decode() for pk in self.redis.zrangebyscore(self.seen_key, "-inf", f"({before.timestamp()}")]
            except redis.RedisError as exc:
                self._failed(exc)
        # Sessions Redis does not know (it restarted, or was away): a live one's row moves every checkpoint. That
        # look at the rows runs once per idle timeout per process; the index answers in between.
        if time.monotonic() - self._rows_swept_at < settings.STREAM_IDLE_TIMEOUT_S and self._up():
            return ids
        self._rows_swept_at = time.monotonic()
        stale_rows = PlaybackSession.objects.filter(
            status=SessionStatus.ACTIVE, last_seen_at__lt=before - timedelta(seconds=settings.STREAM_CHECKPOINT_S)
        )
        known = set(ids)
        return ids + [pk for pk in stale_rows.values_list("pk", flat=True) if pk not in known]

    def active_rows(self, *, since: datetime) -> list[dict]:
        if not self._up():
            return super().active_rows(since=since)
        try:
            ids = [pk.decode() for pk in self.redis.zrangebyscore(self.seen_key, since.timestamp(), "+inf")]
        except redis.RedisError as exc:
            self._failed(exc)
            return super().active_rows(since=since)
        live = self._live_values(ids, [*ACTIVE_ROW_FIELDS, "status"])
        return [
            {name: values[name] for name in ACTIVE_ROW_FIELDS}
            for values in live.values()
            if values["status"] == SessionStatus.ACTIVE and values["last_seen_at"] >= since
        ]

    def pathway_report(self, session: PlaybackSession, changes: dict) -> None:
        if "cdn" in changes:
            super().pathway_report(session, changes)
        live = {"cdn_id": str(changes["cdn"].pk)} if "cdn" in changes else {}
        if changes.get("throughput_kbps") is not None:
            live["throughput_kbps"] = str(changes["throughput_kbps"])
        if not live or not self._up():
            if "cdn" not in changes:
                super().pathway_report(session, changes)
            return
        try:
            if self.redis.exists(self.key(session.pk)):
                self.redis.hset(self.key(session.pk), mapping=live)
            elif "cdn" not in changes:
                super().pathway_report(session, changes)
        except redis.RedisError as exc:
            self._failed(exc)
            if "cdn" not in changes:
                super().pathway_report(session, changes)
