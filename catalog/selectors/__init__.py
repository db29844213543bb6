"""Reads of catalog data; the only way other apps query titles."""

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from catalog import events, search
from catalog.models import Availability, Credit, Episode, Extra, Genre, Image, Kind, Maturity, Season, Title
from catalog.restrictions import content_restrictions_for
from streaming_platform.boundary import boundary
from streaming_platform.errors import NotFound

logger = logging.getLogger(__name__)


@boundary
def viewer_region(user, region: str | None = None) -> str:
    """A viewer's region comes from their account; staff and anonymous callers may name one."""
    if user is not None and user.is_authenticated and not (user.is_staff and region):
        return user.country
    return (region or settings.DEFAULT_REGION).upper()


def available_in(region: str, *, at: datetime | None = None) -> Q:
    """Titles with a licence window in `region` covering `at` (default: now)."""
    at = at or timezone.now()
    windows = Availability.objects.filter(title=OuterRef("pk"), region=region, starts_at__lte=at).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=at)
    )
    return Q(Exists(windows))


@boundary
def titles_visible_to(user, region: str | None = None, *, at: datetime | None = None) -> QuerySet[Title]:
    """The one rule for what a viewer may see: regional availability now, then parental controls."""
    titles = Title.objects.filter(available_in(viewer_region(user, region), at=at))
    return content_restrictions_for(user).apply(titles)


def with_list_relations(titles: QuerySet[Title]) -> QuerySet[Title]:
    """What a title card shows, fetched in a constant number of queries."""
    return titles.prefetch_related(
        Prefetch("genres", queryset=Genre.objects.order_by("name")),
        Prefetch("images", queryset=images_ordered()),
    )


def images_ordered() -> QuerySet[Image]:
    return Image.objects.order_by("kind", "position", "id")


def with_detail_relations(titles: QuerySet[Title], *, region: str, seasons: bool = True) -> QuerySet[Title]:
    """Everything a title page shows: genres, people with roles, the region's windows (and a show's episodes)."""
    titles = with_list_relations(titles).prefetch_related(
        Prefetch(
            "credits",
            queryset=Credit.objects.select_related("person")
            .prefetch_related(Prefetch("person__images", queryset=images_ordered()))
            .order_by("role", "order", "id"),
        ),
        Prefetch("availabilities", queryset=Availability.objects.filter(region=region).order_by("starts_at")),
        Prefetch("extras", queryset=Extra.objects.order_by("position", "id")),
    )
    if seasons:
        episodes = Prefetch(
            "episodes",
            queryset=Episode.objects.order_by("number").prefetch_related(Prefetch("images", queryset=images_ordered())),
        )
        titles = titles.prefetch_related(
            Prefetch(
                "seasons",
                queryset=Season.objects.order_by("number").prefetch_related(
                    episodes, Prefetch("images", queryset=images_ordered())
                ),
            )
        )
    return titles


@boundary
def titles_list(*, user, region: str | None = None, kind: str | None = None) -> QuerySet[Title]:
    """Visible titles of one kind (or all), ready to serialize as cards."""
    titles = titles_visible_to(user, region)
    if kind:
        titles = titles.filter(kind=kind)
    return with_list_relations(titles)


@boundary
def titles_detail(*, user, region: str | None = None, kind: str | None = None) -> QuerySet[Title]:
    """Visible titles with everything their detail page shows; look one up by id."""
    titles = titles_visible_to(user, region)
    if kind:
        titles = titles.filter(kind=kind)
    return with_detail_relations(titles, region=viewer_region(user, region), seasons=kind != Kind.MOVIE)


@boundary
def title_get_visible(*, user, title_id: int, region: str | None = None) -> Title:
    """The title if this viewer may see it now; NotFound otherwise (unknown and hidden look the same)."""
    try:
        return titles_visible_to(user, region).get(pk=int(title_id))
    except (Title.DoesNotExist, TypeError, ValueError):
        raise NotFound("No such title.") from None


class RankedTitles(Sequence):
    """Search results in rank order; slicing loads only that page's titles (with their genres)."""

    def __init__(self, matches: search.TitleMatches, *, count_key: str | None = None):
        self.matches = matches
        self.count_key = count_key

    def __len__(self) -> int:
        if self.count_key is None or self.matches.count_known:
            return len(self.matches)
        # Counting every match in scope is the expensive part of a broad search; like a list's count, it
        # may lag by CATALOG_COUNT_CACHE_S (see catalog/caching.py).
        from catalog.caching import cached, count_cache_seconds

        return cached(self.count_key, count_cache_seconds(), lambda: len(self.matches))

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, _ = index.indices(len(self))
            page_ids = self.matches.page(start, max(stop - start, 0))
            by_id = {title.id: title for title in with_list_relations(Title.objects.filter(id__in=page_ids))}
            return [by_id[title_id] for title_id in page_ids if title_id in by_id]
        return self[index : index + 1 or None][0]


