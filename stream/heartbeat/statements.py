"""The statements every metric update runs, prepared once per database vendor.

Every viewer sends an update every few seconds; compiling these queries with the ORM each time costs more than
running them, so their SQL, parameter adapters and result converters are built once. All of them are derived
from `apply.WRITTEN_FIELDS` (what an update writes) and `apply.CHECKED_FIELDS` (what it only reads).
"""

from typing import cast

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field
from knox.models import get_token_model

from stream.heartbeat.apply import CHECKED_FIELDS, WRITTEN_FIELDS
from stream.heartbeat.prepared import PreparedRead, execute
from stream.models import PlaybackSession, SessionStatus

# Of a session, a metric update reads the columns it writes and the few it checks; the rest (device, ladder,
# relations) stay deferred.
READ_FIELDS = [*CHECKED_FIELDS, *WRITTEN_FIELDS]

tokens_by_key = PreparedRead(get_token_model(), where="token_key", join="user")
# A metric update reads its token, the token's user and the session it updates in one statement.
# Of the token and its user, it reads what authentication checks; of the session, what the update needs.
tokens_by_key_with_session = PreparedRead(
    get_token_model(),
    where="token_key",
    join="user",
    beside=(PlaybackSession, "id"),
    only={
        get_token_model(): ["token_key", "user", "expiry"],
        get_user_model(): ["is_active", "is_staff"],
        PlaybackSession: READ_FIELDS,
    },
)
_session_by_id = PreparedRead(PlaybackSession, where="id", only={PlaybackSession: READ_FIELDS})


def session_read(session_id: str) -> PlaybackSession | None:
    """The session as an update needs it (READ_FIELDS; the others deferred), or None."""
    sessions = _session_by_id.all(session_id)
    return sessions[0] if sessions else None


# Column types whose validated Python values database drivers take as they are (no adapting per write).
_DRIVER_NATIVE_TYPES = {"BooleanField", "CharField", "FloatField", "BigIntegerField", "PositiveIntegerField"}
_prepared_writes: dict[str, tuple] = {}


def session_write_if_unchanged(session: PlaybackSession, *, seen_sequence: int) -> bool:
    """Writes WRITTEN_FIELDS unless another update got there first (compare-and-set on the sequence and status)."""
    connection = connections[DEFAULT_DB_ALIAS]
    prepared = _prepared_writes.get(connection.vendor)
    if prepared is None:
        meta, quote = PlaybackSession._meta, connection.ops.quote_name
        written = [cast(Field, meta.get_field(name)) for name in WRITTEN_FIELDS]  # concrete columns, no relations
        sql = (
            f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{quote(str(f.column))} = %s' for f in written)} "
            f"WHERE {quote('id')} = %s AND {quote('last_sequence')} = %s AND {quote('status')} = %s"
        )
        adapters = [
            (field.attname, None if field.get_internal_type() in _DRIVER_NATIVE_TYPES else field.get_db_prep_save)
            for field in written
        ]
        prepared = _prepared_writes[connection.vendor] = (sql, adapters)
    sql, adapters = prepared
    params = [
        getattr(session, attname) if adapt is None else adapt(getattr(session, attname), connection)
        for attname, adapt in adapters
    ]
    params += [session.pk, seen_sequence, SessionStatus.ACTIVE.value]
    return execute(sql, params, fetch=False) == 1


_prepared_checkpoints: dict[str, str] = {}


def session_checkpoint(session: PlaybackSession, *, row_sequence: int) -> bool:
    """Writes the live state's WRITTEN_FIELDS to the row if the row is as the last checkpoint left it (its
    sequence `row_sequence`, still active): not if another path wrote it since."""
    connection = connections[DEFAULT_DB_ALIAS]
    sql = _prepared_checkpoints.get(connection.vendor)
    if sql is None:
        meta, quote = PlaybackSession._meta, connection.ops.quote_name
        written = [cast(Field, meta.get_field(name)) for name in WRITTEN_FIELDS]
        sql = _prepared_checkpoints[connection.vendor] = (
            f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{quote(str(f.column))} = %s' for f in written)} "
            f"WHERE {quote('id')} = %s AND {quote('last_sequence')} = %s AND {quote('status')} = %s"
        )
    params = [
        cast(Field, PlaybackSession._meta.get_field(name)).get_db_prep_save(getattr(session, name), connection)
        for name in WRITTEN_FIELDS
    ]
    params += [session.pk, row_sequence, SessionStatus.ACTIVE.value]
    return execute(sql, params, fetch=False) == 1
