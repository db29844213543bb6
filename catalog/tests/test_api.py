"""Movies and shows endpoints: lists, filters, ordering, detail pages, visibility and bad input."""

import datetime as dt

import pytest
from django.utils import timezone

from catalog.models import Maturity
from catalog.tests.factories import (
    AvailabilityFactory,
    CreditFactory,
    EpisodeFactory,
    GenreFactory,
    PersonFactory,
    SeasonFactory,
    ShowFactory,
    TitleFactory,
)
from identity.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MOVIES = "/api/catalog/movies/"
SHOWS = "/api/catalog/shows/"


def titles_of(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["results"]]


def test_movies_list_is_paginated_and_anonymous(api_client):
    for number in range(3):
        TitleFactory(title=f"Movie {number}")
    ShowFactory(title="A show")

    response = api_client.get(MOVIES, {"page_size": 2})

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 3
    assert [item["title"] for item in body["results"]] == ["Movie 0", "Movie 1"]
    assert body["next"] is not None
    assert titles_of(api_client.get(MOVIES, {"page_size": 2, "page": 2})) == ["Movie 2"]


def test_list_card_shape(api_client):
    drama = GenreFactory(name="Drama", slug="drama")
    TitleFactory(title="Heat", genres=[drama], maturity_rating=Maturity.R, popularity=3.5)

    item = api_client.get(MOVIES).json()["results"][0]

    assert item["maturity_rating"] == "R"
    assert item["popularity"] == 3.5
    assert item["kind"] == "movie"
    assert item["genres"] == [{"id": drama.id, "slug": "drama", "name": "Drama"}]


def test_paths_answer_without_trailing_slash(api_client):
    movie = TitleFactory()
    assert api_client.get("/api/catalog/movies").status_code == 200
    assert api_client.get(f"/api/catalog/movies/{movie.id}").status_code == 200
    assert api_client.get("/api/catalog/shows").status_code == 200
    assert api_client.get("/api/catalog/search?q=title").status_code == 200


@pytest.mark.parametrize("count", [1, 6])
def test_list_query_count_is_constant(api_client, django_assert_num_queries, count):
    genres = [GenreFactory(), GenreFactory()]
    for _ in range(count):
        TitleFactory(genres=genres)
    # count, page, genres, images
    with django_assert_num_queries(4):
        response = api_client.get(MOVIES)
    assert len(response.json()["results"]) == count


def test_shows_list_has_only_shows(api_client):
    ShowFactory(title="Dark")
    TitleFactory(title="Heat")
    assert titles_of(api_client.get(SHOWS)) == ["Dark"]


def test_list_hides_titles_not_available_now(api_client):
    now = timezone.now()
    TitleFactory(title="Open")
    TitleFactory(title="Nowhere", regions=[])
    TitleFactory(title="German only", regions=["DE"])
    expired = TitleFactory(title="Expired", regions=[])
    AvailabilityFactory(title=expired, starts_at=now - dt.timedelta(days=30), ends_at=now - dt.timedelta(days=1))
    future = TitleFactory(title="Coming", regions=[])
    AvailabilityFactory(title=future, starts_at=now + dt.timedelta(days=3))

    assert titles_of(api_client.get(MOVIES)) == ["Open"]
    assert titles_of(api_client.get(MOVIES, {"region": "de"})) == ["German only"]


def test_viewer_region_comes_from_account(api_client):
    TitleFactory(title="US title")
    TitleFactory(title="German title", regions=["DE"])
    viewer = UserFactory(country="DE")
    api_client.force_authenticate(viewer)
    # A viewer cannot browse another region's catalogue by asking for it.
    assert titles_of(api_client.get(MOVIES, {"region": "US"})) == ["German title"]


def test_staff_may_pick_a_region(staff_client):
    TitleFactory(title="US title")
    TitleFactory(title="German title", regions=["DE"])
    assert titles_of(staff_client.get(MOVIES, {"region": "DE"})) == ["German title"]


