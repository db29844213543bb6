"""The session endpoints accept exactly the bearer tokens knox accepts."""

import datetime as dt

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from identity.tests.factories import UserFactory
from stream.tests.factories import PlaybackSessionFactory

pytestmark = pytest.mark.django_db


def get_with(token: str, session):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get(f"/api/stream/sessions/{session.pk}")


def test_valid_token_is_accepted():
    session = PlaybackSessionFactory()
    _, token = AuthToken.objects.create(user=session.user)

    assert get_with(token, session).status_code == 200


def test_altered_token_with_the_same_key_is_refused():
    session = PlaybackSessionFactory()
    _, token = AuthToken.objects.create(user=session.user)
    altered = token[:-1] + ("a" if token[-1] != "a" else "b")

    assert get_with(altered, session).status_code == 401
    assert get_with("nonsense", session).status_code == 401


def test_expired_token_is_refused_and_deleted():
    session = PlaybackSessionFactory()
    instance, token = AuthToken.objects.create(user=session.user, expiry=dt.timedelta(seconds=1))
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))

    assert get_with(token, session).status_code == 401
    assert not AuthToken.objects.filter(pk=instance.pk).exists()


def test_inactive_user_is_refused():
    user = UserFactory(is_active=False)
    session = PlaybackSessionFactory(user=user)
    _, token = AuthToken.objects.create(user=user)

    assert get_with(token, session).status_code == 401


def test_token_of_another_viewer_does_not_open_the_session():
    session = PlaybackSessionFactory()
    _, token = AuthToken.objects.create(user=UserFactory())

    assert get_with(token, session).status_code == 404
