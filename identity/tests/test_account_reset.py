"""Password reset by email: always 202, one use, an hour, under the login lockout."""

import datetime as dt
import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.test import override_settings
from rest_framework.test import APIClient

from identity.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REQUEST = "/api/identity/auth/password-reset"
CONFIRM = "/api/identity/auth/password-reset/confirm"
NEW_PASSWORD = "a-brand-new-Passphrase-77"
LOCKOUT = {"IDENTITY_LOGIN_LOCKOUT_FAILURES": 3, "IDENTITY_LOGIN_LOCKOUT_MINUTES": 10}


def ask(email: str):
    return APIClient().post(REQUEST, {"email": email}, format="json")


def link_in(message) -> dict:
    uid = re.search(r"uid (\S+)", message.body).group(1)
    token = re.search(r"token (\S+)", message.body).group(1)
    return {"uid": uid, "token": token}


def confirm(link: dict, password: str = NEW_PASSWORD):
    return APIClient().post(CONFIRM, {**link, "new_password": password}, format="json")


def login(email: str, password: str):
    return APIClient().post("/api/identity/auth/login", {"email": email, "password": password}, format="json")


def test_the_answer_is_the_same_for_a_known_and_an_unknown_email():
    user = UserFactory()

    known, unknown = ask(user.email), ask("nobody-here@example.org")

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert [message.to for message in mail.outbox] == [[user.email]]


def test_the_link_sets_a_new_password_and_signs_every_device_out():
    user = UserFactory()
    token = login(user.email, TEST_PASSWORD).json()["token"]
    ask(user.email.upper())

    response = confirm(link_in(mail.outbox[0]))

    assert response.status_code == 204
    assert login(user.email, NEW_PASSWORD).status_code == 200
    assert login(user.email, TEST_PASSWORD).status_code == 400
    device = APIClient()
    device.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert device.get("/api/identity/users/me").status_code == 401


def test_the_link_works_once():
    user = UserFactory()
    ask(user.email)
    link = link_in(mail.outbox[0])

    assert confirm(link).status_code == 204
    again = confirm(link, "yet-another-Passphrase-88")

    assert again.status_code == 400 and "token" in again.json()
    assert login(user.email, NEW_PASSWORD).status_code == 200


def at(monkeypatch, moment: dt.datetime) -> None:
    """The reset token generator's clock (the one it signs and checks links with) reads `moment`."""
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: moment)


def test_the_link_lasts_an_hour(monkeypatch):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    user = UserFactory()
    asked = dt.datetime(2026, 3, 1, 10, 0, 0)
    at(monkeypatch, asked)
    ask(user.email)
    link = link_in(mail.outbox[0])

    at(monkeypatch, asked + dt.timedelta(minutes=60, seconds=30))
    late = confirm(link)

    assert late.status_code == 400
    at(monkeypatch, asked + dt.timedelta(minutes=59))
    assert confirm(link).status_code == 204


@override_settings(**LOCKOUT)
def test_wrong_tokens_lock_the_account_and_a_locked_account_cannot_be_reset():
    user = UserFactory()
    ask(user.email)
    link = link_in(mail.outbox[0])

    answers = [confirm({**link, "token": f"wrong-{n}"}).status_code for n in range(3)]
    locked = confirm(link)

    assert answers == [400, 400, 400]
    assert locked.status_code == 403 and "locked until" in locked.json()["detail"]
    assert login(user.email, TEST_PASSWORD).status_code == 403  # the same lock as the login's


def test_a_weak_new_password_is_400_and_the_link_still_works():
    user = UserFactory()
    ask(user.email)
    link = link_in(mail.outbox[0])

    weak = confirm(link, "123")

    assert weak.status_code == 400 and "new_password" in weak.json()
    assert confirm(link).status_code == 204


@pytest.mark.parametrize("uid", ["", "!!!", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw", "bm90LWFuLWlk"])
def test_a_garbled_uid_is_400(uid):
    response = confirm({"uid": uid, "token": "abc-def"})

    assert response.status_code == 400


def test_requests_are_throttled_per_address(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "password_reset_address": "2/hour"}
    )
    answers = [ask(f"someone-{n}@example.org").status_code for n in range(3)]

    assert answers == [202, 202, 429]


def mail_settings(**environment) -> dict:
    script = (
        "from django.conf import settings as s; import json, django; django.setup(); print(json.dumps("
        "[s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL]))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "streaming_platform.settings", **environment}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_development_prints_mail_and_production_sends_it_by_smtp_from_the_environment():
    development = mail_settings(DEBUG="true")
    production = mail_settings(
        DEBUG="false",
        SECRET_KEY="x" * 60,
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="2525",
        EMAIL_HOST_USER="mailer",
        DEFAULT_FROM_EMAIL="tv@example.org",
    )

    assert development[0] == "django.core.mail.backends.console.EmailBackend"
    assert production == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        2525,
        "mailer",
        True,
        "tv@example.org",
    ]


class BrokenMailServer:
    """An email backend whose server refuses every connection, as a mail server that is down does."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


@override_settings(EMAIL_BACKEND="identity.tests.test_account_reset.BrokenMailServer")
def test_a_mail_server_that_is_down_changes_no_answer(caplog):
    user = UserFactory()

    reset_known, reset_unknown = ask(user.email), ask("nobody-here@example.org")
    taken = APIClient().post("/api/identity/users", {"email": user.email, "password": NEW_PASSWORD}, format="json")
    new = APIClient().post("/api/identity/users", {"email": "new@example.org", "password": NEW_PASSWORD}, format="json")

    assert reset_known.status_code == reset_unknown.status_code == 202
    assert reset_known.json() == reset_unknown.json()
    assert taken.status_code == new.status_code == 202 and taken.json() == new.json()
    assert "could not send" in caplog.text
