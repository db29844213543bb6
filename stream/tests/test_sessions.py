"""Starting, updating, ending and listing playback sessions through the API."""

import datetime as dt
import time
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from analytics.models import ViewSummary
from catalog.models import Maturity
from catalog.tests.factories import EpisodeFactory, TitleFactory
from identity.models import Plan, WatchHistory
from identity.tests.factories import ParentalControlsFactory, UserFactory, WatchHistoryFactory, main_profile
from stream import services
from stream.heartbeat import statements
from stream.models import PlaybackSession
from stream.tests.factories import CdnFactory, PlaybackSessionFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


# --- Start -------------------------------------------------------------------------------------------------


def test_start_returns_everything_a_player_needs(user_client, user, movie, cdn, start):
    WatchHistoryFactory(user=user, title=movie, position_s=1234.0, duration_s=6000.0)

    response = start(user_client, movie)

    assert response.status_code == 201
    body = response.json()
    assert len(body["id"]) >= 40
    assert PlaybackSession.objects.get(pk=body["id"]).user == user
    manifest = urlsplit(body["manifest_url"])
    assert manifest.path == f"/api/stream/sessions/{body['id']}/manifest.m3u8"
    assert "signature=" in manifest.query and "expires=" in manifest.query
    assert body["ladder"][0]["bitrate_kbps"] == 2000
    assert [rung["height"] for rung in body["ladder"]][1:] == sorted(rung["height"] for rung in body["ladder"][1:])
    assert body["cdn"] == {"name": "cdn-us", "base_url": "https://cdn-us.example.net"}
    assert body["resume_position_s"] == 1234.0
    assert body["heartbeat_interval_s"] == 10
    assert body["initial_bitrate_kbps"] == 2000


def test_session_ids_are_unguessable(user_client, movie, start):
    ids = {start(user_client, movie, device_id=f"d{n}").json()["id"] for n in range(2)}

    assert len(ids) == 2
    assert all(len(session_id) >= 40 for session_id in ids)


def test_start_without_history_has_no_resume_position(user_client, movie, start):
    assert start(user_client, movie).json()["resume_position_s"] is None


def test_anonymous_start_is_401(api_client, movie, start):
    assert start(api_client, movie).status_code == 401


def test_title_not_available_in_viewers_region_is_404(user_client, cdn, start):
    german_only = TitleFactory(regions=["DE"])

    response = start(user_client, german_only)

    assert response.status_code == 404
    assert not PlaybackSession.objects.exists()


def test_title_hidden_by_parental_controls_is_404(user, user_client, cdn, start):
    ParentalControlsFactory(user=user, max_maturity=Maturity.PG)
    r_rated = TitleFactory(maturity_rating=Maturity.R)

    assert start(user_client, r_rated).status_code == 404


def test_unknown_title_is_404(user_client, cdn):
    response = user_client.post("/api/stream/sessions", {"title": 999999, "device": {"type": "tv", "id": "x"}})

    assert response.status_code == 404


def test_outside_viewing_hours_is_403_with_the_reason(user, user_client, movie, start):
    now = timezone.now()
    ParentalControlsFactory(
        user=user,
        viewing_start=(now + dt.timedelta(hours=2)).time().replace(microsecond=0),
        viewing_end=(now + dt.timedelta(hours=3)).time().replace(microsecond=0),
    )

    response = start(user_client, movie)

    assert response.status_code == 403
    assert "Viewing is allowed only from" in response.json()["detail"]


def test_daily_limit_reached_is_403(user, user_client, movie, start):
    from identity.models import DailyWatchTime

    ParentalControlsFactory(user=user, daily_limit_minutes=30)
    DailyWatchTime.objects.create(user=user, profile=main_profile(user), day=timezone.now().date(), watched_s=31 * 60)

    response = start(user_client, movie)

    assert response.status_code == 403
    assert "daily limit" in response.json()["detail"]


def test_one_stream_more_than_the_plan_allows_is_409_listing_the_active_ones(movie, start):
    viewer = UserFactory(plan=Plan.STANDARD)  # two streams
    client = client_for(viewer)
    first = start(client, movie, device_id="tv").json()["id"]
    second = start(client, movie, device_id="phone").json()["id"]

    response = start(client, movie, device_id="tablet")

    assert response.status_code == 409
    body = response.json()
    assert "Too many streams" in body["detail"]
    assert body["max_streams"] == 2
    assert {session["id"] for session in body["active_sessions"]} == {first, second}
    assert {session["device_id"] for session in body["active_sessions"]} == {"tv", "phone"}


