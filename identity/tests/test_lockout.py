"""One login lockout for every way in (API and admin), taken before the password is hashed."""

import threading
import time

import pytest
from django.db import connection
from django.test import Client, override_settings
from rest_framework.test import APIClient

from identity.models import LoginFailures, User
from identity.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/identity/auth/login"
ADMIN_LOGIN = "/admin/login/"
LOCKOUT = {"IDENTITY_LOGIN_LOCKOUT_FAILURES": 5, "IDENTITY_LOGIN_LOCKOUT_MINUTES": 15}


def api_login(email, password=TEST_PASSWORD, **extra):
    return APIClient().post(LOGIN, {"email": email, "password": password}, format="json", **extra)


def admin_login(client, email, password=TEST_PASSWORD):
    return client.post(ADMIN_LOGIN, {"username": email, "password": password, "next": "/admin/"})


@pytest.fixture
def operator(db):
    return UserFactory(email="ops@example.org", is_staff=True, is_superuser=True)


@override_settings(**LOCKOUT)
def test_wrong_admin_passwords_lock_the_admin_login_and_the_api(operator):
    client = Client()
    answers = [admin_login(client, operator.email, "wrong") for _ in range(12)]

    right_password = admin_login(client, operator.email)

    assert all(answer.status_code == 200 for answer in answers)  # the form again, with its error
    assert right_password.status_code == 200
    assert "locked until" in right_password.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/api/identity/users/me").status_code == 401
    assert api_login(operator.email).status_code == 403
    assert LoginFailures.objects.get(email=operator.email).failures == 5


@override_settings(**LOCKOUT)
def test_an_email_locked_through_the_api_cannot_log_in_to_the_admin(operator):
    for _ in range(5):
        api_login(operator.email, "wrong")
    client = Client()

    response = admin_login(client, operator.email)

    assert response.status_code == 200 and "locked until" in response.content.decode()
    assert client.get("/api/identity/users/me").status_code == 401


@override_settings(**LOCKOUT)
def test_wrong_old_passwords_on_the_admin_password_form_lock_the_account(operator):
    client = Client()
    client.force_login(operator)
    form = {"old_password": "wrong", "new_password1": "a-new-Unusual-pass-42", "new_password2": "a-new-Unusual-pass-42"}

    answers = [client.post("/admin/password_change/", form) for _ in range(6)]
    right_old_password = client.post("/admin/password_change/", {**form, "old_password": TEST_PASSWORD})

    assert all(answer.status_code == 200 for answer in answers)
    assert "locked until" in right_old_password.content.decode()
    operator.refresh_from_db()
    assert operator.check_password(TEST_PASSWORD)
    assert api_login(operator.email).status_code == 403


def test_the_admin_password_form_still_changes_the_password(operator):
    client = Client()
    client.force_login(operator)
    new = "a-new-Unusual-pass-42"

    response = client.post(
        "/admin/password_change/", {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new}
    )

    assert response.status_code == 302
    assert api_login(operator.email, new).status_code == 200


def test_admin_logins_still_work_and_clear_earlier_failures(operator):
    client = Client()
    admin_login(client, operator.email, "wrong")

    response = admin_login(client, operator.email.upper())

    assert response.status_code == 302
    assert client.get("/api/identity/users/me").json()["id"] == operator.pk
    assert not LoginFailures.objects.exists()


def test_wrong_admin_passwords_count_towards_the_per_address_rate(operator, monkeypatch, settings):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "login_address": "3/min"}
    )
    client = Client()
    for n in range(3):
        admin_login(client, f"guess{n}@example.org", "wrong")

    response = admin_login(client, operator.email)

    assert "_auth_user_id" not in client.session
    assert response.status_code == 200 and "from this address" in response.content.decode()
    assert api_login(operator.email).status_code == 429


@override_settings(**LOCKOUT)
def test_the_failure_slot_is_taken_before_the_password_is_hashed(monkeypatch):
    """A login that arrives while the fifth guess is still hashing finds the email locked, right password or not."""
    viewer = UserFactory()
    for _ in range(4):
        assert api_login(viewer.email, "wrong").status_code == 400
    during_hashing = []
    check_password = User.check_password

    def slow_check(self, raw_password):
        if raw_password == "wrong" and not during_hashing:
            during_hashing.append(api_login(viewer.email))  # the right password, "in parallel"
        return check_password(self, raw_password)

    monkeypatch.setattr(User, "check_password", slow_check)

    fifth = api_login(viewer.email, "wrong")

    assert fifth.status_code == 403
    assert during_hashing[0].status_code == 403
    assert "locked until" in during_hashing[0].json()["detail"]


@pytest.mark.django_db(transaction=True)
@override_settings(**LOCKOUT)
def test_twenty_parallel_guesses_check_at_most_five_passwords(monkeypatch):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database is one connection; the slot test above covers it")
    from rest_framework.throttling import SimpleRateThrottle

    # The per-account rate would refuse the last guesses too; this test is about the lockout alone.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "login_account": "100/min"}
    )
    viewer = UserFactory()
    answers: dict[int, int] = {}
    start = threading.Barrier(20)

    def guess(n: int) -> None:
        try:
            start.wait()
            if n == 19:
                time.sleep(1.0)  # the right password comes last, while the wrong ones are still hashing
            password = TEST_PASSWORD if n == 19 else f"wrong-{n}"
            answers[n] = api_login(viewer.email, password, REMOTE_ADDR=f"10.1.0.{n}").status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    record = LoginFailures.objects.get(email=viewer.email)
    assert record.failures == 5 and record.locked_until is not None
    assert list(answers.values()).count(400) <= 4  # the other guesses were refused unchecked (403)
    assert answers[19] == 403
