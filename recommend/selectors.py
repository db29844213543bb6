"""Reads of the recommend service: the current model, history as arrays, similarity, popularity."""

from __future__ import annotations

import datetime as dt
import gc
import math
import threading
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, FloatField, Func, IntegerField, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from catalog.models import Title
from catalog.selectors import (
    title_cards,
    title_content_rows,
    title_genre_pairs,
    title_person_pairs,
    titles_visible_to,
    viewer_region,
)
from identity.ratings import not_interested_title_ids
from identity.selectors import history_interactions, profile_of, user_list
from recommend import engine, scoring
from recommend.models import RecommendationList, RecommenderModel
from streaming_platform.boundary import boundary

# History at or beyond this share watched is in progress or done: it is not recommended again.
STARTED_AT_PROGRESS = 0.05
CHUNK_ROWS = 200_000
# Similarity components and their weights (they sum to 1, so the score stays in [0, 1]).
SIMILARITY_WEIGHTS = {"co_viewing": 0.4, "genres": 0.25, "people": 0.15, "era": 0.1, "description": 0.1}
ERA_SCALE_YEARS = 10.0

_loaded: dict = {}
_load_lock = threading.Lock()


@dataclass
class LoadedModel:
    row_id: int
    built_at: dt.datetime
    model: engine.Model


@boundary
def recommender_model_current() -> LoadedModel | None:
    """The newest built model; each process keeps the one it loaded, so this is one small query."""
    latest = RecommenderModel.objects.order_by("-id").values_list("id", "built_at").first()
    if latest is None:
        return None
    row_id, built_at = latest
    current = _loaded.get("current")
    # Ids can repeat after a database reset; the build time tells two models with one id apart.
    if current is not None and (current.row_id, current.built_at) == (row_id, built_at):
        return current
    with _load_lock:
        current = _loaded.get("current")
        if current is None or (current.row_id, current.built_at) != (row_id, built_at):
            blob = RecommenderModel.objects.filter(pk=row_id).values_list("data", flat=True).first()
            if blob is None:
                return current
            current = LoadedModel(row_id=row_id, built_at=built_at, model=engine.Model.from_bytes(bytes(blob)))
            _loaded["current"] = current
    return current


class EpochSeconds(Func):
    """Unix seconds of a datetime column, computed by the database: millions of rows then need no
    datetime objects in Python (parsing them costs more than everything else the build reads)."""

    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)")

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float8")

    def as_mysql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="UNIX_TIMESTAMP(%(expressions)s)")


def history_arrays(queryset: QuerySet) -> dict[str, np.ndarray]:
    """History rows (from `history_interactions()`) as arrays, read in chunks through a plain cursor.

    Each row also gets its viewer's region (`region`), looked up once per viewer rather than joined per row.
    """
    fields = ("user_id", "title_id", "progress", "completed", "watch_count", "rating", "last_watched_at")
    # Computed columns carry no declared type, so the SQLite driver calls no per-value converter on them.
    query = queryset.order_by().annotate(
        watched_at_s=EpochSeconds("last_watched_at"), completed_int=Cast("completed", IntegerField())
    )
    selected = ("user_id", "title_id", "progress", "completed_int", "watch_count", "rating", "watched_at_s")
    sql, params = query.values_list(*selected).query.sql_with_params()
    columns: dict[str, list] = {name: [] for name in fields}
    # Millions of short-lived row tuples would set off the cyclic garbage collector over and over.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _read_history(sql, params, columns)
    finally:
        if collecting:
            gc.enable()
    return _history_columns(columns)


def _read_history(sql: str, params, columns: dict[str, list]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK_ROWS):
            user, title, progress, completed, count, rating, when = zip(*rows, strict=True)
            columns["user_id"].append(np.array(user, dtype=np.int64))
            columns["title_id"].append(np.array(title, dtype=np.int64))
            # None becomes NaN in a float array.
            columns["progress"].append(np.array(progress, dtype=np.float64))
            columns["completed"].append(np.array(completed, dtype=bool))
            columns["watch_count"].append(np.array(count, dtype=np.float64))
            columns["rating"].append(np.array(rating, dtype=np.float64))
            columns["last_watched_at"].append(np.array(when, dtype=np.float64))
            del rows, user, title, progress, completed, count, rating, when


