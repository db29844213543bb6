"""Reads for the home feed's shared rows (the recommend service builds the feed from these): new arrivals,
leaving soon and the most popular titles per genre, each in one query."""

from collections.abc import Sequence
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from catalog.models import Availability, Genre, Title
from catalog.selectors import titles_visible_to, viewer_region
from streaming_platform.boundary import boundary


def _current_windows(region: str, now: datetime) -> QuerySet[Availability]:
    return Availability.objects.filter(region=region, starts_at__lte=now).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )


def _windowed_title_ids(user, region, windows: QuerySet[Availability], limit: int, visible_only: bool) -> list[int]:
    if visible_only:
        windows = windows.filter(title_id__in=titles_visible_to(user, region).order_by().values("pk"))
    return list(dict.fromkeys(windows.values_list("title_id", flat=True)[: limit * 2]))[:limit]


@boundary
def title_ids_arrived(
    *, user, region: str | None = None, since: datetime, limit: int, visible_only: bool = True
) -> list[int]:
    """Titles whose current window in the region opened at or after `since`, newest first (one query).

    With `visible_only=False` the viewer's parental controls are not applied: the caller checks the ids
    with `title_ids_visible` (the home feed checks all its rows' candidates at once).
    """
    region = viewer_region(user, region)
    windows = _current_windows(region, timezone.now()).filter(starts_at__gte=since).order_by("-starts_at", "title_id")
    return _windowed_title_ids(user, region, windows, limit, visible_only)


@boundary
def title_ids_leaving(
    *, user, region: str | None = None, before: datetime, limit: int, visible_only: bool = True
) -> list[int]:
    """Titles whose current window in the region closes before `before`, soonest first (one query).

    `visible_only` as for `title_ids_arrived`.
    """
    region = viewer_region(user, region)
    windows = _current_windows(region, timezone.now()).filter(ends_at__lt=before).order_by("ends_at", "title_id")
    return _windowed_title_ids(user, region, windows, limit, visible_only)


@boundary
def title_ids_by_genre(
    *, user, genre_ids: Sequence[int], region: str | None = None, per_genre: int, visible_only: bool = True
) -> dict[int, tuple[Genre, list[int]]]:
    """The most popular titles of each genre (`per_genre` each), in one query: {genre_id: (genre, ids)}.

    With `visible_only=False` visibility is not applied (the caller checks the ids with `title_ids_visible`).
    """
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    genre_ids = list(genre_ids)
    if not genre_ids:
        return {}
    links = Title.genres.through.objects.filter(genre_id__in=genre_ids)
    if visible_only:
        links = links.filter(title_id__in=titles_visible_to(user, region).order_by().values("pk"))
    ranked = (
        links.annotate(
            rank=Window(
                RowNumber(), partition_by=[F("genre_id")], order_by=[F("title__popularity").desc(), F("title_id")]
            )
        )
        .filter(rank__lte=per_genre)  # type: ignore[misc]  # an annotation the stubs do not follow
        .order_by("genre_id", "rank")
        .values_list("genre_id", "genre__slug", "genre__name", "title_id")
    )
    rows: dict[int, tuple[Genre, list[int]]] = {}
    for genre_id, slug, name, title_id in ranked:
        rows.setdefault(genre_id, (Genre(pk=genre_id, slug=slug, name=name), []))[1].append(title_id)
    return rows
