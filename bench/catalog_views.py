"""Bench-only catalog endpoint: the naive substring scan that full-text search is measured against."""

from django.db.models import Q
from django.urls import path
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny

from catalog.search import normalize_tokens
from catalog.selectors import titles_visible_to, with_list_relations
from catalog.serializers import TitleCardSerializer


class NaiveSearchView(ListAPIView):
    """What search would be without an index: every word `icontains` in title or description, by popularity.

    Same visibility rule, serializer and pagination as `/api/catalog/search/`, so only the matching differs.
    """

    permission_classes = [AllowAny]
    serializer_class = TitleCardSerializer
    filter_backends: list = []

    def get_queryset(self):
        titles = titles_visible_to(self.request.user, self.request.query_params.get("region"))
        for word in normalize_tokens(self.request.query_params.get("q", "")):
            titles = titles.filter(Q(title__icontains=word) | Q(description__icontains=word))
        return with_list_relations(titles.order_by("-popularity", "id"))


urlpatterns = [path("bench/catalog/naive-search/", NaiveSearchView.as_view(), name="bench-naive-search")]
