"""SQLite under concurrent writers: 8 processes play sessions, send event batches and record history at once.

Each process has its own Django connection to one SQLite file (the project's settings: WAL, a 20 s busy
timeout, IMMEDIATE transactions) and, until the deadline, repeats one viewer's cycle through the real API
(Django's test Client, so middleware, views and serializers run) and the real services:

- a playback session: POST /api/stream/sessions, metric updates (PUT, sequence 1..n), DELETE;
- an analytics batch: POST /api/analytics/events with new event ids;
- a watch-history record: `identity.services.history_record` on a title of its own.

Every process counts what was acknowledged (2xx answers, returned rows) and every error; afterwards the
rows in the database are counted and compared with the acknowledgements. `run()` returns both; the test
`streaming_platform/tests/test_concurrency.py` runs it for CONCURRENCY_SECONDS (20 s), and this script
runs it for 60 s and prints the figures:

    .venv/bin/python bench/sqlite_concurrency.py [--seconds 60] [--workers 8]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
WORKERS = 8
UPDATES_PER_SESSION = 5
EVENTS_PER_BATCH = 20
HISTORY_WATCHED_S = 30.0
SESSION_TITLES_PER_WORKER = 3
HISTORY_TITLES_PER_WORKER = 5
# Production-like settings (DEBUG off), served over the test Client's plain HTTP.
DJANGO_ENV = {
    "DJANGO_SETTINGS_MODULE": "streaming_platform.settings",
    "DEBUG": "false",
    "HTTPS": "false",
    "SECRET_KEY": "sqlite-concurrency-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "LOG_LEVEL": "ERROR",
    # A recommender rebuild is CPU work unrelated to what is counted here; it would only slow the writers.
    "RECOMMEND_AUTO_REBUILD": "off",
}
LOCKED_MESSAGE = "database is locked"


def django_setup(db_path: str) -> None:
    """Point this (fresh, spawned) process at `db_path` and set Django up."""
    os.environ.update(DJANGO_ENV)
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    # One machine, one file: no shared cache or metrics, even when the caller runs with REDIS_URL set.
    os.environ.pop("REDIS_URL", None)
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()


def prepare(db_path: str, workers: int) -> list[dict]:
    """Migrates the database and creates one viewer (with a token) and its titles per worker, plus a CDN."""
    django_setup(db_path)
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0, interactive=False)
    from catalog.tests.factories import TitleFactory
    from identity.services import token_create
    from identity.tests.factories import UserFactory
    from stream.tests.factories import CdnFactory

    CdnFactory(name="cdn-us", regions=["US"], capacity=100_000)
    plans = []
    for n in range(workers):
        user = UserFactory(email=f"writer{n}@example.org", country="US")
        _, token = token_create(user=user)
        plans.append(
            {
                "worker": n,
                "user_id": user.pk,
                "token": token,
                "session_titles": [TitleFactory(runtime_s=6000).pk for _ in range(SESSION_TITLES_PER_WORKER)],
                "history_titles": [TitleFactory(runtime_s=6000).pk for _ in range(HISTORY_TITLES_PER_WORKER)],
            }
        )
    connections.close_all()
    return plans


def _error(counts: dict, where: str, detail: str) -> None:
    counts["errors"] += 1
    if LOCKED_MESSAGE in detail:
        counts["locked"] += 1
    if len(counts["error_samples"]) < 5:
        counts["error_samples"].append(f"{where}: {detail[:300]}")


def _play_session(client, plan: dict, cycle: int, counts: dict) -> None:
    title = plan["session_titles"][cycle % len(plan["session_titles"])]
    body = {"title": title, "device": {"type": "web", "id": f"writer-{plan['worker']}"}}
    started = client.post("/api/stream/sessions", json.dumps(body), content_type="application/json")
    if started.status_code != 201:
        _error(counts, "session start", f"{started.status_code} {started.content[:200]!r}")
        return
    counts["sessions_started"] += 1
    session = started.json()["id"]
    for sequence in range(1, UPDATES_PER_SESSION + 1):
        update = {"sequence": sequence, "state": "playing", "position_s": 600.0 * sequence, "bitrate_kbps": 3000}
        answer = client.put(f"/api/stream/sessions/{session}", json.dumps(update), content_type="application/json")
        if answer.status_code != 200:
            _error(counts, "session update", f"{answer.status_code} {answer.content[:200]!r}")
            continue
        if answer.json()["applied"]:
            counts["updates_applied"] += 1
        else:
            counts["updates_not_applied"] += 1
    ended = client.delete(f"/api/stream/sessions/{session}")
    if ended.status_code != 200:
        _error(counts, "session end", f"{ended.status_code} {ended.content[:200]!r}")
        return
    counts["sessions_ended"] += 1


def _send_batch(client, plan: dict, cycle: int, counts: dict) -> None:
    from django.utils import timezone

    now = timezone.now().isoformat()
    events = [
        {"id": f"w{plan['worker']}-c{cycle}-e{i}", "type": "page_view", "time": now, "properties": {"page": "home"}}
        for i in range(EVENTS_PER_BATCH)
    ]
    answer = client.post("/api/analytics/events", json.dumps(events), content_type="application/json")
    if answer.status_code != 201:
        _error(counts, "event batch", f"{answer.status_code} {answer.content[:200]!r}")
        return
    counts["batches_acknowledged"] += 1
    counts["events_acknowledged"] += answer.json()["accepted"]


def _record_history(user, titles: dict, plan: dict, cycle: int, counts: dict) -> None:
    from identity.services import history_record

    title = titles[plan["history_titles"][cycle % len(plan["history_titles"])]]
    history_record(user=user, title=title, position_s=1000.0 + cycle % 100, watched_s=HISTORY_WATCHED_S)
    counts["history_acknowledged"] += 1
    counts["history_titles"].add(title.pk)


def work(db_path: str, plan: dict, seconds: float, ready, results) -> None:
    """One writer process: repeats its cycle until the shared deadline, then reports its counts."""
    counts = {
        "worker": plan["worker"],
        "cycles": 0,
        "requests": 0,
        "sessions_started": 0,
        "sessions_ended": 0,
        "updates_applied": 0,
        "updates_not_applied": 0,
        "batches_acknowledged": 0,
        "events_acknowledged": 0,
        "history_acknowledged": 0,
        "history_titles": set(),
        "errors": 0,
        "locked": 0,
        "error_samples": [],
    }
    try:
        django_setup(db_path)
        from django.test import Client

        from catalog.models import Title
        from identity.models import User

        client = Client(headers={"Authorization": f"Bearer {plan['token']}"}, raise_request_exception=False)
        user = User.objects.get(pk=plan["user_id"])
        titles = Title.objects.in_bulk(plan["history_titles"])
        # Reads only: imports the views and warms the URL resolver so the timed run measures writes.
        for path in ("/api/stream/status", "/api/analytics/status", "/api/identity/users/me"):
            client.get(path)
        # Every process starts writing at the same moment, whatever its start-up took.
        deadline = ready.wait_and_deadline(seconds)
        cycle = 0
        while time.time() < deadline:
            steps = (
                (_play_session, (client, plan, cycle, counts)),
                (_send_batch, (client, plan, cycle, counts)),
                (_record_history, (user, titles, plan, cycle, counts)),
            )
            for step, args in steps:
                try:
                    step(*args)
                except Exception as exc:  # counted, never fatal: the figures say what failed
                    _error(counts, "exception", f"{type(exc).__name__}: {exc}")
            counts["requests"] += UPDATES_PER_SESSION + 3
            cycle += 1
        counts["cycles"] = cycle
    except Exception:
        _error(counts, "worker", traceback.format_exc())
    # One history row per (viewer, title) recorded, however often.
    counts["history_entries"] = len(counts.pop("history_titles"))
    results.put(counts)


class StartLine:
    """A barrier that also hands every process the same deadline (seconds from when the last one arrived)."""

    def __init__(self, context, parties: int) -> None:
        self.barrier = context.Barrier(parties)
        self.start = context.Value("d", 0.0)

    def wait_and_deadline(self, seconds: float) -> float:
        if self.barrier.wait(timeout=300) == 0:
            with self.start.get_lock():
                self.start.value = time.time()
        self.barrier.wait(timeout=60)
        return self.start.value + seconds


def count_rows(db_path: str, plans: list[dict]) -> dict:
    """What the database holds, counted in a fresh process after every writer has stopped."""
    django_setup(db_path)
    from django.db.models import Sum

    from analytics.models import Event, ViewSummary
    from identity.models import DailyWatchTime, WatchHistory
    from stream.models import PlaybackSession

    session_titles = [t for plan in plans for t in plan["session_titles"]]
    history_titles = [t for plan in plans for t in plan["history_titles"]]
    sessions = PlaybackSession.objects.all()
    client_events = Event.objects.filter(source="client")
    history = WatchHistory.objects.filter(title__in=history_titles)
    return {
        "sessions": sessions.count(),
        "sessions_ended": sessions.filter(status="ended").count(),
        "updates_applied": sessions.aggregate(total=Sum("last_sequence"))["total"] or 0,
        "view_summaries": ViewSummary.objects.count(),
        "client_events": client_events.count(),
        "client_event_ids": client_events.values("user", "client_id").distinct().count(),
        "history_entries": history.count(),
        "history_events": Event.objects.filter(type="history_update", title__in=history_titles).count(),
        "session_history_events": Event.objects.filter(type="history_update", title__in=session_titles).count(),
        # Daily watch time grows by every history record's watched seconds; ended sessions add their own.
        "history_watched_s": round(
            (DailyWatchTime.objects.aggregate(total=Sum("watched_s"))["total"] or 0.0)
            - (sessions.filter(first_frame_at__isnull=False).aggregate(total=Sum("watch_time_s"))["total"] or 0.0),
            3,
        ),
        "session_history_entries": WatchHistory.objects.filter(title__in=session_titles).count(),
    }


def _in_process(context, target, *args):
    """Runs `target(*args)` in a fresh process and returns its result."""
    with context.Pool(1) as pool:
        return pool.apply(target, args)


def run(db_path: str | Path, *, seconds: float, workers: int = WORKERS) -> dict:
    """Prepares `db_path`, runs the writers for `seconds`, and returns their acknowledgements and the rows."""
    db_path = str(Path(db_path).resolve())
    # spawn: every writer starts a clean interpreter with its own Django and its own connection.
    context = multiprocessing.get_context("spawn")
    plans = _in_process(context, prepare, db_path, workers)
    start_line = StartLine(context, workers)
    results = context.Queue()
    processes = [context.Process(target=work, args=(db_path, plan, seconds, start_line, results)) for plan in plans]
    began = time.monotonic()
    for process in processes:
        process.start()
    reports = []
    try:
        for _ in processes:
            # Generous: start-up, the run itself, and the last cycle's waits on the 20 s busy timeout.
            reports.append(results.get(timeout=seconds + 180))
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    elapsed = time.monotonic() - began
    totals: dict = {}
    for report in reports:
        for key, value in report.items():
            if isinstance(value, int) and key != "worker":
                totals[key] = totals.get(key, 0) + value
    totals["error_samples"] = [sample for report in reports for sample in report["error_samples"]][:10]
    rows = _in_process(context, count_rows, db_path, plans)
    return {
        "seconds": seconds,
        "workers": workers,
        "elapsed_s": round(elapsed, 1),
        "acknowledged": totals,
        "rows": rows,
    }


def expected_rows(acknowledged: dict) -> dict:
    """The rows the acknowledgements promise (each ended session that played also records history)."""
    return {
        "sessions": acknowledged["sessions_started"],
        "sessions_ended": acknowledged["sessions_ended"],
        "updates_applied": acknowledged["updates_applied"],
        "view_summaries": acknowledged["sessions_ended"],
        "client_events": acknowledged["events_acknowledged"],
        "client_event_ids": acknowledged["events_acknowledged"],
        "history_entries": acknowledged["history_entries"],
        "history_events": acknowledged["history_acknowledged"],
        "session_history_events": acknowledged["sessions_ended"],
        "history_watched_s": acknowledged["history_acknowledged"] * HISTORY_WATCHED_S,
    }


def print_report(result: dict) -> None:
    acknowledged, rows = result["acknowledged"], result["rows"]
    print(
        f"\n== SQLite, {result['workers']} writer processes for {result['seconds']:g} s "
        f"(wall {result['elapsed_s']} s) =="
    )
    print(
        f"requests/service calls: {acknowledged['requests']} ({acknowledged['requests'] / result['seconds']:.0f}/s), "
        f"errors: {acknowledged['errors']}, 'database is locked': {acknowledged['locked']}"
    )
    print(f"{'figure':<24} {'acknowledged':>13} {'rows':>10}")
    for key, expected in expected_rows(acknowledged).items():
        print(f"{key:<24} {expected:>13g} {rows[key]:>10g} {'' if expected == rows[key] else '  MISMATCH'}")
    for sample in acknowledged["error_samples"]:
        print("  error:", sample)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=WORKERS)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sqlite-concurrency-") as directory:
        result = run(Path(directory) / "writers.sqlite3", seconds=options.seconds, workers=options.workers)
    print_report(result)
    expected = expected_rows(result["acknowledged"])
    ok = result["acknowledged"]["errors"] == 0 and all(result["rows"][k] == v for k, v in expected.items())
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
