"""Demo data for the stream service: CDNs in several regions and a history of finished views.

Every view is played through the same services a real player drives (`session_update`, then
`session_end`), so watch history and the analytics quality summaries are recorded as in production.
"""

import contextlib
import math
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction

from stream.ladder import ladder_for, max_height_for
from stream.models import Cdn, EndReason, PlaybackSession
from stream.services import ViewingNotAllowed, cdn_upsert, session_end, session_update

DEMO_DEVICE_PREFIX = "demo-"
CDNS = [
    # name, base URL, regions, capacity, weight
    ("edge-na", "https://na.edge.example.net", ["US", "CA", "MX"], 5000, 300),
    ("edge-eu", "https://eu.edge.example.net", ["DE", "FR", "GB", "ES", "IT", "NL", "SE", "PL"], 4000, 300),
    ("edge-apac", "https://apac.edge.example.net", ["JP", "KR", "AU", "IN", "SG"], 3000, 200),
    ("edge-latam", "https://latam.edge.example.net", ["BR", "AR", "CL", "CO"], 1500, 150),
    ("global-backup", "https://global.backup.example.net", [], 2000, 50),
]
# On the development origin (stream.origin): two CDNs, so content steering has somewhere to move a player to.
LOCAL_CDNS = [("local", 200), ("local-backup", 100)]
DEVICES = {"tv": 0.4, "web": 0.25, "mobile": 0.25, "tablet": 0.1}
DEVICE_THROUGHPUT_KBPS = {"tv": 25000, "web": 18000, "mobile": 6000, "tablet": 9000, "console": 25000}
# Local evening peak (UTC hours are close enough for a demo).
HOUR_WEIGHT = [3, 2, 1, 1, 1, 1, 1, 2, 3, 3, 3, 4, 5, 5, 4, 4, 5, 6, 8, 11, 14, 15, 12, 7]
ERROR_CODES = ["MEDIA_ERR_DECODE", "FRAG_LOAD_TIMEOUT", "MANIFEST_LOAD_ERROR", "DRM_LICENSE_FAILED"]
UPDATE_EVERY_S = 240  # coarser than a real player's 10 s, finer than the idle timeout


def _cdn_for(rng, region: str, cdns: list[Cdn]) -> Cdn:
    serving = [cdn for cdn in cdns if region in cdn.regions] or [cdn for cdn in cdns if not cdn.regions]
    return rng.choices(serving, weights=[cdn.weight for cdn in serving])[0]


def _started_at(rng, end: datetime, days: int) -> datetime:
    day = end - timedelta(days=rng.randrange(days) + 1)
    hour = rng.choices(range(24), weights=HOUR_WEIGHT)[0]
    return day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))


class ViewPlayer:
    """Plays one historical view through the services, update by update."""

    def __init__(self, rng, session: PlaybackSession, *, top_kbps: int, throughput_kbps: int):
        self.rng, self.session = rng, session
        self.top_kbps, self.throughput_kbps = top_kbps, throughput_kbps
        self.sequence = 0
        self.at = session.started_at
        self.position = session.position_s

    def send(self, seconds: float, **metrics) -> None:
        self.at += timedelta(seconds=seconds)
        self.sequence += 1
        session_update(session_id=self.session.pk, metrics={"sequence": self.sequence, **metrics}, at=self.at)

    def play(self, *, watch_s: float, fail: bool, exit_early: bool, rebuffer_rate: float) -> None:
        # A kid's parental controls (viewing hours, the daily limit) end the view, as they would live.
        with contextlib.suppress(ViewingNotAllowed):
            self._play(watch_s=watch_s, fail=fail, exit_early=exit_early, rebuffer_rate=rebuffer_rate)

    def _play(self, *, watch_s: float, fail: bool, exit_early: bool, rebuffer_rate: float) -> None:
        rng = self.rng
        startup_s = min(30.0, rng.lognormvariate(math.log(1.3), 0.55))
        if exit_early:
            self.send(0.5, state="starting", buffer_ms=0)
            session_end(session_id=self.session.pk, reason=EndReason.CLIENT, at=self.at + timedelta(seconds=startup_s))
            return
        bitrate = self.session.ladder_kbps[0]
        self.send(
            startup_s,
            state="playing",
            bitrate_kbps=bitrate,
            throughput_kbps=self.throughput_kbps,
            buffer_ms=rng.randint(4000, 12000),
            position_s=self.position,
        )
        played, dropped = 0.0, 0
        while played < watch_s:
            step = min(UPDATE_EVERY_S, watch_s - played)
            played += step
            self.position = min(self.position + step, self.session.duration_s)
            better = min((kbps for kbps in self.session.ladder_kbps if kbps > bitrate), default=bitrate)
            if bitrate < self.top_kbps and rng.random() < 0.5:
                bitrate = better
            elif rng.random() < 0.03:
                bitrate = min(self.session.ladder_kbps)
            dropped += rng.randint(0, 8)
            self.send(step, bitrate_kbps=bitrate, position_s=self.position, dropped_frames=dropped)
            if rng.random() < rebuffer_rate * step / 60:
                stall = rng.uniform(0.5, 6.0)
                self.send(0.1, state="rebuffering", buffer_ms=0)
                self.send(stall, state="playing", buffer_ms=rng.randint(2000, 8000))
        if fail:
            self.send(1.0, fatal_error=True, error_code=rng.choice(ERROR_CODES))
        else:
            session_end(session_id=self.session.pk, reason=EndReason.CLIENT, at=self.at + timedelta(seconds=2))


