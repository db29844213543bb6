"""Behaviour of the recommend API on small hand-built data."""

import datetime as dt
from itertools import pairwise

import pytest
from django.utils import timezone

from catalog.models import Availability
from catalog.tests.factories import GenreFactory, TitleFactory
from identity.services import history_record, preferences_update
from identity.tests.factories import ParentalControlsFactory, UserFactory
from recommend.models import RecommendationList, RecommenderModel
from recommend.services import recommender_build
from recommend.tests.factories import AbandonedWatchFactory, CompletedWatchFactory

pytestmark = pytest.mark.django_db


def url(user) -> str:
    return f"/api/recommend/users/{user.pk}"


def ids(response) -> list[int]:
    return [item["title"]["id"] for item in response.json()["results"]]


def test_viewer_gets_titles_like_what_they_watched_with_reasons(world, user, user_client):
    scifi = world["scifi"]
    CompletedWatchFactory(user=user, title=scifi[0])
    CompletedWatchFactory(user=user, title=scifi[1])
    recommender_build()

    response = user_client.get(url(user))

    assert response.status_code == 200
    body = response.json()
    top = ids(response)[:3]
    assert set(top) <= {title.pk for title in scifi[2:]}
    assert body["results"][0]["reason"] in {"Because you watched Nebula", "Because you watched Orbit"}
    assert all(item["reason"] for item in body["results"])
    assert body["generated_at"] and body["fresh_until"] > body["generated_at"]


def test_titles_watched_to_the_end_are_never_recommended_but_abandoned_ones_may_be(world, user, user_client):
    scifi = world["scifi"]
    CompletedWatchFactory(user=user, title=scifi[0])
    CompletedWatchFactory(user=user, title=scifi[1])
    AbandonedWatchFactory(user=user, title=world["drama"][0], position_s=120.0)
    recommender_build()

    listed = ids(user_client.get(url(user), {"limit": 100}))

    assert scifi[0].pk not in listed and scifi[1].pk not in listed
    assert len(listed) == len(set(listed))
    assert world["drama"][0].pk in listed


def test_an_abandoned_title_is_not_a_like(world, user, user_client):
    # Walking out of a sci-fi title after five minutes must not make sci-fi the recommendation.
    AbandonedWatchFactory(user=user, title=world["scifi"][0])
    CompletedWatchFactory(user=user, title=world["drama"][0])
    recommender_build()

    results = user_client.get(url(user)).json()["results"]

    assert "Drama" in results[0]["title"]["genres"]
    assert not any(item["reason"] == "Because you watched Nebula" for item in results)


def test_titles_not_available_in_the_viewer_region_are_never_recommended(world, user, user_client):
    scifi = world["scifi"]
    CompletedWatchFactory(user=user, title=scifi[0])
    hidden = scifi[2]
    Availability.objects.filter(title=hidden).update(region="DE")
    recommender_build()

    listed = ids(user_client.get(url(user), {"limit": 100}))

    assert hidden.pk not in listed
    assert scifi[3].pk in listed


def test_parental_controls_hide_restricted_titles(world, user, user_client):
    CompletedWatchFactory(user=user, title=world["scifi"][0])
    ParentalControlsFactory(user=user, blocked_genres=[world["genres"]["drama"]])
    recommender_build()

    results = user_client.get(url(user), {"limit": 100}).json()["results"]

    assert results and not any("Drama" in item["title"]["genres"] for item in results)


def test_a_recommended_title_that_stops_being_visible_makes_the_list_stale(world, user, user_client):
    CompletedWatchFactory(user=user, title=world["scifi"][0])
    recommender_build()
    first = user_client.get(url(user)).json()
    withdrawn = first["results"][0]["title"]["id"]
    Availability.objects.filter(title_id=withdrawn).update(ends_at=timezone.now() - dt.timedelta(seconds=1))

    second = user_client.get(url(user)).json()

    assert second["generated_at"] > first["generated_at"]
    assert withdrawn not in [item["title"]["id"] for item in second["results"]]