class PopularTitles(search.TitleMatches):
    """Titles of a queryset, most popular first (a search by genre only)."""

    def __init__(self, titles: QuerySet[Title]):
        self.titles = titles.order_by("-popularity", "id")
        super().__init__(ids=list(self.titles.values_list("id", flat=True)[: search.MAX_CANDIDATES]))
        if len(self.ids) >= search.MAX_CANDIDATES:
            self._count = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = self.titles.count()
        return self._count

    def page(self, offset: int, limit: int) -> list[int]:
        if offset + limit <= len(self.ids) or self._count == len(self.ids):
            return self.ids[offset : offset + limit]
        return list(self.titles.values_list("id", flat=True)[offset : offset + limit])


def is_id(value: str) -> bool:
    # ASCII digits only ("²" is a digit to Python), and short enough for a 64-bit column.
    return value.isascii() and value.isdigit() and len(value) <= 18


def genres_matching(values: Iterable[str]) -> list[Genre]:
    """Genres named by id or slug; unknown names are left out (callers validate)."""
    values = [str(value).strip().lower() for value in values if str(value).strip()]
    ids = [int(value) for value in values if is_id(value)]
    slugs = [value for value in values if not is_id(value)]
    return list(Genre.objects.filter(Q(id__in=ids) | Q(slug__in=slugs)))


@boundary
def search_titles(
    *,
    query: str,
    user,
    region: str | None = None,
    genres: Sequence[Genre | int] | None = None,
    kind: str = "",
    record: bool = True,
) -> RankedTitles:
    """Visible titles matching `query` and/or `genres`, best match first (most popular first without a query).

    The search is reported to analytics unless `record` is False (the API reports it once the answer is sent).
    """
    titles = titles_visible_to(user, region)
    if genres:
        genre_ids = [genre.pk if isinstance(genre, Genre) else int(genre) for genre in genres]
        titles = titles.filter(Exists(Title.genres.through.objects.filter(title=OuterRef("pk"), genre__in=genre_ids)))
    if kind:
        titles = titles.filter(kind=kind)
    query = (query or "").strip()
    # The search ranks within what the viewer may see, so pages and count hold at any catalog size; the
    # prefilter lets the index itself narrow to the viewer's region, ratings and kind first.
    if query:
        allowed_ratings = content_restrictions_for(user).allowed_ratings(Maturity.values)
        prefilter = search.Prefilter.of(region=viewer_region(user, region), ratings=allowed_ratings, kind=kind)
        matches: search.TitleMatches = search.title_matches(query, within=titles, prefilter=prefilter)
    else:
        matches = PopularTitles(titles)
    results = RankedTitles(matches, count_key=search_count_key(user, region, query, kind, genres))
    if record:
        search_event_record(user=user, query=query, genres=genres, results=len(results))
    return results


def search_count_key(user, region: str | None, query: str, kind: str, genres) -> str:
    """What decides a search's count: the words, the viewer's region and restrictions, kind and genres."""
    import hashlib

    restrictions = content_restrictions_for(user)
    identity = repr(
        (
            search.normalize_tokens(query),
            viewer_region(user, region),
            restrictions.max_maturity,
            restrictions.block_unrated,
            tuple(sorted(restrictions.blocked_genre_ids)),
            kind,
            sorted(genre.pk if isinstance(genre, Genre) else int(genre) for genre in genres or []),
        )
    )
    return "catalog:search-count:" + hashlib.sha256(identity.encode()).hexdigest()


@boundary
def search_event_record(*, user, query: str, genres, results: int) -> None:
    """Announces the search (`catalog.events.title_searched`; analytics records it) once the transaction commits."""
    events.title_searched.send_on_commit(
        user=user if user is not None and user.is_authenticated else None,
        query=query,
        genres=[genre.slug if isinstance(genre, Genre) else genre for genre in genres or []],
        results=results,
    )


@boundary
def genres_all() -> QuerySet[Genre]:
    return Genre.objects.order_by("name")


@boundary
def title_ids_of(*, kind: str = "", genre: str = "") -> list[int]:
    """Ids of every title of a kind (movie, show) and/or a genre (slug), visible or not."""
    titles = Title.objects.all()
    if kind:
        titles = titles.filter(kind=kind)
    if genre:
        titles = titles.filter(genres__slug=genre)
    return list(titles.values_list("pk", flat=True))


# --- Whole-catalog reads for other services (the recommender's model, reports) ----------------------------


@boundary
def title_content_rows() -> list[tuple[int, str, int | None, str]]:
    """Every title's (id, title, release_year, description), in id order."""
    return list(Title.objects.order_by("id").values_list("id", "title", "release_year", "description"))


@boundary
def title_genre_pairs(*, title_ids: Iterable[int] | None = None) -> Iterable[tuple[int, int]]:
    """(title id, genre id) for every genre of every title (or of `title_ids`), streamed."""
    links = Title.genres.through.objects.all()
    if title_ids is not None:
        links = links.filter(title_id__in=list(title_ids))
    return links.values_list("title_id", "genre_id").iterator(10_000)