def demo_seed(context) -> int:
    """Adds the CDNs and about `events / 40` finished views; a second run adds nothing."""
    from catalog.models import Episode
    from catalog.selectors import titles_visible_to
    from identity.selectors import profile_of, user_list

    rng = context.rng
    cdns = [
        cdn_upsert(name=name, base_url=url, regions=regions, capacity=capacity, weight=weight)
        for name, url, regions, capacity, weight in CDNS
    ]
    local_cdns_seed(context)
    tracks_seed(context)
    if PlaybackSession.objects.filter(device_id__startswith=DEMO_DEVICE_PREFIX).exists():
        context.say("  stream: demo sessions already present; nothing to add.")
        return 0
    users = [user for user in user_list().filter(is_staff=False, is_active=True)]
    episodes: dict[int, list[Episode]] = {}
    for episode in Episode.objects.select_related("season").order_by("season__number", "number"):
        episodes.setdefault(episode.season.show_id, []).append(episode)
    visible = {user.pk: list(titles_visible_to(user).order_by("-popularity", "id")[:150]) for user in users}
    users = [user for user in users if visible[user.pk]]
    if not users:
        context.say("  stream: no viewers or titles yet; nothing to add.")
        return 0
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    bad_cdn, bad_day = "edge-eu", (end - timedelta(days=min(12, context.days // 2 + 1))).date()
    views = max(20, context.events // 40)
    user_weights = [1 / (rank + 3) for rank in range(len(users))]
    with transaction.atomic():
        for number in range(views):
            user = rng.choices(users, weights=user_weights)[0]
            titles = visible[user.pk]
            title = titles[min(int(rng.paretovariate(1.2)) - 1, len(titles) - 1)]
            episode = rng.choice(episodes[title.pk]) if episodes.get(title.pk) else None
            if title.kind == "show" and episode is None:
                continue
            device_type = rng.choices(list(DEVICES), weights=list(DEVICES.values()))[0]
            started_at = _started_at(rng, end, context.days)
            cdn = _cdn_for(rng, user.country, cdns)
            max_height = max_height_for(plan_max_height=user.max_height, device_type=device_type)
            ladder = [rung.video_kbps for rung in ladder_for(max_height)]
            duration = float((episode.runtime_s if episode else title.runtime_s) or 5400)
            session = PlaybackSession.objects.create(
                user=user,
                profile=profile_of(user),
                title=title,
                episode=episode,
                cdn=cdn,
                region=user.country,
                device_type=device_type,
                device_id=f"{DEMO_DEVICE_PREFIX}{user.pk}-{device_type}",
                max_height=max_height,
                ladder_kbps=ladder,
                initial_bitrate_kbps=ladder[0],
                started_at=started_at,
                last_seen_at=started_at,
                duration_s=duration,
                position_s=rng.choice([0.0, 0.0, 0.0, round(duration * rng.uniform(0.05, 0.6))]),
            )
            bad = cdn.name == bad_cdn and started_at.date() == bad_day
            throughput = round(DEVICE_THROUGHPUT_KBPS[device_type] * rng.lognormvariate(0, 0.5))
            player = ViewPlayer(rng, session, top_kbps=max(ladder), throughput_kbps=throughput)
            remaining = duration - session.position_s
            watch_s = remaining if rng.random() < 0.35 else remaining * rng.uniform(0.05, 0.9)
            # Every view ends before now (history refuses times in the future).
            watch_s = min(max(60.0, min(watch_s, 3 * 3600)), (end - started_at).total_seconds() - 600)
            player.play(
                watch_s=watch_s,
                fail=rng.random() < (0.15 if bad else 0.01),
                exit_early=rng.random() < 0.03,
                rebuffer_rate=(0.4 if bad else 0.03) * (2.5 if device_type == "mobile" else 1.0),
            )
            if number and number % 100 == 0:
                context.say(f"  stream: {number} views played...")
    context.say(f"Stream: {len(cdns)} CDNs, {views} finished demo views.")
    return views


def local_cdns_seed(context) -> list[Cdn]:
    """With the development origin on, the CDNs a browser can really play from; the example ones are disabled.

    The example CDNs keep their history (the analytics and the topology show it) but point at hosts that do
    not exist, so new sessions go to the development origin.
    """
    if not settings.STREAM_DEV_ORIGIN:
        return []
    base = settings.STREAM_DEV_ORIGIN_URL.rstrip("/")
    local = [
        cdn_upsert(name=name, base_url=f"{base}/{name}", regions=[], capacity=100, weight=weight)
        for name, weight in LOCAL_CDNS
    ]
    Cdn.objects.filter(name__in=[cdn[0] for cdn in CDNS]).update(enabled=False)
    context.say(
        f"  stream: development origin at {base}/ (CDNs {', '.join(cdn.name for cdn in local)}); "
        f"the example CDNs are disabled. Watch at /watch/."
    )
    return local


def _language_name(tag: str) -> str:
    import langcodes

    name = langcodes.Language.get(tag).autonym()
    return name[:1].upper() + name[1:]


def tracks_seed(context) -> int:
    """Every title without tracks gets its original audio, English and Spanish audio and subtitles, forced
    English subtitles for a foreign original, English SDH and English captions."""
    from catalog.models import Title
    from stream.models import MediaTrack, TrackKind

    titles = Title.objects.exclude(pk__in=MediaTrack.objects.values("title_id")).only("pk", "original_language")
    tracks = []
    for title in titles:
        original = title.original_language or "en"
        audio = [original, *(tag for tag in ("en", "es") if tag != original)]
        tracks += [
            MediaTrack(
                title=title,
                kind=TrackKind.AUDIO,
                language=tag,
                name=_language_name(tag),
                channels=6 if tag == original else 2,
                is_original=tag == original,
                is_default=tag == original,
            )
            for tag in audio
        ]
        subtitles = [*dict.fromkeys(["en", "es", original])]
        tracks += [
            MediaTrack(
                title=title,
                kind=TrackKind.SUBTITLES,
                language=tag,
                name=_language_name(tag),
                is_original=tag == original,
            )
            for tag in subtitles
        ]
        tracks.append(
            MediaTrack(
                title=title, kind=TrackKind.SUBTITLES, language="en", name="English (SDH)", is_accessibility=True
            )
        )
        if original != "en":
            tracks.append(
                MediaTrack(
                    title=title, kind=TrackKind.SUBTITLES, language="en", name="English (forced)", is_forced=True
                )
            )
        tracks.append(MediaTrack(title=title, kind=TrackKind.CLOSED_CAPTIONS, language="en", name="English CC"))
    MediaTrack.objects.bulk_create(tracks, batch_size=1000)
    if tracks:
        context.say(f"  stream: {len(tracks)} audio, subtitle and caption tracks.")
    return len(tracks)
