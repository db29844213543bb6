"""A viewer web app on another origin, in headless Chromium: sign in, browse, watch, end; foreign origins refused."""

import functools
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

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

SETUP_SCRIPT = f"""
import django
django.setup()
from django.core.management import call_command
from django.contrib.auth import get_user_model
from catalog.tests.factories import TitleFactory
from stream.tests.factories import CdnFactory
call_command("migrate", interactive=False, verbosity=0)
get_user_model().objects.create_user(email={EMAIL!r}, password={PASSWORD!r})
TitleFactory(title="Browser Movie", runtime_s=6000)
CdnFactory(name="cdn-us", regions=["US"])
"""

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_page(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def pages(tmp_path):
    (tmp_path / "app.html").write_text(APP_PAGE)
    allowed, allowed_origin = serve_page(tmp_path)
    foreign, foreign_origin = serve_page(tmp_path)
    yield allowed_origin, foreign_origin
    allowed.shutdown()
    foreign.shutdown()


@pytest.fixture
def api_server(tmp_path, pages):
    """`manage.py runserver` on a free port with a viewer, a movie and a CDN; the first page's origin allowed."""
    allowed_origin, _ = pages
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "streaming_platform.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CORS_ALLOWED_ORIGINS": allowed_origin,
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    setup = subprocess.run(
        [sys.executable, "-c", SETUP_SCRIPT], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=180
    )
    assert setup.returncode == 0, setup.stderr
    port = free_port()
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 (closed below, after the process)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/stream/status", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp_path / "server.log").read_text()) from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


@pytest.mark.browser
@pytest.mark.slow
def test_a_web_app_on_another_origin_completes_a_viewing_and_a_foreign_origin_is_refused(api_server, pages):
    from playwright.sync_api import sync_playwright

    allowed_origin, foreign_origin = pages
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
