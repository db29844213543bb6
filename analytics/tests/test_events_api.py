"""`POST /api/analytics/events`: batches, validation, duplicates, limits."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from analytics.marks import ids_decode
from analytics.models import DailyActiveUsers, Event
from catalog.tests.factories import EpisodeFactory, TitleFactory

URL = "/api/analytics/events"


def event(n: int = 1, **overrides) -> dict:
    body = {
        "id": f"e-{n}",
        "type": "page_view",
        "time": timezone.now().isoformat(),
        "device": "web",
        "properties": {"page": "home"},
    }
    body.update(overrides)
    return body


def post(client, body):
    return client.post(URL, body, format="json")


def test_one_event_is_stored_for_the_token_user_and_region(user_client, user):
    response = post(user_client, event(properties={"page": "browse"}))

    assert response.status_code == 201
    assert response.json() == {"accepted": 1, "duplicates": 0}
    stored = Event.objects.get()
    assert (stored.user, stored.region, stored.type, stored.properties) == (user, "US", "page_view", {"page": "browse"})
    active = DailyActiveUsers.objects.get(region="US", device_type="web")
    assert ids_decode(active.user_ids).tolist() == [user.pk]


def test_a_batch_as_a_list_or_under_events(user_client):
    title = TitleFactory()
    batch = [
        event(1),
        event(2, type="play_start", title=title.pk, session="s1", properties={"position_s": 0}),
        event(3, type="rebuffer", title=title.pk, session="s1", properties={"duration_s": 1.5}),
        event(4, type="quality_change", title=title.pk, properties={"bitrate_kbps": 3000, "height": 720}),
        event(5, type="playback_error", title=title.pk, properties={"code": "NET-1", "fatal": False}),
        event(6, type="search", properties={"query": "space", "results": 3}),
    ]
    assert post(user_client, batch).json() == {"accepted": 6, "duplicates": 0}
    assert post(user_client, {"events": [event(7), event(8)]}).json() == {"accepted": 2, "duplicates": 0}
    assert Event.objects.count() == 8


def test_retried_events_are_duplicates_and_not_stored_twice(user_client):
    post(user_client, [event(1), event(2)])

    response = post(user_client, [event(1), event(2), event(3), event(3)])

    assert response.status_code == 201
    assert response.json() == {"accepted": 1, "duplicates": 3}
    assert Event.objects.count() == 3
    again = post(user_client, [event(1)])
    assert again.status_code == 200 and again.json() == {"accepted": 0, "duplicates": 1}


def test_ids_are_per_user(user_client, staff_client):
    post(user_client, event(1))

    assert post(staff_client, event(1)).json() == {"accepted": 1, "duplicates": 0}


def test_one_bad_event_rejects_the_whole_batch(user_client):
    response = post(user_client, [event(1), event(2, type="teleport"), event(3), event(4, properties={})])

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [(1, "type"), (3, "properties")]
    assert "teleport" in errors[0]["reason"] and "page is required" in errors[1]["reason"]
    assert Event.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id": ""}, "id"),
        ({"id": "x" * 65}, "id"),
        ({"type": "login"}, "type"),
        ({"time": "yesterday"}, "time"),
        ({"time": "2026-01-01T10:00:00"}, "time"),
        ({"time": (timezone.now() + dt.timedelta(hours=1)).isoformat()}, "time"),
        ({"time": (timezone.now() - dt.timedelta(days=8)).isoformat()}, "time"),
        ({"properties": {"page": 3}}, "properties"),
        ({"properties": {"page": "x", "colour": "red"}}, "properties"),
        ({"properties": []}, "properties"),
        ({"type": "rebuffer", "properties": {"duration_s": 1}}, "title"),
        ({"title": 999999}, "title"),
        ({"title": "seven"}, "title"),
        ({"title": 10**30}, "title"),
        ({"properties": {"page": "a\x00b"}}, "properties"),
        ({"device": "Smart TV!"}, "device"),
        ({"user": 5}, "user"),
    ],
)
def test_invalid_events_name_the_field(user_client, overrides, field):
    response = post(user_client, [event(1), event(2, **overrides)])

    assert response.status_code == 400
    assert {"index": 1, "field": field} in [
        {"index": e["index"], "field": e["field"]} for e in response.json()["errors"]
    ]
    assert Event.objects.count() == 0


def test_negative_and_wrongly_typed_numbers_are_rejected(user_client):
    title = TitleFactory()
    bad = [
        event(1, type="rebuffer", title=title.pk, properties={"duration_s": -1}),
        event(2, type="quality_change", title=title.pk, properties={"bitrate_kbps": True}),
        event(3, type="quality_change", title=title.pk, properties={"bitrate_kbps": 100, "height": 7.5}),
    ]
    response = post(user_client, bad)

    assert [e["index"] for e in response.json()["errors"]] == [0, 1, 2]


def test_episode_must_belong_to_the_title(user_client):
    episode = EpisodeFactory()
    other = TitleFactory()
    ok = event(1, type="play_start", title=episode.season.show_id, episode=episode.pk, properties={})
    wrong = event(2, type="play_start", title=other.pk, episode=episode.pk, properties={})

    response = post(user_client, [ok, wrong])

    assert response.status_code == 400
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(1, "episode")]
    assert post(user_client, [ok]).json() == {"accepted": 1, "duplicates": 0}


def test_batch_limit(user_client):
    response = post(user_client, [event(n) for n in range(1001)])

    assert response.status_code == 400
    assert "1000" in response.json()["errors"][0]["reason"]
    assert post(user_client, [event(n) for n in range(1000)]).json() == {"accepted": 1000, "duplicates": 0}


def test_empty_and_non_object_bodies(user_client):
    assert post(user_client, []).status_code == 400
    assert post(user_client, ["page_view"]).json()["errors"][0]["field"] == "non_field_errors"


def test_malformed_json_is_400(user_client):
    response = user_client.post(URL, data='[{"id": "1",', content_type="application/json")

    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_oversized_body_is_413(user_client):
    body = json.dumps([event(1, properties={"page": "x" * 3_000_000})])

    response = user_client.post(URL, data=body, content_type="application/json")

    assert response.status_code == 413
    assert Event.objects.count() == 0


def test_anonymous_is_401(api_client, db):
    assert post(api_client, event()).status_code == 401


def test_events_only_name_titles_the_sender_may_see(api_client, db):
    from catalog.models import Maturity
    from identity.tests.factories import ParentalControlsFactory, UserFactory

    restricted = TitleFactory(maturity_rating=Maturity.R)
    elsewhere = TitleFactory(regions=["DE"])
    allowed = TitleFactory(maturity_rating=Maturity.G)
    kid = UserFactory()
    ParentalControlsFactory(user=kid, max_maturity=Maturity.PG)
    api_client.force_authenticate(kid)

    play = {"type": "play_start", "session": "s1", "properties": {"position_s": 0}}
    response = post(api_client, [event(1, title=restricted.pk, **play), event(2, title=elsewhere.pk, **play)])
    assert response.status_code == 400
    assert [(error["index"], error["field"]) for error in response.json()["errors"]] == [(0, "title"), (1, "title")]
    assert not Event.objects.exists()
    assert post(api_client, event(3, title=allowed.pk, **play)).status_code == 201


def test_the_documented_event_schema_is_what_the_validator_checks():
    from analytics.event_types import batch_schema, event_clean, time_bounds

    event = batch_schema()["oneOf"][0]
    samples = {"number": 1.5, "integer": 2, "string": "x", "boolean": True}
    bounds = time_bounds(timezone.now())
    for branch in event["properties"]["properties"]["anyOf"]:
        properties = {name: samples[branch["properties"][name]["type"]] for name in branch.get("required", [])}
        sent = {"id": "e1", "type": branch["title"], "time": timezone.now().isoformat(), "title": 1}
        cleaned, errors = event_clean({**sent, "properties": properties}, bounds=bounds)
        assert errors == [] and cleaned["type"] == branch["title"]
        # A property the schema does not list is refused, and so is a field it does not list.
        _, errors = event_clean({**sent, "properties": {**properties, "extra": 1}}, bounds=bounds)
        assert errors == [("properties", f"'extra' is not a property of '{branch['title']}' events.")]
    _, errors = event_clean({"user": 1, "id": "e1", "type": "page_view", "time": "x"}, bounds=bounds)
    assert ("user", "Unknown field.") in errors and "user" not in event["properties"]
    branches = event["properties"]["properties"]["anyOf"]
    assert set(event["properties"]["type"]["enum"]) == {branch["title"] for branch in branches}
