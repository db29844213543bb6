"""Search: ranked full-text matching as you type, typo tolerance, the index kept in sync, visibility."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import search
from catalog.models import Credit, Genre, Title
from catalog.selectors import search_titles
from catalog.tests.factories import CreditFactory, GenreFactory, PersonFactory, ShowFactory, TitleFactory
from identity.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SEARCH = "/api/catalog/search/"


def found(client, **params) -> list[str]:
    response = client.get(SEARCH, params)
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["results"]]


@pytest.fixture
def classics():
    drama = GenreFactory(name="Drama", slug="drama")
    scifi = GenreFactory(name="Sci-Fi", slug="sci-fi")
    godfather = TitleFactory(title="The Godfather", description="The aging patriarch of a crime dynasty.")
    godfather.genres.add(drama)
    star_wars = TitleFactory(title="Star Wars", description="A farm boy joins a rebellion.", genres=[scifi])
    TitleFactory(title="Toy Story", description="Toys come to life when nobody watches.")
    return {"godfather": godfather, "star_wars": star_wars}


def test_matches_as_you_type(api_client, classics):
    assert found(api_client, q="star wa") == ["Star Wars"]
    assert found(api_client, q="godf") == ["The Godfather"]
    assert found(api_client, q="STAR") == ["Star Wars"]


def test_tolerates_a_typo_in_a_longer_word(api_client, classics):
    assert found(api_client, q="godfater") == ["The Godfather"]
    assert found(api_client, q="rebelion") == ["Star Wars"]


def test_short_words_are_not_guessed(api_client, classics):
    assert found(api_client, q="tyo") == []


def test_nothing_found(api_client, classics):
    response = api_client.get(SEARCH, {"q": "zzzzqqqq"})
    assert response.status_code == 200
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_title_matches_rank_above_description_matches(api_client):
    TitleFactory(title="A quiet evening", description="A story about a detective in Lisbon.", popularity=100)
    TitleFactory(title="Detective", description="Nothing else to say here.", popularity=0)
    assert found(api_client, q="detective") == ["Detective", "A quiet evening"]


def test_searches_genres_and_people(api_client, classics):
    CreditFactory(title=classics["godfather"], person=PersonFactory(name="Marlon Brando"), role="cast")
    assert found(api_client, q="brando") == ["The Godfather"]
    assert found(api_client, q="sci-fi") == ["Star Wars"]


def test_index_follows_title_changes(api_client, classics):
    godfather = classics["godfather"]
    godfather.title = "The Padrino"
    godfather.save()
    assert found(api_client, q="padrino") == ["The Padrino"]
    assert found(api_client, q="godfather") == []

    godfather.delete()
    assert found(api_client, q="padrino") == []


def test_index_follows_genre_and_credit_links(api_client, classics):
    star_wars = classics["star_wars"]
    western = GenreFactory(name="Western", slug="western")
    star_wars.genres.add(western)
    assert found(api_client, q="western") == ["Star Wars"]
    star_wars.genres.remove(western)
    assert found(api_client, q="western") == []

    western.name = "Space Western"
    western.save()
    star_wars.genres.add(western)
    assert found(api_client, q="space western") == ["Star Wars"]

    person = PersonFactory(name="Mark Hamill")
    credit = CreditFactory(title=star_wars, person=person)
    assert found(api_client, q="hamill") == ["Star Wars"]
    person.name = "Mark Hamill Jr"
    person.save()
    assert found(api_client, q="hamill jr") == ["Star Wars"]
    Credit.objects.filter(pk=credit.pk).delete()
    assert found(api_client, q="hamill") == []

    Genre.objects.filter(pk=western.pk).delete()
    assert found(api_client, q="western") == []


def test_applies_the_visibility_rule(api_client):
    TitleFactory(title="Heat", regions=["DE"])
    assert found(api_client, q="heat") == []
    assert found(api_client, q="heat", region="DE") == ["Heat"]
    viewer = UserFactory(country="DE")
    api_client.force_authenticate(viewer)
    assert found(api_client, q="heat") == ["Heat"]


def test_genre_only_search_orders_by_popularity(api_client):
    drama = GenreFactory(name="Drama", slug="drama")
    TitleFactory(title="Small", genres=[drama], popularity=1)
    TitleFactory(title="Big", genres=[drama], popularity=9)
    TitleFactory(title="Other", popularity=50)
    assert found(api_client, genre="drama") == ["Big", "Small"]


def test_query_and_genre_and_kind(api_client):
    drama = GenreFactory(name="Drama", slug="drama")
    TitleFactory(title="Night Train", genres=[drama])
    TitleFactory(title="Night Shift")
    ShowFactory(title="Night Watch", genres=[drama])
    assert found(api_client, q="night", genre="drama", kind="movie") == ["Night Train"]
    assert found(api_client, q="night", kind="show") == ["Night Watch"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": "  "}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"genre": "nope"}, "genre"),
        ({"q": "a", "kind": "x"}, "kind"),
    ],
)
def test_bad_search_input_is_400(api_client, params, field):
    response = api_client.get(SEARCH, params)
    assert response.status_code == 400
    assert field in response.json()


def test_fts_syntax_in_queries_is_harmless(api_client, classics):
    for query in ['"star', "star AND OR", "godfather*", "-star", "NEAR(star wars)", "star:wars", "'; DROP"]:
        assert api_client.get(SEARCH, {"q": query}).status_code == 200


def test_paginated_query_count_is_constant(api_client):
    for number in range(30):
        TitleFactory(title=f"Voyage {number}")
    counts = []
    for page_size in (1, 25):
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(SEARCH, {"q": "voyage", "page_size": page_size})
        assert len(response.json()["results"]) == page_size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_search_titles_for_other_services():
    TitleFactory(title="Toy Story")
    results = search_titles(query="toy", user=None)
    assert [title.title for title in results] == ["Toy Story"]
    assert len(results) == 1


def test_ranked_title_ids_without_words():
    assert search.ranked_title_ids("  !! ") == []


def test_search_is_recorded_for_analytics(api_client, classics, django_capture_on_commit_callbacks):
    from analytics.models import Event

    with django_capture_on_commit_callbacks(execute=True):
        api_client.get(SEARCH, {"q": "godfather"})
    event = Event.objects.get(type="search")
    assert event.properties["query"] == "godfather"
    assert event.properties["results"] == 1


def test_broad_queries_keep_title_matches_first():
    for number in range(3):
        TitleFactory(title=f"Voyage {number}", description="At sea.")
    TitleFactory(title="Elsewhere", description="A voyage.")
    titles = dict(Title.objects.values_list("id", "title"))

    assert {titles[i] for i in search.ranked_title_ids("voy", limit=2)} < {"Voyage 0", "Voyage 1", "Voyage 2"}
    assert [titles[i] for i in search.ranked_title_ids("voy", limit=10)][-1] == "Elsewhere"


def test_two_letter_prefix(api_client, classics):
    assert sorted(found(api_client, q="st")) == ["Star Wars", "Toy Story"]


def test_swapped_letters_count_as_one_typo(api_client):
    TitleFactory(title="Broken Arrow", description="A pilot steals two nuclear warheads.")
    assert found(api_client, q="borken") == ["Broken Arrow"]
    assert found(api_client, q="nuclaer") == ["Broken Arrow"]


def bulk_titles(count: int, name: str, *, region: str, **fields) -> None:
    """`count` titles named `name n`, available in `region`, loaded at once (the index triggers still run)."""
    import datetime as dt

    from catalog.models import Availability

    titles = Title.objects.bulk_create(
        Title(title=f"{name} {number}", runtime_s=6000, release_year=2001, **fields) for number in range(count)
    )
    since = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    Availability.objects.bulk_create(Availability(title=title, region=region, starts_at=since) for title in titles)


def test_ranks_within_what_the_viewer_may_see(api_client):
    # More titles match than search ranks at once, and the visible ones are the least popular: every one
    # of them is found, kind and genre filters included, and `count` is right.
    drama = GenreFactory(name="Drama", slug="drama")
    bulk_titles(search.MAX_CANDIDATES + 20, "The Hidden", region="DE", popularity=100)
    visible = [TitleFactory(title=f"The Shown {number}", popularity=1, genres=[drama]) for number in range(7)]
    ShowFactory(title="The Shown Series", popularity=1)

    body = api_client.get(SEARCH, {"q": "the", "kind": "movie", "page_size": 3}).json()
    assert body["count"] == 7
    assert len(body["results"]) == 3
    everything = api_client.get(SEARCH, {"q": "the", "kind": "movie", "page_size": 100}).json()
    assert sorted(item["title"] for item in everything["results"]) == sorted(title.title for title in visible)
    assert api_client.get(SEARCH, {"q": "the", "kind": "show"}).json()["count"] == 1
    assert api_client.get(SEARCH, {"q": "the", "genre": "drama"}).json()["count"] == 7


def test_a_kid_finds_every_title_they_may_see(api_client):
    from catalog.models import Maturity
    from identity.tests.factories import ParentalControlsFactory

    bulk_titles(search.MAX_CANDIDATES + 20, "The Grim", region="US", maturity_rating=Maturity.R, popularity=100)
    for number in range(5):
        TitleFactory(title=f"The Sunny {number}", maturity_rating=Maturity.G, popularity=1)
    kid = UserFactory()
    ParentalControlsFactory(user=kid, max_maturity=Maturity.PG)
    api_client.force_authenticate(kid)
    body = api_client.get(SEARCH, {"q": "the"}).json()
    assert body["count"] == 5
    assert sorted(item["title"] for item in body["results"]) == [f"The Sunny {number}" for number in range(5)]


def test_count_is_every_visible_match_beyond_the_first_ranked_ones(api_client):
    bulk_titles(search.MAX_CANDIDATES + 30, "The Many", region="US", popularity=1)
    body = api_client.get(SEARCH, {"q": "many", "page_size": 100, "page": 3}).json()
    assert body["count"] == search.MAX_CANDIDATES + 30
    assert len(body["results"]) == search.MAX_CANDIDATES + 30 - 200


def test_a_broad_searchs_count_is_cached_like_a_lists(api_client, settings):
    settings.CATALOG_COUNT_CACHE_S = 60
    bulk_titles(search.MAX_CANDIDATES + 5, "The Many", region="US")
    assert api_client.get(SEARCH, {"q": "many"}).json()["count"] == search.MAX_CANDIDATES + 5
    bulk_titles(1, "Many More", region="US")
    assert api_client.get(SEARCH, {"q": "many"}).json()["count"] == search.MAX_CANDIDATES + 5
    # Another viewer's scope is another count.
    assert api_client.get(SEARCH, {"q": "many", "region": "DE"}).json()["count"] == 0
    settings.CATALOG_COUNT_CACHE_S = 0
    assert api_client.get(SEARCH, {"q": "many"}).json()["count"] == search.MAX_CANDIDATES + 6


def test_the_index_facets_follow_licences_ratings_and_kind(api_client):
    """The index narrows a search to the viewer's region, ratings and kind itself; it follows every change."""
    import datetime as dt

    from django.utils import timezone

    from catalog.models import Availability, Maturity
    from catalog.tests.factories import AvailabilityFactory
    from identity.tests.factories import ParentalControlsFactory

    heat = TitleFactory(title="Heat", regions=["US"], maturity_rating=Maturity.R)
    assert found(api_client, q="heat", region="IS") == []
    window = AvailabilityFactory(title=heat, region="IS")
    assert found(api_client, q="heat", region="IS") == ["Heat"]
    # A second window in the same region, then one of the two moved elsewhere: still licensed there.
    later = AvailabilityFactory(title=heat, region="IS", starts_at=timezone.now() + dt.timedelta(days=30))
    Availability.objects.filter(pk=later.pk).update(region="FR")
    assert found(api_client, q="heat", region="IS") == ["Heat"]
    assert found(api_client, q="heat", region="FR") == []  # licensed there only from next month
    window.delete()
    assert found(api_client, q="heat", region="IS") == []

    kid = UserFactory(country="US")
    ParentalControlsFactory(user=kid, max_maturity=Maturity.PG, block_unrated=True)
    api_client.force_authenticate(kid)
    assert found(api_client, q="heat") == []
    Title.objects.filter(pk=heat.pk).update(maturity_rating=Maturity.PG)
    assert found(api_client, q="heat") == ["Heat"]
    Title.objects.filter(pk=heat.pk).update(maturity_rating=None)
    assert found(api_client, q="heat") == []  # unrated, and the controls block unrated titles

    api_client.force_authenticate(None)
    assert found(api_client, q="heat", kind="movie") == ["Heat"]
    Title.objects.filter(pk=heat.pk).update(kind="show")
    assert found(api_client, q="heat", kind="movie") == []
    assert found(api_client, q="heat", kind="show") == ["Heat"]