def test_a_fresh_list_is_served_from_the_cache(world, user, user_client):
    CompletedWatchFactory(user=user, title=world["scifi"][0])
    recommender_build()
    first = user_client.get(url(user)).json()

    second = user_client.get(url(user)).json()

    assert second["generated_at"] == first["generated_at"]
    assert second["results"] == first["results"]


def test_the_list_goes_stale_after_its_time_to_live(world, user, user_client, settings):
    settings.RECOMMEND_TTL_S = 60
    CompletedWatchFactory(user=user, title=world["scifi"][0])
    recommender_build()
    first = user_client.get(url(user)).json()
    assert dt.datetime.fromisoformat(first["fresh_until"]) - dt.datetime.fromisoformat(first["generated_at"]) == (
        dt.timedelta(seconds=60)
    )
    RecommendationList.objects.filter(user=user).update(fresh_until=timezone.now() - dt.timedelta(seconds=1))

    second = user_client.get(url(user)).json()

    assert second["generated_at"] > first["generated_at"]


def test_new_history_makes_the_list_stale_and_the_next_read_reflects_it(
    world, user, user_client, django_capture_on_commit_callbacks
):
    CompletedWatchFactory(user=user, title=world["scifi"][0])
    recommender_build()
    first = user_client.get(url(user)).json()
    next_pick = first["results"][0]["title"]["id"]

    with django_capture_on_commit_callbacks(execute=True):
        history_record(
            user=user, title=world["scifi"][next_pick - world["scifi"][0].pk], position_s=6000, duration_s=6000
        )

    assert RecommendationList.objects.get(user=user).invalidated
    second = user_client.get(url(user)).json()
    assert second["generated_at"] > first["generated_at"]
    assert next_pick not in [item["title"]["id"] for item in second["results"]]


def test_generate_rebuilds_now(world, user, user_client):
    CompletedWatchFactory(user=user, title=world["scifi"][0])
    recommender_build()
    first = user_client.get(url(user)).json()

    response = user_client.post(f"/api/recommend/generate/{user.pk}?limit=3")

    assert response.status_code == 200
    assert response.json()["generated_at"] > first["generated_at"]
    assert len(response.json()["results"]) == 3


def test_cold_start_follows_favourite_genres(world, user, user_client):
    preferences_update(user=user, favourite_genre_ids=[world["genres"]["comedy"].pk])
    recommender_build()

    results = user_client.get(url(user)).json()["results"]

    assert {item["title"]["id"] for item in results[:3]} == {title.pk for title in world["comedy"]}
    assert results[0]["reason"] == "Matches your favourite genres"


def test_cold_start_without_preferences_is_regional_popularity(world, user, user_client):
    recommender_build()

    results = user_client.get(url(user)).json()["results"]

    # The four titles every fan watched lead; the reason says why.
    assert results[0]["title"]["id"] in {t.pk for t in world["scifi"][:4] + world["drama"][:4]}
    assert results[0]["reason"] == "Popular in your region"


def test_a_title_nobody_watched_is_recommended_through_its_content(world, user, user_client):
    CompletedWatchFactory(user=user, title=world["scifi"][0])
    CompletedWatchFactory(user=user, title=world["scifi"][1])
    unwatched = world["scifi"][5]
    recommender_build()

    listed = ids(user_client.get(url(user)))

    assert unwatched.pk in listed[:5]


def test_a_title_added_after_the_model_was_built_can_be_recommended(world, user, user_client):
    CompletedWatchFactory(user=user, title=world["scifi"][0])
    recommender_build()
    fresh = TitleFactory(title="Brand New Space Saga", genres=[world["genres"]["scifi"]])

    listed = ids(user_client.get(url(user), {"limit": 20}))

    assert fresh.pk in listed