def _history_columns(columns: dict[str, list]) -> dict[str, np.ndarray]:
    arrays = {
        name: np.concatenate(parts) if parts else np.zeros(0, dtype=bool if name == "completed" else np.float64)
        for name, parts in columns.items()
    }
    for name in ("user_id", "title_id"):
        arrays[name] = arrays[name].astype(np.int64)
    viewers = np.unique(arrays["user_id"])
    if len(viewers) > 1000:
        regions = dict(user_list().values_list("id", "country").iterator(20_000))
    else:
        regions = dict(user_list().filter(id__in=viewers.tolist()).values_list("id", "country"))
    viewer_region_codes = np.array([regions.get(int(v), "") for v in viewers], dtype="U2")
    arrays["region"] = (
        viewer_region_codes[np.searchsorted(viewers, arrays["user_id"])] if len(viewers) else (np.zeros(0, dtype="U2"))
    )
    return arrays


@boundary
def catalogue_for_model() -> engine.Catalogue:
    """Every catalog title with what content similarity needs, in id order."""
    rows = title_content_rows()
    index = {row[0]: i for i, row in enumerate(rows)}
    genres: list[list[int]] = [[] for _ in rows]
    people: list[list[int]] = [[] for _ in rows]
    for title_id, genre_id in title_genre_pairs():
        genres[index[title_id]].append(genre_id)
    for title_id, person_id in title_person_pairs():
        people[index[title_id]].append(person_id)
    return engine.Catalogue(
        title_ids=np.array([row[0] for row in rows], dtype=np.int64),
        genres=genres,
        people=people,
        years=np.array([row[2] or 0 for row in rows], dtype=np.int64),
        descriptions=[row[3] or "" for row in rows],
        names=[row[1] for row in rows],
    )


@boundary
def recommendation_list_for(*, user) -> RecommendationList | None:
    """The cached list of the profile `user` acts for."""
    return RecommendationList.objects.filter(profile=profile_of(user)).first()


def recommendation_list_is_fresh(
    recommendations: RecommendationList, *, visible_ids: set[int], checked_ids: list[int] | None = None, now=None
) -> bool:
    """Fresh: inside its time to live, no new history since, and every listed title still visible.

    `checked_ids` limits the visibility test to the titles about to be shown (default: the whole list).
    """
    now = now or timezone.now()
    if recommendations.invalidated or recommendations.fresh_until <= now:
        return False
    if checked_ids is None:
        checked_ids = [item["title_id"] for item in recommendations.items]
    return all(title_id in visible_ids for title_id in checked_ids)


# --- similarity --------------------------------------------------------------------------------------


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def _liked_viewers(title_id: int) -> set[int]:
    rows = history_interactions().filter(title_id=title_id).values_list("user_id", "progress", "completed")
    return {user for user, progress, completed in rows if completed or (progress or 0) >= engine.ABANDONED_BELOW}


