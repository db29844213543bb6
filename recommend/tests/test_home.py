"""The home feed: rows a home screen is built from, for anonymous and signed-in viewers."""

import datetime as dt
from collections import Counter

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.models import Maturity
from catalog.services import generated_artwork_create
from catalog.tests.factories import AvailabilityFactory, EpisodeFactory, GenreFactory, ShowFactory, TitleFactory
from identity.services import preferences_update
from identity.tests.factories import ParentalControlsFactory, UserFactory, WatchHistoryFactory
from recommend.models import FeaturedTitle
from recommend.services import recommender_build
from recommend.tests.factories import CompletedWatchFactory

pytestmark = pytest.mark.django_db

HOME = "/api/recommend/home/"


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def rows_of(response) -> dict[str, list[str]]:
    assert response.status_code == 200, response.content
    return {row["id"]: [item["title"]["title"] for item in row["items"]] for row in response.json()["rows"]}


def window(title, *, days_ago: float, ends_in_days: float | None = None, region: str = "US"):
    now = timezone.now()
    title.availabilities.all().delete()
    AvailabilityFactory(
        title=title,
        region=region,
        starts_at=now - dt.timedelta(days=days_ago),
        ends_at=None if ends_in_days is None else now + dt.timedelta(days=ends_in_days),
    )


def test_anonymous_home_has_featured_top_ten_new_and_leaving_rows_in_order(api_client):
    pinned, everywhere, german = TitleFactory(title="Pinned"), TitleFactory(title="Everywhere"), TitleFactory()
    FeaturedTitle.objects.create(title=everywhere, region="", position=1)
    FeaturedTitle.objects.create(title=pinned, region="US", position=5)
    FeaturedTitle.objects.create(title=german, region="DE", position=0)
    hit_movie, hit_show = TitleFactory(title="Hit movie"), ShowFactory(title="Hit show")
    for viewer in (UserFactory(), UserFactory()):
        CompletedWatchFactory(user=viewer, title=hit_movie)
        CompletedWatchFactory(user=viewer, title=hit_show)
    CompletedWatchFactory(user=UserFactory(country="DE"), title=TitleFactory(title="German hit"))
    window(TitleFactory(title="Fresh"), days_ago=3)
    window(TitleFactory(title="Going"), days_ago=300, ends_in_days=5)
    TitleFactory(title="Old and staying")

    response = api_client.get(HOME)
    rows = rows_of(response)

    assert list(rows) == ["featured", "top10-movies-us", "top10-shows-us", "new-arrivals", "leaving-soon"]
    assert rows["featured"] == ["Pinned", "Everywhere"]
    assert rows["top10-movies-us"] == ["Hit movie"]
    assert rows["top10-shows-us"] == ["Hit show"]
    assert rows["new-arrivals"] == ["Fresh"]
    assert rows["leaving-soon"] == ["Going"]
    top = response.json()["rows"][1]
    assert top["title"] == "Top 10 movies in your country" and top["reason"]
    assert top["items"][0]["rank"] == 1


def test_every_card_has_images_with_sizes(api_client):
    title = TitleFactory(title="Art")
    generated_artwork_create(titles=[title])
    FeaturedTitle.objects.create(title=title)
    FeaturedTitle.objects.create(title=TitleFactory(title="Bare"))

    items = api_client.get(HOME).json()["rows"][0]["items"]

    art, bare = (item["title"]["images"] for item in items)
    assert {image["kind"] for image in art} == {"poster", "backdrop"}
    assert art[0]["sizes"][0]["width"] == 160 and art[0]["sizes"][0]["url"].startswith("/api/catalog/images/")
    assert [image["placeholder"] for image in bare] == [True]
    assert api_client.get(art[0]["sizes"][0]["url"]).status_code == 200


