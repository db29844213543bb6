"""Account deletion (password re-entered; everything personal goes, analytics keep no identity) and data export."""

from unittest.mock import ANY

import pytest
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from analytics.models import Event, Viewer, ViewSummary
from analytics.tests.factories import EventFactory, view_record
from identity.account.models import Device
from identity.models import ParentalControls, Preferences, User, WatchHistory
from identity.tests.factories import (
    TEST_PASSWORD,
    ParentalControlsFactory,
    PreferencesFactory,
    UserFactory,
    WatchHistoryFactory,
)
from stream.models import PlaybackSession
from stream.tests.factories import PlaybackSessionFactory

pytestmark = pytest.mark.django_db


def sign_in(user, **device) -> APIClient:
    body = {"email": user.email, "password": TEST_PASSWORD, **device}
    response = APIClient().post("/api/identity/auth/login", body, format="json")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    return client


def delete(client, user, password=TEST_PASSWORD):
    return client.post(f"/api/identity/users/{user.pk}/delete", {"password": password}, format="json")


def test_deleting_the_account_ends_every_device_and_session_and_the_login():
    user = UserFactory()
    phone, tv = sign_in(user), sign_in(user, device_name="TV", device_type="tv")
    browser = Client()
    browser.force_login(user)

    response = delete(phone, user)

    assert response.status_code == 204
    assert phone.get("/api/identity/users/me").status_code == 401
    assert tv.get("/api/identity/users/me").status_code == 401
    assert browser.get("/api/identity/users/me").status_code in (401, 403)
    login = APIClient().post("/api/identity/auth/login", {"email": user.email, "password": TEST_PASSWORD})
    assert login.status_code == 400
    assert not AuthToken.objects.exists() and not Device.objects.exists()


def test_personal_data_goes():
    user = UserFactory()
    PreferencesFactory(user=user)
    ParentalControlsFactory(user=user, pin="1234")
    entry = WatchHistoryFactory(user=user)
    PlaybackSessionFactory(user=user, title=entry.title)
    keeper = WatchHistoryFactory()  # someone else's

    assert delete(sign_in(user), user).status_code == 204

    assert not User.objects.filter(pk=user.pk).exists()
    assert not Preferences.objects.filter(user_id=user.pk).exists()
    assert not ParentalControls.objects.filter(user_id=user.pk).exists()
    assert list(WatchHistory.objects.all()) == [keeper]
    assert not PlaybackSession.objects.filter(user_id=user.pk).exists()


def test_analytics_keep_the_counts_but_no_identity(staff_client):
    user, other = UserFactory(), UserFactory()
    EventFactory(user=user, client_id="evt-1")
    EventFactory(user=None, client_id="evt-1")  # an anonymous sender chose the same id
    EventFactory(user=other, client_id="evt-1")
    summary = view_record(user=user, session_id="s-1")
    assert Viewer.objects.filter(user=user).exists()
    before = staff_client.get(f"/api/analytics/content/{summary.title_id}").json()

    assert delete(sign_in(user), user).status_code == 204

    assert Event.objects.count() == 3
    assert Event.objects.filter(user=None).count() == 2
    assert Event.objects.filter(user=other).count() == 1
    assert ViewSummary.objects.get(session_id="s-1").user_id is None
    assert not Viewer.objects.filter(user_id=user.pk).exists()
    after = staff_client.get(f"/api/analytics/content/{summary.title_id}").json()
    assert after == before


def test_a_wrong_password_deletes_nothing():
    user = UserFactory()
    phone = sign_in(user)

    response = delete(phone, user, "not-my-password")

    assert response.status_code == 403 and response.json()["detail"] == "The account password is wrong."
    assert User.objects.filter(pk=user.pk).exists()
    assert phone.get("/api/identity/users/me").status_code == 200


