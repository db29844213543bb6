"""Demo accounts with watch history (`seed_demo`) and the MovieLens 100K users and ratings (`import_movielens`)."""

import datetime as dt
import functools
import random
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from catalog.models import Episode, Kind, Maturity, Title
from catalog.selectors import titles_visible_to
from identity.models import DailyWatchTime, ParentalControls, Plan, Preferences, Profile, User, WatchHistory
from identity.profile_selectors import profile_bind, profile_of
from identity.ratings import ratings_from_history_create
from identity.services import profile_main_ensure, user_zone

STAFF_EMAIL = "admin@example.org"
STAFF_PASSWORD = "streaming-admin-demo"
DEMO_PASSWORD = "demo-viewer-password"
KIDS_PIN = "1234"
# The household: one account, three profiles. The main profile (Sam) is locked with PROFILE_PIN, so the
# kids profile cannot switch into it; the kids profile's controls are changed only with KIDS_PIN.
HOUSEHOLD_EMAIL = "parent@example.org"
HOUSEHOLD_NAME = "Sam Parent"
PROFILE_PIN = "1234"
HOUSEHOLD_PROFILES = [
    # name, is the kids profile
    ("Alex", False),
    ("Kid", True),
]
# Regions with a typical time zone and how often demo viewers come from them.
REGIONS = [
    ("US", "America/New_York", 30),
    ("US", "America/Los_Angeles", 15),
    ("GB", "Europe/London", 12),
    ("DE", "Europe/Berlin", 10),
    ("FR", "Europe/Paris", 8),
    ("CA", "America/Toronto", 8),
    ("BR", "America/Sao_Paulo", 7),
    ("IN", "Asia/Kolkata", 6),
    ("JP", "Asia/Tokyo", 4),
]
PLANS = [(Plan.BASIC, 30), (Plan.STANDARD, 50), (Plan.PREMIUM, 20)]
LANGUAGES = {"US": "en", "GB": "en", "CA": "en", "DE": "de", "FR": "fr", "BR": "pt", "IN": "hi", "JP": "ja"}

MOVIELENS_KEY = "movielens"
MOVIELENS_REGION = "US"
BATCH_SIZE = 5000


