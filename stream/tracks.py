"""Audio, subtitle and closed-caption tracks: languages as BCP-47, the viewer's defaults, EXT-X-MEDIA groups."""

from dataclasses import dataclass

import langcodes
from django.core.exceptions import ValidationError
from django.db import transaction

from stream.models import MediaTrack, TrackKind

AUDIO_DESCRIPTION = "public.accessibility.describes-video"
SDH = "public.accessibility.transcribes-spoken-dialog,public.accessibility.describes-music-and-sound"


def language_tag(value: str) -> str:
    """The BCP-47 tag of a code or a name: `en`, `eng` and `English` are `en`; `pt-BR` and `pt-PT` stay two."""
    text = (value or "").strip()
    try:
        if langcodes.tag_is_valid(text):
            return langcodes.standardize_tag(text)
        return str(langcodes.find(text))
    except (LookupError, ValueError) as exc:
        raise ValidationError({"language": [f"{value!r} is not a language tag or name."]}) from exc


def _same_language(preferred: str, track_language: str) -> bool:
    """A preference matches its own tag, and a bare language (pt) matches any region of it (pt-BR, pt-PT)."""
    if preferred == track_language:
        return True
    preferred_lang = langcodes.Language.get(preferred)
    track_lang = langcodes.Language.get(track_language)
    return preferred_lang.territory is None and preferred_lang.language == track_lang.language


def _preferred_tags(values) -> list[str]:
    tags = []
    for value in values or []:
        try:
            tags.append(language_tag(value))
        except ValidationError:
            continue  # an unknown preference matches nothing
    return tags


@transaction.atomic
def track_upsert(*, title, episode=None, kind: str, language: str, name: str, **flags) -> MediaTrack:
    """Creates or updates the track of that kind, language and flags (the language normalized)."""
    language = language_tag(language)
    keys = {"is_forced": flags.pop("is_forced", False), "is_accessibility": flags.pop("is_accessibility", False)}
    track = MediaTrack.objects.filter(title=title, episode=episode, kind=kind, language=language, **keys).first()
    track = track or MediaTrack(title=title, episode=episode, kind=kind, language=language, **keys)
    track.name = name
    for field, value in flags.items():
        setattr(track, field, value)
    track.full_clean(validate_constraints=False)
    track.save()
    return track


def tracks_of(*, title_id: int, episode_id: int | None) -> list[MediaTrack]:
    """An episode's own tracks when it has any, else the title's."""
    tracks = list(MediaTrack.objects.filter(title_id=title_id, episode_id=episode_id))
    if not tracks and episode_id is not None:
        tracks = list(MediaTrack.objects.filter(title_id=title_id, episode__isnull=True))
    return tracks


@dataclass
class TrackChoice:
    audio: list[MediaTrack]
    subtitles: list[MediaTrack]
    closed_captions: list[MediaTrack]
    default_audio: MediaTrack | None
    default_subtitles: MediaTrack | None

    @property
    def empty(self) -> bool:
        return not (self.audio or self.subtitles or self.closed_captions)


def _first_match(preferences: list[str], tracks: list[MediaTrack]) -> MediaTrack | None:
    for preferred in preferences:
        for track in tracks:
            if _same_language(preferred, track.language):
                return track
    return None


def tracks_choose(
    tracks: list[MediaTrack], *, audio_languages, subtitle_languages, subtitles_enabled: bool
) -> TrackChoice:
    """The viewer's defaults: audio in the first preferred language there is (the original when none is);
    subtitles in the first preferred language when they are on; else forced subtitles in the audio language.
    """
    audio = [t for t in tracks if t.kind == TrackKind.AUDIO]
    subtitles = [t for t in tracks if t.kind == TrackKind.SUBTITLES]
    captions = [t for t in tracks if t.kind == TrackKind.CLOSED_CAPTIONS]
    main_audio = [t for t in audio if not t.is_accessibility]
    default_audio = (
        _first_match(_preferred_tags(audio_languages), main_audio)
        or next((t for t in main_audio if t.is_original), None)
        or next((t for t in main_audio if t.is_default), None)
        or (main_audio or audio or [None])[0]
    )
    default_subtitles = None
    if subtitles_enabled:
        full = [t for t in subtitles if not t.is_forced]
        default_subtitles = _first_match(_preferred_tags(subtitle_languages), full)
    if default_subtitles is None and default_audio is not None:
        default_subtitles = next(
            (t for t in subtitles if t.is_forced and _same_language(default_audio.language, t.language)), None
        )
    return TrackChoice(audio, subtitles, captions, default_audio, default_subtitles)


