"""Demo catalog, MovieLens import and popularity updates."""

import random
from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import Availability, Credit, Episode, Genre, Kind, Season, Title
from catalog.selectors import search_titles, title_get_visible, titles_visible_to
from catalog.services import demo_catalog_seed, movielens_title, movielens_titles_import, titles_popularity_update
from catalog.tests.factories import TitleFactory

pytestmark = pytest.mark.django_db


def catalog_sizes() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Title, Genre, Credit, Season, Episode, Availability))


def test_demo_catalog_is_realistic():
    created = demo_catalog_seed(rng=random.Random(7), titles=120)

    assert created == 120
    assert Title.objects.filter(kind=Kind.MOVIE).exists()
    shows = Title.objects.filter(kind=Kind.SHOW)
    assert shows.exists()
    assert Episode.objects.filter(season__show__in=shows).exists()
    assert Credit.objects.filter(role="director").exists()
    assert Availability.objects.values("region").distinct().count() >= 5
    assert Availability.objects.filter(ends_at__isnull=False).exists()
    # Some windows are in the future or over: not everything is visible.
    assert 0 < titles_visible_to(None, "US").count() < 120


def test_demo_catalog_is_deterministic_and_idempotent():
    demo_catalog_seed(rng=random.Random(7), titles=50)
    first = sorted(Title.objects.values_list("title", "release_year", "maturity_rating"))
    sizes = catalog_sizes()

    assert demo_catalog_seed(rng=random.Random(7), titles=50) == 0
    assert catalog_sizes() == sizes

    Title.objects.all().delete()
    demo_catalog_seed(rng=random.Random(7), titles=50)
    assert sorted(Title.objects.values_list("title", "release_year", "maturity_rating")) == first


def test_seed_demo_command_twice_adds_nothing():
    call_command("seed_demo", "--titles", "40", "--users", "3", "--events", "50", "--days", "3", stdout=StringIO())
    sizes = catalog_sizes()
    call_command("seed_demo", "--titles", "40", "--users", "3", "--events", "50", "--days", "3", stdout=StringIO())
    assert catalog_sizes() == sizes
    assert sizes[0] == 40


def test_movielens_import_is_complete_and_idempotent(movielens_dir):
    out = StringIO()
    created = movielens_titles_import(directory=movielens_dir, stdout=out)

    assert created == 1682
    assert "1682/1682" in out.getvalue()
    godfather = Title.objects.get(external_ids__movielens="127")
    assert godfather.title == "The Godfather"
    assert godfather.release_year == 1972
    assert sorted(godfather.genres.values_list("slug", flat=True)) == ["action", "crime", "drama"]
    assert title_get_visible(user=None, title_id=godfather.id).pk == godfather.pk
    assert not Genre.objects.filter(name__iexact="unknown").exists()
    assert [title.title for title in search_titles(query="godfater", user=None)][:1] == ["The Godfather"]

    sizes = catalog_sizes()
    assert movielens_titles_import(directory=movielens_dir) == 0
    assert catalog_sizes() == sizes


def test_import_movielens_command(tmp_path):
    (tmp_path / "ml-100k.item").write_text(
        "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
        "1\tToy Story\t1995\tAnimation Children's Comedy\n"
        "2\tUsual Suspects, The\t\tunknown\n",
        encoding="utf-8",
    )
    out = StringIO()
    call_command("import_movielens", str(tmp_path), stdout=out)
    call_command("import_movielens", str(tmp_path), stdout=out)

    assert Title.objects.count() == 2
    suspects = Title.objects.get(title="The Usual Suspects")
    assert suspects.release_year is None
    assert not suspects.genres.exists()
    assert Genre.objects.get(name="Children's").slug == "childrens"


def test_movielens_titles_move_articles_to_the_front():
    assert movielens_title("Godfather: Part II, The") == "The Godfather: Part II"
    assert movielens_title("Amour, L'") == "L'Amour"
    assert movielens_title("Heat") == "Heat"


def test_popularity_update():
    first, second = TitleFactory(), TitleFactory()
    assert titles_popularity_update(scores={first.id: 4.5, second.id: -1, 999_999: 3}) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.popularity, second.popularity) == (4.5, 0.0)


def test_title_get_visible_raises_404_for_hidden_titles():
    from django.http import Http404

    hidden = TitleFactory(regions=["DE"])
    with pytest.raises(Http404):
        title_get_visible(user=None, title_id=hidden.id)
    with pytest.raises(Http404):
        title_get_visible(user=None, title_id="abc")
    assert title_get_visible(user=None, title_id=hidden.id, region="DE") == hidden