def test_filter_by_one_or_several_genres_by_slug_or_id(api_client):
    drama, comedy, horror = (GenreFactory(name=name, slug=name.lower()) for name in ("Drama", "Comedy", "Horror"))
    TitleFactory(title="A", genres=[drama])
    TitleFactory(title="B", genres=[comedy, drama])
    TitleFactory(title="C", genres=[horror])

    assert titles_of(api_client.get(MOVIES, {"genre": "drama"})) == ["A", "B"]
    assert titles_of(api_client.get(MOVIES, {"genre": f"comedy,{horror.id}"})) == ["B", "C"]
    assert titles_of(api_client.get(f"{MOVIES}?genre=horror&genre=comedy")) == ["B", "C"]


def test_filter_by_year_range(api_client):
    for year in (1990, 2000, 2010):
        TitleFactory(title=str(year), release_year=year)
    assert titles_of(api_client.get(MOVIES, {"year_min": 1995, "year_max": 2005})) == ["2000"]
    assert titles_of(api_client.get(MOVIES, {"year_min": 2000})) == ["2000", "2010"]


def test_filter_by_maturity_ceiling(api_client):
    TitleFactory(title="Family", maturity_rating=Maturity.G)
    TitleFactory(title="Teen", maturity_rating=Maturity.PG_13)
    TitleFactory(title="Adult", maturity_rating=Maturity.R)
    TitleFactory(title="Unrated", maturity_rating=None)

    assert titles_of(api_client.get(MOVIES, {"maturity_max": "PG-13"})) == ["Family", "Teen"]
    assert titles_of(api_client.get(MOVIES, {"maturity_max": "tv-14"})) == ["Family", "Teen"]


def test_filter_by_language(api_client):
    TitleFactory(title="Amelie", original_language="fr")
    TitleFactory(title="Heat", original_language="en")
    assert titles_of(api_client.get(MOVIES, {"language": "fr"})) == ["Amelie"]


def test_filter_by_availability_windows(api_client):
    now = timezone.now()
    old = TitleFactory(title="Old", regions=[])
    AvailabilityFactory(title=old, starts_at=now - dt.timedelta(days=300))
    new = TitleFactory(title="New", regions=[])
    AvailabilityFactory(title=new, starts_at=now - dt.timedelta(days=2))
    leaving = TitleFactory(title="Leaving", regions=[])
    AvailabilityFactory(title=leaving, starts_at=now - dt.timedelta(days=300), ends_at=now + dt.timedelta(days=5))

    since = (now - dt.timedelta(days=7)).isoformat()
    before = (now + dt.timedelta(days=10)).isoformat()
    assert titles_of(api_client.get(MOVIES, {"available_since": since})) == ["New"]
    assert titles_of(api_client.get(MOVIES, {"leaving_before": before})) == ["Leaving"]


def test_ordering(api_client):
    TitleFactory(title="B", popularity=1, release_date=dt.date(2001, 1, 1))
    TitleFactory(title="A", popularity=3, release_date=dt.date(1999, 1, 1))
    TitleFactory(title="C", popularity=2, release_date=dt.date(2005, 1, 1))

    assert titles_of(api_client.get(MOVIES)) == ["A", "B", "C"]
    assert titles_of(api_client.get(MOVIES, {"ordering": "-title"})) == ["C", "B", "A"]
    assert titles_of(api_client.get(MOVIES, {"ordering": "-popularity"})) == ["A", "C", "B"]
    assert titles_of(api_client.get(MOVIES, {"ordering": "release_date"})) == ["A", "B", "C"]
    assert titles_of(api_client.get(MOVIES, {"ordering": "-release_date"})) == ["C", "B", "A"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year_min": "abc"}, "year_min"),
        ({"year_max": "19x"}, "year_max"),
        ({"year_min": 2010, "year_max": 2000}, "year_min"),
        ({"maturity_max": "XXX"}, "maturity_max"),
        ({"genre": "no-such-genre"}, "genre"),
        ({"genre": "99999999999999999999999"}, "genre"),
        ({"genre": "\u00b2"}, "genre"),
        ({"language": "english"}, "language"),
        ({"region": "USA"}, "region"),
        ({"ordering": "budget"}, "ordering"),
        ({"available_since": "yesterday"}, "available_since"),
        ({"leaving_before": "2020-13-45"}, "leaving_before"),
    ],
)
def test_invalid_filters_answer_400_naming_the_parameter(api_client, params, field):
    TitleFactory()
    response = api_client.get(MOVIES, params)
    assert response.status_code == 400
    assert field in response.json()


