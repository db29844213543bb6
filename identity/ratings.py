"""Ratings: a profile's thumbs (down, up, love) on titles, and what the recommender and rows read of them."""

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from catalog.models import Title
from catalog.selectors import titles_visible_to
from identity import events
from identity.models import Rating, RatingValue
from identity.profile_selectors import profile_of
from streaming_platform.boundary import boundary


@boundary
def rating_set(*, user, title: Title, value: str) -> tuple[Rating, bool]:
    """Rates a title for the acting profile (or changes its rating): (rating, created)."""
    value = RatingValue(value)
    profile = profile_of(user)
    for attempt in range(2):
        try:
            with transaction.atomic():
                rating, created = Rating.objects.update_or_create(
                    profile=profile, title=title, defaults={"value": value, "rated_at": timezone.now()}
                )
            break
        except IntegrityError:
            if attempt:
                raise
    events.rating_changed.send_on_commit(user=user, profile_id=profile.pk)
    return rating, created


@boundary
def rating_remove(*, user, title_id: int) -> bool:
    profile = profile_of(user)
    deleted, _ = Rating.objects.filter(profile=profile, title_id=title_id).delete()
    if deleted:
        events.rating_changed.send_on_commit(user=user, profile_id=profile.pk)
    return bool(deleted)


@boundary
def ratings_for(*, user) -> QuerySet[Rating]:
    """The acting profile's ratings, newest first, of titles it may see now."""
    return (
        Rating.objects.filter(profile=profile_of(user), title__in=titles_visible_to(user))
        .select_related("title")
        .order_by("-rated_at", "-id")
    )


@boundary
def rating_of(*, user, title_id: int) -> Rating | None:
    return ratings_for(user=user).filter(title_id=title_id).first()


def thumb_of_stars(stars: float) -> str | None:
    """The thumbs of an old 0-5 rating: 5 love, 4 up, 2 or less down, 3 none."""
    if stars >= 5:
        return RatingValue.LOVE
    if stars >= 4:
        return RatingValue.UP
    if stars <= 2:
        return RatingValue.DOWN
    return None


@boundary
def ratings_from_history_create(*, rows) -> int:
    """Thumbs for history rows that carry a 0-5 rating (bulk seeding); existing ratings are kept."""
    ratings = [
        Rating(profile_id=row.profile_id, title_id=row.title_id, value=thumb, rated_at=row.last_watched_at)
        for row in rows
        if row.rating is not None and (thumb := thumb_of_stars(row.rating)) is not None
    ]
    Rating.objects.bulk_create(ratings, ignore_conflicts=True)
    return len(ratings)


@boundary
def rating_values_for(*, user) -> dict[int, str]:
    """{title id: down | up | love} of the acting profile (the recommender's input)."""
    profile = profile_of(user)
    if profile is None:
        return {}
    return dict(Rating.objects.filter(profile=profile).values_list("title_id", "value"))


@boundary
def not_interested_title_ids(user) -> set[int]:
    """Titles the acting profile gave a thumbs down: left out of its recommendations, similar and popular rows
    (not of browsing or search)."""
    profile = profile_of(user)
    if profile is None:
        return set()
    return set(Rating.objects.filter(profile=profile, value=RatingValue.DOWN).values_list("title_id", flat=True))
