"""Login, logout, tokens, throttling and lockout."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from identity.models import LoginFailures
from identity.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/identity/auth/login"
LOCKOUT = {"IDENTITY_LOGIN_LOCKOUT_FAILURES": 3, "IDENTITY_LOGIN_LOCKOUT_MINUTES": 10}


def login(client, email, password=TEST_PASSWORD, **extra):
    return client.post(LOGIN, {"email": email, "password": password}, format="json", **extra)


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_login_returns_a_token_the_user_and_expiry(api_client, user):
    response = login(api_client, user.email.upper())

    assert response.status_code == 200
    body = response.json()
    assert body["user"]["id"] == user.pk and body["user"]["email"] == user.email
    assert body["user"]["max_streams"] == 2 and body["user"]["max_height"] == 1080
    expiry = dt.datetime.fromisoformat(body["expiry"])
    assert dt.timedelta(days=13) < expiry - timezone.now() <= dt.timedelta(days=14)
    me = bearer(body["token"]).get("/api/identity/users/me")
    assert me.status_code == 200 and me.json()["id"] == user.pk


def test_tokens_are_stored_hashed_and_several_devices_may_log_in(api_client, user):
    first = login(api_client, user.email).json()["token"]
    second = login(api_client, user.email).json()["token"]

    assert AuthToken.objects.filter(user=user).count() == 2
    assert not AuthToken.objects.filter(digest__in=[first, second]).exists()
    assert bearer(first).get("/api/identity/users/me").status_code == 200
    assert bearer(second).get("/api/identity/users/me").status_code == 200


def test_logout_revokes_only_the_token_in_use(api_client, user):
    first = login(api_client, user.email).json()["token"]
    second = login(api_client, user.email).json()["token"]

    response = bearer(first).post("/api/identity/auth/logout")

    assert response.status_code == 204
    assert bearer(first).get("/api/identity/users/me").status_code == 401
    assert bearer(second).get("/api/identity/users/me").status_code == 200


def test_logout_all_revokes_every_token(api_client, user):
    first = login(api_client, user.email).json()["token"]
    second = login(api_client, user.email).json()["token"]

    assert bearer(first).post("/api/identity/auth/logout-all/").status_code == 204

    assert bearer(second).get("/api/identity/users/me").status_code == 401


def test_expired_tokens_are_refused(api_client, user):
    token = login(api_client, user.email).json()["token"]
    AuthToken.objects.filter(user=user).update(expiry=timezone.now() - dt.timedelta(seconds=1))

    response = bearer(token).get("/api/identity/users/me")

    assert response.status_code == 401
    assert response.json()["detail"]


def test_garbage_tokens_are_refused():
    assert bearer("not-a-token").get("/api/identity/users/me").status_code == 401


def test_logout_needs_authentication(api_client):
    assert api_client.post("/api/identity/auth/logout").status_code == 401


@pytest.mark.parametrize(
    "body", [{}, {"email": "a@example.org"}, {"password": "x"}, {"email": "", "password": ""}, ["nope"]]
)
def test_login_rejects_malformed_bodies(api_client, body):
    response = api_client.post(LOGIN, body, format="json")

    assert response.status_code == 400


def test_wrong_password_and_unknown_email_answer_the_same(api_client, user):
    wrong_password = login(api_client, user.email, "wrong-password")
    unknown_email = login(api_client, "nobody@example.org", "wrong-password")

    assert wrong_password.status_code == unknown_email.status_code == 400
    assert wrong_password.json() == unknown_email.json()
    assert wrong_password.json() == {"detail": "Unable to log in with the given email and password."}


def test_inactive_accounts_cannot_log_in(api_client):
    user = UserFactory(is_active=False)

    assert login(api_client, user.email).status_code == 400


@override_settings(**LOCKOUT)
def test_repeated_failures_lock_the_account_even_for_the_right_password(api_client, user):
    for _ in range(2):
        assert login(api_client, user.email, "wrong").status_code == 400
    third = login(api_client, user.email, "wrong")
    right_password = login(api_client, user.email)

    assert third.status_code == right_password.status_code == 403
    assert "locked until" in right_password.json()["detail"]
    assert "password" not in right_password.json()["detail"]


@override_settings(**LOCKOUT)
def test_unknown_emails_lock_the_same_way(api_client):
    responses = [login(api_client, "nobody@example.org", "wrong") for _ in range(3)]

    assert [response.status_code for response in responses] == [400, 400, 403]


@override_settings(**LOCKOUT)
def test_the_lock_ends_after_its_window(api_client, user):
    for _ in range(3):
        login(api_client, user.email, "wrong")
    LoginFailures.objects.update(locked_until=timezone.now() - dt.timedelta(seconds=1))

    assert login(api_client, user.email).status_code == 200
    assert not LoginFailures.objects.exists()


@override_settings(**LOCKOUT)
def test_a_successful_login_resets_the_failure_count(api_client, user):
    for _ in range(2):
        login(api_client, user.email, "wrong")
    assert login(api_client, user.email).status_code == 200

    assert login(api_client, user.email, "wrong").status_code == 400
    assert login(api_client, user.email, "wrong").status_code == 400


@pytest.fixture
def rates(monkeypatch, settings):
    """Sets throttle rates for one test (DRF reads them once, at import)."""
    from rest_framework.throttling import SimpleRateThrottle

    settings.IDENTITY_LOGIN_LOCKOUT_FAILURES = 100

    def set_rates(**overrides):
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **overrides})

    return set_rates


def test_failed_logins_are_throttled_per_account(api_client, user, rates):
    rates(login_account="2/min")
    other_address = {"REMOTE_ADDR": "10.0.0.9"}
    assert login(api_client, user.email, "wrong").status_code == 400
    assert login(api_client, user.email, "wrong", **other_address).status_code == 400

    throttled = login(api_client, user.email, **other_address)
    other_account = login(api_client, UserFactory().email)

    assert throttled.status_code == 429
    assert "throttled" in throttled.json()["detail"]
    assert other_account.status_code == 200


def test_failed_logins_are_throttled_per_address(api_client, user, rates):
    rates(login_address="2/min")
    assert login(api_client, "a@example.org", "wrong").status_code == 400
    assert login(api_client, "b@example.org", "wrong").status_code == 400

    throttled = login(api_client, user.email)
    elsewhere = login(api_client, user.email, REMOTE_ADDR="10.0.0.7")

    assert throttled.status_code == 429
    assert elsewhere.status_code == 200


def test_successful_logins_are_not_throttled(api_client, user, rates):
    rates(login_account="2/min", login_address="2/min")

    assert [login(api_client, user.email).status_code for _ in range(4)] == [200] * 4


def test_session_logout(client, user):
    client.force_login(user)

    assert client.post("/api/identity/auth/logout").status_code == 204
    assert client.get("/api/identity/users/me").status_code == 401


@override_settings(**LOCKOUT)
def test_old_failures_are_forgotten(api_client, user):
    LoginFailures.objects.create(
        email="old@example.org", failures=2, last_failure_at=timezone.now() - dt.timedelta(hours=1)
    )
    LoginFailures.objects.create(email=user.email, failures=2, last_failure_at=timezone.now() - dt.timedelta(hours=1))

    assert login(api_client, user.email, "wrong").status_code == 400

    assert list(LoginFailures.objects.values_list("email", "failures")) == [(user.email, 1)]


def test_a_very_long_email_is_refused_cleanly_not_with_a_server_error(api_client):
    # Found by fuzzing: the raw email became the throttle's cache key, which the cache refused.
    response = login(api_client, "0" * 400 + "@example.org", "wrong")

    assert response.status_code == 400
    assert response.json()
