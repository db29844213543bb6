"""Development media: one generated test clip as H.264 + AAC HLS renditions, one per rung of the ladder,
and, when asked for (`manage.py media_prepare --hevc`), HEVC renditions of Premium's 2160p ladder.

The clip is made once with the ffmpeg binary the `imageio-ffmpeg` package ships (a test pattern with the rung
burnt in and a tone), cached outside the repository in `settings.STREAM_MEDIA_DIR`, and served for every title
by the development origin (`stream.origin`). Segments start on keyframes: a keyframe is forced at every
segment boundary and scene-cut keyframes are off, so every rendition switches cleanly at any boundary.

H.264 renditions are MPEG-TS; HEVC renditions are fragmented MP4 (an `init.mp4` and `.m4s` segments, tagged
`hvc1`, at the level their CODECS attribute declares), as Apple's HLS authoring specification requires for
HEVC. Encoding HEVC is slow (a 2160p minute takes minutes on two cores), so `make dev` makes only the H.264
set and the HEVC rungs are made on demand of the operator, each in its own folder under `hevc/`.
"""

import contextlib
import json
import shutil
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from stream.ladder import AUDIO_KBPS, HEVC_RUNGS_BY_KBPS, LADDER, Rung

SEGMENT_S = 4
FRAME_RATE = 30
TONE_HZ = 440
# A font for the burnt-in label; without one the pattern's own frame counter still shows the picture moving.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
)
PLAYLIST = "index.m3u8"
MANIFEST = "media.json"  # written last: its presence means the set is complete
HEVC_DIR = "hevc"
HEVC_INIT = "init.mp4"


@dataclass(frozen=True)
class MediaSpec:
    """What to generate: the clip's length and the rungs (by video kbps)."""

    duration_s: int
    rungs_kbps: tuple[int, ...]

    @property
    def key(self) -> str:
        """The cache folder of this spec: a different length or set of rungs never reuses another's files."""
        return f"clip-{self.duration_s}s-seg{SEGMENT_S}-" + "-".join(str(kbps) for kbps in self.rungs_kbps)


def default_spec() -> MediaSpec:
    rungs = tuple(settings.STREAM_MEDIA_RUNGS_KBPS) or tuple(rung.video_kbps for rung in LADDER)
    return MediaSpec(duration_s=settings.STREAM_MEDIA_CLIP_S, rungs_kbps=rungs)


def media_root(spec: MediaSpec | None = None) -> Path:
    return Path(settings.STREAM_MEDIA_DIR).expanduser() / (spec or default_spec()).key


def is_ready(spec: MediaSpec | None = None) -> bool:
    return (media_root(spec) / MANIFEST).is_file()


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _font() -> str | None:
    return next((path for path in FONT_CANDIDATES if Path(path).is_file()), None)