def test_ending_a_session_frees_its_slot(movie, start):
    viewer = UserFactory(plan=Plan.BASIC)
    client = client_for(viewer)
    first = start(client, movie, device_id="tv").json()["id"]
    assert start(client, movie, device_id="phone").status_code == 409

    client.delete(f"/api/stream/sessions/{first}")

    assert start(client, movie, device_id="phone").status_code == 201


def test_idle_sessions_do_not_count_against_the_plan(movie, start):
    viewer = UserFactory(plan=Plan.BASIC)
    PlaybackSessionFactory(user=viewer, title=movie, last_seen_at=timezone.now() - dt.timedelta(minutes=6))

    response = start(client_for(viewer), movie)

    assert response.status_code == 201
    assert PlaybackSession.objects.get(user=viewer, end_reason="idle").status == "ended"


def test_show_needs_one_of_its_episodes(user_client, cdn, start):
    episode = EpisodeFactory()
    show = episode.season.show
    other_episode = EpisodeFactory()

    assert start(user_client, show).status_code == 400
    assert "episode" in start(user_client, show).json()
    assert "episode" in start(user_client, show, episode=other_episode).json()
    response = start(user_client, show, episode=episode)
    assert response.status_code == 201
    assert response.json()["episode"] == episode.pk


def test_movie_with_an_episode_is_400(user_client, movie, start):
    response = start(user_client, movie, episode=EpisodeFactory())

    assert response.status_code == 400
    assert "episode" in response.json()


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"device": {"type": "tv", "id": "x"}}, "title"),
        ({"title": "abc", "device": {"type": "tv", "id": "x"}}, "title"),
        ({"title": 1}, "device"),
        ({"title": 1, "device": {"type": "fridge", "id": "x"}}, "device"),
        ({"title": 1, "device": {"type": "tv", "id": "x", "max_resolution": "huge"}}, "device"),
    ],
)
def test_invalid_start_body_is_400_naming_the_field(user_client, cdn, body, key):
    response = user_client.post("/api/stream/sessions", body, format="json")

    assert response.status_code == 400
    assert key in response.json()


def test_no_usable_cdn_is_503(user_client, movie):
    CdnFactory(name="off", enabled=False)

    response = user_client.post("/api/stream/sessions", {"title": movie.pk, "device": {"type": "tv", "id": "x"}})

    assert response.status_code == 503
    assert response.json() == {"detail": "No CDN can serve this stream right now."}


def test_schema_documents_every_answer_of_a_session_start(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    answers = schema["paths"]["/api/stream/sessions/"]["post"]["responses"]

    assert {"201", "400", "403", "404", "409", "503"} <= set(answers)


def test_initial_bitrate_hint_is_the_median_recent_throughput_of_region_and_device(user_client, movie, cdn, start):
    for throughput in (3000, 5000, 9000):
        PlaybackSessionFactory(
            device_type="web", region="US", throughput_kbps=throughput, status="ended", ended_at=timezone.now()
        )
    PlaybackSessionFactory(device_type="tv", region="US", throughput_kbps=50000)

    assert start(user_client, movie).json()["initial_bitrate_kbps"] == 5000


# --- Metric updates --------------------------------------------------------------------------------------


@pytest.fixture
def session(user):
    return PlaybackSessionFactory(user=user, started_at=timezone.now() - dt.timedelta(seconds=3))


def put(client, session, body=None, **extra):
    return client.put(f"/api/stream/sessions/{session.pk}", body or {}, format="json", **extra)


def test_json_update_moves_position_and_keeps_the_session_alive(user_client, session):
    before = session.last_seen_at

    response = put(user_client, session, {"sequence": 1, "state": "playing", "position_s": 42.5, "bitrate_kbps": 2000})

    assert response.status_code == 200
    assert response.json()["applied"] is True
    session.refresh_from_db()
    assert session.position_s == 42.5
    assert session.last_seen_at > before
    assert session.state == "playing"
    assert 2900 <= session.startup_time_ms < 60_000


def test_repeated_or_older_sequence_changes_nothing(user_client, session):
    put(user_client, session, {"sequence": 5, "state": "playing", "position_s": 50})
    put(user_client, session, {"sequence": 6, "state": "rebuffering", "position_s": 60})

    again = put(user_client, session, {"sequence": 6, "state": "rebuffering", "position_s": 60})
    older = put(user_client, session, {"sequence": 4, "position_s": 10})

    assert again.json()["applied"] is False
    assert older.json()["applied"] is False
    session.refresh_from_db()
    assert session.position_s == 60
    assert session.rebuffer_count == 1
    assert session.last_sequence == 6


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"sequence": -1}, "sequence"),
        ({"sequence": "7"}, "sequence"),
        ({"sequence": 1, "position_s": -3}, "position_s"),
        ({"sequence": 1, "position_s": "ten"}, "position_s"),
        ({"sequence": 1, "bitrate_kbps": 0}, "bitrate_kbps"),
        ({"sequence": 1, "bitrate_kbps": True}, "bitrate_kbps"),
        ({"sequence": 1, "buffer_ms": 1.5}, "buffer_ms"),
        ({"sequence": 1, "state": "dancing"}, "state"),
        ({"sequence": 1, "rebuffer": "maybe"}, "rebuffer"),
        ({"sequence": 1, "dropped_frames": -2}, "dropped_frames"),
        ({"sequence": 1, "fatal_error": "yes"}, "fatal_error"),
        ({"sequence": 1, "throughput_kbps": [1]}, "throughput_kbps"),
    ],
)
def test_bad_update_values_are_400_naming_the_key(user_client, session, body, key):
    response = put(user_client, session, body)

    assert response.status_code == 400
    assert key in response.json()
    session.refresh_from_db()
    assert session.last_sequence == -1


