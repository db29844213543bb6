"""Writes of the recommend service: building the model, building, serving and invalidating viewers' lists."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.selectors import title_cards, title_names, titles_exist_after, titles_visible_to, viewer_region
from identity.library import list_title_ids_for
from identity.ratings import rating_values_for
from identity.selectors import favourite_genre_ids_for, history_interactions, profile_of, user_list
from recommend import engine, scoring
from recommend.models import RecommendationList, RecommenderModel, RecommenderState
from recommend.selectors import (
    STARTED_AT_PROGRESS,
    catalogue_for_model,
    history_arrays,
    recommendation_list_for,
    recommendation_list_is_fresh,
    recommender_model_current,
)
from streaming_platform.boundary import boundary

logger = logging.getLogger(__name__)

MAX_LIMIT = 100
KEPT_MODELS = 2
# A rebuild that has not finished after this long is presumed dead, and another process may start one.
REBUILD_CLAIM_TIMEOUT = dt.timedelta(minutes=30)
# A title on My List is a like, weaker than one watched past a quarter (engine.like_weights' scale, 0..1).
LIST_LIKE_WEIGHT = 0.2
# Thumbs: love > up > a title finished (1.0) > one watched past a quarter; a thumbs-down is no like at all.
RATING_LIKE_WEIGHTS = {"love": 1.6, "up": 1.3}
# How much a thumbs-down title's close neighbours lose, as a share of the best score.
DISLIKE_NEIGHBOUR_PENALTY = 0.5


# --- the model ---------------------------------------------------------------------------------------


@boundary
def recommender_build(*, stdout=None) -> RecommenderModel:
    """Learns a new model from all history and the whole catalog, stores it, and makes it the served one."""
    started = time.perf_counter()

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message)

    catalogue = catalogue_for_model()
    say(f"Recommender: {len(catalogue.title_ids)} titles ({time.perf_counter() - started:.1f} s).")
    rows = history_arrays(history_interactions())
    weights = engine.like_weights(rows["progress"], rows["completed"], rows["rating"], rows["watch_count"])
    history = engine.History(
        user_ids=rows["user_id"],
        title_ids=rows["title_id"],
        weights=weights,
        times=rows["last_watched_at"],
        regions=rows["region"],
    )
    say(
        f"Recommender: {len(weights)} history rows, {int((weights > 0).sum())} likes "
        f"({time.perf_counter() - started:.1f} s)."
    )
    model = engine.build(catalogue, history, progress=say)
    blob = model.to_bytes()
    with transaction.atomic():
        row = RecommenderModel(
            built_at=timezone.now(),
            build_seconds=round(time.perf_counter() - started, 3),
            viewers=len(np.unique(rows["user_id"])),
            titles=len(catalogue.title_ids),
            interactions=len(weights),
            data=blob,
        )
        row.full_clean(exclude=["data"])
        row.save()
        stale = RecommenderModel.objects.order_by("-id").values_list("id", flat=True)[KEPT_MODELS:]
        RecommenderModel.objects.filter(id__in=list(stale)).delete()
        RecommenderState.objects.update_or_create(pk=1, defaults={"new_history": 0, "rebuild_started_at": None})
    if connection.vendor == "sqlite":
        # Bulk-loaded tables have no planner statistics, and without them SQLite picks a poor index for
        # the visibility rule's per-title lookup (20x slower list builds); a sampled ANALYZE takes milliseconds.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")
    say(f"Recommender: model #{row.pk} built in {row.build_seconds:.1f} s ({len(blob) / 1e6:.1f} MB).")
    return row


def _rebuild_threshold() -> int:
    """New history rows that make the model due: a floor, or a share of what the model learnt from."""
    latest = RecommenderModel.objects.order_by("-id").values_list("interactions", flat=True).first() or 0
    return max(settings.RECOMMEND_REBUILD_MIN_NEW_HISTORY, int(latest * settings.RECOMMEND_REBUILD_SHARE))


def _rebuild_claim() -> bool:
    """Only one process rebuilds at a time: claim the state row, or let the claimant finish."""
    now = timezone.now()
    claimable = Q(rebuild_started_at__isnull=True) | Q(rebuild_started_at__lt=now - REBUILD_CLAIM_TIMEOUT)
    return bool(RecommenderState.objects.filter(claimable, pk=1).update(rebuild_started_at=now))


def _rebuild_in_background() -> None:
    def run():
        try:
            recommender_build()
        except Exception:
            logger.exception("Automatic recommender rebuild failed")
            RecommenderState.objects.filter(pk=1).update(rebuild_started_at=None)
        finally:
            close_old_connections()

    threading.Thread(target=run, name="recommender-rebuild", daemon=True).start()


@boundary
def recommender_rebuild_if_due() -> bool:
    """Starts a rebuild when enough new history arrived since the last one (RECOMMEND_AUTO_REBUILD says how)."""
    mode = settings.RECOMMEND_AUTO_REBUILD
    if mode == "off":
        return False
    state = RecommenderState.objects.filter(pk=1).values_list("new_history", flat=True).first() or 0
    if state < _rebuild_threshold() or not _rebuild_claim():
        return False
    if mode == "inline":
        recommender_build()
    else:
        transaction.on_commit(_rebuild_in_background)
    return True


@boundary
def recommendations_invalidate(*, user) -> None:
    """New history for `user`: the cached lists of the account's profiles are stale, and the model may be due
    for a rebuild."""
    with transaction.atomic():
        RecommendationList.objects.filter(user_id=user.pk).update(invalidated=True)
        if not RecommenderState.objects.filter(pk=1).update(new_history=F("new_history") + 1):
            RecommenderState.objects.get_or_create(pk=1, defaults={"new_history": 1})
    recommender_rebuild_if_due()


# --- one viewer's list -------------------------------------------------------------------------------


def _viewer_history(user) -> dict[str, np.ndarray]:
    """The acting profile's history rows folded per title: strongest like, latest time, started or not."""
    rows = history_arrays(history_interactions().filter(profile=profile_of(user)))
    weights = engine.like_weights(rows["progress"], rows["completed"], rows["rating"], rows["watch_count"])
    titles, inverse = np.unique(rows["title_id"], return_inverse=True)
    folded_weight = np.zeros(len(titles), dtype=np.float32)
    np.maximum.at(folded_weight, inverse, weights)
    latest = np.zeros(len(titles))
    np.maximum.at(latest, inverse, rows["last_watched_at"])
    started = np.zeros(len(titles), dtype=bool)
    progress = np.nan_to_num(rows["progress"], nan=0.0)
    np.logical_or.at(started, inverse, rows["completed"] | (progress >= STARTED_AT_PROGRESS))
    # Ratings and My List: titles rated or kept without being watched join the history; none of them is
    # recommended back (they are known already).
    now = timezone.now().timestamp()
    thumbs = rating_values_for(user=user)
    rated = np.setdiff1d(np.array(sorted(thumbs), dtype=np.int64), titles)
    listed = np.setdiff1d(np.array(list_title_ids_for(user=user), dtype=np.int64), np.concatenate([titles, rated]))
    titles = np.concatenate([titles, rated, listed])
    weights = np.concatenate(
        [folded_weight, np.zeros(len(rated), dtype=np.float32), np.full(len(listed), LIST_LIKE_WEIGHT, np.float32)]
    )
    latest = np.concatenate([latest, np.full(len(rated) + len(listed), now)])
    started = np.concatenate([started, np.ones(len(rated) + len(listed), dtype=bool)])
    disliked = np.zeros(len(titles), dtype=bool)
    for index, title_id in enumerate(titles.tolist()):
        thumb = thumbs.get(title_id)
        if thumb == "down":
            weights[index], disliked[index] = 0.0, True
        elif thumb in RATING_LIKE_WEIGHTS:
            weights[index] = max(float(weights[index]), RATING_LIKE_WEIGHTS[thumb])
    return {
        "title_ids": titles,
        "weights": weights,
        "times": latest,
        "started": started,
        "disliked": disliked,
        "listed_only": listed,
        "liked_rated": np.array([t for t, v in thumbs.items() if v in RATING_LIKE_WEIGHTS], dtype=np.int64),
    }


