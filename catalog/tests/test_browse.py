"""Genres, a genre's titles, a person's page and typed search, as a browse screen uses them."""

import pytest
from rest_framework.test import APIClient

from catalog.models import Maturity
from catalog.tests.factories import CreditFactory, GenreFactory, PersonFactory, ShowFactory, TitleFactory
from identity.tests.factories import ParentalControlsFactory, UserFactory

pytestmark = pytest.mark.django_db

GENRES = "/api/catalog/genres/"


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_genres_list_counts_titles_visible_in_the_region(api_client):
    drama, comedy = GenreFactory(name="Drama", slug="drama"), GenreFactory(name="Comedy", slug="comedy")
    TitleFactory(genres=[drama], regions=["US"])
    TitleFactory(genres=[drama], regions=["US", "DE"])
    ShowFactory(genres=[drama, comedy], regions=["DE"])

    us = api_client.get(GENRES)
    de = api_client.get(GENRES, {"region": "DE"})

    assert us.status_code == 200
    assert us.json()["results"] == [
        {"id": comedy.id, "slug": "comedy", "name": "Comedy", "title_count": 0},
        {"id": drama.id, "slug": "drama", "name": "Drama", "title_count": 2},
    ]
    assert {genre["slug"]: genre["title_count"] for genre in de.json()["results"]} == {"comedy": 1, "drama": 2}


def test_genres_list_leaves_out_genres_parental_controls_block_and_counts_under_the_ceiling():
    horror, drama = GenreFactory(name="Horror", slug="horror"), GenreFactory(name="Drama", slug="drama")
    TitleFactory(genres=[drama], maturity_rating=Maturity.PG)
    TitleFactory(genres=[drama], maturity_rating=Maturity.R)
    child = UserFactory()
    ParentalControlsFactory(user=child, max_maturity=Maturity.PG_13, blocked_genres=[horror])

    body = signed_in(child).get(GENRES).json()

    assert [(genre["slug"], genre["title_count"]) for genre in body["results"]] == [("drama", 1)]
    assert signed_in(child).get(f"{GENRES}horror/").status_code == 404


def test_genre_page_lists_visible_titles_with_the_list_filters(api_client):
    drama = GenreFactory(name="Drama", slug="drama")
    TitleFactory(title="Old", genres=[drama], release_year=1990)
    TitleFactory(title="New", genres=[drama], release_year=2020)
    ShowFactory(title="Series", genres=[drama], release_year=2021)
    TitleFactory(title="Elsewhere", genres=[drama], regions=["DE"])
    TitleFactory(title="Other genre")

    every = api_client.get(f"{GENRES}drama/", {"ordering": "title"}).json()
    recent_movies = api_client.get(f"{GENRES}drama", {"year_min": 2000, "kind": "movie"}).json()

    assert every["genre"] == {"id": drama.id, "slug": "drama", "name": "Drama"}
    assert every["count"] == 3
    assert [title["title"] for title in every["results"]] == ["New", "Old", "Series"]
    assert [title["title"] for title in recent_movies["results"]] == ["New"]


