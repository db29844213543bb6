"""Premium's 2160p: HEVC rungs for devices that decode HEVC, H.264 up to 1080p for the rest."""

from urllib.parse import urlsplit

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


# --- The development origin's HEVC renditions -----------------------------------------------------------------


def hvcc(init_segment: bytes) -> tuple[int, int]:
    """(general_profile_idc, general_level_idc) of an fMP4 init segment's HEVC decoder configuration."""
    record = init_segment.index(b"hvcC") + 4
    return init_segment[record + 1] & 0x1F, init_segment[record + 12]


def test_the_development_origin_plays_the_hevc_rungs_as_their_codecs_declare(
    media_settings, local_cdn, movie, tmp_path
):
    """A premium HEVC device's playlist leads to real HEVC (fMP4, hvc1, the declared profile and level)."""
    import subprocess

    from django.test import Client

    from stream import media
    from stream.ladder import HEVC_RUNGS_BY_KBPS

    media.hevc_generate(rungs_kbps=(145,), say=lambda message: None)
    client = client_for(UserFactory(plan=Plan.PREMIUM))
    device = {"type": "tv", "id": "living-room", "hevc": True}
    body = client.post("/api/stream/sessions", {"title": movie.pk, "device": device}, format="json").json()
    multivariant = m3u8.loads(fetch_manifest(body["manifest_url"]).content.decode())
    (smallest,) = [v for v in multivariant.playlists if v.stream_info.codecs.startswith("hvc1.1.6.L63")]

    path = urlsplit(smallest.uri)
    folder = path.path.rsplit("/", 1)[0]
    playlist = Client().get(f"{path.path}?{path.query}")
    assert playlist.status_code == 200, playlist.content
    variant = m3u8.loads(playlist.content.decode())
    (init_map,) = variant.segment_map
    assert "__token__=" in init_map.uri and all("__token__=" in segment.uri for segment in variant.segments)
    init = Client().get(f"{folder}/{init_map.uri}")
    first = Client().get(f"{folder}/{variant.segments[0].uri}")
    assert (init.status_code, init["Content-Type"]) == (200, "video/mp4")
    assert (first.status_code, first["Content-Type"]) == (200, "video/iso.segment")
    assert Client().get(f"{folder}/{init_map.uri.split('?')[0]}").status_code == 403  # the token is required

    init_bytes = b"".join(init.streaming_content)
    declared = HEVC_RUNGS_BY_KBPS[145].codecs  # hvc1.1.6.L63.B0: Main profile, level 2.1
    assert hvcc(init_bytes) == (1, int(declared.split(".")[3][1:]))
    joined = tmp_path / "joined.mp4"
    joined.write_bytes(init_bytes + b"".join(first.streaming_content))
    probe = subprocess.run([media.ffmpeg_exe(), "-hide_banner", "-i", str(joined)], capture_output=True, text=True)
    assert "Video: hevc (Main) (hvc1" in probe.stderr and "640x360" in probe.stderr
    assert "Audio: aac (LC)" in probe.stderr


def test_an_hevc_rung_not_generated_says_how_to_make_it(media_settings, local_cdn):
    from django.test import Client

    from stream import delivery
    from stream.tests.factories import PlaybackSessionFactory

    session = PlaybackSessionFactory(cdn=local_cdn)
    token = delivery.token_issue(cdn=local_cdn, session=session)[0]

    response = Client().get(f"/dev-origin/local/titles/{session.title_id}/hevc/16800k/index.m3u8?__token__={token}")

    assert response.status_code == 404
    assert "media_prepare --hevc" in response.content.decode()


def test_media_prepare_makes_the_hevc_rungs_asked_for(media_settings, capsys):
    from django.core.management import CommandError, call_command

    from stream import media

    call_command("media_prepare", "--hevc", "145")
    assert media.hevc_is_ready(145) and not media.hevc_is_ready(300)
    with pytest.raises(CommandError, match="Not rungs of the HEVC ladder"):
        call_command("media_prepare", "--hevc", "146")
    with pytest.raises(CommandError, match="kbps separated by commas"):
        call_command("media_prepare", "--hevc", "fast")