def _say(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(message)


# --- seed_demo -----------------------------------------------------------------------------------


def demo_identity_seed(*, rng: random.Random, users: int, days: int, stdout=None) -> int:
    """Staff account, a household with a kids' account, `users` demo viewers and their history. Idempotent.

    Accounts are found by email; an account that already has history gets none added, so a second run
    adds nothing. Returns the number of accounts created.
    """
    now = timezone.now().replace(second=0, microsecond=0)
    created = 0
    with transaction.atomic():
        if not User.objects.filter(email=STAFF_EMAIL).exists():
            User.objects.create_superuser(STAFF_EMAIL, STAFF_PASSWORD, display_name="Operator")
            created += 1
        household, made = _account_ensure(
            email=HOUSEHOLD_EMAIL,
            display_name=HOUSEHOLD_NAME,
            plan=Plan.PREMIUM,
            country="US",
            time_zone="America/New_York",
        )
        created += made
        viewers = [(household, profile_main_ensure(account=household))]
        if made:
            Profile.objects.filter(pk=viewers[0][1].pk).update(name="Sam", pin_hash=make_password(PROFILE_PIN))
        for name, is_kids in HOUSEHOLD_PROFILES:
            profile = Profile.objects.filter(account=household, name=name).first()
            if profile is None:
                profile = Profile.objects.create(account=household, name=name, is_kids=is_kids)
                if is_kids:
                    _kids_controls_create(household, profile)
            viewers.append((household, profile))
        for number in range(1, users + 1):
            country, zone, _ = rng.choices(REGIONS, weights=[weight for *_, weight in REGIONS])[0]
            plan = rng.choices([plan for plan, _ in PLANS], weights=[weight for _, weight in PLANS])[0]
            account, made = _account_ensure(
                email=f"demo-{number:03d}@example.org",
                display_name=f"Demo Viewer {number}",
                plan=plan,
                country=country,
                time_zone=zone,
            )
            created += made
            main = profile_main_ensure(account=account)
            if made:
                Preferences.objects.create(user=account, profile=main, audio_languages=[LANGUAGES[country]])
            viewers.append((account, main))

        seeded = 0
        for account, profile in viewers:
            if WatchHistory.objects.filter(profile=profile).exists():
                continue
            profile_bind(account, profile)
            rows = _demo_history(account, rng=rng, days=days, now=now)
            WatchHistory.objects.bulk_create(rows)
            ratings_from_history_create(rows=rows)
            seeded += len(rows)
            if profile.is_kids:
                # Most of today's allowance used, so the daily limit is close and easy to show.
                today = now.astimezone(user_zone(account)).date()
                DailyWatchTime.objects.get_or_create(
                    profile=profile, day=today, defaults={"user": account, "watched_s": 100 * 60}
                )
    _say(stdout, f"Identity: {created} accounts created, {seeded} history entries added.")
    return created


def _account_ensure(*, email: str, display_name: str, plan: str, country: str, time_zone: str) -> tuple[User, bool]:
    account = User.objects.filter(email=email).first()
    if account is not None:
        return account, False
    account = User(
        email=email,
        password=_demo_password_hash(),
        display_name=display_name,
        plan=plan,
        country=country,
        time_zone=time_zone,
    )
    account.save()
    return account, True


@functools.cache
def _demo_password_hash() -> str:
    # Hashed once: the hasher is deliberately slow and every demo viewer shares the documented password.
    return make_password(DEMO_PASSWORD)


def _kids_controls_create(account: User, profile: Profile) -> None:
    ParentalControls.objects.create(
        user=account,
        profile=profile,
        max_maturity=Maturity.PG,
        block_unrated=True,
        viewing_start=dt.time(7, 0),
        viewing_end=dt.time(20, 0),
        daily_limit_minutes=120,
        pin_hash=make_password(KIDS_PIN),
    )


def _demo_history(account: User, *, rng: random.Random, days: int, now: dt.datetime) -> list[WatchHistory]:
    """A plausible history of the profile `account` acts for: some movies finished or half-watched, a few
    shows followed episode by episode."""
    profile = profile_of(account)
    visible = list(titles_visible_to(account).order_by("id").values_list("id", "kind", "runtime_s"))
    if not visible:
        return []
    movies = [row for row in visible if row[1] == Kind.MOVIE]
    shows = [row for row in visible if row[1] == Kind.SHOW]
    rows: list[WatchHistory] = []

    def moment() -> dt.datetime:
        # Evenings are busier than mornings.
        day = now - dt.timedelta(days=rng.randrange(max(days, 1)))
        hour = rng.choices(range(24), weights=[1] * 7 + [2] * 10 + [6] * 5 + [3] * 2)[0]
        return min(day.replace(hour=hour, minute=rng.randrange(60)), now)

    for title_id, _, runtime in rng.sample(movies, k=min(len(movies), rng.randint(3, 15))):
        duration = float(runtime or 5400)
        finished = rng.random() < 0.65
        rows.append(
            WatchHistory(
                user=account,
                profile=profile,
                title_id=title_id,
                duration_s=duration,
                position_s=0.0 if finished else round(duration * rng.uniform(0.1, 0.85)),
                completed=finished,
                watch_count=(1 if rng.random() < 0.9 else 2) if finished else 0,
                rating=float(rng.randint(2, 5)) if finished and rng.random() < 0.4 else None,
                last_watched_at=moment(),
            )
        )

    followed = rng.sample(shows, k=min(len(shows), rng.randint(0, 3)))
    episodes_by_show: dict[int, list[Episode]] = {}
    for episode in (
        Episode.objects.filter(season__show_id__in=[row[0] for row in followed])
        .order_by("season__number", "number")
        .select_related("season")
    ):
        episodes_by_show.setdefault(episode.season.show_id, []).append(episode)
    for show_id, _, _ in followed:
        episodes = episodes_by_show.get(show_id, [])
        if not episodes:
            continue
        watched = rng.randint(1, len(episodes))
        when = moment() - dt.timedelta(days=watched)
        for index, episode in enumerate(episodes[:watched]):
            duration = float(episode.runtime_s or 2700)
            last = index == watched - 1
            in_progress = last and rng.random() < 0.5
            when = min(when + dt.timedelta(hours=rng.randint(2, 30)), now)
            rows.append(
                WatchHistory(
                    user=account,
                    profile=profile,
                    title_id=show_id,
                    episode=episode,
                    duration_s=duration,
                    position_s=round(duration * rng.uniform(0.2, 0.8)) if in_progress else 0.0,
                    completed=not in_progress,
                    watch_count=0 if in_progress else 1,
                    last_watched_at=when,
                )
            )
    return rows


# --- import_movielens ------------------------------------------------------------------------------


def _read_tsv(path: Path) -> list[list[str]]:
    """Rows of a MovieLens atomic file (tab-separated, a typed header line first)."""
    with path.open(encoding="latin-1") as handle:
        next(handle, None)
        return [line.rstrip("\n").split("\t") for line in handle if line.strip()]


def movielens_email(user_id: str) -> str:
    return f"movielens-{user_id}@example.org"


def movielens_import(*, directory: Path, stdout=None) -> tuple[int, int]:
    """MovieLens users (region US, no usable password) and their ratings as finished history. Idempotent.

    A rating means the title was watched to the end at the rating's timestamp; the rating value is kept.
    Ratings of items the catalog does not have are skipped. Returns (users created, entries created).
    """
    directory = Path(directory)
    ratings_path = directory / "ml-100k.inter"
    users_path = directory / "ml-100k.user"
    ratings = _read_tsv(ratings_path) if ratings_path.is_file() else []
    user_ids = [row[0] for row in _read_tsv(users_path)] if users_path.is_file() else []
    user_ids = list(dict.fromkeys([*user_ids, *(row[0] for row in ratings)]))
    first_seen: dict[str, int] = {}
    for user_id, _, _, timestamp in ratings:
        seconds = int(float(timestamp))
        first_seen[user_id] = min(first_seen.get(user_id, seconds), seconds)

    emails = {user_id: movielens_email(user_id) for user_id in user_ids}
    existing = set(User.objects.filter(email__in=emails.values()).values_list("email", flat=True))
    unusable = make_password(None)
    new_users = [
        User(
            email=email,
            display_name=f"MovieLens viewer {user_id}",
            country=MOVIELENS_REGION,
            password=unusable,
            date_joined=dt.datetime.fromtimestamp(first_seen[user_id], tz=dt.UTC)
            if user_id in first_seen
            else timezone.now(),
        )
        for user_id, email in emails.items()
        if email not in existing
    ]
    with transaction.atomic():
        User.objects.bulk_create(new_users, batch_size=BATCH_SIZE, ignore_conflicts=True)
    _say(stdout, f"Identity: {len(user_ids)} MovieLens users, {len(new_users)} created.")

    account_ids = dict(User.objects.filter(email__in=emails.values()).values_list("email", "id"))
    with transaction.atomic():
        with_main = set(
            Profile.objects.filter(account_id__in=account_ids.values(), is_main=True).values_list(
                "account_id", flat=True
            )
        )
        Profile.objects.bulk_create(
            [
                Profile(
                    account_id=account_id, name=f"MovieLens viewer {email.split('-', 1)[1].split('@')[0]}", is_main=True
                )
                for email, account_id in account_ids.items()
                if account_id not in with_main
            ],
            batch_size=BATCH_SIZE,
        )
    main_of = dict(
        Profile.objects.filter(account_id__in=account_ids.values(), is_main=True).values_list("account_id", "id")
    )
    account_by_user = {user_id: account_ids[email] for user_id, email in emails.items() if email in account_ids}
    title_by_item = {
        str(item): title_id
        for title_id, item in Title.objects.filter(external_ids__has_key=MOVIELENS_KEY).values_list(
            "id", f"external_ids__{MOVIELENS_KEY}"
        )
    }
    done = set(
        WatchHistory.objects.filter(user_id__in=account_by_user.values(), episode__isnull=True).values_list(
            "user_id", "title_id"
        )
    )
    rows: list[WatchHistory] = []
    skipped = 0
    for user_id, item_id, rating, timestamp in ratings:
        account_id, title_id = account_by_user.get(user_id), title_by_item.get(item_id)
        if account_id is None or title_id is None:
            skipped += 1
            continue
        if (account_id, title_id) in done:
            continue
        done.add((account_id, title_id))
        rows.append(
            WatchHistory(
                user_id=account_id,
                profile_id=main_of[account_id],
                title_id=title_id,
                position_s=0.0,
                completed=True,
                watch_count=1,
                rating=float(rating),
                last_watched_at=dt.datetime.fromtimestamp(int(float(timestamp)), tz=dt.UTC),
            )
        )
    created = 0
    with transaction.atomic():
        for start in range(0, len(rows), BATCH_SIZE):
            WatchHistory.objects.bulk_create(rows[start : start + BATCH_SIZE], ignore_conflicts=True)
            created += len(rows[start : start + BATCH_SIZE])
            _say(stdout, f"Identity: imported {created}/{len(rows)} ratings as watch history.")
    if skipped:
        _say(stdout, f"Identity: {skipped} ratings skipped (user or title not found).")
    return len(new_users), created
