"""`manage.py serve` tells its workers how many proxies really stand in front of them."""

import signal

import pytest
from django.core.management import call_command
from django.test import override_settings

from streaming_platform.management.commands import serve


class FinishedProcess:
    """Stands in for a server process: records how it was started and has already exited cleanly."""

    started: list["FinishedProcess"] = []

    def __init__(self, args, env=None):
        self.args, self.env, self.returncode = args, env, 0
        FinishedProcess.started.append(self)

    def poll(self):
        return 0

    def terminate(self):
        pass

    def wait(self, timeout=None):
        return 0


@pytest.fixture
def started(monkeypatch, tmp_path):
    FinishedProcess.started = []
    monkeypatch.setattr(serve.subprocess, "Popen", FinishedProcess)
    monkeypatch.setattr(serve.time, "sleep", lambda seconds: None)
    handlers = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    yield FinishedProcess.started
    for number, handler in handlers.items():
        signal.signal(number, handler)


def workers(started):
    return {process.args[0].rsplit("/", 1)[-1]: process for process in started}


@override_settings(DEBUG=False)
def test_workers_behind_nginx_trust_exactly_one_proxy(started, monkeypatch, tmp_path):
    monkeypatch.setattr(serve.shutil, "which", lambda name: "/usr/sbin/nginx")

    call_command("serve", run_dir=tmp_path)

    by_name = workers(started)
    assert by_name["gunicorn"].env["NUM_PROXIES"] == "1"
    assert by_name["uvicorn"].env["NUM_PROXIES"] == "1"


@override_settings(DEBUG=False)
def test_without_nginx_the_forwarded_header_is_ignored(started, monkeypatch, tmp_path):
    monkeypatch.setattr(serve.shutil, "which", lambda name: None)
    monkeypatch.setattr(serve.Path, "exists", lambda self: False)

    call_command("serve", run_dir=tmp_path, proxies_in_front=0)

    (uvicorn,) = started
    assert uvicorn.env["NUM_PROXIES"] == "0"
    assert "--no-proxy-headers" in uvicorn.args


@override_settings(DEBUG=False)
def test_proxies_in_front_of_nginx_are_added_to_its_own(started, monkeypatch, tmp_path):
    monkeypatch.setattr(serve.shutil, "which", lambda name: "/usr/sbin/nginx")

    call_command("serve", run_dir=tmp_path, proxies_in_front=1)

    assert workers(started)["gunicorn"].env["NUM_PROXIES"] == "2"