def test_only_the_owner_may_update(session, staff_client):
    stranger = client_for(UserFactory())

    assert put(stranger, session, {"sequence": 1}).status_code == 404
    assert put(staff_client, session, {"sequence": 1}).status_code == 403
    assert stranger.delete(f"/api/stream/sessions/{session.pk}").status_code == 404
    assert stranger.get(f"/api/stream/sessions/{session.pk}").status_code == 404
    assert staff_client.get(f"/api/stream/sessions/{session.pk}").status_code == 200
    session.refresh_from_db()
    assert session.last_sequence == -1 and session.status == "active"


def test_unknown_session_is_404(user_client):
    assert user_client.put("/api/stream/sessions/nope", {"sequence": 1}, format="json").status_code == 404
    assert user_client.get("/api/stream/sessions/nope").status_code == 404


def test_update_after_the_end_is_409(user_client, session):
    user_client.delete(f"/api/stream/sessions/{session.pk}")

    assert put(user_client, session, {"sequence": 1}).status_code == 409


def test_cmcd_query_parameter_update(user_client, session):
    response = user_client.put(
        f"/api/stream/sessions/{session.pk}?CMCD=bl%3D21300%2Cbr%3D3000%2Ccid%3D%22t42%22%2Cmtp%3D48100%2Csn%3D3",
        format="json",
    )

    assert response.status_code == 200, response.json()
    session.refresh_from_db()
    assert (session.bitrate_kbps, session.buffer_ms, session.throughput_kbps) == (3000, 21300, 48100)
    assert session.state == "playing"
    assert session.last_sequence == 3


def test_cmcd_headers_update(user_client, session):
    response = put(
        user_client,
        session,
        {"sequence": 2},
        HTTP_CMCD_OBJECT="br=4500,d=4004,ot=v,tb=7800",
        HTTP_CMCD_REQUEST='bl=14000,dl=14000,mtp=8200,nor="seg2.mp4"',
        HTTP_CMCD_SESSION='cid="movie-7",sf=h,sid="b0e2a1",st=v',
        HTTP_CMCD_STATUS="bs,rtp=15000",
    )

    assert response.status_code == 200, response.json()
    session.refresh_from_db()
    assert (session.bitrate_kbps, session.buffer_ms, session.throughput_kbps) == (4500, 14000, 8200)
    assert session.state == "rebuffering"


def test_cmcd_body_field_update_with_v2_state_and_position(user_client, session):
    response = put(user_client, session, {"cmcd": 'br=2000,msd=850,pt=61000,sid="x",sn=9,sta=p'})

    assert response.status_code == 200, response.json()
    session.refresh_from_db()
    assert (session.position_s, session.startup_time_ms, session.last_sequence) == (61.0, 850.0, 9)


@pytest.mark.parametrize(
    ("cmcd", "key"),
    [("br=fast,sn=1", "br"), ("bl=-5,sn=1", "bl"), ("sn=1,sta=z", "sta"), ("sid=abc,sn=1", "sid"), ("br=0,sn=1", "br")],
)
def test_bad_cmcd_is_400_naming_the_cmcd_key(user_client, session, cmcd, key):
    response = put(user_client, session, {"cmcd": cmcd})

    assert response.status_code == 400
    assert key in response.json()