def _reason(
    position: int,
    because: int,
    scored: scoring.Scored,
    *,
    names: dict[int, str],
    model: engine.Model,
    favourites: set[int],
    has_history: bool,
    listed_only: set[int] | None = None,
    liked_rated: set[int] | None = None,
) -> str:
    genre_ids = set(
        model.genre_ids[model.genres.indices[model.genres.indptr[position] : model.genres.indptr[position + 1]]]
    )
    if has_history and because >= 0 and scored.collaborative[position] >= scored.content[position] * 0.5:
        because_id = int(model.title_ids[because])
        if liked_rated and because_id in liked_rated:
            return f"Because you liked {names.get(because_id, 'a title')}"
        if listed_only and because_id in listed_only:
            return f"Because {names.get(because_id, 'a title')} is on your list"
        return f"Because you watched {names.get(because_id, 'a title you liked')}"
    if favourites & genre_ids:
        return "Matches your favourite genres"
    if has_history and scored.content[position] > 0:
        return "Similar in genre and style to titles you watched"
    return "Popular in your region" if not has_history else "Trending with viewers like you"


def _new_titles(user, model: engine.Model, *, taste: dict[int, float], limit: int) -> list[tuple[int, float]]:
    """Titles added after the model was built, scored by how well their genres match the viewer's taste."""
    newest = int(model.title_ids.max()) if len(model.title_ids) else 0
    if not titles_exist_after(title_id=newest):
        return []
    rows = titles_visible_to(user).filter(id__gt=newest).order_by("-id").values_list("id", "genres")[: limit * 10]
    genres: dict[int, set[int]] = {}
    for title_id, genre_id in rows:
        genres.setdefault(title_id, set())
        if genre_id is not None:
            genres[title_id].add(genre_id)
    scored = []
    for title_id, own in genres.items():
        match = sum(taste.get(g, 0.0) for g in own) / max(len(own), 1)
        scored.append((title_id, match))
    return sorted(scored, key=lambda pair: -pair[1])[:limit]


