"""Stock players' CMCD, as captured from the real libraries (fixtures/cmcd): every payload accepted and mapped."""

import datetime as dt
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from identity.tests.factories import ParentalControlsFactory
from stream.models import PlaybackSession

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "cmcd"
HLS_JS = json.loads((FIXTURES / "hlsjs.json").read_text())
CML = json.loads((FIXTURES / "cml.json").read_text())
META_OF_HEADER = {
    header: "HTTP_" + header.upper().replace("-", "_")
    for header in ("CMCD-Object", "CMCD-Request", "CMCD-Session", "CMCD-Status")
}


def started(client, title, start) -> dict:
    response = start(client, title)
    assert response.status_code == 201, response.content
    return response.json()


def put_cmcd(client, session_id, *, query=None, headers=None, body=None):
    url = f"/api/stream/sessions/{session_id}"
    if query is not None:
        from urllib.parse import urlencode

        url += "?" + urlencode({"CMCD": query})
    meta = {META_OF_HEADER[name]: value for name, value in (headers or {}).items()}
    return client.put(url, body or {}, format="json", **meta)


def report(reporting_url, body, content_type="application/cmcd", query=None):
    parts = urlsplit(reporting_url)
    params = {key: values[0] for key, values in parse_qs(parts.query).items()}
    if query is not None:
        params["CMCD"] = query
    from urllib.parse import urlencode

    return APIClient().generic("POST", f"{parts.path}?{urlencode(params)}", body, content_type=content_type)


def hlsjs_request_mode():
    for name in ("v1_query", "v1_headers", "v2_query"):
        for index, request in enumerate(HLS_JS[name]):
            yield pytest.param(request["query"], request["headers"], id=f"hls.js-{name}-{index}")


@pytest.mark.parametrize(("query", "headers"), list(hlsjs_request_mode()))
def test_every_hlsjs_request_mode_payload_is_accepted(user_client, movie, start, query, headers):
    session = started(user_client, movie, start)

    response = put_cmcd(user_client, session["id"], query=query, headers=headers)

    assert response.status_code == 200, response.content
    assert response.json()["applied"] is True


def test_hlsjs_v1_payloads_apply_in_arrival_order_and_are_mapped(user_client, movie, start):
    session = started(user_client, movie, start)
    for request in HLS_JS["v1_query"]:
        assert put_cmcd(user_client, session["id"], query=request["query"]).status_code == 200

    body = user_client.get(f"/api/stream/sessions/{session['id']}").json()
    last = HLS_JS["v1_query"][-1]["query"]
    assert body["last_sequence"] == len(HLS_JS["v1_query"]) - 1
    assert body["bitrate_kbps"] == int(last.split("br=")[1].split(",")[0])
    assert body["throughput_kbps"] == int(last.split("mtp=")[1].split(",")[0])
    assert body["state"] == "starting"  # su: hls.js is still starting up


def test_hlsjs_v2_sequence_numbers_keep_retries_idempotent(user_client, movie, start):
    session = started(user_client, movie, start)
    query = HLS_JS["v2_query"][2]["query"]  # sn=2

    assert put_cmcd(user_client, session["id"], query=query).json()["applied"] is True
    assert put_cmcd(user_client, session["id"], query=query).json()["applied"] is False


@pytest.mark.parametrize("name", ["v1_query", "v2_query"])
def test_every_cml_request_mode_payload_is_accepted_and_mapped(user_client, movie, start, name):
    session = started(user_client, movie, start)
    query = parse_qs(urlsplit(CML["request_mode"][name]).query)["CMCD"][0]

    response = put_cmcd(user_client, session["id"], query=query)

    assert response.status_code == 200, response.content
    body = user_client.get(f"/api/stream/sessions/{session['id']}").json()
    assert (body["bitrate_kbps"], body["buffer_ms"], body["throughput_kbps"]) == (2000, 21300, 48100)
    if name == "v2_query":
        assert body["state"] == "playing" and body["position_s"] == 30.5
        assert body["summary"]["startup_time_ms"] == 640


def test_cml_headers_and_v2_inner_lists_by_type_token(user_client, movie, start):
    session = started(user_client, movie, start)

    assert put_cmcd(user_client, session["id"], headers=CML["v1_headers"]).status_code == 200
    # bl=(4000;a 21300;v),br=(128;a 2000;v): the video items, whatever their position.
    assert put_cmcd(user_client, session["id"], query=CML["v2_inner_list"]).status_code == 200

    body = user_client.get(f"/api/stream/sessions/{session['id']}").json()
    assert (body["bitrate_kbps"], body["buffer_ms"], body["state"]) == (2000, 21300, "playing")


