"""The staff reports, checked figure by figure against hand computations on a small known data set."""

import csv
import datetime as dt
import io

import pytest

from analytics.services import server_event_record
from analytics.tests.factories import view_record
from catalog.tests.factories import GenreFactory, ShowFactory, TitleFactory
from identity.tests.factories import UserFactory

DAY1 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
DAY2 = DAY1 + dt.timedelta(days=1)
RANGE = "from=2026-03-02&to=2026-03-03"  # a date `to` includes that day: two whole days


@pytest.fixture
def data(db):
    """Five views in range on two titles, one old view, and a user who only logged in.

    view  user  title  cdn    region device  startup  watch  rebuf(n, s)  bitrate  position/6000  notes
    V1    A     T1     cdn-a  US     web     1000     600    2, 6         3000     5400 (0.90)    completed
    V2    E     T1     cdn-a  DE     tv      3000     1200   1, 12        6000     1200 (0.20)
    V3    B     T2     cdn-b  US     mobile  2000     300    0, 0         1000     300  (0.05)
    V4    C     T1     cdn-b  US     web     -        0      0, 0         -        0              exited before start
    V5    E     T1     cdn-b  DE     web     -        0      0, 0         -        0              fatal error
    """
    drama = GenreFactory(name="Drama", slug="drama")
    t1 = TitleFactory(title="Alpha", runtime_s=6000, genres=[drama])
    t2 = ShowFactory(title="Beta", runtime_s=6000)
    a, b, c, d = (UserFactory(country="US") for _ in range(4))
    e = UserFactory(country="DE")
    at = {"day1": DAY1 + dt.timedelta(hours=20), "day2": DAY2 + dt.timedelta(hours=21)}
    view_record(
        user=a, title=t1, cdn="cdn-a", region="US", device_type="web", started_at=at["day1"], startup_time_ms=1000,
        watch_time_s=600, rebuffer_count=2, rebuffer_duration_s=6, avg_bitrate_kbps=3000, position_s=5400,
    )  # fmt: skip
    view_record(
        user=e, title=t1, cdn="cdn-a", region="DE", device_type="tv", started_at=at["day2"], startup_time_ms=3000,
        watch_time_s=1200, rebuffer_count=1, rebuffer_duration_s=12, avg_bitrate_kbps=6000, position_s=1200,
    )  # fmt: skip
    view_record(
        user=b, title=t2, cdn="cdn-b", region="US", device_type="mobile", started_at=at["day1"],
        startup_time_ms=2000, watch_time_s=300, avg_bitrate_kbps=1000, position_s=300,
    )  # fmt: skip
    view_record(
        user=c, title=t1, cdn="cdn-b", region="US", device_type="web", started_at=at["day2"], startup_time_ms=None,
        watch_time_s=0, avg_bitrate_kbps=None, position_s=0, exited_before_start=True,
    )  # fmt: skip
    view_record(
        user=e, title=t1, cdn="cdn-b", region="DE", device_type="web", started_at=at["day2"], startup_time_ms=None,
        watch_time_s=0, avg_bitrate_kbps=None, position_s=0, exited_before_start=True, fatal_error=True,
    )  # fmt: skip
    # B watched before (outside the range and the 30 days before it): B is a returning viewer.
    view_record(user=b, title=t2, region="US", started_at=DAY1 - dt.timedelta(days=40), watch_time_s=100)
    server_event_record(type="login", user=d, occurred_at=DAY2 + dt.timedelta(hours=10))
    return {"t1": t1, "t2": t2}


def get(client, path: str, query: str = RANGE):
    return client.get(f"/api/analytics/{path}?{query}")


