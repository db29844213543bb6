"""The recommender's numerics: a model built from plain arrays with NumPy/SciPy, and scoring; no Django here.

The model blends three sources, each normalised to [0, 1] per viewer before mixing:
- collaborative: EASE item-item weights (Steck 2019) learnt from "likes", kept as the top-K per title;
- content: genres, people, era and description TF-IDF, so titles nobody watched yet can be recommended;
- popularity: watches over time in weekly buckets, read around the viewer's latest activity.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
import scipy.sparse as sp

DAY_S = 86_400.0
WEEK_S = 7 * DAY_S
# Below this share watched, a title was abandoned: it neither counts as a like nor leaves the candidates.
ABANDONED_BELOW = 0.25
WORD_RE = re.compile(r"[a-z][a-z']+")
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "he",
        "her",
        "his",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "she",
        "that",
        "the",
        "their",
        "they",
        "this",
        "to",
        "was",
        "were",
        "which",
        "who",
        "will",
        "with",
    ]
)
SEQUEL_RE = re.compile(r"(\s*\(\d{4}\))|(\s+(part\s+)?([0-9]+|[ivx]+)\s*$)", re.IGNORECASE)


@dataclass(frozen=True)
class Params:
    """Tunable knobs; defaults are chosen to hold on any split, not to fit one."""

    neighbours: int = 200  # kept EASE weights per title
    ease_lambda: float = 250.0
    ease_max_titles: int = 20_000  # the most watched titles get EASE weights; the rest rely on content
    profile_half_life_days: float = 120.0  # a like this long before the viewer's latest one weighs half
    # On top, the latest few titles count extra (by count, not time: viewers binge at any pace); what was
    # just watched says most about what comes next.
    recent_half_life_titles: float = 5.0
    recent_weight: float = 8.0
    popularity_half_life_days: float = 21.0
    content_weight: float = 0.1
    popularity_weight: float = 0.02
    genre_weights: tuple[float, float, float, float] = (0.45, 0.25, 0.1, 0.2)  # genres, people, era, description


def like_weights(progress: np.ndarray, completed: np.ndarray, rating: np.ndarray, watch_count: np.ndarray):
    """How much each history row says "I liked this": 0 for abandoned titles, more for rewatches and high ratings.

    `rating` is NaN where the viewer gave none; ratings are on a 0..5 scale (0..10 is halved).
    """
    progress = np.clip(np.nan_to_num(progress.astype(np.float64), nan=0.0), 0.0, 1.0)
    done = completed.astype(bool) | (progress >= 0.9)
    base = np.where(done, 1.0, np.where(progress >= ABANDONED_BELOW, progress, 0.0))
    rating = rating.astype(np.float64)
    scaled = np.where(rating > 5, rating / 2, rating)
    # A rating moves the weight within [0.7, 1.2]; a low rating is still a watched title, not a zero.
    factor = np.where(np.isnan(scaled), 1.0, 0.7 + 0.1 * np.clip(scaled, 0, 5))
    rewatch = 1.0 + 0.2 * np.clip(np.nan_to_num(watch_count, nan=1.0) - 1, 0, 4)
    return (base * factor * rewatch).astype(np.float32)


def franchise_key(title: str) -> str:
    """ "Toy Story 2", "Toy Story (1995)" and "Toy Story: Part II" share the key "toy story"."""
    head = title.split(":")[0].lower()
    return SEQUEL_RE.sub("", head).strip() or title.lower()


def _tfidf(texts: list[str]) -> tuple[sp.csr_matrix, dict[str, int], np.ndarray]:
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for row, text in enumerate(texts):
        terms = {word for word in WORD_RE.findall((text or "").lower()) if word not in STOP_WORDS}
        for term in terms:
            cols.append(vocab.setdefault(term, len(vocab)))
            rows.append(row)
    n = len(texts)
    counts = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, max(len(vocab), 1)))
    df = np.asarray((counts > 0).sum(axis=0)).ravel()
    idf = np.log((1 + n) / (1 + df)).astype(np.float32) + 1.0
    # Terms in one title only, or in most of them, say nothing about similarity.
    idf[(df < 2) | (df > max(2, n // 2))] = 0.0
    return _normalise_rows(counts @ sp.diags(idf)), vocab, idf


def _normalise_rows(matrix: sp.spmatrix) -> sp.csr_matrix:
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ matrix, dtype=np.float32)


def _one_hot(lists: list[list[int]], min_count: int = 1) -> sp.csr_matrix:
    rows = [row for row, values in enumerate(lists) for _ in values]
    cols = [value for values in lists for value in values]
    keys, inverse = np.unique(np.asarray(cols, dtype=np.int64), return_inverse=True)
    matrix = sp.csr_matrix(
        (np.ones(len(rows), np.float32), (np.asarray(rows, dtype=np.int64), inverse)),
        shape=(len(lists), max(len(keys), 1)),
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    if min_count > 1:
        keep = np.asarray(matrix.sum(axis=0)).ravel() >= min_count
        matrix = matrix[:, np.flatnonzero(keep)]
    return matrix


def _era(years: np.ndarray) -> sp.csr_matrix:
    """Soft decade membership: 1995 belongs fully to the 1990s and half to the 2000s."""
    known = years > 0
    decade = np.where(known, years // 10, 0)
    base = decade.min() if known.any() else 0
    cols = np.where(known, decade - base, 0)
    n_cols = int(cols.max()) + 2 if known.any() else 1
    rows = np.arange(len(years))
    within = np.where(known, (years % 10) / 10.0, 0.5)
    main = sp.csr_matrix((known.astype(np.float32), (rows, cols)), shape=(len(years), n_cols))
    near_col = np.where(within >= 0.5, cols + 1, np.maximum(cols - 1, 0))
    near = sp.csr_matrix(((known * 0.5).astype(np.float32), (rows, near_col)), shape=(len(years), n_cols))
    return _normalise_rows(main + near)


@dataclass
class Catalogue:
    """What the model knows about every title, in one index order."""

    title_ids: np.ndarray  # int64, sorted
    genres: list[list[int]]
    people: list[list[int]]
    years: np.ndarray  # int, 0 = unknown
    descriptions: list[str]
    names: list[str]


@dataclass
class History:
    """Watch history rows as parallel arrays."""

    user_ids: np.ndarray
    title_ids: np.ndarray
    weights: np.ndarray  # like_weights()
    times: np.ndarray  # unix seconds
    regions: np.ndarray  # the viewer's region code per row


@dataclass
class Model:
    title_ids: np.ndarray
    neighbours: sp.csr_matrix  # row j: how much liking j raises each title
    content: sp.csr_matrix  # rows L2-normalised, blocks weighted
    genres: sp.csr_matrix  # title x genre, binary
    genre_ids: np.ndarray
    franchise: np.ndarray  # int per title; equal ids are one franchise
    bucket_start: float  # unix seconds of bucket 0
    buckets: np.ndarray  # weeks x titles, like counts
    region_codes: np.ndarray
    region_popularity: np.ndarray  # regions x titles, recent likes, [0, 1]
    reference_time: float  # the latest history time seen by the build
    params: Params = field(default_factory=Params)
    _index: dict | None = None

    def index_of(self, title_ids) -> np.ndarray:
        """Positions of `title_ids` in the model, -1 where the model does not know the title."""
        title_ids = np.asarray(title_ids, dtype=np.int64)
        pos = np.searchsorted(self.title_ids, title_ids)
        pos = np.clip(pos, 0, max(len(self.title_ids) - 1, 0))
        found = (len(self.title_ids) > 0) & (self.title_ids[pos] == title_ids) if len(self.title_ids) else None
        if found is None:
            return np.full(len(title_ids), -1, dtype=np.int64)
        return np.where(found, pos, -1)

    # --- persistence ---------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        arrays = {
            "title_ids": self.title_ids,
            "genre_ids": self.genre_ids,
            "franchise": self.franchise,
            "buckets": self.buckets,
            "region_codes": self.region_codes.astype("U8"),
            "region_popularity": self.region_popularity,
            "scalars": np.array([self.bucket_start, self.reference_time]),
            "params": np.array(json.dumps(dataclasses.asdict(self.params))),
        }
        for name in ("neighbours", "content", "genres"):
            matrix = getattr(self, name)
            arrays[f"{name}_data"] = matrix.data
            arrays[f"{name}_indices"] = matrix.indices
            arrays[f"{name}_indptr"] = matrix.indptr
            arrays[f"{name}_shape"] = np.array(matrix.shape)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> Model:
        arrays = np.load(io.BytesIO(bytes(blob)), allow_pickle=False)

        def csr(name):
            shape = tuple(int(v) for v in arrays[f"{name}_shape"])
            return sp.csr_matrix(
                (arrays[f"{name}_data"], arrays[f"{name}_indices"], arrays[f"{name}_indptr"]), shape=shape
            )

        stored = json.loads(str(arrays["params"]))
        stored["genre_weights"] = tuple(stored["genre_weights"])
        params = Params(**{k: v for k, v in stored.items() if k in Params.__dataclass_fields__})
        scalars = arrays["scalars"]
        return cls(
            title_ids=arrays["title_ids"],
            neighbours=csr("neighbours"),
            content=csr("content"),
            genres=csr("genres"),
            genre_ids=arrays["genre_ids"],
            franchise=arrays["franchise"],
            bucket_start=float(scalars[0]),
            buckets=arrays["buckets"],
            region_codes=arrays["region_codes"],
            region_popularity=arrays["region_popularity"],
            reference_time=float(scalars[1]),
            params=params,
        )


# --- building ----------------------------------------------------------------------------------------


def content_matrix(catalogue: Catalogue, params: Params) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]:
    """Weighted, L2-normalised content rows; also the binary title x genre matrix and its genre ids."""
    genre_ids = np.unique(np.asarray([g for gs in catalogue.genres for g in gs], dtype=np.int64))
    genre_col = {int(g): i for i, g in enumerate(genre_ids)}
    genres = sp.csr_matrix(
        (
            np.ones(sum(len(gs) for gs in catalogue.genres), np.float32),
            (
                np.asarray([row for row, gs in enumerate(catalogue.genres) for _ in gs], dtype=np.int64),
                np.asarray([genre_col[int(g)] for gs in catalogue.genres for g in gs], dtype=np.int64),
            ),
        ),
        shape=(len(catalogue.title_ids), max(len(genre_ids), 1)),
    )
    genres.sum_duplicates()
    genres.data[:] = 1.0
    w_genre, w_people, w_era, w_text = params.genre_weights
    blocks = [
        _normalise_rows(genres) * math.sqrt(w_genre),
        # A person credited on one title only links it to nothing.
        _normalise_rows(_one_hot(catalogue.people, min_count=2)) * math.sqrt(w_people),
        _era(np.asarray(catalogue.years, dtype=np.int64)) * math.sqrt(w_era),
        _tfidf(catalogue.descriptions)[0] * math.sqrt(w_text),
    ]
    return sp.csr_matrix(sp.hstack(blocks), dtype=np.float32), genres, genre_ids


def ease_weight_rows(likes: sp.csr_matrix, lam: float, chunk: int = 1024) -> Iterator[tuple[int, np.ndarray]]:
    """EASE's closed form B = I - P diag(1/diag(P)), P = (X'X + lambda I)^-1, zero diagonal, in row blocks.

    Memory stays near one n x n float32 matrix: the Gram matrix is filled column block by column block,
    factorised and inverted in place (LAPACK, lower triangle), and B's rows are assembled block by block.
    """
    n = likes.shape[1]
    gram = np.zeros((n, n), dtype=np.float32, order="F")
    columns = sp.csc_matrix(likes, dtype=np.float32)
    rows_view = sp.csr_matrix(columns.T)
    for start in range(0, n, chunk):
        gram[:, start : start + chunk] = (rows_view @ columns[:, start : start + chunk]).toarray()
    gram[np.diag_indices_from(gram)] += lam
    factor, info = scipy.linalg.lapack.spotrf(gram, lower=1, overwrite_a=1, clean=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"Gram matrix is not positive definite (info={info}).")
    del gram
    inverse, info = scipy.linalg.lapack.spotri(factor, lower=1, overwrite_c=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"Inverting the Gram matrix failed (info={info}).")
    del factor
    diag = np.diag(inverse).copy()
    cols = np.arange(n)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        rows = np.arange(start, stop)
        # Only the lower triangle is valid: P[r, c] for c <= r, and P[c, r] (its mirror) for c > r.
        block = np.where(cols[None, :] <= rows[:, None], inverse[start:stop, :], inverse[:, start:stop].T)
        block /= -diag[None, :]
        block[np.arange(stop - start), rows] = 0.0
        yield start, block


def top_k_rows(blocks: Iterable[tuple[int, np.ndarray]], shape: tuple[int, int], k: int) -> sp.csr_matrix:
    """Keep the k entries of each row that are largest in magnitude (EASE's negative weights matter too)."""
    n_rows, n_cols = shape
    k = min(k, n_cols)
    rows, cols, vals = [], [], []
    for start, block in blocks:
        idx = (
            np.argpartition(-np.abs(block), k - 1, axis=1)[:, :k]
            if k < n_cols
            else np.tile(np.arange(n_cols), (len(block), 1))
        )
        taken = np.take_along_axis(block, idx, axis=1)
        keep = taken != 0
        rows.append((np.arange(start, start + len(block))[:, None] + np.zeros_like(idx))[keep])
        cols.append(idx[keep])
        vals.append(taken[keep])
    if not rows:
        return sp.csr_matrix((n_rows, n_cols), dtype=np.float32)
    return sp.csr_matrix(
        (np.concatenate(vals).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, n_cols)
    )


def build(catalogue: Catalogue, history: History, params: Params | None = None, progress=None) -> Model:
    params = params or Params()
    started = time.perf_counter()

    def say(message: str) -> None:
        if progress is not None:
            progress(f"Recommender: {message} ({time.perf_counter() - started:.1f} s into the build).")

    n = len(catalogue.title_ids)
    title_ids = np.asarray(catalogue.title_ids, dtype=np.int64)
    order = np.argsort(title_ids)
    assert np.all(order == np.arange(n)), "catalogue.title_ids must be sorted"

    content, genres, genre_ids = content_matrix(catalogue, params)
    say("content features ready")
    keys = [franchise_key(name) for name in catalogue.names]
    _, franchise = np.unique(np.asarray(keys, dtype=object).astype(str), return_inverse=True)

    item = np.searchsorted(title_ids, history.title_ids)
    item = np.clip(item, 0, max(n - 1, 0))
    known = (title_ids[item] == history.title_ids) if n else np.zeros(len(item), bool)
    liked = known & (history.weights > 0)
    users, user_idx = np.unique(history.user_ids[liked], return_inverse=True)
    items = item[liked]
    weights = history.weights[liked]
    times = history.times[liked].astype(np.float64)
    regions = history.regions[liked]

    # Collaborative weights over the most watched titles (all of them, for any usual catalogue).
    counts = np.bincount(items, minlength=n)
    watched = np.flatnonzero(counts > 0)
    if len(watched) > params.ease_max_titles:
        watched = watched[np.argsort(-counts[watched], kind="stable")[: params.ease_max_titles]]
        watched.sort()
    if len(watched) >= 2 and len(users) > 0:
        local = np.full(n, -1, dtype=np.int64)
        local[watched] = np.arange(len(watched))
        keep = local[items] >= 0
        likes = sp.csr_matrix(
            (np.minimum(weights[keep], 1.0), (user_idx[keep], local[items[keep]])),
            shape=(len(users), len(watched)),
            dtype=np.float32,
        )
        likes.sum_duplicates()
        local_weights = top_k_rows(
            ease_weight_rows(likes, params.ease_lambda), (len(watched), len(watched)), params.neighbours
        )
        coo = local_weights.tocoo()
        neighbours = sp.csr_matrix((coo.data, (watched[coo.row], watched[coo.col])), shape=(n, n), dtype=np.float32)
    else:
        neighbours = sp.csr_matrix((n, n), dtype=np.float32)

    say(f"collaborative weights ready ({neighbours.nnz} kept)")
    # Popularity: weekly buckets over the last two years of history, and a recent count per region.
    reference_time = float(times.max()) if len(times) else 0.0
    max_weeks = 104
    bucket_start = reference_time - (max_weeks - 1) * WEEK_S if len(times) else 0.0
    if len(times):
        bucket_start = max(bucket_start, math.floor(times.min() / WEEK_S) * WEEK_S)
        bucket = np.clip(((times - bucket_start) // WEEK_S).astype(np.int64), 0, None)
        n_buckets = int(bucket.max()) + 1
        # bincount over flat (row, title) cells: np.add.at is an order of magnitude slower on millions of rows.
        buckets = np.bincount(bucket * n + items, minlength=n_buckets * n).reshape(n_buckets, n).astype(np.float32)
    else:
        buckets = np.zeros((1, n), dtype=np.float32)
    # Region codes as integers (two UCS-4 characters) so millions of rows are grouped without string sorts.
    codes = np.ascontiguousarray(regions.astype("U2")).view(np.uint32).reshape(-1, 2).astype(np.int64)
    region_keys, region_row = np.unique(codes[:, 0] * 1_114_112 + codes[:, 1], return_inverse=True)
    region_codes = np.array(
        [chr(key // 1_114_112) + chr(key % 1_114_112) if key else "" for key in region_keys.tolist()], dtype="U2"
    )
    region_popularity = np.zeros((len(region_codes), n), dtype=np.float32)
    if len(times):
        recent = 0.5 ** ((reference_time - times) / (params.popularity_half_life_days * DAY_S))
        region_popularity = (
            np.bincount(region_row * n + items, weights=recent, minlength=len(region_codes) * n)
            .reshape(len(region_codes), n)
            .astype(np.float32)
        )
        peak = region_popularity.max(axis=1, keepdims=True)
        region_popularity /= np.where(peak > 0, peak, 1.0)

    return Model(
        title_ids=title_ids,
        neighbours=neighbours,
        content=content,
        genres=genres,
        genre_ids=genre_ids,
        franchise=franchise.astype(np.int32),
        bucket_start=bucket_start,
        buckets=buckets,
        region_codes=region_codes,
        region_popularity=region_popularity,
        reference_time=reference_time,
        params=params,
    )