def test_no_row_shows_a_title_the_viewer_may_not_see():
    hidden_region = TitleFactory(title="Only in Germany", regions=["DE"])
    adult = TitleFactory(title="Adults only", maturity_rating=Maturity.NC_17)
    window(adult, days_ago=1, ends_in_days=3)
    for title in (hidden_region, adult):
        FeaturedTitle.objects.create(title=title)
        CompletedWatchFactory(user=UserFactory(), title=title)
    FeaturedTitle.objects.create(title=TitleFactory(title="Fine"), position=9)
    child = UserFactory()
    ParentalControlsFactory(user=child, max_maturity=Maturity.PG_13)

    rows = rows_of(signed_in(child).get(HOME))

    shown = {name for names in rows.values() for name in names}
    assert shown == {"Fine"}


def test_signed_in_viewer_gets_continue_watching_because_you_watched_and_favourite_genres(world, user, user_client):
    scifi, drama, comedy = world["scifi"], world["drama"], world["comedy"]
    CompletedWatchFactory(user=user, title=scifi[0])
    WatchHistoryFactory(user=user, title=drama[2], position_s=1200, duration_s=6000)
    preferences_update(user=user, favourite_genre_ids=[world["genres"]["comedy"].pk])
    recommender_build()

    response = user_client.get(HOME)
    rows = rows_of(response)
    by_id = {row["id"]: row for row in response.json()["rows"]}

    assert rows["continue-watching"] == ["Long Winter"]
    assert by_id["continue-watching"]["items"][0]["progress"] == 0.2
    because = by_id[f"because-{scifi[0].pk}"]
    assert because["title"] == "Because you watched Nebula"
    assert set(rows[f"because-{scifi[0].pk}"][:3]) <= {title.title for title in scifi[1:]}
    assert "Nebula" not in rows[f"because-{scifi[0].pk}"]
    assert sorted(rows["genre-comedy"]) == sorted(title.title for title in comedy)
    assert list(rows).index("continue-watching") < list(rows).index(f"because-{scifi[0].pk}")


def test_a_title_shows_in_at_most_two_rows(api_client):
    comedy = GenreFactory(name="Comedy", slug="comedy")
    everywhere = TitleFactory(title="Everywhere", genres=[comedy], popularity=99)
    window(everywhere, days_ago=2, ends_in_days=10)
    FeaturedTitle.objects.create(title=everywhere)
    CompletedWatchFactory(user=UserFactory(), title=everywhere)
    viewer = UserFactory()
    preferences_update(user=viewer, favourite_genre_ids=[comedy.pk])

    rows = rows_of(signed_in(viewer).get(HOME))

    appearances = Counter(name for names in rows.values() for name in names)
    assert appearances["Everywhere"] == 2
    assert rows["featured"] == ["Everywhere"] and rows["top10-movies-us"] == ["Everywhere"]


def test_row_ids_are_stable_between_requests(world, user, user_client):
    CompletedWatchFactory(user=user, title=world["scifi"][0])
    recommender_build()

    first = [row["id"] for row in user_client.get(HOME).json()["rows"]]
    second = [row["id"] for row in user_client.get(HOME).json()["rows"]]

    assert first == second and len(first) == len(set(first))


def test_bad_region_is_400(api_client):
    response = api_client.get(HOME, {"region": "USA"})
    assert response.status_code == 400
    assert "region" in response.json()


def build_catalog(size: int, viewer) -> None:
    """`size` titles of each sort the feed shows, each in one row or more, and the viewer's history."""
    comedy = GenreFactory(name="Comedy", slug="comedy")
    for n in range(size):
        featured = TitleFactory(genres=[comedy])
        FeaturedTitle.objects.create(title=featured, position=n)
        TitleFactory(genres=[comedy], popularity=50.0)
        window(TitleFactory(genres=[comedy]), days_ago=2)
        window(TitleFactory(), days_ago=200, ends_in_days=5)
        show = ShowFactory()
        CompletedWatchFactory(user=UserFactory(), title=show)
        CompletedWatchFactory(user=viewer, title=featured)
        WatchHistoryFactory(user=viewer, title=TitleFactory(), position_s=100 + n, duration_s=6000)
        episode = EpisodeFactory(season__show=show, number=1)
        EpisodeFactory(season=episode.season, number=2)
        WatchHistoryFactory(user=viewer, title=show, episode=episode, position_s=0, duration_s=2700, completed=True)
    generated_artwork_create(titles=[entry.title for entry in FeaturedTitle.objects.select_related("title")])
    preferences_update(user=viewer, favourite_genre_ids=[comedy.pk])


