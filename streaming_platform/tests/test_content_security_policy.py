"""The operator's pages (dashboard, admin) carry a Content-Security-Policy: scripts only from the site."""

import pytest

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


@pytest.mark.parametrize("path", ["/", "/admin/", "/admin/identity/user/"])
def test_operator_pages_allow_scripts_from_the_site_only(client, staff_user, path):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    response = client.get(path)
    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'self'" in policy["connect-src"]


def test_the_login_page_of_the_admin_has_it_for_anonymous_visitors(client):
    response = client.get("/admin/login/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
