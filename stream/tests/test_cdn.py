"""CDN health from recent sessions, its documented thresholds, and the choice of CDN at session start."""

import datetime as dt

import pytest
from django.utils import timezone

from identity.tests.factories import UserFactory
from stream import selectors
from stream.tests.factories import CdnFactory, PlaybackSessionFactory

pytestmark = pytest.mark.django_db


def status_of(api_client) -> dict:
    response = api_client.get("/api/stream/cdn/status")
    assert response.status_code == 200
    return {row["name"]: row for row in response.json()}


def ended(cdn, **fields):
    now = timezone.now()
    defaults = {"status": "ended", "ended_at": now, "last_seen_at": now, "watch_time_s": 600.0}
    return PlaybackSessionFactory(cdn=cdn, **{**defaults, **fields})


def test_status_reports_live_figures(api_client, django_assert_num_queries):
    cdn = CdnFactory(name="edge-a", capacity=10)
    PlaybackSessionFactory.create_batch(4, cdn=cdn, startup_time_ms=800.0)
    ended(cdn, fatal_error=True, startup_time_ms=None)
    ended(cdn, rebuffer_duration_s=6.0, startup_time_ms=1200.0)
    # Outside the window: ignored.
    ended(cdn, fatal_error=True, last_seen_at=timezone.now() - dt.timedelta(hours=1))

    with django_assert_num_queries(4):  # idle sessions to reap, CDNs, aggregates, startup times
        row = status_of(api_client)["edge-a"]

    assert row["active_sessions"] == 4
    assert row["load"] == 0.4
    assert row["window_sessions"] == 6
    assert row["error_rate"] == pytest.approx(1 / 6, abs=1e-4)
    assert row["rebuffer_pct"] == pytest.approx(100 * 6 / 1200)
    assert 800 < row["p95_startup_ms"] <= 1200
    assert row["state"] == "degraded"  # the error rate is above 5%
    assert row["regions"] == ["US"] and row["capacity"] == 10


def test_quiet_cdn_is_healthy(api_client):
    CdnFactory(name="edge-a")

    row = status_of(api_client)["edge-a"]

    assert (row["state"], row["active_sessions"], row["error_rate"], row["reasons"]) == ("healthy", 0, None, [])


@pytest.mark.parametrize(
    ("sessions", "state", "reason"),
    [
        ([{"fatal_error": True}] * 3 + [{}] * 3, "down", "error rate"),
        ([{"fatal_error": True}] + [{}] * 9, "degraded", "error rate"),
        ([{"rebuffer_duration_s": 90.0}] + [{}] * 4, "degraded", "rebuffering"),  # 90 s of 3000 s: 3%
        ([{"startup_time_ms": 9000.0}] * 2 + [{"startup_time_ms": 900.0}] * 8, "degraded", "p95 startup"),
        ([{"startup_time_ms": 4000.0}] * 10 + [{"rebuffer_duration_s": 5.0}], "healthy", None),
        # Too few sessions to judge rates: two failures out of two are not a verdict.
        ([{"fatal_error": True}] * 2, "healthy", None),
    ],
)
def test_health_thresholds(api_client, sessions, state, reason):
    cdn = CdnFactory(name="edge-a")
    for fields in sessions:
        ended(cdn, **fields)

    row = status_of(api_client)["edge-a"]

    assert row["state"] == state
    if reason:
        assert any(reason in text for text in row["reasons"])


def test_high_load_degrades_and_disabled_is_down(api_client):
    busy = CdnFactory(name="busy", capacity=10)
    PlaybackSessionFactory.create_batch(9, cdn=busy)
    CdnFactory(name="off", enabled=False)

    rows = status_of(api_client)

    assert rows["busy"]["state"] == "degraded" and rows["busy"]["load"] == 0.9
    assert rows["off"]["state"] == "down" and rows["off"]["reasons"] == ["disabled"]


def test_idle_sessions_are_not_counted_as_active(api_client):
    cdn = CdnFactory(name="edge-a")
    PlaybackSessionFactory(cdn=cdn, last_seen_at=timezone.now() - dt.timedelta(minutes=10))

    assert status_of(api_client)["edge-a"]["active_sessions"] == 0


# --- Selection ---------------------------------------------------------------------------------------


