"""A scripted journey over the API (anonymous, viewer, staff; answers and errors), each real response validated
against the OpenAPI schema with openapi-core, as a client generated from /api/schema/ would read it."""

import re
from urllib.parse import urlencode, urlsplit

import pytest
from django.core.cache import cache
from drf_spectacular.generators import SchemaGenerator
from knox.models import AuthToken
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from rest_framework.test import APIClient

from catalog.tests.factories import ShowFactory, TitleFactory
from identity.tests.factories import ParentalControlsFactory, UserFactory
from stream.tests.factories import CdnFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-viewer-password-42"


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations_of(schema: dict) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in schema["paths"].items() for method in item}


def operation_of(schema: dict, method: str, path: str) -> tuple[str, str] | None:
    """The documented operation a request reached (its path template), trailing slash optional."""
    # Literal paths first: /users/me/ is not /users/{id}/.
    for template, item in sorted(schema["paths"].items(), key=lambda pair: pair[0].count("{")):
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template.rstrip("/"))) + "/?$"
        if method.lower() in item and re.match(pattern, path):
            return (method, template)
    return None


@pytest.fixture(scope="module")
def openapi(schema):
    # Text bodies (CSV reports, HLS playlists) are read as text, as a generated client reads them.
    def as_text(body: bytes, charset: str = "utf-8", **parameters) -> str:
        return body.decode(charset)

    text = {media_type: as_text for media_type in ("text/csv", "application/vnd.apple.mpegurl", "text/plain")}
    config = Config(extra_media_type_deserializers=text)
    return OpenAPI.from_dict(schema, config=config)


class Journey:
    """Sends requests and validates each answer against the schema; remembers what it checked."""

    def __init__(self, openapi):
        self.openapi, self.checked = openapi, []

    def __call__(self, client, method, path, data=None, expect=None, **extra):
        if method in ("post", "put", "patch") and "content_type" not in extra:
            extra["format"] = "json"
        response = getattr(client, method)(path, data, **extra)
        if expect is not None:
            assert response.status_code == expect, (method, path, response.status_code, response.content[:300])
        self.openapi.validate_response(DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response))
        self.checked.append((method.upper(), urlsplit(path).path, response.status_code))
        return response


@pytest.fixture(autouse=True)
def fresh_cache():
    # Cached list pages and throttle counts of earlier tests would answer for rows this test does not have.
    cache.clear()
    yield
    cache.clear()


def bearer(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AuthToken.objects.create(user=user)[1]}")
    return client