def test_fatal_error_ends_the_session_as_failed(user_client, session):
    put(user_client, session, {"sequence": 1, "fatal_error": True, "error_code": "MEDIA_ERR_DECODE"})

    session.refresh_from_db()
    assert session.status == "ended" and session.end_reason == "error"
    view = ViewSummary.objects.get(session_id=session.pk)
    assert view.fatal_error and view.error_code == "MEDIA_ERR_DECODE" and not view.exited_before_start


# --- End -------------------------------------------------------------------------------------------------


def test_delete_ends_the_session_and_returns_the_quality_summary(user, user_client, movie, start):
    session_id = start(user_client, movie).json()["id"]
    # The view began 1206 s ago; the player's updates are replayed at their times, the last one just now.
    t0 = timezone.now() - dt.timedelta(seconds=1206)
    PlaybackSession.objects.filter(pk=session_id).update(started_at=t0, last_seen_at=t0)

    updates = [
        (2, {"state": "playing", "bitrate_kbps": 2000, "position_s": 0}),
        (302, {"position_s": 300}),
        (602, {"bitrate_kbps": 4500, "position_s": 600}),
        (902, {"state": "rebuffering", "position_s": 900, "dropped_frames": 12}),
        (906, {"state": "playing", "position_s": 900}),
        (1206, {"position_s": 1200}),
    ]
    for sequence, (second, metrics) in enumerate(updates, start=1):
        services.session_update(
            session_id=session_id, metrics={"sequence": sequence, **metrics}, at=t0 + dt.timedelta(seconds=second)
        )

    response = user_client.delete(f"/api/stream/sessions/{session_id}")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ended" and body["end_reason"] == "client"
    summary = body["summary"]
    assert summary["startup_time_ms"] == 2000
    assert summary["watch_time_s"] == pytest.approx(1200, abs=2)  # and the instant until the DELETE
    assert summary["rebuffer_count"] == 1
    assert summary["rebuffer_duration_s"] == pytest.approx(4)
    assert summary["rendition_switches"] == 1
    assert summary["dropped_frames"] == 12
    # 600 s at 2000 kbps, then 600 s at 4500 kbps
    assert summary["avg_bitrate_kbps"] == pytest.approx(3250, rel=0.01)
    assert summary["exited_before_start"] is False
    history = WatchHistory.objects.get(user=user, title=movie)
    assert history.position_s == 1200
    view = ViewSummary.objects.get(session_id=session_id)
    assert view.rebuffer_count == 1 and view.cdn == "cdn-us" and view.watch_time_s == pytest.approx(1200, abs=2)


def test_session_never_started_is_an_exit_before_start_without_history(user, user_client, session):
    response = user_client.delete(f"/api/stream/sessions/{session.pk}")

    assert response.json()["summary"]["exited_before_start"] is True
    assert ViewSummary.objects.get(session_id=session.pk).exited_before_start
    assert not WatchHistory.objects.filter(user=user).exists()


def test_double_end_records_once(user, user_client, session):
    put(user_client, session, {"sequence": 1, "state": "playing", "position_s": 3000})

    first = user_client.delete(f"/api/stream/sessions/{session.pk}")
    second = user_client.delete(f"/api/stream/sessions/{session.pk}")

    assert first.status_code == second.status_code == 200
    assert first.json()["ended_at"] == second.json()["ended_at"]
    assert ViewSummary.objects.filter(session_id=session.pk).count() == 1
    assert WatchHistory.objects.get(user=user).position_s == 3000


# --- Staff list ----------------------------------------------------------------------------------------------


def test_session_list_is_staff_only(user_client):
    assert user_client.get("/api/stream/sessions").status_code == 403


def test_staff_list_shows_active_sessions_with_filters(staff_client, django_assert_num_queries):
    tv = PlaybackSessionFactory(device_type="tv", state="playing")
    phone = PlaybackSessionFactory(device_type="mobile", cdn=CdnFactory(name="cdn-eu", regions=["DE"]))
    ended = PlaybackSessionFactory(status="ended", ended_at=timezone.now())
    PlaybackSessionFactory.create_batch(3)

    with django_assert_num_queries(4):  # token, idle sessions to reap, count, page
        response = staff_client.get("/api/stream/sessions")

    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert tv.pk in ids and phone.pk in ids and ended.pk not in ids
    assert response.json()["count"] == 5

    def only(query):
        return [row["id"] for row in staff_client.get(f"/api/stream/sessions?{query}").json()["results"]]

    assert only("device_type=tv") == [tv.pk]
    assert only("cdn=cdn-eu") == [phone.pk]
    assert only("state=playing") == [tv.pk]
    assert only(f"user={tv.user_id}") == [tv.pk]
    assert only(f"title={phone.title_id}") == [phone.pk]
    assert only(f"device={phone.device_id}") == [phone.pk]
    assert only("status=ended") == [ended.pk]


