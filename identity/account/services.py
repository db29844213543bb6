"""Writes of the account a viewer manages: sign-in with a device, passwords, devices, deletion."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from knox.models import AuthToken

from identity import services as identity_services
from identity.account.mail import viewer_mail_send
from identity.account.models import Device, DeviceType
from identity.models import User
from streaming_platform.boundary import boundary
from streaming_platform.errors import Forbidden, Invalid

if TYPE_CHECKING:  # the request only reaches the lockout backend (its client address)
    from django.http import HttpRequest

# --- Errors (streaming_platform.errors: the API answers them) ----------------------------------------


class AccountLocked(identity_services.LoginLocked):
    """Too many failed password checks for this email: nothing is checked until `until` (403 `account_locked`)."""


class WrongCredentials(Invalid):
    """The email and password do not match an active account (the same for an unknown email)."""

    code = "invalid_credentials"
    default_message = "Unable to log in with the given email and password."


class WrongPassword(Forbidden):
    """The signed-in viewer's password, re-entered, is wrong."""

    code = "wrong_password"
    default_message = "The account password is wrong."


class ResetLinkInvalid(Invalid):
    """The password reset link is unknown, used already, or older than PASSWORD_RESET_TIMEOUT."""

    code = "reset_link_invalid"

    def __init__(self):
        super().__init__(fields={"token": ["This reset link is invalid, already used or expired; ask for a new one."]})


# --- Password checks under the login lockout --------------------------------------------------------


def _authenticate(*, request: "HttpRequest | None", email: str, password: str) -> User | None:
    """`authenticate` through the lockout backend; AccountLocked when the email or the address is locked."""
    # A locked email makes the backend refuse without checking (authenticate then answers None).
    user = authenticate(request, email=email, password=password)
    if user is None:
        until = identity_services.login_locked_until(email=email)
        if until is not None:
            raise AccountLocked(until)
    return user


def password_check(*, request: "HttpRequest | None", user: User, password: str) -> None:
    """The viewer re-enters their password (change, deletion): counted like a login; WrongPassword or AccountLocked."""
    if _authenticate(request=request, email=user.email, password=password) is None:
        raise WrongPassword


# --- Signing in -----------------------------------------------------------------------------------


@boundary
def device_token_create(*, user: User, device_name: str = "", device_type: str = DeviceType.OTHER) -> tuple:
    """A bearer token for one device, with the name and type the device gave: (AuthToken, raw token)."""
    with transaction.atomic():
        instance, token = identity_services.token_create(user=user)
        Device.objects.create(token=instance, name=device_name[:64], type=device_type, last_used_at=timezone.now())
    return instance, token


@boundary
def login(
    *,
    request: "HttpRequest | None",
    email: str,
    password: str,
    device_name: str = "",
    device_type: str = DeviceType.OTHER,
) -> tuple[User, AuthToken, str]:
    """Email and password for a device's token; WrongCredentials or AccountLocked (the lockout is the backend's)."""
    email = email.strip().lower()
    user = _authenticate(request=request, email=email, password=password)
    if user is None:
        raise WrongCredentials
    instance, token = device_token_create(user=user, device_name=device_name, device_type=device_type)
    return user, instance, token


# --- Passwords ------------------------------------------------------------------------------------


def _password_set(*, user: User, new_password: str) -> None:
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])


@boundary
def password_change(
    *,
    request: "HttpRequest | None",
    user: User,
    current_password: str,
    new_password: str,
    sign_out_other_devices: bool = False,
    current_token: AuthToken | None = None,
) -> int:
    """Changes the password after checking the current one (under the lockout); returns the tokens revoked.

    Django's sessions carry a hash of the password, so every browser session of the account ends with the
    change (the caller's own session is kept by the view). With `sign_out_other_devices` every bearer token
    but `current_token` is revoked too.
    """
    password_check(request=request, user=user, password=current_password)
    with transaction.atomic():
        _password_set(user=user, new_password=new_password)
        if not sign_out_other_devices:
            return 0
        others = AuthToken.objects.filter(user=user)
        if current_token is not None:
            others = others.exclude(pk=current_token.pk)
        _, deleted = others.delete()
    return deleted.get(AuthToken._meta.label, 0)


