"""Password change: the current password re-entered (under the login lockout), other devices signed out on request."""

import pytest
from django.test import Client, override_settings
from knox.models import AuthToken
from rest_framework.test import APIClient

from identity.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-Passphrase-77"
LOCKOUT = {"IDENTITY_LOGIN_LOCKOUT_FAILURES": 3, "IDENTITY_LOGIN_LOCKOUT_MINUTES": 10}


def sign_in(email: str, password: str = TEST_PASSWORD, **device) -> APIClient:
    response = APIClient().post(
        "/api/identity/auth/login", {"email": email, "password": password, **device}, format="json"
    )
    assert response.status_code == 200, response.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    return client


def change(client, user, current=TEST_PASSWORD, new=NEW_PASSWORD, **extra):
    body = {"current_password": current, "new_password": new, **extra}
    return client.post(f"/api/identity/users/{user.pk}/password", body, format="json")


def test_the_new_password_signs_in_and_the_old_one_no_longer_does():
    user = UserFactory()
    phone = sign_in(user.email)

    response = change(phone, user)

    assert response.status_code == 200 and response.json() == {"signed_out_devices": 0}
    assert (
        APIClient().post("/api/identity/auth/login", {"email": user.email, "password": TEST_PASSWORD}).status_code
        == 400
    )
    sign_in(user.email, NEW_PASSWORD)


def test_other_devices_stay_signed_in_unless_asked():
    user = UserFactory()
    phone, tv = sign_in(user.email), sign_in(user.email)

    assert change(phone, user).status_code == 200

    assert tv.get("/api/identity/users/me").status_code == 200


def test_signing_out_the_other_devices_keeps_only_this_one():
    user = UserFactory()
    phone, tv, laptop = sign_in(user.email), sign_in(user.email), sign_in(user.email)

    response = change(phone, user, sign_out_other_devices=True)

    assert response.status_code == 200 and response.json() == {"signed_out_devices": 2}
    assert tv.get("/api/identity/users/me").status_code == 401
    assert laptop.get("/api/identity/users/me").status_code == 401
    assert phone.get("/api/identity/users/me").status_code == 200


def test_browser_sessions_end_with_the_change_but_the_one_making_it():
    user = UserFactory()
    browser, other_browser = Client(), Client()
    browser.force_login(user)
    other_browser.force_login(user)

    response = browser.post(
        f"/api/identity/users/{user.pk}/password",
        {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert browser.get("/api/identity/users/me").status_code == 200
    assert other_browser.get("/api/identity/users/me").status_code in (401, 403)


def test_a_wrong_current_password_is_403_and_changes_nothing():
    user = UserFactory()
    phone = sign_in(user.email)

    response = change(phone, user, current="not-my-password")

    assert response.status_code == 403 and response.json()["detail"] == "The account password is wrong."
    sign_in(user.email)


@override_settings(**LOCKOUT)
def test_wrong_current_passwords_count_towards_the_login_lockout():
    user = UserFactory()
    phone = sign_in(user.email)

    answers = ["locked" in change(phone, user, current=f"guess-{n}").json()["detail"] for n in range(4)]

    assert answers == [False, False, True, True]
    assert "locked until" in change(phone, user).json()["detail"]  # the right password is refused while locked
    locked = APIClient().post("/api/identity/auth/login", {"email": user.email, "password": TEST_PASSWORD})
    assert locked.status_code == 403


def test_a_weak_new_password_is_400_naming_it():
    user = UserFactory()
    phone = sign_in(user.email)

    response = change(phone, user, new="123")

    assert response.status_code == 400 and "new_password" in response.json()
    sign_in(user.email)


def test_me_or_a_foreign_account():
    user, other = UserFactory(), UserFactory()
    phone = sign_in(user.email)

    assert change(phone, other).status_code == 404
    assert AuthToken.objects.filter(user=other).count() == 0
