"""Every error under /api/ is JSON, whichever layer answers it (Django, DRF, the host check, nginx)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def assert_json(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    return response.json()


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("path", ["/api/identity/auth/login/", "/api/analytics/events/"])
def test_a_multipart_body_without_a_boundary_is_a_json_400(staff_user, signed_in, path):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    if signed_in:
        client.force_login(staff_user)
    response = client.generic("POST", path, b"--x\r\n\r\n", content_type="multipart/form-data")
    if signed_in or path.endswith("login/"):
        assert response.status_code in (400, 403)
        assert response["Content-Type"].startswith("application/json"), response.content[:300]
        assert response.json()["detail"]
    else:
        assert_json(response, 401)


def test_an_unknown_host_under_api_is_a_json_400(settings):
    settings.DEBUG = True  # the development server, where Django would answer with its HTML debug page
    client = Client(raise_request_exception=False)
    body = assert_json(client.get("/api/catalog/status/", HTTP_HOST="192.168.1.20:8000"), 400)
    assert "192.168.1.20" in body["detail"] and "DEV_LAN" in body["detail"]


def test_an_unknown_host_elsewhere_keeps_djangos_answer():
    client = Client(raise_request_exception=False)
    assert client.get("/admin/login/", HTTP_HOST="192.168.1.20:8000").status_code == 400


def settings_in_a_fresh_process(**env) -> dict:
    import json
    import os
    import subprocess
    import sys

    from streaming_platform.tests.servers import PROJECT_DIR

    code = "import json; from django.conf import settings as s; print(json.dumps({'hosts': s.ALLOWED_HOSTS}))"
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "streaming_platform.settings", **env}
    environment.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_dev_lan_lets_devices_on_the_network_reach_the_development_server():
    assert settings_in_a_fresh_process(DEBUG="true", DEV_LAN="true")["hosts"] == ["*"]
    assert "*" not in settings_in_a_fresh_process(DEBUG="true")["hosts"]
    # Never with DEBUG off: production names its hosts.
    production = {"DEBUG": "false", "SECRET_KEY": "x" * 50, "DEV_LAN": "true"}
    assert "*" not in settings_in_a_fresh_process(**production)["hosts"]


def test_nginx_in_front_answers_its_own_errors_under_api_as_json(tmp_path):
    import json
    import re

    from streaming_platform.management.commands.serve import NGINX_JSON_ERRORS, nginx_config

    config = nginx_config(
        run=tmp_path, host="127.0.0.1", port=8000, nginx_workers=1, static_root=tmp_path, max_body="64k"
    )
    api = config[config.index("location /api/") : config.index("location / {")]
    for status in (413, 502, 503, 504):
        assert f"error_page {status} /.errors/{status}.json;" in api
    assert "error_page 414 /.errors/414.json;" in config  # before any location is chosen
    for status, detail in NGINX_JSON_ERRORS.items():
        body = re.search(
            rf"/.errors/{status}.json {{ internal; default_type application/json; return {status} '(.*)'; }}", config
        )
        assert body is not None and json.loads(body.group(1)) == {"detail": detail}


@pytest.fixture
def nginx_in_front(tmp_path):
    """nginx with the configuration `manage.py serve` writes, on a free port, its workers not started."""
    import shutil
    import socket
    import subprocess
    import time
    from pathlib import Path

    from streaming_platform.management.commands.serve import nginx_config

    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed (make serve installs it)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    tmp_path.chmod(0o755)
    config = tmp_path / "nginx.conf"
    config.write_text(
        nginx_config(run=tmp_path, host="127.0.0.1", port=port, nginx_workers=1, static_root=tmp_path, max_body="64k")
    )
    process = subprocess.Popen([nginx, "-c", str(config), "-e", str(tmp_path / "error.log")])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError((tmp_path / "error.log").read_text()) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/api/analytics/events/", b"x" * 200_000, 413),
        ("GET", "/api/catalog/movies/?q=" + "x" * 20_000, None, 414),
        ("GET", "/api/catalog/movies/", None, 502),  # no worker behind it
    ],
)
def test_nginx_errors_under_api_are_json(nginx_in_front, method, path, body, status):
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(nginx_in_front + path, data=body, method=method)
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=10)
    assert answer.value.code == status
    assert answer.value.headers["Content-Type"].startswith("application/json")
    assert json.loads(answer.value.read())["detail"]