def track_slug(track: MediaTrack) -> str:
    """The track's folder in the media layout: `en`, `en-ad` (audio description), `en-forced`, `en-sdh`."""
    suffix = ""
    if track.is_forced:
        suffix = "-forced"
    elif track.is_accessibility:
        suffix = "-ad" if track.kind == TrackKind.AUDIO else "-sdh"
    return f"{track.language}{suffix}"


def _quoted(value: str) -> str:
    return value.replace('"', "'").replace("\n", " ")


def media_lines(choice: TrackChoice, *, group_suffix: str, uri_for) -> list[str]:
    """EXT-X-MEDIA lines of one pathway's groups (`aud-<cdn>`, `sub-<cdn>`; captions are in the video: `cc`)."""
    lines = []
    for track in choice.audio:
        default = "YES" if track is choice.default_audio else "NO"
        attributes = [
            "TYPE=AUDIO",
            f'GROUP-ID="aud-{group_suffix}"',
            f'NAME="{_quoted(track.name)}"',
            f'LANGUAGE="{track.language}"',
            f"DEFAULT={default}",
            "AUTOSELECT=YES",
            f'CHANNELS="{track.channels or 2}"',
        ]
        if track.is_accessibility:
            attributes.append(f'CHARACTERISTICS="{AUDIO_DESCRIPTION}"')
        attributes.append(f'URI="{uri_for(track)}"')
        lines.append("#EXT-X-MEDIA:" + ",".join(attributes))
    for track in choice.subtitles:
        default = "YES" if track is choice.default_subtitles else "NO"
        attributes = [
            "TYPE=SUBTITLES",
            f'GROUP-ID="sub-{group_suffix}"',
            f'NAME="{_quoted(track.name)}"',
            f'LANGUAGE="{track.language}"',
            f"DEFAULT={default}",
            "AUTOSELECT=YES",
            f"FORCED={'YES' if track.is_forced else 'NO'}",
        ]
        if track.is_accessibility:
            attributes.append(f'CHARACTERISTICS="{SDH}"')
        attributes.append(f'URI="{uri_for(track)}"')
        lines.append("#EXT-X-MEDIA:" + ",".join(attributes))
    return lines


def caption_lines(choice: TrackChoice) -> list[str]:
    """CEA-608 captions carried in the video, the same on every pathway."""
    return [
        f'#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="{_quoted(track.name)}",LANGUAGE="{track.language}",'
        f'DEFAULT=NO,AUTOSELECT=YES,INSTREAM-ID="CC{number}"'
        for number, track in enumerate(choice.closed_captions[:4], start=1)
    ]


def variant_attributes(choice: TrackChoice, *, group_suffix: str) -> str:
    """`,AUDIO=...,SUBTITLES=...,CLOSED-CAPTIONS=...` for a variant of that pathway ('' with no tracks)."""
    parts = []
    if choice.audio:
        parts.append(f'AUDIO="aud-{group_suffix}"')
    if choice.subtitles:
        parts.append(f'SUBTITLES="sub-{group_suffix}"')
    if choice.closed_captions:
        parts.append('CLOSED-CAPTIONS="cc"')
    elif not choice.empty:
        parts.append("CLOSED-CAPTIONS=NONE")
    return "".join("," + part for part in parts)


def track_answer(choice: TrackChoice) -> dict:
    """The tracks and defaults as the session start answers them."""

    def shape(track: MediaTrack) -> dict:
        return {
            "kind": track.kind,
            "language": track.language,
            "name": track.name,
            "channels": track.channels,
            "original": track.is_original,
            "forced": track.is_forced,
            "accessibility": track.is_accessibility,
        }

    return {
        "audio": [shape(t) for t in choice.audio],
        "subtitles": [shape(t) for t in choice.subtitles],
        "closed_captions": [shape(t) for t in choice.closed_captions],
        "default_audio": choice.default_audio.language if choice.default_audio else None,
        "default_subtitles": track_slug(choice.default_subtitles) if choice.default_subtitles else None,
    }


def session_tracks(session) -> TrackChoice:
    """The session's tracks with the defaults its viewer's preferences pick."""
    from identity.selectors import preferences_for

    preferences = preferences_for(user=session.user)
    return tracks_choose(
        tracks_of(title_id=session.title_id, episode_id=session.episode_id),
        audio_languages=preferences.audio_languages,
        subtitle_languages=preferences.subtitle_languages,
        subtitles_enabled=preferences.subtitles_enabled,
    )
