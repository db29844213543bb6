"""Signed-in devices: one per token, named at sign-in, with last use and `current`; one can be signed out."""

import datetime as dt

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from identity.account.models import Device
from identity.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(user, **device) -> APIClient:
    body = {"email": user.email, "password": TEST_PASSWORD, **device}
    response = APIClient().post("/api/identity/auth/login", body, format="json")
    assert response.status_code == 200, response.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    return client


def devices(client, user) -> list[dict]:
    response = client.get(f"/api/identity/users/{user.pk}/devices")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_each_sign_in_is_a_device_with_its_name_and_type_and_the_current_one_is_marked():
    user = UserFactory()
    tv = sign_in(user, device_name="Living room TV", device_type="tv")
    phone = sign_in(user, device_name="Ana's phone", device_type="mobile")

    listed = devices(phone, user)

    assert [(d["name"], d["type"], d["current"]) for d in listed] == [
        ("Ana's phone", "mobile", True),
        ("Living room TV", "tv", False),
    ]
    assert all(d["created"] and d["expiry"] and d["last_used_at"] for d in listed)
    assert [d["current"] for d in devices(tv, user)] == [False, True]


def test_a_sign_in_without_a_name_is_listed_as_other():
    user = UserFactory()
    client = sign_in(user)

    assert [(d["name"], d["type"]) for d in devices(client, user)] == [("", "other")]


def test_an_unknown_device_type_is_400():
    user = UserFactory()

    response = APIClient().post(
        "/api/identity/auth/login", {"email": user.email, "password": TEST_PASSWORD, "device_type": "toaster"}
    )

    assert response.status_code == 400 and "device_type" in response.json()


def test_last_used_moves_when_the_device_is_used_again_a_minute_later():
    user = UserFactory()
    tv = sign_in(user, device_name="TV", device_type="tv")
    long_ago = timezone.now() - dt.timedelta(hours=3)
    Device.objects.update(last_used_at=long_ago)

    tv.get("/api/identity/users/me")

    assert Device.objects.get().last_used_at > long_ago + dt.timedelta(hours=2)


def test_signing_out_a_device_revokes_only_its_token():
    user = UserFactory()
    tv = sign_in(user, device_name="TV", device_type="tv")
    phone = sign_in(user, device_name="Phone", device_type="mobile")
    tv_id = next(d["id"] for d in devices(phone, user) if d["name"] == "TV")

    response = phone.delete(f"/api/identity/users/{user.pk}/devices/{tv_id}")

    assert response.status_code == 204
    assert tv.get("/api/identity/users/me").status_code == 401
    assert phone.get("/api/identity/users/me").status_code == 200
    assert [d["name"] for d in devices(phone, user)] == ["Phone"]
    assert phone.delete(f"/api/identity/users/{user.pk}/devices/{tv_id}").status_code == 404


def test_another_viewers_device_cannot_be_signed_out():
    owner, other = UserFactory(), UserFactory()
    sign_in(owner, device_name="TV")
    intruder = sign_in(other)
    tv_id = AuthToken.objects.get(user=owner).token_key

    assert intruder.delete(f"/api/identity/users/{owner.pk}/devices/{tv_id}").status_code == 404
    assert intruder.delete(f"/api/identity/users/{other.pk}/devices/{tv_id}").status_code == 404
    assert AuthToken.objects.filter(user=owner).count() == 1


def test_expired_tokens_are_not_listed():
    user = UserFactory()
    client = sign_in(user, device_name="Phone")
    AuthToken.objects.create(user=user, expiry=dt.timedelta(seconds=-1))

    assert [d["name"] for d in devices(client, user)] == ["Phone"]


def test_the_list_runs_a_constant_number_of_queries(django_assert_num_queries):
    user = UserFactory()
    client = sign_in(user, device_name="Phone")
    for n in range(5):
        sign_in(user, device_name=f"TV {n}")
    client.get("/api/identity/users/me")

    # The token (with its device and user), its expired siblings, the acting profile (a kids profile may not
    # list the devices), the list.
    with django_assert_num_queries(4):
        assert len(devices(client, user)) == 6