def chosen(user_client, movie, device_id="d") -> str:
    response = user_client.post(
        "/api/stream/sessions", {"title": movie.pk, "device": {"type": "tv", "id": device_id}}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["cdn"]["name"]


@pytest.fixture
def viewer_client():
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    client = APIClient()
    _, token = AuthToken.objects.create(user=UserFactory(plan="premium", country="US"))
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_prefers_a_cdn_serving_the_viewers_region(viewer_client, movie):
    CdnFactory(name="edge-eu", regions=["DE", "FR"], weight=1000)
    CdnFactory(name="edge-global", regions=[], weight=1000)
    CdnFactory(name="edge-us", regions=["US", "CA"], weight=10)

    assert chosen(viewer_client, movie) == "edge-us"


def test_skips_a_cdn_that_is_down(viewer_client, movie):
    down = CdnFactory(name="edge-us", regions=["US"])
    for _ in range(6):
        ended(down, fatal_error=True)
    CdnFactory(name="edge-eu", regions=["DE"])

    assert chosen(viewer_client, movie) == "edge-eu"


def test_skips_a_disabled_cdn(viewer_client, movie):
    CdnFactory(name="edge-us", regions=["US"], enabled=False)
    CdnFactory(name="edge-global", regions=[])

    assert chosen(viewer_client, movie) == "edge-global"


def test_fails_over_when_the_preferred_cdn_degrades(viewer_client, movie):
    preferred = CdnFactory(name="edge-us", regions=["US"])
    CdnFactory(name="edge-global", regions=[])
    assert chosen(viewer_client, movie, "a") == "edge-us"

    for _ in range(5):
        ended(preferred, rebuffer_duration_s=60.0)

    assert chosen(viewer_client, movie, "b") == "edge-global"


def test_degraded_in_region_beats_nothing(viewer_client, movie):
    preferred = CdnFactory(name="edge-us", regions=["US"])
    for _ in range(5):
        ended(preferred, rebuffer_duration_s=60.0)

    assert chosen(viewer_client, movie) == "edge-us"


def test_spreads_load_by_weight_and_spare_capacity(movie):
    heavy = CdnFactory(name="heavy", regions=["US"], weight=300, capacity=100)
    light = CdnFactory(name="light", regions=["US"], weight=100, capacity=100)
    picks = []
    for _ in range(40):
        choice = selectors.cdns_ranked(region="US")[0].cdn
        picks.append(choice.name)
        PlaybackSessionFactory(cdn=choice)

    # weight x spare fraction: 'heavy' takes sessions until 3 x (1 - h/100) falls to 1 x (1 - l/100)
    assert picks.count("heavy") == 40
    for _ in range(60):
        choice = selectors.cdns_ranked(region="US")[0].cdn
        picks.append(choice.name)
        PlaybackSessionFactory(cdn=choice)
    assert picks.count("light") > 0
    assert picks.count("heavy") > picks.count("light")
    assert heavy.sessions.count() + light.sessions.count() == 100


def test_a_full_cdn_is_passed_over_for_one_with_room(viewer_client, movie):
    full = CdnFactory(name="edge-us", regions=["US"], capacity=2, weight=1000)
    PlaybackSessionFactory.create_batch(2, cdn=full)
    CdnFactory(name="edge-eu", regions=["DE"], capacity=100)

    assert chosen(viewer_client, movie) == "edge-eu"


def test_one_viewer_failing_several_times_does_not_take_a_cdn_down(api_client):
    cdn = CdnFactory(name="edge-a")
    unlucky = UserFactory()
    for _ in range(4):  # one viewer ending four sessions with sta=f within a second
        ended(cdn, user=unlucky, fatal_error=True)
    for _ in range(2):
        ended(cdn)

    row = status_of(api_client)["edge-a"]

    assert row["state"] == "degraded"  # one failed viewer of three, not four failed sessions of six
    assert row["error_rate"] == pytest.approx(1 / 3, abs=1e-4)


def test_failures_of_several_viewers_take_a_cdn_down(api_client):
    cdn = CdnFactory(name="edge-a")
    for user in UserFactory.create_batch(3):
        ended(cdn, user=user, fatal_error=True)
    for _ in range(2):
        ended(cdn)

    assert status_of(api_client)["edge-a"]["state"] == "down"


def test_a_service_call_measured_by_the_topology_may_take_an_argument_called_name(db):
    """`cdn_upsert(name=...)` called from another service while the topology measures calls (as when served)."""
    from stream import services
    from streaming_platform.boundary import add_call_listener, measured_call, remove_call_listener

    calls = []

    def listener(caller, callee, name, elapsed, ok):
        calls.append((caller, callee, name, ok))

    add_call_listener(listener)
    try:
        cdn = measured_call(
            "bench",
            "stream",
            "cdn_upsert",
            services.cdn_upsert,
            name="cdn-measured",
            base_url="https://cdn.example",
            regions=[],
            capacity=10,
        )
    finally:
        remove_call_listener(listener)

    assert cdn.name == "cdn-measured"
    assert ("bench", "stream", "cdn_upsert", True) in calls