def test_no_long_runs_of_one_genre(user, user_client):
    action, drama = GenreFactory(name="Action"), GenreFactory(name="Drama")
    actions = [TitleFactory(title=f"Boom {chr(65 + i)}x", genres=[action]) for i in range(12)]
    dramas = [TitleFactory(title=f"Tears {chr(65 + i)}x", genres=[drama]) for i in range(4)]
    for n in range(6):
        fan = UserFactory()
        for title in actions + (dramas if n == 0 else []):
            CompletedWatchFactory(user=fan, title=title)
    CompletedWatchFactory(user=user, title=actions[0])
    recommender_build()

    genres = [item["title"]["genres"][0] for item in user_client.get(url(user), {"limit": 14}).json()["results"]]

    runs = [genres[i : i + 4] for i in range(len(genres) - 3)]
    assert not any(len(set(run)) == 1 for run in runs)


def test_titles_of_one_franchise_are_not_back_to_back(user, user_client):
    saga = [TitleFactory(title=f"Space Saga {n}") for n in range(1, 5)]
    others = [TitleFactory(title=name) for name in ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]]
    for n in range(4):
        fan = UserFactory()
        for title in saga + others[n : n + 2]:
            CompletedWatchFactory(user=fan, title=title)
    CompletedWatchFactory(user=user, title=saga[0])
    recommender_build()

    titles = [item["title"]["title"] for item in user_client.get(url(user)).json()["results"]]

    assert len(titles) == 8
    assert not any(a.startswith("Space Saga") and b.startswith("Space Saga") for a, b in pairwise(titles))


def test_viewers_cannot_read_each_other(world, user_client):
    other = UserFactory()
    assert user_client.get(url(other)).status_code == 404
    assert user_client.post(f"/api/recommend/generate/{other.pk}").status_code == 404
    assert user_client.get("/api/recommend/users/999999").status_code == 404


def test_staff_read_any_viewer_and_anonymous_callers_are_refused(world, staff_client, api_client):
    viewer = UserFactory()
    assert staff_client.get(url(viewer)).status_code == 200
    assert staff_client.get("/api/recommend/users/999999").status_code == 404
    assert api_client.get(url(viewer)).status_code == 401


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
def test_invalid_limit_is_a_400_naming_it(world, user, user_client, limit):
    response = user_client.get(url(user), {"limit": limit})
    assert response.status_code == 400
    assert "limit" in response.json()


def test_limit_defaults_to_ten(world, user, user_client):
    CompletedWatchFactory(user=user, title=world["scifi"][0])
    assert len(user_client.get(url(user) + "/").json()["results"]) == 10


def test_similarity_is_symmetric_in_range_with_components(world, api_client):
    a, b = world["scifi"][0], world["scifi"][1]
    forward = api_client.get(f"/api/recommend/similarity/{a.pk}/{b.pk}")
    backward = api_client.get(f"/api/recommend/similarity/{b.pk}/{a.pk}")

    assert forward.status_code == backward.status_code == 200
    assert forward.json()["score"] == backward.json()["score"]
    assert forward.json()["components"] == backward.json()["components"]
    components = forward.json()["components"]
    assert set(components) == {"co_viewing", "genres", "people", "era", "description"}
    assert components["co_viewing"] == 1.0 and components["genres"] == 1.0
    assert 0 <= forward.json()["score"] <= 1


def test_similar_titles_score_higher_than_unrelated_ones(world, api_client):
    a = world["scifi"][0]
    close = api_client.get(f"/api/recommend/similarity/{a.pk}/{world['scifi'][1].pk}").json()["score"]
    far = api_client.get(f"/api/recommend/similarity/{a.pk}/{world['drama'][1].pk}").json()["score"]
    assert close > far
    assert api_client.get(f"/api/recommend/similarity/{a.pk}/{a.pk}").json()["score"] == 1.0


def test_similarity_of_unknown_titles_is_404(world, api_client):
    assert api_client.get(f"/api/recommend/similarity/{world['scifi'][0].pk}/999999").status_code == 404
    assert api_client.get(f"/api/recommend/similarity/999999/{world['scifi'][0].pk}").status_code == 404


