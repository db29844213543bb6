"""The bitrate ladder (Apple HLS authoring spec, H.264 16:9) and the caps plans and devices put on it."""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Rung:
    width: int
    height: int
    video_kbps: int
    codecs: str
    frame_rate: float = 30.0

    @property
    def average_bandwidth(self) -> int:
        """Bits per second of video plus audio, as AVERAGE-BANDWIDTH wants it."""
        return (self.video_kbps + AUDIO_KBPS) * 1000

    @property
    def peak_bandwidth(self) -> int:
        """BANDWIDTH is the peak segment bitrate; encoders keep VBR peaks within about 110% of the average."""
        return (round(self.video_kbps * PEAK_TO_AVERAGE) + AUDIO_KBPS) * 1000


AUDIO_KBPS = 128
PEAK_TO_AVERAGE = 1.1
DEFAULT_RUNG_KBPS = 2000
AUDIO_CODEC = "mp4a.40.2"

LADDER: tuple[Rung, ...] = (
    Rung(416, 234, 145, f"avc1.42e00d,{AUDIO_CODEC}"),  # Baseline 1.3: 416x234 at 30 fps exceeds level 1.0
    Rung(640, 360, 365, f"avc1.42e01e,{AUDIO_CODEC}"),
    Rung(768, 432, 730, f"avc1.4d401e,{AUDIO_CODEC}"),
    Rung(768, 432, 1100, f"avc1.4d401e,{AUDIO_CODEC}"),
    Rung(960, 540, 2000, f"avc1.4d401f,{AUDIO_CODEC}"),
    Rung(1280, 720, 3000, f"avc1.4d401f,{AUDIO_CODEC}"),
    Rung(1280, 720, 4500, f"avc1.640028,{AUDIO_CODEC}"),
    Rung(1920, 1080, 6000, f"avc1.640028,{AUDIO_CODEC}"),
    Rung(1920, 1080, 7800, f"avc1.640028,{AUDIO_CODEC}"),
)
RUNGS_BY_KBPS = {rung.video_kbps: rung for rung in LADDER}

# HEVC (H.265 Main, 8-bit SDR, 16:9), Apple's authoring specification's HEVC ladder: offered, beside the H.264
# one, only where the plan allows 2160p and the device declares HEVC support.
HEVC_MIN_PLAN_HEIGHT = 2160
HEVC_LADDER: tuple[Rung, ...] = (
    Rung(640, 360, 145, f"hvc1.1.6.L63.B0,{AUDIO_CODEC}"),
    Rung(768, 432, 300, f"hvc1.1.6.L90.B0,{AUDIO_CODEC}"),
    Rung(960, 540, 600, f"hvc1.1.6.L90.B0,{AUDIO_CODEC}"),
    Rung(960, 540, 900, f"hvc1.1.6.L90.B0,{AUDIO_CODEC}"),
    Rung(960, 540, 1600, f"hvc1.1.6.L90.B0,{AUDIO_CODEC}"),
    Rung(1280, 720, 2400, f"hvc1.1.6.L93.B0,{AUDIO_CODEC}"),
    Rung(1280, 720, 3400, f"hvc1.1.6.L93.B0,{AUDIO_CODEC}"),
    Rung(1920, 1080, 4500, f"hvc1.1.6.L120.B0,{AUDIO_CODEC}"),
    Rung(1920, 1080, 5800, f"hvc1.1.6.L120.B0,{AUDIO_CODEC}"),
    Rung(2560, 1440, 8100, f"hvc1.1.6.L150.B0,{AUDIO_CODEC}"),
    Rung(3840, 2160, 11600, f"hvc1.1.6.L150.B0,{AUDIO_CODEC}"),
    Rung(3840, 2160, 16800, f"hvc1.1.6.L150.B0,{AUDIO_CODEC}"),
)
HEVC_RUNGS_BY_KBPS = {rung.video_kbps: rung for rung in HEVC_LADDER}

# The highest frame height worth sending to a device type when it does not tell us its screen size.
DEVICE_MAX_HEIGHT = {"mobile": 720, "tablet": 1080, "web": 1080, "tv": 2160, "console": 2160}


def max_height_for(*, plan_max_height: int, device_type: str, screen_height: int | None = None) -> int:
    """The lowest of the plan's ceiling, the device type's and the screen's own resolution."""
    ceilings = [plan_max_height, DEVICE_MAX_HEIGHT.get(device_type, 1080)]
    if screen_height:
        ceilings.append(screen_height)
    # Never below the smallest rung: a tiny screen still gets something to play.
    return max(min(ceilings), LADDER[0].height)


def ladder_for(max_height: int) -> list[Rung]:
    """Rungs no taller than `max_height`, the default rung (2000 kbps, or the best below it) first."""
    allowed = [rung for rung in LADDER if rung.height <= max_height]
    default = max((rung for rung in allowed if rung.video_kbps <= DEFAULT_RUNG_KBPS), key=lambda r: r.video_kbps)
    return [default, *(rung for rung in allowed if rung is not default)]


def hevc_ladder_for(*, max_height: int, plan_max_height: int, device_hevc: bool) -> list[Rung]:
    """HEVC rungs no taller than `max_height`, for a 2160p plan on a device that decodes HEVC; else none."""
    if not device_hevc or plan_max_height < HEVC_MIN_PLAN_HEIGHT:
        return []
    return [rung for rung in HEVC_LADDER if rung.height <= max_height]


def rung_kbps_of_reported(kbps: int, *, ladder_kbps: Sequence[int], hevc_ladder_kbps: Sequence[int] = ()) -> int:
    """The rung (its video kbps, as sessions record rungs) a player's reported bitrate names.

    Players report a rendition's bitrate as the playlist declares it: hls.js's CMCD `br`/`pb` is the variant's
    BANDWIDTH (the peak, video plus audio), others send AVERAGE-BANDWIDTH. A bitrate naming no rung is kept.
    """
    rungs = [RUNGS_BY_KBPS[k] for k in ladder_kbps if k in RUNGS_BY_KBPS]
    rungs += [HEVC_RUNGS_BY_KBPS[k] for k in hevc_ladder_kbps if k in HEVC_RUNGS_BY_KBPS]
    if any(rung.video_kbps == kbps for rung in rungs):
        return kbps
    for rung in rungs:
        if kbps in (rung.peak_bandwidth // 1000, rung.average_bandwidth // 1000):
            return rung.video_kbps
    return kbps
