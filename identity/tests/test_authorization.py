"""Every identity endpoint called as anonymous, the owner, another viewer and staff."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from identity.tests.factories import UserFactory, WatchHistoryFactory

pytestmark = pytest.mark.django_db

U = "/api/identity/users/{owner}"

# method, path, body, expected status for: anonymous, owner, another viewer, staff
MATRIX = [
    ("post", "/api/identity/auth/login", {}, (400, 400, 400, 400)),
    ("post", "/api/identity/auth/logout", None, (401, 204, 204, 204)),
    ("post", "/api/identity/auth/logout-all", None, (401, 204, 204, 204)),
    ("get", "/api/identity/users", None, (401, 403, 403, 200)),
    ("post", "/api/identity/users", {}, (400, 400, 400, 400)),
    ("get", "/api/identity/users/me", None, (401, 200, 200, 200)),
    ("get", U, None, (401, 200, 404, 200)),
    ("patch", U, {"display_name": "X"}, (401, 200, 404, 403)),
    ("get", U + "/preferences", None, (401, 200, 404, 200)),
    ("put", U + "/preferences", {"autoplay_previews": False}, (401, 200, 404, 403)),
    ("patch", U + "/preferences", {"autoplay_previews": False}, (401, 200, 404, 403)),
    ("get", U + "/history", None, (401, 200, 404, 200)),
    ("post", U + "/history", {"title": "{title}", "position_s": 1200}, (401, 201, 404, 403)),
    ("delete", U + "/history?before=2000-01-01", None, (401, 200, 404, 403)),
    ("get", U + "/history/{entry}", None, (401, 200, 404, 200)),
    ("delete", U + "/history/{entry}", None, (401, 204, 404, 403)),
    ("get", U + "/continue-watching", None, (401, 200, 404, 200)),
    ("delete", U + "/continue-watching/{title}", None, (401, 204, 404, 403)),
    ("get", U + "/controls", None, (401, 200, 404, 200)),
    ("put", U + "/controls", {"max_maturity": "PG"}, (401, 200, 404, 403)),
    ("patch", U + "/controls", {"max_maturity": "PG"}, (401, 200, 404, 403)),
    ("post", U + "/controls/pin", {"pin": "1234"}, (401, 204, 404, 403)),
    ("delete", U + "/controls/pin", {"pin": "1234"}, (401, 204, 404, 403)),
    ("post", U + "/controls/pin/verify", {"pin": "1234"}, (401, 204, 404, 403)),
    ("get", U + "/viewing-allowed", None, (401, 200, 404, 200)),
]
CALLERS = ["anonymous", "owner", "other", "staff"]


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        _, token = AuthToken.objects.create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
def test_authorization_matrix(caller, method, path, body, expected):
    owner = UserFactory()
    entry = WatchHistoryFactory(user=owner)
    callers = {"anonymous": None, "owner": owner, "other": UserFactory(), "staff": UserFactory(is_staff=True)}
    values = {"owner": owner.pk, "entry": entry.pk, "title": entry.title_id}
    url = path.format(**values)
    if body is not None:
        body = {key: int(value.format(**values)) if value == "{title}" else value for key, value in body.items()}

    response = getattr(client_for(callers[caller]), method)(url, body, format="json")

    assert response.status_code == expected[CALLERS.index(caller)], response.content
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("caller", ["owner", "staff"])
@pytest.mark.parametrize("suffix", ["", "/preferences", "/history", "/continue-watching", "/controls"])
def test_unknown_accounts_are_404(caller, suffix):
    user = UserFactory(is_staff=caller == "staff")

    assert client_for(user).get(f"/api/identity/users/999999{suffix}").status_code == 404


def test_unknown_history_entry_is_404_for_staff_too():
    staff = UserFactory(is_staff=True)
    owner = UserFactory()

    assert client_for(staff).get(f"/api/identity/users/{owner.pk}/history/999999").status_code == 404