def test_more_like_this(world, api_client):
    recommender_build()
    a = world["scifi"][0]

    response = api_client.get(f"/api/recommend/titles/{a.pk}/similar", {"limit": 3})

    assert response.status_code == 200
    similar = [item["title"]["id"] for item in response.json()["results"]]
    assert len(similar) == 3 and a.pk not in similar
    assert set(similar) <= {title.pk for title in world["scifi"]}
    assert api_client.get("/api/recommend/titles/999999/similar").status_code == 404


def test_popular_is_trending_in_the_region_over_the_window(world, api_client):
    recent = world["comedy"][0]
    for _ in range(7):
        CompletedWatchFactory(title=recent, last_watched_at=timezone.now() - dt.timedelta(hours=2))

    week = api_client.get("/api/recommend/popular", {"region": "US", "days": 7}).json()
    other_region = api_client.get("/api/recommend/popular", {"region": "DE", "days": 7}).json()
    bad = api_client.get("/api/recommend/popular", {"days": 0})

    assert week["results"][0]["title"]["id"] == recent.pk and week["results"][0]["viewers"] == 7
    # The fans' history is a month old: outside a week, inside 60 days.
    assert len(week["results"]) == 1
    assert other_region["results"] == []
    assert bad.status_code == 400 and "days" in bad.json()
    wide = api_client.get("/api/recommend/popular", {"region": "US", "days": 60}).json()
    assert len(wide["results"]) > 1


def test_the_model_is_rebuilt_after_enough_new_history(world, user, settings, django_capture_on_commit_callbacks):
    settings.RECOMMEND_AUTO_REBUILD = "inline"
    settings.RECOMMEND_REBUILD_MIN_NEW_HISTORY = 3
    settings.RECOMMEND_REBUILD_SHARE = 0.0
    first = recommender_build()

    for title in world["comedy"][:2]:
        with django_capture_on_commit_callbacks(execute=True):
            history_record(user=user, title=title, position_s=6000, duration_s=6000)
    assert RecommenderModel.objects.latest().pk == first.pk
    with django_capture_on_commit_callbacks(execute=True):
        history_record(user=user, title=world["comedy"][2], position_s=6000, duration_s=6000)

    latest = RecommenderModel.objects.latest()
    assert latest.pk != first.pk
    assert latest.interactions == first.interactions + 3


def test_without_a_model_the_first_read_builds_one(world, user, user_client):
    assert not RecommenderModel.objects.exists()
    assert user_client.get(url(user)).status_code == 200
    assert RecommenderModel.objects.count() == 1


def test_a_fresh_list_is_served_in_a_constant_number_of_queries(
    world, user, user_client, django_assert_max_num_queries
):
    CompletedWatchFactory(user=user, title=world["scifi"][0])
    recommender_build()
    user_client.get(url(user))

    counts = []
    for limit in (2, 12):
        with django_assert_max_num_queries(10) as captured:
            assert len(user_client.get(url(user), {"limit": limit}).json()["results"]) == limit
        counts.append(len(captured.captured_queries))

    assert counts[0] == counts[1]


def test_an_empty_catalog_gives_an_empty_list_not_an_error(user, user_client, api_client):
    response = user_client.get(url(user))

    assert response.status_code == 200
    assert response.json()["results"] == []
    assert api_client.get("/api/recommend/popular").json()["results"] == []


def test_a_catalog_nobody_has_watched_still_gives_a_list(user, user_client):
    titles = [TitleFactory() for _ in range(3)]

    results = user_client.get(url(user)).json()["results"]

    assert {item["title"]["id"] for item in results} == {title.pk for title in titles}
    assert all(item["reason"] for item in results)


def test_me_stands_for_the_caller_on_the_recommendation_paths(world, user, user_client, api_client):
    CompletedWatchFactory(user=user, title=world["scifi"][0])
    recommender_build()

    mine = user_client.get("/api/recommend/users/me")
    generated = user_client.post("/api/recommend/generate/me")

    assert mine.status_code == generated.status_code == 200
    assert ids(mine) == ids(user_client.get(url(user)))
    assert ids(generated) == ids(mine)
    assert api_client.get("/api/recommend/users/me").status_code == 401
    assert user_client.get("/api/recommend/users/you").status_code == 404
