"""The recommender at scale: model build time and memory, and the latency of a viewer's list, fresh and rebuilt.

    .venv/bin/python bench/recommend_scale.py [--events 5000000 --viewers 100000 --titles 10000]

Synthetic history (viewers with a favourite cluster of titles, Zipf popularity, a year of timestamps, one
in five titles left unfinished) is written straight into a fresh SQLite database. `manage.py
build_recommender` runs as its own process (wall time and peak resident memory measured), then the
production-like server answers `GET /api/recommend/users/<id>`: for viewers whose list is cached and fresh,
and for viewers whose list must be built inline. Figures are compared with the bare baseline endpoint.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness

GENRES = [
    "Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Family", "Fantasy", "History",
    "Horror", "Music", "Mystery", "Romance", "Science Fiction", "Thriller", "War", "Western", "Sport", "Biography",
]  # fmt: skip
WORDS = [
    "love", "war", "space", "family", "secret", "city", "night", "storm", "river", "heart", "dream", "island",
    "king", "queen", "ghost", "robot", "detective", "journey", "summer", "winter", "fire", "shadow", "truth",
    "lost", "home", "road", "ocean", "star", "empire", "revenge", "friendship", "music", "school",
]  # fmt: skip


def load_catalog(n_titles: int, rng: np.random.Generator) -> None:
    from django.utils import timezone

    from catalog.models import Availability, Credit, Genre, Kind, Person, Title

    genres = [
        Genre.objects.get_or_create(name=name, defaults={"slug": name.lower().replace(" ", "-")})[0] for name in GENRES
    ]
    since = timezone.now() - dt.timedelta(days=3650)
    people = Person.objects.bulk_create(Person(name=f"Person {i}") for i in range(n_titles // 2))
    titles = Title.objects.bulk_create(
        (
            Title(
                kind=Kind.MOVIE,
                title=f"Synthetic title {i}",
                description=" ".join(rng.choice(WORDS, size=12)),
                release_year=int(rng.integers(1950, 2026)),
                external_ids={"bench": str(i)},
            )
            for i in range(n_titles)
        ),
        batch_size=2000,
    )
    Availability.objects.bulk_create(
        (Availability(title=title, region="US", starts_at=since) for title in titles), batch_size=5000
    )
    through = Title.genres.through
    links = []
    for i, title in enumerate(titles):
        # Titles of one taste cluster share a lead genre, so content and viewing agree, as in real catalogs.
        lead = genres[i % len(genres)]
        extra = genres[int(rng.integers(len(genres)))]
        links.append(through(title_id=title.pk, genre_id=lead.pk))
        if extra.pk != lead.pk:
            links.append(through(title_id=title.pk, genre_id=extra.pk))
    through.objects.bulk_create(links, batch_size=5000)
    Credit.objects.bulk_create(
        (Credit(title=title, person=people[int(rng.integers(len(people)))], role="cast", order=0) for title in titles),
        batch_size=5000,
        ignore_conflicts=True,
    )


def load_viewers(n_viewers: int) -> None:
    from django.contrib.auth.hashers import make_password

    from identity.models import User

    unusable = make_password(None)
    User.objects.bulk_create(
        (User(email=f"bench-{i}@example.org", password=unusable, country="US") for i in range(n_viewers)),
        batch_size=5000,
    )
    User.objects.create_user("bench-staff@example.org", "bench-password-1234", is_staff=True)


def load_history(db: Path, n_events: int, rng: np.random.Generator) -> int:
    """History rows written with sqlite3 directly: the ORM would need minutes for millions of rows."""
    from catalog.models import Title
    from identity.models import User

    title_ids = np.array(Title.objects.order_by("id").values_list("id", flat=True))
    user_ids = np.array(User.objects.filter(is_staff=False).order_by("id").values_list("id", flat=True))
    n_titles, n_users = len(title_ids), len(user_ids)
    per_user = max(1, n_events // n_users)
    clusters = len(GENRES)
    zipf = 1.0 / np.arange(1, n_titles + 1) ** 0.8
    popularity_rank = rng.permutation(n_titles)
    weights = zipf[popularity_rank]
    cluster_of = np.arange(n_titles) % clusters
    cluster_members = [np.flatnonzero(cluster_of == c) for c in range(clusters)]
    cluster_p = [weights[m] / weights[m].sum() for m in cluster_members]
    global_p = weights / weights.sum()
    now = time.time()
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA synchronous=OFF")
    written = 0
    chunk_users = 5000
    for start in range(0, n_users, chunk_users):
        users = user_ids[start : start + chunk_users]
        rows_user, rows_title = [], []
        for user in users:
            favourite = int(rng.integers(clusters))
            in_cluster = rng.choice(cluster_members[favourite], size=int(per_user * 0.9), p=cluster_p[favourite])
            anywhere = rng.choice(n_titles, size=per_user, p=global_p)
            chosen = np.unique(np.concatenate([in_cluster, anywhere]))[: per_user * 2]
            chosen = rng.permutation(chosen)[:per_user]
            rows_user.append(np.full(len(chosen), user))
            rows_title.append(title_ids[chosen])
        u, t = np.concatenate(rows_user), np.concatenate(rows_title)
        when = now - rng.uniform(0, 365 * 86400, size=len(u))
        stamps = np.datetime_as_string((when * 1e6).astype("datetime64[us]"), unit="us")
        completed = rng.random(len(u)) < 0.8
        duration = 6000.0
        position = np.where(completed, 0.0, rng.uniform(60, 5000, size=len(u)))
        rows = (
            (
                float(p),
                duration,
                bool(c),
                int(c),
                None,
                s.replace("T", " "),
                False,
                s.replace("T", " "),
                int(ti),
                int(us),
            )
            for p, c, s, ti, us in zip(position, completed, stamps, t, u, strict=True)
        )
        connection.executemany(
            "INSERT INTO identity_watchhistory (position_s, duration_s, completed, watch_count, rating, "
            "last_watched_at, hidden_from_continue_watching, created_at, title_id, user_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        connection.commit()
        written += len(u)
        print(f"  history: {written:,} rows", end="\r", flush=True)
    connection.close()
    print()
    return written


def build_model(db: Path) -> tuple[float, float]:
    """Runs `manage.py build_recommender` in its own process: (wall seconds, peak resident GB)."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(harness.PROJECT_DIR / "manage.py"), "build_recommender"],
        cwd=harness.PROJECT_DIR,
        env=harness.bench_environment(db),
        check=True,
    )
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kb / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--viewers", type=int, default=100_000)
    parser.add_argument("--titles", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per endpoint")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="reuse the data loaded by an earlier run")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    db = harness.DATA_DIR / "recommend_scale.sqlite3"
    from django.db import connection

    if args.reuse and db.is_file():
        # The data of an earlier run (same sizes assumed); built models and cached lists are cleared.
        harness.django_setup(db)
        from identity.models import WatchHistory
        from recommend.models import RecommendationList, RecommenderModel

        RecommendationList.objects.all().delete()
        RecommenderModel.objects.all().delete()
        events = WatchHistory.objects.count()
        print(f"Reusing {db} ({events:,} history rows).")
    else:
        print(f"Preparing {args.titles:,} titles, {args.viewers:,} viewers, {args.events:,} history rows...")
        db = harness.bench_database("recommend_scale")
        harness.django_setup(db)
        started = time.perf_counter()
        load_catalog(args.titles, rng)
        load_viewers(args.viewers)
        connection.close()
        events = load_history(db, args.events, rng)
        print(f"  loaded in {time.perf_counter() - started:.0f} s")
    connection.close()

    build_s, peak_gb = build_model(db)
    print(f"Model build: {build_s:.1f} s, peak {peak_gb:.2f} GB")

    from knox.models import AuthToken

    from identity.models import User
    from recommend.models import RecommendationList
    from recommend.services import recommendations_build_many, recommendations_serve

    staff = User.objects.get(email="bench-staff@example.org")
    _, token = AuthToken.objects.create(user=staff)
    viewer_ids = list(User.objects.filter(is_staff=False).order_by("?").values_list("id", flat=True)[:5000])
    fresh_ids, rebuilt_ids = viewer_ids[:400], viewer_ids[400:]
    started = time.perf_counter()
    recommendations_build_many(user_ids=fresh_ids)
    per_list_ms = (time.perf_counter() - started) * 1000 / len(fresh_ids)
    # The service function alone, one call at a time in this process: the code path's own cost, without
    # HTTP, authentication or other load on the machine.
    in_process = {"fresh": [], "rebuilt": []}
    viewers = {user.pk: user for user in User.objects.filter(id__in=viewer_ids[:400] + viewer_ids[-200:])}
    for label, ids in (("fresh", fresh_ids[:200]), ("rebuilt", viewer_ids[-200:])):
        for viewer_id in ids:
            started = time.perf_counter()
            recommendations_serve(user=viewers[viewer_id], limit=10)
            in_process[label].append((time.perf_counter() - started) * 1000)
    RecommendationList.objects.filter(user_id__in=viewer_ids[-200:]).delete()
    connection.close()

    load = {
        "duration_s": args.duration,
        "connections": args.connections,
        "headers": {"Authorization": f"Bearer {token}"},
    }
    # A fresh database for the server's workers: they load the model once, on their first request.
    with harness.serve(db, env={"RECOMMEND_AUTO_REBUILD": "off"}) as base_url:
        warm = harness.run_load(
            base_url, [f"/api/recommend/users/{i}" for i in fresh_ids[:8]], **{**load, "duration_s": 2}
        )
        baseline = harness.run_load(base_url, ["/bench/baseline/"], **load)
        # Latency with one request per worker at a time (the targets), then with --connections (queueing).
        paced = {**load, "connections": 2}
        half = len(rebuilt_ids) // 2
        fresh = harness.run_load(base_url, [f"/api/recommend/users/{i}" for i in fresh_ids], **paced)
        rebuilt = harness.run_load(base_url, [f"/api/recommend/users/{i}" for i in rebuilt_ids[:half]], **paced)
        fresh_busy = harness.run_load(base_url, [f"/api/recommend/users/{i}" for i in fresh_ids], **load)
        rebuilt_busy = harness.run_load(base_url, [f"/api/recommend/users/{i}" for i in rebuilt_ids[half:]], **load)
    for figures in (rebuilt, rebuilt_busy):
        if figures["requests"] > half:
            print(f"  note: {figures['requests']} requests for {half} uncached viewers; some hit fresh lists")
    del warm

    harness.print_report(
        f"Recommend at scale: {events:,} history rows, {args.viewers:,} viewers, {args.titles:,} titles",
        baseline,
        {
            "users/<id> fresh, 2 conn": fresh,
            "users/<id> rebuilt, 2 conn": rebuilt,
            f"users/<id> fresh, {args.connections} conn": fresh_busy,
            f"users/<id> rebuilt, {args.connections} conn": rebuilt_busy,
        },
        targets=[
            (f"model build {build_s:.1f} s (target < 120 s)", build_s < 120),
            (f"model build peak memory {peak_gb:.2f} GB (target < 4 GB)", peak_gb < 4),
            (f"fresh list p95 {fresh['p95_ms']:.1f} ms (target < 25 ms)", fresh["p95_ms"] < 25),
            (f"rebuilt list p95 {rebuilt['p95_ms']:.1f} ms (target < 100 ms)", rebuilt["p95_ms"] < 100),
        ],
    )
    print(f"  build_recommendations: {per_list_ms:.1f} ms per viewer in one process")
    for label, times in in_process.items():
        p50, p95 = np.percentile(times, [50, 95])
        print(f"  recommendations_serve in process, {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"  load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    errors = sum(
        sum(r["socket_errors"].values()) + r["non_2xx"] for r in [baseline, fresh, rebuilt, fresh_busy, rebuilt_busy]
    )
    if errors:
        print(f"  {errors} errors or non-2xx answers during the load")


if __name__ == "__main__":
    main()