@boundary
def title_person_pairs(*, title_ids: Iterable[int] | None = None) -> Iterable[tuple[int, int]]:
    """(title id, person id) for every credit of every title (or of `title_ids`), streamed."""
    credits = Credit.objects.all()
    if title_ids is not None:
        credits = credits.filter(title_id__in=list(title_ids))
    return credits.values_list("title_id", "person_id").iterator(10_000)


@boundary
def title_names(*, title_ids: Iterable[int]) -> dict[int, str]:
    return dict(Title.objects.filter(id__in=list(title_ids)).values_list("id", "title"))


@boundary
def titles_exist_after(*, title_id: int) -> bool:
    """Whether any title was added after `title_id` (ids grow as titles are added)."""
    return Title.objects.filter(id__gt=title_id).exists()


@boundary
def title_ids_visible(*, user, title_ids: Iterable[int], region: str | None = None) -> set[int]:
    """Those of `title_ids` that `user` may see now (the others look unknown, as everywhere in the catalog)."""
    title_ids = list(title_ids)
    if not title_ids:
        return set()
    return set(titles_visible_to(user, region).filter(pk__in=title_ids).order_by().values_list("pk", flat=True))


@boundary
def episode_show_ids(*, episode_ids: Iterable[int]) -> dict[int, int]:
    """Each existing episode of `episode_ids` mapped to its show's title id."""
    episode_ids = list(episode_ids)
    if not episode_ids:
        return {}
    return dict(Episode.objects.filter(pk__in=episode_ids).values_list("pk", "season__show_id"))


@boundary
def titles_by_id(*, title_ids: Iterable[int]) -> dict[int, Title]:
    """The titles of `title_ids` with their name and kind, by id (visible or not: for reports)."""
    return {title.pk: title for title in Title.objects.filter(pk__in=list(title_ids)).only("title", "kind")}


@boundary
def title_get(*, title_id: int) -> Title:
    """A title by id, visible or not (for staff reports); NotFound when there is none."""
    title = Title.objects.filter(pk=title_id).first()
    if title is None:
        raise NotFound("No such title.")
    return title


@boundary
def title_kinds() -> QuerySet:
    """Every title's id and kind (`values("id", "kind")`); reports join their rollups to it."""
    return Title.objects.order_by().values("id", "kind")


@boundary
def genres_with_ids(*, genre_ids: Iterable[int]) -> list[Genre]:
    return list(Genre.objects.filter(pk__in=list(genre_ids)))


@boundary
def episodes_of_shows(*, show_ids: Iterable[int]) -> QuerySet[Episode]:
    """Every episode of the shows `show_ids`, with its season."""
    return Episode.objects.filter(season__show_id__in=list(show_ids)).select_related("season")


@boundary
def episode_of_show(*, show: Title, episode_id: int) -> Episode | None:
    """The episode `episode_id` when it belongs to `show`, else None."""
    return Episode.objects.filter(pk=episode_id, season__show=show).first()


@boundary
def episode_get(*, episode_id: int) -> Episode | None:
    """An episode by id, with its season (None when there is none)."""
    return Episode.objects.select_related("season").filter(pk=episode_id).first()


@boundary
def genre_exists(*, slug: str) -> bool:
    return Genre.objects.filter(slug=slug).exists()


@boundary
def title_cards(
    title_ids: list[int], *, titles: QuerySet[Title] | None = None, images: bool = False
) -> dict[int, dict]:
    """What a list shows of each title (id, kind, title, release_year, genre names), in two small queries.

    Pass `titles` (e.g. the viewer's visible titles) to get cards only for titles in it; with `images`,
    each card also has its `images` (a placeholder poster when it has none), in one more query.
    """
    titles = Title.objects.all() if titles is None else titles
    rows = titles.filter(id__in=title_ids).order_by().values("id", "kind", "title", "release_year")
    cards: dict[int, dict[str, Any]] = {row["id"]: {**row, "genres": []} for row in rows}
    title_ids = list(cards)
    links = Title.genres.through.objects.filter(title_id__in=title_ids).order_by("genre__name")
    for title_id, name in links.values_list("title_id", "genre__name"):
        cards[title_id]["genres"].append(name)
    if images:
        from catalog.artwork import images_answer

        # Plain rows, not models: an image model runs its file field's dimension hook on every load.
        fields = ("pk", "title_id", "kind", "language", "focal_x", "focal_y", "width", "height", "generated", "version")
        by_title: dict[int, list[SimpleNamespace]] = {title_id: [] for title_id in title_ids}
        for row in images_ordered().filter(title_id__in=title_ids).values_list(*fields):
            image = SimpleNamespace(**dict(zip(fields, row, strict=True)))
            by_title[image.title_id].append(image)
        for title_id, own in by_title.items():
            cards[title_id]["images"] = images_answer(own)
    return cards