def test_staff_list_rejects_invalid_filters(staff_client):
    response = staff_client.get("/api/stream/sessions?state=dancing")

    assert response.status_code == 400
    assert "state" in response.json()


@pytest.mark.parametrize("key", ["user", "title", "episode"])
@pytest.mark.parametrize("value", ["-1.015e+222", "99999999999999999999", "1.5"])
def test_staff_list_rejects_ids_the_database_cannot_hold(staff_client, key, value):
    response = staff_client.get("/api/stream/sessions", {key: value})

    assert response.status_code == 400
    assert list(response.json()) == [key]


def same_controls_period(session) -> None:
    """Makes the session's last update fall in this minute: the next update does not check parental controls."""
    if timezone.now().second >= 57:
        time.sleep(61 - timezone.now().second)
    PlaybackSession.objects.filter(pk=session.pk).update(last_seen_at=timezone.now())


def test_an_update_costs_one_read_of_token_and_session_and_one_write(user_client, session, django_assert_num_queries):
    same_controls_period(session)
    with django_assert_num_queries(2) as queries:
        response = put(user_client, session, {"sequence": 1, "state": "playing", "position_s": 5})

    assert response.status_code == 200
    read, write = (query["sql"] for query in queries.captured_queries)
    assert "knox_authtoken" in read and "stream_playbacksession" in read and write.startswith("UPDATE")
    session.refresh_from_db()
    assert (session.last_sequence, session.position_s) == (1, 5.0)


def test_once_a_minute_an_update_also_checks_parental_controls(user_client, session, django_assert_num_queries):
    PlaybackSession.objects.filter(pk=session.pk).update(last_seen_at=timezone.now() - dt.timedelta(minutes=1))

    with django_assert_num_queries(3):  # token and session, the viewer's controls (none), the write
        response = put(user_client, session, {"sequence": 1, "state": "playing"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Bearer", "Invalid token header. No credentials provided."),
        ("Bearer two words", "Invalid token header. Token string should not contain spaces."),
        ("Bearer not-a-token", "Invalid token."),
        ("Token {token}", "Authentication credentials were not provided."),  # another scheme: not ours
        ("", "Authentication credentials were not provided."),
    ],
)
def test_an_update_with_a_bad_authorization_header_is_401_and_changes_nothing(session, header, detail):
    _, token = AuthToken.objects.create(user=session.user)
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header.format(token=token))

    response = put(client, session, {"sequence": 1, "position_s": 30})

    assert response.status_code == 401
    assert response.json()["detail"] == detail
    session.refresh_from_db()
    assert (session.last_sequence, session.position_s) == (-1, 0.0)


def test_the_bearer_scheme_is_matched_in_any_case(session):
    _, token = AuthToken.objects.create(user=session.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"bEARER {token}")

    response = put(client, session, {"sequence": 1, "position_s": 30})

    assert response.status_code == 200 and response.json()["position_s"] == 30.0


def test_an_update_of_an_unknown_session_with_a_valid_token_is_404(user_client):
    response = user_client.put("/api/stream/sessions/no-such-session", {"sequence": 1}, format="json")

    assert response.status_code == 404


def test_a_session_handed_in_stale_is_read_again_when_its_write_misses(session):
    stale = statements.session_read(session.pk)
    PlaybackSession.objects.filter(pk=session.pk).update(last_sequence=1, position_s=50.0)

    _, applied = services.session_update(
        session_id=session.pk, metrics={"sequence": 2, "position_s": 60.0}, session=stale
    )

    session.refresh_from_db()
    assert applied and (session.last_sequence, session.position_s) == (2, 60.0)


def test_a_session_handed_in_for_another_id_is_not_used(session):
    other = PlaybackSessionFactory(user=session.user)

    services.session_update(session_id=session.pk, metrics={"sequence": 3}, session=statements.session_read(other.pk))

    session.refresh_from_db()
    other.refresh_from_db()
    assert (session.last_sequence, other.last_sequence) == (3, -1)


