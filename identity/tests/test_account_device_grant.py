"""Sign-in on a TV with a code (RFC 8628): the TV polls, a signed-in viewer approves, the TV gets its token."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from identity.account.models import DeviceAuthorization
from identity.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START = "/api/identity/auth/device"
APPROVE = "/api/identity/auth/device/approve"
TOKEN = "/api/identity/auth/device/token"
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"


def bearer(user) -> APIClient:
    from knox.models import AuthToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AuthToken.objects.create(user=user)[1]}")
    return client


def start(**body) -> dict:
    response = APIClient().post(START, body or {"device_name": "Living room TV"}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def poll(device_code: str, grant_type: str = GRANT_TYPE):
    # As RFC 8628 says a device sends it: a form body.
    return APIClient().post(TOKEN, {"grant_type": grant_type, "device_code": device_code}, format="multipart")


def poll_later(device_code: str):
    DeviceAuthorization.objects.update(last_polled_at=timezone.now() - dt.timedelta(minutes=1))
    return poll(device_code)


def test_the_tv_gets_codes_to_show_and_poll_with(settings):
    codes = start()

    assert re.fullmatch(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}", codes["user_code"])
    assert len(codes["device_code"]) >= 40
    assert codes["verification_uri"] == settings.IDENTITY_DEVICE_VERIFICATION_URI
    assert codes["verification_uri_complete"].endswith(f"user_code={codes['user_code']}")
    assert codes["expires_in"] == 600 and codes["interval"] == 5
    assert not DeviceAuthorization.objects.filter(device_code_digest=codes["device_code"]).exists()  # hashed


def test_a_full_sign_in_pending_then_approved_then_the_token_once():
    viewer = UserFactory()
    codes = start(device_name="Living room TV", device_type="tv")

    pending = poll(codes["device_code"])
    approved = bearer(viewer).post(APPROVE, {"user_code": codes["user_code"].lower().replace("-", " ")})
    token = poll_later(codes["device_code"])
    again = poll_later(codes["device_code"])

    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"
    assert approved.status_code == 200
    assert approved.json() == {"device_name": "Living room TV", "device_type": "tv", "approved": True}
    assert token.status_code == 200, token.content
    body = token.json()
    assert body["token_type"] == "Bearer" and body["access_token"] == body["token"]
    assert body["user"]["id"] == viewer.pk and body["expires_in"] > 13 * 24 * 3600
    assert token["Cache-Control"] == "no-store"
    tv = APIClient()
    tv.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    devices = tv.get(f"/api/identity/users/{viewer.pk}/devices").json()["results"]
    assert [(d["name"], d["type"], d["current"]) for d in devices if d["current"]] == [("Living room TV", "tv", True)]
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_polling_faster_than_the_interval_is_slow_down_and_the_interval_grows():
    codes = start()

    first = poll(codes["device_code"])
    second = poll(codes["device_code"])
    third = poll(codes["device_code"])

    assert first.json()["error"] == "authorization_pending"
    assert second.json()["error"] == "slow_down" and second.json()["interval"] == 10
    assert third.json()["error"] == "slow_down" and third.json()["interval"] == 15


def test_a_denied_sign_in_is_access_denied():
    codes = start()

    denied = bearer(UserFactory()).post(APPROVE, {"user_code": codes["user_code"], "approve": False})
    answer = poll(codes["device_code"])

    assert denied.status_code == 200 and denied.json()["approved"] is False
    assert answer.status_code == 400 and answer.json()["error"] == "access_denied"


def test_codes_expire_in_minutes():
    viewer = UserFactory()
    codes = start()
    DeviceAuthorization.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    late_approval = bearer(viewer).post(APPROVE, {"user_code": codes["user_code"]})
    answer = poll(codes["device_code"])

    assert late_approval.status_code == 400 and "user_code" in late_approval.json()
    assert answer.status_code == 400 and answer.json()["error"] == "expired_token"


def test_an_approved_code_cannot_be_approved_again_by_someone_else():
    codes = start()
    assert bearer(UserFactory()).post(APPROVE, {"user_code": codes["user_code"]}).status_code == 200

    assert bearer(UserFactory()).post(APPROVE, {"user_code": codes["user_code"]}).status_code == 400


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"grant_type": "password", "device_code": "x"}, "unsupported_grant_type"),
        ({"grant_type": GRANT_TYPE}, "invalid_request"),
        ({"grant_type": GRANT_TYPE, "device_code": "never-issued"}, "invalid_grant"),
    ],
)
def test_bad_polls_get_the_protocols_errors(body, error):
    response = APIClient().post(TOKEN, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == error and response.json()["detail"]


def test_approving_needs_a_signed_in_viewer():
    codes = start()

    assert APIClient().post(APPROVE, {"user_code": codes["user_code"]}, format="json").status_code == 401


def test_wrong_user_codes_are_throttled_per_account(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "device_approve": "3/min"}
    )
    viewer = bearer(UserFactory())
    codes = start()

    answers = [viewer.post(APPROVE, {"user_code": f"BBBB-BBB{c}"}).status_code for c in "CDF"]
    right_code_too_late = viewer.post(APPROVE, {"user_code": codes["user_code"]})

    assert answers == [400, 400, 400]
    assert right_code_too_late.status_code == 429
    assert bearer(UserFactory()).post(APPROVE, {"user_code": codes["user_code"]}).status_code == 200


def test_code_requests_are_throttled_per_address(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "device_code_address": "2/hour"}
    )

    answers = [APIClient().post(START, {}, format="json").status_code for _ in range(3)]

    assert answers == [200, 200, 429]


def test_a_body_that_does_not_parse_is_invalid_request_in_the_protocols_shape():
    response = APIClient().post(TOKEN, "{not json", content_type="application/json")

    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
