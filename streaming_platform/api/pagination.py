"""The one pagination every list endpoint uses: ?page= and ?page_size= (at most 100)."""

from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 100


class StandardPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