@pytest.mark.parametrize(
    "params,field", [({"year_min": "soon"}, "year_min"), ({"kind": "film"}, "kind"), ({"region": "USA"}, "region")]
)
def test_genre_page_bad_filters_are_400_naming_the_parameter(api_client, params, field):
    GenreFactory(name="Drama", slug="drama")
    response = api_client.get(f"{GENRES}drama/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_unknown_genre_is_json_404(api_client):
    response = api_client.get(f"{GENRES}no-such-genre/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such genre."}


@pytest.mark.parametrize("count", [1, 5])
def test_genre_page_runs_a_constant_number_of_queries(api_client, django_assert_num_queries, count):
    drama = GenreFactory(name="Drama", slug="drama")
    for _ in range(count):
        TitleFactory(genres=[drama])
    # genre, count, page, genres, images
    with django_assert_num_queries(5):
        response = api_client.get(f"{GENRES}drama/")
    assert len(response.json()["results"]) == count


def test_person_page_shows_only_credits_on_visible_titles(api_client):
    person = PersonFactory(name="Ava Costa")
    seen = TitleFactory(title="Seen here", release_year=2010)
    CreditFactory(person=person, title=seen, role="cast", character="Mara")
    CreditFactory(person=person, title=TitleFactory(title="Only in Germany", regions=["DE"]), role="director")

    response = api_client.get(f"/api/catalog/people/{person.id}/")

    body = response.json()
    assert response.status_code == 200
    assert body["name"] == "Ava Costa"
    assert body["images"] == []
    assert [(credit["title"]["title"], credit["role"], credit["character"]) for credit in body["credits"]] == [
        ("Seen here", "cast", "Mara")
    ]
    assert body["credits"][0]["title"]["images"][0]["placeholder"] is True
    assert api_client.get(f"/api/catalog/people/{person.id}", {"region": "DE"}).json()["credits"][0]["role"] == (
        "director"
    )


def test_person_with_no_visible_title_looks_like_an_unknown_one(api_client):
    person = PersonFactory()
    CreditFactory(person=person, title=TitleFactory(regions=["DE"]))

    hidden = api_client.get(f"/api/catalog/people/{person.id}/")
    unknown = api_client.get("/api/catalog/people/999999/")

    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == unknown.json() == {"detail": "No such person."}


def test_person_page_respects_parental_controls():
    person = PersonFactory()
    CreditFactory(person=person, title=TitleFactory(maturity_rating=Maturity.R))
    child = UserFactory()
    ParentalControlsFactory(user=child, max_maturity=Maturity.PG)

    assert signed_in(child).get(f"/api/catalog/people/{person.id}/").status_code == 404
    assert signed_in(UserFactory()).get(f"/api/catalog/people/{person.id}/").status_code == 200


def test_search_stays_titles_only_unless_people_or_genres_are_asked_for(api_client):
    drama = GenreFactory(name="Noir Drama", slug="noir-drama")
    title = TitleFactory(title="Noir City", genres=[drama])
    CreditFactory(title=title, person=PersonFactory(name="Jean Noir"))
    CreditFactory(title=TitleFactory(title="Hidden", regions=["DE"]), person=PersonFactory(name="Noir Hidden"))

    plain = api_client.get("/api/catalog/search/", {"q": "noir"}).json()
    typed = api_client.get("/api/catalog/search/", {"q": "noir", "include": "people,genres"}).json()

    assert set(plain) == {"count", "next", "previous", "results"}
    assert [item["title"] for item in plain["results"]] == ["Noir City"]
    assert typed["results"] == plain["results"]
    assert [(person["type"], person["name"]) for person in typed["people"]] == [("person", "Jean Noir")]
    assert [(genre["type"], genre["slug"]) for genre in typed["genres"]] == [("genre", "noir-drama")]


def test_search_with_an_unknown_type_is_400(api_client):
    response = api_client.get("/api/catalog/search/", {"q": "noir", "include": "people,studios"})
    assert response.status_code == 400
    assert "include" in response.json()


def test_browse_endpoints_are_in_the_schema_with_their_errors(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths, components = schema["paths"], schema["components"]["schemas"]

    assert set(components["GenrePage"]["properties"]) == {"genre", "count", "next", "previous", "results"}
    assert "404" in paths["/api/catalog/genres/{slug}/"]["get"]["responses"]
    assert "404" in paths["/api/catalog/people/{person_id}/"]["get"]["responses"]
    assert "200" in paths["/api/catalog/genres/"]["get"]["responses"]
    search = paths["/api/catalog/search/"]["get"]
    assert "include" in [parameter["name"] for parameter in search["parameters"]]


@pytest.mark.parametrize(
    "path",
    [
        "/api/catalog/people/99999999999999999999999/",
        "/api/catalog/images/999999999999999999/160/abc.jpg",
        "/api/catalog/images/1/99999/abc.jpg",
        "/api/catalog/images/placeholder/poster/99999999999999999999.png",
        "/api/catalog/images/placeholder/banner/160.png",
        "/api/catalog/genres/%E2%80%A0/",
    ],
)
def test_out_of_range_and_unknown_ids_are_json_404(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 404
    assert "detail" in response.json()


def test_genres_list_ignores_list_ordering_parameters(api_client):
    GenreFactory(name="Drama", slug="drama")
    response = api_client.get(GENRES, {"ordering": "-name", "page_size": 1})
    assert response.status_code == 200
    assert [genre["slug"] for genre in response.json()["results"]] == ["drama"]


def test_search_answer_is_documented_once_not_wrapped_in_a_second_page(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    answer = schema["paths"]["/api/catalog/search/"]["get"]["responses"]["200"]["content"]["application/json"]

    component = answer["schema"]["$ref"].rsplit("/", 1)[-1]
    properties = schema["components"]["schemas"][component]["properties"]
    assert {"count", "next", "previous", "results", "people", "genres"} <= set(properties)
    assert properties["results"]["items"]["$ref"].endswith("/TitleCard")