def _description_terms(text: str) -> dict[str, float]:
    words = [word for word in engine.WORD_RE.findall((text or "").lower()) if word not in engine.STOP_WORDS]
    terms: dict[str, float] = defaultdict(float)
    for word in words:
        terms[word] += 1.0
    return terms


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(value * b.get(term, 0.0) for term, value in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


@boundary
def title_similarity(*, a: Title, b: Title) -> dict:
    """A score in [0, 1] and its components; every component is symmetric, so the score is too.

    co_viewing: cosine of the sets of viewers who liked each title; genres and people: Jaccard overlap;
    era: exp(-|year difference| / 10); description: cosine of word counts.
    """
    if a.pk == b.pk:
        components = dict.fromkeys(SIMILARITY_WEIGHTS, 1.0)
    else:
        viewers_a, viewers_b = _liked_viewers(a.pk), _liked_viewers(b.pk)
        denominator = math.sqrt(len(viewers_a) * len(viewers_b))
        genres = defaultdict(set)
        for title_id, genre_id in title_genre_pairs(title_ids=[a.pk, b.pk]):
            genres[title_id].add(genre_id)
        people = defaultdict(set)
        for title_id, person_id in title_person_pairs(title_ids=[a.pk, b.pk]):
            people[title_id].add(person_id)
        era = (
            math.exp(-abs(a.release_year - b.release_year) / ERA_SCALE_YEARS)
            if a.release_year and b.release_year
            else 0.0
        )
        components = {
            "co_viewing": len(viewers_a & viewers_b) / denominator if denominator else 0.0,
            "genres": _jaccard(genres[a.pk], genres[b.pk]),
            "people": _jaccard(people[a.pk], people[b.pk]),
            "era": era,
            "description": _cosine(_description_terms(a.description), _description_terms(b.description)),
        }
    components = {name: round(min(max(value, 0.0), 1.0), 4) for name, value in components.items()}
    score = sum(SIMILARITY_WEIGHTS[name] * value for name, value in components.items())
    return {"score": round(min(max(score, 0.0), 1.0), 4), "components": components, "weights": SIMILARITY_WEIGHTS}


@boundary
def titles_similar_to(*, title: Title, user, region: str | None = None, limit: int = 10) -> list[dict]:
    """ "More like this": neighbours from viewing together and content, visible to the viewer, best first."""
    loaded = recommender_model_current()
    if loaded is None:
        return []
    model = loaded.model
    position = int(model.index_of([title.pk])[0])
    if position < 0:
        return []
    scores, _, _ = scoring.similar_to(model, position)
    order = np.argsort(-scores)[: max(limit * 5, 100)]
    order = order[np.isfinite(scores[order]) & (scores[order] > 0)]
    candidates = [int(model.title_ids[i]) for i in order]
    visible = set(titles_visible_to(user, region).filter(id__in=candidates).order_by().values_list("id", flat=True))
    visible -= not_interested_title_ids(user)
    peak = float(scores[order[0]]) if len(order) else 1.0
    chosen = [
        (title_id, float(scores[i])) for i, title_id in zip(order, candidates, strict=True) if title_id in visible
    ]
    chosen = chosen[:limit]
    cards = title_cards([title_id for title_id, _ in chosen])
    return [
        {"title": cards[title_id], "score": round(score / peak, 4) if peak > 0 else 0.0} for title_id, score in chosen
    ]


# --- popularity --------------------------------------------------------------------------------------


@boundary
def titles_popular(*, user, region: str | None = None, days: int = 7, limit: int = 10) -> dict:
    """Titles most watched by viewers of the region over the last `days`, visible to the caller."""
    region = viewer_region(user, region)
    since = timezone.now() - dt.timedelta(days=days)
    key = f"recommend:popular:{region}:{days}"
    counts = cache.get(key)
    if counts is None:
        counts = list(
            history_interactions()
            .filter(last_watched_at__gte=since, user__country=region)
            .order_by()
            .values("title_id")
            .annotate(viewers=Count("user_id", distinct=True))
            .order_by("-viewers", "title_id")
            .values_list("title_id", "viewers")[:500]
        )
        cache.set(key, counts, settings.RECOMMEND_POPULAR_CACHE_S)
    ids = [title_id for title_id, _ in counts]
    visible = set(titles_visible_to(user, region).filter(id__in=ids).order_by().values_list("id", flat=True))
    visible -= not_interested_title_ids(user)
    chosen = [(title_id, viewers) for title_id, viewers in counts if title_id in visible][:limit]
    cards = title_cards([title_id for title_id, _ in chosen])
    items = [{"title": cards[title_id], "viewers": viewers} for title_id, viewers in chosen]
    return {"region": region, "since": since, "days": days, "items": items}