@pytest.mark.parametrize("query", ["rus", "mnone", "m30", "kmovie", "kmovi"])
def test_facet_terms_are_not_words_a_viewer_can_find(api_client, query):
    from catalog.models import Maturity

    TitleFactory(title="Heat", description="A crew of thieves.", maturity_rating=Maturity.R)
    TitleFactory(title="Rush Hour", description="Two detectives.")
    assert found(api_client, q=query) == (["Rush Hour"] if query == "rus" else [])


def test_a_prefiltered_search_ranks_as_the_exact_rule_alone_would():
    """The prefilter makes a search faster, never different: same titles, same order, same count."""
    from django.contrib.auth.models import AnonymousUser

    from catalog.models import Maturity
    from catalog.restrictions import UNRESTRICTED, ContentRestrictions
    from catalog.selectors import titles_visible_to

    for number in range(30):
        TitleFactory(
            title=f"The Night {number}",
            description="the " * (number % 5),
            regions=["US", "IS"] if number % 3 == 0 else ["US"],
            maturity_rating=[Maturity.G, Maturity.PG, Maturity.R, None][number % 4],
        )
    for region, restrictions in (
        ("IS", UNRESTRICTED),
        ("US", ContentRestrictions(max_maturity=Maturity.PG, block_unrated=True)),
        ("US", ContentRestrictions(max_maturity=Maturity.G)),
        ("IS", ContentRestrictions(block_unrated=True)),
    ):
        within = restrictions.apply(titles_visible_to(AnonymousUser(), region))
        prefilter = search.Prefilter.of(region=region, ratings=restrictions.allowed_ratings(Maturity.values))
        exact = search.title_matches("the night", within=within, limit=5)
        fast = search.title_matches("the night", within=within, prefilter=prefilter, limit=5)
        assert fast.ids == exact.ids
        assert len(fast) == len(exact) == within.count() > 0
        assert fast.page(5, 5) == exact.page(5, 5)
