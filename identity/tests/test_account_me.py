"""`me` stands for the caller's id on every users/<id>/... path, with the same rules (PIN throttle included)."""

import re

import pytest
from django.urls import resolve
from knox.models import AuthToken
from rest_framework.test import APIClient

from identity.tests.factories import ParentalControlsFactory, UserFactory, WatchHistoryFactory

pytestmark = pytest.mark.django_db


def bearer(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AuthToken.objects.create(user=user)[1]}")
    return client


def account_routes() -> list[str]:
    """The routes of identity below one account (users/<id>/...), as written in the URL configuration."""
    from identity import urls

    return [str(p.pattern) for p in urls.urlpatterns if str(p.pattern).startswith("users/<")]


@pytest.mark.parametrize(
    "suffix",
    ["", "/preferences", "/history", "/continue-watching", "/controls", "/viewing-allowed", "/devices", "/export"],
)
def test_me_reads_the_same_as_the_callers_id(suffix):
    user = UserFactory()
    WatchHistoryFactory(user=user)
    client = bearer(user)

    by_id = client.get(f"/api/identity/users/{user.pk}{suffix}")
    by_me = client.get(f"/api/identity/users/me{suffix}")

    assert by_id.status_code == by_me.status_code == 200
    if suffix != "/export":  # the export is stamped with its time
        assert by_me.json() == by_id.json()


def test_every_account_route_takes_me():
    routes = account_routes()

    assert len(routes) >= 15
    for route in routes:
        path = "/api/identity/" + re.sub(r"<[^>]+>", "1", route.replace("<account:user_id>", "me", 1))
        assert resolve(path).kwargs["user_id"] == "me", route


def test_me_writes_too():
    user = UserFactory()
    client = bearer(user)

    patched = client.patch("/api/identity/users/me", {"display_name": "Me"}, format="json")
    history = client.post("/api/identity/users/me/history", {"title": WatchHistoryFactory().title_id, "position_s": 60})

    assert patched.status_code == 200 and patched.json()["display_name"] == "Me"
    assert history.status_code == 201
    assert client.get(f"/api/identity/users/{user.pk}/history").json()["count"] == 1


def test_me_is_401_for_anonymous_callers():
    for path in ("/api/identity/users/me", "/api/identity/users/me/history", "/api/identity/users/me/controls"):
        assert APIClient().get(path).status_code == 401


def test_me_and_the_id_share_the_pin_throttle(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "pin": "2/min"})
    user = UserFactory()
    ParentalControlsFactory(user=user, pin="1234")
    client = bearer(user)

    answers = [
        client.post(f"/api/identity/users/{path}/controls/pin/verify", {"pin": "0000"}).status_code
        for path in ("me", user.pk, "me")
    ]
    time_zone = client.patch("/api/identity/users/me", {"time_zone": "Asia/Tokyo", "pin": "0000"})

    assert answers == [403, 403, 429]
    assert time_zone.status_code == 429


def test_staff_me_is_their_own_account():
    staff = UserFactory(is_staff=True)

    assert bearer(staff).get("/api/identity/users/me/preferences").status_code == 200
    assert bearer(staff).patch("/api/identity/users/me/preferences", {"autoplay_previews": False}).status_code == 200
