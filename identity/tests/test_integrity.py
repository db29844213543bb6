"""Rules that hold whatever a client sends: PIN-guarded time zones, PIN lock, registration, plans, regions."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from catalog.models import Availability
from catalog.tests.factories import EpisodeFactory, ShowFactory, TitleFactory
from identity.models import DailyWatchTime, ParentalControls, User, WatchHistory
from identity.tests.factories import TEST_PASSWORD, ParentalControlsFactory, UserFactory, main_profile

pytestmark = pytest.mark.django_db

USERS = "/api/identity/users"
NEW_ACCOUNT = {"email": "new@example.org", "password": "a-long-Unusual-pass-42"}


def client_for(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def rates(monkeypatch):
    def set_rates(**overrides):
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **overrides})

    return set_rates


# --- The time zone is a parental control --------------------------------------------------------------


@pytest.fixture
def kid(db):
    kid = UserFactory(email="kid@example.org", time_zone="UTC")
    # Allowed for one hour that is now in Tokyo, so not now in UTC.
    tokyo_hour = (timezone.now().hour + 9) % 24
    ParentalControlsFactory(
        user=kid, pin="1234", viewing_start=dt.time(tokyo_hour), viewing_end=dt.time((tokyo_hour + 1) % 24)
    )
    return kid


def viewing_allowed(client, user) -> bool:
    return client.get(f"{USERS}/{user.pk}/viewing-allowed").json()["allowed"]


def test_a_kid_cannot_move_the_account_into_its_viewing_hours_without_the_pin(kid):
    client = client_for(kid)
    assert not viewing_allowed(client, kid)

    response = client.patch(f"{USERS}/{kid.pk}", {"time_zone": "Asia/Tokyo"})

    assert response.status_code == 403 and response.json()["detail"] == "The PIN is wrong or missing."
    kid.refresh_from_db()
    assert kid.time_zone == "UTC"
    assert not viewing_allowed(client, kid)


def test_stream_start_stays_refused_outside_the_hours_whatever_time_zone_the_kid_sends(kid):
    from stream.tests.factories import CdnFactory

    CdnFactory(name="cdn-us", regions=["US"])
    movie = TitleFactory(runtime_s=6000)
    client = client_for(kid)
    start = {"title": movie.pk, "device": {"type": "web", "id": "laptop"}}
    assert client.post("/api/stream/sessions", start, format="json").status_code == 403

    client.patch(f"{USERS}/{kid.pk}", {"time_zone": "Asia/Tokyo"})
    after_the_attempt = client.post("/api/stream/sessions", start, format="json")
    client.patch(f"{USERS}/{kid.pk}", {"time_zone": "Asia/Tokyo", "pin": "1234"})
    after_the_parent = client.post("/api/stream/sessions", start, format="json")

    assert after_the_attempt.status_code == 403
    assert after_the_parent.status_code == 201


def test_a_kid_cannot_skip_to_tomorrow_past_the_daily_limit(db):
    kid = UserFactory(time_zone="UTC")
    ParentalControlsFactory(user=kid, pin="1234", daily_limit_minutes=60)
    DailyWatchTime.objects.create(user=kid, profile=main_profile(kid), day=timezone.now().date(), watched_s=3600)
    client = client_for(kid)

    response = client.patch(f"{USERS}/{kid.pk}", {"time_zone": "Pacific/Kiritimati", "pin": "9999"})

    assert response.status_code == 403
    assert not viewing_allowed(client, kid)


def test_the_parent_changes_the_time_zone_with_the_pin(kid):
    client = client_for(kid)

    response = client.patch(f"{USERS}/{kid.pk}", {"time_zone": "Asia/Tokyo", "pin": "1234"})

    assert response.status_code == 200 and response.json()["time_zone"] == "Asia/Tokyo"
    assert "pin" not in response.json()
    # The name alone, or the same time zone again, needs no PIN.
    assert client.patch(f"{USERS}/{kid.pk}", {"display_name": "K", "time_zone": "Asia/Tokyo"}).status_code == 200


def test_accounts_without_a_pin_change_their_time_zone_freely(user_client, user):
    assert user_client.patch(f"{USERS}/{user.pk}", {"time_zone": "Asia/Tokyo"}).status_code == 200


# --- The PIN locks ------------------------------------------------------------------------------------


@override_settings(IDENTITY_PIN_LOCKOUT_FAILURES=3)
def test_the_pin_locks_after_a_few_wrong_ones_and_only_the_account_password_unlocks_it(rates):
    rates(pin="1000/min")
    viewer = UserFactory()
    ParentalControlsFactory(user=viewer, pin="2468")
    client = client_for(viewer)
    verify = f"{USERS}/{viewer.pk}/controls/pin/verify"
    unlock = f"{USERS}/{viewer.pk}/controls/pin/unlock"

    wrong = [client.post(verify, {"pin": pin}).status_code for pin in ("0000", "0001", "0002")]
    right_but_locked = client.post(verify, {"pin": "2468"})
    controls_locked = client.patch(f"{USERS}/{viewer.pk}/controls", {"max_maturity": "R", "pin": "2468"})
    time_zone_locked = client.patch(f"{USERS}/{viewer.pk}", {"time_zone": "Asia/Tokyo", "pin": "2468"})
    wrong_password = client.post(unlock, {"password": "not-it"})

    assert wrong == [403, 403, 403]
    for response in (right_but_locked, controls_locked, time_zone_locked):
        assert response.status_code == 403 and "locked" in response.json()["detail"]
    assert wrong_password.status_code == 403
    assert client.post(verify, {"pin": "2468"}).status_code == 403

    assert client.post(unlock, {"password": TEST_PASSWORD}).status_code == 204
    assert client.post(verify, {"pin": "2468"}).status_code == 204
    assert ParentalControls.objects.get(user=viewer).pin_failures == 0


@override_settings(IDENTITY_PIN_LOCKOUT_FAILURES=3)
def test_a_right_pin_resets_the_count(rates):
    rates(pin="1000/min")
    viewer = UserFactory()
    ParentalControlsFactory(user=viewer, pin="2468")
    client = client_for(viewer)
    verify = f"{USERS}/{viewer.pk}/controls/pin/verify"

    answers = [client.post(verify, {"pin": pin}).status_code for pin in ("0000", "0001", "2468", "0002", "0003")]

    assert answers == [403, 403, 204, 403, 403]


def test_the_pin_throttle_answers_foreign_and_unknown_accounts_alike(rates):
    rates(pin="2/min")
    owner, stranger = UserFactory(), UserFactory()
    ParentalControlsFactory(user=owner, pin="2468")
    for pin in ("0000", "0001"):
        client_for(owner).post(f"{USERS}/{owner.pk}/controls/pin/verify", {"pin": pin})
    guesser = client_for(stranger)

    foreign = guesser.post(f"{USERS}/{owner.pk}/controls/pin/verify", {"pin": "1111"})
    unknown = guesser.post(f"{USERS}/{owner.pk + 1000}/controls/pin/verify", {"pin": "1111"})

    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    assert client_for(owner).post(f"{USERS}/{owner.pk}/controls/pin/verify", {"pin": "2468"}).status_code == 429


# --- Registration ---------------------------------------------------------------------------------------


def test_registration_is_throttled_per_address(api_client, rates):
    rates(register_address="3/hour")

    answers = [api_client.post(USERS, {**NEW_ACCOUNT, "email": f"n{n}@example.org"}).status_code for n in range(5)]
    elsewhere = api_client.post(USERS, {**NEW_ACCOUNT, "email": "far@example.org"}, REMOTE_ADDR="10.3.0.1")

    assert answers == [202, 202, 202, 429, 429]
    assert elsewhere.status_code == 202


def test_a_taken_email_costs_the_same_password_hash_as_a_new_one(api_client, user, monkeypatch):
    from django.contrib.auth.hashers import get_hasher

    hasher = type(get_hasher())
    hashed = []
    encode = hasher.encode
    monkeypatch.setattr(hasher, "encode", lambda self, raw, salt: hashed.append(raw) or encode(self, raw, salt))

    api_client.post(USERS, {"email": user.email.upper(), "password": "a-long-Unusual-pass-42"})
    api_client.post(USERS, {"email": "brand-new@example.org", "password": "a-long-Unusual-pass-43"})

    assert hashed == ["a-long-Unusual-pass-42", "a-long-Unusual-pass-43"]


def test_a_taken_email_is_not_announced_as_an_existing_account(api_client, user):
    taken = api_client.post(USERS, {"email": user.email, "password": "a-long-Unusual-pass-42"})
    new = api_client.post(USERS, {"email": "someone-new@example.org", "password": "a-long-Unusual-pass-42"})

    assert taken.status_code == new.status_code == 202
    assert taken.content == new.content
    assert {key: value for key, value in taken.items() if key != "Date"} == {
        key: value for key, value in new.items() if key != "Date"
    }


# --- Plans and regions ------------------------------------------------------------------------------


def test_a_new_account_cannot_give_itself_a_plan(api_client):
    response = api_client.post(USERS, {**NEW_ACCOUNT, "plan": "premium"})

    assert response.status_code == 400
    assert "plan" in response.json() and "staff" in response.json()["plan"][0]
    assert not User.objects.filter(email=NEW_ACCOUNT["email"]).exists()


@pytest.mark.parametrize(("setting", "plan", "streams"), [("basic", "basic", 1), ("standard", "standard", 2)])
def test_new_accounts_start_on_the_default_plan(api_client, settings, setting, plan, streams):
    settings.IDENTITY_DEFAULT_PLAN = setting

    assert api_client.post(USERS, NEW_ACCOUNT).status_code == 202

    account = User.objects.get(email=NEW_ACCOUNT["email"])
    assert account.plan == plan and account.max_streams == streams


def test_staff_change_plans_through_the_billing_hook(staff_client, user):
    response = staff_client.put(f"{USERS}/{user.pk}/plan", {"plan": "premium"})

    assert response.status_code == 200
    assert response.json()["plan"] == "premium" and response.json()["max_height"] == 2160
    assert staff_client.put(f"{USERS}/{user.pk}/plan", {"plan": "gold"}).status_code == 400


def test_viewers_cannot_change_their_own_plan(user_client, user):
    via_hook = user_client.put(f"{USERS}/{user.pk}/plan", {"plan": "premium"})
    via_profile = user_client.patch(f"{USERS}/{user.pk}", {"plan": "premium"})

    assert via_hook.status_code == 403 and via_profile.status_code == 400
    user.refresh_from_db()
    assert user.plan == "standard"


@pytest.mark.parametrize("country", ["XX", "ZZ", "AA", "uk", "D3", "DEU", ""])
def test_registration_refuses_codes_that_are_not_countries(api_client, country):
    response = api_client.post(USERS, {**NEW_ACCOUNT, "country": country})

    assert response.status_code == 400 and "country" in response.json()


def test_registration_upper_cases_the_country(api_client):
    assert api_client.post(USERS, {**NEW_ACCOUNT, "country": "de"}).status_code == 202

    assert User.objects.get(email=NEW_ACCOUNT["email"]).country == "DE"


@pytest.mark.parametrize("path", ["/api/catalog/movies/", "/api/catalog/search/?q=x&", "/api/catalog/movies/{id}/"])
@pytest.mark.parametrize("region", ["XX", "ZZ", "12"])
def test_the_region_parameter_takes_only_country_codes(api_client, path, region):
    title = TitleFactory(regions=["DE"])
    separator = "&" if "?" in path else "?"
    url = path.format(id=title.pk).rstrip("&") + f"{separator}region={region}"

    response = api_client.get(url)

    assert response.status_code == 400 and "region" in response.json()


def test_the_region_parameter_is_upper_cased_on_detail_pages(api_client):
    title = TitleFactory(regions=["DE"])

    assert api_client.get(f"/api/catalog/movies/{title.pk}/?region=de").status_code == 200


def test_the_staff_account_list_filters_by_country_codes_only(staff_client):
    UserFactory(country="DE")

    assert staff_client.get(USERS, {"country": "de"}).json()["count"] == 1
    assert staff_client.get(USERS, {"country": "XX"}).status_code == 400


def test_availability_windows_take_only_country_codes():
    title = TitleFactory(regions=[])
    lower = Availability(title=title, region="de", starts_at=timezone.now())
    lower.full_clean()
    lower.save()

    assert Availability.objects.get(pk=lower.pk).region == "DE"
    for region in ("XX", "ZZ"):
        with pytest.raises(ValidationError):
            Availability(title=title, region=region, starts_at=timezone.now()).full_clean()


# --- The profile refuses what it does not take ------------------------------------------------------


@pytest.mark.parametrize("field", ["country", "email", "is_staff", "max_streams", "favourite_colour"])
def test_profile_updates_refuse_fields_they_do_not_take(user_client, user, field):
    response = user_client.patch(f"{USERS}/{user.pk}", {field: "DE", "display_name": "Changed"})

    assert response.status_code == 400
    assert list(response.json()) == [field]
    user.refresh_from_db()
    assert user.country == "US" and user.display_name != "Changed"


# --- History of a show names the episode -------------------------------------------------------------


def test_history_for_a_show_requires_an_episode(user_client, user):
    show = ShowFactory()
    episode = EpisodeFactory(season__show=show)
    url = f"{USERS}/{user.pk}/history"

    without = user_client.post(url, {"title": show.pk, "position_s": 600})
    with_episode = user_client.post(url, {"title": show.pk, "episode": episode.pk, "position_s": 60})

    assert without.status_code == 400 and "episode" in without.json()
    assert with_episode.status_code == 201
    assert not WatchHistory.objects.filter(user=user, episode__isnull=True).exists()