@pytest.mark.parametrize("size", [2, 8])
def test_the_feed_runs_a_constant_number_of_queries(size, django_assert_num_queries):
    viewer = UserFactory()
    build_catalog(size, viewer)
    recommender_build()
    client = signed_in(viewer)
    client.get(HOME)  # loads the recommender model into this process
    cache.clear()

    # Cold: featured, new arrivals, leaving soon, continue watching (entries, visibility, episodes), liked
    # history, model, top 10, favourite genres, genre rows, visibility of the rest, cards (titles, genres,
    # images); the viewer's parental controls were read with the account.
    with django_assert_num_queries(15):
        cold = client.get(HOME)
    # Warm: the region's shared rows, the genre rows' titles, the top 10 and the cards come from the cache.
    with django_assert_num_queries(7):
        warm = client.get(HOME)

    rows = rows_of(cold)
    assert {"featured", "continue-watching", "top10-shows-us", "new-arrivals", "leaving-soon", "genre-comedy"} <= set(
        rows
    )
    assert len(rows["featured"]) == size
    assert rows_of(warm) == rows


def test_a_viewer_who_loses_access_stops_seeing_a_cached_card_at_once():
    title = TitleFactory(title="Soon restricted", maturity_rating=Maturity.R)
    FeaturedTitle.objects.create(title=title)
    viewer = UserFactory()
    assert rows_of(signed_in(viewer).get(HOME))["featured"] == ["Soon restricted"]

    ParentalControlsFactory(user=viewer, max_maturity=Maturity.PG)
    viewer.refresh_from_db()

    assert "featured" not in rows_of(signed_in(viewer).get(HOME))


def test_home_is_in_the_schema(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    responses = schema["paths"]["/api/recommend/home/"]["get"]["responses"]
    assert {"200", "400"} <= set(responses)
    assert "rows" in schema["components"]["schemas"]["HomeFeed"]["properties"]


def test_staff_order_featured_titles_in_the_admin():
    first = FeaturedTitle.objects.create(title=TitleFactory(), position=1)
    second = FeaturedTitle.objects.create(title=TitleFactory(), position=2)
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get("/admin/recommend/featuredtitle/")
    response = client.post(
        "/admin/recommend/featuredtitle/",
        {
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "2",
            "form-0-id": second.pk,
            "form-0-position": "0",
            "form-1-id": first.pk,
            "form-1-position": "3",
            "_save": "Save",
        },
    )

    assert page.status_code == 200
    assert response.status_code == 302
    assert list(FeaturedTitle.objects.order_by("position").values_list("pk", flat=True)) == [second.pk, first.pk]


def test_the_answer_has_exactly_the_documented_fields(world, user, user_client):
    from recommend.serializers import HomeFeedSerializer

    CompletedWatchFactory(user=user, title=world["scifi"][0])
    WatchHistoryFactory(user=user, title=world["drama"][2], position_s=1200, duration_s=6000)
    FeaturedTitle.objects.create(title=world["comedy"][0])
    recommender_build()

    body = user_client.get(HOME).json()

    shaped = HomeFeedSerializer(body).data
    for row, shaped_row in zip(body["rows"], shaped["rows"], strict=True):
        assert row.keys() == shaped_row.keys()
        for item, shaped_item in zip(row["items"], shaped_row["items"], strict=True):
            # Optional fields are left out of the answer; the serializer spells a missing nullable one as None.
            assert item == {key: value for key, value in shaped_item.items() if key in item or value is not None}