def test_every_answer_of_the_journey_matches_the_schema(openapi, schema):
    call = Journey(openapi)
    movie = TitleFactory(runtime_s=6000)
    show = ShowFactory()
    CdnFactory(name="cdn-us", regions=["US"])
    viewer = UserFactory()
    viewer.set_password(PASSWORD)
    viewer.save()
    other = UserFactory()
    staff = UserFactory(is_staff=True)
    anonymous, viewer_client, staff_client, other_client = APIClient(), bearer(viewer), bearer(staff), bearer(other)

    # Anyone.
    for service in ("catalog", "identity", "stream", "analytics", "recommend"):
        call(anonymous, "get", f"/api/{service}/status/", expect=200)
    call(anonymous, "get", "/api/catalog/movies/", expect=200)
    call(anonymous, "get", f"/api/catalog/movies/{movie.pk}/", expect=200)
    call(anonymous, "get", "/api/catalog/movies/999999/", expect=404)
    call(anonymous, "get", "/api/catalog/search/", {"q": "title"}, expect=200)
    call(anonymous, "get", "/api/stream/cdn/status/", expect=200)
    call(anonymous, "get", "/api/stream/sessions/", expect=401)
    call(anonymous, "post", "/api/stream/sessions/", {"title": movie.pk}, expect=401)
    call(anonymous, "post", "/api/identity/auth/login/", {"email": viewer.email, "password": "wrong"})
    login = call(anonymous, "post", "/api/identity/auth/login/", {"email": viewer.email, "password": PASSWORD})
    assert login.status_code == 200

    # A viewer watches a movie.
    call(viewer_client, "get", "/api/identity/users/me/", expect=200)
    call(viewer_client, "get", f"/api/identity/users/{viewer.pk}/controls/", expect=200)
    call(viewer_client, "get", f"/api/identity/users/{viewer.pk}/viewing-allowed/", expect=200)
    call(viewer_client, "post", "/api/stream/sessions/", {"title": movie.pk}, expect=400)
    call(
        viewer_client,
        "post",
        "/api/stream/sessions/",
        {"title": 999999, "device": {"type": "web", "id": "x"}},
        expect=404,
    )
    started = call(
        viewer_client,
        "post",
        "/api/stream/sessions/",
        {"title": movie.pk, "device": {"type": "web", "id": "laptop"}},
        expect=201,
    ).json()
    session_path = f"/api/stream/sessions/{started['id']}/"
    detail = call(viewer_client, "get", session_path, expect=200).json()
    assert detail["end_reason"] is None and detail["manifest_url"]
    call(viewer_client, "put", session_path, {"sequence": 1, "state": "playing", "position_s": 10}, expect=200)
    call(viewer_client, "put", session_path, {"sequence": 2, "position_s": -1}, expect=400)
    call(viewer_client, "put", f"{session_path}?{urlencode({'CMCD': 'bl=21300,br=2000,mtp=48100'})}", expect=200)
    call(other_client, "put", session_path, {"sequence": 9}, expect=404)
    call(staff_client, "get", session_path, expect=200)
    manifest = call(anonymous, "get", started["manifest_url"], expect=200)
    steering_uri = manifest.content.decode().split('SERVER-URI="')[1].split('"')[0]
    call(anonymous, "get", f"{steering_uri}&_HLS_pathway=cdn-us&_HLS_throughput=5400000", expect=200)
    call(anonymous, "get", urlsplit(started["manifest_url"]).path, expect=403)
    call(
        anonymous,
        "post",
        started["reporting_url"],
        "sn=5,sta=p,pb=(2000),v=2",
        content_type="application/cmcd",
        expect=204,
    )
    call(anonymous, "post", started["reporting_url"], "<x/>", content_type="application/xml", expect=415)
    call(anonymous, "get", f"{started['reporting_url']}&{urlencode({'CMCD': 'sn=7,sta=p,bl=(9000),v=2'})}", expect=204)
    call(viewer_client, "get", "/api/stream/sessions/", expect=403)
    call(staff_client, "get", "/api/stream/sessions/", expect=200)
    call(viewer_client, "get", "/api/stream/sessions/mine/", expect=200)
    call(viewer_client, "delete", session_path, expect=200)
    # A closing page ends its session with a beacon to the signed end URL.
    beaconed = call(
        viewer_client,
        "post",
        "/api/stream/sessions/",
        {"title": movie.pk, "device": {"type": "tv", "id": "living-room"}},
        expect=201,
    ).json()
    call(anonymous, "post", beaconed["end_url"], expect=204)
    call(viewer_client, "put", session_path, {"sequence": 10}, expect=409)
    call(anonymous, "get", started["manifest_url"], expect=410)
    call(anonymous, "get", steering_uri, expect=410)
    call(anonymous, "post", started["reporting_url"], "sn=6,sta=p", content_type="application/cmcd", expect=410)
    call(viewer_client, "get", f"/api/identity/users/{viewer.pk}/history/", expect=200)

    # The rest of a viewer's account.
    me = f"/api/identity/users/{viewer.pk}"
    call(anonymous, "post", "/api/identity/users/", {"email": "new@example.org", "password": PASSWORD}, expect=202)
    call(anonymous, "post", "/api/identity/users/", {"email": "not-an-email", "password": PASSWORD}, expect=400)
    call(viewer_client, "get", f"{me}/", expect=200)
    call(viewer_client, "patch", f"{me}/", {"display_name": "Vee"}, expect=200)
    call(viewer_client, "patch", "/api/identity/users/me/", {"display_name": "Vee"}, expect=200)
    call(viewer_client, "get", "/api/identity/users/me/preferences/", expect=200)
    call(viewer_client, "get", f"/api/identity/users/{other.pk}/", expect=404)
    call(staff_client, "get", "/api/identity/users/", expect=200)
    call(viewer_client, "get", f"{me}/preferences/", expect=200)
    call(viewer_client, "put", f"{me}/preferences/", {"subtitles_enabled": True}, expect=200)
    call(viewer_client, "patch", f"{me}/preferences/", {"autoplay_previews": False}, expect=200)
    entry = call(viewer_client, "post", f"{me}/history/", {"title": movie.pk, "position_s": 1200.0}, expect=201)
    call(viewer_client, "post", f"{me}/history/", {"title": movie.pk}, expect=400)
    call(viewer_client, "get", f"{me}/history/{entry.json()['id']}/", expect=200)
    call(viewer_client, "get", f"{me}/continue-watching/", expect=200)
    call(viewer_client, "delete", f"{me}/continue-watching/{movie.pk}/", expect=204)
    call(viewer_client, "delete", f"{me}/history/{entry.json()['id']}/", expect=204)
    call(viewer_client, "delete", f"{me}/history/", expect=200)
    hours = {"daily_limit_minutes": 120, "viewing_start": "07:00", "viewing_end": "21:00"}
    call(viewer_client, "put", f"{me}/controls/", hours, expect=200)
    call(viewer_client, "patch", f"{me}/controls/", {"viewing_end": "21:30:00"}, expect=200)
    call(viewer_client, "post", f"{me}/controls/pin/", {"pin": "4321"}, expect=204)
    call(viewer_client, "post", f"{me}/controls/pin/verify/", {"pin": "4321"}, expect=204)
    call(viewer_client, "post", f"{me}/controls/pin/verify/", {"pin": "0000"})
    call(viewer_client, "post", f"{me}/controls/pin/unlock/", {"password": "wrong"}, expect=403)
    call(viewer_client, "post", f"{me}/controls/pin/unlock/", {"password": PASSWORD}, expect=204)
    call(viewer_client, "delete", f"{me}/controls/pin/", {"pin": "4321"})
    # Passwords and devices.
    password = {"current_password": PASSWORD, "new_password": "a-new-viewer-password-43"}
    call(viewer_client, "post", f"{me}/password/", {**password, "current_password": "wrong"}, expect=403)
    call(viewer_client, "post", f"{me}/password/", {**password, "new_password": "1"}, expect=400)
    call(viewer_client, "post", f"{me}/password/", password, expect=200)
    call(anonymous, "post", "/api/identity/auth/password-reset/", {"email": viewer.email}, expect=202)
    call(anonymous, "post", "/api/identity/auth/password-reset/", {"email": 5}, expect=202)
    call(anonymous, "post", "/api/identity/auth/password-reset/confirm/", {"uid": "x", "token": "y"}, expect=400)
    reset = {"uid": "x", "token": "y", "new_password": "a-new-viewer-password-44"}
    call(anonymous, "post", "/api/identity/auth/password-reset/confirm/", reset, expect=400)
    tv = call(
        anonymous,
        "post",
        "/api/identity/auth/login/",
        {"email": viewer.email, "password": password["new_password"], "device_name": "TV", "device_type": "tv"},
        expect=200,
    )
    devices = call(viewer_client, "get", f"{me}/devices/", expect=200).json()["results"]
    tv_id = next(device["id"] for device in devices if device["name"] == "TV")
    call(viewer_client, "delete", f"{me}/devices/{tv_id}/", expect=204)
    call(viewer_client, "delete", f"{me}/devices/{tv_id}/", expect=404)
    assert tv.json()["token"]
    # A TV signs in with a code the viewer approves on their phone (RFC 8628).
    codes = call(anonymous, "post", "/api/identity/auth/device/", {"device_name": "Den TV"}, expect=200).json()
    grant = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": codes["device_code"]}
    call(anonymous, "post", "/api/identity/auth/device/token/", grant, expect=400)
    call(viewer_client, "post", "/api/identity/auth/device/approve/", {"user_code": "BBBB-BBBB"}, expect=400)
    call(viewer_client, "post", "/api/identity/auth/device/approve/", {"user_code": codes["user_code"]}, expect=200)
    from identity.account.models import DeviceAuthorization

    DeviceAuthorization.objects.update(last_polled_at=None)
    call(anonymous, "post", "/api/identity/auth/device/token/", grant, expect=200)
    # My List.
    call(viewer_client, "post", f"{me}/list/", {"title": movie.pk}, expect=201)
    call(viewer_client, "post", f"{me}/list/", {"title": movie.pk}, expect=200)
    call(viewer_client, "post", f"{me}/list/", {"title": 999999}, expect=400)
    call(viewer_client, "get", f"{me}/list/", {"order": "own"}, expect=200)
    call(viewer_client, "put", f"{me}/list/order/", {"titles": [movie.pk]}, expect=204)
    call(viewer_client, "get", "/api/catalog/movies/", expect=200)
    call(viewer_client, "delete", f"{me}/list/{movie.pk}/", expect=204)
    # Ratings.
    call(viewer_client, "put", f"{me}/ratings/{movie.pk}/", {"rating": "up"}, expect=201)
    call(viewer_client, "put", f"{me}/ratings/{movie.pk}/", {"rating": "love"}, expect=200)
    call(viewer_client, "put", f"{me}/ratings/{movie.pk}/", {"rating": "meh"}, expect=400)
    call(viewer_client, "get", f"{me}/ratings/{movie.pk}/", expect=200)
    call(viewer_client, "get", f"{me}/ratings/", expect=200)
    call(viewer_client, "delete", f"{me}/ratings/{movie.pk}/", expect=204)
    call(viewer_client, "get", f"{me}/ratings/{movie.pk}/", expect=404)
    # The household: profiles, a kids one, the lock and the switch.
    profiles = f"{me}/profiles"
    call(viewer_client, "get", f"{profiles}/", expect=200)
    kids = call(viewer_client, "post", f"{profiles}/", {"name": "Robin", "is_kids": True}, expect=201).json()
    call(viewer_client, "post", f"{profiles}/", {"name": "robin"}, expect=400)
    adult = call(viewer_client, "post", f"{profiles}/", {"name": "Alex"}, expect=201).json()
    call(viewer_client, "patch", f"{profiles}/{adult['id']}/", {"avatar": "fox"}, expect=200)
    call(viewer_client, "get", f"{profiles}/{kids['id']}/", expect=200)
    call(viewer_client, "get", f"{profiles}/{kids['id']}/controls/", expect=200)
    call(viewer_client, "put", f"{profiles}/{kids['id']}/controls/", {"max_maturity": "G"}, expect=200)
    call(viewer_client, "patch", f"{profiles}/{kids['id']}/controls/", {"block_unrated": True}, expect=200)
    current = password["new_password"]  # changed above
    call(viewer_client, "put", f"{profiles}/{adult['id']}/pin/", {"pin": "2468", "password": current}, expect=204)
    call(viewer_client, "put", f"{profiles}/{adult['id']}/pin/", {"pin": "24", "password": current}, expect=400)
    call(viewer_client, "post", f"{profiles}/{kids['id']}/select/", {}, expect=200)
    call(viewer_client, "get", f"{me}/", expect=403)
    call(viewer_client, "post", f"{profiles}/{adult['id']}/select/", {"pin": "0000"}, expect=403)
    call(viewer_client, "post", f"{profiles}/{adult['id']}/select/", {"pin": "2468"}, expect=200)
    call(viewer_client, "delete", f"{profiles}/{adult['id']}/pin/", {"password": current}, expect=204)
    main = next(p for p in call(viewer_client, "get", f"{profiles}/").json()["results"] if p["is_main"])
    call(viewer_client, "post", f"{profiles}/{main['id']}/select/", {}, expect=200)
    call(viewer_client, "delete", f"{profiles}/{main['id']}/", expect=409)
    call(viewer_client, "delete", f"{profiles}/{adult['id']}/", expect=204)
    # Plans are a staff action (the billing system's hook).
    call(viewer_client, "put", f"{me}/plan/", {"plan": "premium"}, expect=403)
    call(staff_client, "put", f"/api/identity/users/{viewer.pk}/plan/", {"plan": "premium"}, expect=200)
    call(staff_client, "put", f"/api/identity/users/{viewer.pk}/plan/", {"plan": "gold"}, expect=400)
    call(
        viewer_client,
        "post",
        "/api/analytics/events/",
        [{"id": "e1", "type": "page_view", "time": "2026-01-01T00:00:00Z", "properties": {"page": "home"}}],
    )
    call(viewer_client, "post", "/api/analytics/events/", [{"id": "e2"}], expect=400)

    # Recommendations.
    call(anonymous, "get", "/api/recommend/popular/", expect=200)
    call(viewer_client, "get", f"/api/recommend/users/{viewer.pk}/", expect=200)
    call(viewer_client, "get", f"/api/recommend/titles/{movie.pk}/similar/", expect=200)
    call(staff_client, "get", f"/api/recommend/similarity/{viewer.pk}/{other.pk}/")
    call(staff_client, "post", f"/api/recommend/generate/{viewer.pk}/")
    call(anonymous, "get", "/api/catalog/shows/", expect=200)
    call(anonymous, "get", f"/api/catalog/shows/{show.pk}/", expect=200)

    # Browsing: genres, people, typed search, artwork and the home feed.
    from catalog.services import generated_artwork_create
    from catalog.tests.factories import CreditFactory, GenreFactory

    movie.genres.add(GenreFactory(name="Journey", slug="journey"))
    person = CreditFactory(title=movie).person
    generated_artwork_create(titles=[movie], people=[person])
    poster = movie.images.get(kind="poster")
    call(anonymous, "get", "/api/catalog/genres/", expect=200)
    call(anonymous, "get", "/api/catalog/genres/journey/", expect=200)
    call(anonymous, "get", "/api/catalog/genres/journey/", {"year_min": "soon"}, expect=400)
    call(anonymous, "get", "/api/catalog/genres/no-such-genre/", expect=404)
    call(anonymous, "get", f"/api/catalog/people/{person.pk}/", expect=200)
    call(anonymous, "get", "/api/catalog/people/999999/", expect=404)
    call(anonymous, "get", "/api/catalog/search/", {"q": "title", "include": "people,genres"}, expect=200)
    call(anonymous, "get", "/api/catalog/search/", {"q": "title", "include": "studios"}, expect=400)
    call(anonymous, "get", f"/api/catalog/images/{poster.pk}/160/{poster.version}.jpg", expect=200)
    call(anonymous, "get", f"/api/catalog/images/{poster.pk}/160/{poster.version}.jpg", {"region": "DE"}, expect=404)
    call(anonymous, "get", "/api/catalog/images/placeholder/poster/160.png", expect=200)
    call(anonymous, "get", "/api/catalog/images/placeholder/banner/160.png", expect=404)
    call(anonymous, "get", "/api/recommend/home/", expect=200)
    call(viewer_client, "get", "/api/recommend/home/", expect=200)
    call(anonymous, "get", "/api/recommend/home/", {"region": "USA"}, expect=400)

    # Parental controls end a kid's session with a reason the player can show.
    kid = UserFactory()
    ParentalControlsFactory(user=kid, viewing_days=[])
    call(
        bearer(kid),
        "post",
        "/api/stream/sessions/",
        {"title": movie.pk, "device": {"type": "web", "id": "k"}},
        expect=403,
    )
    call(bearer(kid), "get", f"/api/identity/users/{kid.pk}/controls/", expect=200)

    # Staff reads the reports, as JSON and as CSV.
    for report in ("engagement", "content", f"content/{movie.pk}", "streaming", "regions"):
        call(staff_client, "get", f"/api/analytics/{report}/", expect=200)
        call(staff_client, "get", f"/api/analytics/{report}/", {"format": "csv"}, expect=200)
        call(viewer_client, "get", f"/api/analytics/{report}/", expect=403)
    call(staff_client, "get", "/api/analytics/engagement/", {"granularity": "minute"}, expect=400)
    call(staff_client, "get", "/api/analytics/content/999999/", expect=404)

    # A viewer takes their data and leaves.
    leaver = UserFactory()
    leaver.set_password(PASSWORD)
    leaver.save()
    leaver_client = bearer(leaver)
    call(leaver_client, "get", f"/api/identity/users/{leaver.pk}/export/", expect=200)
    call(leaver_client, "post", f"/api/identity/users/{leaver.pk}/delete/", {"password": "wrong"}, expect=403)
    call(leaver_client, "post", f"/api/identity/users/{leaver.pk}/delete/", {}, expect=400)
    call(leaver_client, "post", f"/api/identity/users/{leaver.pk}/delete/", {"password": PASSWORD}, expect=204)

    # Signing out, last.
    call(viewer_client, "post", "/api/identity/auth/logout-all/")
    call(bearer(other), "post", "/api/identity/auth/logout/")

    reached = {operation_of(schema, method, path) for method, path, _ in call.checked}
    assert operations_of(schema) - reached == set()