def event_bodies(source):
    return [request["body"] for request in source if request["method"] == "POST"]


def test_a_stock_hlsjs_event_reporter_pointed_at_the_reporting_url_is_accepted(user_client, movie, start):
    session = started(user_client, movie, start)

    for body in event_bodies(HLS_JS["v2_event"]):
        response = report(session["reporting_url"], body)
        assert response.status_code == 204, response.content

    row = PlaybackSession.objects.get(pk=session["id"])
    assert row.last_sequence == max(
        int(line.split("sn=")[1].split(",")[0]) for body in event_bodies(HLS_JS["v2_event"]) for line in body.split()
    )
    assert row.state == "starting" and row.throughput_kbps == 120300


def test_the_cml_event_reporter_records_the_sessions_qoe(user_client, movie, start):
    session = started(user_client, movie, start)

    answers = [report(session["reporting_url"], body).status_code for body in event_bodies(CML["event_mode"])]

    assert answers == [204, 204, 204]
    body = user_client.get(f"/api/stream/sessions/{session['id']}").json()
    assert body["status"] == "ended" and body["end_reason"] == "error"  # its last report is sta=f
    summary = body["summary"]
    assert summary["startup_time_ms"] == 812 and summary["rebuffer_count"] == 1
    assert summary["fatal_error"] is True and summary["error_code"] == "MEDIA_ERR_DECODE"
    assert body["bitrate_kbps"] == 3000 and summary["rendition_switches"] == 1
    assert report(session["reporting_url"], event_bodies(CML["event_mode"])[0]).status_code == 410


def lines(*reports: str) -> str:
    return "\n".join(reports) + "\n"


def test_timestamps_account_for_time_and_order_the_lines(user_client, movie, start):
    session = started(user_client, movie, start)
    # The player started half a minute ago; its reporter batched what happened since.
    earlier = timezone.now() - dt.timedelta(seconds=30)
    PlaybackSession.objects.filter(pk=session["id"]).update(started_at=earlier, last_seen_at=earlier)
    ts = 1_796_000_000_000
    burst = lines(  # sent out of order, in one request, 8 ms apart on the wire: 10 s of rebuffering
        f"e=ps,sn=2,sta=p,ts={ts + 12_000},pt=12000,v=2",
        f"e=ps,sn=0,sta=p,ts={ts},pt=1000,pb=(2000),v=2",
        f"e=ps,sn=1,sta=r,ts={ts + 2_000},pt=2000,v=2",
    )

    assert report(session["reporting_url"], burst).status_code == 204

    row = PlaybackSession.objects.get(pk=session["id"])
    assert row.rebuffer_count == 1
    assert row.rebuffer_duration_s == pytest.approx(10.0, abs=0.01)
    assert row.watch_time_s == pytest.approx(2.0, abs=0.01)
    assert (row.last_sequence, row.position_s, row.state) == (2, 12.0, "playing")


@pytest.mark.parametrize(
    ("content_type", "body", "query"),
    [
        ("application/json", json.dumps([{"sn": 0, "sta": "p", "pb": [2000], "bl": [21300], "v": 2}]), None),
        ("application/json", json.dumps({"sn": 0, "sta": "p", "pb": 2000, "bl": 21300, "bs": False}), None),
        ("text/plain;charset=UTF-8", "sn=0,sta=p,pb=(2000),bl=(21300),v=2", None),  # navigator.sendBeacon
        ("application/cmcd", "", "sn=0,sta=p,pb=(2000),bl=(21300),v=2"),
    ],
)
def test_every_event_mode_transmission_form_is_accepted(user_client, movie, start, content_type, body, query):
    session = started(user_client, movie, start)

    assert report(session["reporting_url"], body, content_type, query=query).status_code == 204

    row = PlaybackSession.objects.get(pk=session["id"])
    assert (row.state, row.bitrate_kbps, row.buffer_ms) == ("playing", 2000, 21300)


def test_the_reporting_url_needs_its_signature_and_a_known_media_type(user_client, movie, start):
    session = started(user_client, movie, start)
    path = urlsplit(session["reporting_url"]).path

    assert APIClient().generic("POST", path, "sta=p", content_type="application/cmcd").status_code == 403
    assert report(session["reporting_url"], "<x/>", "application/xml").status_code == 415
    bad = report(session["reporting_url"], lines("sn=0,sta=p", "sn=1,bl=-5"))
    assert bad.status_code == 400 and "bl" in bad.json()
    assert PlaybackSession.objects.get(pk=session["id"]).last_sequence == -1  # nothing half-applied


