"""The dashboard page: staff only, served by Django with its own static files and no CDN."""

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.django_db
def test_staff_get_the_dashboard(client, staff_user):
    client.force_login(staff_user)

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Live service topology" in html
    assert "/ws/topology/" in html
    assert "/api/analytics/engagement/" in html
    for service in ("catalog", "identity", "stream", "analytics", "recommend"):
        assert f'value="{service}"' in html
    assert "https://" not in html  # every asset is served locally


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "viewer"])
def test_others_are_sent_to_the_admin_login(client, user, who):
    if who == "viewer":
        client.force_login(user)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/")


def test_static_files_are_shipped():
    for name in ("topology/dashboard.js", "topology/dashboard.css"):
        assert finders.find(name)
