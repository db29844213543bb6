"""Demo data for analytics: 90 days of views and events with a weekly rhythm, evening peaks, regional
differences and one bad day for one CDN."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analytics.models import Event, EventSource, ViewSummary
from analytics.reports.figures import COMPLETION_THRESHOLD, view_reach
from analytics.rollups import rollups_rebuild

DEMO_PREFIX = "demo-"
# Monday .. Sunday: more viewing at the weekend.
WEEKDAY_WEIGHT = [0.85, 0.8, 0.85, 0.9, 1.1, 1.35, 1.25]
# Local hour of day 0..23: quiet nights, a lunch bump, the evening peak around 21:00.
HOUR_WEIGHT = [3, 2, 1, 1, 1, 1, 1, 2, 3, 3, 3, 4, 5, 5, 4, 4, 5, 6, 8, 11, 14, 15, 12, 7]
DEVICES = {"tv": 0.4, "web": 0.25, "mobile": 0.25, "tablet": 0.1}
DEVICE_STARTUP = {"tv": 1.0, "web": 0.9, "mobile": 1.3, "tablet": 1.1}
DEVICE_BITRATES = {
    "tv": [4500, 6000, 7800],
    "web": [3000, 4500, 6000],
    "mobile": [730, 1100, 2000],
    "tablet": [2000, 3000],
}
CDNS = {"cdn-a": 0.5, "cdn-b": 0.35, "cdn-c": 0.15}
BAD_CDN = "cdn-b"
# Network quality by region (startup multiplier, rebuffer multiplier); others use DEFAULT_REGION_QUALITY.
REGION_QUALITY = {"US": (1.0, 1.0), "DE": (0.9, 0.8), "GB": (0.95, 0.9), "FR": (1.0, 1.0), "JP": (0.8, 0.6),
                  "BR": (1.6, 2.0), "IN": (1.9, 2.5), "CA": (1.0, 1.0)}  # fmt: skip
DEFAULT_REGION_QUALITY = (1.2, 1.3)
SEARCHES = ["space", "comedy", "documentary", "love", "war", "detective", "anime", "family", "thriller", "music"]
PAGES = ["home", "browse", "title", "search", "my-list", "account"]


def _pick(rng, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _zone(name: str):
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


class DemoSeeder:
    def __init__(self, context):
        from catalog.models import Episode, Title
        from identity.models import User

        self.context = context
        self.rng = context.rng
        self.users = list(User.objects.filter(is_staff=False, is_active=True).order_by("id"))
        self.titles = list(Title.objects.order_by("id").values_list("id", "kind", "runtime_s"))
        self.episodes: dict[int, list[tuple[int, int | None]]] = {}
        for episode_id, show_id, runtime in Episode.objects.values_list("id", "season__show_id", "runtime_s"):
            self.episodes.setdefault(show_id, []).append((episode_id, runtime))
        self.end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.start = self.end - timedelta(days=context.days)
        self.cdns, self.bad_cdn = CDNS, BAD_CDN
        self.bad_day = self.end - timedelta(days=min(12, context.days // 2 + 1))
        # A few heavy viewers, many light ones; popular titles get most views.
        self.user_weights = [1 / (rank + 3) for rank in range(len(self.users))]
        self.title_weights = [1 / (rank + 5) ** 0.9 for rank in range(len(self.titles))]

    def run(self) -> None:
        if not self.users or not self.titles:
            self.context.say("  analytics: no users or titles yet; nothing to add.")
            return
        if Event.objects.filter(client_id__startswith=DEMO_PREFIX).exists():
            self.context.say("  analytics: demo events already present; nothing to add.")
            return
        # Views the stream service's seed recorded are kept (events are added around them); generated
        # views only make up the difference, so the charts have enough data either way.
        existing = list(ViewSummary.objects.filter(started_at__gte=self.start).order_by("started_at", "id"))
        recorded_cdns = sorted({view.cdn for view in existing})
        if len(recorded_cdns) >= 2:
            # Generated views use the CDNs the stream service really has; the second one has the bad day.
            self.cdns = {name: 1.0 for name in recorded_cdns}
            self.bad_cdn = recorded_cdns[1]
        views = existing + self.views_create(max(0, max(1, self.context.events // 8) - len(existing)))
        events = self.view_events(views)
        events += self.other_events(max(0, self.context.events - len(events)))
        Event.objects.bulk_create(events, batch_size=2000, ignore_conflicts=True)
        counts = rollups_rebuild()
        self.context.say(
            f"  analytics: {len(views)} views ({len(existing)} recorded by the stream service), {len(events)} events, "
            f"{counts['view_rollups']} rollup rows."
        )

    def moment(self) -> tuple[datetime, object]:
        """A time in the demo range with the weekly rhythm and the evening peak of a random viewer."""
        rng = self.rng
        user = rng.choices(self.users, weights=self.user_weights)[0]
        while True:
            day = rng.randrange(self.context.days)
            date = (self.start + timedelta(days=day)).date()
            growth = 0.8 + 0.4 * day / max(1, self.context.days)
            if rng.random() < WEEKDAY_WEIGHT[date.weekday()] * growth / 1.7:
                break
        hour = rng.choices(range(24), weights=HOUR_WEIGHT)[0]
        local = datetime(date.year, date.month, date.day, hour, rng.randrange(60), rng.randrange(60))
        moment = local.replace(tzinfo=_zone(user.time_zone)).astimezone(UTC)
        return min(max(moment, self.start), self.end - timedelta(seconds=1)), user

    def views_create(self, count: int) -> list[ViewSummary]:
        if count <= 0:
            return []
        rng = self.rng
        views = []
        for number in range(count):
            started_at, user = self.moment()
            title_id, kind, runtime = rng.choices(self.titles, weights=self.title_weights)[0]
            episode_id = None
            if kind == "show" and self.episodes.get(title_id):
                episode_id, episode_runtime = rng.choice(self.episodes[title_id])
                runtime = episode_runtime or runtime
            runtime = runtime or 5400
            device = _pick(rng, DEVICES)
            cdn = _pick(rng, self.cdns)
            region = user.country
            startup_factor, rebuffer_factor = REGION_QUALITY.get(region, DEFAULT_REGION_QUALITY)
            bad = cdn == self.bad_cdn and started_at.date() == self.bad_day.date()
            if bad:
                startup_factor, rebuffer_factor = startup_factor * 3, rebuffer_factor * 6
            startup = 1100 * startup_factor * DEVICE_STARTUP[device] * math.exp(rng.gauss(0, 0.45))
            fatal = rng.random() < (0.06 if bad else 0.007)
            exited = fatal or rng.random() < 0.02 + (0.12 if startup > 4000 else 0)
            if exited:
                share, watch, startup_ms, bitrate, rebuffers, rebuffer_s = 0.0, 0.0, None, None, 0, 0.0
            else:
                roll = rng.random()
                share = rng.uniform(0.01, 0.3) if roll < 0.3 else rng.uniform(0.3, 0.9) if roll < 0.7 else 1.0
                if share == 1.0:
                    share = rng.uniform(0.9, 1.0)
                watch = runtime * share
                startup_ms = round(startup, 1)
                rebuffers = min(40, int(rng.expovariate(1 / (0.6 * rebuffer_factor)) * watch / 1800))
                rebuffer_s = round(sum(rng.uniform(0.5, 4) for _ in range(rebuffers)), 2)
                bitrate = rng.choice(DEVICE_BITRATES[device]) * (0.55 if bad else rng.uniform(0.8, 1.0))
            position = runtime * share
            reach = view_reach(position_s=position, duration_s=runtime)
            views.append(
                ViewSummary(
                    session_id=f"{DEMO_PREFIX}view-{number}",
                    user=user,
                    title_id=title_id,
                    episode_id=episode_id,
                    region=region,
                    device_type=device,
                    cdn=cdn,
                    started_at=started_at,
                    ended_at=started_at + timedelta(seconds=watch + rebuffer_s + (startup_ms or 8000) / 1000),
                    startup_time_ms=startup_ms,
                    watch_time_s=round(watch, 1),
                    rebuffer_count=rebuffers,
                    rebuffer_duration_s=rebuffer_s,
                    avg_bitrate_kbps=round(bitrate, 1) if bitrate else None,
                    rendition_switches=rng.randrange(0, 6) if watch else 0,
                    dropped_frames=rng.randrange(0, 200) if watch else 0,
                    exited_before_start=exited,
                    fatal_error=fatal,
                    error_code=rng.choice(["MEDIA_ERR_NETWORK", "DRM_LICENSE", "MANIFEST_404"]) if fatal else "",
                    position_s=round(position, 1),
                    duration_s=runtime,
                    reach=reach,
                    completed=reach is not None and reach >= COMPLETION_THRESHOLD,
                )
            )
        ViewSummary.objects.bulk_create(views, batch_size=2000, ignore_conflicts=True)
        return views

    def view_events(self, views: list[ViewSummary]) -> list[Event]:
        """What the player reported around each view: start, a quality change, stalls, end or error."""
        events = []
        for view in views:
            common = {
                "user_id": view.user_id,
                "region": view.region,
                "title_id": view.title_id,
                "episode_id": view.episode_id,
                "session_id": view.session_id,
                "device_type": view.device_type,
            }
            key = view.session_id.removeprefix(DEMO_PREFIX)

            def add(suffix: str, type_: str, at: datetime, properties: dict, key=key, common=common) -> None:
                events.append(
                    Event(client_id=f"{DEMO_PREFIX}{key}-{suffix}", type=type_, occurred_at=at,
                          properties=properties, **common)
                )  # fmt: skip

            add("start", "play_start", view.started_at, {"position_s": 0})
            if view.fatal_error:
                add("error", "playback_error", view.ended_at, {"code": view.error_code or "UNKNOWN", "fatal": True})
                continue
            if view.avg_bitrate_kbps:
                at = view.started_at + timedelta(seconds=5)
                add("quality", "quality_change", at, {"bitrate_kbps": view.avg_bitrate_kbps})
            for number in range(min(view.rebuffer_count, 3)):
                at = view.started_at + (view.ended_at - view.started_at) * (number + 1) / 4
                add(
                    f"stall-{number}",
                    "rebuffer",
                    at,
                    {"duration_s": round(view.rebuffer_duration_s / view.rebuffer_count, 2)},
                )
            add("end", "play_end", view.ended_at, {"position_s": view.position_s, "watch_time_s": view.watch_time_s})
        return events

    def other_events(self, count: int) -> list[Event]:
        rng = self.rng
        events = []
        for number in range(count):
            at, user = self.moment()
            roll = rng.random()
            if roll < 0.7:
                type_, source, properties = "page_view", EventSource.CLIENT, {"page": rng.choice(PAGES)}
            elif roll < 0.9:
                type_, source = "search", EventSource.CLIENT
                properties = {"query": rng.choice(SEARCHES), "results": rng.randrange(0, 40)}
            else:
                type_, source, properties = "login", EventSource.SERVER, {}
            events.append(
                Event(
                    client_id=f"{DEMO_PREFIX}other-{number}",
                    type=type_,
                    source=source,
                    occurred_at=at,
                    user=user,
                    region=user.country,
                    device_type=_pick(rng, DEVICES),
                    properties=properties,
                )
            )
        return events


def demo_seed(context) -> None:
    DemoSeeder(context).run()
