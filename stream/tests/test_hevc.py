"""Premium's 2160p: HEVC rungs for devices that decode HEVC, H.264 up to 1080p for the rest."""

import m3u8
import pytest

from identity.models import Plan
from identity.tests.factories import UserFactory
from stream.ladder import HEVC_LADDER
from stream.tests.test_playlists import client_for, fetch_manifest

pytestmark = pytest.mark.django_db


def manifest_for(plan, movie, start, *, device_type="tv", hevc=None):
    client = client_for(UserFactory(plan=plan))
    device = {"type": device_type, "id": "living-room"}
    if hevc is not None:
        device["hevc"] = hevc
    response = client.post("/api/stream/sessions", {"title": movie.pk, "device": device}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    return body, m3u8.loads(fetch_manifest(body["manifest_url"]).content.decode())


def variants(playlist, codec: str) -> list[tuple[int, int, int]]:
    return sorted(
        (*v.stream_info.resolution, v.stream_info.average_bandwidth // 1000 - 128)
        for v in playlist.playlists
        if v.stream_info.codecs.startswith(codec)
    )


def test_premium_on_an_hevc_tv_gets_hevc_up_to_2160p_beside_h264_up_to_1080p(movie, start):
    body, playlist = manifest_for(Plan.PREMIUM, movie, start, hevc=True)

    hevc = variants(playlist, "hvc1")
    assert hevc == sorted((r.width, r.height, r.video_kbps) for r in HEVC_LADDER)
    assert max(hevc)[:2] == (3840, 2160)
    assert max(variants(playlist, "avc1"))[:2] == (1920, 1080)
    assert playlist.playlists[0].stream_info.codecs.startswith("avc1.4d401f")  # the default rung stays first
    assert all(
        v.uri.split("?")[0].endswith(f"/hevc/{v.stream_info.average_bandwidth // 1000 - 128}k/index.m3u8")
        for v in playlist.playlists
        if v.stream_info.codecs.startswith("hvc1")
    )
    assert {"hvc1.1.6.L150.B0,mp4a.40.2"} <= {rung["codecs"] for rung in body["ladder"]}


@pytest.mark.parametrize(
    ("plan", "device_type", "hevc"),
    [(Plan.PREMIUM, "tv", False), (Plan.PREMIUM, "tv", None), (Plan.STANDARD, "tv", True), (Plan.BASIC, "tv", True)],
)
def test_without_hevc_or_below_premium_the_playlist_is_h264_only(movie, start, plan, device_type, hevc):
    _, playlist = manifest_for(plan, movie, start, device_type=device_type, hevc=hevc)

    assert variants(playlist, "hvc1") == []
    assert max(variants(playlist, "avc1"))[1] <= 1080


def test_premium_and_standard_differ_on_the_same_hevc_device(movie, start):
    _, premium = manifest_for(Plan.PREMIUM, movie, start, hevc=True)
    _, standard = manifest_for(Plan.STANDARD, movie, start, hevc=True)

    assert variants(premium, "avc1") == variants(standard, "avc1")
    assert variants(premium, "hvc1") and not variants(standard, "hvc1")


def test_hevc_rungs_respect_the_device_ceiling(movie, start):
    _, playlist = manifest_for(Plan.PREMIUM, movie, start, device_type="web", hevc=True)

    assert max(variants(playlist, "hvc1"))[1] == 1080


def test_hevc_must_be_a_boolean(movie, user_client):
    response = user_client.post(
        "/api/stream/sessions", {"title": movie.pk, "device": {"type": "tv", "id": "x", "hevc": "yes"}}, format="json"
    )

    assert response.status_code == 400
    assert "hevc" in response.json()["device"]
