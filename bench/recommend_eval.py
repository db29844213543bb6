"""Offline quality of the recommender on MovieLens 100K against standard baselines, on two time splits.

    .venv/bin/python bench/recommend_eval.py [ML_100K_DIR] [--holdout 0.2] [--split viewer|global|both]

`both` (the default, what `make bench` runs) evaluates each split in a process of its own, so each starts
from a fresh database.

Each viewer's ratings are split by time: the latest 20% (at least one) are held out. With `--split global`
one date cuts everything instead: the ratings before it train, the latest 20% of all ratings test (viewers
with no rating before the cut are left out), so no recommender can lean on a viewer's own recent past.
The training rows are imported through `manage.py import_movielens` into a fresh database, the model is
built with `build_recommender`, and every viewer's top 10 comes from `recommendations_serve`, the function behind
`GET /api/recommend/users/<id>` (same visibility filter, same exclusions, same diversity rule). Peers learn
from the same training ratings: popularity, `implicit` ALS (64 factors), `implicit` item-KNN (cosine,
K=100) and EASE (lambda 250). Reports Precision@10, Recall@10, NDCG@10, HitRate@10 and catalog coverage.
"""

from __future__ import annotations

import argparse
import io
import math
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness

K = 10
DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "ml-100k"


def read_ratings(directory: Path) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    lines = (directory / "ml-100k.inter").read_text(encoding="utf-8", errors="replace").splitlines()
    header, rows = lines[0], [line.split("\t") for line in lines[1:] if line.strip()]
    users = np.array([int(row[0]) for row in rows])
    items = np.array([int(row[1]) for row in rows])
    times = np.array([float(row[3]) for row in rows])
    return [header, *lines[1:]], users, items, times


def time_split(users: np.ndarray, items: np.ndarray, times: np.ndarray, holdout: float) -> np.ndarray:
    """True for training rows: per viewer, all but the latest `holdout` share (at least one held out)."""
    train = np.ones(len(users), dtype=bool)
    order = np.lexsort((items, times, users))
    boundaries = np.flatnonzero(np.diff(users[order])) + 1
    for rows in np.split(order, boundaries):
        held = max(1, round(len(rows) * holdout))
        if held < len(rows):
            train[rows[-held:]] = False
    return train


def global_split(times: np.ndarray, holdout: float) -> np.ndarray:
    """True for training rows: everything rated before the date that leaves the latest `holdout` share after."""
    cut = np.quantile(times, 1.0 - holdout)
    return times < cut


def metrics(recommended: dict[int, list[int]], held_out: dict[int, set[int]], n_items: int) -> dict[str, float]:
    precision = recall = ndcg = hits = 0.0
    shown: set[int] = set()
    for user, relevant in held_out.items():
        top = recommended.get(user, [])[:K]
        shown.update(top)
        gains = [1.0 if item in relevant else 0.0 for item in top]
        precision += sum(gains) / K
        recall += sum(gains) / len(relevant)
        hits += 1.0 if any(gains) else 0.0
        dcg = sum(g / math.log2(rank + 2) for rank, g in enumerate(gains))
        ideal = sum(1.0 / math.log2(rank + 2) for rank in range(min(K, len(relevant))))
        ndcg += dcg / ideal
    n = len(held_out)
    return {
        "precision": precision / n,
        "recall": recall / n,
        "ndcg": ndcg / n,
        "hit_rate": hits / n,
        "coverage": len(shown) / n_items,
    }


def top_k(scores: np.ndarray, seen: sp.csr_matrix, item_ids: np.ndarray) -> list[list[int]]:
    scores = np.array(scores, dtype=np.float64)
    scores[seen.nonzero()] = -np.inf
    best = np.argpartition(-scores, K, axis=1)[:, :K]
    ordered = np.take_along_axis(best, np.argsort(-np.take_along_axis(scores, best, axis=1), axis=1), axis=1)
    return [list(item_ids[row]) for row in ordered]


def peers(train_users, train_items, item_ids: np.ndarray) -> dict[str, dict[int, list[int]]]:
    from implicit.als import AlternatingLeastSquares
    from implicit.nearest_neighbours import CosineRecommender
    from threadpoolctl import threadpool_limits

    user_ids, rows = np.unique(train_users, return_inverse=True)
    cols = np.searchsorted(item_ids, train_items)
    matrix = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(user_ids), len(item_ids)))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    results: dict[str, dict[int, list[int]]] = {}

    popularity = np.asarray(matrix.sum(axis=0)).ravel()
    top_popular = top_k(np.tile(popularity, (len(user_ids), 1)), matrix, item_ids)
    results["popularity"] = dict(zip(user_ids, top_popular, strict=True))

    gram = (matrix.T @ matrix).toarray().astype(np.float64)
    gram[np.diag_indices_from(gram)] += 250.0
    inverse = np.linalg.inv(gram)
    weights = inverse / -np.diag(inverse)
    weights[np.diag_indices_from(weights)] = 0.0
    results["EASE (lambda 250)"] = dict(zip(user_ids, top_k(matrix @ weights, matrix, item_ids), strict=True))

    with threadpool_limits(1, "blas"):
        als = AlternatingLeastSquares(factors=64, random_state=42)
        als.fit(matrix, show_progress=False)
    ids, _ = als.recommend(np.arange(len(user_ids)), matrix, N=K, filter_already_liked_items=True)
    results["implicit ALS (64 factors)"] = {u: list(item_ids[row]) for u, row in zip(user_ids, ids, strict=True)}

    knn = CosineRecommender(K=100)
    knn.fit(matrix, show_progress=False)
    ids, _ = knn.recommend(np.arange(len(user_ids)), matrix, N=K, filter_already_liked_items=True)
    results["implicit item-KNN (cosine, K=100)"] = {
        u: list(item_ids[row]) for u, row in zip(user_ids, ids, strict=True)
    }
    return results


