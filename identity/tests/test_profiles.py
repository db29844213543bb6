"""Profiles: the household's viewers, chosen after login; what each one sees, keeps and may change."""

import pytest
from django.test import override_settings
from knox.models import AuthToken
from rest_framework.test import APIClient

from catalog.models import Maturity
from catalog.tests.factories import TitleFactory
from identity.models import DailyWatchTime, Profile, TokenProfile, WatchHistory
from identity.tests.factories import (
    TEST_PASSWORD,
    KidsProfileFactory,
    ProfileFactory,
    UserFactory,
    WatchHistoryFactory,
    main_profile,
)

pytestmark = pytest.mark.django_db


def signed_in(account) -> tuple[APIClient, AuthToken]:
    instance, token = AuthToken.objects.create(user=account)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client, instance


def base(account) -> str:
    return f"/api/identity/users/{account.pk}/profiles"


def test_a_new_account_has_one_main_profile_which_its_token_acts_for():
    client = APIClient()
    client.post("/api/identity/users", {"email": "new@example.org", "password": "a-long-Unusual-pass-42"})
    login = client.post("/api/identity/auth/login", {"email": "new@example.org", "password": "a-long-Unusual-pass-42"})
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['token']}")

    profiles = client.get(f"/api/identity/users/{login.json()['user']['id']}/profiles").json()["results"]

    assert [(p["is_main"], p["is_kids"], p["active"]) for p in profiles] == [(True, False, True)]


def test_an_account_holds_at_most_five_profiles():
    account = UserFactory()
    client, _ = signed_in(account)
    for number in range(4):
        assert client.post(base(account), {"name": f"P{number}"}).status_code == 201

    response = client.post(base(account), {"name": "One too many"})

    assert response.status_code == 409
    assert response.json()["detail"] == "An account has at most 5 profiles."
    assert Profile.objects.filter(account=account).count() == 5


def test_names_are_unique_in_the_account_whatever_the_case():
    account = UserFactory()
    ProfileFactory(account=account, name="Robin")
    client, _ = signed_in(account)

    response = client.post(base(account), {"name": "ROBIN"})

    assert response.status_code == 400 and "name" in response.json()
    assert client.post(base(UserFactory()), {"name": "Robin"}).status_code == 404  # another account: unknown


def test_the_main_profile_is_neither_deleted_nor_made_a_kids_profile():
    account = UserFactory()
    main = main_profile(account)
    client, _ = signed_in(account)

    assert client.delete(f"{base(account)}/{main.pk}").status_code == 409
    response = client.patch(f"{base(account)}/{main.pk}", {"is_kids": True})

    assert response.status_code == 400 and "is_kids" in response.json()
    assert Profile.objects.get(pk=main.pk).is_kids is False


def test_a_kids_profile_sees_only_what_its_controls_allow_on_every_path():
    account = UserFactory()
    kids = KidsProfileFactory(account=account)
    cartoon = TitleFactory(title="Cartoon", maturity_rating=Maturity.G)
    thriller = TitleFactory(title="Thriller", maturity_rating=Maturity.R)
    WatchHistoryFactory(user=account, title=thriller)  # the main profile's, before the kid joined
    client, _ = signed_in(account)
    assert client.post(f"{base(account)}/{kids.pk}/select", {}).status_code == 200

    movies = {t["id"] for t in client.get("/api/catalog/movies").json()["results"]}
    found = {t["id"] for t in client.get("/api/catalog/search", {"q": "Thriller"}).json()["results"]}
    history = client.get(f"/api/identity/users/{account.pk}/history").json()["results"]
    popular = {item["title"]["id"] for item in client.get("/api/recommend/popular").json()["results"]}
    start = client.post("/api/stream/sessions", {"title": thriller.pk, "device": {"type": "web", "id": "kid"}})

    assert movies == {cartoon.pk}
    assert thriller.pk not in found and thriller.pk not in popular
    assert client.get(f"/api/catalog/movies/{thriller.pk}").status_code == 404
    assert client.get(f"/api/recommend/titles/{thriller.pk}/similar").status_code == 404
    assert history == []  # the main profile's history is not the kid's
    assert start.status_code == 404


