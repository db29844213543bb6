"""Catalog test fixtures."""

import pytest

from catalog.search.sqlite import vocabulary


@pytest.fixture(autouse=True)
def fresh_search_vocabulary():
    """Typo correction caches the index vocabulary per process; each test starts from its own data."""
    vocabulary.invalidate()
    yield
    vocabulary.invalidate()