RESET_ACCEPTED = "If an account has this email, a link to reset its password is on its way."


def _reset_link(user: User) -> tuple[str, str, str]:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return uid, token, settings.IDENTITY_PASSWORD_RESET_URL.format(uid=uid, token=token)


@boundary
def password_reset_request(*, email: str) -> None:
    """Emails a reset link (one use, PASSWORD_RESET_TIMEOUT) to the account with this email, if there is one.

    The caller learns nothing: an unknown email returns the same way, having sent nothing.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    uid, token, url = _reset_link(user)
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    viewer_mail_send(
        subject="Reset your password",
        message=(
            f"Someone asked to reset the password of your account {user.email}.\n\n"
            f"To choose a new one, open this link within {minutes} minutes:\n{url}\n\n"
            f"(or send uid {uid} and token {token} to the app). The link works once.\n\n"
            "If it was not you, ignore this email: your password stays as it is."
        ),
        to=user.email,
    )


def _user_of_uid(uid: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    if not 0 < pk < 2**63:
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


@boundary
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """Sets a new password from a reset link; every token of the account is revoked (sessions end with the hash).

    Under the login lockout: a wrong token takes a failure slot of the account's email like a wrong
    password, and a locked account is refused (AccountLocked) before the token is checked.
    """
    user = _user_of_uid(uid)
    if user is None:
        make_password(new_password)  # as slow as a known account: the answer time tells nothing
        raise ResetLinkInvalid
    try:
        identity_services.login_attempt_begin(email=user.email)
    except identity_services.LoginLocked as exc:
        raise AccountLocked(exc.until) from None
    if not default_token_generator.check_token(user, token):
        raise ResetLinkInvalid
    identity_services.login_failures_reset(email=user.email)  # the link is right: the slot is given back
    with transaction.atomic():
        _password_set(user=user, new_password=new_password)
        AuthToken.objects.filter(user=user).delete()
    return user


# --- Devices --------------------------------------------------------------------------------------


@boundary
def device_sign_out(*, user: User, device_id: str) -> bool:
    """Revokes the token of one of the viewer's devices (by its id, the token's public key); False if unknown."""
    deleted, _ = AuthToken.objects.filter(user=user, token_key=device_id).delete()
    return deleted > 0


# --- Deletion -------------------------------------------------------------------------------------

# Called with the user inside the deletion's transaction, before the account row goes: higher services
# (analytics) register here in their AppConfig.ready() to keep what they must without the viewer's identity.
_erasure_hooks: list[Callable[..., None]] = []


def account_erasure_hook_register(hook: Callable[..., None]) -> None:
    """`hook(user=...)` runs before an account is deleted, in the same transaction (registering twice: once)."""
    if hook not in _erasure_hooks:
        _erasure_hooks.append(hook)


def account_erasure_run(sender=None, *, instance: User, **_) -> None:
    """Runs the erasure hooks for an account about to be deleted: connected to User's `pre_delete`.

    So every way an account goes (this API, the admin, a shell) strips its identity from what other
    services keep; Django sends `pre_delete` before it deletes the rows that cascade.
    """
    for hook in list(_erasure_hooks):
        hook(user=instance)


@boundary
def account_delete(*, request: "HttpRequest | None", user: User, password: str) -> None:
    """Deletes the account after the password is re-entered (under the lockout); everything personal goes.

    Tokens, devices, preferences, controls, history, playback sessions and recommendations go with the
    row (cascades); browser sessions end because their user no longer exists; the registered erasure
    hooks strip the viewer's identity from what other services keep (analytics), via `pre_delete`.
    """
    password_check(request=request, user=user, password=password)
    with transaction.atomic():
        identity_services.account_lock(user=user)
        email = user.email
        user.delete()
    identity_services.login_failures_reset(email=email)
