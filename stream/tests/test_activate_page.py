"""The page where a viewer types the code a TV shows (RFC 8628's verification URI) and signs the TV in."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from identity.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"


def tv_starts() -> dict:
    response = APIClient().post("/api/identity/auth/device", {"device_name": "Bedroom TV"}, format="json")
    assert response.status_code == 200
    return response.json()


def tv_polls(codes: dict):
    body = {"grant_type": GRANT_TYPE, "device_code": codes["device_code"]}
    return APIClient().post("/api/identity/auth/device/token", body, format="multipart")


def test_the_verification_uri_is_this_page_and_signed_out_viewers_sign_in_first():
    codes = tv_starts()

    response = Client().get(codes["verification_uri_complete"].removeprefix("http://localhost:8000"))

    assert codes["verification_uri"].endswith("/watch/activate")
    assert response.status_code == 302
    assert response["Location"].startswith("/watch/login/?next=/watch/activate")


def test_a_signed_in_viewer_signs_the_tv_in_from_the_page():
    viewer = UserFactory()
    phone = Client()
    phone.force_login(viewer)
    codes = tv_starts()

    page = phone.get("/watch/activate", {"user_code": codes["user_code"]})
    approved = phone.post("/watch/activate", {"user_code": codes["user_code"], "decision": "approve"})
    token = tv_polls(codes)

    assert page.status_code == 200 and f'value="{codes["user_code"]}"' in page.content.decode()
    assert approved.status_code == 200 and "Bedroom TV is signed in" in approved.content.decode()
    assert token.status_code == 200 and token.json()["user"]["id"] == viewer.pk


def test_refusing_on_the_page_denies_the_tv():
    phone = Client()
    phone.force_login(UserFactory())
    codes = tv_starts()

    refused = phone.post("/watch/activate", {"user_code": codes["user_code"], "decision": "deny"})

    assert refused.status_code == 200 and "stays signed out" in refused.content.decode()
    assert tv_polls(codes).json()["error"] == "access_denied"


def test_a_wrong_code_is_400_and_wrong_codes_are_throttled(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "device_approve": "2/min"}
    )
    phone = Client()
    phone.force_login(UserFactory())
    codes = tv_starts()

    answers = [phone.post("/watch/activate", {"user_code": "BBBB-BBBB"}).status_code for _ in range(2)]
    late = phone.post("/watch/activate", {"user_code": codes["user_code"]})

    assert answers == [400, 400]
    assert late.status_code == 429 and tv_polls(codes).json()["error"] == "authorization_pending"