def test_concurrent_update_of_the_same_session_is_reapplied_on_the_fresh_row(session, monkeypatch):
    read = statements.session_read
    raced = {"done": False}

    def read_then_race(session_id):
        row = read(session_id)
        if not raced["done"]:
            # Another worker applies sequence 1 between our read and our write.
            raced["done"] = True
            PlaybackSession.objects.filter(pk=session_id).update(last_sequence=1, position_s=50.0)
        return row

    monkeypatch.setattr(statements, "session_read", read_then_race)
    _, applied = services.session_update(session_id=session.pk, metrics={"sequence": 2, "position_s": 60.0})

    session.refresh_from_db()
    assert applied and session.last_sequence == 2 and session.position_s == 60.0


def test_a_stale_concurrent_update_is_not_applied(session, monkeypatch):
    read = statements.session_read

    def read_then_race(session_id):
        row = read(session_id)
        PlaybackSession.objects.filter(pk=session_id).update(last_sequence=9, position_s=90.0)
        return row

    monkeypatch.setattr(statements, "session_read", read_then_race)
    _, applied = services.session_update(session_id=session.pk, metrics={"sequence": 2, "position_s": 60.0})

    session.refresh_from_db()
    assert not applied and session.position_s == 90.0


def test_heartbeat_statements_translate_database_errors():
    from django.db import DatabaseError

    from stream.heartbeat.prepared import execute

    # Django's exception class, not the driver's: the error middleware answers 503 for those.
    with pytest.raises(DatabaseError):
        execute("SELECT id FROM no_such_table WHERE id = %s", ["x"], fetch=True)


def test_starting_again_on_the_same_device_takes_over_its_session(movie, start):
    viewer = UserFactory(plan=Plan.BASIC)  # one stream
    client = client_for(viewer)
    first = start(client, movie, device_id="living-room-tv").json()["id"]

    again = start(client, movie, device_id="living-room-tv")

    assert again.status_code == 201
    assert again.json()["id"] != first
    replaced = client.get(f"/api/stream/sessions/{first}").json()
    assert (replaced["status"], replaced["end_reason"]) == ("ended", "replaced")
    assert start(client, movie, device_id="phone").status_code == 409  # another device still waits


def test_a_viewer_lists_their_active_sessions_on_every_device_and_ends_one(movie, start):
    viewer = UserFactory(plan=Plan.STANDARD)
    client = client_for(viewer)
    tv = start(client, movie, device_id="tv").json()["id"]
    phone = start(client, movie, device_id="phone").json()["id"]
    start(client_for(UserFactory()), movie, device_id="tv")  # someone else's

    listed = client.get("/api/stream/sessions/mine")

    assert listed.status_code == 200
    assert {(s["id"], s["device_id"]) for s in listed.json()} == {(tv, "tv"), (phone, "phone")}
    assert client.delete(f"/api/stream/sessions/{tv}").status_code == 200
    assert [s["id"] for s in client.get("/api/stream/sessions/mine/").json()] == [phone]
    assert APIClient().get("/api/stream/sessions/mine").status_code == 401


def test_a_closing_page_ends_its_session_with_the_signed_end_url_and_a_last_update(user_client, movie, start):
    body = start(user_client, movie).json()
    parts = urlsplit(body["end_url"])
    end = f"{parts.path}?{parts.query}"
    last = '{"sequence": 3, "state": "playing", "position_s": 1234.5}'

    # What navigator.sendBeacon sends for a string: text/plain, no token, no CSRF header.
    response = APIClient().post(end, data=last, content_type="text/plain;charset=UTF-8")

    assert response.status_code == 204
    session = PlaybackSession.objects.get(pk=body["id"])
    assert (session.status, session.end_reason, session.position_s) == ("ended", "client", 1234.5)
    assert APIClient().post(end, data="", content_type="text/plain").status_code == 204  # again: still fine
    assert APIClient().post(parts.path, data="").status_code == 403  # unsigned
    assert APIClient().post(end, data="[1]", content_type="text/plain").status_code == 400


@pytest.mark.parametrize(
    "body",
    [{"sequence": 1, "position_s": -1}, {"sequence": "one"}, {"state": "dancing"}],
    ids=["out of range", "wrong type", "unknown state"],
)
def test_another_viewers_invalid_update_is_404_not_a_field_error(user_client, movie, start, body):
    session_id = start(user_client, movie).json()["id"]
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {AuthToken.objects.create(user=UserFactory())[1]}")

    response = other.put(f"/api/stream/sessions/{session_id}", body, format="json")

    assert response.status_code == 404, response.content
