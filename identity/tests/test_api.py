"""The identity API as a client uses it: accounts, preferences, history, continue-watching, controls."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from catalog.models import Maturity
from catalog.tests.factories import EpisodeFactory, GenreFactory, SeasonFactory, TitleFactory
from identity.models import ParentalControls, User, WatchHistory
from identity.tests.factories import (
    TEST_PASSWORD,
    ParentalControlsFactory,
    PreferencesFactory,
    UserFactory,
    WatchHistoryFactory,
)

pytestmark = pytest.mark.django_db

USERS = "/api/identity/users"


def client_for(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


# --- Accounts ----------------------------------------------------------------------------------------


def test_registration_creates_a_viewer_who_can_log_in(api_client):
    response = api_client.post(
        USERS,
        {
            "email": "New@Example.org",
            "password": "a-long-enough-secret-42",
            "display_name": "New",
            "country": "de",
            "time_zone": "Europe/Berlin",
        },
    )

    assert response.status_code == 202
    assert "password" not in response.json()
    login = api_client.post(
        "/api/identity/auth/login", {"email": "new@example.org", "password": "a-long-enough-secret-42"}
    )
    assert login.status_code == 200
    body = login.json()["user"]
    assert body["email"] == "new@example.org" and body["country"] == "DE" and body["time_zone"] == "Europe/Berlin"
    assert body["plan"] == "basic" and body["max_streams"] == 1 and body["display_name"] == "New"
    assert [message.subject for message in mail.outbox] == ["Welcome"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "x@example.org", "password": "123"}, "password"),
        ({"email": "x@example.org", "password": "password"}, "password"),
        ({"email": "x@example.org", "password": "44448888222211"}, "password"),
        ({"email": "not-an-email", "password": "a-long-enough-secret-42"}, "email"),
        ({"password": "a-long-enough-secret-42"}, "email"),
        ({"email": "x@example.org", "password": "a-long-enough-secret-42", "country": "USA"}, "country"),
        ({"email": "x@example.org", "password": "a-long-enough-secret-42", "time_zone": "Mars/Base"}, "time_zone"),
        ({"email": "x@example.org", "password": "a-long-enough-secret-42", "plan": "gold"}, "plan"),
    ],
)
def test_registration_rejects_bad_input(api_client, body, field):
    response = api_client.post(USERS, body)

    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.filter(email="x@example.org").exists()


def test_a_taken_email_gets_the_same_answer_as_a_new_one_and_its_owner_is_told(api_client, user):
    password = "a-long-enough-secret-42"

    taken = api_client.post(USERS, {"email": user.email.upper(), "password": password})
    new = api_client.post(USERS, {"email": "fresh@example.org", "password": password})

    assert taken.status_code == new.status_code == 202
    assert taken.json() == new.json()
    assert [(message.to, message.subject) for message in mail.outbox] == [
        ([user.email], "You already have an account"),
        (["fresh@example.org"], "Welcome"),
    ]
    user.refresh_from_db()
    assert user.check_password("correct-horse-battery-staple")  # the taken account is untouched
    intruder = api_client.post("/api/identity/auth/login", {"email": user.email, "password": password})
    assert intruder.status_code == 400


def test_bad_input_is_400_for_a_taken_email_too(api_client, user):
    taken = api_client.post(USERS, {"email": user.email, "password": "123"})
    new = api_client.post(USERS, {"email": "fresh@example.org", "password": "123"})

    assert taken.status_code == new.status_code == 400
    assert taken.json() == new.json() and "password" in taken.json()
    assert mail.outbox == []


def test_password_similar_to_email_is_rejected(api_client):
    response = api_client.post(USERS, {"email": "averyuniquename@example.org", "password": "averyuniquename"})

    assert response.status_code == 400 and "password" in response.json()


def test_me_returns_the_caller(user_client, user):
    response = user_client.get(f"{USERS}/me/")

    assert response.status_code == 200
    assert response.json()["email"] == user.email and response.json()["plan"] == "standard"


def test_staff_list_filters_and_searches(staff_client, django_assert_num_queries):
    UserFactory(email="anna@example.org", country="DE", plan="premium")
    UserFactory(email="bob@example.org", country="US", plan="basic")
    UserFactory(email="carla@example.org", country="DE", plan="basic")

    with django_assert_num_queries(4):  # the token and its user, the count, the page
        everyone = staff_client.get(USERS)
    german = staff_client.get(USERS, {"country": "de"}).json()
    basic_german = staff_client.get(USERS, {"country": "DE", "plan": "basic"}).json()
    by_email = staff_client.get(USERS, {"email": "bob@"}).json()
    searched = staff_client.get(USERS, {"search": "anna@example"}).json()

    assert everyone.status_code == 200 and everyone.json()["count"] == 4
    assert {row["email"] for row in german["results"]} == {"anna@example.org", "carla@example.org"}
    assert [row["email"] for row in basic_german["results"]] == ["carla@example.org"]
    assert [row["email"] for row in by_email["results"]] == ["bob@example.org"]
    assert [row["email"] for row in searched["results"]] == ["anna@example.org"]


@pytest.mark.parametrize("params", [{"plan": "gold"}, {"page": "99"}, {"country": "x" * 300}])
def test_staff_list_rejects_bad_params(staff_client, params):
    response = staff_client.get(USERS, params)

    assert response.status_code in (400, 404)
    assert "detail" in response.json() or set(params) & set(response.json())


def test_profile_update(user_client, user):
    response = user_client.patch(f"{USERS}/{user.pk}", {"display_name": "Me", "time_zone": "Asia/Tokyo"})

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.display_name == "Me" and user.time_zone == "Asia/Tokyo"
    assert user_client.patch(f"{USERS}/{user.pk}", {"time_zone": "Nowhere"}).status_code == 400


def test_profile_update_cannot_change_plan_or_staff(user_client, user):
    user_client.patch(f"{USERS}/{user.pk}", {"plan": "premium", "is_staff": True})

    user.refresh_from_db()
    assert user.plan == "standard" and not user.is_staff


# --- Preferences --------------------------------------------------------------------------------------


def test_preferences_default_then_put_then_patch(user_client, user):
    drama, comedy = GenreFactory(name="Drama"), GenreFactory(name="Comedy")
    url = f"{USERS}/{user.pk}/preferences"

    assert user_client.get(url).json()["favourite_genres"] == []
    put = user_client.put(
        url,
        {
            "favourite_genres": [drama.pk, comedy.pk],
            "audio_languages": ["EN", "de"],
            "subtitle_languages": ["fr"],
            "subtitles_enabled": True,
            "autoplay_next_episode": False,
            "autoplay_previews": False,
        },
    )
    patch = user_client.patch(url, {"favourite_genres": [comedy.pk]})

    assert put.status_code == 200
    assert put.json()["audio_languages"] == ["en", "de"] and put.json()["autoplay_next_episode"] is False
    assert patch.status_code == 200
    body = user_client.get(url).json()
    assert body["favourite_genres"] == [comedy.pk]
    assert body["subtitle_languages"] == ["fr"] and body["subtitles_enabled"] is True


def test_put_resets_what_it_omits(user_client, user):
    PreferencesFactory(user=user, subtitle_languages=["fr"], subtitles_enabled=True)

    response = user_client.put(f"{USERS}/{user.pk}/preferences/", {"audio_languages": ["es"]})

    assert response.status_code == 200
    assert response.json()["subtitle_languages"] == [] and response.json()["subtitles_enabled"] is False


@pytest.mark.parametrize(
    ("body", "field", "named"),
    [
        ({"favourite_genres": [999_999]}, "favourite_genres", "999999"),
        ({"favourite_genres": ["drama"]}, "favourite_genres", None),
        ({"audio_languages": ["xx"]}, "audio_languages", "xx"),
        ({"subtitle_languages": ["en", "klingon"]}, "subtitle_languages", "klingon"),
        ({"autoplay_previews": "sometimes"}, "autoplay_previews", None),
        ({"audio_languages": "en"}, "audio_languages", None),
    ],
)
def test_preferences_reject_unknown_values(user_client, user, body, field, named):
    response = user_client.patch(f"{USERS}/{user.pk}/preferences", body)

    assert response.status_code == 400
    assert field in response.json()
    if named:
        assert named in str(response.json()[field])


# --- Watch history --------------------------------------------------------------------------------------


def test_record_and_list_history(user_client, user, django_assert_num_queries):
    movie = TitleFactory(runtime_s=6000)
    episode = EpisodeFactory()
    show = episode.season.show
    url = f"{USERS}/{user.pk}/history"

    first = user_client.post(url, {"title": movie.pk, "position_s": 1500, "duration_s": 6000})
    second = user_client.post(url, {"title": show.pk, "episode": episode.pk, "position_s": 2600})

    assert first.status_code == 201 and first.json()["progress"] == 0.25
    assert second.json()["completed"] is True and second.json()["watch_count"] == 1
    assert second.json()["episode"]["id"] == episode.pk
    with django_assert_num_queries(5):  # the token and its user, the parental controls, the count, the page
        listed = user_client.get(url)
    assert [row["title"]["id"] for row in listed.json()["results"]] == [show.pk, movie.pk]


def test_history_filters(user_client, user):
    movie, old = TitleFactory(), TitleFactory()
    episode = EpisodeFactory()
    WatchHistoryFactory(user=user, title=movie)
    WatchHistoryFactory(user=user, title=episode.season.show, episode=episode, duration_s=2700, position_s=100)
    WatchHistoryFactory(user=user, title=old, last_watched_at=timezone.now() - dt.timedelta(days=30))
    url = f"{USERS}/{user.pk}/history"

    def ids(params):
        response = user_client.get(url, params)
        assert response.status_code == 200
        return [row["title"]["id"] for row in response.json()["results"]]

    assert ids({"kind": "show"}) == [episode.season.show.pk]
    assert ids({"title": old.pk}) == [old.pk]
    assert set(ids({"since": (timezone.now() - dt.timedelta(days=1)).isoformat()})) == {
        movie.pk,
        episode.season.show.pk,
    }
    assert ids({"date": (timezone.now() - dt.timedelta(days=30)).date().isoformat()}) == [old.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "song"},
        {"title": "x"},
        {"title": "-1.015e+222"},
        {"title": "99999999999999999999"},
        {"title": "1.5"},
        {"date": "yesterday"},
        {"since": "soon"},
    ],
)
def test_history_filters_reject_bad_values(user_client, user, params):
    response = user_client.get(f"{USERS}/{user.pk}/history", params)

    assert response.status_code == 400
    assert set(params) <= set(response.json())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": 999_999, "position_s": 10}, "title"),
        ({"position_s": 10}, "title"),
        ({"title": "TITLE", "position_s": 10}, "title"),
        ({"title": None, "position_s": 10}, "title"),
        ({"title": "movie", "position_s": -1}, "position_s"),
        ({"title": "movie", "position_s": 6001}, "position_s"),
        ({"title": "movie", "position_s": 10, "duration_s": 5}, "position_s"),
        ({"title": "movie", "position_s": 10, "duration_s": -5}, "duration_s"),
        ({"title": "movie", "position_s": "far"}, "position_s"),
        ({"title": "movie", "position_s": 10, "rating": 9}, "rating"),
        ({"title": "movie", "position_s": 10, "watched_at": "later"}, "watched_at"),
        ({"title": "movie", "position_s": 10, "watched_at": "2999-01-01T00:00:00Z"}, "watched_at"),
        ({"title": "movie", "episode": "other", "position_s": 10}, "episode"),
        ({"title": "show", "episode": 999_999, "position_s": 10}, "episode"),
        ({"title": "show", "episode": "other", "position_s": 10}, "episode"),
        ({"title": "movie", "episode": "own", "position_s": 10}, "episode"),
        ({"title": "hidden", "position_s": 10}, "title"),
    ],
)
def test_history_rejects_bad_input(user_client, user, body, field):
    movie = TitleFactory(runtime_s=6000)
    own = EpisodeFactory()
    other = EpisodeFactory()
    hidden = TitleFactory(regions=["FR"])
    names = {"movie": movie.pk, "show": own.season.show.pk, "hidden": hidden.pk, "own": own.pk, "other": other.pk}
    body = {key: names.get(value, value) if isinstance(value, str) else value for key, value in body.items()}

    response = user_client.post(f"{USERS}/{user.pk}/history", body)

    assert response.status_code == 400
    assert field in response.json()
    assert not WatchHistory.objects.exists()


def test_delete_one_entry_and_clear_before_a_date(user_client, user):
    now = timezone.now()
    recent = WatchHistoryFactory(user=user, last_watched_at=now)
    old = WatchHistoryFactory(user=user, last_watched_at=now - dt.timedelta(days=40))
    older = WatchHistoryFactory(user=user, last_watched_at=now - dt.timedelta(days=50))
    other = WatchHistoryFactory(last_watched_at=now - dt.timedelta(days=50))
    url = f"{USERS}/{user.pk}/history"

    assert user_client.delete(f"{url}/{older.pk}").status_code == 204
    assert user_client.delete(f"{url}/{older.pk}/").status_code == 404
    assert user_client.delete(f"{url}/{other.pk}/").status_code == 404
    cleared = user_client.delete(f"{url}?before={(now - dt.timedelta(days=30)).date().isoformat()}")

    assert cleared.status_code == 200 and cleared.json() == {"deleted": 1}
    assert list(WatchHistory.objects.filter(user=user)) == [recent]
    assert WatchHistory.objects.filter(pk=other.pk).exists()
    assert not WatchHistory.objects.filter(pk=old.pk).exists()
    assert user_client.delete(f"{url}?before=last-week").status_code == 400
    assert user_client.delete(url).json() == {"deleted": 1}


def test_continue_watching_resume_next_up_and_remove(user_client, user, django_assert_num_queries):
    season = SeasonFactory(number=1)
    first = EpisodeFactory(season=season, number=1)
    second = EpisodeFactory(season=season, number=2)
    show = season.show
    movie, done = TitleFactory(), TitleFactory()
    now = timezone.now()
    WatchHistoryFactory(user=user, title=movie, last_watched_at=now - dt.timedelta(hours=2))
    WatchHistoryFactory(user=user, title=done, position_s=0, completed=True, watch_count=1)
    WatchHistoryFactory(
        user=user,
        title=show,
        episode=first,
        position_s=0,
        completed=True,
        watch_count=1,
        duration_s=2700,
        last_watched_at=now,
    )
    url = f"{USERS}/{user.pk}/continue-watching"

    with django_assert_num_queries(6):  # token, its user, controls, entries, their visibility, the shows' episodes
        response = user_client.get(url)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["title"]["id"] for row in rows] == [show.pk, movie.pk]
    assert rows[0]["next_up"]["id"] == second.pk and rows[0]["episode"] is None
    assert rows[1]["position_s"] == 3000 and rows[1]["progress"] == 0.5

    assert user_client.delete(f"{url}/{movie.pk}").status_code == 204
    assert [row["title"]["id"] for row in user_client.get(url).json()["results"]] == [show.pk]
    assert WatchHistory.objects.filter(user=user, title=movie).exists()
    assert user_client.delete(f"{url}/{TitleFactory().pk}/").status_code == 404
    # Watching it again brings it back.
    user_client.post(f"{USERS}/{user.pk}/history", {"title": movie.pk, "position_s": 3500})
    assert [row["title"]["id"] for row in user_client.get(url).json()["results"]] == [movie.pk, show.pk]


def test_removing_an_unknown_title_from_continue_watching_is_404(user_client, user):
    url = f"{USERS}/{user.pk}/continue-watching"

    for title_id in (999_999, 99_999_999_999_999_999_999):
        response = user_client.delete(f"{url}/{title_id}")

        assert response.status_code == 404
        assert response.json()["detail"]


# --- Parental controls ---------------------------------------------------------------------------------


def test_controls_defaults_and_update(user_client, user):
    violence = GenreFactory(name="Violence")
    url = f"{USERS}/{user.pk}/controls"

    assert user_client.get(url).json() == {
        "max_maturity": None,
        "block_unrated": False,
        "blocked_genres": [],
        "viewing_days": [0, 1, 2, 3, 4, 5, 6],
        "viewing_start": None,
        "viewing_end": None,
        "daily_limit_minutes": None,
        "has_pin": False,
    }
    response = user_client.put(
        url,
        {
            "max_maturity": "TV-14",
            "block_unrated": True,
            "blocked_genres": [violence.pk],
            "viewing_days": [5, 6],
            "viewing_start": "08:00",
            "viewing_end": "20:30",
            "daily_limit_minutes": 90,
        },
    )

    assert response.status_code == 200
    assert response.json()["max_maturity"] == "PG-13" and response.json()["viewing_end"] == "20:30:00"
    controls = ParentalControls.objects.get(user=user)
    assert controls.max_maturity == Maturity.PG_13 and list(controls.blocked_genres.all()) == [violence]
    assert user_client.patch(url, {"daily_limit_minutes": None}).json()["daily_limit_minutes"] is None
    assert user_client.get(url).json()["viewing_days"] == [5, 6]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"max_maturity": "X"}, "max_maturity"),
        ({"blocked_genres": [999_999]}, "blocked_genres"),
        ({"viewing_days": [7]}, "viewing_days"),
        ({"viewing_start": "25:00", "viewing_end": "10:00"}, "viewing_start"),
        ({"viewing_start": "08:00"}, "viewing_end"),
        ({"daily_limit_minutes": 0}, "daily_limit_minutes"),
        ({"daily_limit_minutes": "lots"}, "daily_limit_minutes"),
        ({"block_unrated": "perhaps"}, "block_unrated"),
    ],
)
def test_controls_reject_bad_input(user_client, user, body, field):
    response = user_client.patch(f"{USERS}/{user.pk}/controls", body)

    assert response.status_code == 400
    assert field in response.json()


def test_pin_protects_changes(user_client, user):
    url = f"{USERS}/{user.pk}/controls"
    assert user_client.post(f"{url}/pin", {"pin": "12a4"}).status_code == 400
    assert user_client.post(f"{url}/pin", {"pin": "4321"}).status_code == 204
    controls = ParentalControls.objects.get(user=user)
    assert controls.pin_hash and "4321" not in controls.pin_hash

    without = user_client.patch(url, {"max_maturity": "R"})
    wrong = user_client.patch(url, {"max_maturity": "R", "pin": "0000"})
    right = user_client.patch(url, {"max_maturity": "R", "pin": "4321"})

    assert without.status_code == wrong.status_code == 403
    assert right.status_code == 200 and right.json()["has_pin"] is True
    assert user_client.post(f"{url}/pin", {"pin": "1111"}).status_code == 403
    assert user_client.post(f"{url}/pin", {"pin": "1111", "current_pin": "4321"}).status_code == 204
    assert user_client.post(f"{url}/pin/verify", {"pin": "1111"}).status_code == 204
    assert user_client.post(f"{url}/pin/verify", {"pin": "4321"}).status_code == 403
    assert user_client.delete(f"{url}/pin", {"pin": "1111"}).status_code == 204
    assert user_client.patch(url, {"max_maturity": "G"}).status_code == 200


def test_wrong_pins_are_throttled(user_client, user, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "pin": "3/min"})
    ParentalControlsFactory(user=user, pin="2468")
    url = f"{USERS}/{user.pk}/controls/pin/verify"

    statuses = [user_client.post(url, {"pin": "0000"}).status_code for _ in range(3)]
    right_but_throttled = user_client.post(url, {"pin": "2468"})

    assert statuses == [403, 403, 403]
    assert right_but_throttled.status_code == 429
    assert user_client.get(f"{USERS}/{user.pk}/controls").status_code == 200


@pytest.mark.parametrize(
    ("path", "method", "field"),
    [
        ("preferences", "PUT", "favourite_genres"),
        ("controls", "PUT", "max_maturity"),
        ("controls/pin", "POST", "current_pin"),
        ("controls/pin/verify", "POST", "pin"),
    ],
)
def test_options_describe_the_form_and_never_fail(user_client, user, path, method, field):
    other = UserFactory()

    own = user_client.options(f"{USERS}/{user.pk}/{path}")
    others = user_client.options(f"{USERS}/{other.pk}/{path}")
    missing = user_client.options(f"{USERS}/0/{path}")
    staff_on_other = client_for(UserFactory(is_staff=True)).options(f"{USERS}/{other.pk}/{path}")

    assert own.status_code == 200
    assert field in own.json()["actions"][method]
    for response in (others, missing, staff_on_other):
        assert response.status_code == 200
        assert response.json()["name"]
        if method == "PUT":
            # Changing another viewer's settings is refused, so their form is not described either.
            assert "actions" not in response.json()


def test_viewing_allowed_endpoint(user_client, user):
    ParentalControlsFactory(user=user, viewing_days=[])

    body = user_client.get(f"{USERS}/{user.pk}/viewing-allowed").json()

    assert body["allowed"] is False and body["reason"].startswith("Viewing is not allowed on")


def test_controls_take_effect_everywhere_in_the_catalog(user_client, user):
    horror = GenreFactory(name="Horror")
    family = TitleFactory(title="Family Picnic", maturity_rating=Maturity.G)
    adult = TitleFactory(title="Adult Picnic", maturity_rating=Maturity.R)
    scary = TitleFactory(title="Scary Picnic", maturity_rating=Maturity.PG, genres=[horror])
    for title in (family, adult, scary):
        WatchHistoryFactory(user=user, title=title)
    before = {row["id"] for row in client_for(UserFactory()).get("/api/catalog/movies/").json()["results"]}
    assert before == {family.pk, adult.pk, scary.pk}

    assert (
        user_client.put(
            f"{USERS}/{user.pk}/controls", {"max_maturity": "PG-13", "blocked_genres": [horror.pk]}
        ).status_code
        == 200
    )
    fresh = client_for(User.objects.get(pk=user.pk))

    movies = {row["id"] for row in fresh.get("/api/catalog/movies/").json()["results"]}
    continue_watching = fresh.get(f"{USERS}/{user.pk}/continue-watching").json()["results"]
    search = fresh.get("/api/catalog/search/", {"q": "picnic"})
    assert movies == {family.pk}
    assert fresh.get(f"/api/catalog/movies/{family.pk}/").status_code == 200
    assert fresh.get(f"/api/catalog/movies/{adult.pk}/").status_code == 404
    assert fresh.get(f"/api/catalog/movies/{scary.pk}/").status_code == 404
    assert [row["title"]["id"] for row in continue_watching] == [family.pk]
    assert search.status_code == 200
    assert {row["id"] for row in search.json()["results"]} == {family.pk}
    assert fresh.post(f"{USERS}/{user.pk}/history", {"title": adult.pk, "position_s": 10}).status_code == 400


def test_unrated_titles_can_be_blocked(user_client, user):
    unrated = TitleFactory(maturity_rating=None)
    rated = TitleFactory(maturity_rating=Maturity.PG)
    ParentalControlsFactory(user=user, block_unrated=True)

    movies = {row["id"] for row in user_client.get("/api/catalog/movies/").json()["results"]}

    assert movies == {rated.pk}
    assert user_client.get(f"/api/catalog/movies/{unrated.pk}/").status_code == 404


def test_staff_password_login_is_not_exposed(staff_client, user):
    body = staff_client.get(f"{USERS}/{user.pk}").json()

    assert "password" not in body and TEST_PASSWORD not in str(body)


def test_history_and_login_reach_analytics(api_client, user, django_capture_on_commit_callbacks):
    from analytics.models import Event

    with django_capture_on_commit_callbacks(execute=True):
        token = api_client.post("/api/identity/auth/login", {"email": user.email, "password": TEST_PASSWORD}).json()
    client = client_for(user)
    title = TitleFactory()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{USERS}/{user.pk}/history", {"title": title.pk, "position_s": 1200})

    assert token["token"]
    assert Event.objects.filter(type="login", user=user).count() == 1
    event = Event.objects.get(type="history_update", user=user)
    assert event.title_id == title.pk and event.properties["position_s"] == 1200


def test_controls_take_effect_on_stream_start_and_recommendations(user_client, user):
    from stream.tests.factories import CdnFactory

    CdnFactory()
    family = TitleFactory(maturity_rating=Maturity.G, popularity=1.0)
    adult = TitleFactory(maturity_rating=Maturity.R, popularity=50.0)
    device = {"type": "tv", "id": "living-room"}
    assert user_client.put(f"{USERS}/{user.pk}/controls", {"max_maturity": "PG"}).status_code == 200
    fresh = client_for(User.objects.get(pk=user.pk))

    refused = fresh.post("/api/stream/sessions", {"title": adult.pk, "device": device}, format="json")
    allowed = fresh.post("/api/stream/sessions", {"title": family.pk, "device": device}, format="json")
    recommended = fresh.get(f"/api/recommend/users/{user.pk}", {"limit": 100})

    assert refused.status_code == 404
    assert allowed.status_code == 201
    assert recommended.status_code == 200
    listed = {item["title"]["id"] for item in recommended.json()["results"]}
    assert adult.pk not in listed and family.pk in listed
