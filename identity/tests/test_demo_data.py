"""seed_demo's accounts and history, and the MovieLens import of users and ratings."""

import io
import random
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from catalog.models import Maturity
from catalog.tests.factories import EpisodeFactory, SeasonFactory, TitleFactory
from identity.demo_data import (
    DEMO_PASSWORD,
    HOUSEHOLD_EMAIL,
    KIDS_PIN,
    PROFILE_PIN,
    STAFF_EMAIL,
    STAFF_PASSWORD,
    demo_identity_seed,
)
from identity.models import ParentalControls, Profile, Rating, User, WatchHistory

pytestmark = pytest.mark.django_db


def seed(**kwargs):
    return demo_identity_seed(rng=random.Random(7), users=kwargs.pop("users", 12), days=30, **kwargs)


def test_seed_creates_staff_household_and_viewers_with_history():
    for rating in [Maturity.G, Maturity.PG, Maturity.R, None] * 2:  # titles the kid may watch, and others
        TitleFactory(maturity_rating=rating, regions=["US", "DE"])
    season = SeasonFactory()
    for number in range(1, 5):
        EpisodeFactory(season=season, number=number)

    created = seed()

    assert created == 1 + 1 + 12
    staff = User.objects.get(email=STAFF_EMAIL)
    assert staff.is_staff and staff.is_superuser and staff.check_password(STAFF_PASSWORD)
    household = User.objects.get(email=HOUSEHOLD_EMAIL)
    assert household.check_password(DEMO_PASSWORD)
    profiles = list(Profile.objects.filter(account=household).order_by("-is_main", "id"))
    assert [(p.name, p.is_main, p.is_kids) for p in profiles] == [
        ("Sam", True, False),
        ("Alex", False, False),
        ("Kid", False, True),
    ]
    kid = profiles[2]
    controls = ParentalControls.objects.get(profile=kid)
    assert controls.max_maturity == Maturity.PG and controls.block_unrated and controls.daily_limit_minutes == 120
    assert all(WatchHistory.objects.filter(profile=profile).exists() for profile in profiles)
    rated = WatchHistory.objects.filter(rating__gte=4).values_list("profile_id", "title_id").first()
    assert rated is None or Rating.objects.filter(profile_id=rated[0], title_id=rated[1]).exists()
    kid_history = WatchHistory.objects.filter(profile=kid).select_related("title")
    assert kid_history.exists()
    assert all(entry.title.maturity_rating in (Maturity.G, Maturity.PG) for entry in kid_history)
    assert WatchHistory.objects.count() > 30
    assert len({user.country for user in User.objects.filter(email__startswith="demo-")}) > 1
    assert len({user.plan for user in User.objects.filter(email__startswith="demo-")}) > 1


def test_seed_is_idempotent():
    TitleFactory.create_batch(5)
    seed()
    counts = (User.objects.count(), WatchHistory.objects.count())

    assert seed() == 0
    assert (User.objects.count(), WatchHistory.objects.count()) == counts


def test_the_household_signs_in_picks_the_kids_profile_and_cannot_leave_it_without_the_pin():
    TitleFactory.create_batch(3)
    seed(users=1)
    client = APIClient()

    response = client.post("/api/identity/auth/login", {"email": HOUSEHOLD_EMAIL, "password": DEMO_PASSWORD})
    account = response.json()["user"]["id"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    profiles = {p["name"]: p for p in client.get(f"/api/identity/users/{account}/profiles").json()["results"]}
    base = f"/api/identity/users/{account}/profiles"

    assert client.post(f"{base}/{profiles['Kid']['id']}/select", {}).status_code == 200
    assert client.post(f"{base}/{profiles['Sam']['id']}/select", {}).status_code == 403
    assert client.post(f"{base}/{profiles['Sam']['id']}/select", {"pin": PROFILE_PIN}).status_code == 200
    assert client.post(f"{base}/{profiles['Kid']['id']}/select", {}).status_code == 200
    assert client.get(f"/api/identity/users/{account}/controls").json()["max_maturity"] == "PG"
    assert KIDS_PIN


def subset(tmp_path: Path, movielens_dir: Path, lines: int) -> Path:
    """The first `lines` ratings of MovieLens 100K, with the full user and item files."""
    for name in ("ml-100k.item", "ml-100k.user"):
        (tmp_path / name).write_bytes((movielens_dir / name).read_bytes())
    with (movielens_dir / "ml-100k.inter").open(encoding="latin-1") as source:
        head = [next(source) for _ in range(lines + 1)]
    (tmp_path / "ml-100k.inter").write_text("".join(head), encoding="latin-1")
    return tmp_path


def import_movielens(directory: Path) -> str:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("import_movielens", str(directory), stdout=out)
    return out.getvalue()


def test_movielens_subset_import(tmp_path, movielens_dir):
    directory = subset(tmp_path, movielens_dir, 2000)

    output = import_movielens(directory)

    assert User.objects.filter(email__startswith="movielens-").count() == 943
    viewer = User.objects.get(email="movielens-196@example.org")
    assert viewer.country == "US" and not viewer.has_usable_password()
    entry = WatchHistory.objects.select_related("title").get(user=viewer, title__external_ids__movielens="242")
    assert entry.rating == 3.0 and entry.completed and entry.watch_count == 1 and entry.position_s == 0
    assert entry.last_watched_at.timestamp() == 881250949
    assert WatchHistory.objects.count() == 2000
    assert "Identity: imported 2000/2000 ratings" in output

    import_movielens(directory)
    assert WatchHistory.objects.count() == 2000
    assert User.objects.filter(email__startswith="movielens-").count() == 943


def test_movielens_user_cannot_log_in(tmp_path, movielens_dir):
    import_movielens(subset(tmp_path, movielens_dir, 10))

    response = APIClient().post("/api/identity/auth/login", {"email": "movielens-1@example.org", "password": ""})

    assert response.status_code == 400


def test_full_movielens_import(movielens_dir):
    import_movielens(movielens_dir)

    assert User.objects.filter(email__startswith="movielens-").count() == 943
    assert WatchHistory.objects.filter(rating__isnull=False).count() == 100_000
