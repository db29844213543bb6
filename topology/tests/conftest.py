"""Fixtures of the topology tests: a fresh metrics store and no simulation left over between tests."""

import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from streaming_platform.tests.servers import runserver
from topology import simulation
from topology.broadcast import broadcaster
from topology.metrics import MetricsStore, set_store

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh_store():
    store = MetricsStore()
    set_store(store)
    broadcaster.previous = None
    yield store
    set_store(None)
    simulation._current = None


STAFF_EMAIL = "operator@example.org"
STAFF_PASSWORD = "a-long-operator-password-42"

SETUP_SCRIPT = f"""
import django
django.setup()
from django.core.management import call_command
from django.contrib.auth import get_user_model
from knox.models import AuthToken
call_command("migrate", interactive=False, verbosity=0)
user = get_user_model().objects.create_user(email={STAFF_EMAIL!r}, password={STAFF_PASSWORD!r}, is_staff=True,
                                            is_superuser=True)
print(AuthToken.objects.create(user=user)[1])
"""


@dataclass
class ServerProcess:
    url: str
    token: str
    email: str = STAFF_EMAIL
    password: str = STAFF_PASSWORD


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def server_process(tmp_path_factory):
    """`manage.py runserver` (daphne: HTTP and WebSocket) on a migrated file database with a staff user."""
    directory = tmp_path_factory.mktemp("topology-server")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "streaming_platform.settings",
        "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
        "TOPOLOGY_UPDATE_INTERVAL_S": "0.5",
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    setup = subprocess.run(
        [sys.executable, "-c", SETUP_SCRIPT], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=180
    )
    assert setup.returncode == 0, setup.stderr
    token = setup.stdout.strip().splitlines()[-1]
    with runserver(env, directory / "server.log") as url:
        yield ServerProcess(url=url, token=token)
