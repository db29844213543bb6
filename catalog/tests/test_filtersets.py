"""The catalog filtersets, tested directly."""

import pytest
from django.test import RequestFactory

from catalog.filtersets import SearchFilterSet, TitleFilterSet
from catalog.models import Title
from catalog.tests.factories import GenreFactory, TitleFactory

pytestmark = pytest.mark.django_db


def request_for(params: dict):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/", params)
    request.user = AnonymousUser()
    return request


def test_title_filterset_combines_filters():
    drama = GenreFactory(slug="drama")
    TitleFactory(title="Match", genres=[drama], release_year=2000, original_language="fr")
    TitleFactory(title="Wrong year", genres=[drama], release_year=1980, original_language="fr")
    TitleFactory(title="Wrong genre", release_year=2000, original_language="fr")
    params = {"genre": "drama", "year_min": "1990", "language": "fr"}
    filterset = TitleFilterSet(data=params, queryset=Title.objects.all(), request=request_for(params))
    assert filterset.is_valid()
    assert [title.title for title in filterset.qs] == ["Match"]


def test_title_filterset_reports_every_bad_parameter():
    params = {"year_min": "x", "maturity_max": "X"}
    filterset = TitleFilterSet(data=params, queryset=Title.objects.all(), request=request_for(params))
    assert not filterset.is_valid()
    assert set(filterset.errors) == {"year_min", "maturity_max"}


def test_search_filterset_needs_a_query_or_a_genre():
    filterset = SearchFilterSet(data={}, queryset=Title.objects.all(), request=request_for({}))
    assert not filterset.is_valid()
    assert "q" in filterset.errors