def test_history_resume_points_and_watch_time_belong_to_the_profile_that_watched():
    account = UserFactory()
    other_profile = ProfileFactory(account=account)
    movie = TitleFactory(runtime_s=6000)
    client, _ = signed_in(account)
    client.post(f"{base(account)}/{other_profile.pk}/select", {})

    progress = {"title": movie.pk, "position_s": 1200, "duration_s": 6000}
    client.post(f"/api/identity/users/{account.pk}/history", progress)
    mine = client.get(f"/api/identity/users/{account.pk}/continue-watching").json()["results"]
    client.post(f"{base(account)}/{main_profile(account).pk}/select", {})
    main_row = client.get(f"/api/identity/users/{account.pk}/continue-watching").json()["results"]

    assert [item["title"]["id"] for item in mine] == [movie.pk]
    assert main_row == []
    assert WatchHistory.objects.get().profile == other_profile


def test_a_playback_session_records_its_profile_and_ends_in_that_profiles_history():
    from stream.tests.factories import CdnFactory

    CdnFactory(regions=["US"])
    account = UserFactory()
    kids = KidsProfileFactory(account=account)
    cartoon = TitleFactory(maturity_rating=Maturity.G, runtime_s=6000)
    client, _ = signed_in(account)
    client.post(f"{base(account)}/{kids.pk}/select", {})

    session = client.post("/api/stream/sessions", {"title": cartoon.pk, "device": {"type": "tv", "id": "den"}}).json()
    client.put(f"/api/stream/sessions/{session['id']}", {"sequence": 1, "state": "playing", "position_s": 1800})
    client.delete(f"/api/stream/sessions/{session['id']}")

    from stream.models import PlaybackSession

    assert PlaybackSession.objects.get(pk=session["id"]).profile == kids
    assert WatchHistory.objects.get(title=cartoon).profile == kids


@override_settings(IDENTITY_PIN_LOCKOUT_FAILURES=3)
def test_switching_from_a_kids_profile_into_a_locked_one_needs_its_pin_and_guessing_locks_it():
    account = UserFactory()
    kids = KidsProfileFactory(account=account)
    main = main_profile(account)
    client, _ = signed_in(account)
    assert client.put(f"{base(account)}/{main.pk}/pin", {"pin": "2468", "password": TEST_PASSWORD}).status_code == 204
    client.post(f"{base(account)}/{kids.pk}/select", {})

    refused = client.post(f"{base(account)}/{main.pk}/select", {})
    assert refused.status_code == 403 and refused.json()["detail"] == "The profile's PIN is wrong or missing."
    assert client.get(f"/api/identity/users/{account.pk}").status_code == 403  # still the kid
    assert client.post(f"{base(account)}/{main.pk}/select", {"pin": "1111"}).status_code == 403
    assert client.post(f"{base(account)}/{main.pk}/select", {"pin": "2222"}).status_code == 403  # the third
    locked = client.post(f"{base(account)}/{main.pk}/select", {"pin": "2468"})

    assert locked.status_code == 403 and locked.json()["detail"].startswith("Too many wrong PINs")
    assert Profile.objects.get(pk=main.pk).pin_locked_at is not None
    assert TokenProfile.objects.get().profile == kids


def test_the_right_pin_switches_and_the_token_then_acts_for_that_profile():
    account = UserFactory()
    kids = KidsProfileFactory(account=account)
    main = main_profile(account)
    client, token = signed_in(account)
    client.put(f"{base(account)}/{main.pk}/pin", {"pin": "2468", "password": TEST_PASSWORD})
    client.post(f"{base(account)}/{kids.pk}/select", {})

    response = client.post(f"{base(account)}/{main.pk}/select", {"pin": "2468"})

    assert response.status_code == 200 and response.json()["active"] is True
    assert TokenProfile.objects.get(token=token).profile == main
    assert client.get(f"/api/identity/users/{account.pk}").status_code == 200


def test_a_kids_profile_cannot_manage_profiles_pins_or_its_controls():
    account = UserFactory()
    kids = KidsProfileFactory(account=account)
    other = ProfileFactory(account=account)
    client, _ = signed_in(account)
    client.post(f"{base(account)}/{kids.pk}/select", {})
    me = f"/api/identity/users/{account.pk}"

    answers = {
        "create": client.post(base(account), {"name": "Mine"}).status_code,
        "read other": client.get(f"{base(account)}/{other.pk}").status_code,
        "rename self": client.patch(f"{base(account)}/{kids.pk}", {"is_kids": False}).status_code,
        "delete other": client.delete(f"{base(account)}/{other.pk}").status_code,
        "lock": client.put(f"{base(account)}/{other.pk}/pin", {"pin": "1111", "password": TEST_PASSWORD}).status_code,
        "own controls": client.patch(f"{me}/controls", {"max_maturity": "R"}).status_code,
        "other's controls": client.get(f"{base(account)}/{other.pk}/controls").status_code,
        "account": client.get(me).status_code,
        "pin": client.post(f"{me}/controls/pin", {"pin": "1111"}).status_code,
    }

    assert set(answers.values()) == {403}, answers
    assert client.get(f"{base(account)}/{kids.pk}").status_code == 200
    assert client.get(f"{me}/controls").json()["max_maturity"] == "PG"


