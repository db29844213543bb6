"""The home screen and a title page in headless Chromium, built only from the API: rows of posters, then a
title's backdrop, cast headshots and trailer."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stream.tests.test_browser_playback import CHROMIUM, CHROMIUM_ARGS
from streaming_platform.tests.servers import runserver

PROJECT_DIR = Path(__file__).resolve().parents[2]
VIEWER_EMAIL = "browser@example.org"
VIEWER_PASSWORD = "a-long-browser-password-42"

SETUP_SCRIPT = f"""
import json
import django
django.setup()
from django.core.management import call_command
from catalog.models import Extra, Kind
from catalog.services import generated_artwork_create
from catalog.tests.factories import CreditFactory, PersonFactory, TitleFactory
from identity.tests.factories import UserFactory, WatchHistoryFactory
call_command("migrate", interactive=False, verbosity=0)
viewer = UserFactory(email={VIEWER_EMAIL!r}, password={VIEWER_PASSWORD!r})
titles = [TitleFactory(title=f"Harbour {{n}}", popularity=100 - n) for n in range(12)]
show = TitleFactory(title="Night Shift", kind=Kind.SHOW, popularity=50)
started = titles[3]
star = PersonFactory(name="Elena Moreau")
CreditFactory(title=started, person=star, role="cast", character="Wei")
Extra.objects.create(title=started, kind="trailer", name="Harbour 3: official trailer", language="en", runtime_s=106)
generated_artwork_create(titles=[*titles, show], people=[star])
WatchHistoryFactory(user=viewer, title=started, position_s=2000, duration_s=6000)
print(json.dumps({{"started": started.pk}}))
"""


@pytest.fixture(scope="module")
def browse_server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("browse-server")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "streaming_platform.settings",
        "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": str(directory / "media"),
    }
    setup = subprocess.run(
        [sys.executable, "-c", SETUP_SCRIPT], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert setup.returncode == 0, setup.stderr
    facts = json.loads(setup.stdout.strip().splitlines()[-1])
    with runserver(env, directory / "server.log") as url:
        yield {"url": url, **facts}


LOADED_IMAGES = (
    "(selector) => Array.from(document.querySelectorAll(selector)).filter(i => i.complete && i.naturalWidth > 0).length"
)


@pytest.mark.browser
@pytest.mark.slow
def test_a_viewer_browses_rows_of_posters_and_opens_a_title_with_its_cast_and_trailer(browse_server):
    from playwright.sync_api import sync_playwright

    server = browse_server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            errors = []
            page.on("console", lambda message: message.type == "error" and errors.append(message.text))
            page.goto(f"{server['url']}/watch/")
            page.fill("#id_username", VIEWER_EMAIL)
            page.fill("#id_password", VIEWER_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("#home[data-ready=true]", timeout=20_000)

            rows = page.eval_on_selector_all("#home .row", "rows => rows.map(r => r.dataset.row)")
            assert rows[0] == "continue-watching"
            assert any(row.startswith("top10-movies") for row in rows)
            first_card = page.locator("#home .row[data-row=continue-watching] .card").first
            assert first_card.get_attribute("href") == f"/watch/{server['started']}"
            cards = page.locator("#home .card").count()
            assert cards >= 2 and page.locator("#home img.poster").count() == cards  # every card has its poster
            page.wait_for_function(f"() => ({LOADED_IMAGES})('#home img.poster') === {cards}", timeout=20_000)
            poster = page.locator("#home img.poster").first
            assert poster.get_attribute("data-kind") == "poster" and poster.get_attribute("data-placeholder") is None
            assert "160w" in poster.get_attribute("srcset") and "1280w" in poster.get_attribute("srcset")

            first_card.click()
            page.wait_for_url(f"{server['url']}/watch/{server['started']}")
            page.wait_for_selector("#title-details[data-ready=true]", timeout=20_000)
            page.wait_for_function(f"() => ({LOADED_IMAGES})('#title-details img.backdrop') === 1", timeout=20_000)
            page.wait_for_function(f"() => ({LOADED_IMAGES})('#title-details img.headshot') === 1", timeout=20_000)
            assert page.locator("#title-details .cast").inner_text().startswith("Elena Moreau")
            assert "Harbour 3: official trailer" in page.locator("#title-details .extras").inner_text()
            backdrop = page.locator("#title-details img.backdrop").get_attribute("src")
            assert page.locator("#video").get_attribute("poster") == backdrop
            # Everything above came through the page's Content-Security-Policy without a violation.
            assert not [error for error in errors if "Content Security Policy" in error], errors
        finally:
            browser.close()
