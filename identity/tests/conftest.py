"""Fixtures for identity tests: throttles and lockouts start from a clean slate in every test."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_throttles():
    cache.clear()
    yield
    cache.clear()
