"""Sign-in on a TV with a code: the OAuth 2.0 device authorization grant (RFC 8628).

The TV asks for a device code and a short user code, shows the user code, and polls for its token;
a viewer signed in on another device approves (or denies) the user code. Codes live
IDENTITY_DEVICE_CODE_TTL_S seconds; the device code is stored only as a hash.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from knox.models import AuthToken

from identity.account.models import DeviceAuthorization, DeviceType
from identity.account.models import DeviceAuthorizationStatus as Status
from identity.account.services import device_token_create
from identity.models import User
from streaming_platform.boundary import boundary
from streaming_platform.errors import Invalid

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
# RFC 8628 section 6.1: consonants only (no vowels, so no words; no 0/O or 1/I to confuse), 8 of them.
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
USER_CODE_LENGTH = 8
SLOW_DOWN_STEP_S = 5  # RFC 8628 section 3.5: each slow_down adds 5 seconds to the interval


class DeviceGrantError(Exception):
    """An RFC 8628 / RFC 6749 error answer of the token endpoint: `error` is the protocol's code."""

    def __init__(self, error: str, description: str, *, interval: int | None = None):
        super().__init__(description)
        self.error, self.description, self.interval = error, description, interval


class UserCodeUnknown(Invalid):
    """No pending sign-in has this user code (never issued, mistyped, expired, or already decided)."""

    code = "user_code_unknown"

    def __init__(self):
        super().__init__(fields={"user_code": ["No sign-in is waiting for this code."]})


@dataclass(frozen=True)
class DeviceGrantStarted:
    device_code: str
    user_code: str  # as shown, with a dash
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int


def _digest(device_code: str) -> str:
    return hashlib.sha256(device_code.encode()).hexdigest()


def user_code_display(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def user_code_normalize(typed: str) -> str:
    """What the viewer typed, as stored: case, dashes and spaces do not matter."""
    return "".join(ch for ch in typed.upper() if ch not in "- \t")


@boundary
def device_authorization_start(*, device_name: str = "", device_type: str = DeviceType.TV) -> DeviceGrantStarted:
    """A new pending sign-in for a device: its secret device code and the user code it shows."""
    now = timezone.now()
    ttl = settings.IDENTITY_DEVICE_CODE_TTL_S
    # Requests that ended long ago go, so the table stays small and user codes free up.
    DeviceAuthorization.objects.filter(expires_at__lt=now - timedelta(seconds=ttl)).delete()
    device_code = secrets.token_urlsafe(32)
    for _attempt in range(5):
        user_code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))
        try:
            with transaction.atomic():
                DeviceAuthorization.objects.create(
                    device_code_digest=_digest(device_code),
                    user_code=user_code,
                    device_name=device_name[:64],
                    device_type=device_type,
                    expires_at=now + timedelta(seconds=ttl),
                    interval_s=settings.IDENTITY_DEVICE_POLL_INTERVAL_S,
                )
            break
        except IntegrityError:
            continue  # a user code still in use: draw another
    else:
        raise RuntimeError("no free user code after 5 draws")
    uri = settings.IDENTITY_DEVICE_VERIFICATION_URI
    shown = user_code_display(user_code)
    return DeviceGrantStarted(
        device_code=device_code,
        user_code=shown,
        verification_uri=uri,
        verification_uri_complete=f"{uri}?user_code={shown}",
        expires_in=ttl,
        interval=settings.IDENTITY_DEVICE_POLL_INTERVAL_S,
    )


@boundary
def device_authorization_decide(*, user: User, user_code: str, approve: bool) -> DeviceAuthorization:
    """The signed-in viewer approves (or denies) the pending sign-in showing `user_code`; UserCodeUnknown if none."""
    code = user_code_normalize(user_code)
    with transaction.atomic():
        pending = (
            DeviceAuthorization.objects.select_for_update()
            .filter(user_code=code, status=Status.PENDING, expires_at__gt=timezone.now())
            .first()
        )
        if pending is None:
            raise UserCodeUnknown
        pending.user = user
        pending.status = Status.APPROVED if approve else Status.DENIED
        pending.save(update_fields=["user", "status"])
    return pending


@boundary
def device_token_poll(*, device_code: str) -> tuple[User, AuthToken, str]:
    """The device's poll: its token once approved (once only), else the RFC 8628 error to answer."""
    now = timezone.now()
    with transaction.atomic():
        grant = (
            DeviceAuthorization.objects.select_for_update(of=("self",))  # PostgreSQL locks no outer-joined user
            .select_related("user")
            .filter(device_code_digest=_digest(device_code))
            .first()
        )
        if grant is None or grant.status == Status.ISSUED:
            raise DeviceGrantError("invalid_grant", "Unknown device code, or its token was already issued.")
        if grant.expires_at <= now:
            raise DeviceGrantError("expired_token", "The codes expired; start the sign-in again.")
        if grant.status == Status.DENIED:
            raise DeviceGrantError("access_denied", "The sign-in was denied.")
        if grant.status == Status.APPROVED and grant.user is not None and grant.user.is_active:
            grant.status = Status.ISSUED
            grant.last_polled_at = now
            grant.save(update_fields=["status", "last_polled_at"])
            instance, token = device_token_create(
                user=grant.user, device_name=grant.device_name, device_type=grant.device_type
            )
            return grant.user, instance, token
        too_soon = grant.last_polled_at is not None and now - grant.last_polled_at < timedelta(seconds=grant.interval_s)
        grant.last_polled_at = now
        if too_soon:
            grant.interval_s += SLOW_DOWN_STEP_S
            grant.save(update_fields=["last_polled_at", "interval_s"])
            error = DeviceGrantError(
                "slow_down", f"Polling too fast: wait {grant.interval_s} s between polls.", interval=grant.interval_s
            )
        else:
            grant.save(update_fields=["last_polled_at"])
            error = DeviceGrantError("authorization_pending", "Waiting for the viewer to approve the code.")
    raise error