def test_page_size_is_capped(api_client):
    response = api_client.get(MOVIES, {"page_size": 1000})
    assert response.status_code == 200


def test_movie_detail_shows_everything(api_client):
    drama = GenreFactory(name="Drama", slug="drama")
    movie = TitleFactory(
        title="The Godfather",
        description="A crime family.",
        external_ids={"movielens": "127"},
        genres=[drama],
        regions=["US", "DE"],
    )
    CreditFactory(title=movie, person=PersonFactory(name="Francis Ford Coppola"), role="director")
    CreditFactory(title=movie, person=PersonFactory(name="Al Pacino"), role="cast", character="Michael", order=1)

    response = api_client.get(f"{MOVIES}{movie.id}/")

    body = response.json()
    assert response.status_code == 200
    assert body["title"] == "The Godfather"
    assert body["description"] == "A crime family."
    assert body["external_ids"] == {"movielens": "127"}
    assert body["genres"][0]["slug"] == "drama"
    assert [(p["name"], p["role"], p["character"]) for p in body["people"]] == [
        ("Al Pacino", "cast", "Michael"),
        ("Francis Ford Coppola", "director", ""),
    ]
    # Only the viewer's region's windows.
    assert [window["region"] for window in body["availability"]] == ["US"]


def test_detail_of_invisible_or_unknown_title_is_404(api_client):
    hidden = TitleFactory(regions=["DE"])
    show = ShowFactory()
    assert api_client.get(f"{MOVIES}{hidden.id}/").status_code == 404
    assert api_client.get(f"{MOVIES}999999/").status_code == 404
    assert api_client.get(f"{MOVIES}abc/").status_code == 404
    # A show is not a movie.
    assert api_client.get(f"{MOVIES}{show.id}/").status_code == 404
    assert api_client.get(f"{MOVIES}{hidden.id}/", {"region": "DE"}).status_code == 200


def test_detail_rejects_bad_region(api_client):
    movie = TitleFactory()
    response = api_client.get(f"{MOVIES}{movie.id}/", {"region": "U1"})
    assert response.status_code == 400
    assert "region" in response.json()


def test_show_detail_has_seasons_and_episodes(api_client, django_assert_num_queries):
    show = ShowFactory(title="Dark")
    second = SeasonFactory(show=show, number=2)
    first = SeasonFactory(show=show, number=1)
    EpisodeFactory(season=first, number=2, title="Lies")
    EpisodeFactory(season=first, number=1, title="Secrets")
    EpisodeFactory(season=second, number=1, title="Beginnings")

    # title, genres, images, credits, availability, extras, seasons, their images, episodes, their stills
    with django_assert_num_queries(10):
        response = api_client.get(f"{SHOWS}{show.id}/")

    body = response.json()
    assert response.status_code == 200
    assert [season["number"] for season in body["seasons"]] == [1, 2]
    assert [episode["title"] for episode in body["seasons"][0]["episodes"]] == ["Secrets", "Lies"]
    assert body["seasons"][1]["episodes"][0]["title"] == "Beginnings"


def test_write_methods_are_not_allowed(staff_client):
    movie = TitleFactory()
    assert staff_client.post(MOVIES, {"title": "x"}).status_code == 405
    assert staff_client.delete(f"{MOVIES}{movie.id}/").status_code == 405


