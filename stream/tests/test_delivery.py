"""Delivery tokens on playlists and segments, their renewal by steering, and the development origin checking them."""

import time
from urllib.parse import parse_qs, urlsplit

import m3u8
import pytest
from django.test import Client
from rest_framework.test import APIClient

from stream import delivery, services
from stream.models import EndReason
from stream.tests.factories import CdnFactory, PlaybackSessionFactory
from stream.tests.test_playlists import client_for, fetch_manifest, steering_url

pytestmark = pytest.mark.django_db
LOCAL_BASE = "http://testserver/dev-origin"


def origin_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def token_url(session, cdn, *, kbps=145, file="index.m3u8", token=None) -> str:
    token = token if token is not None else delivery.token_issue(cdn=cdn, session=session)[0]
    return f"/dev-origin/{cdn.name}/titles/{session.title_id}/{kbps}k/{file}?__token__={token}"


def test_a_token_opens_the_sessions_media_on_its_cdn_only(local_cdn):
    session = PlaybackSessionFactory(cdn=local_cdn)
    other = CdnFactory(name="other", base_url=f"{LOCAL_BASE}/other", regions=[])
    token, expires = delivery.token_issue(cdn=local_cdn, session=session)
    own = f"/dev-origin/local/titles/{session.title_id}/2000k/seg_00001.ts"

    assert delivery.token_verify(cdn=local_cdn, value=token, path=own) == (session.pk, "")
    assert token.startswith(f"exp={expires}~acl=/dev-origin/local/titles/{session.title_id}/*~id={session.pk}~hmac=")
    assert delivery.token_verify(cdn=other, value=token, path=own)[1] == "The delivery token's signature is not valid."
    elsewhere = f"/dev-origin/local/titles/{session.title_id + 1}/2000k/seg_00001.ts"
    assert delivery.token_verify(cdn=local_cdn, value=token, path=elsewhere)[1].endswith("does not cover this path.")
    tampered = token.replace(f"id={session.pk}", "id=someone-else")
    assert delivery.token_verify(cdn=local_cdn, value=tampered, path=own)[1].endswith("signature is not valid.")
    later = expires + 1
    assert delivery.token_verify(cdn=local_cdn, value=token, path=own, now=later)[1].endswith("has expired.")
    for junk in ("", "exp=1", "a~b", "exp=1~acl=/x/*~id=s~hmac=00~hmac=00", "x" * 2000):
        assert delivery.token_verify(cdn=local_cdn, value=junk, path=own)[1] == "A valid delivery token is required."


def test_a_cdn_configured_key_is_used_as_akamai_edgeauth_would(local_cdn):
    import hashlib
    import hmac

    local_cdn.token_key = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    session = PlaybackSessionFactory(cdn=local_cdn)

    token, _ = delivery.token_issue(cdn=local_cdn, session=session)

    body, digest = token.rsplit("~hmac=", 1)
    assert digest == hmac.new(bytes.fromhex(local_cdn.token_key), body.encode(), hashlib.sha256).hexdigest()


def test_every_variant_uri_of_the_manifest_carries_its_cdns_token(user, cdn, local_cdn, movie, start):
    backup = CdnFactory(name="local-backup", base_url=f"{LOCAL_BASE}/local-backup", regions=[])
    body = start(client_for(user), movie).json()

    playlist = m3u8.loads(fetch_manifest(body["manifest_url"]).content.decode())

    assert playlist.playlists
    for variant in playlist.playlists:
        parts = urlsplit(variant.uri)
        pathway = {cdn.name: cdn, "local": local_cdn, "local-backup": backup}[variant.stream_info.pathway_id]
        (token,) = parse_qs(parts.query)[pathway.token_name]
        assert delivery.token_verify(cdn=pathway, value=token, path=parts.path) == (body["id"], "")


