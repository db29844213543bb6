"""Reads of identity data; the only way other apps query accounts, controls and history."""

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from catalog.models import Episode, Kind, Maturity, Title
from catalog.restrictions import UNRESTRICTED, ContentRestrictions
from catalog.selectors import episodes_of_shows
from identity.models import DailyWatchTime, ParentalControls, Preferences, User, WatchHistory
from identity.profile_selectors import (  # noqa: F401 - other services read profiles through this module
    SESSION_PROFILE_KEY,
    acts_as_kids,
    profile_bind,
    profile_bind_of_session,
    profile_get,
    profile_main_of,
    profile_of,
    profile_session_note,
    profile_token_note,
    profiles_of,
)
from streaming_platform.boundary import boundary

WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _controls_of(user) -> ParentalControls | None:
    """The acting profile's controls; the related-object cache makes a second call in one request free."""
    profile = profile_of(user)
    if profile is None:
        return None
    try:
        return profile.parental_controls
    except ParentalControls.DoesNotExist:
        return None


@boundary
def parental_controls_for(*, user) -> ParentalControls | None:
    return _controls_of(user)


@boundary
def content_restrictions_for(user) -> ContentRestrictions:
    """What the viewer's parental controls hide from the catalog (nothing for anonymous callers)."""
    controls = _controls_of(user)
    if controls is None:
        return UNRESTRICTED
    blocked = getattr(controls, "_blocked_genre_ids", None)
    if blocked is None:
        blocked = frozenset(controls.blocked_genres.values_list("id", flat=True))
        controls.__dict__["_blocked_genre_ids"] = blocked  # once per loaded row
    return ContentRestrictions(
        max_maturity=controls.max_maturity, block_unrated=controls.block_unrated, blocked_genre_ids=blocked
    )


