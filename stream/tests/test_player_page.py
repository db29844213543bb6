"""The player page: signed-in viewers only, the titles they may see only, hls.js from the static files."""

import json

import pytest
from django.test import Client

from catalog.tests.factories import TitleFactory
from identity.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_signed_out_visitor_is_sent_to_the_viewer_sign_in(movie):
    response = Client().get(f"/watch/{movie.pk}")

    assert response.status_code == 302
    assert response["Location"].startswith("/watch/login/?next=")


def test_a_viewer_signs_in_and_gets_the_player_with_the_title(movie):
    viewer = UserFactory()
    client = Client()

    response = client.post("/watch/login/", {"username": viewer.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    page = client.get(f"/watch/{movie.pk}")

    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/stream/vendor/hls.js/hls.min.js" in html
    config = json.loads(html.split('id="player-config" type="application/json">')[1].split("</script>")[0])
    assert config == {"title": movie.pk, "episode": None, "sessionsUrl": "/api/stream/sessions", "deviceType": "web"}


def test_a_title_the_viewer_may_not_see_is_404():
    viewer = UserFactory(country="US")
    elsewhere = TitleFactory(regions=["JP"])

    assert signed_in(viewer).get(f"/watch/{elsewhere.pk}").status_code == 404


def test_the_index_lists_what_the_viewer_may_watch(movie):
    hidden = TitleFactory(regions=["JP"], title="Not Here")

    html = signed_in(UserFactory()).get("/watch/").content.decode()

    assert f'href="/watch/{movie.pk}"' in html
    assert hidden.title not in html


def test_the_dashboard_links_to_the_player(staff_user):
    assert 'href="/watch/"' in signed_in(staff_user).get("/").content.decode()


def test_the_household_picks_the_kids_profile_on_the_player_page_and_watches_what_it_may():
    from django.contrib.auth.hashers import make_password

    from catalog.models import Maturity
    from identity.models import Profile
    from identity.tests.factories import KidsProfileFactory, main_profile
    from stream.tests.factories import CdnFactory

    CdnFactory(regions=["US"])
    account = UserFactory()
    kids = KidsProfileFactory(account=account, name="Robin")
    Profile.objects.filter(pk=main_profile(account).pk).update(pin_hash=make_password("2468"))
    cartoon = TitleFactory(title="Cartoon", maturity_rating=Maturity.G)
    thriller = TitleFactory(title="Thriller", maturity_rating=Maturity.R)
    client = signed_in(account)

    picked = client.post("/watch/profiles/", {"profile": kids.pk})
    index = client.get("/watch/").content.decode()
    refused = client.post("/watch/profiles/", {"profile": main_profile(account).pk, "pin": "0000"})
    started = client.post(
        "/api/stream/sessions", {"title": cartoon.pk, "device": {"type": "web", "id": "p"}}, "application/json"
    )

    assert picked.status_code == 302
    assert "Cartoon" in index and "Thriller" not in index
    assert client.get(f"/watch/{thriller.pk}").status_code == 404
    assert refused.status_code == 403 and "wrong" in refused.content.decode()
    assert started.status_code == 201
    from stream.models import PlaybackSession

    assert PlaybackSession.objects.get().profile == kids
    assert client.post("/watch/profiles/", {"profile": main_profile(account).pk, "pin": "2468"}).status_code == 302
    assert "Thriller" in client.get("/watch/").content.decode()
