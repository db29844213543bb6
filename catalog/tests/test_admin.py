"""The catalog admin pages load for staff, with inlines and filters."""

import pytest
from django.test import Client

from catalog.tests.factories import AvailabilityFactory, CreditFactory, EpisodeFactory, GenreFactory, ShowFactory
from identity.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_changelists_and_change_pages_load(admin_client_):
    show = ShowFactory(genres=[GenreFactory()])
    episode = EpisodeFactory(season__show=show)
    credit = CreditFactory(title=show)
    window = AvailabilityFactory(title=show, region="DE")
    pages = {
        "title": show.id,
        "season": episode.season_id,
        "episode": episode.id,
        "genre": show.genres.first().id,
        "person": credit.person_id,
        "availability": window.id,
    }
    for model, object_id in pages.items():
        assert admin_client_.get(f"/admin/catalog/{model}/").status_code == 200, model
        assert admin_client_.get(f"/admin/catalog/{model}/{object_id}/change/").status_code == 200, model
        assert admin_client_.get(f"/admin/catalog/{model}/add/").status_code == 200, model


def test_title_changelist_search_and_filters(admin_client_):
    ShowFactory(title="Dark", regions=["DE"])
    response = admin_client_.get("/admin/catalog/title/", {"q": "dark", "kind": "show", "availabilities__region": "DE"})
    assert response.status_code == 200
    assert b"Dark" in response.content


def test_admin_needs_staff(client):
    assert client.get("/admin/catalog/title/").status_code == 302
