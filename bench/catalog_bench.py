"""Catalog benchmark: 100k titles served as in production; list, detail and search against the baseline.

Run: `.venv/bin/python bench/catalog_bench.py [--titles 100000] [--duration 10] [--connections 16]`

One run measures, on one uvicorn server (2 workers, DEBUG off) over a fresh SQLite file:
the bare baseline `/bench/baseline/`, `GET /api/catalog/movies/` (pages of 20), `GET /api/catalog/movies/<id>/`,
`GET /api/catalog/search/?q=...` over a mix of queries (whole words, prefixes as typed, typos), and the same
queries as a naive `icontains` scan (`/bench/catalog/naive-search/`). It prints the ratios the targets use:
list throughput / baseline >= 0.5, search p95 / detail p95 <= 3 (16 connections), and naive p95 / search p95
>= 10, measured with 2 connections so that both are service times rather than queueing.

Titles are licensed in 8 regions: all in the US, fewer in each other one, down to about 2% in `SMALL_REGION`.
Common words (`the`, `of`, `love`, ...) appear in many titles, so search is also measured where ranking
within what the viewer may see matters most: common words for an anonymous viewer of the small region,
and for a signed-in kid whose parental controls hide most titles. Their targets are the same ratio to
detail p95 (<= 3), and every answer must count every visible match.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness

MOVIELENS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "ml-100k"
SYLLABLES = (
    "ka", "lo", "mi", "ra", "ten", "vor", "el", "sha", "dun", "bri", "qua", "zel", "mor", "ti", "an", "gle",
    "pra", "sto", "ven", "hal", "dri", "nox", "cal", "bel", "fen", "gor", "is", "ul", "tha", "ser",
)  # fmt: skip
GENRES = (
    "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
    "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
)  # fmt: skip
BATCH = 5000
# Share of the titles licensed in each region besides the US (every title is licensed there).
REGION_SHARES = {"GB": 0.6, "DE": 0.5, "FR": 0.4, "JP": 0.3, "BR": 0.2, "IN": 0.1, "IS": 0.02}
SMALL_REGION = "IS"
COMMON_WORDS = ("the", "of", "and", "love", "night", "man", "world", "story")
COMMON_QUERIES = ("the", "of", "love", "the night", "man", "wor", "story of", "and")


def vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def load_catalog(total: int, rng: random.Random) -> dict:
    """MovieLens titles (real names to search for) plus synthetic ones up to `total`, all visible in the US."""
    import datetime as dt

    from django.db import transaction

    from catalog.models import Availability, Genre, Kind, Title
    from catalog.services import movielens_titles_import

    started = time.perf_counter()
    if MOVIELENS.is_dir():
        movielens_titles_import(directory=MOVIELENS)
    genres = [
        Genre.objects.get_or_create(name=name, defaults={"slug": name.lower().replace("'", "")})[0] for name in GENRES
    ]
    words = vocabulary(rng, 20_000)
    since = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    remaining = total - Title.objects.count()
    while remaining > 0:
        size = min(BATCH, remaining)
        with transaction.atomic():
            titles = Title.objects.bulk_create(
                Title(
                    kind=Kind.MOVIE,
                    title=" ".join(
                        rng.choice(COMMON_WORDS) if rng.random() < 0.15 else rng.choice(words)
                        for _ in range(rng.randint(1, 4))
                    ).title(),
                    description=" ".join(
                        rng.choice(COMMON_WORDS) if rng.random() < 0.2 else rng.choice(words)
                        for _ in range(rng.randint(10, 30))
                    ).capitalize()
                    + ".",
                    release_year=(year := rng.randint(1930, 2025)),
                    release_date=dt.date(year, rng.randint(1, 12), rng.randint(1, 28)),
                    runtime_s=rng.randint(80, 180) * 60,
                    original_language=rng.choice(("en", "en", "en", "fr", "de", "ja")),
                    maturity_rating=rng.choice((0, 10, 20, 30, None)),
                    popularity=round(rng.paretovariate(1.2), 3),
                )
                for _ in range(size)
            )
            Title.genres.through.objects.bulk_create(
                Title.genres.through(title_id=title.pk, genre_id=genre.pk)
                for title in titles
                for genre in rng.sample(genres, rng.randint(1, 3))
            )
            Availability.objects.bulk_create(
                Availability(title=t, region=region, starts_at=since)
                for t in titles
                for region in ["US", *(r for r, share in REGION_SHARES.items() if rng.random() < share)]
            )
        remaining -= size
        print(f"  loaded {Title.objects.count()}/{total} titles", flush=True)
    # Fold the bulk load's write-ahead log into the database file, as SQLite does when the last connection
    # closes; otherwise the server would read every page through a WAL of several hundred megabytes.
    # PostgreSQL gets its planner statistics instead, as autovacuum would give them a little later.
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            cursor.execute("ANALYZE")
    connection.close()
    print(f"  catalog ready in {time.perf_counter() - started:.1f} s")
    return {"words": words}


def search_mix(words: list[str], titles: list[str], rng: random.Random) -> list[str]:
    """Whole words, prefixes as typed, typos in longer words, and two words of a title, the second typed half."""
    queries = ["star wa", "godfater", "toy story", "the godfather", "star", "love", "pulp fic", "casablanca"]
    long_words = [word for word in words if len(word) >= 7]
    for word in rng.sample(words, 8):
        queries.append(word)  # a whole word
        queries.append(word[: max(3, len(word) - 2)])  # typed so far
    for word in rng.sample(long_words, 8):
        position = rng.randrange(1, len(word) - 1)
        queries.append(word[:position] + word[position + 1 :])  # one letter dropped
    for title in rng.sample([title for title in titles if title.count(" ") >= 1], 4):
        first, second = title.lower().split()[:2]
        queries.append(f"{first} {second[: max(2, len(second) // 2)]}")
    return queries


def kid_token() -> str:
    """A signed-in viewer whose parental controls allow G and PG titles only (most titles are hidden)."""
    from knox.models import AuthToken

    from catalog.models import Maturity
    from identity.models import ParentalControls, User
    from identity.selectors import profile_main_of

    kid, _ = User.objects.get_or_create(email="kid@bench.example", defaults={"country": "US"})
    ParentalControls.objects.update_or_create(
        profile=profile_main_of(account=kid),
        defaults={"user": kid, "max_maturity": Maturity.PG, "block_unrated": True},
    )
    _, token = AuthToken.objects.create(user=kid)
    return token


def call_command(*args, **kwargs) -> None:
    from django.core.management import call_command as django_call_command

    django_call_command(*args, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep the database of the previous run (migrated)")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    db = harness.DATA_DIR / "catalog.sqlite3"
    if args.reuse and db.exists():
        print("Reusing the previous database...")
        harness.django_setup(db)
        call_command("migrate", "--noinput", verbosity=0)
    else:
        print(f"Preparing a fresh database with {args.titles} titles...")
        db = harness.bench_database("catalog")
        harness.django_setup(db)
    data = load_catalog(args.titles, rng)

    from catalog.models import Title

    ids = list(Title.objects.order_by("?").values_list("id", flat=True)[:500])
    titles = list(Title.objects.filter(id__in=ids).values_list("title", flat=True))
    queries = search_mix(data["words"], titles, rng)
    # A longer warm-up: each worker loads the search vocabulary and fills its list caches once.
    load = {"duration_s": args.duration, "connections": args.connections, "warmup_s": 3}

    search_paths = [f"/api/catalog/search/?q={quote(q)}" for q in queries]
    small_region_paths = [f"/api/catalog/search/?q={quote(q)}&region={SMALL_REGION}" for q in COMMON_QUERIES]
    kid_paths = [f"/api/catalog/search/?q={quote(q)}" for q in COMMON_QUERIES]
    kid_headers = {"Authorization": f"Bearer {kid_token()}"}
    expected_counts = visible_match_counts()
    naive_paths = [f"/bench/catalog/naive-search/?q={quote(q)}" for q in queries]

    with harness.serve(db) as base_url:
        baseline = harness.run_load(base_url, ["/bench/baseline/"], **load)
        results = {
            "movies list (20/page)": harness.run_load(
                base_url, [f"/api/catalog/movies/?page={page}" for page in range(1, 11)], **load
            ),
            "movie detail": harness.run_load(base_url, [f"/api/catalog/movies/{i}/" for i in ids], **load),
            "search (FTS5)": harness.run_load(base_url, search_paths, **load),
            f"search, common words, region {SMALL_REGION}": harness.run_load(base_url, small_region_paths, **load),
            "search, common words, kid": harness.run_load(base_url, kid_paths, headers=kid_headers, **load),
        }
        counted = counts_answered(base_url, small_region_paths, kid_paths, kid_headers)
        # Search against the scan at low concurrency, so latencies are service times, not queueing behind
        # a scan that serves about one request a second under the full load.
        light = {"duration_s": max(args.duration, 10), "connections": 2, "threads": 1, "warmup_s": 1}
        results["search, 2 connections"] = harness.run_load(base_url, search_paths, **light)
        results["naive scan, 2 connections"] = harness.run_load(base_url, naive_paths, **light)

    lists, detail = results["movies list (20/page)"], results["movie detail"]
    search, naive = results["search, 2 connections"], results["naive scan, 2 connections"]
    list_ratio = harness.ratio(lists["rps"], baseline["rps"])
    search_detail = harness.ratio(results["search (FTS5)"]["p95_ms"], detail["p95_ms"])
    naive_search = harness.ratio(naive["p95_ms"], search["p95_ms"])
    naive_rps = harness.ratio(search["rps"], naive["rps"])
    # A side that answered nothing in its time gives no ratio (an infinite one would read as met).
    compared = search["requests"] > 0 and naive["requests"] > 0
    small = harness.ratio(results[f"search, common words, region {SMALL_REGION}"]["p95_ms"], detail["p95_ms"])
    kid = harness.ratio(results["search, common words, kid"]["p95_ms"], detail["p95_ms"])
    counts_right = counted == expected_counts
    harness.print_report(
        f"Catalog, {args.titles} titles, {len(queries)} search queries",
        baseline,
        results,
        targets=[
            (f"list throughput = {list_ratio:.2f}x baseline (target >= 0.5)", list_ratio >= 0.5),
            (f"search p95 = {search_detail:.2f}x detail p95 (target <= 3)", search_detail <= 3),
            (
                f"search is {naive_search:.1f}x faster than the naive scan at p95, 2 connections (target >= 10)",
                compared and naive_search >= 10,
            ),
            (f"search throughput = {naive_rps:.1f}x the naive scan's", compared and naive_rps >= 10),
            (f"common words, region {SMALL_REGION}: p95 = {small:.2f}x detail p95 (target <= 3)", small <= 3),
            (f"common words, kid: p95 = {kid:.2f}x detail p95 (target <= 3)", kid <= 3),
            (f"common words count every visible match: {counted} (expected {expected_counts})", counts_right),
        ],
    )
    errors = sum(sum(r["socket_errors"].values()) + r["non_2xx"] for r in [baseline, *results.values()])
    if errors:
        print(f"  WARNING: {errors} failed requests or socket errors")


def visible_match_counts() -> dict[str, int]:
    """What each common-word search must count: every match in the whole catalog that the viewer may see."""
    from catalog import search
    from catalog.selectors import titles_visible_to
    from identity.models import User

    kid = User.objects.get(email="kid@bench.example")
    viewers = {SMALL_REGION: set(titles_visible_to(None, SMALL_REGION).values_list("id", flat=True))}
    viewers["kid"] = set(titles_visible_to(kid).values_list("id", flat=True))
    counts = {}
    for query in COMMON_QUERIES:
        everywhere = search.ranked_title_ids(query, limit=10**9)
        for name, visible in viewers.items():
            counts[f"{name} {query}"] = sum(1 for title_id in everywhere if title_id in visible)
    return counts


def counts_answered(base_url: str, small_region_paths, kid_paths, kid_headers) -> dict[str, int]:
    import json
    import urllib.request

    def count(path: str, headers: dict) -> int:
        with urllib.request.urlopen(urllib.request.Request(base_url + path, headers=headers), timeout=30) as answer:
            return json.load(answer)["count"]

    counts = {}
    for query, path in zip(COMMON_QUERIES, small_region_paths, strict=True):
        counts[f"{SMALL_REGION} {query}"] = count(path, {})
    for query, path in zip(COMMON_QUERIES, kid_paths, strict=True):
        counts[f"kid {query}"] = count(path, kid_headers)
    return counts


if __name__ == "__main__":
    main()