def test_status_endpoint(api_client):
    response = api_client.get("/api/catalog/status")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_list_pages_are_cached_briefly_per_viewer_and_filters(api_client, django_assert_num_queries, settings):
    settings.CATALOG_LIST_CACHE_S = 30
    TitleFactory(title="Heat")
    assert titles_of(api_client.get(MOVIES)) == ["Heat"]
    with django_assert_num_queries(0):
        assert titles_of(api_client.get(MOVIES)) == ["Heat"]
    # Other filters or another region are other lists.
    TitleFactory(title="Alien")
    assert titles_of(api_client.get(MOVIES, {"ordering": "title"})) == ["Alien", "Heat"]
    assert titles_of(api_client.get(MOVIES, {"region": "DE"})) == []


def test_list_pages_are_fresh_when_caching_is_off(api_client, settings):
    settings.CATALOG_LIST_CACHE_S = 0
    settings.CATALOG_COUNT_CACHE_S = 0
    TitleFactory(title="Heat")
    assert api_client.get(MOVIES).json()["count"] == 1
    TitleFactory(title="Alien")
    body = api_client.get(MOVIES).json()
    assert body["count"] == 2
    assert [item["title"] for item in body["results"]] == ["Alien", "Heat"]


def test_parental_controls_hide_titles_everywhere(api_client):
    from identity.tests.factories import ParentalControlsFactory

    horror = GenreFactory(name="Horror", slug="horror")
    TitleFactory(title="Cartoon Night", maturity_rating=Maturity.G)
    adult = TitleFactory(title="Night Terror", maturity_rating=Maturity.R)
    scary = TitleFactory(title="Night Creatures", maturity_rating=Maturity.PG, genres=[horror])
    child = UserFactory()
    ParentalControlsFactory(user=child, max_maturity=Maturity.PG_13, blocked_genres=[horror])
    api_client.force_authenticate(child)

    assert titles_of(api_client.get(MOVIES)) == ["Cartoon Night"]
    assert api_client.get(f"{MOVIES}{adult.id}/").status_code == 404
    assert api_client.get(f"{MOVIES}{scary.id}/").status_code == 404
    assert [t["title"] for t in api_client.get("/api/catalog/search/", {"q": "night"}).json()["results"]] == [
        "Cartoon Night"
    ]


def test_tightened_parental_controls_apply_to_a_cached_list_at_once(settings):
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    from identity.services import parental_controls_update

    settings.CATALOG_LIST_CACHE_S = 30
    settings.CATALOG_COUNT_CACHE_S = 60
    TitleFactory(title="Cartoon Night", maturity_rating=Maturity.G)
    TitleFactory(title="Night Terror", maturity_rating=Maturity.R)
    viewer = UserFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AuthToken.objects.create(user=viewer)[1]}")
    assert titles_of(client.get(MOVIES, {"ordering": "title"})) == ["Cartoon Night", "Night Terror"]

    parental_controls_update(user=viewer, pin=None, max_maturity=Maturity.PG)

    body = client.get(MOVIES, {"ordering": "title"}).json()
    assert [item["title"] for item in body["results"]] == ["Cartoon Night"]
    assert body["count"] == 1


def cache_entries() -> int:
    """Entries in the test cache: the local-memory one, or the test run's keys on Redis (`make test-scale`)."""
    from django.core.cache import cache

    if isinstance(getattr(cache, "_cache", None), dict):
        return len(cache._cache)
    client = cache._cache.get_client(None)
    return sum(1 for _ in client.scan_iter(match=f"{cache.key_prefix}:*"))


def test_unknown_parameters_do_not_make_new_cache_entries(api_client, django_assert_num_queries, settings):
    import uuid

    settings.CATALOG_LIST_CACHE_S = 30
    TitleFactory(title="Heat")
    assert titles_of(api_client.get(MOVIES)) == ["Heat"]
    entries = cache_entries()
    for _ in range(20):
        with django_assert_num_queries(0):
            assert titles_of(api_client.get(MOVIES, {"junk": str(uuid.uuid4())})) == ["Heat"]
    assert cache_entries() == entries