def test_engagement_totals_match_hand_computation(staff_client, data):
    response = get(staff_client, "engagement")

    assert response.status_code == 200
    body = response.json()
    assert body["from"] == "2026-03-02T00:00:00Z" and body["to"] == "2026-03-04T00:00:00Z"
    assert body["totals"] == {
        "active_users": 5,  # A, B, E, C (views) and D (login)
        "dau": 2.5,  # (A, B on day 1 + E, C, D on day 2) / 2 days
        "wau": 5,
        "mau": 5,  # B's old view is 40 days back
        "viewers": 4,
        "new_viewers": 3,  # A, C, E; B had watched before
        "returning_viewers": 1,
        "views": 5,
        "watch_time_s": 2100.0,
        "avg_view_length_s": 420.0,  # 2100 / 5
        "completion_rate": 0.2,  # only V1 reached 90%
        "avg_share_watched": 0.23,  # (0.9 + 0.2 + 0.05 + 0 + 0) / 5
        "watch_time_per_active_user_s": 420.0,  # 2100 / 5 active users
    }


def test_engagement_daily_series(staff_client, data):
    series = get(staff_client, "engagement").json()["series"]

    assert [point["start"] for point in series] == ["2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"]
    assert [(p["active_users"], p["views"], p["watch_time_s"]) for p in series] == [(2, 2, 900.0), (3, 3, 1200.0)]
    assert series[0]["completion_rate"] == 0.5  # V1 of V1, V3


def test_engagement_hourly_series_and_region_filter(staff_client, data):
    body = get(
        staff_client, "engagement", "from=2026-03-03T20:00:00Z&to=2026-03-03T22:00:00Z&granularity=hour&region=DE"
    )

    assert body.status_code == 200
    series = body.json()["series"]
    assert [(p["start"], p["views"], p["active_users"]) for p in series] == [
        ("2026-03-03T20:00:00Z", 0, 0),
        ("2026-03-03T21:00:00Z", 2, 1),  # E's two views
    ]
    assert body.json()["filters"] == {"region": "DE"}


def test_streaming_overall_quality_figures(staff_client, data):
    overall = get(staff_client, "streaming").json()["overall"]

    assert overall == {
        "views": 5,
        "watch_time_s": 2100.0,
        "startup_time_avg_ms": 2000.0,
        "startup_time_median_ms": 2000.0,
        "startup_time_p95_ms": 2900.0,  # 2000 + 0.9 x (3000 - 2000), linear between ranks
        "rebuffer_pct": 0.8571,  # 18 s / 2100 s
        "rebuffer_frequency_per_min": 0.0857,  # 3 / 35 min
        "ebvs_pct": 20.0,  # V4 (V5 failed, so it is not an exit)
        "failure_pct": 20.0,  # V5
        "avg_bitrate_kbps": 4428.5714,  # (3000x600 + 6000x1200 + 1000x300) / 2100
    }


def test_streaming_breakdowns(staff_client, data):
    body = get(staff_client, "streaming").json()

    by_cdn = {row["key"]: row for row in body["by_cdn"]}
    assert by_cdn["cdn-a"]["rebuffer_pct"] == 1.0  # 18 / 1800
    assert by_cdn["cdn-a"]["rebuffer_frequency_per_min"] == 0.1  # 3 / 30
    assert by_cdn["cdn-a"]["avg_bitrate_kbps"] == 5000.0  # (1.8M + 7.2M) / 1800
    assert by_cdn["cdn-a"]["startup_time_p95_ms"] == 2900.0  # 1000 + 0.95 x 2000
    assert by_cdn["cdn-b"]["ebvs_pct"] == 33.3333 and by_cdn["cdn-b"]["failure_pct"] == 33.3333
    assert by_cdn["cdn-b"]["avg_bitrate_kbps"] == 1000.0
    by_region = {row["key"]: row for row in body["by_region"]}
    assert (
        by_region["DE"]["views"] == 2 and by_region["DE"]["ebvs_pct"] == 0.0 and by_region["DE"]["failure_pct"] == 50.0
    )
    assert by_region["US"]["startup_time_median_ms"] == 1500.0 and by_region["US"]["startup_time_p95_ms"] == 1950.0
    assert by_region["US"]["avg_bitrate_kbps"] == 2333.3333  # (1.8M + 0.3M) / 900
    assert by_region["US"]["rebuffer_frequency_per_min"] == 0.1333  # 2 / 15
    by_device = {row["key"]: row["views"] for row in body["by_device"]}
    assert by_device == {"mobile": 1, "tv": 1, "web": 3}
    assert [(p["views"], p["rebuffer_pct"]) for p in body["series"]] == [(2, 0.6667), (3, 1.0)]  # 6/900, 12/1200


