"""The admin shows analytics events and views read-only, with filters."""

import pytest
from django.test import Client

from analytics.tests.factories import EventFactory, view_record
from identity.tests.factories import UserFactory


@pytest.fixture
def admin_client(db) -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_events_list_filters_and_is_read_only(admin_client):
    EventFactory(type="search", properties={"query": "space"})
    EventFactory(type="page_view")

    page = admin_client.get("/admin/analytics/event/?type__exact=search")

    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert admin_client.get("/admin/analytics/event/add/").status_code == 403
    event = page.context["cl"].result_list[0]
    assert admin_client.post(f"/admin/analytics/event/{event.pk}/delete/", {"post": "yes"}).status_code == 403


def test_view_summaries_list_filters_by_cdn(admin_client):
    view_record(cdn="cdn-a")
    view_record(cdn="cdn-b")

    page = admin_client.get("/admin/analytics/viewsummary/?cdn=cdn-b")

    assert page.status_code == 200
    assert [view.cdn for view in page.context["cl"].result_list] == ["cdn-b"]
    assert admin_client.get("/admin/analytics/viewsummary/add/").status_code == 403