def test_quit_ends_the_session_as_the_players(user_client, movie, start):
    session = started(user_client, movie, start)

    response = put_cmcd(user_client, session["id"], query="sn=1,sta=q,v=2")

    assert response.status_code == 200
    body = user_client.get(f"/api/stream/sessions/{session['id']}").json()
    assert (body["status"], body["end_reason"]) == ("ended", "client")


def test_dropped_frames_read_from_dfa_and_df(user_client, movie, start):
    session = started(user_client, movie, start)

    put_cmcd(user_client, session["id"], query="sn=1,sta=p,dfa=7,v=2")
    put_cmcd(user_client, session["id"], query="sn=2,sta=p,df=9,v=2")

    assert user_client.get(f"/api/stream/sessions/{session['id']}").json()["summary"]["dropped_frames"] == 9


def test_playhead_bitrate_is_now_playing_not_the_requested_one(user_client, movie, start):
    session = started(user_client, movie, start)

    put_cmcd(user_client, session["id"], query="br=(4500),pb=(2000),sn=1,sta=p,v=2")

    assert user_client.get(f"/api/stream/sessions/{session['id']}").json()["bitrate_kbps"] == 2000


def test_the_error_code_after_a_fatal_error_is_kept(user_client, movie, start):
    session = started(user_client, movie, start)

    assert put_cmcd(user_client, session["id"], query="sn=1,sta=f,v=2").status_code == 200
    follow_up = put_cmcd(user_client, session["id"], query='sn=2,ec=("MEDIA_ERR_NETWORK"),v=2')

    assert follow_up.status_code == 200
    summary = user_client.get(f"/api/stream/sessions/{session['id']}").json()["summary"]
    assert (summary["fatal_error"], summary["error_code"]) == (True, "MEDIA_ERR_NETWORK")
    assert put_cmcd(user_client, session["id"], query="sn=3,sta=p,v=2").status_code == 409


def test_a_player_that_never_sends_a_position_gets_the_best_estimate(user_client, movie, start):
    session = started(user_client, movie, start)
    row = PlaybackSession.objects.get(pk=session["id"])
    PlaybackSession.objects.filter(pk=row.pk).update(state="playing", watch_time_s=300.0)

    user_client.delete(f"/api/stream/sessions/{session['id']}")

    assert PlaybackSession.objects.get(pk=row.pk).position_s == pytest.approx(300.0, abs=1)


def test_a_position_far_past_the_duration_is_400_naming_the_key(user_client, movie, start):
    session = started(user_client, movie, start)  # a 6000 s movie

    as_json = user_client.put(f"/api/stream/sessions/{session['id']}", {"sequence": 1, "position_s": 99999})
    as_cmcd = put_cmcd(user_client, session["id"], query="sn=1,pt=99999000,sta=p,v=2")

    assert as_json.status_code == 400 and "position_s" in as_json.json()
    assert as_cmcd.status_code == 400 and "pt" in as_cmcd.json()
    assert PlaybackSession.objects.get(pk=session["id"]).position_s == 0
    assert (
        user_client.put(f"/api/stream/sessions/{session['id']}", {"sequence": 1, "position_s": 6010}).status_code == 200
    )


