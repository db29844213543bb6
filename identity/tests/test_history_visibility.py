"""A restricted viewer's history lists only what their parental controls let them see."""

import pytest

from catalog.models import Maturity
from catalog.tests.factories import TitleFactory
from identity.tests.factories import ParentalControlsFactory, WatchHistoryFactory

pytestmark = pytest.mark.django_db


def test_a_kids_history_hides_titles_their_controls_restrict(user_client, user):
    # Watched before the controls were set (or on a shared device): the name must not show now.
    restricted = TitleFactory(title="Night of Blood", maturity_rating=Maturity.R)
    allowed = TitleFactory(title="Sunny Farm", maturity_rating=Maturity.G)
    elsewhere = TitleFactory(title="Left The Region", maturity_rating=Maturity.G, regions=["DE"])
    for title in (restricted, allowed, elsewhere):
        WatchHistoryFactory(user=user, title=title)
    ParentalControlsFactory(user=user, max_maturity=Maturity.PG)

    response = user_client.get(f"/api/identity/users/{user.pk}/history")
    assert response.status_code == 200
    body = response.json()
    # History is a record of what was watched: a title that left the region is still listed.
    assert sorted(entry["title"]["title"] for entry in body["results"]) == ["Left The Region", "Sunny Farm"]
    assert body["count"] == 2
