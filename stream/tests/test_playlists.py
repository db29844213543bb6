"""The ladder offered per plan and device, the signed multivariant playlist (parsed with m3u8), and steering."""

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import m3u8
import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from identity.models import Plan
from identity.tests.factories import UserFactory
from stream import signing
from stream.ladder import LADDER, ladder_for, max_height_for
from stream.models import PlaybackSession
from stream.tests.factories import CdnFactory, PlaybackSessionFactory

pytestmark = pytest.mark.django_db

REQUIRED_ATTRIBUTES = ("bandwidth", "average_bandwidth", "codecs", "resolution", "frame_rate")


def client_for(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def fetch_manifest(url: str):
    parts = urlsplit(url)
    return APIClient().get(f"{parts.path}?{parts.query}")


@pytest.mark.parametrize(
    ("plan", "device_type", "screen", "top"),
    [
        (Plan.PREMIUM, "tv", None, (1920, 1080, 7800)),
        (Plan.STANDARD, "web", None, (1920, 1080, 7800)),
        (Plan.BASIC, "tv", None, (1280, 720, 4500)),
        (Plan.PREMIUM, "mobile", None, (1280, 720, 4500)),
        (Plan.PREMIUM, "tv", "1024x576", (960, 540, 2000)),
        (Plan.PREMIUM, "mobile", "640x360", (640, 360, 365)),
    ],
)
def test_ladder_is_capped_by_plan_and_device(movie, start, plan, device_type, screen, top):
    client = client_for(UserFactory(plan=plan))

    body = start(client, movie, device_type=device_type, max_resolution=screen).json()

    tallest = max(body["ladder"], key=lambda rung: rung["bitrate_kbps"])
    assert (tallest["width"], tallest["height"], tallest["bitrate_kbps"]) == top
    expected_first = 2000 if top[2] >= 2000 else top[2]
    assert body["ladder"][0]["bitrate_kbps"] == expected_first


def test_ladder_rungs_come_from_the_apple_authoring_spec():
    assert [(r.width, r.height, r.video_kbps) for r in LADDER] == [
        (416, 234, 145),
        (640, 360, 365),
        (768, 432, 730),
        (768, 432, 1100),
        (960, 540, 2000),
        (1280, 720, 3000),
        (1280, 720, 4500),
        (1920, 1080, 6000),
        (1920, 1080, 7800),
    ]
    assert [r.video_kbps for r in ladder_for(max_height_for(plan_max_height=720, device_type="tv"))] == [
        2000,
        145,
        365,
        730,
        1100,
        3000,
        4500,
    ]


def test_manifest_is_a_valid_multivariant_playlist(user_client, movie, start):
    CdnFactory(name="cdn-backup", regions=[])
    body = start(user_client, movie).json()

    response = fetch_manifest(body["manifest_url"])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
    playlist = m3u8.loads(response.content.decode())
    assert playlist.is_variant
    primary = [v for v in playlist.playlists if v.stream_info.pathway_id == "cdn-us"]
    assert [v.stream_info.bandwidth for v in primary][0] > 2_000_000
    assert primary[0].stream_info.resolution == (960, 540)
    assert primary[0].stream_info.average_bandwidth == (2000 + 128) * 1000
    assert len(primary) == len(body["ladder"]) == 9
    for variant in playlist.playlists:
        for attribute in REQUIRED_ATTRIBUTES:
            assert getattr(variant.stream_info, attribute), attribute
        assert variant.stream_info.bandwidth >= variant.stream_info.average_bandwidth
        assert variant.stream_info.codecs.startswith("avc1.") and "mp4a.40.2" in variant.stream_info.codecs
        assert variant.uri.startswith(("https://cdn-us.example.net/", "https://cdn-backup.example.net/"))
    assert playlist.playlists[0].stream_info.pathway_id == "cdn-us"
    assert {v.stream_info.pathway_id for v in playlist.playlists} == {"cdn-us", "cdn-backup"}
    steering = playlist.content_steering
    assert steering.pathway_id == "cdn-us"
    assert urlsplit(steering.uri).path == f"/api/stream/sessions/{body['id']}/steering/"


def test_manifest_of_a_basic_plan_has_no_rung_above_720p(movie, start):
    body = start(client_for(UserFactory(plan=Plan.BASIC)), movie).json()

    playlist = m3u8.loads(fetch_manifest(body["manifest_url"]).content.decode())

    assert max(v.stream_info.resolution[1] for v in playlist.playlists) == 720


def test_manifest_needs_its_signature(user_client, movie, start):
    body = start(user_client, movie).json()
    parts = urlsplit(body["manifest_url"])
    params = {key: values[0] for key, values in parse_qs(parts.query).items()}

    missing = APIClient().get(parts.path)
    altered = APIClient().get(f"{parts.path}?{urlencode({**params, 'expires': int(params['expires']) + 60})}")
    forged = APIClient().get(f"{parts.path}?{urlencode({**params, 'signature': 'A' * 43})}")
    other_session = PlaybackSessionFactory()
    moved = APIClient().get(f"/api/stream/sessions/{other_session.pk}/manifest.m3u8?{parts.query}")

    for response in (missing, altered, forged, moved):
        assert response.status_code == 403
        assert response.json()["detail"]


def test_expired_manifest_url_is_403(user_client, movie, start):
    session = PlaybackSessionFactory()
    path = f"/api/stream/sessions/{session.pk}/manifest.m3u8"
    params = signing.sign(session_id=session.pk, path=path, ttl_s=60, now=time.time() - 120)

    response = APIClient().get(f"{path}?{urlencode(params)}")

    assert response.status_code == 403
    assert "expired" in response.json()["detail"]


def test_manifest_is_served_whatever_the_player_accepts(user_client, movie, start):
    body = start(user_client, movie).json()
    parts = urlsplit(body["manifest_url"])

    response = APIClient().get(f"{parts.path}?{parts.query}", HTTP_ACCEPT="application/vnd.apple.mpegurl")

    assert response.status_code == 200


def test_manifest_and_steering_of_an_ended_session_are_gone(user_client, movie, start):
    body = start(user_client, movie).json()
    steering = steering_url(PlaybackSession.objects.get(pk=body["id"]))
    user_client.delete(f"/api/stream/sessions/{body['id']}")

    manifest = fetch_manifest(body["manifest_url"])
    assert manifest.status_code == 410  # players stop polling on 410; 404 makes some retry
    assert manifest.json() == {"detail": "This session has ended."}
    assert APIClient().get(steering).status_code == 410


def test_manifest_is_not_cached_and_steering_is_revalidated(user_client, movie, start):
    body = start(user_client, movie).json()

    manifest = fetch_manifest(body["manifest_url"])
    steering = APIClient().get(steering_url(PlaybackSession.objects.get(pk=body["id"])), HTTP_ACCEPT="text/html")

    assert manifest["Cache-Control"] == "private, no-store"
    assert steering["Cache-Control"] == "no-cache"
    assert steering["Content-Type"] == "application/json"  # never the browsable API page


def test_the_owner_gets_a_freshly_signed_manifest_url_for_a_running_session(user_client, staff_client, movie, start):
    body = start(user_client, movie).json()
    expired = {**dict(parse_qs(urlsplit(body["manifest_url"]).query)), "expires": ["1"]}
    assert fetch_manifest(f"{urlsplit(body['manifest_url']).path}?{urlencode(expired, doseq=True)}").status_code == 403

    time.sleep(1.01)  # the next signature expires later
    again = user_client.get(f"/api/stream/sessions/{body['id']}").json()

    assert again["manifest_url"] != body["manifest_url"]
    assert fetch_manifest(again["manifest_url"]).status_code == 200
    assert again["manifest_expires_at"] > body["manifest_expires_at"]
    assert staff_client.get(f"/api/stream/sessions/{body['id']}").json()["manifest_url"] is None
    user_client.delete(f"/api/stream/sessions/{body['id']}")
    assert user_client.get(f"/api/stream/sessions/{body['id']}").json()["manifest_url"] is None


def test_the_lowest_rung_declares_the_h264_level_it_needs(user_client, movie, start):
    body = start(user_client, movie).json()

    playlist = m3u8.loads(fetch_manifest(body["manifest_url"]).content.decode())

    lowest = next(p for p in playlist.playlists if p.stream_info.resolution == (416, 234))
    assert lowest.stream_info.codecs.startswith("avc1.42e00d,")  # Baseline level 1.3


def steering_url(session: PlaybackSession, **extra) -> str:
    path = f"/api/stream/sessions/{session.pk}/steering/"
    return f"{path}?{urlencode({**signing.sign(session_id=session.pk, path=path), **extra})}"


def test_steering_manifest_orders_pathways_by_live_health(cdn):
    backup = CdnFactory(name="cdn-backup", regions=[])
    session = PlaybackSessionFactory(cdn=cdn)
    # Six recent failed views on cdn-us: it is down, so players should move to the backup.
    PlaybackSessionFactory.create_batch(6, cdn=cdn, fatal_error=True)

    response = APIClient().get(steering_url(session, _HLS_pathway="cdn-us", _HLS_throughput=5_400_000))

    assert response.status_code == 200
    body = response.json()
    assert body["VERSION"] == 1 and body["TTL"] == 300
    assert body["PATHWAY-PRIORITY"] == [backup.name]
    assert urlsplit(body["RELOAD-URI"]).path == f"/api/stream/sessions/{session.pk}/steering/"
    session.refresh_from_db()
    assert session.throughput_kbps == 5400


def test_steering_prefers_healthy_in_region_cdns(cdn):
    backup = CdnFactory(name="cdn-backup", regions=[])
    session = PlaybackSessionFactory(cdn=backup)

    body = APIClient().get(steering_url(session, _HLS_pathway="cdn-backup")).json()

    assert body["PATHWAY-PRIORITY"] == ["cdn-us", "cdn-backup"]


def test_steering_records_the_pathway_the_player_switched_to(cdn):
    backup = CdnFactory(name="cdn-backup", regions=[])
    session = PlaybackSessionFactory(cdn=cdn)

    APIClient().get(steering_url(session, _HLS_pathway="cdn-backup"))

    session.refresh_from_db()
    assert session.cdn == backup


def test_steering_needs_a_signature_and_ignores_a_throughput_that_is_not_a_number(cdn):
    session = PlaybackSessionFactory(cdn=cdn, throughput_kbps=3000)

    assert APIClient().get(f"/api/stream/sessions/{session.pk}/steering").status_code == 403
    for value in ("fast", "5400000.5", "-1", "9" * 20):
        answer = APIClient().get(steering_url(session, _HLS_throughput=value))
        assert answer.status_code == 200
        assert answer.json()["PATHWAY-PRIORITY"] == ["cdn-us"]
    session.refresh_from_db()
    assert session.throughput_kbps == 3000


def test_steering_ignores_a_pathway_that_is_not_the_sessions(cdn):
    CdnFactory(name="cdn-off", regions=[], enabled=False)
    session = PlaybackSessionFactory(cdn=cdn)

    for pathway in ("cdn-off", "no-such-cdn"):
        assert APIClient().get(steering_url(session, _HLS_pathway=pathway)).status_code == 200

    session.refresh_from_db()
    assert session.cdn == cdn


def test_the_players_starting_estimate_is_not_a_throughput_measurement(user_client, movie, start):
    body = start(user_client, movie).json()
    session = PlaybackSession.objects.get(pk=body["id"])
    first_variant_bandwidth = body["ladder"][0]["bandwidth"]  # what hls.js reports before measuring anything

    APIClient().get(steering_url(session, _HLS_throughput=first_variant_bandwidth))
    session.refresh_from_db()
    assert session.throughput_kbps is None
    assert start(user_client, movie, device_id="phone").json()["initial_bitrate_kbps"] == 2000

    APIClient().get(steering_url(session, _HLS_throughput=5_400_000))
    session.refresh_from_db()
    assert session.throughput_kbps == 5400


@pytest.mark.parametrize("endpoint", ["manifest.m3u8", "steering/"])
@pytest.mark.parametrize("session_id", ["real", "süßes-ünbekanntes"])
def test_non_ascii_signature_is_403_not_a_server_error(cdn, endpoint, session_id):
    session = PlaybackSessionFactory(cdn=cdn)
    session_id = session.pk if session_id == "real" else session_id
    path = f"/api/stream/sessions/{session_id}/{endpoint}"
    params = {**signing.sign(session_id=session.pk, path=path), "signature": "M뀑i\u00d8"}

    response = APIClient().get(f"{path}?{urlencode(params)}")

    assert response.status_code == 403
    assert response.json() == {"detail": "This URL's signature is not valid."}
