"""The conventions every endpoint keeps: status, JSON errors, optional trailing slash, schema, docs."""

import pytest
from django.test import override_settings
from django.utils import timezone

from streaming_platform.apps import service_configs

SERVICES = ["catalog", "identity", "recommend", "stream", "analytics"]


def test_every_service_is_discovered():
    assert sorted(config.label for config in service_configs()) == sorted(SERVICES)


@pytest.mark.django_db
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("suffix", ["", "/"])
def test_status_answers_with_and_without_slash(api_client, service, suffix):
    response = api_client.get(f"/api/{service}/status{suffix}")

    assert response.status_code == 200
    body = response.json()
    assert body["service"] == service
    assert body["status"] == "ok"
    assert body["version"]
    assert body["uptime_s"] >= 0
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/nope", "/api/catalog/nope/", "/api/catalog/movies/x/y/z"])
def test_unknown_api_paths_are_json_404(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_wrong_method_is_json_405(api_client):
    response = api_client.post("/api/catalog/status", {})

    assert response.status_code == 405
    assert "detail" in response.json()


@pytest.mark.django_db
def test_unhandled_error_is_json_500(client, monkeypatch):
    from streaming_platform.api import status as status_module

    def explode():
        raise RuntimeError("boom")

    monkeypatch.setattr(status_module, "database_check", explode)
    client.raise_request_exception = False

    response = client.get("/api/catalog/status")

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error."}


@pytest.mark.django_db
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_oversized_body_is_json_413(user_client):
    response = user_client.post("/api/identity/auth/logout", data="x" * 5000, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["detail"]


@pytest.mark.django_db
def test_openapi_schema_and_local_swagger_ui(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert "/api/catalog/status/" in schema.json()["paths"]

    docs = api_client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


@pytest.mark.django_db
def test_database_outage_is_json_503(client, monkeypatch):
    from django.db import OperationalError

    from identity import views

    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(views.UserViewSet, "list", unreachable)
    from identity.tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True))
    client.raise_request_exception = False

    response = client.get("/api/identity/users/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "unavailable" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["", "/"])
def test_writes_answer_under_either_spelling(api_client, suffix):
    from identity.tests.factories import UserFactory

    UserFactory(email="viewer@example.org", password="a-long-passphrase-1")
    credentials = {"email": "viewer@example.org", "password": "a-long-passphrase-1"}

    login = api_client.post(f"/api/identity/auth/login{suffix}", credentials, format="json")
    assert login.status_code == 200, login.content
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['token']}")
    event = {
        "id": f"event-{len(suffix)}",
        "type": "page_view",
        "time": timezone.now().isoformat(),
        "properties": {"page": "home"},
    }
    ingest = api_client.post(f"/api/analytics/events{suffix}", event, format="json")
    assert ingest.status_code == 201, ingest.content
    me = api_client.get(f"/api/identity/users/me{suffix}")
    assert me.status_code == 200
    assert me.json()["email"] == "viewer@example.org"


@pytest.mark.django_db
def test_api_requests_leave_the_message_storage_alone_and_the_admin_still_shows_messages(client, api_client):
    from identity.tests.factories import UserFactory

    api_response = api_client.get("/api/catalog/status")
    assert "messages" not in api_response.cookies

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post("/admin/catalog/genre/add/", {"name": "Film noir", "slug": "film-noir"}, follow=True)
    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert any("Film noir" in message and "added successfully" in message for message in shown)


def test_every_endpoint_matches_both_spellings_in_one_resolution():
    """`GET /api/catalog/status` reaches its view directly, not through the catch-all 404 and a second pass."""
    from django.urls import get_resolver, resolve

    from streaming_platform.views import api_not_found

    checked = 0
    for service in get_resolver().url_patterns:
        if not str(service.pattern).startswith("api/") or not hasattr(service, "url_patterns"):
            continue
        for endpoint in service.url_patterns:
            route = str(endpoint.pattern)
            if "<" in route or "(" in route or not route.endswith("/"):
                continue  # routes with parameters and the routers' own patterns are covered by their tests
            for spelling in (f"/{service.pattern}{route}", f"/{service.pattern}{route[:-1]}"):
                assert resolve(spelling).func is not api_not_found, spelling
            checked += 1
    assert checked >= 15
