"""The development origin: serves the generated HLS media (`stream.media`) as a CDN would, token checked.

Mounted at /dev-origin/<cdn>/ when settings.STREAM_DEV_ORIGIN is on (by default in DEBUG): a route of the
development server rather than a process of its own, so `make dev` stays one process on one port, and the
origin can ask the stream service whether a token's session is still active (a real edge cannot; its token
expiry does that job). Each CDN gets its own path, so steering between CDNs is visible in the requests.
One clip serves every title and episode, at the URL layout the multivariant playlists use:
`<base_url>/titles/<id>[/episodes/<ep>]/<kbps>k/index.m3u8` and the segments beside it, the HEVC renditions
at `.../hevc/<kbps>k/index.m3u8` (fMP4: `init.mp4` and `.m4s` segments) once `media_prepare --hevc` made them,
and the alternate renditions `.../audio/<track>/index.m3u8` (a tone per language) and
`.../subtitles/<track>/index.m3u8` (WebVTT cues naming the track).
"""

import re
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.views.decorators.http import require_http_methods

from stream import delivery, media, selectors
from stream.ladder import HEVC_RUNGS_BY_KBPS
from stream.models import Cdn

MEDIA_PATH = re.compile(
    r"^titles/(?P<title>\d{1,12})(?:/episodes/(?P<episode>\d{1,12}))?/"
    r"(?:(?P<kbps>\d{1,6})k/(?P<file>index\.m3u8|seg_\d{5}\.ts)"
    r"|hevc/(?P<hevc_kbps>\d{1,6})k/(?P<hevc_file>index\.m3u8|init\.mp4|seg_\d{5}\.m4s)"
    r"|audio/(?P<audio>[A-Za-z0-9-]{2,40})/(?P<audio_file>index\.m3u8|seg_\d{5}\.ts)"
    r"|subtitles/(?P<subtitles>[A-Za-z0-9-]{2,40})/(?P<subtitle_file>index\.m3u8|seg_(?P<cue>\d{5})\.vtt))$"
)
MIME_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".mp4": "video/mp4",
    ".m4s": "video/iso.segment",
    ".vtt": "text/vtt",
}
MAP_URI = re.compile(r'(#EXT-X-MAP:.*URI=")([^"]+)(")')
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Max-Age": "86400",
}


def _answer(response: HttpResponse) -> HttpResponse:
    for name, value in CORS_HEADERS.items():
        response[name] = value
    return response


def _refuse(status: int, reason: str) -> HttpResponse:
    return _answer(HttpResponse(reason + "\n", status=status, content_type="text/plain; charset=utf-8"))


def _with_token(playlist: str, *, name: str, token: str) -> str:
    """The variant playlist with the token carried on to every segment URI (as a CDN's token propagation does)."""
    query = f"{name}={quote(token, safe='=~/*')}"

    def tokenized(uri: str) -> str:
        return f"{uri}{'&' if '?' in uri else '?'}{query}"

    lines = []
    for line in playlist.splitlines():
        if line and not line.startswith("#"):
            line = tokenized(line)
        elif line.startswith("#EXT-X-MAP:"):  # an fMP4 rendition's init segment
            line = MAP_URI.sub(lambda match: match[1] + tokenized(match[2]) + match[3], line)
        lines.append(line)
    return "\n".join(lines) + "\n"


def _subtitles(match, *, name: str, token: str) -> HttpResponse:
    if match["subtitle_file"] == "index.m3u8":
        body = _with_token(media.subtitle_playlist(), name=name, token=token)
        response = HttpResponse(body, content_type=MIME_TYPES[".m3u8"])
        response["Cache-Control"] = "no-store"
        return _answer(response)
    cues = media.subtitle_segment(match["subtitles"], int(match["cue"]))
    if cues is None:
        return _refuse(404, "No such subtitle segment.")
    return _answer(HttpResponse(cues, content_type=MIME_TYPES[".vtt"]))


@require_http_methods(["GET", "HEAD", "OPTIONS"])
def serve(request, cdn_name: str, path: str):
    if not settings.STREAM_DEV_ORIGIN:
        raise Http404("The development origin is off.")
    if request.method == "OPTIONS":
        return _answer(HttpResponse(status=204))
    cdn = Cdn.objects.filter(name=cdn_name).first()
    match = MEDIA_PATH.match(path)
    if cdn is None or match is None:
        return _refuse(404, "No such media.")
    token = request.GET.get(cdn.token_name) or request.COOKIES.get(cdn.token_name)
    session_id, reason = delivery.token_verify(cdn=cdn, value=token, path=request.path)
    if reason:
        return _refuse(403, reason)
    session = selectors.session_list(include_ended=True).filter(pk=session_id).first()
    if session is None or not session.is_active:
        return _refuse(410, "This playback session has ended.")
    if not media.is_ready():
        return _refuse(503, "The development media is not generated yet: run `manage.py media_prepare`.")
    if match["subtitles"]:
        return _subtitles(match, name=cdn.token_name, token=token)
    if match["audio"]:
        file = media.audio_rendition(match["audio"]) / match["audio_file"]
    elif match["hevc_kbps"]:
        kbps = int(match["hevc_kbps"])
        if kbps in HEVC_RUNGS_BY_KBPS and not media.hevc_is_ready(kbps):
            return _refuse(404, f"The HEVC {kbps}k rendition is not generated: run `manage.py media_prepare --hevc`.")
        file = media.hevc_root(kbps) / match["hevc_file"]
    else:
        file = media.media_root() / f"{match['kbps']}k" / match["file"]
    if not file.is_file():
        return _refuse(404, "No such rendition.")
    content_type = MIME_TYPES[file.suffix]
    if file.suffix == ".m3u8":
        body = _with_token(file.read_text(), name=cdn.token_name, token=token)
        response = HttpResponse(body, content_type=content_type)
        response["Cache-Control"] = "no-store"
        return _answer(response)
    response = FileResponse(file.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return _answer(response)
