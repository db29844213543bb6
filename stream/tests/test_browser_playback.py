"""A viewer watches a title in headless Chromium: hls.js, the development origin, steering, delivery tokens."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from streaming_platform.tests.servers import runserver

PROJECT_DIR = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
VIEWER_EMAIL = "viewer@example.org"
VIEWER_PASSWORD = "a-long-viewer-password-42"
# The rungs a 960x540 screen is offered; a short clip keeps the generation (once, cached) quick.
TEST_MEDIA = {"STREAM_MEDIA_CLIP_S": "60", "STREAM_MEDIA_RUNGS_KBPS": "145,365,730,1100,2000"}

SETUP_SCRIPT = f"""
import django
django.setup()
from django.core.management import call_command
from knox.models import AuthToken
from catalog.tests.factories import TitleFactory
from identity.tests.factories import UserFactory
from stream.demo import local_cdns_seed
from streaming_platform.demo import DemoContext
import random
call_command("migrate", interactive=False, verbosity=0)
call_command("media_prepare", verbosity=0)
viewer = UserFactory(email={VIEWER_EMAIL!r}, password={VIEWER_PASSWORD!r})
title = TitleFactory(title="Test Pattern", runtime_s=300)
dubbed = TitleFactory(title="Dubbed Pattern", runtime_s=300, original_language="en")
from stream.tracks import track_upsert
track_upsert(title=dubbed, kind="audio", language="en", name="English", is_original=True)
track_upsert(title=dubbed, kind="audio", language="Spanish", name="Español")
track_upsert(title=dubbed, kind="subtitles", language="en", name="English")
track_upsert(title=dubbed, kind="subtitles", language="es", name="Español")
local_cdns_seed(DemoContext(rng=random.Random(1)))
from catalog.models import Maturity
from identity.tests.factories import KidsProfileFactory
KidsProfileFactory(account=viewer, name="Robin")  # PG at most, unrated titles blocked
cartoon = TitleFactory(title="Cartoon Pattern", runtime_s=300, maturity_rating=Maturity.G)
grim = TitleFactory(title="Grim Pattern", runtime_s=300, maturity_rating=Maturity.R)
token = AuthToken.objects.create(user=viewer)[1]
print(json.dumps({{"token": token, "user": viewer.pk, "title": title.pk, "dubbed": dubbed.pk,
                  "cartoon": cartoon.pk, "grim": grim.pk}}))
"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def player_server(tmp_path_factory):
    """`manage.py runserver` with the development origin, its media, two local CDNs and one viewer."""
    directory = tmp_path_factory.mktemp("player-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        **TEST_MEDIA,
        "DJANGO_SETTINGS_MODULE": "streaming_platform.settings",
        "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
        "STREAM_DEV_ORIGIN": "true",
        "STREAM_DEV_ORIGIN_URL": f"{url}/dev-origin",
        "STREAM_HEARTBEAT_INTERVAL_S": "2",
        "STREAM_STEERING_TTL_S": "2",
        # Delivery tokens last 10 s: playing on past that needs the renewals steering hands out.
        "STREAM_DELIVERY_TOKEN_TTL_S": "10",
    }
    script = "import json\n" + SETUP_SCRIPT
    setup = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600
    )
    assert setup.returncode == 0, setup.stderr
    facts = json.loads(setup.stdout.strip().splitlines()[-1])
    with runserver(env, directory / "server.log", port=port):
        yield {"url": url, "env": env, **facts}