@boundary
def recommendations_generate(*, user, now: dt.datetime | None = None) -> RecommendationList:
    """Builds the viewer's list now from the current model, and caches it with its freshness."""
    now = now or timezone.now()
    loaded = recommender_model_current()
    if loaded is None:
        recommender_build()
        loaded = recommender_model_current()
    model = loaded.model
    size = settings.RECOMMEND_LIST_SIZE
    history = _viewer_history(user)
    positions = model.index_of(history["title_ids"])
    known = positions >= 0
    favourites = set(favourite_genre_ids_for(user=user))
    region = viewer_region(user)
    scored = scoring.score(
        model,
        history_idx=positions[known],
        history_weights=history["weights"][known],
        history_times=history["times"][known],
        region=region,
        favourite_genre_ids=sorted(favourites),
    )
    has_history = bool((history["weights"][known] > 0).any())
    scores = scored.scores.copy()
    disliked = positions[known & history["disliked"]]
    if len(disliked):
        # A thumbs-down: its close neighbours lose weight, and it is never recommended.
        penalty = np.asarray(model.neighbours[disliked].sum(axis=0)).ravel()
        if penalty.max() > 0:
            peak = float(scores[np.isfinite(scores)].max()) if np.isfinite(scores).any() else 1.0
            scores = scores - DISLIKE_NEIGHBOUR_PENALTY * peak * (penalty / penalty.max())
    scores[positions[known & (history["started"] | history["disliked"])]] = -np.inf
    excluded = set(history["title_ids"][history["started"] | history["disliked"]].tolist())

    # Walk down the ranking until enough visible titles are found (visibility is one query per batch).
    order = np.argsort(-scores, kind="stable")
    order = order[np.isfinite(scores[order])]
    visible_positions: list[int] = []
    batch = max(size * 2, 100)
    visible_query = titles_visible_to(user)
    for start in range(0, len(order), batch):
        chunk = order[start : start + batch]
        ids = model.title_ids[chunk]
        visible = set(visible_query.filter(id__in=ids.tolist()).values_list("id", flat=True))
        visible_positions.extend(int(p) for p, t in zip(chunk, ids, strict=True) if int(t) in visible)
        if len(visible_positions) >= size * 1.5 or start + batch >= len(order):
            break
    chosen = scoring.diversify(np.array(visible_positions, dtype=np.int64), model, limit=size)

    listed_only = set(history["listed_only"].tolist())
    liked_rated = set(history["liked_rated"].tolist())
    because = scored.because(chosen)
    because_ids = {int(model.title_ids[b]) for b in because if b >= 0}
    names = title_names(title_ids=because_ids)
    items: list[dict[str, Any]] = [
        {
            "title_id": int(model.title_ids[p]),
            "score": round(float(scores[p]), 4),
            "reason": _reason(
                p,
                b,
                scored,
                names=names,
                model=model,
                favourites=favourites,
                has_history=has_history,
                listed_only=listed_only,
                liked_rated=liked_rated,
            ),
        }
        for p, b in zip(chosen, because, strict=True)
    ]
    # New titles (unknown to the model) get a place through their genres; they sit where their score says.
    taste: dict[int, float] = {}
    liked = positions[known][history["weights"][known] > 0]
    if len(liked):
        counts = np.asarray(model.genres[liked].sum(axis=0)).ravel()
        taste = {int(g): float(c) / len(liked) for g, c in zip(model.genre_ids, counts, strict=False) if c}
    for genre_id in favourites:
        taste[genre_id] = max(taste.get(genre_id, 0.0), 1.0)
    peak = max((item["score"] for item in items), default=1.0)
    for title_id, match in _new_titles(user, model, taste=taste, limit=5):
        if title_id in excluded or match <= 0:
            continue
        item = {
            "title_id": title_id,
            "score": round(match * peak * 0.5, 4),
            "reason": "New on the service, in genres you like",
        }
        place = next((i for i, other in enumerate(items) if other["score"] < item["score"]), len(items))
        items.insert(place, item)
    items = items[:size]

    ttl = dt.timedelta(seconds=settings.RECOMMEND_TTL_S)
    recommendations = RecommendationList(
        user_id=user.pk,
        profile=profile_of(user),
        items=items,
        generated_at=now,
        fresh_until=now + ttl,
        invalidated=False,
        model_id=loaded.row_id,
    )
    # One INSERT ... ON CONFLICT statement: no read-then-write transaction on the hot path.
    RecommendationList.objects.bulk_create(
        [recommendations],
        update_conflicts=True,
        unique_fields=["profile"],
        update_fields=["items", "generated_at", "fresh_until", "invalidated", "model"],
    )
    return recommendations


