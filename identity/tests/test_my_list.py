"""My List: a profile keeps titles to watch later; catalog cards say which ones."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from catalog.models import Availability, Maturity
from catalog.tests.factories import TitleFactory
from identity import library
from identity.models import ListEntry
from identity.tests.factories import KidsProfileFactory, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(account, profile=None) -> APIClient:
    _, token = AuthToken.objects.create(user=account)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    if profile is not None:
        client.post(f"/api/identity/users/{account.pk}/profiles/{profile.pk}/select", {})
    return client


def listed(client, account, **params) -> list[int]:
    return [e["title"]["id"] for e in client.get(f"/api/identity/users/{account.pk}/list", params).json()["results"]]


def test_adding_is_idempotent_and_the_list_is_newest_first():
    account = UserFactory()
    first, second = TitleFactory(), TitleFactory()
    client = signed_in(account)
    url = f"/api/identity/users/{account.pk}/list"

    assert client.post(url, {"title": first.pk}).status_code == 201
    assert client.post(url, {"title": second.pk}).status_code == 201
    assert client.post(url, {"title": first.pk}).status_code == 200

    assert listed(client, account) == [second.pk, first.pk]
    assert ListEntry.objects.count() == 2


def test_the_viewers_own_order_and_removal():
    account = UserFactory()
    titles = TitleFactory.create_batch(3)
    client = signed_in(account)
    url = f"/api/identity/users/{account.pk}/list"
    for title in titles:
        client.post(url, {"title": title.pk})

    assert client.put(f"{url}/order", {"titles": [titles[2].pk]}, format="json").status_code == 204
    assert listed(client, account, order="own") == [titles[2].pk, titles[0].pk, titles[1].pk]
    assert client.put(f"{url}/order", {"titles": [999999]}, format="json").status_code == 400
    assert client.get(url, {"order": "best"}).status_code == 400
    assert client.delete(f"{url}/{titles[0].pk}").status_code == 204
    assert client.delete(f"{url}/{titles[0].pk}").status_code == 404
    assert listed(client, account, order="own") == [titles[2].pk, titles[1].pk]


def test_a_full_list_answers_409(monkeypatch):
    monkeypatch.setattr(library, "LIST_MAX_ENTRIES", 2)
    account = UserFactory()
    client = signed_in(account)
    url = f"/api/identity/users/{account.pk}/list"
    for title in TitleFactory.create_batch(2):
        client.post(url, {"title": title.pk})

    response = client.post(url, {"title": TitleFactory().pk})

    assert response.status_code == 409 and "at most 2" in response.json()["detail"]


def test_each_profile_has_its_own_list_and_a_kid_cannot_add_what_it_may_not_see():
    account = UserFactory()
    kids = KidsProfileFactory(account=account)
    thriller = TitleFactory(maturity_rating=Maturity.R)
    cartoon = TitleFactory(maturity_rating=Maturity.G)
    parent, kid = signed_in(account), signed_in(account, kids)
    url = f"/api/identity/users/{account.pk}/list"
    parent.post(url, {"title": thriller.pk})

    assert kid.post(url, {"title": thriller.pk}).status_code == 400
    assert kid.post(url, {"title": cartoon.pk}).status_code == 201
    assert listed(kid, account) == [cartoon.pk]
    assert listed(parent, account) == [thriller.pk]


def test_an_entry_whose_licence_lapsed_is_hidden_not_deleted():
    account = UserFactory()
    title = TitleFactory()
    client = signed_in(account)
    client.post(f"/api/identity/users/{account.pk}/list", {"title": title.pk})

    Availability.objects.filter(title=title).update(ends_at=timezone.now() - dt.timedelta(minutes=1))

    assert listed(client, account) == []
    assert ListEntry.objects.filter(title=title).exists()


def test_catalog_cards_say_in_list_for_the_signed_in_profile_in_one_query():
    account = UserFactory()
    partner = ProfileFactory(account=account)
    kept, other = TitleFactory(title="Kept"), TitleFactory(title="Other")
    client = signed_in(account)
    client.post(f"/api/identity/users/{account.pk}/list", {"title": kept.pk})
    TitleFactory.create_batch(8)

    cards = {t["id"]: t["in_list"] for t in client.get("/api/catalog/movies").json()["results"]}
    again = {t["id"]: t["in_list"] for t in client.get("/api/catalog/movies").json()["results"]}  # cached page
    searched = {t["id"]: t["in_list"] for t in client.get("/api/catalog/search", {"q": "Kept"}).json()["results"]}
    theirs = signed_in(account, partner).get("/api/catalog/movies").json()["results"]
    anonymous = APIClient().get("/api/catalog/movies").json()["results"]

    assert cards[kept.pk] is True and cards[other.pk] is False and cards == again
    assert searched[kept.pk] is True
    assert all(card["in_list"] is False for card in theirs)
    assert all(card["in_list"] is None for card in anonymous)
    for title in TitleFactory.create_batch(6):
        client.post(f"/api/identity/users/{account.pk}/list", {"title": title.pk})
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        client.get("/api/catalog/movies", {"page_size": 2})
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        client.get("/api/catalog/movies", {"page_size": 12})
    assert len(large) == len(small)  # the flag costs one query a page, whatever its size


def test_a_list_change_marks_the_profiles_recommendations_stale(django_capture_on_commit_callbacks):
    from recommend.models import RecommendationList
    from recommend.services import recommendations_generate

    account = UserFactory()
    title = TitleFactory()
    recommendations_generate(user=account)
    client = signed_in(account)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/identity/users/{account.pk}/list", {"title": title.pk})

    assert RecommendationList.objects.get(user=account).invalidated
