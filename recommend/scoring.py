"""Scoring with a built model (`recommend.engine.Model`): a viewer's scores from their likes, recent
popularity, a title's nearest neighbours, and the diversity rule. NumPy/SciPy only, like the engine."""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recommend.engine import DAY_S, WEEK_S, Model


def _unit(values: np.ndarray) -> np.ndarray:
    peak = values.max() if len(values) else 0.0
    return values / peak if peak > 0 else np.zeros_like(values)


def popularity_at(model: Model, when: float) -> np.ndarray:
    """Likes per title weighted by closeness in time to `when`, scaled to [0, 1]."""
    if not len(model.buckets):
        return np.zeros(len(model.title_ids), dtype=np.float32)
    centres = model.bucket_start + (np.arange(len(model.buckets)) + 0.5) * WEEK_S
    kernel = 0.5 ** (np.abs(when - centres) / (model.params.popularity_half_life_days * DAY_S))
    # An elementwise sum, not a BLAS product: tiny products on a busy machine are slower through BLAS threads.
    return _unit(np.einsum("w,wt->t", kernel.astype(np.float32), model.buckets))


def regional_popularity(model: Model, region: str) -> np.ndarray:
    row = np.searchsorted(model.region_codes, region) if len(model.region_codes) else 0
    if len(model.region_codes) and row < len(model.region_codes) and model.region_codes[row] == region:
        return model.region_popularity[row]
    return popularity_at(model, model.reference_time)


@dataclass
class Scored:
    scores: np.ndarray  # per model title
    collaborative: np.ndarray
    content: np.ndarray
    popularity: np.ndarray
    history_idx: np.ndarray  # the liked history titles (model indices) behind `contributions`
    contributions: sp.csr_matrix | None  # history title x title: what each liked title adds

    def because(self, positions: list[int]) -> list[int]:
        """For each title position, the liked history title that raised it most (-1 if none)."""
        if self.contributions is None or not len(positions):
            return [-1] * len(positions)
        block = self.contributions[:, positions].toarray()
        best = block.argmax(axis=0)
        return [int(self.history_idx[b]) if block[b, i] > 0 else -1 for i, b in enumerate(best)]


def score(
    model: Model,
    *,
    history_idx: np.ndarray,
    history_weights: np.ndarray,
    history_times: np.ndarray,
    region: str,
    favourite_genre_ids: list[int] | None = None,
) -> Scored:
    """Scores for every model title for one viewer (known titles only: pass model indices)."""
    n = len(model.title_ids)
    params = model.params
    liked = history_weights > 0
    idx, weights, times = history_idx[liked], history_weights[liked].astype(np.float64), history_times[liked]
    if len(idx):
        latest = float(times.max())
        # Rank 0 is the latest like; ties in time share a rank.
        rank = len(times) - np.searchsorted(np.sort(times), times, side="right")
        weights = weights * (
            0.5 ** ((latest - times) / (params.profile_half_life_days * DAY_S))
            + params.recent_weight * 0.5 ** (rank / params.recent_half_life_titles)
        )
        profile = sp.csr_matrix((weights.astype(np.float32), (np.zeros(len(idx), np.int64), idx)), shape=(1, n))
        contributions = sp.csr_matrix(model.neighbours[idx].multiply(weights[:, None].astype(np.float32)))
        collaborative = np.asarray(contributions.sum(axis=0)).ravel()
        taste = profile @ model.content
        content = np.asarray((model.content @ taste.T).todense()).ravel()
        popularity = popularity_at(model, latest)
    else:
        collaborative = np.zeros(n, dtype=np.float32)
        contributions = None
        content = np.zeros(n, dtype=np.float32)
        popularity = regional_popularity(model, region)
    if favourite_genre_ids:
        wanted = np.isin(model.genre_ids, np.asarray(favourite_genre_ids, dtype=np.int64)).astype(np.float32)
        per_title = np.asarray(model.genres @ wanted).ravel()
        counts = np.asarray(model.genres.sum(axis=1)).ravel()
        genre_match = np.where(counts > 0, per_title / np.maximum(counts, 1), 0.0)
        content = _unit(content) + genre_match if len(idx) else genre_match
    collaborative, content, popularity = _unit(collaborative), _unit(content), _unit(popularity)
    if len(idx):
        total = collaborative + params.content_weight * content + params.popularity_weight * popularity
    else:
        # Cold start: favourite genres first, popularity breaks ties and fills in.
        total = content + 0.5 * popularity
    return Scored(total.astype(np.float32), collaborative, content, popularity, idx, contributions)


def similar_to(model: Model, position: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ "More like this": (scores, collaborative, content) for every title against the title at `position`."""
    row = model.neighbours[position].toarray().ravel()
    column = model.neighbours[:, position].toarray().ravel()
    collaborative = _unit(np.maximum(row, column))
    content = np.asarray((model.content @ model.content[position].T).todense()).ravel()
    scores = collaborative + 0.5 * content
    scores[position] = -np.inf
    return scores, collaborative, content


def diversify(order: np.ndarray, model: Model, *, limit: int, max_genre_run: int = 3, lookahead: int = 50) -> list[int]:
    """Re-rank `order` (model indices, best first) so no genre runs past `max_genre_run` titles in a row
    and no two titles of one franchise are adjacent; the best allowed candidate always comes next."""
    pending = [int(p) for p in order[: max(limit * 3, limit + lookahead)]]
    indptr, indices = model.genres.indptr, model.genres.indices
    genres_of = {p: frozenset(indices[indptr[p] : indptr[p + 1]].tolist()) for p in pending}
    franchise = model.franchise
    chosen: list[int] = []
    while pending and len(chosen) < limit:
        run_genres: frozenset = frozenset()
        if len(chosen) >= max_genre_run:
            run_genres = frozenset.intersection(*(genres_of[r] for r in chosen[-max_genre_run:]))
        last_franchise = franchise[chosen[-1]] if chosen else -1
        pick = 0
        for offset, candidate in enumerate(pending[:lookahead]):
            if franchise[candidate] == last_franchise or (run_genres and run_genres & genres_of[candidate]):
                continue
            pick = offset
            break
        chosen.append(pending.pop(pick))
    return chosen