def test_streaming_filters_by_cdn_kind_and_genre(staff_client, data):
    assert get(staff_client, "streaming", RANGE + "&cdn=cdn-a").json()["overall"]["views"] == 2
    assert get(staff_client, "streaming", RANGE + "&kind=show").json()["overall"]["views"] == 1
    assert get(staff_client, "streaming", RANGE + "&genre=drama").json()["overall"]["views"] == 4
    assert get(staff_client, "streaming", RANGE + "&device=web&region=US").json()["overall"]["views"] == 2


def test_content_top_titles(staff_client, data, django_assert_num_queries):
    with django_assert_num_queries(5):  # token look-up (2), rollups by title, their titles, their unique viewers
        response = get(staff_client, "content")

    rows = response.json()["results"]
    assert rows == [
        {
            "title_id": data["t1"].pk,
            "title": "Alpha",
            "kind": "movie",
            "unique_viewers": 3,  # A, E, C
            "unique_profiles": 0,  # these views name no profile
            "views": 4,
            "watch_time_s": 1800.0,
            "avg_view_length_s": 450.0,
            "completion_rate": 0.25,
            "avg_share_watched": 0.275,  # (0.9 + 0.2 + 0 + 0) / 4
        },
        {
            "title_id": data["t2"].pk,
            "title": "Beta",
            "kind": "show",
            "unique_viewers": 1,
            "unique_profiles": 0,
            "views": 1,
            "watch_time_s": 300.0,
            "avg_view_length_s": 300.0,
            "completion_rate": 0.0,
            "avg_share_watched": 0.05,
        },
    ]


def test_content_order_and_limit(staff_client, data):
    rows = get(staff_client, "content", RANGE + "&order=avg_share_watched&limit=1").json()["results"]

    assert [row["title"] for row in rows] == ["Alpha"]
    rows = get(staff_client, "content", RANGE + "&kind=show").json()["results"]
    assert [row["title"] for row in rows] == ["Beta"]


