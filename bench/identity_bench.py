"""Identity benchmark: authenticated reads and history writes of many viewers, against the baseline.

Run: `.venv/bin/python bench/identity_bench.py [--users 1000] [--history 50] [--duration 8] [--connections 16]`

One run builds a fresh SQLite file with 2,000 movies, `--users` viewers with `--history` watch-history
entries each (half finished, half in progress) and a bearer token per viewer, serves it as in production,
and measures, each viewer with their own token: `GET users/me` (token check only), `GET users/<id>/history`
(a page of 20), `GET users/<id>/continue-watching`, `POST users/<id>/history` (an upsert) and
`POST auth/login` (dominated by the deliberately slow password hash). It prints throughput as a ratio of the
bare baseline and these targets: me >= 0.1 x baseline (a token check is two queries);
history list throughput >= 0.25 x me; continue-watching throughput >= 0.1 x me (it checks visibility).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness

PASSWORD = "bench-viewer-password"
TITLES = 2000
SAMPLED_VIEWERS = 200


def load(users: int, history: int, rng: random.Random) -> list[dict]:
    """Titles, viewers, their history and a token each; returns what the requests need per viewer."""
    import datetime as dt

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone
    from knox.models import AuthToken

    from catalog.models import Availability, Kind, Title
    from identity.models import User, WatchHistory
    from identity.services import profiles_main_create_many

    started = time.perf_counter()
    now = timezone.now()
    since = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    password = make_password(PASSWORD)
    with transaction.atomic():
        titles = Title.objects.bulk_create(
            Title(kind=Kind.MOVIE, title=f"Bench movie {n}", runtime_s=rng.randint(4000, 9000)) for n in range(TITLES)
        )
        Availability.objects.bulk_create(Availability(title=t, region="US", starts_at=since) for t in titles)
        accounts = User.objects.bulk_create(
            User(email=f"bench-{n}@example.org", password=password, country="US") for n in range(users)
        )
        main_of = profiles_main_create_many(accounts=accounts)
        rows = []
        for account in accounts:
            for title in rng.sample(titles, history):
                finished = rng.random() < 0.5
                rows.append(
                    WatchHistory(
                        user=account,
                        profile=main_of[account.pk],
                        title=title,
                        duration_s=float(title.runtime_s),
                        position_s=0.0 if finished else float(rng.randint(600, 3500)),
                        completed=finished,
                        watch_count=int(finished),
                        last_watched_at=now - dt.timedelta(minutes=rng.randint(1, 60 * 24 * 90)),
                    )
                )
        WatchHistory.objects.bulk_create(rows, batch_size=5000)
    viewers = []
    for account in rng.sample(accounts, min(SAMPLED_VIEWERS, len(accounts))):
        _, token = AuthToken.objects.create(user=account)
        viewers.append({"id": account.pk, "email": account.email, "token": token, "title": rng.choice(titles).pk})
    print(
        f"Loaded {len(titles)} titles, {len(accounts)} viewers, {len(rows)} history entries "
        f"in {time.perf_counter() - started:.1f} s.",
        file=sys.stderr,
    )
    return viewers


def authorized(viewer: dict, path: str, **kwargs) -> harness.Request:
    headers = {"Authorization": f"Bearer {viewer['token']}", **kwargs.pop("headers", {})}
    return harness.Request(path, headers=headers, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--history", type=int, default=50)
    parser.add_argument("--duration", type=float, default=8)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    rng = random.Random(1)

    db = harness.bench_database("identity")
    harness.django_setup(db)
    viewers = load(args.users, args.history, rng)
    base = "/api/identity/users"
    json_body = {"Content-Type": "application/json"}
    load_args = {"duration_s": args.duration, "connections": args.connections}

    with harness.serve(db) as base_url:
        baseline = harness.run_load(base_url, [harness.BASELINE_PATH], **load_args)
        me = harness.run_load(base_url, [authorized(v, f"{base}/me/") for v in viewers], **load_args)
        history = harness.run_load(
            base_url, [authorized(v, f"{base}/{v['id']}/history/") for v in viewers], **load_args
        )
        continue_watching = harness.run_load(
            base_url, [authorized(v, f"{base}/{v['id']}/continue-watching/") for v in viewers], **load_args
        )
        record = harness.run_load(
            base_url,
            [
                authorized(
                    v,
                    f"{base}/{v['id']}/history/",
                    method="POST",
                    headers=json_body,
                    body=json.dumps({"title": v["title"], "position_s": 1200 + n}),
                )
                for n, v in enumerate(viewers)
            ],
            **load_args,
        )
        login = harness.run_load(
            base_url,
            [
                harness.Request(
                    "/api/identity/auth/login/",
                    method="POST",
                    headers=json_body,
                    body=json.dumps({"email": v["email"], "password": PASSWORD}),
                )
                for v in viewers
            ],
            # Each login hashes a password for a few hundred ms of CPU; a few connections keep the queue short.
            duration_s=args.duration,
            connections=2,
        )

    results = {
        "users/me": me,
        "history (page of 20)": history,
        "continue-watching": continue_watching,
        "POST history": record,
        "POST auth/login": login,
    }
    harness.print_report(
        "Identity",
        baseline,
        results,
        targets=[
            ("users/me throughput >= 0.1 x baseline", harness.ratio(me["rps"], baseline["rps"]) >= 0.1),
            ("history list throughput >= 0.25 x users/me", harness.ratio(history["rps"], me["rps"]) >= 0.25),
            (
                "continue-watching throughput >= 0.1 x users/me",
                harness.ratio(continue_watching["rps"], me["rps"]) >= 0.1,
            ),
        ],
    )


if __name__ == "__main__":
    main()
