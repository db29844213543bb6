"""Catalog test fixtures."""

import pytest
from django.core.cache import cache

from catalog.search import postgres, sqlite


@pytest.fixture(autouse=True)
def fresh_search_vocabulary():
    """Typo correction caches the index vocabulary per process; each test starts from its own data."""
    for backend in (sqlite, postgres):
        backend.vocabulary.invalidate()
    yield
    for backend in (sqlite, postgres):
        backend.vocabulary.invalidate()


@pytest.fixture(autouse=True)
def empty_cache():
    """List counts are cached; each test counts its own titles."""
    cache.clear()
    yield
    cache.clear()