def test_title_report_retention_curve(staff_client, data):
    response = get(staff_client, f"content/{data['t1'].pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["totals"]["views"] == 4 and body["totals"]["unique_viewers"] == 3
    curve = {point["position_pct"]: point["share"] for point in body["retention"]}
    assert len(curve) == 21
    # Reaches 0, 0, 0.2 and 0.9 of the runtime.
    assert curve[0] == 1.0
    assert curve[5] == curve[20] == 0.5
    assert curve[25] == curve[90] == 0.25
    assert curve[95] == curve[100] == 0.0
    assert [p["views"] for p in body["series"]] == [1, 3]


def test_regions_report(staff_client, data):
    rows = {row["region"]: row for row in get(staff_client, "regions").json()["results"]}

    assert set(rows) == {"DE", "US"}
    assert (rows["US"]["active_users"], rows["US"]["viewers"], rows["US"]["views"]) == (4, 3, 3)
    assert (rows["DE"]["active_users"], rows["DE"]["viewers"], rows["DE"]["views"]) == (1, 1, 2)
    assert rows["DE"]["watch_time_s"] == 1200.0 and rows["DE"]["startup_time_median_ms"] == 3000.0
    assert rows["US"]["ebvs_pct"] == 33.3333


def test_csv_download(staff_client, data):
    response = get(staff_client, "regions", RANGE + "&format=csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(row["region"], row["views"]) for row in rows] == [("DE", "2"), ("US", "3")]
    streaming = list(
        csv.DictReader(io.StringIO(get(staff_client, "streaming", RANGE + "&format=csv").content.decode()))
    )
    assert streaming[0]["dimension"] == "overall" and streaming[0]["avg_bitrate_kbps"] == "4428.5714"


def test_csv_errors_stay_json(staff_client, db):
    response = get(staff_client, "engagement", "granularity=week&format=csv")

    assert response.status_code == 400
    assert response.json() == {"granularity": ['"week" is not a valid choice.']}


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("engagement", "granularity=week", "granularity"),
        ("engagement", "from=yesterday", "from"),
        ("engagement", "from=2026-03-05&to=2026-03-01", "to"),
        ("engagement", "from=2020-01-01&to=2026-03-01", "from"),
        ("engagement", "from=2026-01-01&to=2026-06-01&granularity=hour", "granularity"),
        ("engagement", "cdn=cdn-a", "cdn"),
        ("engagement", "genre=no-such-genre", "genre"),
        ("regions", "region=US", "region"),
        ("regions", "kind=cartoon", "kind"),
        ("streaming", "region=USA", "region"),
        ("streaming", "kind=cartoon", "kind"),
        ("streaming", "genre=no-such-genre", "genre"),
        ("content", "limit=0", "limit"),
        ("content", "limit=101", "limit"),
        ("content", "order=random", "order"),
        ("content", "to=9999-12-31", "to"),
        ("content", "from=0001-01-01&to=0001-01-02", "from"),
    ],
)
def test_invalid_parameters_are_400_naming_them(staff_client, db, path, query, field):
    response = get(staff_client, path, query)

    assert response.status_code == 400
    assert field in response.json()


def test_unknown_title_is_404(staff_client, db):
    assert get(staff_client, "content/999999").status_code == 404
    assert get(staff_client, "content/99999999999999999999999").status_code == 404


@pytest.mark.parametrize("path", ["engagement", "content", "streaming", "regions"])
def test_reports_are_staff_only(user_client, api_client, db, path):
    assert get(user_client, path).status_code == 403
    assert get(api_client, path).status_code == 401


def test_empty_range_gives_zeros_not_errors(staff_client, db):
    body = get(staff_client, "streaming", "").json()

    assert body["overall"]["views"] == 0
    assert body["overall"]["rebuffer_pct"] is None and body["overall"]["startup_time_median_ms"] is None
    assert len(body["series"]) in (30, 31)


def test_content_query_count_does_not_grow_with_titles(staff_client, data, django_assert_num_queries):
    for title in TitleFactory.create_batch(5):
        view_record(title=title, started_at=DAY1 + dt.timedelta(hours=3))

    with django_assert_num_queries(5):
        rows = get(staff_client, "content").json()["results"]

    assert len(rows) == 7


@pytest.mark.parametrize(
    ("path", "filters"),
    [("engagement", ""), ("engagement", "&kind=movie"), ("streaming", ""), ("regions", ""), ("regions", "&kind=show")],
)
def test_daily_rollups_and_hourly_rollups_agree(staff_client, data, path, filters):
    """Whole days and a range off midnight agree (streaming and regions read them from different rollups)."""
    daily = get(staff_client, path, RANGE + filters).json()
    hourly = get(staff_client, path, "from=2026-03-02T00:00:00.000001Z&to=2026-03-04T00:00:00Z" + filters).json()

    for body in (daily, hourly):
        body.pop("from"), body.pop("to")
    if path == "regions":
        assert daily == hourly
    else:
        key = "totals" if path == "engagement" else "overall"
        assert daily[key] == hourly[key]


def test_hourly_series_over_whole_days_keeps_the_daily_totals(staff_client, data):
    daily = get(staff_client, "engagement").json()
    hourly = get(staff_client, "engagement", RANGE + "&granularity=hour").json()

    assert hourly["totals"] == daily["totals"]
    assert len(hourly["series"]) == 48
    evening = {p["start"]: (p["views"], p["active_users"]) for p in hourly["series"] if p["views"]}
    assert evening == {"2026-03-02T20:00:00Z": (2, 2), "2026-03-03T21:00:00Z": (3, 2)}