def test_viewing_hours_ending_mid_session_end_it_with_a_reason(user, user_client, movie, start):
    session = started(user_client, movie, start)
    now = timezone.now()
    closed_from = (now - dt.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    closed_to = (now - dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    ParentalControlsFactory(user=user, viewing_start=closed_from, viewing_end=closed_to)
    # The last update was in an earlier minute: this one checks the controls.
    PlaybackSession.objects.filter(pk=session["id"]).update(last_seen_at=now - dt.timedelta(minutes=1))

    response = user_client.put(f"/api/stream/sessions/{session['id']}", {"sequence": 1, "state": "playing"})

    assert response.status_code == 403
    assert response.json()["end_reason"] == "parental" and "Viewing is allowed only" in response.json()["detail"]
    body = user_client.get(f"/api/stream/sessions/{session['id']}").json()
    assert (body["status"], body["end_reason"]) == ("ended", "parental")


def test_the_manifest_checks_the_controls_too(user, user_client, movie, start):
    session = started(user_client, movie, start)
    ParentalControlsFactory(user=user, viewing_days=[])

    response = APIClient().get(session["manifest_url"])

    assert response.status_code == 403 and response.json()["end_reason"] == "parental"
    assert PlaybackSession.objects.get(pk=session["id"]).end_reason == "parental"


def test_running_watch_time_counts_toward_the_daily_limit(user, user_client, movie, start):
    session = started(user_client, movie, start)
    ParentalControlsFactory(user=user, daily_limit_minutes=30)
    PlaybackSession.objects.filter(pk=session["id"]).update(
        state="playing", watch_time_s=30 * 60, last_seen_at=timezone.now() - dt.timedelta(minutes=1)
    )

    response = user_client.put(f"/api/stream/sessions/{session['id']}", {"sequence": 1, "state": "playing"})

    assert response.status_code == 403
    assert "daily limit" in response.json()["detail"]


def test_an_event_report_after_the_fatal_error_keeps_its_code(user_client, movie, start):
    session = started(user_client, movie, start)

    assert report(session["reporting_url"], lines("e=ps,sn=0,sta=p,v=2", "e=ps,sn=1,sta=f,v=2")).status_code == 204
    follow_up = report(session["reporting_url"], lines('e=e,sn=2,ec=("MEDIA_ERR_DECODE"),v=2'))

    assert follow_up.status_code == 204
    row = PlaybackSession.objects.get(pk=session["id"])
    assert (row.end_reason, row.error_code) == ("error", "MEDIA_ERR_DECODE")
    assert report(session["reporting_url"], lines("e=t,sn=3,sta=p,v=2")).status_code == 410


def test_a_second_session_cannot_start_once_running_watch_time_reached_the_daily_limit(user, user_client, movie, start):
    session = started(user_client, movie, start)
    ParentalControlsFactory(user=user, daily_limit_minutes=30)
    PlaybackSession.objects.filter(pk=session["id"]).update(watch_time_s=30 * 60)

    response = start(user_client, movie, device_id="tablet")

    assert response.status_code == 403 and "daily limit" in response.json()["detail"]


def test_timestamps_keep_their_place_across_requests(user_client, movie, start):
    """One report per request, delivered late in a burst (a player back online): 10 s of rebuffering."""
    session = started(user_client, movie, start)
    earlier = timezone.now() - dt.timedelta(seconds=60)
    ts = 1_796_000_000_000
    # The player's clock, as its reports before it went offline bounded it: `ts` happened 30 s ago.
    offset_ms = int((timezone.now() - dt.timedelta(seconds=30)).timestamp() * 1000) - ts
    PlaybackSession.objects.filter(pk=session["id"]).update(
        started_at=earlier, last_seen_at=earlier, player_clock_offset_ms=offset_ms
    )

    for line in (f"sn=0,sta=p,ts={ts}", f"sn=1,sta=r,ts={ts + 2_000}", f"sn=2,sta=p,ts={ts + 12_000}"):
        assert report(session["reporting_url"], line).status_code == 204

    row = PlaybackSession.objects.get(pk=session["id"])
    assert row.rebuffer_duration_s == pytest.approx(10.0, abs=0.1)


@pytest.mark.parametrize("stamps", [(0, 10**15 - 1), (10**15 - 1, 0)])
def test_absurd_timestamps_are_bounded_not_a_server_error(user_client, movie, start, stamps):
    session = started(user_client, movie, start)

    response = report(session["reporting_url"], lines(f"sta=p,ts={stamps[0]}", f"sta=r,ts={stamps[1]}"))

    assert response.status_code == 204
    assert PlaybackSession.objects.get(pk=session["id"]).watch_time_s <= 300


@pytest.mark.parametrize(("reported", "recorded"), [(2328, 2000), (2128, 2000), (2000, 2000), (1234, 1234)])
def test_a_reported_bitrate_as_the_playlist_declares_it_is_recorded_as_its_rung(
    user_client, movie, start, reported, recorded
):
    # hls.js reports a variant's BANDWIDTH (the 2000 kbps rung's peak, with audio: 2328); others AVERAGE-BANDWIDTH.
    session = started(user_client, movie, start)

    response = report(session["reporting_url"], f"sn=1,sta=p,pb={reported},v=2")

    assert response.status_code == 204, response.content
    assert PlaybackSession.objects.get(pk=session["id"]).bitrate_kbps == recorded
