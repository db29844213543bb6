"""CORS: web apps on the allowed origins call the API; players on any origin fetch the signed URLs."""

import pytest

APP_ORIGIN = "http://localhost:3000"


@pytest.fixture(autouse=True)
def allowed_origins(settings):
    settings.CORS_ALLOWED_ORIGINS = [APP_ORIGIN]


def preflight(api_client, path, method, origin=APP_ORIGIN, headers="authorization, content-type"):
    return api_client.options(
        path, HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD=method, HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method"), [("/api/stream/sessions", "POST"), ("/api/stream/sessions/abc", "PUT")])
def test_a_preflight_from_an_allowed_origin_is_answered_before_authentication(api_client, path, method):
    response = preflight(api_client, path, method, headers="authorization, content-type, cmcd-request, cmcd-status")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == APP_ORIGIN
    allowed_headers = response["Access-Control-Allow-Headers"]
    for header in ("authorization", "content-type", "cmcd-object", "cmcd-request", "cmcd-session", "cmcd-status"):
        assert header in allowed_headers
    assert method in response["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.django_db
def test_an_answer_to_an_allowed_origin_carries_its_origin(api_client):
    response = api_client.get("/api/stream/status", HTTP_ORIGIN=APP_ORIGIN)

    assert response["Access-Control-Allow-Origin"] == APP_ORIGIN


@pytest.mark.django_db
def test_an_origin_not_allowed_gets_no_cors_headers(api_client):
    response = preflight(api_client, "/api/stream/sessions", "POST", origin="http://localhost:9999")

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Origin" not in api_client.get("/api/stream/status", HTTP_ORIGIN="http://evil.test")


def test_development_allows_the_usual_local_front_end_ports():
    from streaming_platform import settings as project_settings

    for origin in ("http://localhost:3000", "http://127.0.0.1:5173", "http://localhost:8080"):
        assert origin in project_settings.DEVELOPMENT_CORS_ORIGINS.split(",")


@pytest.mark.django_db
def test_the_signed_manifest_and_steering_answer_any_origin(user_client, movie, start):
    started = start(user_client, movie).json()
    manifest = user_client.get(started["manifest_url"], HTTP_ORIGIN="https://player.example")
    steering_url = next(
        line.split('SERVER-URI="')[1].split('"')[0]
        for line in manifest.content.decode().splitlines()
        if "CONTENT-STEERING" in line
    )

    assert manifest.status_code == 200
    assert manifest["Access-Control-Allow-Origin"] == "*"
    steering = user_client.get(steering_url, HTTP_ORIGIN="https://player.example")
    assert steering.status_code == 200
    assert steering["Access-Control-Allow-Origin"] == "*"
    answer = preflight(user_client, started["manifest_url"].split("?")[0], "GET", origin="https://player.example")
    assert answer.status_code == 204
    assert answer["Access-Control-Allow-Origin"] == "*"


@pytest.mark.django_db
def test_signed_urls_never_allow_credentials_even_when_the_api_does(settings, user_client, movie, start):
    settings.CORS_ALLOW_CREDENTIALS = True
    started = start(user_client, movie).json()

    manifest = user_client.get(started["manifest_url"], HTTP_ORIGIN=APP_ORIGIN)

    assert manifest["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in manifest
