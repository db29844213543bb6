"""A viewer web app on another origin, in headless Chromium: sign in, browse, watch, end; foreign origins refused."""

import functools
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
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
    "--disable-sync",
]
EMAIL = "viewer@example.org"
PASSWORD = "a-long-viewer-password-42"

HLS_JS = Path(__file__).parent / "fixtures" / "players" / "hls-1.7.4.min.js"
SETUP_SCRIPT = """
import django, sys
django.setup()
from django.core.management import call_command
from django.contrib.auth import get_user_model
from catalog.tests.factories import TitleFactory
from stream.tests.factories import CdnFactory
call_command("migrate", interactive=False, verbosity=0)
get_user_model().objects.create_user(email=sys.argv[1], password=sys.argv[2])
TitleFactory(title="Browser Movie", runtime_s=6000)
CdnFactory(name="cdn-us", regions=["US"], base_url=sys.argv[3])
"""
# What the CDN serves: every variant's media playlist; its segments never arrive (there is no real media here),
# so the player stays starting up, without a fatal error, for as long as the test needs.
MEDIA_PLAYLIST = (
    "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n"
    + "".join(f"#EXTINF:4.0,\nseg-{n}.ts\n" for n in range(30))
    + "#EXT-X-ENDLIST\n"
)

# The viewer app: plain fetch calls, as any single-page app makes them.
APP_PAGE = """<!doctype html><html><body><script>
async function journey(api, email, password) {
  const steps = [];
  const json = {"Content-Type": "application/json"};
  let response = await fetch(api + "/api/identity/auth/login", {
    method: "POST", headers: json, body: JSON.stringify({email, password})});
  steps.push(["login", response.status]);
  const token = (await response.json()).token;
  const auth = {...json, "Authorization": "Bearer " + token};
  response = await fetch(api + "/api/catalog/movies", {headers: auth});
  const movies = await response.json();
  steps.push(["movies", response.status, movies.count]);
  response = await fetch(api + "/api/stream/sessions", {method: "POST", headers: auth,
    body: JSON.stringify({title: movies.results[0].id, device: {type: "web", id: "browser"}})});
  const session = await response.json();
  steps.push(["start", response.status]);
  response = await fetch(session.manifest_url);
  steps.push(["manifest", response.status, (await response.text()).slice(0, 7)]);
  for (const [sequence, state] of [[1, "playing"], [2, "playing"]]) {
    response = await fetch(api + "/api/stream/sessions/" + session.id, {method: "PUT", headers: auth,
      body: JSON.stringify({sequence, state, position_s: 10 * sequence, bitrate_kbps: 2000})});
    steps.push(["update", response.status]);
  }
  response = await fetch(api + "/api/stream/sessions/" + session.id, {
    method: "PUT", headers: {...auth, "CMCD-Request": "bl=21300", "CMCD-Status": "bs"},
    body: JSON.stringify({sequence: 3})});
  steps.push(["cmcd-update", response.status]);
  response = await fetch(api + "/api/stream/sessions/" + session.id, {method: "DELETE", headers: auth});
  const ended = await response.json();
  steps.push(["end", response.status, ended.status, ended.end_reason]);
  return steps;
}
async function refused(api) {
  try {
    await fetch(api + "/api/stream/sessions", {method: "POST",
      headers: {"Content-Type": "application/json", "Authorization": "Bearer x"}, body: "{}"});
    return "answered";
  } catch (error) {
    return "refused";
  }
}
</script></body></html>"""


