"""Admin: CDNs are editable, sessions only readable."""

import pytest

from identity.tests.factories import UserFactory
from stream.tests.factories import CdnFactory, PlaybackSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_cdns_are_managed_in_the_admin(admin_client):
    cdn = CdnFactory(name="edge-a")

    assert admin_client.get("/admin/stream/cdn/").status_code == 200
    assert admin_client.get("/admin/stream/cdn/add/").status_code == 200
    assert admin_client.get(f"/admin/stream/cdn/{cdn.pk}/change/").status_code == 200


def test_sessions_are_read_only_in_the_admin(admin_client):
    session = PlaybackSessionFactory()

    assert admin_client.get("/admin/stream/playbacksession/").status_code == 200
    detail = admin_client.get(f"/admin/stream/playbacksession/{session.pk}/change/")
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    assert admin_client.get("/admin/stream/playbacksession/add/").status_code == 403
    response = admin_client.post(f"/admin/stream/playbacksession/{session.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    session.refresh_from_db()
