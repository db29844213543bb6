"""Language tracks: one language whatever it is called, defaults from the viewer's preferences, EXT-X-MEDIA."""

import m3u8
import pytest
from django.core.exceptions import ValidationError

from identity.tests.factories import PreferencesFactory, UserFactory
from stream.tests.factories import CdnFactory
from stream.tests.test_playlists import client_for, fetch_manifest
from stream.tracks import language_tag, track_upsert

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "tag"), [("en", "en"), ("eng", "en"), ("English", "en"), ("pt-BR", "pt-BR"), ("pt-PT", "pt-PT")]
)
def test_a_language_is_one_tag_whatever_it_is_called(value, tag):
    assert language_tag(value) == tag


def test_an_unknown_language_is_refused():
    with pytest.raises(ValidationError):
        language_tag("not a language at all")


@pytest.fixture
def dubbed(movie):
    """A French film with English and Brazilian dubs, English and French subtitles, forced English, captions."""
    movie.original_language = "fr"
    movie.save()
    track_upsert(title=movie, kind="audio", language="French", name="Français", is_original=True, channels=6)
    track_upsert(title=movie, kind="audio", language="eng", name="English", channels=2)
    track_upsert(title=movie, kind="audio", language="pt-BR", name="Português (Brasil)")
    track_upsert(title=movie, kind="audio", language="en", name="English (audio description)", is_accessibility=True)
    track_upsert(title=movie, kind="subtitles", language="en", name="English")
    track_upsert(title=movie, kind="subtitles", language="fr", name="Français")
    track_upsert(title=movie, kind="subtitles", language="en", name="English (forced)", is_forced=True)
    track_upsert(title=movie, kind="subtitles", language="en", name="English (SDH)", is_accessibility=True)
    track_upsert(title=movie, kind="closed-captions", language="en", name="English CC")
    return movie


def start_as(viewer, movie, start):
    response = start(client_for(viewer), movie)
    assert response.status_code == 201
    return response.json()


@pytest.mark.parametrize(
    ("audio", "subtitles", "enabled", "default_audio", "default_subtitles"),
    [
        ([], [], False, "fr", None),  # no preference: the original
        (["English"], ["fr"], False, "en", "en-forced"),  # subtitles off: forced ones in the audio language
        (["eng"], ["fra"], True, "en", "fr"),
        (["pt-PT", "de"], [], False, "fr", None),  # pt-PT is not pt-BR: the original
        (["pt"], [], False, "pt-BR", None),  # a bare language takes any region of it
    ],
)
def test_defaults_follow_the_viewers_preferences(
    dubbed, start, audio, subtitles, enabled, default_audio, default_subtitles
):
    viewer = UserFactory()
    PreferencesFactory(user=viewer, audio_languages=audio, subtitle_languages=subtitles, subtitles_enabled=enabled)

    body = start_as(viewer, dubbed, start)

    assert body["tracks"]["default_audio"] == default_audio
    assert body["tracks"]["default_subtitles"] == default_subtitles
    assert [t["language"] for t in body["tracks"]["audio"]] == ["fr", "en", "en", "pt-BR"]


def test_the_playlist_has_audio_and_subtitle_groups_on_every_pathway(dubbed, start, cdn):
    backup = CdnFactory(name="cdn-backup", regions=[])
    viewer = UserFactory()
    PreferencesFactory(user=viewer, audio_languages=["en"], subtitles_enabled=True, subtitle_languages=["fr"])
    body = start_as(viewer, dubbed, start)

    playlist = m3u8.loads(fetch_manifest(body["manifest_url"]).content.decode())

    for pathway in (cdn.name, backup.name):
        audio = [m for m in playlist.media if m.type == "AUDIO" and m.group_id == f"aud-{pathway}"]
        subtitles = [m for m in playlist.media if m.type == "SUBTITLES" and m.group_id == f"sub-{pathway}"]
        assert [(m.language, m.default) for m in audio] == [("fr", "NO"), ("en", "YES"), ("en", "NO"), ("pt-BR", "NO")]
        assert [(m.language, m.forced, m.default) for m in subtitles] == [
            ("en", "NO", "NO"),
            ("en", "NO", "NO"),
            ("en", "YES", "NO"),
            ("fr", "NO", "YES"),
        ]
        assert all(m.uri.startswith(f"https://{pathway}.example.net/titles/{dubbed.pk}/") for m in audio + subtitles)
        assert "describes-video" in audio[2].characteristics and "spoken-dialog" in subtitles[1].characteristics
        variants = [p for p in playlist.playlists if p.stream_info.pathway_id == pathway]
        assert variants and all(
            (v.stream_info.audio, v.stream_info.subtitles, v.stream_info.closed_captions)
            == (f"aud-{pathway}", f"sub-{pathway}", '"cc"')
            for v in variants
        )
    (captions,) = [m for m in playlist.media if m.type == "CLOSED-CAPTIONS"]
    assert captions.instream_id == "CC1"
    uris = [m.uri.split("?")[0] for m in playlist.media if m.group_id in ("aud-cdn-us", "sub-cdn-us")]
    assert [uri.split(f"/titles/{dubbed.pk}/")[1] for uri in uris] == [
        "audio/fr/index.m3u8",
        "audio/en/index.m3u8",
        "audio/en-ad/index.m3u8",
        "audio/pt-BR/index.m3u8",
        "subtitles/en/index.m3u8",
        "subtitles/en-sdh/index.m3u8",
        "subtitles/en-forced/index.m3u8",
        "subtitles/fr/index.m3u8",
    ]


def test_a_title_without_tracks_keeps_its_plain_playlist(movie, start, user):
    body = start_as(user, movie, start)

    assert body["tracks"] == {
        "audio": [],
        "subtitles": [],
        "closed_captions": [],
        "default_audio": None,
        "default_subtitles": None,
    }
    assert "EXT-X-MEDIA" not in fetch_manifest(body["manifest_url"]).content.decode()
