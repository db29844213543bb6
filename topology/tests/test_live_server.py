"""The WebSocket of a real server process, driven by a real client (the `websockets` package)."""

import asyncio
import json
import time
import urllib.request

import pytest
from websockets.asyncio.client import connect

from topology.tests.dashboard_client import next_of, node_requests


def ws_url(server, path: str) -> str:
    return server.url.replace("http://", "ws://") + path


@pytest.mark.slow
def test_real_client_sees_init_updates_and_its_errors(server_process):
    async def scenario():
        async with connect(ws_url(server_process, "/"), origin=server_process.url) as socket:
            init = await next_of(socket, "INIT")
            before = node_requests(init, "identity")
            await asyncio.to_thread(lambda: urllib.request.urlopen(f"{server_process.url}/api/identity/status").read())
            after = None
            deadline = time.monotonic() + 10
            while (after is None or after <= before) and time.monotonic() < deadline:
                after = node_requests(await next_of(socket, "UPDATE"), "identity")
            await socket.send("{broken")
            error = await next_of(socket, "ERROR")
            await socket.send(json.dumps({"type": "SIMULATE_LOAD", "factor": 2}))
            forbidden = await next_of(socket, "ERROR")
            await socket.send(json.dumps({"type": "PING"}))
            pong = await next_of(socket, "PONG")
            return init, before, after, error, forbidden, pong

    init, before, after, error, forbidden, pong = asyncio.run(scenario())

    assert {"catalog", "identity", "stream", "analytics", "recommend", "database"} <= {n["id"] for n in init["nodes"]}
    assert after == before + 1
    assert error["code"] == "malformed"
    assert forbidden["code"] == "forbidden"
    assert pong == {"type": "PONG"}


@pytest.mark.slow
def test_real_client_with_a_staff_token_simulates_load(server_process):
    async def scenario():
        url = ws_url(server_process, f"/ws/topology/?token={server_process.token}")
        async with connect(url, origin=server_process.url) as socket:
            init = await next_of(socket, "INIT")
            await socket.send(
                json.dumps({"type": "SIMULATE_LOAD", "target": "recommend", "factor": 4, "duration_s": 2})
            )
            started = await next_of(socket, "SIMULATE_LOAD_STARTED")
            ended = await next_of(socket, "SIMULATE_LOAD_ENDED", timeout_s=15)
            # The graph counts every simulated request once they are all answered.
            expected = node_requests(init, "recommend") + ended["requests"]
            seen = None
            deadline = time.monotonic() + 10
            while (seen is None or seen < expected) and time.monotonic() < deadline:
                seen = node_requests(await next_of(socket, "UPDATE"), "recommend") or seen
            return started, ended, seen, expected

    started, ended, seen, expected = asyncio.run(scenario())

    assert started["simulation"]["targets"] == ["recommend"]
    assert ended["reason"] == "completed"
    assert ended["requests"] >= 20
    assert ended["errors"] == 0
    assert seen == expected


@pytest.mark.slow
def test_a_client_without_origin_receives_init_and_updates(server_process):
    """`websockets.connect(url)` as a script writes it: no Origin header (as wscat and Node's ws)."""

    async def scenario():
        async with connect(ws_url(server_process, "/")) as socket:
            return await next_of(socket, "INIT"), await next_of(socket, "UPDATE")

    init, update = asyncio.run(scenario())

    assert init["type"] == "INIT"
    assert update["type"] == "UPDATE"


@pytest.mark.slow
@pytest.mark.parametrize("origin_of", [lambda url: url.rsplit(":", 1)[0] + ":9", lambda url: "http://evil.example"])
def test_a_browser_origin_other_than_the_site_is_refused(server_process, origin_of):
    from websockets.exceptions import InvalidStatus

    async def scenario():
        async with connect(ws_url(server_process, "/"), origin=origin_of(server_process.url)):
            pass

    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(scenario())
    assert refused.value.response.status_code == 403


def staff_session_cookie(server) -> str:
    """Signs in to the admin as the staff user, as a browser does; returns the session cookie."""
    import http.cookiejar
    import re
    import urllib.parse

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(f"{server.url}/admin/login/").read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    body = urllib.parse.urlencode(
        {"username": server.email, "password": server.password, "csrfmiddlewaretoken": csrf, "next": "/admin/"}
    ).encode()
    request = urllib.request.Request(f"{server.url}/admin/login/", data=body, headers={"Referer": server.url})
    opener.open(request).read()
    return next(cookie.value for cookie in jar if cookie.name == "sessionid")


@pytest.mark.slow
def test_a_staff_session_cookie_from_a_foreign_origin_is_refused(server_process):
    from websockets.exceptions import InvalidStatus

    cookie = {"Cookie": f"sessionid={staff_session_cookie(server_process)}"}
    foreign = server_process.url.rsplit(":", 1)[0] + ":9999"

    async def scenario(origin):
        async with connect(ws_url(server_process, "/"), origin=origin, additional_headers=cookie) as socket:
            await next_of(socket, "INIT")
            await socket.send(json.dumps({"type": "SIMULATE_LOAD", "target": "catalog", "factor": 1, "duration_s": 1}))
            return await next_of(socket, "SIMULATE_LOAD_STARTED")

    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(scenario(foreign))
    assert refused.value.response.status_code == 403
    # The same cookie from the site itself is the operator at the dashboard.
    assert asyncio.run(scenario(server_process.url))["type"] == "SIMULATE_LOAD_STARTED"
