"""The pages of a forgotten password: ask for the email, then choose a new password from its link."""

import re

import pytest
from django.core import mail
from django.test import Client, override_settings

from identity.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-Passphrase-77"


def link_path(message) -> str:
    url = re.search(r"(http://\S+/watch/reset-password\?\S+)", message.body).group(1)
    return url.removeprefix("http://localhost:8000")


def test_the_login_page_links_to_the_forgotten_password_page():
    assert 'href="/watch/forgot-password"' in Client().get("/watch/login/").content.decode()


def test_asking_says_the_same_for_a_known_and_an_unknown_email():
    user = UserFactory()

    known = Client().post("/watch/forgot-password", {"email": user.email})
    unknown = Client().post("/watch/forgot-password", {"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 200
    said = [re.search(r'<p class="done">(.*?)</p>', r.content.decode()).group(1) for r in (known, unknown)]
    assert said[0] == said[1] and "If an account has this email" in said[0]
    assert [message.to for message in mail.outbox] == [[user.email]]


def test_the_emailed_link_opens_the_page_that_sets_the_new_password():
    user = UserFactory()
    Client().post("/watch/forgot-password", {"email": user.email})
    path = link_path(mail.outbox[0])
    browser = Client()

    page = browser.get(path)
    uid = re.search(r'name="uid" value="([^"]+)"', page.content.decode()).group(1)
    token = re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)
    done = browser.post("/watch/reset-password", {"uid": uid, "token": token, "new_password": NEW_PASSWORD})
    again = browser.post("/watch/reset-password", {"uid": uid, "token": token, "new_password": NEW_PASSWORD + "x"})

    assert page.status_code == 200
    assert done.status_code == 200 and "Your password is changed" in done.content.decode()
    assert again.status_code == 400 and "already used" in again.content.decode()
    login = Client().post("/watch/login/", {"username": user.email, "password": NEW_PASSWORD})
    assert login.status_code == 302


def test_a_weak_password_is_refused_on_the_page():
    user = UserFactory()
    Client().post("/watch/forgot-password", {"email": user.email})
    page = Client().get(link_path(mail.outbox[0])).content.decode()
    uid = re.search(r'name="uid" value="([^"]+)"', page).group(1)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)

    weak = Client().post("/watch/reset-password", {"uid": uid, "token": token, "new_password": "123"})

    assert weak.status_code == 400 and "too short" in weak.content.decode()
    assert Client().post("/watch/login/", {"username": user.email, "password": TEST_PASSWORD}).status_code == 302


@override_settings(IDENTITY_LOGIN_LOCKOUT_FAILURES=2, IDENTITY_LOGIN_LOCKOUT_MINUTES=10)
def test_wrong_tokens_on_the_page_lock_the_account():
    user = UserFactory()
    Client().post("/watch/forgot-password", {"email": user.email})
    page = Client().get(link_path(mail.outbox[0])).content.decode()
    uid = re.search(r'name="uid" value="([^"]+)"', page).group(1)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)

    wrong = [
        Client().post("/watch/reset-password", {"uid": uid, "token": "x", "new_password": NEW_PASSWORD}) for _ in "ab"
    ]
    locked = Client().post("/watch/reset-password", {"uid": uid, "token": token, "new_password": NEW_PASSWORD})

    assert [response.status_code for response in wrong] == [400, 400]
    assert locked.status_code == 403
