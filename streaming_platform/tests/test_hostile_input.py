"""Requests a careless or hostile client sends: each gets a 4xx JSON answer naming the problem, never a 500.

One case per way in that once caused a 500; the property-based fuzzing (test_fuzz_api.py) looks for new ones.
"""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

DEEP_JSON = "[" * 1000 + "]" * 1000


@pytest.fixture
def raw_client() -> Client:
    # Django's client, not DRF's: these requests are malformed on purpose and must reach the server as sent.
    return Client(raise_request_exception=False)


def assert_json_error(response, status: int, *words: str) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    text = json.dumps(body).lower()
    for word in words:
        assert word.lower() in text, body
    return body


def test_authorization_header_with_a_non_utf8_byte_is_401(raw_client):
    # WSGI carries headers as latin-1: this is the byte 0xff on the wire.
    response = raw_client.get("/api/catalog/movies/", HTTP_AUTHORIZATION="Bearer \xff\xff")
    assert_json_error(response, 401, "token")


@pytest.mark.parametrize(
    "path", ["/api/identity/auth/login/", "/api/identity/users/", "/api/analytics/events/", "/api/stream/sessions/"]
)
def test_json_nested_1000_deep_is_400(raw_client, user, path):
    from knox.models import AuthToken

    _, token = AuthToken.objects.create(user=user)
    response = raw_client.post(path, DEEP_JSON, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_json_error(response, 400, "nested")


def test_lone_surrogate_in_login_email_is_400(raw_client):
    body = '{"email": "\\ud800@example.org", "password": "x"}'
    response = raw_client.post("/api/identity/auth/login/", body, content_type="application/json")
    assert_json_error(response, 400, "surrogate")


@pytest.mark.parametrize("parameter", ["genre", "maturity_max"])
def test_percent_in_a_catalog_filter_is_400(raw_client, parameter):
    response = raw_client.get(f"/api/catalog/movies/?{parameter}=%25")
    assert_json_error(response, 400, parameter)


@pytest.mark.parametrize("parameter", ["available_since", "leaving_before"])
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_out_of_range_datetime_in_a_catalog_filter_is_400(raw_client, parameter, value):
    response = raw_client.get("/api/catalog/movies/", {parameter: value})
    assert_json_error(response, 400, parameter)


@pytest.mark.parametrize("field", ["preferences", "controls"])
def test_genre_id_of_2_to_the_63_is_400(user_client, user, field):
    key = "favourite_genres" if field == "preferences" else "blocked_genres"
    response = user_client.patch(f"/api/identity/users/{user.pk}/{field}/", {key: [2**63]}, format="json")
    assert_json_error(response, 400, key)


def test_clearing_history_before_an_impossible_date_is_400(user_client, user):
    response = user_client.delete(f"/api/identity/users/{user.pk}/history/?before=2024-02-30")
    assert_json_error(response, 400, "before")


@pytest.mark.parametrize("parameter", ["since", "until"])
def test_out_of_range_history_bounds_are_400(user_client, user, parameter):
    response = user_client.get(f"/api/identity/users/{user.pk}/history/", {parameter: "0001-01-01T00:00:00+14:00"})
    assert_json_error(response, 400, parameter)


@pytest.mark.parametrize("suffix", ["", "/history/", "/preferences/", "/controls/"])
def test_a_5000_digit_user_id_is_a_json_4xx(user_client, suffix):
    response = user_client.get(f"/api/identity/users/{'9' * 5000}{suffix}")
    assert response.status_code in (400, 404), response.content[:300]
    assert "detail" in response.json()


@pytest.mark.parametrize("suffix", ["", "/history/"])
def test_a_user_id_past_64_bits_is_404_for_staff_too(staff_client, suffix):
    response = staff_client.get(f"/api/identity/users/{2**64}{suffix}")
    assert_json_error(response, 404)


# The same family, found by generation: any text in any filter, any JSON shape in a body.
FILTERS = {
    "/api/catalog/movies/": ["genre", "maturity_max", "available_since", "leaving_before", "year_min", "region"],
    "/api/catalog/search/": ["q", "genre", "kind", "region"],
}
hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["%", "%s", "%(x)s", "0001-01-01T00:00:00+14:00", "9" * 5000, "2024-02-30", str(2**63)]),
)


@pytest.mark.parametrize("path", FILTERS)
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_filter_value_causes_a_server_error(raw_client, path, data):
    parameter = data.draw(st.sampled_from(FILTERS[path]))
    value = data.draw(hostile_text)
    response = raw_client.get(path, {parameter: value, "q": "a"} if parameter != "q" else {parameter: value})
    assert response.status_code < 500, (parameter, value, response.content[:300])
    assert response["Content-Type"].startswith("application/json")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=20,
)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(body=json_values, depth=st.integers(min_value=0, max_value=200))
def test_no_json_body_causes_a_server_error_on_login(raw_client, body, depth):
    text = "[" * depth + json.dumps(body) + "]" * depth
    response = raw_client.post("/api/identity/auth/login/", text, content_type="application/json")
    assert response.status_code < 500, (text[:200], response.content[:300])