def our_engine(train_dir: Path, held_out_users: list[int]) -> tuple[dict[int, list[int]], dict[str, float]]:
    """Import, build and serve through the product's own code path, in a fresh database."""
    db = harness.bench_database("recommend_eval")
    harness.django_setup(db)
    from django.core.management import call_command

    from catalog.models import Title
    from identity.models import User
    from recommend.services import recommendations_serve

    timings = {}
    started = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        call_command("import_movielens", str(train_dir), stdout=io.StringIO())
    timings["import_s"] = time.perf_counter() - started
    started = time.perf_counter()
    call_command("build_recommender", stdout=io.StringIO())
    timings["build_s"] = time.perf_counter() - started
    from recommend.models import RecommenderModel

    timings["model_build_s"] = RecommenderModel.objects.latest().build_seconds

    item_of = {
        title_id: int(ml_id)
        for title_id, ml_id in Title.objects.filter(external_ids__has_key="movielens").values_list(
            "id", "external_ids__movielens"
        )
    }
    accounts = {email: user for user in User.objects.filter(email__startswith="movielens-") for email in [user.email]}
    recommended: dict[int, list[int]] = {}
    started = time.perf_counter()
    for ml_user in held_out_users:
        user = accounts.get(f"movielens-{ml_user}@example.org")
        if user is None:
            continue
        _, items = recommendations_serve(user=user, limit=K)
        recommended[ml_user] = [item_of[item["title"]["id"]] for item in items if item["title"]["id"] in item_of]
    timings["serve_ms_per_viewer"] = (time.perf_counter() - started) * 1000 / max(len(held_out_users), 1)
    return recommended, timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--holdout", type=float, default=0.2, help="Share of each viewer's latest ratings held out.")
    parser.add_argument(
        "--split",
        choices=("viewer", "global", "both"),
        default="both",
        help="per viewer's time, one global date, or each in turn",
    )
    args = parser.parse_args()
    if args.split == "both":
        for split in ("viewer", "global"):
            command = [sys.executable, __file__, str(args.directory), "--holdout", str(args.holdout), "--split", split]
            subprocess.run(command, check=True)
        return

    lines, users, items, times = read_ratings(args.directory)
    train = (
        time_split(users, items, times, args.holdout) if args.split == "viewer" else global_split(times, args.holdout)
    )
    trained_users = set(users[train].tolist())
    held_out: dict[int, set[int]] = {}
    for user, item in zip(users[~train], items[~train], strict=True):
        if int(user) in trained_users:
            held_out.setdefault(int(user), set()).add(int(item))
    item_lines = (args.directory / "ml-100k.item").read_text(encoding="utf-8", errors="replace").splitlines()
    item_ids = np.array(sorted(int(line.split("\t")[0]) for line in item_lines[1:] if line.strip()))
    print(
        f"MovieLens at {args.directory}: {len(users)} ratings, {len(np.unique(users))} viewers, {len(item_ids)} "
        f"titles; {int(train.sum())} for training, {int((~train).sum())} held out (latest {args.holdout:.0%})."
    )

    with tempfile.TemporaryDirectory() as tmp:
        train_dir = Path(tmp)
        body = [line for line, keep in zip(lines[1:], train, strict=True) if keep]
        (train_dir / "ml-100k.inter").write_text("\n".join([lines[0], *body]) + "\n", encoding="utf-8")
        for name in ("ml-100k.item", "ml-100k.user"):
            if (args.directory / name).is_file():
                shutil.copy(args.directory / name, train_dir / name)
        ours, timings = our_engine(train_dir, sorted(held_out))

    results = {"ours (recommend service)": ours, **peers(users[train], items[train], item_ids)}
    table = {name: metrics(recs, held_out, len(item_ids)) for name, recs in results.items()}
    best_peer = max((name for name in table if not name.startswith("ours")), key=lambda name: table[name]["ndcg"])
    ours_figures = table["ours (recommend service)"]

    split = "time split per viewer" if args.split == "viewer" else "global time cut"
    print(f"\n== Recommend quality, MovieLens 100K, {split} (latest {args.holdout:.0%} held out), @{K} ==")
    header = f"{'model':<36} {'P@10':>7} {'R@10':>7} {'NDCG@10':>8} {'HR@10':>7} {'coverage':>9} {'NDCG x best':>12}"
    print(header)
    print("-" * len(header))
    for name, figures in table.items():
        print(
            f"{name:<36} {figures['precision']:>7.4f} {figures['recall']:>7.4f} {figures['ndcg']:>8.4f} "
            f"{figures['hit_rate']:>7.4f} {figures['coverage']:>9.3f} "
            f"{harness.ratio(figures['ndcg'], table[best_peer]['ndcg']):>12.3f}"
        )
    print(
        f"import {timings['import_s']:.1f} s, build_recommender {timings['build_s']:.1f} s "
        f"(model {timings['model_build_s']:.1f} s), "
        f"{timings['serve_ms_per_viewer']:.1f} ms per viewer's list (built inline)"
    )
    ndcg_ratio = ours_figures["ndcg"] / table[best_peer]["ndcg"]
    met = ndcg_ratio >= 1.05
    print(
        f"  [{'met' if met else 'MISSED'}] {args.split} split: NDCG@10 >= 1.05x best peer ({best_peer}): "
        f"{ndcg_ratio:.3f}x"
    )
    met = ours_figures["coverage"] >= 0.25
    print(f"  [{'met' if met else 'MISSED'}] {args.split} split: coverage >= 0.25: {ours_figures['coverage']:.3f}")


if __name__ == "__main__":
    main()
