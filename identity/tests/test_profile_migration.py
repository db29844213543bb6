"""The migration to profiles: every existing account gets one main profile holding everything it had."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from catalog.tests.factories import TitleFactory

BEFORE = [("identity", "0005_devices")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_each_account_gets_a_main_profile_holding_its_history_controls_and_preferences():
    title = TitleFactory()
    old = migrate(BEFORE)
    User = old.get_model("identity", "User")
    parent = User.objects.create(email="parent@example.org", display_name="Sam Parent")
    nameless = User.objects.create(email="quiet@example.org")
    old.get_model("identity", "Preferences").objects.create(user=parent, audio_languages=["fr"])
    old.get_model("identity", "ParentalControls").objects.create(user=parent, max_maturity=10, pin_hash="x")
    old.get_model("identity", "WatchHistory").objects.create(user=parent, title_id=title.pk, position_s=60)
    old.get_model("identity", "WatchHistory").objects.create(user=nameless, title_id=title.pk, position_s=30)
    old.get_model("identity", "DailyWatchTime").objects.create(user=parent, day=dt.date(2026, 12, 1), watched_s=5)

    new = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    Profile = new.get_model("identity", "Profile")
    main = Profile.objects.get(account_id=parent.pk)
    assert (main.name, main.is_main, main.is_kids, main.language) == ("Sam Parent", True, False, "fr")
    assert Profile.objects.get(account_id=nameless.pk).name == "quiet"
    assert new.get_model("identity", "ParentalControls").objects.get(profile=main).max_maturity == 10
    assert new.get_model("identity", "Preferences").objects.get(profile=main).audio_languages == ["fr"]
    assert new.get_model("identity", "WatchHistory").objects.get(user_id=parent.pk).profile_id == main.pk
    assert new.get_model("identity", "DailyWatchTime").objects.get().profile_id == main.pk
    histories = new.get_model("identity", "WatchHistory").objects.values_list("user_id", "profile__account_id")
    assert all(user_id == account_id for user_id, account_id in histories)


@pytest.mark.django_db(transaction=True)
def test_history_ratings_become_thumbs_5_love_4_up_2_or_less_down_3_none():
    titles = TitleFactory.create_batch(5)
    old = migrate([("identity", "0010_ratings")])
    User = old.get_model("identity", "User")
    Profile = old.get_model("identity", "Profile")
    WatchHistory = old.get_model("identity", "WatchHistory")
    viewer = User.objects.create(email="rater@example.org")
    profile = Profile.objects.create(account=viewer, name="Rater", is_main=True)
    for title, rating in zip(titles, [5.0, 4.0, 3.0, 2.0, 0.5], strict=True):
        WatchHistory.objects.create(user=viewer, profile=profile, title_id=title.pk, rating=rating)

    new = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    thumbs = dict(new.get_model("identity", "Rating").objects.values_list("title_id", "value"))
    assert thumbs == {titles[0].pk: "love", titles[1].pk: "up", titles[3].pk: "down", titles[4].pk: "down"}
