"""The metric update's hot path: its token check agrees with knox's, and an update writes what it changes."""

import datetime as dt
from importlib.metadata import version

import pytest
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from identity.tests.factories import UserFactory
from stream import heartbeat, services
from stream.authentication import HeartbeatTokenAuthentication
from stream.heartbeat import token as heartbeat_token
from stream.heartbeat.apply import WRITTEN_FIELDS, apply
from stream.models import PlaybackSession, PlayerState
from stream.tests.factories import PlaybackSessionFactory

pytestmark = pytest.mark.django_db


def _expire(instance) -> None:
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))


def _altered(text: str) -> str:
    return text[:-1] + ("a" if text[-1] != "a" else "b")


# Each case: the Authorization header, built from the presented token's text; whether the user is active;
# whether the presented token has expired.
CASES = {
    "valid": ("Bearer {token}", True, False),
    "valid, scheme in another case": ("bEARER {token}", True, False),
    "altered": ("Bearer {altered}", True, False),
    "expired": ("Bearer {token}", True, True),
    "inactive user": ("Bearer {token}", False, False),
    "wrong scheme": ("Token {token}", True, False),
    "no credentials": ("Bearer", True, False),
    "spaces in the token": ("Bearer {token} more", True, False),
    "not a token": ("Bearer not-a-token", True, False),
    "right key, not hex": ("Bearer {key}zz", True, False),
    "right key only": ("Bearer {key}", True, False),
    "empty header": ("", True, False),
}


def _outcome(authenticate) -> tuple:
    """What a check answered, and which tokens are left, in a savepoint rolled back afterwards."""
    with transaction.atomic():
        try:
            result = authenticate()
            answer = ("not ours",) if result is None else ("accepted", result[0].pk, result[1].pk)
        except AuthenticationFailed as exc:
            answer = ("refused", str(exc.detail))
        left = set(AuthToken.objects.values_list("pk", flat=True))
        transaction.set_rollback(True)
    return answer, left


@pytest.mark.parametrize("case", CASES)
def test_the_heartbeat_token_check_agrees_with_knox(case):
    header, active, expired = CASES[case]
    user = UserFactory(is_active=active)
    session = PlaybackSessionFactory(user=user)
    presented, text = AuthToken.objects.create(user=user, expiry=dt.timedelta(hours=1))
    other, _ = AuthToken.objects.create(user=user, expiry=dt.timedelta(hours=1))
    _expire(other)  # knox also sweeps the user's other expired tokens; the heartbeat leaves that to other endpoints
    if expired:
        _expire(presented)
    value = header.format(token=text, altered=_altered(text), key=text[:15])
    meta = {"HTTP_AUTHORIZATION": value} if value else {}
    request = Request(RequestFactory().put(f"/api/stream/sessions/{session.pk}", **meta))

    knox = _outcome(lambda: TokenAuthentication().authenticate(request))
    endpoints = _outcome(lambda: HeartbeatTokenAuthentication().authenticate(request))

    def metric_update():
        read = heartbeat.authenticate(request, session_id=session.pk)
        return None if read is None else (read.user, request.auth)

    update = _outcome(metric_update)

    knox_answer, knox_left = knox
    assert endpoints[0] == update[0] == knox_answer
    # The same tokens are deleted, except the other expired one, which only knox's own class sweeps.
    assert endpoints[1] == update[1] == knox_left | ({other.pk} if knox_answer != ("not ours",) else set())
    assert (presented.pk in knox_left) == (not expired)


def test_a_metric_update_reads_the_session_with_its_token():
    session = PlaybackSessionFactory()
    _, text = AuthToken.objects.create(user=session.user)
    request = Request(RequestFactory().put("/", HTTP_AUTHORIZATION=f"Bearer {text}"))

    read = heartbeat.authenticate(request, session_id=session.pk)
    missing = heartbeat.authenticate(request, session_id="no-such-session")

    assert read.user == request.user == session.user and read.session.pk == session.pk
    assert missing.session is None


def test_the_token_check_follows_the_installed_knox():
    # The check is a copy of knox's: a new knox minor version must be read against it (and requirements.txt).
    assert ".".join(version("django-rest-knox").split(".")[:2]) == heartbeat_token.KNOX_VERSION


# --- What an update writes -----------------------------------------------------------------------------------
# Each branch of `apply`: the session's state before (as field values) and the update.
BRANCHES = {
    "first frame, our clock": ({}, {"state": "playing"}),
    "first frame, the player's startup time": ({}, {"state": "playing", "startup_time_ms": 800}),
    "a later startup time": ({"state": PlayerState.PLAYING, "first_frame": True}, {"startup_time_ms": 900}),
    "playing, bitrate accounted": ({"state": PlayerState.PLAYING, "first_frame": True, "bitrate_kbps": 2000}, {}),
    "rebuffer start": ({"state": PlayerState.PLAYING, "first_frame": True}, {"rebuffer": "start"}),
    "rebuffering counted, then ended": ({"state": PlayerState.REBUFFERING, "first_frame": True}, {"rebuffer": "end"}),
    "state reported": ({}, {"state": "paused"}),
    "bitrate switch": ({"bitrate_kbps": 2000}, {"bitrate_kbps": 3000}),
    "first bitrate": ({}, {"bitrate_kbps": 2000}),
    "reported values": ({}, {"buffer_ms": 4000, "throughput_kbps": 9000, "position_s": 12.5, "duration_s": 5400.0}),
    "dropped frames": ({}, {"dropped_frames": 7}),
    "error code": ({}, {"error_code": "MEDIA_ERR_NETWORK"}),
    "fatal error": ({}, {"fatal_error": True, "error_code": "MEDIA_ERR_DECODE"}),
}


def _session_in(before: dict) -> PlaybackSession:
    values = dict(before)
    at = timezone.now() - dt.timedelta(seconds=20)
    if values.pop("first_frame", False):
        values["first_frame_at"] = at - dt.timedelta(seconds=5)
    return PlaybackSession.objects.get(pk=PlaybackSessionFactory(last_seen_at=at, **values).pk)


def _values(session: PlaybackSession) -> dict:
    return {field.attname: getattr(session, field.attname) for field in PlaybackSession._meta.concrete_fields}


@pytest.mark.parametrize("branch", BRANCHES)
def test_an_update_changes_only_the_written_fields(branch):
    before, metrics = BRANCHES[branch]
    session = _session_in(before)
    was = _values(session)

    apply(session, {"sequence": 0, **metrics}, timezone.now())

    changed = {name for name, value in _values(session).items() if was[name] != value}
    assert changed and changed <= set(WRITTEN_FIELDS)


def test_every_written_field_is_changed_by_some_update():
    changed: set[str] = set()
    for before, metrics in BRANCHES.values():
        session = _session_in(before)
        was = _values(session)
        apply(session, {"sequence": 0, **metrics}, timezone.now())
        changed |= {name for name, value in _values(session).items() if was[name] != value}

    assert changed == set(WRITTEN_FIELDS)


@pytest.mark.parametrize("branch", BRANCHES)
def test_what_an_update_changes_is_stored(branch):
    before, metrics = BRANCHES[branch]
    session = _session_in(before)

    applied, _ = services.session_update(session_id=session.pk, metrics={"sequence": 0, **metrics})

    stored = PlaybackSession.objects.get(pk=session.pk)
    if not applied.is_active:  # a fatal error ends the session, which closes the running figures
        assert stored.fatal_error and stored.error_code == metrics["error_code"]
        return
    assert {name: getattr(stored, name) for name in WRITTEN_FIELDS} == {
        name: getattr(applied, name) for name in WRITTEN_FIELDS
    }
