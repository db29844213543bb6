"""The per-address login throttle reads the real client address: X-Forwarded-For counts only behind real proxies."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

pytestmark = pytest.mark.django_db

LOGIN = "/api/identity/auth/login"


@pytest.fixture(autouse=True)
def address_rate(monkeypatch, settings):
    settings.IDENTITY_LOGIN_LOCKOUT_FAILURES = 1000
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "login_address": "5/min", "login_account": "1000/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def guess(n: int, **headers):
    return APIClient().post(LOGIN, {"email": f"guess{n}@example.org", "password": "wrong"}, format="json", **headers)


def test_forged_forwarded_for_headers_are_ignored_without_a_proxy():
    answers = [guess(n, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(40)]

    assert answers[:5] == [400] * 5
    assert answers[5:] == [429] * 35


def rest_framework_with(**overrides):
    from django.conf import settings

    return override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, **overrides})


def test_behind_one_proxy_the_address_it_appended_counts_and_forged_ones_do_not():
    with rest_framework_with(NUM_PROXIES=1):
        # The client forges the first entries; the proxy appends the address it really saw.
        forged = [guess(n, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 198.51.100.7").status_code for n in range(7)]
        other_client = guess(99, HTTP_X_FORWARDED_FOR="10.9.9.1, 198.51.100.8")

    assert forged == [400] * 5 + [429] * 2
    assert other_client.status_code == 400
