"""Recommendations are per profile: each one's own history, each one's own controls."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from catalog.models import Maturity
from identity.tests.factories import KidsProfileFactory, ProfileFactory
from recommend.models import RecommendationList
from recommend.services import recommender_build
from recommend.tests.factories import CompletedWatchFactory

pytestmark = pytest.mark.django_db


def acting_as(profile) -> APIClient:
    instance, token = AuthToken.objects.create(user=profile.account)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    client.post(f"/api/identity/users/{profile.account_id}/profiles/{profile.pk}/select", {})
    return client


def ids(response) -> list[int]:
    return [item["title"]["id"] for item in response.json()["results"]]


def test_each_profile_gets_its_own_list_from_its_own_history(world, user):
    scifi, drama = world["scifi"], world["drama"]
    partner = ProfileFactory(account=user)
    CompletedWatchFactory(user=user, title=scifi[0])
    CompletedWatchFactory(user=user, title=scifi[1])
    CompletedWatchFactory(user=user, profile=partner, title=drama[0])
    CompletedWatchFactory(user=user, profile=partner, title=drama[1])
    recommender_build()

    mine = acting_as(user.profiles.get(is_main=True)).get(f"/api/recommend/users/{user.pk}", {"limit": 3})
    theirs = acting_as(partner).get(f"/api/recommend/users/{user.pk}", {"limit": 3})

    assert set(ids(mine)) <= {t.pk for t in scifi[2:]}
    assert set(ids(theirs)) <= {t.pk for t in drama[2:]}
    assert theirs.json()["results"][0]["reason"] in {"Because you watched Quiet Lives", "Because you watched Harbour"}
    assert RecommendationList.objects.filter(user=user).count() == 2


def test_a_kids_profile_is_never_recommended_what_its_controls_hide(world, user):
    for title in world["scifi"][:3]:
        title.maturity_rating = Maturity.G
        title.save()
    kids = KidsProfileFactory(account=user)
    CompletedWatchFactory(user=user, title=world["scifi"][0])  # the main profile's
    recommender_build()

    listed = ids(acting_as(kids).get(f"/api/recommend/users/{user.pk}", {"limit": 100}))

    assert listed and set(listed) <= {t.pk for t in world["scifi"][:3]}


def test_my_list_is_a_like_with_its_own_reason_and_is_not_recommended_back(world, user):
    from identity.library import list_add

    scifi = world["scifi"]
    list_add(user=user, title=scifi[0])
    list_add(user=user, title=scifi[1])
    recommender_build()

    response = acting_as(user.profiles.get(is_main=True)).get(f"/api/recommend/users/{user.pk}", {"limit": 100})

    listed = ids(response)
    assert scifi[0].pk not in listed and scifi[1].pk not in listed
    assert set(listed[:3]) <= {t.pk for t in scifi[2:]}
    reasons = {"Because Nebula is on your list", "Because Orbit is on your list"}
    assert response.json()["results"][0]["reason"] in reasons


def test_thumbs_shape_the_list_liked_titles_give_their_reason_and_a_thumbs_down_is_never_recommended(world, user):
    from identity.ratings import rating_set

    scifi, drama = world["scifi"], world["drama"]
    rating_set(user=user, title=scifi[0], value="love")
    rating_set(user=user, title=drama[5], value="down")
    CompletedWatchFactory(user=user, title=drama[0])
    recommender_build()

    response = acting_as(user.profiles.get(is_main=True)).get(f"/api/recommend/users/{user.pk}", {"limit": 100})

    listed = ids(response)
    assert drama[5].pk not in listed and scifi[0].pk not in listed
    assert set(listed[:2]) <= {t.pk for t in scifi[1:]}  # love outweighs a finished drama
    assert response.json()["results"][0]["reason"] == "Because you liked Nebula"
