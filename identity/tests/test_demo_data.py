"""seed_demo's accounts and history, and the MovieLens import of users and ratings."""

import io
import random
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from catalog.models import Maturity
from catalog.tests.factories import EpisodeFactory, SeasonFactory, TitleFactory
from identity.demo_data import DEMO_PASSWORD, KIDS_PIN, STAFF_EMAIL, STAFF_PASSWORD, demo_identity_seed
from identity.models import ParentalControls, User, WatchHistory

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

    assert created == 1 + 3 + 12
    staff = User.objects.get(email=STAFF_EMAIL)
    assert staff.is_staff and staff.is_superuser and staff.check_password(STAFF_PASSWORD)
    kid = User.objects.get(email="kid@example.org")
    controls = ParentalControls.objects.get(user=kid)
    assert controls.max_maturity == Maturity.PG and controls.block_unrated and controls.daily_limit_minutes == 120
    assert kid.check_password(DEMO_PASSWORD)
    kid_history = WatchHistory.objects.filter(user=kid).select_related("title")
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


def test_seeded_accounts_can_log_in_and_the_kids_pin_works():
    TitleFactory.create_batch(3)
    seed(users=1)
    client = APIClient()

    response = client.post("/api/identity/auth/login", {"email": "kid@example.org", "password": DEMO_PASSWORD})
    kid = response.json()["user"]["id"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")

    assert client.post(f"/api/identity/users/{kid}/controls/pin/verify", {"pin": KIDS_PIN}).status_code == 204


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
