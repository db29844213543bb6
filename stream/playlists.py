"""HLS multivariant playlists and content steering manifests for a playback session."""

from stream.ladder import HEVC_RUNGS_BY_KBPS, RUNGS_BY_KBPS, Rung
from stream.models import Cdn, PlaybackSession
from stream.tracks import TrackChoice, caption_lines, media_lines, track_slug, variant_attributes

MIME_TYPE = "application/vnd.apple.mpegurl"
HLS_VERSION = 7  # PATHWAY-ID and EXT-X-CONTENT-STEERING need a recent protocol version


def media_path(session: PlaybackSession) -> str:
    if session.episode_id:
        return f"titles/{session.title_id}/episodes/{session.episode_id}"
    return f"titles/{session.title_id}"


def variant_uri(cdn: Cdn, session: PlaybackSession, rung: Rung, query: str = "") -> str:
    folder = f"hevc/{rung.video_kbps}k" if rung.codecs.startswith("hvc1") else f"{rung.video_kbps}k"
    uri = f"{cdn.base_url.rstrip('/')}/{media_path(session)}/{folder}/index.m3u8"
    return f"{uri}?{query}" if query else uri


def track_uri(cdn: Cdn, session: PlaybackSession, track, query: str = "") -> str:
    folder = "audio" if track.kind == "audio" else "subtitles"
    uri = f"{cdn.base_url.rstrip('/')}/{media_path(session)}/{folder}/{track_slug(track)}/index.m3u8"
    return f"{uri}?{query}" if query else uri


def render_multivariant(
    *,
    session: PlaybackSession,
    pathways: list[Cdn],
    steering_uri: str,
    variant_query: dict[str, str] | None = None,
    tracks: TrackChoice | None = None,
) -> str:
    """One variant per allowed rung and pathway (CDN); the session's default rung first on its own CDN.

    `variant_query` is the query string to put on each CDN's variant URIs (its delivery token), by CDN name.
    `tracks`: the audio and subtitle renditions, one group per pathway (so steering moves them too), and the
    captions carried in the video.
    """
    rungs = [RUNGS_BY_KBPS[kbps] for kbps in session.ladder_kbps]
    rungs += [HEVC_RUNGS_BY_KBPS[kbps] for kbps in session.hevc_ladder_kbps or []]
    lines = [
        "#EXTM3U",
        f"#EXT-X-VERSION:{HLS_VERSION}",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        f'#EXT-X-CONTENT-STEERING:SERVER-URI="{steering_uri}",PATHWAY-ID="{pathways[0].name}"',
    ]
    with_tracks = tracks is not None and not tracks.empty
    if with_tracks:
        lines += caption_lines(tracks)
        for cdn in pathways:
            query = (variant_query or {}).get(cdn.name, "")
            lines += media_lines(
                tracks,
                group_suffix=cdn.name,
                uri_for=lambda track, cdn=cdn, query=query: track_uri(cdn, session, track, query),
            )
    for cdn in pathways:
        groups = ""
        if with_tracks:
            groups = variant_attributes(tracks, group_suffix=cdn.name)
        for rung in rungs:
            lines.append(
                f"#EXT-X-STREAM-INF:BANDWIDTH={rung.peak_bandwidth},AVERAGE-BANDWIDTH={rung.average_bandwidth},"
                f'CODECS="{rung.codecs}",RESOLUTION={rung.width}x{rung.height},FRAME-RATE={rung.frame_rate:.3f},'
                f'PATHWAY-ID="{cdn.name}"{groups}'
            )
            lines.append(variant_uri(cdn, session, rung, (variant_query or {}).get(cdn.name, "")))
    return "\n".join(lines) + "\n"


def steering_manifest(*, pathway_priority: list[str], reload_uri: str, ttl_s: int) -> dict:
    return {"VERSION": 1, "TTL": ttl_s, "RELOAD-URI": reload_uri, "PATHWAY-PRIORITY": pathway_priority}