def _within_hours(now: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= now < end
    return now >= start or now < end  # a window across midnight, e.g. 18:00-02:00


@boundary
def daily_watch_seconds(*, user, day) -> float:
    row = DailyWatchTime.objects.filter(profile=profile_of(user), day=day).only("watched_s").first()
    return row.watched_s if row else 0.0


@boundary
def viewing_allowed_now(
    *, user, at: datetime | None = None, unrecorded_watch_s: float = 0.0
) -> tuple[bool, str | None]:
    """May this viewer watch at `at` (default now)? If not, the reason, in words a viewer reads.

    `unrecorded_watch_s`: watch time of sessions still running, not yet in the day's recorded total.
    """
    from identity.services import user_zone

    controls = _controls_of(user)
    if controls is None:
        return True, None
    local = (at or timezone.now()).astimezone(user_zone(user))
    days = controls.viewing_days if controls.viewing_days is not None else list(range(7))
    if local.weekday() not in days:
        return False, f"Viewing is not allowed on {WEEKDAY_NAMES[local.weekday()]}s."
    start, end = controls.viewing_start, controls.viewing_end
    if start is not None and end is not None and not _within_hours(local.time(), start, end):
        return False, f"Viewing is allowed only from {start:%H:%M} to {end:%H:%M} ({user.time_zone or 'UTC'})."
    if controls.daily_limit_minutes is not None:
        watched_s = daily_watch_seconds(user=user, day=local.date()) + unrecorded_watch_s
        if watched_s >= controls.daily_limit_minutes * 60:
            return False, f"The daily limit of {controls.daily_limit_minutes} minutes of watching is reached."
    return True, None


@boundary
def resume_position_for(*, user, title: Title, episode: Episode | None = None) -> float | None:
    """Where to resume the title (or episode) in seconds, or None to start from the beginning."""
    if user is None or not user.is_authenticated:
        return None
    position = (
        WatchHistory.objects.filter(profile=profile_of(user), title=title, episode=episode)
        .values_list("position_s", flat=True)
        .first()
    )
    return position if position else None


def history_progress():
    """How far along a history entry is, in [0, 1] (a finished entry without a position counts as 1)."""
    return Case(
        When(completed=True, position_s=0, then=Value(1.0)),
        When(duration_s__gt=0, then=Cast(F("position_s"), FloatField()) / F("duration_s")),
        default=Value(0.0),
        output_field=FloatField(),
    )


@boundary
def history_interactions() -> QuerySet[WatchHistory]:
    """Every viewer's history as interactions: user_id, title_id, episode_id, position_s, duration_s,
    progress (0..1), completed, watch_count, rating (or None), last_watched_at."""
    return WatchHistory.objects.annotate(progress=history_progress())


@boundary
def history_for(*, user) -> QuerySet[WatchHistory]:
    """The acting profile's history, newest first, with what a list shows already joined.

    Titles the viewer's parental controls hide are left out, as everywhere else (entries from before the
    controls were set must not show their names); regional availability is not applied: a title that left
    the region was still watched.
    """
    history = WatchHistory.objects.filter(profile=profile_of(user))
    restrictions = content_restrictions_for(user)
    if not restrictions.is_unrestricted:
        history = history.filter(title__in=restrictions.apply(Title.objects.all()))
    return (
        history.annotate(progress=history_progress())
        .select_related("title", "episode__season")
        .order_by("-last_watched_at", "-id")
    )


@boundary
def preferences_for(*, user) -> Preferences:
    """The acting profile's preferences (defaults, unsaved, when they never set any)."""
    profile = profile_of(user)
    preferences = Preferences.objects.filter(profile=profile).prefetch_related("favourite_genres").first()
    return preferences or Preferences(user=user, profile=profile)


@boundary
def favourite_genre_ids_for(*, user) -> list[int]:
    return list(
        Preferences.favourite_genres.through.objects.filter(preferences__profile=profile_of(user)).values_list(
            "genre_id", flat=True
        )
    )


@boundary
def user_list() -> QuerySet[User]:
    return User.objects.order_by("id")


@dataclass(frozen=True)
class ContinueWatchingItem:
    title: Title
    episode: Episode | None
    position_s: float
    duration_s: float | None
    progress: float
    last_watched_at: datetime
    next_up: Episode | None


def _next_episode(show_episodes: list[Episode], finished: Episode) -> Episode | None:
    key = (finished.season.number, finished.number)
    later = [episode for episode in show_episodes if (episode.season.number, episode.number) > key]
    return min(later, key=lambda episode: (episode.season.number, episode.number)) if later else None


@boundary
def continue_watching_for(*, user, limit: int | None = None) -> list[ContinueWatchingItem]:
    """Titles in progress, newest first, limited to what the viewer may still see; for shows, what is next.

    A movie (or episode-less entry) is in progress while it has a resume point. A show appears when an
    episode has a resume point (that episode, to resume) or when an episode was finished and a later one
    exists (next up). Titles the viewer removed from the row stay out until they are watched again.
    """
    from catalog.selectors import titles_visible_to

    candidates = list(
        WatchHistory.objects.filter(profile=profile_of(user), hidden_from_continue_watching=False)
        .filter(Q(position_s__gt=0) | Q(title__kind=Kind.SHOW, episode__isnull=False, completed=True))
        .select_related("title", "episode__season")
        .order_by("-last_watched_at", "-id")
    )
    # Visibility is checked for the few candidate titles only, not computed for the whole catalog.
    visible = set(
        titles_visible_to(user).filter(pk__in={entry.title_id for entry in candidates}).values_list("pk", flat=True)
    )
    entries = [entry for entry in candidates if entry.title_id in visible]
    show_ids = {entry.title_id for entry in entries if entry.title.kind == Kind.SHOW}
    episodes_by_show: dict[int, list[Episode]] = {}
    for episode in episodes_of_shows(show_ids=show_ids):
        episodes_by_show.setdefault(episode.season.show_id, []).append(episode)

    items: list[ContinueWatchingItem] = []
    seen: set[int] = set()
    for entry in entries:
        if entry.title_id in seen:
            continue
        # The newest entry of a title decides: finishing a show's last episode takes the show out of the row.
        seen.add(entry.title_id)
        if entry.episode is not None and entry.position_s == 0:
            next_up = _next_episode(episodes_by_show.get(entry.title_id, []), entry.episode)
            if next_up is None:
                continue
            items.append(
                ContinueWatchingItem(
                    entry.title, None, 0.0, float(next_up.runtime_s or 0) or None, 0.0, entry.last_watched_at, next_up
                )
            )
        else:
            progress = entry.position_s / entry.duration_s if entry.duration_s else 0.0
            next_up = None
            if entry.episode is not None:
                next_up = _next_episode(episodes_by_show.get(entry.title_id, []), entry.episode)
            items.append(
                ContinueWatchingItem(
                    entry.title,
                    entry.episode,
                    entry.position_s,
                    entry.duration_s,
                    progress,
                    entry.last_watched_at,
                    next_up,
                )
            )
        if limit is not None and len(items) >= limit:
            break
    return items


def maturity_label(value: int | None) -> str | None:
    return Maturity(value).label if value is not None else None
