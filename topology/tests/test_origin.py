"""Who may open the WebSocket: clients without an Origin, and browsers on the site or an allowed origin."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client

from streaming_platform.asgi import application


@pytest.fixture(autouse=True)
def in_memory_channel_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:3000"]


def handshake(headers) -> bool:
    async def scenario():
        communicator = WebsocketCommunicator(application, "/", headers=headers)
        accepted, _ = await communicator.connect(timeout=5)
        if accepted:
            await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return accepted

    return async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("host", "origin", "accepted"),
    [
        ("localhost:8000", None, True),
        ("localhost:8000", "http://localhost:8000", True),
        ("localhost", "http://localhost", True),
        ("localhost", "http://localhost:80", True),
        ("localhost:8000", "http://localhost:3000", True),  # an allowed origin (CORS_ALLOWED_ORIGINS)
        ("localhost:8000", "http://localhost:9999", False),  # same host, another port
        ("localhost:8000", "https://localhost:8000", False),  # same host and port, another scheme
        ("localhost:8000", "http://evil.example:8000", False),
        ("evil.example:8000", "http://evil.example:8000", False),  # a host the site does not serve
        ("localhost:8000", "null", False),
        ("localhost:8000", "file://", False),
    ],
)
def test_the_origin_decides_the_handshake(host, origin, accepted):
    headers = [(b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))

    assert handshake(headers) is accepted


@pytest.mark.django_db(transaction=True)
def test_a_staff_cookie_from_a_foreign_origin_is_refused(staff_user):
    client = Client()
    client.force_login(staff_user)
    cookie = (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())

    assert handshake([(b"host", b"localhost:8000"), (b"origin", b"http://localhost:9999"), cookie]) is False
    assert handshake([(b"host", b"localhost:8000"), (b"origin", b"http://localhost:8000"), cookie]) is True