# Stock hls.js on the app's origin: the signed playlist and steering from the API, CMCD v2 event reports to the
# session's reporting URL, as configured in docs/clients.md.
PLAYER_PAGE = """<!doctype html><html><body><video id="video" muted></video><script src="hls.min.js"></script><script>
async function watch(api, email, password) {
  const json = {"Content-Type": "application/json"};
  const login = await (await fetch(api + "/api/identity/auth/login", {
    method: "POST", headers: json, body: JSON.stringify({email, password})})).json();
  window.auth = {...json, "Authorization": "Bearer " + login.token};
  const movies = await (await fetch(api + "/api/catalog/movies", {headers: window.auth})).json();
  const session = await (await fetch(api + "/api/stream/sessions", {method: "POST", headers: window.auth,
    body: JSON.stringify({title: movies.results[0].id, device: {type: "web", id: "hls-js"}})})).json();
  window.player = new Hls({cmcd: {version: 2, sessionId: session.id, contentId: String(session.title),
    eventTargets: [{url: session.reporting_url, events: ["ps", "e", "t"], interval: 1}]}});
  window.player.loadSource(session.manifest_url);
  window.player.attachMedia(document.getElementById("video"));
  document.getElementById("video").play().catch(() => {});
  return session;
}
</script></body></html>"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SEGMENT_STALL_S = 30


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class CdnHandler(QuietHandler):
    """A stand-in CDN: media playlists for any path, placeholder segments, open to any origin."""

    def do_GET(self):
        if not self.path.split("?")[0].endswith(".m3u8"):
            time.sleep(SEGMENT_STALL_S)
            return
        body = MEDIA_PLAYLIST.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.apple.mpegurl")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve_page(directory: Path, handler_class=QuietHandler) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(handler_class, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def pages(tmp_path):
    (tmp_path / "app.html").write_text(APP_PAGE)
    (tmp_path / "player.html").write_text(PLAYER_PAGE)
    (tmp_path / "hls.min.js").write_bytes(HLS_JS.read_bytes())
    allowed, allowed_origin = serve_page(tmp_path)
    foreign, foreign_origin = serve_page(tmp_path)
    cdn, cdn_origin = serve_page(tmp_path, CdnHandler)
    yield allowed_origin, foreign_origin, cdn_origin
    for server in (allowed, foreign, cdn):
        server.shutdown()


@pytest.fixture
def api_server(tmp_path, pages):
    """`manage.py runserver` on a free port with a viewer, a movie and a CDN; the first page's origin allowed."""
    allowed_origin, _, cdn_origin = pages
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "streaming_platform.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CORS_ALLOWED_ORIGINS": allowed_origin,
        "STREAM_STEERING_TTL_S": "1",  # players reload steering every second: an ended session shows at once
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    setup = subprocess.run(
        [sys.executable, "-c", SETUP_SCRIPT, EMAIL, PASSWORD, cdn_origin],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert setup.returncode == 0, setup.stderr
    with runserver(env, tmp_path / "server.log") as url:
        yield url


@pytest.mark.browser
@pytest.mark.slow
def test_a_web_app_on_another_origin_completes_a_viewing_and_a_foreign_origin_is_refused(api_server, pages):
    from playwright.sync_api import sync_playwright

    allowed_origin, foreign_origin, _ = pages
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{allowed_origin}/app.html")
            steps = page.evaluate("([api, e, p]) => journey(api, e, p)", [api_server, EMAIL, PASSWORD])
            assert steps == [
                ["login", 200],
                ["movies", 200, 1],
                ["start", 201],
                ["manifest", 200, "#EXTM3U"],
                ["update", 200],
                ["update", 200],
                ["cmcd-update", 200],
                ["end", 200, "ended", "client"],
            ]

            foreign = browser.new_page()
            foreign.goto(f"{foreign_origin}/app.html")
            assert foreign.evaluate("api => refused(api)", api_server) == "refused"
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.slow
def test_stock_hlsjs_reports_to_the_session_and_stops_polling_once_it_ended(api_server, pages):
    from playwright.sync_api import sync_playwright

    allowed_origin, _, _ = pages
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            answers: list[tuple[float, str, int]] = []
            page.on("response", lambda response: answers.append((time.monotonic(), response.url, response.status)))
            page.goto(f"{allowed_origin}/player.html")
            session = page.evaluate("([api, e, p]) => watch(api, e, p)", [api_server, EMAIL, PASSWORD])
            detail_url = f"{api_server}/api/stream/sessions/{session['id']}"
            fetch_detail = "url => fetch(url, {headers: window.auth}).then(r => r.json())"

            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                detail = page.evaluate(fetch_detail, detail_url)
                if detail["last_sequence"] >= 3:
                    break
                time.sleep(0.5)
            # The stock reporter's reports arrived through the reporting URL, unmodified.
            assert detail["last_sequence"] >= 3, detail
            assert detail["state"] == "starting"
            steering = [status for _, url, status in answers if "/steering/" in url]
            reports = [status for _, url, status in answers if "/report/" in url]
            assert steering and set(steering) == {200}
            assert reports and set(reports) == {204}

            ended = page.evaluate(
                "url => fetch(url, {method: 'DELETE', headers: window.auth}).then(r => r.json())", detail_url
            )
            assert ended["status"] == "ended"
            page.wait_for_timeout(4000)
            page.wait_for_timeout(3000)  # three more steering TTLs and reporting intervals
            for channel in ("/steering/", "/report/"):
                statuses = [(at, status) for at, url, status in answers if channel in url]
                gone_at = min((at for at, status in statuses if status == 410), default=None)
                assert gone_at is not None, channel  # its next request learnt that the session is gone...
                assert [at for at, _ in statuses if at > gone_at] == [], channel  # ...and it stopped there
        finally:
            browser.close()