def _label_filter(rung: Rung) -> str:
    font = _font()
    if font is None:
        return ""
    size = max(12, rung.height // 12)
    text = f"{rung.width}x{rung.height} {rung.video_kbps}k"
    return (
        f",drawtext=fontfile={font}:text='{text}':fontcolor=white:fontsize={size}:box=1:boxcolor=black@0.6"
        f":x=(w-text_w)/2:y=h/8,drawtext=fontfile={font}:text='%{{pts\\:hms}}':fontcolor=white"
        f":fontsize={size}:box=1:boxcolor=black@0.6:x=(w-text_w)/2:y=h-h/4"
    )


def _pattern_input(rung: Rung, duration_s: int) -> list[str]:
    """The generated picture (the rung burnt in) and tone, `duration_s` long, mapped video then audio."""
    video = f"testsrc2=size={rung.width}x{rung.height}:rate={FRAME_RATE}" + _label_filter(rung)
    return [
        ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        video,
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency={TONE_HZ}:sample_rate=48000",
        "-t",
        str(duration_s),
        "-map",
        "0:v",
        "-map",
        "1:a",
    ]


def _video_common(rung: Rung) -> list[str]:
    """Rate control at the rung's bitrate, a keyframe on every segment boundary, segments independent."""
    return [
        "-pix_fmt",
        "yuv420p",
        "-b:v",
        f"{rung.video_kbps}k",
        "-maxrate",
        f"{round(rung.video_kbps * 1.1)}k",
        "-bufsize",
        f"{rung.video_kbps * 2}k",
        "-force_key_frames",
        f"expr:gte(t,n_forced*{SEGMENT_S})",
        "-hls_flags",
        "independent_segments",
    ]


def rendition_command(*, rung: Rung, duration_s: int, out_dir: Path) -> list[str]:
    """The ffmpeg command for one rung: MPEG-TS segments of SEGMENT_S seconds, each starting on a keyframe."""
    gop = SEGMENT_S * FRAME_RATE
    profile = {"42": "baseline", "4d": "main", "64": "high"}[rung.codecs[5:7]]
    return [
        *_pattern_input(rung, duration_s),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-profile:v",
        profile,
        "-g",
        str(gop),
        "-keyint_min",
        str(gop),
        "-sc_threshold",
        "0",
        *_video_common(rung),
        *aac_hls_output(out_dir),
    ]


def hevc_level(rung: Rung) -> str:
    """The HEVC level the rung's CODECS attribute declares (`hvc1.1.6.L120.B0` is level 4), as x265 spells it."""
    level = int(rung.codecs.split(",")[0].split(".")[3][1:])
    return f"{level / 30:.1f}"


def hevc_rendition_command(*, rung: Rung, duration_s: int, out_dir: Path) -> list[str]:
    """The ffmpeg command for one HEVC rung: Main profile at the declared level, `hvc1`, fMP4 segments."""
    gop = SEGMENT_S * FRAME_RATE
    x265 = f"keyint={gop}:min-keyint={gop}:scenecut=0:level-idc={hevc_level(rung)}:log-level=error"
    return [
        *_pattern_input(rung, duration_s),
        "-c:v",
        "libx265",
        "-preset",
        "ultrafast",
        "-profile:v",
        "main",
        "-tag:v",
        "hvc1",
        "-x265-params",
        x265,
        *_video_common(rung),
        *aac_hls_output(out_dir, segments="fmp4"),
    ]


def media_generate(*, spec: MediaSpec | None = None, force: bool = False, say=print) -> Path:
    """Generates the renditions of `spec` unless they are already cached; returns their folder.

    Built in a temporary folder beside the cache and moved into place whole, so an interrupted run never
    leaves a half set that looks complete.
    """
    from stream.ladder import RUNGS_BY_KBPS

    spec = spec or default_spec()
    root = media_root(spec)
    if is_ready(spec) and not force:
        return root
    unknown = [kbps for kbps in spec.rungs_kbps if kbps not in RUNGS_BY_KBPS]
    if unknown:
        raise ValueError(f"Not rungs of the ladder: {unknown}")
    root.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{spec.key}-", dir=root.parent))
    try:
        for kbps in spec.rungs_kbps:
            rung = RUNGS_BY_KBPS[kbps]
            out_dir = building / f"{kbps}k"
            out_dir.mkdir()
            say(f"  media: {rung.width}x{rung.height} {kbps}k ...")
            subprocess.run(rendition_command(rung=rung, duration_s=spec.duration_s, out_dir=out_dir), check=True)
        description = {
            "duration_s": spec.duration_s,
            "segment_s": SEGMENT_S,
            "rungs_kbps": list(spec.rungs_kbps),
            "container": "mpegts",
        }
        (building / MANIFEST).write_text(json.dumps(description, indent=2))
        if root.exists():
            shutil.rmtree(root)
        building.rename(root)
    finally:
        if building.exists():
            shutil.rmtree(building, ignore_errors=True)
    return root


def hevc_root(kbps: int, spec: MediaSpec | None = None) -> Path:
    return media_root(spec) / HEVC_DIR / f"{kbps}k"


def hevc_is_ready(kbps: int, spec: MediaSpec | None = None) -> bool:
    return (hevc_root(kbps, spec) / PLAYLIST).is_file()


def hevc_generate(*, rungs_kbps: tuple[int, ...] | None = None, spec: MediaSpec | None = None, say=print) -> Path:
    """Generates the HEVC renditions of `rungs_kbps` (default: the whole HEVC ladder) not yet made, beside
    the H.264 set of `spec`; each rung is built in a temporary folder and moved into place whole."""
    spec = spec or default_spec()
    rungs_kbps = rungs_kbps or tuple(HEVC_RUNGS_BY_KBPS)
    unknown = [kbps for kbps in rungs_kbps if kbps not in HEVC_RUNGS_BY_KBPS]
    if unknown:
        raise ValueError(f"Not rungs of the HEVC ladder: {unknown}")
    parent = media_root(spec) / HEVC_DIR
    parent.mkdir(parents=True, exist_ok=True)
    for kbps in rungs_kbps:
        if hevc_is_ready(kbps, spec):
            continue
        rung = HEVC_RUNGS_BY_KBPS[kbps]
        say(f"  media: HEVC {rung.width}x{rung.height} {kbps}k ...")
        building = Path(tempfile.mkdtemp(prefix=f".{kbps}k-", dir=parent))
        try:
            command = hevc_rendition_command(rung=rung, duration_s=spec.duration_s, out_dir=building)
            subprocess.run(command, check=True)
            final = hevc_root(kbps, spec)
            if final.exists():
                shutil.rmtree(final)
            building.rename(final)
        finally:
            if building.exists():
                shutil.rmtree(building, ignore_errors=True)
    return parent


# --- Alternate audio and subtitles -----------------------------------------------------------------------------
# Made on first request, per track folder (`en`, `es`, `en-ad`...): an audio rendition is a few seconds of
# encoding, and a subtitle track is text. Each language gets a tone of its own, so a switch is audible.
AUDIO_DIR = "audio"


def aac_hls_output(out_dir: Path, *, segments: str = "mpegts") -> list[str]:
    """The output part every rendition shares: AAC-LC stereo, VOD HLS in segments of SEGMENT_S (MPEG-TS, or
    fragmented MP4 with an init segment)."""
    container = (
        ["-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", HEVC_INIT]
        if segments == "fmp4"
        else ["-hls_segment_type", "mpegts"]
    )
    extension = "m4s" if segments == "fmp4" else "ts"
    return [
        "-c:a",
        "aac",
        "-b:a",
        f"{AUDIO_KBPS}k",
        "-ac",
        "2",
        "-f",
        "hls",
        "-hls_time",
        str(SEGMENT_S),
        "-hls_playlist_type",
        "vod",
        *container,
        "-hls_segment_filename",
        str(out_dir / f"seg_%05d.{extension}"),
        str(out_dir / PLAYLIST),
    ]


def tone_hz(slug: str) -> int:
    return 300 + (zlib.crc32(slug.encode()) % 48) * 12


def audio_command(*, slug: str, duration_s: int, out_dir: Path) -> list[str]:
    """Audio only, AAC-LC stereo in MPEG-TS segments on the video's boundaries."""
    return [
        ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency={tone_hz(slug)}:sample_rate=48000",
        "-t",
        str(duration_s),
        *aac_hls_output(out_dir),
    ]


def audio_rendition(slug: str, spec: MediaSpec | None = None) -> Path:
    """The folder of the audio rendition for track `slug`, generated the first time it is asked for."""
    spec = spec or default_spec()
    final = media_root(spec) / AUDIO_DIR / slug
    if (final / PLAYLIST).is_file():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{slug}-", dir=final.parent))
    try:
        subprocess.run(audio_command(slug=slug, duration_s=spec.duration_s, out_dir=building), check=True)
        with contextlib.suppress(OSError):  # another request made it first
            building.rename(final)
    finally:
        if building.exists():
            shutil.rmtree(building, ignore_errors=True)
    return final


def subtitle_playlist(spec: MediaSpec | None = None) -> str:
    """One WebVTT segment per media segment, so a player fetches only what it is about to show."""
    spec = spec or default_spec()
    count = -(-spec.duration_s // SEGMENT_S)
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{SEGMENT_S}", "#EXT-X-PLAYLIST-TYPE:VOD"]
    for number in range(count):
        lines += [f"#EXTINF:{min(SEGMENT_S, spec.duration_s - number * SEGMENT_S)}.000,", f"seg_{number:05d}.vtt"]
    return "\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n"


# Where MPEG-TS timestamps start (ffmpeg's default 1.4 s offset), so the cues line up with the picture.
MPEGTS_START = 126000


def _vtt_time(seconds: float) -> str:
    return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}:{seconds % 60:06.3f}"


def subtitle_segment(slug: str, number: int, spec: MediaSpec | None = None) -> str | None:
    """A WebVTT segment: one cue naming the track and the time, or None past the end."""
    spec = spec or default_spec()
    start = number * SEGMENT_S
    if number < 0 or start >= spec.duration_s:
        return None
    end = min(start + SEGMENT_S, spec.duration_s)
    cue = f"[{slug}] subtitle at {_vtt_time(start)[3:8]}"
    return (
        f"WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:{MPEGTS_START},LOCAL:00:00:00.000\n\n"
        f"{_vtt_time(start)} --> {_vtt_time(end - 0.1)}\n{cue}\n"
    )
