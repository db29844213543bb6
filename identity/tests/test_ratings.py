"""Ratings: thumbs per profile and title, from a title's page; what a thumbs-down hides."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from catalog.models import Maturity
from catalog.tests.factories import TitleFactory
from identity.models import Rating
from identity.tests.factories import KidsProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(account, profile=None) -> APIClient:
    _, token = AuthToken.objects.create(user=account)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    if profile is not None:
        client.post(f"/api/identity/users/{account.pk}/profiles/{profile.pk}/select", {})
    return client


def test_rate_change_list_and_remove_without_watching():
    account = UserFactory()
    heat = TitleFactory(title="Heat")
    client = signed_in(account)
    url = f"/api/identity/users/{account.pk}/ratings"

    assert client.put(f"{url}/{heat.pk}", {"rating": "up"}).status_code == 201
    assert client.put(f"{url}/{heat.pk}", {"rating": "love"}).status_code == 200
    assert client.put(f"{url}/{heat.pk}", {"rating": "5"}).status_code == 400
    assert client.put(f"{url}/999999", {"rating": "up"}).status_code == 404
    listed = client.get(url).json()["results"]
    assert [(r["title"]["id"], r["rating"]) for r in listed] == [(heat.pk, "love")]
    assert client.get(f"{url}/{heat.pk}").json()["rating"] == "love"
    assert client.delete(f"{url}/{heat.pk}").status_code == 204
    assert client.get(f"{url}/{heat.pk}").status_code == 404


def test_ratings_belong_to_the_profile_and_a_kid_cannot_rate_what_it_may_not_see():
    account = UserFactory()
    kids = KidsProfileFactory(account=account)
    thriller = TitleFactory(maturity_rating=Maturity.R)
    parent, kid = signed_in(account), signed_in(account, kids)
    url = f"/api/identity/users/{account.pk}/ratings"
    parent.put(f"{url}/{thriller.pk}", {"rating": "up"})

    assert kid.put(f"{url}/{thriller.pk}", {"rating": "up"}).status_code == 404
    assert kid.get(url).json()["results"] == []
    assert Rating.objects.get().profile.is_main


def test_not_interested_hides_a_title_from_popular_and_similar_but_not_from_browse_or_search():
    from identity.tests.factories import WatchHistoryFactory
    from recommend.services import recommender_build

    account = UserFactory()
    dull = TitleFactory(title="Dull")
    seed = TitleFactory(title="Seed")
    for viewer in UserFactory.create_batch(3):
        WatchHistoryFactory(user=viewer, title=dull, position_s=0, completed=True)
        WatchHistoryFactory(user=viewer, title=seed, position_s=0, completed=True)
    recommender_build()
    client = signed_in(account)
    before = {i["title"]["id"] for i in client.get("/api/recommend/popular").json()["results"]}
    similar_before = {
        i["title"]["id"] for i in client.get(f"/api/recommend/titles/{seed.pk}/similar").json()["results"]
    }

    client.put(f"/api/identity/users/{account.pk}/ratings/{dull.pk}", {"rating": "down"})

    popular = {i["title"]["id"] for i in client.get("/api/recommend/popular").json()["results"]}
    similar = {i["title"]["id"] for i in client.get(f"/api/recommend/titles/{seed.pk}/similar").json()["results"]}
    assert dull.pk in before and dull.pk in similar_before
    assert dull.pk not in popular and dull.pk not in similar
    assert dull.pk in {t["id"] for t in client.get("/api/catalog/movies").json()["results"]}
    assert dull.pk in {t["id"] for t in client.get("/api/catalog/search", {"q": "Dull"}).json()["results"]}