def test_a_grown_up_profile_sets_the_kids_profiles_controls():
    account = UserFactory()
    kids = KidsProfileFactory(account=account)
    client, _ = signed_in(account)

    response = client.patch(f"{base(account)}/{kids.pk}/controls", {"max_maturity": "G", "daily_limit_minutes": 60})
    client.post(f"{base(account)}/{kids.pk}/select", {})

    assert response.status_code == 200
    assert client.get(f"/api/identity/users/{account.pk}/controls").json()["daily_limit_minutes"] == 60
    assert client.get(f"/api/identity/users/{account.pk}/viewing-allowed").json()["allowed"] is True


def test_deleting_a_profile_deletes_its_history_signs_out_its_tokens_and_ends_its_sessions(
    django_capture_on_commit_callbacks,
):
    from stream.models import PlaybackSession, SessionStatus
    from stream.tests.factories import PlaybackSessionFactory

    account = UserFactory()
    doomed = ProfileFactory(account=account)
    kept = WatchHistoryFactory(user=account)
    WatchHistoryFactory(user=account, profile=doomed)
    DailyWatchTime.objects.create(user=account, profile=doomed, day="2026-12-01", watched_s=60)
    running = PlaybackSessionFactory(user=account, profile=doomed)
    parent_session = PlaybackSessionFactory(user=account)
    client, _ = signed_in(account)
    _, bound = AuthToken.objects.create(user=account)
    TokenProfile.objects.create(token=AuthToken.objects.exclude(pk=client_token_digest(client)).get(), profile=doomed)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"{base(account)}/{doomed.pk}")

    assert response.status_code == 204
    assert list(WatchHistory.objects.all()) == [kept]
    assert not DailyWatchTime.objects.filter(profile_id=doomed.pk).exists()
    assert AuthToken.objects.filter(user=account).count() == 1  # the caller's; the one bound to it is revoked
    assert PlaybackSession.objects.get(pk=running.pk).status == SessionStatus.ENDED
    assert PlaybackSession.objects.get(pk=running.pk).profile is None
    assert PlaybackSession.objects.get(pk=parent_session.pk).status == SessionStatus.ACTIVE


def client_token_digest(client: APIClient) -> str:
    from knox.crypto import hash_token

    return hash_token(client._credentials["HTTP_AUTHORIZATION"].split()[1])


def test_analytics_carry_the_profile_and_keep_its_events_without_it_once_deleted(django_capture_on_commit_callbacks):
    from analytics.models import Event

    account = UserFactory()
    kids = KidsProfileFactory(account=account)
    client, _ = signed_in(account)
    client.post(f"{base(account)}/{kids.pk}/select", {})
    event = {"id": "e1", "type": "page_view", "time": "2026-12-01T10:00:00Z", "properties": {"page": "home"}}
    assert client.post("/api/analytics/events", [event], format="json").status_code == 201
    assert Event.objects.get(client_id="e1").profile == kids

    parent, _ = signed_in(account)
    with django_capture_on_commit_callbacks(execute=True):
        assert parent.delete(f"{base(account)}/{kids.pk}").status_code == 204

    kept = Event.objects.get(client_id="e1")
    assert kept.user == account and kept.profile is None


def test_a_kids_profile_sees_and_ends_only_its_own_sessions():
    from stream.tests.factories import PlaybackSessionFactory

    account = UserFactory()
    kids = KidsProfileFactory(account=account)
    parents = PlaybackSessionFactory(user=account)
    own = PlaybackSessionFactory(user=account, profile=kids)
    client, _ = signed_in(account)
    client.post(f"{base(account)}/{kids.pk}/select", {})

    mine = [s["id"] for s in client.get("/api/stream/sessions/mine").json()]

    assert mine == [own.pk]
    assert client.get(f"/api/stream/sessions/{parents.pk}").status_code == 404
    assert client.delete(f"/api/stream/sessions/{parents.pk}").status_code == 404
    assert client.get(f"/api/stream/sessions/{own.pk}").status_code == 200
