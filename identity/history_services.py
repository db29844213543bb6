"""Writes of watch history: what a profile watched and where it stopped (resume points), finished titles,
daily watch time, and clearing or hiding entries. Reached through `identity.services` by other services."""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import Episode, Kind, Title
from identity import events
from identity.models import DailyWatchTime, Profile, User, WatchHistory
from identity.profile_selectors import profile_bind, profile_of
from streaming_platform.boundary import boundary

logger = logging.getLogger(__name__)


def user_zone(user) -> ZoneInfo:
    """The viewer's time zone; an unknown name falls back to UTC rather than failing a request."""
    try:
        return ZoneInfo(user.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# Resume rules (Jellyfin's defaults): below MIN no resume point; above MAX, or for short items, watched.
RESUME_MIN_FRACTION = 0.05
RESUME_MAX_FRACTION = 0.90
SHORT_ITEM_MAX_S = 300
# Clock skew allowed between a player and the server for `watched_at`.
FUTURE_TOLERANCE = timedelta(minutes=5)


def _known_duration(title: Title, episode: Episode | None, entry: WatchHistory | None) -> float | None:
    if entry is not None and entry.duration_s:
        return entry.duration_s
    runtime = episode.runtime_s if episode is not None else title.runtime_s
    return float(runtime) if runtime else None


@boundary
def history_record(
    *,
    user: User,
    title: Title,
    episode: Episode | None = None,
    position_s: float,
    duration_s: float | None = None,
    watched_at: datetime | None = None,
    watched_s: float = 0.0,
    rating: float | None = None,
    profile: Profile | None = None,
) -> WatchHistory:
    """Records progress of the acting profile (or `profile`, a playback session's) on a title or episode
    (one row each, upserted) with the resume rules.

    Below 5% of the duration no resume point is kept; from 90%, or for items shorter than 300 s, the
    item counts as watched (watch_count goes up once per viewing) and leaves continue-watching.
    `watched_s` adds to the viewer's watch time of that day (their time zone), which the daily limit reads.
    An update older than the stored one does not move the resume point back.
    """
    now = timezone.now()
    watched_at = watched_at or now
    errors: dict[str, list[str]] = {}
    if watched_at > now + FUTURE_TOLERANCE:
        # A future time would make every real report until then look stale.
        errors["watched_at"] = ["The time watched cannot be in the future."]
    if episode is not None and (title.kind != Kind.SHOW or episode.season.show_id != title.pk):
        errors["episode"] = [f"Episode {episode.pk} is not an episode of title {title.pk}."]
    elif episode is None and title.kind == Kind.SHOW:
        # As at stream start: a show is watched one episode at a time, and continue-watching resumes one.
        errors["episode"] = [f"Title {title.pk} is a show: name the episode watched."]
    if duration_s is not None and duration_s <= 0:
        errors["duration_s"] = ["The duration must be positive."]
    if position_s is None or position_s < 0:
        errors["position_s"] = ["The position must be 0 or more."]
    if watched_s < 0:
        errors["watched_s"] = ["Watched time must be 0 or more."]
    if rating is not None and not 0 <= rating <= 5:
        errors["rating"] = ["Ratings run from 0 to 5."]
    if errors:
        raise ValidationError(errors)
    if profile is not None:
        profile_bind(user, profile)
    profile = profile_of(user)

    # Two first reports of the same item can race to insert its row; the loser retries as an update.
    for attempt in range(2):
        try:
            entry = _history_upsert(
                user=user,
                profile=profile,
                title=title,
                episode=episode,
                position_s=position_s,
                duration_s=duration_s,
                watched_at=watched_at,
                watched_s=watched_s,
                rating=rating,
            )
            break
        except IntegrityError:
            if attempt:
                raise

    events.history_changed.send_on_commit(user=user, entry=entry, watched_at=watched_at)
    return entry


def _history_upsert(
    *,
    user: User,
    profile: Profile,
    title: Title,
    episode: Episode | None,
    position_s: float,
    duration_s: float | None,
    watched_at: datetime,
    watched_s: float,
    rating: float | None,
) -> WatchHistory:
    with transaction.atomic():
        entry = WatchHistory.objects.select_for_update().filter(profile=profile, title=title, episode=episode).first()
        duration = float(duration_s) if duration_s is not None else _known_duration(title, episode, entry)
        if duration is not None and position_s > duration:
            raise ValidationError({"position_s": [f"The position is beyond the duration ({duration:g} s)."]})
        if entry is None:
            entry = WatchHistory(user=user, profile=profile, title=title, episode=episode, last_watched_at=watched_at)
            stale = False
        else:
            stale = watched_at < entry.last_watched_at
        if not stale:
            _apply_resume_rules(entry, position_s=float(position_s), duration=duration)
            entry.last_watched_at = watched_at
            entry.hidden_from_continue_watching = False
        if rating is not None:
            entry.rating = rating
        entry.full_clean(exclude=["user", "profile", "title", "episode"], validate_constraints=False)
        entry.save()
        if watched_s:
            day = watched_at.astimezone(user_zone(user)).date()
            _daily_watch_time_add(user=user, profile=profile, day=day, seconds=watched_s)
    return entry


def _apply_resume_rules(entry: WatchHistory, *, position_s: float, duration: float | None) -> None:
    entry.duration_s = duration
    if duration is None:
        # Without a duration no fraction can be computed: keep the position as the resume point.
        entry.position_s = position_s
        return
    fraction = position_s / duration
    if duration < SHORT_ITEM_MAX_S or fraction >= RESUME_MAX_FRACTION:
        # A repeated report past the end of the same viewing (no resume point since) is not a new viewing.
        already_counted = entry.pk is not None and entry.completed and entry.position_s == 0
        if not already_counted:
            entry.watch_count += 1
        entry.completed = True
        entry.position_s = 0.0
    elif fraction < RESUME_MIN_FRACTION:
        entry.position_s = 0.0
    else:
        entry.position_s = position_s


def _daily_watch_time_add(*, user: User, profile: Profile, day, seconds: float) -> None:
    updated = DailyWatchTime.objects.filter(profile=profile, day=day).update(watched_s=F("watched_s") + seconds)
    if not updated:
        DailyWatchTime.objects.create(user=user, profile=profile, day=day, watched_s=seconds)


@boundary
def history_entry_delete(*, entry: WatchHistory) -> None:
    user = entry.user
    entry.delete()
    events.history_changed.send_on_commit(user=user, entry=None, watched_at=None)


@boundary
def history_clear(*, user: User, before: datetime | None = None) -> int:
    """Deletes the acting profile's history last watched before `before` (all when None); returns the count."""
    entries = WatchHistory.objects.filter(profile=profile_of(user))
    if before is not None:
        entries = entries.filter(last_watched_at__lt=before)
    deleted, _ = entries.delete()
    if deleted:
        events.history_changed.send_on_commit(user=user, entry=None, watched_at=None)
    return deleted


@boundary
def continue_watching_hide(*, user: User, title: Title) -> int:
    """Takes a title out of continue-watching, keeping its history; watching it again brings it back."""
    return WatchHistory.objects.filter(profile=profile_of(user), title=title).update(hidden_from_continue_watching=True)