def test_engagement_by_kind_counts_views_and_viewers_of_that_kind(staff_client, data):
    body = get(staff_client, "engagement", RANGE + "&kind=movie").json()

    assert body["filters"] == {"kind": "movie", "users": "viewers of matching titles"}
    assert body["totals"] == {
        "active_users": 3,  # A, E, C watched Alpha; B watched a show, D only logged in
        "dau": 1.5,  # (A on day 1 + E, C on day 2) / 2 days
        "wau": 3,
        "mau": 3,
        "viewers": 3,
        "new_viewers": 3,
        "returning_viewers": 0,
        "views": 4,  # V1, V2, V4, V5
        "watch_time_s": 1800.0,
        "avg_view_length_s": 450.0,
        "completion_rate": 0.25,
        "avg_share_watched": 0.275,  # (0.9 + 0.2 + 0 + 0) / 4
        "watch_time_per_active_user_s": 600.0,  # 1800 / 3
    }
    assert [(p["active_users"], p["views"], p["watch_time_s"]) for p in body["series"]] == [
        (1, 1, 600.0),
        (2, 3, 1200.0),
    ]


def test_engagement_by_kind_keeps_returning_viewers(staff_client, data):
    totals = get(staff_client, "engagement", RANGE + "&kind=show").json()["totals"]

    # Only B watched a show (V3); B's first view was 40 days earlier, out of the month before `to`.
    viewers = (totals["active_users"], totals["viewers"], totals["new_viewers"], totals["returning_viewers"])
    assert viewers == (1, 1, 0, 1)
    assert (totals["dau"], totals["wau"], totals["mau"]) == (0.5, 1, 1)
    assert (totals["views"], totals["watch_time_s"], totals["watch_time_per_active_user_s"]) == (1, 300.0, 300.0)


def test_engagement_by_genre_leaves_out_users_who_watched_nothing(staff_client, data):
    data["t2"].genres.add(data["t1"].genres.get())  # both titles are dramas now

    totals = get(staff_client, "engagement", RANGE + "&genre=drama").json()["totals"]

    # The unfiltered report counts D (a login only) as active: 5 users; watching a drama makes 4.
    assert (totals["active_users"], totals["viewers"], totals["dau"], totals["views"]) == (4, 4, 2.0, 5)
    series = get(staff_client, "engagement", RANGE + "&genre=drama&granularity=hour").json()["series"]
    busy = {p["start"]: (p["views"], p["active_users"], p["watch_time_s"]) for p in series if p["views"]}
    assert busy == {"2026-03-02T20:00:00Z": (2, 2, 900.0), "2026-03-03T21:00:00Z": (3, 2, 1200.0)}
    empty = get(staff_client, "engagement", RANGE + "&genre=drama&kind=show&region=DE").json()["totals"]
    assert (empty["active_users"], empty["dau"], empty["views"], empty["completion_rate"]) == (0, 0.0, 0, None)


def test_engagement_by_kind_and_region_hourly(staff_client, data):
    body = get(staff_client, "engagement", RANGE + "&kind=movie&region=US&granularity=hour").json()

    assert (body["totals"]["active_users"], body["totals"]["dau"], body["totals"]["views"]) == (2, 1.0, 2)  # A; C
    busy = {p["start"]: (p["views"], p["active_users"]) for p in body["series"] if p["views"] or p["active_users"]}
    assert busy == {"2026-03-02T20:00:00Z": (1, 1), "2026-03-03T21:00:00Z": (1, 1)}