def test_nobody_deletes_another_account(staff_client):
    owner = UserFactory()
    intruder = sign_in(UserFactory())

    assert delete(intruder, owner).status_code == 404
    assert staff_client.post(f"/api/identity/users/{owner.pk}/delete", {"password": TEST_PASSWORD}).status_code == 403
    assert User.objects.filter(pk=owner.pk).exists()


def test_the_export_has_the_account_preferences_controls_history_ratings_and_devices():
    user = UserFactory(display_name="Ana")
    PreferencesFactory(user=user, audio_languages=["pt", "en"])
    ParentalControlsFactory(user=user, pin="1234", daily_limit_minutes=90)
    WatchHistoryFactory(user=user, rating=4.0)
    WatchHistoryFactory(user=user)
    WatchHistoryFactory()  # someone else's
    client = sign_in(user, device_name="Phone", device_type="mobile")

    response = client.get(f"/api/identity/users/{user.pk}/export")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="account-')
    document = response.json()
    assert document["format_version"] == 1 and document["exported_at"]
    assert document["account"]["email"] == user.email and document["account"]["display_name"] == "Ana"
    assert document["preferences"]["audio_languages"] == ["pt", "en"]
    assert document["parental_controls"]["daily_limit_minutes"] == 90 and document["parental_controls"]["has_pin"]
    assert "pin" not in document["parental_controls"] and "pin_hash" not in response.content.decode()
    assert "password" not in document["account"]
    assert len(document["history"]) == 2
    assert [rating["rating"] for rating in document["ratings"]] == [4.0]
    assert [(d["name"], d["type"]) for d in document["devices"]] == [("Phone", "mobile")]


def test_sections_registered_by_other_parts_of_identity_are_exported():
    from identity.account import export

    export.export_section_register("my_list", lambda user: [{"title": 7}])
    try:
        user = UserFactory()
        document = sign_in(user).get(f"/api/identity/users/{user.pk}/export").json()
    finally:
        export._sections.pop("my_list")

    assert document["my_list"] == [{"title": 7}]


def test_another_viewers_export_is_404():
    owner = UserFactory()

    assert sign_in(UserFactory()).get(f"/api/identity/users/{owner.pk}/export").status_code == 404


def test_an_account_deleted_any_other_way_leaves_analytics_without_identity_too():
    user = UserFactory()
    EventFactory(user=user, client_id="evt-9")
    view_record(user=user, session_id="s-9")

    user.delete()  # as a shell or a management command would

    assert Event.objects.filter(client_id__startswith="erased-", user=None).count() == 1
    assert ViewSummary.objects.get(session_id="s-9").user_id is None
    assert not Viewer.objects.filter(user_id=user.pk).exists()


def test_the_export_holds_every_profile_with_its_list_ratings_and_history():
    from catalog.tests.factories import TitleFactory
    from identity.models import ListEntry, Rating
    from identity.services import profile_main_ensure
    from identity.tests.factories import KidsProfileFactory, WatchHistoryFactory

    user = UserFactory()
    main, kid = profile_main_ensure(account=user), KidsProfileFactory(account=user, name="Robin")
    film, cartoon = TitleFactory(), TitleFactory()
    ListEntry.objects.create(profile=main, title=film)
    Rating.objects.create(profile=main, title=film, value="love")
    WatchHistoryFactory(user=user, profile=kid, title=cartoon)

    document = sign_in(user).get(f"/api/identity/users/{user.pk}/export").json()

    by_name = {profile["name"]: profile for profile in document["profiles"]}
    assert set(by_name) == {main.name, "Robin"} and by_name["Robin"]["is_kids"]
    assert by_name[main.name]["my_list"][0]["title"] == film.pk
    assert by_name[main.name]["ratings"] == [{"title": film.pk, "rating": "love", "rated_at": ANY}]
    assert [entry["title"]["id"] for entry in by_name["Robin"]["history"]] == [cartoon.pk]
    assert by_name["Robin"]["parental_controls"]["max_maturity"] == "PG"
    assert "pin_hash" not in str(document)
