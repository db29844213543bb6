"""Short-lived caches of catalog lists: a page's body and a list's total count, per viewer and filters.

Browsing pages are the same for every anonymous viewer of a region and change only when titles or
licence windows change, so a page may lag by `CATALOG_LIST_CACHE_S` seconds (a count by
`CATALOG_COUNT_CACHE_S`). Counting is the expensive part: every title's windows are checked.
Detail pages and search are not cached.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

from catalog.restrictions import content_restrictions_for

# Parameters that change the page shown, not the set of titles counted.
PAGE_PARAMETERS = frozenset({"page", "page_size", "ordering"})
PAGINATION_PARAMETERS = frozenset({"page", "page_size"})


def list_cache_seconds() -> int:
    return settings.CATALOG_LIST_CACHE_S


def count_cache_seconds() -> int:
    return settings.CATALOG_COUNT_CACHE_S


def declared_parameters(filterset_class) -> frozenset[str]:
    """The query parameters a list takes: its filters and the pagination's."""
    return frozenset(filterset_class.base_filters) | PAGINATION_PARAMETERS


def viewer_key(prefix: str, request, *, parameters: frozenset[str], ignore: frozenset[str] = frozenset()) -> str:
    """A cache key for what decides a list: the endpoint, its declared `parameters` and the viewer.

    Only declared parameters count: anything else a client adds changes nothing in the answer, and must
    not make a new entry (random junk would otherwise fill the cache).

    Anonymous viewers share entries (their region is a parameter); a signed-in viewer's region and
    parental controls come from their account, so their entries are their own.
    """
    user = getattr(request, "user", None)
    viewer = None
    if user is not None and user.is_authenticated:
        # What the viewer may see right now, not only who they are: tightened parental controls or a
        # move to another region must show at once, not when the cached page expires.
        restrictions = content_restrictions_for(user)
        viewer = (
            user.pk,
            user.country,
            restrictions.max_maturity,
            restrictions.block_unrated,
            tuple(sorted(restrictions.blocked_genre_ids)),
        )
    params = sorted(
        (name, tuple(values))
        for name, values in request.query_params.lists()
        if name in parameters and name not in ignore
    )
    identity = repr((request.path_info.rstrip("/"), viewer, params))
    return f"catalog:{prefix}:" + hashlib.sha256(identity.encode()).hexdigest()


def cached(key: str, seconds: int, compute):
    """`compute()`, or its value stored under `key` in the last `seconds` (no caching when 0)."""
    if seconds <= 0:
        return compute()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value