def test_steering_renews_tokens_with_pathway_clones_before_they_expire(settings, local_cdn):
    session = PlaybackSessionFactory(cdn=local_cdn)
    fresh = int(time.time()) + delivery.token_ttl_s()
    soon = int(time.time()) + 10

    kept = APIClient().get(steering_url(session, delivery_expires=fresh)).json()
    renewed = APIClient().get(steering_url(session, delivery_expires=soon)).json()

    assert "PATHWAY-CLONES" not in kept and kept["PATHWAY-PRIORITY"] == ["local"]
    (clone,) = renewed["PATHWAY-CLONES"]
    assert clone["BASE-ID"] == "local" and renewed["PATHWAY-PRIORITY"] == [clone["ID"]]
    token = clone["URI-REPLACEMENT"]["PARAMS"]["__token__"]
    path = f"/dev-origin/local/titles/{session.title_id}/145k/index.m3u8"
    assert delivery.token_verify(cdn=local_cdn, value=token, path=path) == (session.pk, "")
    # The next reload keeps steering by the clone's id, and records its CDN by name.
    next_reload = renewed["RELOAD-URI"]
    again = APIClient().get(origin_path(next_reload) + f"&_HLS_pathway={clone['ID']}").json()
    assert again["PATHWAY-PRIORITY"] == [clone["ID"]] and "PATHWAY-CLONES" not in again
    session.refresh_from_db()
    assert session.cdn == local_cdn


def test_origin_serves_the_playlist_and_segments_with_the_token_and_cors(media_settings, local_cdn):
    session = PlaybackSessionFactory(cdn=local_cdn)

    response = Client().get(token_url(session, local_cdn))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
    assert response["Access-Control-Allow-Origin"] == "*"
    variant = m3u8.loads(response.content.decode())
    assert variant.segments and variant.is_endlist
    segment = variant.segments[0].uri
    assert "__token__=" in segment
    media = Client().get(f"/dev-origin/local/titles/{session.title_id}/145k/{segment}")
    assert media.status_code == 200
    assert media["Content-Type"] == "video/mp2t"
    assert b"".join(media.streaming_content)[:1] == b"G"  # an MPEG-TS sync byte


def test_origin_refuses_media_without_a_valid_token(media_settings, local_cdn):
    session = PlaybackSessionFactory(cdn=local_cdn)
    bare = f"/dev-origin/local/titles/{session.title_id}/145k/seg_00000.ts"

    assert Client().get(bare).status_code == 403
    assert Client().get(token_url(session, local_cdn, token="exp=1~acl=/~id=x~hmac=0")).status_code == 403
    response = Client().get(token_url(session, local_cdn, file="seg_00000.ts"), HTTP_ORIGIN="https://player.example")
    assert response.status_code == 200
    assert Client().get(f"/dev-origin/local/titles/{session.title_id}/145k/../../../etc/passwd").status_code == 404


def test_origin_stops_delivery_when_the_session_ends(media_settings, local_cdn):
    session = PlaybackSessionFactory(cdn=local_cdn)
    url = token_url(session, local_cdn, file="seg_00000.ts")
    assert Client().get(url).status_code == 200

    services.session_end(session_id=session.pk, reason=EndReason.CLIENT)

    response = Client().get(url)
    assert response.status_code == 410
    assert response["Access-Control-Allow-Origin"] == "*"


def test_origin_is_off_unless_configured(media_settings, local_cdn):
    media_settings.STREAM_DEV_ORIGIN = False
    session = PlaybackSessionFactory(cdn=local_cdn)

    assert Client().get(token_url(session, local_cdn)).status_code == 404


def test_origin_serves_alternate_audio_and_webvtt_subtitles_with_the_token(media_settings, local_cdn):
    session = PlaybackSessionFactory(cdn=local_cdn)
    token = delivery.token_issue(cdn=local_cdn, session=session)[0]
    base = f"/dev-origin/local/titles/{session.title_id}"

    audio = Client().get(f"{base}/audio/es/index.m3u8?__token__={token}")
    subtitles = Client().get(f"{base}/subtitles/es-forced/index.m3u8?__token__={token}")

    assert audio.status_code == subtitles.status_code == 200
    segment = m3u8.loads(audio.content.decode()).segments[0].uri
    assert Client().get(f"{base}/audio/es/{segment}")["Content-Type"] == "video/mp2t"
    cue_uri = m3u8.loads(subtitles.content.decode()).segments[0].uri
    cues = Client().get(f"{base}/subtitles/es-forced/{cue_uri}")
    assert cues["Content-Type"] == "text/vtt"
    assert cues.content.decode().startswith("WEBVTT") and "[es-forced]" in cues.content.decode()
    assert Client().get(f"{base}/subtitles/es/seg_00000.vtt").status_code == 403


def test_origin_takes_the_token_from_a_cookie_too(media_settings, local_cdn):
    session = PlaybackSessionFactory(cdn=local_cdn)
    client = Client()
    client.cookies["__token__"] = delivery.token_issue(cdn=local_cdn, session=session)[0]

    response = client.get(f"/dev-origin/local/titles/{session.title_id}/145k/seg_00000.ts")

    assert response.status_code == 200