def api_get(server, path: str) -> dict:
    request = urllib.request.Request(server["url"] + path, headers={"Authorization": f"Bearer {server['token']}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def api_delete(server, path: str) -> int:
    request = urllib.request.Request(
        server["url"] + path, method="DELETE", headers={"Authorization": f"Bearer {server['token']}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def wait_until(check, *, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out waiting for {what}")
        time.sleep(0.5)


def cdn_disable(server, name: str) -> None:
    code = f"from stream.models import Cdn; Cdn.objects.filter(name={name!r}).update(enabled=False)"
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=PROJECT_DIR, env=server["env"], check=True, timeout=60
    )


def sign_in(page, server, url: str) -> None:
    page.goto(url)
    assert "/watch/login/" in page.url  # signed out: the viewer signs in first
    page.fill("#id_username", VIEWER_EMAIL)
    page.fill("#id_password", VIEWER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(url)


@pytest.mark.browser
@pytest.mark.slow
def test_viewer_switches_audio_language_and_turns_subtitles_on(player_server):
    from playwright.sync_api import sync_playwright

    server = player_server
    watch_url = f"{server['url']}/watch/{server['dubbed']}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 700}, screen={"width": 960, "height": 540})
            sign_in(page, server, watch_url)
            page.wait_for_function("() => document.getElementById('video').currentTime > 2", timeout=30_000)
            assert page.evaluate("player.session.tracks.default_audio") == "en"  # no preference: the original
            assert page.locator("#audio-track option").all_text_contents() == ["English (en)", "Español (es)"]
            page.wait_for_function("() => player.fragmentUrls.some(url => url.includes('/audio/en/'))", timeout=10_000)

            page.select_option("#audio-track", "1")
            page.wait_for_function("() => player.fragmentUrls.some(url => url.includes('/audio/es/'))", timeout=20_000)
            assert page.evaluate("player.hls.audioTracks[player.hls.audioTrack].lang") == "es"

            page.select_option("#subtitle-track", label="English")
            page.wait_for_function(
                """() => Array.from(document.getElementById('video').textTracks).some(track => track.mode === 'showing'
                   && track.cues && Array.from(track.cues).some(cue => cue.text.includes('[en]')))""",
                timeout=20_000,
            )
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.slow
def test_viewer_watches_a_title_steered_to_the_backup_cdn_and_delivery_stops_when_the_session_ends(
    player_server, tmp_path
):
    from playwright.sync_api import expect, sync_playwright

    server = player_server
    watch_url = f"{server['url']}/watch/{server['title']}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 700}, screen={"width": 960, "height": 540})
            sign_in(page, server, watch_url)
            # Debian's Chromium decodes H.264 and AAC (its ffmpeg has them); say so plainly if one does not.
            assert page.evaluate("MediaSource.isTypeSupported('video/mp4; codecs=\"avc1.42E01E,mp4a.40.2\"')")

            page.wait_for_function("() => document.getElementById('video').currentTime > 4", timeout=30_000)
            session_id = page.evaluate("player.session.id")
            first_cdn = page.evaluate("player.session.cdn.name")
            assert first_cdn == "local"

            def reported():
                session = api_get(server, f"/api/stream/sessions/{session_id}")
                summary = session["summary"]
                played = summary["watch_time_s"] > 0 and summary["startup_time_ms"] and session["bitrate_kbps"]
                return session if played else None

            session = wait_until(reported, timeout_s=20, what="the player's reports")
            assert 0 < session["summary"]["startup_time_ms"] < 30_000
            assert session["bitrate_kbps"] in session["ladder_kbps"]
            assert session["state"] == "playing"

            # The session's CDN goes away: the next steering reload moves the player to the backup.
            cdn_disable(server, first_cdn)
            page.wait_for_function(
                "() => player.fragmentUrls.some(url => url.includes('/dev-origin/local-backup/'))", timeout=30_000
            )
            wait_until(
                lambda: api_get(server, f"/api/stream/sessions/{session_id}")["cdn"] == "local-backup",
                timeout_s=20,
                what="the session to record the backup CDN",
            )
            # Past 5% of the title's 300 s, so the history keeps a resume point, and past the first tokens' life.
            page.wait_for_function("() => document.getElementById('video').currentTime > 18", timeout=30_000)
            assert page.evaluate("player.hls.pathwayPriority[0]").startswith("local-backup.r")  # a renewed clone
            assert page.evaluate("player.hls.levels[player.hls.currentLevel].uri").count("__token__=") == 1
            position = page.evaluate("document.getElementById('video').currentTime")

            # Leaving the page ends the session; the history keeps where the viewer stopped.
            page.goto("about:blank")
            ended = wait_until(
                lambda: (s := api_get(server, f"/api/stream/sessions/{session_id}"))["status"] == "ended" and s,
                timeout_s=15,
                what="the page to end the session",
            )
            assert ended["position_s"] >= position - 1
            history = api_get(server, f"/api/identity/users/{server['user']}/history/")["results"]
            assert history[0]["title"]["id"] == server["title"]
            assert history[0]["position_s"] >= position - 1

            # A new viewing, ended from elsewhere: the origin refuses its media and playback stops.
            page.goto(watch_url)
            page.wait_for_function("() => document.getElementById('video').currentTime > 1", timeout=30_000)
            second = page.evaluate("player.session.id")
            assert second != session_id
            assert api_delete(server, f"/api/stream/sessions/{second}") == 200
            segment = page.evaluate("player.fragmentUrls[player.fragmentUrls.length - 1]")
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(segment, timeout=10)
            assert refused.value.code == 410
            expect(page.locator("#player-status")).to_contain_text("session has ended", timeout=60_000)
            page.screenshot(path=str(tmp_path / "player.png"))
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.slow
def test_the_household_kids_profile_watches_what_it_may_and_nothing_else(player_server):
    """From the viewer's sign-in to the kids profile watching: the profile picker, the home screen, a G title
    playing under the kids profile's session, an R title refused."""
    from playwright.sync_api import sync_playwright

    server = player_server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 700}, screen={"width": 960, "height": 540})
            sign_in(page, server, f"{server['url']}/watch/profiles/")
            page.click("button:has-text('Robin')")
            page.wait_for_url(f"{server['url']}/watch/")
            listed = page.locator("ul.titles").inner_text()
            assert "Cartoon Pattern" in listed and "Grim Pattern" not in listed and "Test Pattern" not in listed

            page.goto(f"{server['url']}/watch/{server['cartoon']}")
            page.wait_for_function("() => document.getElementById('video').currentTime > 2", timeout=30_000)
            session_id = page.evaluate("player.session.id")
            session = api_get(server, f"/api/stream/sessions/{session_id}")
            assert session["title"] == server["cartoon"]
            profiles = api_get(server, f"/api/identity/users/{server['user']}/profiles/")["results"]
            robin = next(profile for profile in profiles if profile["name"] == "Robin")
            assert session["profile"] == robin["id"]  # the kids profile is the one watching

            refused = page.goto(f"{server['url']}/watch/{server['grim']}")
            assert refused.status == 404  # above the kids profile's ceiling: as if it did not exist
        finally:
            browser.close()