@boundary
def recommendations_serve(*, user, limit: int = 10) -> tuple[RecommendationList, list[dict]]:
    """The viewer's list as the API serves it: the cached one when fresh, else rebuilt inline.

    Returns the list and its first `limit` items as {"title": card, "score", "reason"}.
    """
    recommendations = recommendation_list_for(user=user)
    cards: dict[int, dict] = {}
    if recommendations is not None:
        # Only the titles about to be shown are checked: one small query gives visibility and display data.
        page_ids = [item["title_id"] for item in recommendations.items[:limit]]
        cards = title_cards(page_ids, titles=titles_visible_to(user))
        if not recommendation_list_is_fresh(recommendations, visible_ids=set(cards), checked_ids=page_ids):
            recommendations = None
    if recommendations is None:
        # Built a moment ago from visible titles only: no second visibility check needed.
        recommendations = recommendations_generate(user=user)
        cards = title_cards([item["title_id"] for item in recommendations.items[:limit]])
    items = [
        {"title": cards[item["title_id"]], "score": item["score"], "reason": item["reason"]}
        for item in recommendations.items[:limit]
        if item["title_id"] in cards
    ]
    return recommendations, items


@boundary
def recommendations_build_many(
    *,
    user_ids: Iterable[int] | None = None,
    stale_only: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Builds the lists of the given viewers (default: everyone); with `stale_only`, only lists not fresh now."""
    users = user_list().filter(is_active=True)
    if user_ids is not None:
        users = users.filter(id__in=list(user_ids))
    users = list(users)
    built = 0
    for done, user in enumerate(users, start=1):
        if stale_only:
            current = recommendation_list_for(user=user)
            if current is not None:
                ids = [item["title_id"] for item in current.items]
                visible = set(titles_visible_to(user).filter(id__in=ids).values_list("id", flat=True))
                if recommendation_list_is_fresh(current, visible_ids=visible):
                    if progress:
                        progress(done, len(users))
                    continue
        recommendations_generate(user=user)
        built += 1
        if progress:
            progress(done, len(users))
    return built
