"""Fixtures shared by every app's tests."""

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    from identity.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def staff_user(db):
    from identity.tests.factories import UserFactory

    return UserFactory(is_staff=True)


@pytest.fixture
def user_client(user) -> APIClient:
    """An API client logged in as `user` with a bearer token."""
    from knox.models import AuthToken

    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    from knox.models import AuthToken

    client = APIClient()
    _, token = AuthToken.objects.create(user=staff_user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client
