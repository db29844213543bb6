"""Analytics benchmark: batch ingestion through the API against raw SQLite, and report latency at scale.

Run: `.venv/bin/python bench/analytics_bench.py [--events 1000000] [--views 100000] [--duration 10]`

One run, on a fresh SQLite file and the production-like server (DEBUG off, `bench.settings`):
1. bulk-loads users, titles, `--views` view summaries and `--events` events spread over 90 days (sessions
   with evening peaks), with raw `executemany`, then builds the rollups (`rollups_rebuild`);
2. ingestion: the same batches of 1,000 events inserted by a raw sqlite3 `executemany` (same rows, same
   pragmas as the server, one transaction per batch) and posted to `POST /api/analytics/events` by two
   client threads (one per server worker); target API rate >= 0.3x the raw rate;
3. reports: each staff report under load (`--connections`, default 2: one request per worker at a time, so
   the figure is service time rather than queueing) over 30-day windows; target p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import random
import sqlite3
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness

REGIONS = {"US": 0.35, "DE": 0.12, "GB": 0.1, "FR": 0.08, "BR": 0.12, "IN": 0.13, "JP": 0.1}
DEVICES = {"tv": 0.4, "web": 0.25, "mobile": 0.25, "tablet": 0.1}
CDNS = {"cdn-a": 0.5, "cdn-b": 0.35, "cdn-c": 0.15}
HOUR_WEIGHT = [3, 2, 1, 1, 1, 1, 1, 2, 3, 3, 3, 4, 5, 5, 4, 4, 5, 6, 8, 11, 14, 15, 12, 7]
GENRES = ["action", "comedy", "drama", "documentary", "horror", "romance", "sci-fi", "thriller"]
BATCH = 1000
WARMUP_BATCHES = 2
EVENT_COLUMNS = (
    "client_id", "type", "source", "occurred_at", "received_at", "user_id", "region", "title_id", "episode_id",
    "session_id", "device_type", "properties",
)  # fmt: skip
VIEW_COLUMNS = (
    "session_id", "user_id", "title_id", "episode_id", "region", "device_type", "cdn", "started_at", "ended_at",
    "startup_time_ms", "watch_time_s", "rebuffer_count", "rebuffer_duration_s", "avg_bitrate_kbps",
    "rendition_switches", "dropped_frames", "exited_before_start", "fatal_error", "error_code", "position_s",
    "duration_s", "reach", "completed", "created_at",
)  # fmt: skip


def sqlite_time(moment: datetime) -> str:
    """The text Django's SQLite backend stores for an aware datetime."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def raw_connection(db: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection with the same pragmas the server's connections use."""
    connection = sqlite3.connect(db, timeout=30, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def insert_sql(table: str, columns: tuple[str, ...], conflict: str = "") -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) {conflict}"


def load_people_and_titles(users: int, titles: int, rng: random.Random) -> tuple[list, list]:
    from django.contrib.auth.hashers import make_password

    from catalog.models import Genre, Title
    from identity.models import User

    password = make_password("bench-password-123")
    regions = list(REGIONS)
    User.objects.bulk_create(
        [
            User(email=f"viewer{n}@bench.example", password=password,
                 country=rng.choices(regions, weights=list(REGIONS.values()))[0])
            for n in range(users)
        ],
        batch_size=2000,
    )  # fmt: skip
    genres = Genre.objects.bulk_create([Genre(name=name.title(), slug=name) for name in GENRES])
    Title.objects.bulk_create(
        [
            Title(kind="show" if rng.random() < 0.3 else "movie", title=f"Bench title {n}",
                  runtime_s=rng.choice([1500, 2700, 5400, 6600, 7200]))
            for n in range(titles)
        ],
        batch_size=2000,
    )  # fmt: skip
    through = Title.genres.through
    title_rows = list(Title.objects.values_list("id", "kind", "runtime_s"))
    through.objects.bulk_create(
        [through(title_id=tid, genre_id=g.pk) for tid, _, _ in title_rows for g in rng.sample(genres, 2)],
        batch_size=5000,
    )
    user_rows = list(User.objects.values_list("id", "country"))
    return user_rows, title_rows


def pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def evening_moment(rng: random.Random, start: datetime, days: int) -> datetime:
    day = rng.randrange(days)
    hour = rng.choices(range(24), weights=HOUR_WEIGHT)[0]
    return start + timedelta(days=day, hours=hour, seconds=rng.randrange(3600))


def load_views_and_events(db: Path, users, titles, *, views: int, events: int, days: int, rng) -> None:
    """Views, with the player events of each, then browsing sessions until `events` events exist."""
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    # Cumulative weights once: rng.choices would otherwise rebuild them on every call.
    user_weights = list(itertools.accumulate(1 / (rank + 20) for rank in range(len(users))))
    title_weights = list(itertools.accumulate(1 / (rank + 5) ** 0.9 for rank in range(len(titles))))
    created = sqlite_time(end)
    view_rows, event_rows = [], []
    for number in range(views):
        user_id, region = rng.choices(users, cum_weights=user_weights)[0]
        title_id, _, runtime = rng.choices(titles, cum_weights=title_weights)[0]
        device, cdn = pick(rng, DEVICES), pick(rng, CDNS)
        started = evening_moment(rng, start, days)
        failed = rng.random() < 0.01
        exited = failed or rng.random() < 0.03
        share = 0.0 if exited else rng.choice([rng.uniform(0.01, 0.3), rng.uniform(0.3, 0.9), rng.uniform(0.9, 1)])
        watch = runtime * share
        rebuffers = 0 if exited else int(rng.expovariate(1.5) * 2)
        startup = None if exited else round(900 * rng.lognormvariate(0, 0.5), 1)
        bitrate = None if exited else rng.choice([730, 1100, 2000, 3000, 4500, 6000])
        session = f"bench-view-{number}"
        ended = started + timedelta(seconds=watch + 5)
        view_rows.append((
            session, user_id, title_id, None, region, device, cdn, sqlite_time(started), sqlite_time(ended),
            startup, watch, rebuffers, rebuffers * 2.0, bitrate, rng.randrange(5), rng.randrange(100), exited,
            failed, "E_NET" if failed else "", watch, runtime, share, share >= 0.9, created,
        ))  # fmt: skip
        common = (user_id, region, title_id, None, session, device)
        player = [("play_start", started, {"position_s": 0})]
        if not exited:
            player.append(("quality_change", started + timedelta(seconds=4), {"bitrate_kbps": bitrate}))
            player += [("rebuffer", started + timedelta(seconds=60 * (k + 1)), {"duration_s": 2.0})
                       for k in range(min(rebuffers, 3))]  # fmt: skip
        player.append(("playback_error", ended, {"code": "E_NET", "fatal": True}) if failed else
                      ("play_end", ended, {"position_s": watch, "watch_time_s": watch}))  # fmt: skip
        for k, (type_, at, props) in enumerate(player):
            event_rows.append((f"{session}-{k}", type_, "client", sqlite_time(at), created, common[0], common[1],
                               common[2], None, session, device, json.dumps(props)))  # fmt: skip
    session_number = 0
    while len(event_rows) < events:
        user_id, region = rng.choices(users, cum_weights=user_weights)[0]
        device = pick(rng, DEVICES)
        at = evening_moment(rng, start, days)
        session_number += 1
        for k in range(min(rng.randrange(4, 16), events - len(event_rows))):
            if rng.random() < 0.75:
                type_, props = "page_view", {"page": rng.choice(["home", "browse", "title", "my-list"])}
            else:
                type_, props = "search", {"query": rng.choice(GENRES), "results": rng.randrange(40)}
            moment = sqlite_time(at + timedelta(seconds=20 * k))
            event_rows.append((f"bench-browse-{session_number}-{k}", type_, "client", moment, created, user_id,
                               region, None, None, "", device, json.dumps(props)))  # fmt: skip
    connection = raw_connection(db)
    with connection:
        connection.execute("BEGIN")
        connection.executemany(insert_sql("analytics_viewsummary", VIEW_COLUMNS), view_rows)
        connection.executemany(insert_sql("analytics_event", EVENT_COLUMNS), event_rows)
        connection.execute("COMMIT")
    connection.close()


def ingestion_batches(count: int, title_ids: list[int], rng: random.Random) -> list[list[dict]]:
    """Batches of 1,000 client events as a player and a browser would send them (last few minutes)."""
    now = datetime.now(UTC)
    batches = []
    for number in range(count):
        batch = []
        for k in range(BATCH):
            at = (now - timedelta(seconds=rng.randrange(600))).isoformat()
            roll = rng.random()
            event = {"id": f"ingest-{number}-{k}", "time": at, "device": pick(rng, DEVICES), "session": f"s{number}"}
            if roll < 0.4:
                event.update(type="page_view", properties={"page": "browse"})
            elif roll < 0.7:
                event.update(type="quality_change", title=rng.choice(title_ids), properties={"bitrate_kbps": 3000})
            else:
                event.update(type="rebuffer", title=rng.choice(title_ids), properties={"duration_s": 1.5})
            batch.append(event)
        batches.append(batch)
    return batches


def raw_rows(batch: list[dict], *, user_id: int, region: str, prefix: str) -> list[tuple]:
    """Exactly what the API stores for a batch, as the tuples a raw INSERT takes."""
    received = sqlite_time(datetime.now(UTC))
    return [
        (prefix + e["id"], e["type"], "client", sqlite_time(datetime.fromisoformat(e["time"])), received, user_id,
         region, e.get("title"), None, e["session"], e["device"], json.dumps(e["properties"]))
        for e in batch
    ]  # fmt: skip


def raw_ingestion(db: Path, batches: list[list[tuple]]) -> dict:
    connection = raw_connection(db)
    sql = insert_sql("analytics_event", EVENT_COLUMNS, "ON CONFLICT DO NOTHING")
    started = time.perf_counter()
    for rows in batches:
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(sql, rows)
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    events = sum(len(rows) for rows in batches)
    return {"events": events, "seconds": round(elapsed, 3), "events_per_s": round(events / elapsed)}


def api_ingestion(base_url: str, token: str, bodies: list[bytes], clients: int = 2) -> dict:
    """POST every body once, `clients` connections at a time (keep-alive); count what the API accepted."""
    parts = urlsplit(base_url)
    queue = list(enumerate(bodies))
    lock = threading.Lock()
    accepted, failures, latencies = [0], [], []

    def worker():
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        while True:
            with lock:
                if not queue:
                    break
                _, body = queue.pop()
            sent = time.perf_counter()
            connection.request("POST", "/api/analytics/events/", body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            with lock:
                latencies.append(time.perf_counter() - sent)
                if response.status in (200, 201):
                    accepted[0] += json.loads(payload)["accepted"]
                else:
                    failures.append((response.status, payload[:200]))
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "events": accepted[0],
        "seconds": round(elapsed, 3),
        "events_per_s": round(accepted[0] / elapsed),
        "batch_p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "failures": failures,
    }


def report_paths(path: str, windows: list[tuple[str, str]], extras: list[str]) -> list[str]:
    return [f"{path}?from={start}&to={end}{extra}" for start, end in windows for extra in extras]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--views", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--titles", type=int, default=2_000)
    parser.add_argument("--batches", type=int, default=60, help="batches of 1,000 events for the ingestion test")
    parser.add_argument("--duration", type=float, default=8, help="seconds of load per report")
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    print(f"Preparing a fresh database: {args.events} events, {args.views} views over {args.days} days...")
    db = harness.bench_database("analytics")
    harness.django_setup(db)
    started = time.perf_counter()
    users, titles = load_people_and_titles(args.users, args.titles, rng)
    load_views_and_events(db, users, titles, views=args.views, events=args.events, days=args.days, rng=rng)
    loaded = time.perf_counter() - started

    from django.db import connection
    from knox.models import AuthToken

    from analytics.services import rollups_rebuild
    from identity.models import User

    started = time.perf_counter()
    counts = rollups_rebuild()
    rebuilt = time.perf_counter() - started
    with connection.cursor() as cursor:
        # Fold the bulk load's write-ahead log into the file and give the planner statistics, so the
        # measurements below do not pay for the load (as a long-running production database would not).
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    print(f"  loaded in {loaded:.1f} s; rollups rebuilt in {rebuilt:.1f} s: {counts}")

    viewer = User.objects.filter(is_staff=False).order_by("id").first()
    staff = User.objects.create_user("operator@bench.example", "bench-password-123", is_staff=True)
    viewer_token = AuthToken.objects.create(user=viewer)[1]
    staff_token = AuthToken.objects.create(user=staff)[1]
    connection.close()

    # Two extra batches warm each side up (page cache, worker imports) and are not counted.
    batches = ingestion_batches(args.batches + WARMUP_BATCHES, [t[0] for t in titles], rng)
    raw_batches = [raw_rows(b, user_id=viewer.pk, region=viewer.country, prefix="raw-") for b in batches]
    raw_ingestion(db, raw_batches[:WARMUP_BATCHES])
    raw = raw_ingestion(db, raw_batches[WARMUP_BATCHES:])
    bodies = [json.dumps(batch).encode() for batch in batches]

    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    windows = [
        ((end - timedelta(days=30 + shift)).date().isoformat(), (end - timedelta(days=shift)).date().isoformat())
        for shift in (0, 7, 20, 45, 59)
    ]
    reports = {
        "engagement": report_paths("/api/analytics/engagement", windows, ["", "&region=US", "&device=tv"]),
        "engagement (hourly series)": report_paths("/api/analytics/engagement", windows, ["&granularity=hour"]),
        "engagement (kind, genre)": report_paths("/api/analytics/engagement", windows, ["&kind=show", "&genre=drama"]),
        "content (top 20)": report_paths("/api/analytics/content", windows, ["", "&kind=show", "&genre=drama"]),
        "content/<id>": [
            f"/api/analytics/content/{titles[k][0]}?from={s}&to={e}" for s, e in windows for k in (0, 3, 50)
        ],
        "streaming": report_paths("/api/analytics/streaming", windows, ["", "&cdn=cdn-b", "&device=tv"]),
        "regions": report_paths("/api/analytics/regions", windows, ["", "&device=mobile"]),
        "regions (kind, genre)": report_paths("/api/analytics/regions", windows, ["&kind=movie", "&genre=comedy"]),
    }
    load = {"duration_s": args.duration, "connections": args.connections, "threads": min(2, args.connections)}
    auth = {"Authorization": f"Bearer {staff_token}"}
    with harness.serve(db) as base_url:
        api_ingestion(base_url, viewer_token, bodies[:WARMUP_BATCHES])
        api = api_ingestion(base_url, viewer_token, bodies[WARMUP_BATCHES:])
        baseline = harness.run_load(base_url, ["/bench/baseline/"], **load)
        results = {name: harness.run_load(base_url, paths, headers=auth, **load) for name, paths in reports.items()}

    ingest_ratio = harness.ratio(api["events_per_s"], raw["events_per_s"])
    print(
        f"\nIngestion of {args.batches} batches of {BATCH} events: raw executemany {raw['events_per_s']} events/s, "
        f"API {api['events_per_s']} events/s (batch p50 {api['batch_p50_ms']} ms), ratio {ingest_ratio:.3f}"
    )
    if api["failures"]:
        print(f"  WARNING: {len(api['failures'])} failed batches, e.g. {api['failures'][0]}")
    targets = [(f"API ingestion = {ingest_ratio:.2f}x raw executemany (target >= 0.3)", ingest_ratio >= 0.3)]
    targets += [
        (f"{name} p95 = {figures['p95_ms']:.1f} ms over 30 days (target < 100 ms)", figures["p95_ms"] < 100)
        for name, figures in results.items()
    ]
    harness.print_report(
        f"Analytics, {args.events} events and {args.views} views over {args.days} days", baseline, results, targets
    )
    errors = sum(sum(r["socket_errors"].values()) + r["non_2xx"] for r in [baseline, *results.values()])
    if errors:
        print(f"  WARNING: {errors} failed requests or socket errors")


if __name__ == "__main__":
    main()
