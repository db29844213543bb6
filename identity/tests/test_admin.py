"""The admin pages for accounts load, and revoking tokens logs the account out everywhere."""

import pytest
from django.urls import reverse
from knox.models import AuthToken

from catalog.tests.factories import EpisodeFactory
from identity.tests.factories import ParentalControlsFactory, PreferencesFactory, UserFactory, WatchHistoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_user_pages_load(admin_client):
    viewer = UserFactory(email="kid@example.org")
    ParentalControlsFactory(user=viewer, pin="1234")
    PreferencesFactory(user=viewer)
    WatchHistoryFactory.create_batch(3, user=viewer)
    episode = EpisodeFactory()
    WatchHistoryFactory(user=viewer, title=episode.season.show, episode=episode)
    AuthToken.objects.create(user=viewer)

    changelist = admin_client.get(reverse("admin:identity_user_changelist"), {"q": "kid", "plan": "standard"})
    change = admin_client.get(reverse("admin:identity_user_change", args=[viewer.pk]))
    add = admin_client.get(reverse("admin:identity_user_add"))
    history = admin_client.get(reverse("admin:identity_watchhistory_changelist"), {"q": "kid"})

    assert changelist.status_code == change.status_code == add.status_code == history.status_code == 200
    assert "kid@example.org" in changelist.content.decode()
    page = change.content.decode()
    for inline in ("profiles", "auth_token_set", "watch_history"):
        assert f'name="{inline}-TOTAL_FORMS"' in page
    assert 'name="watch_history-INITIAL_FORMS" value="4"' in page
    assert "pin_hash" not in page


def test_revoke_tokens_action(admin_client):
    viewer = UserFactory()
    AuthToken.objects.create(user=viewer)
    AuthToken.objects.create(user=viewer)
    keep = UserFactory()
    AuthToken.objects.create(user=keep)

    response = admin_client.post(
        reverse("admin:identity_user_changelist"), {"action": "revoke_tokens", "_selected_action": [viewer.pk]}
    )

    assert response.status_code == 302
    assert not AuthToken.objects.filter(user=viewer).exists()
    assert AuthToken.objects.filter(user=keep).exists()


def test_admin_can_create_a_user(admin_client):
    response = admin_client.post(
        reverse("admin:identity_user_add"),
        {
            "email": "made@example.org",
            "password1": "a-long-enough-secret-42",
            "password2": "a-long-enough-secret-42",
            "plan": "basic",
            "country": "FR",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    from identity.models import User

    made = User.objects.get(email="made@example.org")
    assert made.plan == "basic" and made.check_password("a-long-enough-secret-42")


@pytest.mark.parametrize(("country", "stored"), [("de", "DE"), ("XX", None), ("ZZ", None)])
def test_the_admin_takes_only_country_codes(admin_client, country, stored):
    from identity.models import User

    response = admin_client.post(
        reverse("admin:identity_user_add"),
        {
            "email": "made@example.org",
            "password1": "a-long-enough-secret-42",
            "password2": "a-long-enough-secret-42",
            "plan": "basic",
            "country": country,
            "usable_password": "true",
        },
    )

    made = User.objects.filter(email="made@example.org").first()
    assert (made.country if made else None) == stored
    assert response.status_code == (302 if stored else 200)


def test_availability_windows_in_the_admin_take_only_country_codes(admin_client):
    from catalog.models import Availability
    from catalog.tests.factories import TitleFactory

    title = TitleFactory(regions=[])
    add = reverse("admin:catalog_availability_add")
    form = {"title": title.pk, "starts_at_0": "2024-01-01", "starts_at_1": "00:00:00"}

    lower = admin_client.post(add, {**form, "region": "de"})
    unassigned = admin_client.post(add, {**form, "region": "ZZ"})

    assert lower.status_code == 302 and unassigned.status_code == 200
    assert list(Availability.objects.filter(title=title).values_list("region", flat=True)) == ["DE"]


def test_the_user_page_shows_each_tokens_device(admin_client):
    from rest_framework.test import APIClient

    from identity.tests.factories import TEST_PASSWORD

    viewer = UserFactory()
    body = {"email": viewer.email, "password": TEST_PASSWORD, "device_name": "Kitchen tablet", "device_type": "tablet"}
    assert APIClient().post("/api/identity/auth/login", body, format="json").status_code == 200
    AuthToken.objects.create(user=viewer)  # one without a device

    page = admin_client.get(reverse("admin:identity_user_change", args=[viewer.pk]))

    assert page.status_code == 200
    assert "Kitchen tablet" in page.content.decode() and "Tablet" in page.content.decode()


def test_profile_page_shows_its_controls_and_preferences(admin_client):
    from identity.tests.factories import KidsProfileFactory

    kid = KidsProfileFactory(name="Robin")

    page = admin_client.get(reverse("admin:identity_profile_change", args=[kid.pk]))

    assert page.status_code == 200
    assert 'name="parental_controls-TOTAL_FORMS"' in page.content.decode()
    assert 'name="preferences-TOTAL_FORMS"' in page.content.decode()
