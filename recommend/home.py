"""The home feed: ordered rows of title cards for one viewer, in a fixed number of queries whatever the sizes.

Each row's candidates are gathered first (one query per row at most, several rows from memory or the
cache, each a few times the row's size), then one query checks the visibility of every candidate that did
not come through the visibility rule already, and three queries make every card (titles, genres, images).
Rows are then trimmed so no title shows in more than `MAX_APPEARANCES` rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from catalog.models import Kind
from catalog.selectors import title_cards, title_ids_visible, viewer_region
from catalog.selectors.home import title_ids_arrived, title_ids_by_genre, title_ids_leaving
from identity.selectors import continue_watching_for, favourite_genre_ids_for, history_interactions
from recommend import scoring
from recommend.models import FeaturedTitle
from recommend.selectors import recommender_model_current
from streaming_platform.boundary import boundary

ROW_SIZE = 20
TOP_SIZE = 10
MAX_APPEARANCES = 2  # a title may show in at most this many rows
TOP_WINDOW_DAYS = 7
NEW_ARRIVAL_DAYS = 30
LEAVING_SOON_DAYS = 30
BECAUSE_ROWS = 2
GENRE_ROWS = 3
LIKED_AT_PROGRESS = 0.5
# Candidates read per row, as a multiple of its size: room for titles the viewer turns out not to see.
CANDIDATES = 2
SIMILAR_CACHE_S = 600  # a built model never changes, so its neighbours may be kept as long as memory allows
RECENT_HISTORY = 200  # history rows read to pick the "Because you watched" titles and leave out the watched


# The kinds of row, for clients that style rows by kind (a top 10 shows ranks, continue watching progress).
ROW_KINDS = (
    ("featured", "Featured"),
    ("continue_watching", "Continue watching"),
    ("top10", "Top 10"),
    ("because_you_watched", "Because you watched"),
    ("new_arrivals", "New arrivals"),
    ("leaving_soon", "Leaving soon"),
    ("genre", "Genre"),
)


@dataclass
class Row:
    id: str
    title: str
    reason: str
    kind: str
    title_ids: list[int]
    checked: bool = False  # candidates already passed the visibility rule
    ranked: bool = False  # items carry their rank (top 10)
    extras: dict[int, dict] = field(default_factory=dict)  # per-title fields (continue watching)
    source_id: int | None = None  # the title a "Because you watched" row is about


def shared_candidates(region: str, now: dt.datetime) -> dict[str, list[int]]:
    """The candidates of the rows every viewer of a region shares (featured, new arrivals, leaving soon),
    before visibility; kept for `RECOMMEND_HOME_CACHE_S` (each viewer's visibility is still checked)."""
    key = f"recommend:home-shared:{region}"
    shared = cache.get(key)
    if shared is None:
        entries = FeaturedTitle.objects.filter(Q(region=region) | Q(region="")).order_by("-region", "position", "id")
        size = ROW_SIZE * CANDIDATES
        shared = {
            "featured": list(dict.fromkeys(entries.values_list("title_id", flat=True)[: size * 2]))[:size],
            "arrived": title_ids_arrived(
                user=None,
                region=region,
                since=now - dt.timedelta(days=NEW_ARRIVAL_DAYS),
                limit=size,
                visible_only=False,
            ),
            "leaving": title_ids_leaving(
                user=None,
                region=region,
                before=now + dt.timedelta(days=LEAVING_SOON_DAYS),
                limit=size,
                visible_only=False,
            ),
        }
        cache.set(key, shared, home_cache_seconds())
    return shared


def cards_for(title_ids: set[int]) -> dict[int, dict]:
    """Cards with images, from the cache when made in the last `RECOMMEND_HOME_CACHE_S`, else in 3 queries."""
    keys = {title_id: f"recommend:home-card:{title_id}" for title_id in title_ids}
    found = cache.get_many(list(keys.values())) if home_cache_seconds() > 0 else {}
    cards = {title_id: found[key] for title_id, key in keys.items() if key in found}
    missing = sorted(set(title_ids) - set(cards))
    if missing:
        made = title_cards(missing, images=True)
        cards.update(made)
        if home_cache_seconds() > 0:
            cache.set_many({keys[title_id]: card for title_id, card in made.items()}, home_cache_seconds())
    return cards


def home_cache_seconds() -> int:
    return settings.RECOMMEND_HOME_CACHE_S


def continue_watching_row(user) -> Row:
    items = continue_watching_for(user=user, limit=ROW_SIZE)
    extras = {
        item.title.pk: {
            "progress": round(item.progress, 4),
            "position_s": item.position_s,
            "episode_id": (item.episode or item.next_up).pk if (item.episode or item.next_up) else None,
        }
        for item in items
    }
    return Row(
        "continue-watching",
        "Continue watching",
        "Titles you started",
        "continue_watching",
        [item.title.pk for item in items],
        checked=True,
        extras=extras,
    )


def top_watched_ids(region: str) -> list[tuple[int, str]]:
    """(title id, kind) of the titles most viewers of the region watched recently, most first; cached briefly."""
    key = f"recommend:home-top:{region}:{TOP_WINDOW_DAYS}"
    top = cache.get(key)
    if top is None:
        since = timezone.now() - dt.timedelta(days=TOP_WINDOW_DAYS)
        top = list(
            history_interactions()
            .filter(last_watched_at__gte=since, user__country=region)
            .order_by()
            .values("title_id", "title__kind")
            .annotate(viewers=Count("user_id", distinct=True))
            .order_by("-viewers", "title_id")
            .values_list("title_id", "title__kind")[:300]
        )
        cache.set(key, top, settings.RECOMMEND_POPULAR_CACHE_S)
    return top


def top_rows(region: str) -> list[Row]:
    top = top_watched_ids(region)
    return [
        Row(
            f"top10-{plural}-{region.lower()}",
            f"Top 10 {plural} in your country",
            f"Most watched in {region} this week",
            "top10",
            # Room for titles the viewer may not see; the list is cut to ten after the visibility check.
            [title_id for title_id, title_kind in top if title_kind == kind][: TOP_SIZE * 3],
            ranked=True,
        )
        for kind, plural in ((Kind.MOVIE, "movies"), (Kind.SHOW, "shows"))
    ]


def because_rows(user) -> list[Row]:
    """One row per recently liked title: its nearest titles in the recommender's model (read from memory),
    less what the viewer watched lately."""
    recent = (
        history_interactions()
        .filter(user_id=user.pk)
        .order_by("-last_watched_at", "-id")
        .values_list("title_id", "completed", "progress")[:RECENT_HISTORY]
    )
    watched: set[int] = set()
    liked: list[int] = []
    for title_id, completed, progress in recent:
        watched.add(title_id)
        if (completed or (progress or 0) >= LIKED_AT_PROGRESS) and title_id not in liked:
            liked.append(title_id)
    liked = liked[:BECAUSE_ROWS]
    loaded = recommender_model_current() if liked else None
    if loaded is None:
        return []
    rows = []
    for title_id, nearest in nearest_titles(loaded, liked).items():
        similar = [other for other in nearest if other not in watched]
        rows.append(Row(f"because-{title_id}", "", "", "because_you_watched", similar, source_id=title_id))
    return rows


def nearest_titles(loaded, title_ids: list[int]) -> dict[int, list[int]]:
    """Each title's nearest titles in the model, best first; kept per model and title for SIMILAR_CACHE_S
    (popular titles are many viewers' "Because you watched" titles)."""
    keys = {title_id: f"recommend:home-similar:{loaded.row_id}:{title_id}" for title_id in title_ids}
    found = cache.get_many(list(keys.values()))
    nearest: dict[int, list[int]] = {}
    model = loaded.model
    for title_id, position in zip(title_ids, model.index_of(title_ids), strict=True):
        if keys[title_id] in found:
            nearest[title_id] = found[keys[title_id]]
            continue
        if position < 0:
            continue
        scores, _, _ = scoring.similar_to(model, int(position))
        order = np.argsort(-scores)[: ROW_SIZE * (CANDIDATES + 1)]
        order = order[np.isfinite(scores[order]) & (scores[order] > 0)]
        nearest[title_id] = [int(model.title_ids[i]) for i in order]
        cache.set(keys[title_id], nearest[title_id], SIMILAR_CACHE_S)
    return {title_id: nearest[title_id] for title_id in title_ids if title_id in nearest}


def genre_rows(user, region: str) -> list[Row]:
    """Rows of the viewer's first favourite genres: each genre's most popular titles (shared by every
    viewer, so cached like the region's rows; visibility is checked per viewer afterwards)."""
    favourites = favourite_genre_ids_for(user=user)[:GENRE_ROWS]
    keys = {genre_id: f"recommend:home-genre:{genre_id}" for genre_id in favourites}
    found = cache.get_many(list(keys.values())) if keys and home_cache_seconds() > 0 else {}
    by_genre = {genre_id: found[key] for genre_id, key in keys.items() if key in found}
    missing = [genre_id for genre_id in favourites if genre_id not in by_genre]
    if missing:
        made = title_ids_by_genre(
            user=user, genre_ids=missing, region=region, per_genre=ROW_SIZE * CANDIDATES, visible_only=False
        )
        by_genre.update(made)
        if home_cache_seconds() > 0:
            cache.set_many({keys[genre_id]: row for genre_id, row in made.items()}, home_cache_seconds())
    rows = []
    for genre_id in favourites:
        if genre_id in by_genre:
            genre, title_ids = by_genre[genre_id]
            rows.append(Row(f"genre-{genre.slug}", genre.name, "One of your favourite genres", "genre", title_ids))
    return rows


def limit_repeats(rows: list[Row], visible: set[int]) -> None:
    """Keeps visible titles only, no title in more than MAX_APPEARANCES rows and none twice in rows of one
    kind (two "Because you watched" rows, say); earlier rows win."""
    seen: dict[int, int] = {}
    seen_in_kind: dict[str, set[int]] = {}
    for row in rows:
        kept: list[int] = []
        size = TOP_SIZE if row.ranked else ROW_SIZE
        same_kind = seen_in_kind.setdefault(row.kind, set())
        for title_id in row.title_ids:
            if title_id not in visible or seen.get(title_id, 0) >= MAX_APPEARANCES or title_id in same_kind:
                continue
            kept.append(title_id)
            same_kind.add(title_id)
            if len(kept) >= size:
                break
        for title_id in kept:
            seen[title_id] = seen.get(title_id, 0) + 1
        row.title_ids = kept


@boundary
def home_feed(*, user, region: str | None = None) -> dict:
    """The viewer's home screen: {region, generated_at, rows: [{id, title, reason, kind, items}]}.

    Signed-in viewers get continue watching, "Because you watched X" and their favourite genres besides
    the rows everyone gets (featured, top 10 movies and shows in the region, new arrivals, leaving soon).
    Every title passed `catalog.selectors.titles_visible_to` for this viewer.
    """
    region = viewer_region(user, region)
    now = timezone.now()
    signed_in = user is not None and user.is_authenticated
    shared = shared_candidates(region, now)
    rows: list[Row] = [Row("featured", "Featured", "Picked by our editors", "featured", shared["featured"])]
    if signed_in:
        rows.append(continue_watching_row(user))
    rows.extend(top_rows(region))
    if signed_in:
        rows.extend(because_rows(user))
    rows.append(
        Row(
            "new-arrivals",
            "New arrivals",
            f"Added in {region} in the last {NEW_ARRIVAL_DAYS} days",
            "new_arrivals",
            shared["arrived"],
        )
    )
    rows.append(
        Row(
            "leaving-soon",
            "Leaving soon",
            f"Available in {region} for less than {LEAVING_SOON_DAYS} days more",
            "leaving_soon",
            shared["leaving"],
        )
    )
    if signed_in:
        rows.extend(genre_rows(user, region))

    unchecked = {title_id for row in rows if not row.checked for title_id in row.title_ids}
    unchecked |= {row.source_id for row in rows if row.source_id is not None}
    visible = title_ids_visible(user=user, title_ids=unchecked, region=region)
    visible |= {title_id for row in rows if row.checked for title_id in row.title_ids}
    limit_repeats(rows, visible)

    card_ids = {title_id for row in rows for title_id in row.title_ids}
    card_ids |= {row.source_id for row in rows if row.source_id in visible}
    cards = cards_for(card_ids)
    answered = []
    for row in rows:
        if not row.title_ids:
            continue
        if row.source_id is not None:
            source = cards.get(row.source_id)
            if source is None:
                continue
            row.title = f"Because you watched {source['title']}"
            row.reason = f"Viewers who liked {source['title']} also watched these"
        items = []
        for rank, title_id in enumerate(row.title_ids, start=1):
            item = {"title": cards[title_id], **row.extras.get(title_id, {})}
            if row.ranked:
                item["rank"] = rank
            items.append(item)
        answered.append({"id": row.id, "title": row.title, "reason": row.reason, "kind": row.kind, "items": items})
    return {"region": region, "generated_at": now, "rows": answered}