def test_engagement_hours_off_midnight(staff_client, data):
    """Ranges of any whole hours: the distinct-user figures count the users seen in those hours only."""
    login = get(staff_client, "engagement", "from=2026-03-03T10:00:00Z&to=2026-03-03T11:00:00Z").json()["totals"]
    assert (login["active_users"], login["viewers"], login["dau"], login["views"]) == (1, 0, 1.0, 0)  # D

    evening = get(staff_client, "engagement", "from=2026-03-03T21:00:00Z&to=2026-03-03T21:30:00Z&kind=movie").json()
    totals = evening["totals"]
    assert (totals["active_users"], totals["new_viewers"], totals["views"]) == (2, 2, 3)  # E, C: V2, V4, V5
    assert (totals["wau"], totals["mau"]) == (3, 3)  # A watched Alpha the evening before
    assert [(p["active_users"], p["views"]) for p in evening["series"]] == [(2, 3)]


def test_regions_by_kind(staff_client, data):
    body = get(staff_client, "regions", RANGE + "&kind=movie").json()
    rows = {row["region"]: row for row in body["results"]}

    assert body["filters"] == {"kind": "movie", "users": "viewers of matching titles"}
    assert (rows["US"]["active_users"], rows["US"]["viewers"], rows["US"]["views"]) == (2, 2, 2)  # A, C: V1, V4
    assert (rows["DE"]["active_users"], rows["DE"]["viewers"], rows["DE"]["views"]) == (1, 1, 2)  # E: V2, V5
    assert rows["US"]["watch_time_s"] == 600.0 and rows["US"]["startup_time_median_ms"] == 1000.0
    assert rows["DE"]["failure_pct"] == 50.0
    shows = get(staff_client, "regions", RANGE + "&kind=show&device=mobile").json()["results"]
    assert [(row["region"], row["active_users"], row["views"], row["startup_time_p95_ms"]) for row in shows] == [
        ("US", 1, 1, 2000.0)  # B: V3
    ]


def test_regions_by_genre_match_regions_by_kind(staff_client, data):
    """Alpha, the only drama, is the only movie: the genre (read per title) and kind (read per day) paths agree."""
    by_genre = get(staff_client, "regions", RANGE + "&genre=drama").json()
    by_kind = get(staff_client, "regions", RANGE + "&kind=movie").json()

    assert by_genre["results"] == by_kind["results"]


def test_the_day_still_under_way_is_marked_partial(staff_client):
    from django.utils import timezone

    today = timezone.now().date()
    for name in ("engagement", "streaming"):
        series = staff_client.get(
            f"/api/analytics/{name}", {"from": (today - dt.timedelta(days=2)).isoformat(), "to": today.isoformat()}
        ).json()["series"]
        assert [point["partial"] for point in series] == [False, False, True]
    past_hours = {"from": "2026-03-03T20:00:00Z", "to": "2026-03-03T22:00:00Z", "granularity": "hour"}
    hourly = staff_client.get("/api/analytics/engagement", past_hours).json()["series"]
    assert [point["partial"] for point in hourly] == [False, False]


def test_reports_count_accounts_and_the_profiles_that_watched(staff_client):
    from analytics.tests.factories import view_record
    from catalog.tests.factories import TitleFactory
    from identity.services import profile_main_ensure
    from identity.tests.factories import KidsProfileFactory, UserFactory

    household, single = UserFactory(), UserFactory()
    main, kid = profile_main_ensure(account=household), KidsProfileFactory(account=household)
    film = TitleFactory(title="Shared")
    alone = profile_main_ensure(account=single)
    for user, profile in ((household, main), (household, kid), (household, kid), (single, alone)):
        view_record(user=user, profile=profile, title=film)

    (row,) = get(staff_client, "content", query="").json()["results"]  # the last 30 days
    totals = get(staff_client, f"content/{film.pk}", query="").json()["totals"]

    assert (row["views"], row["unique_viewers"], row["unique_profiles"]) == (4, 2, 3)
    assert (totals["unique_viewers"], totals["unique_profiles"]) == (2, 3)
