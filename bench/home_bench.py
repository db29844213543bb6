"""Home feed benchmark: `GET /api/recommend/home` for signed-in and anonymous viewers, against the baseline.

Run: `.venv/bin/python bench/home_bench.py [--titles 10000] [--viewers 100000] [--history 5] [--duration 10]`

One run builds a fresh database with `--titles` titles (a quarter of them shows; 16 genres; windows in the US
and GB, some opened in the last 30 days and some closing within 30; generated artwork), 20 featured titles,
`--viewers` viewers with `--history` history entries each (half finished, half in progress) and favourite
genres, builds the recommender model, gives 200 sampled viewers a bearer token, serves it as in production
and measures, in the same run: the bare baseline, the home feed of those viewers (each with their own token:
every personal row) and the anonymous home feed. Targets: signed-in home p95 < 50 ms at 2 connections (a
service time, not queueing) and, at 16 connections, throughput reported as a ratio of the baseline.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness

PASSWORD = "bench-viewer-password"
SAMPLED_VIEWERS = 200
FEATURED = 20
BATCH = 5000
GENRES = (
    "Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Family",
    "Fantasy", "Horror", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
)  # fmt: skip
P95_TARGET_MS = 50.0


def load(titles: int, viewers: int, history: int, rng: random.Random) -> list[dict]:
    """The catalog, the viewers and their history, the model; returns a token per sampled viewer."""
    import datetime as dt

    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone
    from knox.models import AuthToken

    from catalog.models import Availability, Genre, Kind, Title
    from catalog.services import generated_artwork_create
    from identity.models import Preferences, User, WatchHistory
    from identity.selectors import profile_main_of
    from identity.services import profiles_main_create_many
    from recommend.models import FeaturedTitle
    from recommend.services import recommender_build

    started = time.perf_counter()
    now = timezone.now()
    genres = [Genre.objects.get_or_create(name=name, defaults={"slug": name.lower()})[0] for name in GENRES]
    catalog: list[Title] = []
    for start in range(0, titles, BATCH):
        with transaction.atomic():
            batch = Title.objects.bulk_create(
                Title(
                    kind=Kind.SHOW if rng.random() < 0.25 else Kind.MOVIE,
                    title=f"Bench title {n}",
                    release_year=rng.randint(1950, 2025),
                    runtime_s=rng.randint(40, 180) * 60,
                    original_language="en",
                    maturity_rating=rng.choice((0, 10, 20, 30, None)),
                    popularity=round(rng.paretovariate(1.2), 3),
                )
                for n in range(start, min(start + BATCH, titles))
            )
            Title.genres.through.objects.bulk_create(
                Title.genres.through(title_id=title.pk, genre_id=genre.pk)
                for title in batch
                for genre in rng.sample(genres, rng.randint(1, 3))
            )
            windows = []
            for title in batch:
                opened = now - dt.timedelta(days=rng.choice((rng.randint(1, 29), rng.randint(30, 3000))))
                closes = now + dt.timedelta(days=rng.randint(1, 29)) if rng.random() < 0.05 else None
                windows.append(Availability(title=title, region="US", starts_at=opened, ends_at=closes))
                if rng.random() < 0.5:
                    windows.append(Availability(title=title, region="GB", starts_at=opened))
            Availability.objects.bulk_create(windows)
            generated_artwork_create(titles=batch)
        catalog.extend(batch)
    FeaturedTitle.objects.bulk_create(
        FeaturedTitle(title=title, region="" if n % 2 else "US", position=n)
        for n, title in enumerate(rng.sample(catalog, FEATURED))
    )
    print(f"  {len(catalog)} titles in {time.perf_counter() - started:.1f} s", flush=True)

    password = make_password(PASSWORD)
    popular = sorted(catalog, key=lambda title: -title.popularity)[: max(100, titles // 5)]
    accounts: list[User] = []
    for start in range(0, viewers, BATCH):
        with transaction.atomic():
            batch = User.objects.bulk_create(
                User(email=f"home-{n}@example.org", password=password, country="US" if n % 4 else "GB")
                for n in range(start, min(start + BATCH, viewers))
            )
            main_of = profiles_main_create_many(accounts=batch)
            rows = []
            for account in batch:
                for title in rng.sample(popular if rng.random() < 0.7 else catalog, history):
                    finished = rng.random() < 0.5
                    rows.append(
                        WatchHistory(
                            user=account,
                            profile=main_of[account.pk],
                            title=title,
                            duration_s=float(title.runtime_s),
                            position_s=0.0 if finished else float(rng.randint(600, title.runtime_s - 60)),
                            completed=finished,
                            watch_count=int(finished),
                            last_watched_at=now - dt.timedelta(minutes=rng.randint(1, 60 * 24 * 30)),
                        )
                    )
            WatchHistory.objects.bulk_create(rows, batch_size=BATCH)
        accounts.extend(batch)
        print(f"  {len(accounts)}/{viewers} viewers", flush=True)
    sampled = rng.sample(accounts, min(SAMPLED_VIEWERS, len(accounts)))
    preferences = Preferences.objects.bulk_create(
        Preferences(user=account, profile=profile_main_of(account=account)) for account in sampled
    )
    Preferences.favourite_genres.through.objects.bulk_create(
        Preferences.favourite_genres.through(preferences_id=item.pk, genre_id=genre.pk)
        for item in preferences
        for genre in rng.sample(genres, 2)
    )
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)" if connection.vendor == "sqlite" else "ANALYZE")
    print("  building the recommender model...", flush=True)
    recommender_build()
    tokens = [{"id": account.pk, "token": AuthToken.objects.create(user=account)[1]} for account in sampled]
    connection.close()
    print(f"  data ready in {time.perf_counter() - started:.1f} s", flush=True)
    return tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=10_000)
    parser.add_argument("--viewers", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=5, help="history entries per viewer")
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    rng = random.Random(1)

    print(f"Preparing a fresh database: {args.titles} titles, {args.viewers} viewers...")
    db = harness.bench_database("home")
    harness.django_setup(db)
    viewers = load(args.titles, args.viewers, args.history, rng)
    signed_in = [
        harness.Request("/api/recommend/home/", headers={"Authorization": f"Bearer {viewer['token']}"})
        for viewer in viewers
    ]
    anonymous = ["/api/recommend/home/?region=US", "/api/recommend/home/?region=GB"]
    # The warm-up loads the recommender model into each worker and fills the top-10 cache of each region.
    full = {"duration_s": args.duration, "connections": args.connections, "warmup_s": 3}
    light = {"duration_s": args.duration, "connections": 2, "threads": 1, "warmup_s": 3}

    with harness.serve(db) as base_url:
        baseline = harness.run_load(base_url, [harness.BASELINE_PATH], **full)
        results = {
            "home, signed in": harness.run_load(base_url, signed_in, **full),
            "home, anonymous": harness.run_load(base_url, anonymous, **full),
            "home, signed in, 2 conns": harness.run_load(base_url, signed_in, **light),
        }

    service = results["home, signed in, 2 conns"]
    throughput = harness.ratio(results["home, signed in"]["rps"], baseline["rps"])
    harness.print_report(
        f"Home feed, {args.titles} titles, {args.viewers} viewers",
        baseline,
        results,
        targets=[
            (
                f"signed-in home p95 = {service['p95_ms']:.1f} ms at 2 connections (target < {P95_TARGET_MS:.0f})",
                service["requests"] > 0 and service["p95_ms"] < P95_TARGET_MS,
            ),
            (f"signed-in home throughput = {throughput:.3f}x baseline (16 connections; reported)", True),
        ],
    )
    errors = sum(sum(r["socket_errors"].values()) + r["non_2xx"] for r in [baseline, *results.values()])
    if errors:
        print(f"  WARNING: {errors} failed requests or socket errors")


if __name__ == "__main__":
    main()
