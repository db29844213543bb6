"""Writes of identity data: accounts, tokens, logins, preferences, parental controls, watch history."""

import functools
import logging
import re
from datetime import datetime, timedelta
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from knox.models import AuthToken

from catalog.models import Genre
from catalog.regions import region_code_normalize
from catalog.selectors import genres_with_ids
from identity import events
from identity.history_services import (  # noqa: F401 - other services record history through this module
    FUTURE_TOLERANCE,
    RESUME_MAX_FRACTION,
    RESUME_MIN_FRACTION,
    SHORT_ITEM_MAX_S,
    continue_watching_hide,
    history_clear,
    history_entry_delete,
    history_record,
    user_zone,
)
from identity.languages import ISO_639_1_CODES
from identity.models import (
    LoginFailures,
    ParentalControls,
    Plan,
    Preferences,
    Profile,
    User,
)
from identity.profile_selectors import profile_bind, profile_of
from identity.profile_services import (  # noqa: F401 - other services change profiles through this module
    ProfileConflict,
    ProfilePinLocked,
    ProfilePinWrong,
    pin_attempt,
    profile_create,
    profile_delete,
    profile_main_ensure,
    profile_select,
    profiles_main_create_many,
)
from streaming_platform.boundary import boundary
from streaming_platform.errors import Forbidden

logger = logging.getLogger(__name__)

PIN_PATTERN = re.compile(r"^\d{4}$")


@functools.cache
def _time_zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _validate_time_zone(name: str) -> None:
    if name not in _time_zone_names():
        raise ValidationError({"time_zone": [f"Unknown IANA time zone {name!r}, e.g. Europe/Berlin."]})


# --- Accounts ------------------------------------------------------------------------------------


EMAIL_TAKEN = "This email cannot be registered."


def _region(country: str | None) -> str:
    try:
        return region_code_normalize(country or settings.DEFAULT_REGION)
    except ValidationError as exc:
        raise ValidationError({"country": exc.messages}) from exc


@boundary
def user_register(
    *,
    email: str,
    password: str,
    display_name: str = "",
    country: str | None = None,
    time_zone: str = "UTC",
) -> User:
    """A new viewer on the default plan (`IDENTITY_DEFAULT_PLAN`); the password must pass Django's validators.

    A taken email is refused before the password is validated or hashed, so duplicates cost no hashing.
    """
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": [EMAIL_TAKEN]})
    _validate_time_zone(time_zone)
    user = User(
        email=email,
        display_name=display_name,
        country=_region(country),
        time_zone=time_zone,
        plan=Plan(settings.IDENTITY_DEFAULT_PLAN),
    )
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            user.save()
            profile_main_ensure(account=user)
    except IntegrityError as exc:
        raise ValidationError({"email": [EMAIL_TAKEN]}) from exc
    return user


@boundary
def account_lock(*, user: User) -> None:
    """Locks the viewer's account row until the transaction ends: serializes one viewer's concurrent writes."""
    User.objects.select_for_update().filter(pk=user.pk).first()


@boundary
def user_update(*, user: User, pin: str | None = None, **fields) -> User:
    """Changes the viewer's own profile fields (display name, time zone).

    The time zone decides the viewing hours and the day the daily limit counts, so on an account with a
    PIN changing it needs the PIN (PinLocked / WrongPin otherwise), like any other parental control.
    """
    if "time_zone" in fields:
        _validate_time_zone(fields["time_zone"])
        if fields["time_zone"] != user.time_zone:
            _require_pin(user=user, pin=pin)
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean()
    user.save(update_fields=[*fields])
    return user


@boundary
def user_plan_change(*, user: User, plan: str) -> User:
    """Moves an account to another plan: a staff action, and the hook a billing system calls."""
    user.plan = Plan(plan)
    user.full_clean(validate_unique=False)
    user.save(update_fields=["plan"])
    return user


# --- Logins and tokens -------------------------------------------------------------------------------


def _lockout_failures() -> int:
    return settings.IDENTITY_LOGIN_LOCKOUT_FAILURES


def _lockout_window() -> timedelta:
    return timedelta(minutes=settings.IDENTITY_LOGIN_LOCKOUT_MINUTES)


@boundary
def login_locked_until(*, email: str) -> datetime | None:
    """When the lock on this email ends, if it is locked now."""
    record = LoginFailures.objects.filter(email=email.strip().lower()).first()
    if record and record.locked_until and record.locked_until > timezone.now():
        return record.locked_until
    return None


def locked_message(until: datetime | None) -> str:
    if until is None:
        return "Too many failed password checks; try later."
    return (
        "Too many failed logins: this account is locked until "
        f"{until.replace(microsecond=0).isoformat()}. Try again later."
    )


class LoginLocked(Forbidden):
    """Too many failed logins for this email: no password is checked until `until`."""

    code = "account_locked"

    def __init__(self, until: datetime | None):
        super().__init__(locked_message(until))
        self.until = until


@boundary
def login_attempt_begin(*, email: str) -> LoginFailures:
    """Takes one failure slot for a password check about to run, before the (slow) hash; raises LoginLocked.

    The slot counts as a failure until `login_failures_reset` gives it back on success, so parallel
    guesses cannot all pass the check while the first ones are still hashing: the attempt that takes the
    last slot locks the email, and every later one is refused without a password being checked.
    """
    now = timezone.now()
    email = email.strip().lower()
    with transaction.atomic():
        # Rows of failures that no longer count go, so guessing random emails cannot grow the table for ever.
        LoginFailures.objects.filter(last_failure_at__lt=now - _lockout_window()).filter(
            Q(locked_until__isnull=True) | Q(locked_until__lte=now)
        ).exclude(email=email).delete()
        record, _ = LoginFailures.objects.select_for_update().get_or_create(email=email)
        if record.locked_until and record.locked_until > now:
            raise LoginLocked(record.locked_until)
        if record.last_failure_at < now - _lockout_window() or record.locked_until:
            record.failures = 0
            record.locked_until = None
        record.failures += 1
        record.last_failure_at = now
        if record.failures >= _lockout_failures():
            record.locked_until = now + _lockout_window()
        record.save()
    return record


@boundary
def login_failures_reset(*, email: str) -> None:
    LoginFailures.objects.filter(email=email.strip().lower()).delete()


@boundary
def token_create(*, user: User) -> tuple[AuthToken, str]:
    """A new bearer token for one device; the raw token is returned once, only its hash is stored."""
    instance, token = AuthToken.objects.create(user=user)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    events.user_logged_in.send_on_commit(user=user)
    return instance, token


@boundary
def token_revoke(*, token: AuthToken) -> None:
    digest = token.digest  # knox's primary key: gone from the instance once deleted
    token.delete()
    events.tokens_revoked.send_on_commit(user=token.user, digests=[digest])


@boundary
def tokens_revoke_all(*, user: User) -> int:
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    events.tokens_revoked.send_on_commit(user=user, digests=None)
    return deleted


# --- Preferences -----------------------------------------------------------------------------------


def _validate_languages(field: str, codes: list[str]) -> list[str]:
    codes = [str(code).strip().lower() for code in codes]
    unknown = [code for code in codes if code not in ISO_639_1_CODES]
    if unknown:
        raise ValidationError({field: [f"Unknown ISO 639-1 language code(s): {', '.join(unknown)}."]})
    return list(dict.fromkeys(codes))


def _genres_from(field: str, genre_ids: list[int]) -> list[Genre]:
    genres = genres_with_ids(genre_ids=genre_ids)
    unknown = sorted(set(genre_ids) - {genre.pk for genre in genres})
    if unknown:
        raise ValidationError({field: [f"Unknown genre id(s): {', '.join(map(str, unknown))}."]})
    return genres


@boundary
def preferences_update(
    *,
    user: User,
    favourite_genre_ids: list[int] | None = None,
    audio_languages: list[str] | None = None,
    subtitle_languages: list[str] | None = None,
    subtitles_enabled: bool | None = None,
    autoplay_next_episode: bool | None = None,
    autoplay_previews: bool | None = None,
) -> Preferences:
    """Sets the acting profile's preferences (None leaves one unchanged); unknown genres or languages are rejected."""
    profile = profile_of(user)
    with transaction.atomic():
        preferences, _ = Preferences.objects.select_for_update().get_or_create(profile=profile, defaults={"user": user})
        if audio_languages is not None:
            preferences.audio_languages = _validate_languages("audio_languages", audio_languages)
        if subtitle_languages is not None:
            preferences.subtitle_languages = _validate_languages("subtitle_languages", subtitle_languages)
        for name, value in (
            ("subtitles_enabled", subtitles_enabled),
            ("autoplay_next_episode", autoplay_next_episode),
            ("autoplay_previews", autoplay_previews),
        ):
            if value is not None:
                setattr(preferences, name, value)
        genres = _genres_from("favourite_genres", favourite_genre_ids) if favourite_genre_ids is not None else None
        preferences.full_clean()
        preferences.save()
        if genres is not None:
            preferences.favourite_genres.set(genres)
    events.preferences_changed.send_on_commit(user=user)
    return preferences


# --- Parental controls -----------------------------------------------------------------------------


class WrongPin(Forbidden):
    """The acting profile's controls have a PIN and the one given is missing or wrong."""

    code = "wrong_pin"
    default_message = "The PIN is wrong or missing."


class PinLocked(Forbidden):
    """Too many wrong PINs: no PIN is checked until the account password unlocks it."""

    code = "pin_locked"
    default_message = (
        "Too many wrong PINs: the PIN is locked. Unlock it with the account password "
        "(POST users/<id>/controls/pin/unlock)."
    )


def _pin_attempt(*, user: User, pin: str | None) -> bool:
    """True when the acting profile's controls have no PIN or `pin` is it; wrong PINs count towards the PIN
    lock (PinLocked while locked), as for logins."""
    return pin_attempt(ParentalControls.objects.filter(profile=profile_of(user)), pin=pin, locked=PinLocked)


def _require_pin(*, user: User, pin: str | None) -> None:
    if not _pin_attempt(user=user, pin=pin):
        raise WrongPin


@boundary
def parental_pin_verify(*, user: User, pin: str | None) -> bool:
    """True when the account has no PIN or `pin` is it (PinLocked after too many wrong ones)."""
    return _pin_attempt(user=user, pin=pin)


@boundary
def parental_pin_unlock(*, user: User) -> None:
    """Lifts the PIN lock; the caller has just checked the account password."""
    ParentalControls.objects.filter(profile=profile_of(user)).update(pin_failures=0, pin_locked_at=None)


_UNSET = object()


@boundary
def parental_controls_update(
    *,
    user: User,
    profile: Profile | None = None,
    pin: str | None = None,
    max_maturity=_UNSET,
    block_unrated=_UNSET,
    blocked_genre_ids=_UNSET,
    viewing_days=_UNSET,
    viewing_start=_UNSET,
    viewing_end=_UNSET,
    daily_limit_minutes=_UNSET,
) -> ParentalControls:
    """Changes the given controls of the acting profile (or `profile`); once they have a PIN, `pin` must be it
    (else WrongPin or PinLocked)."""
    if profile is not None:
        profile_bind(user, profile)
    _require_pin(user=user, pin=pin)
    profile = profile_of(user)
    with transaction.atomic():
        controls, _ = ParentalControls.objects.select_for_update().get_or_create(
            profile=profile, defaults={"user": user}
        )
        values = {
            "max_maturity": max_maturity,
            "block_unrated": block_unrated,
            "viewing_days": viewing_days,
            "viewing_start": viewing_start,
            "viewing_end": viewing_end,
            "daily_limit_minutes": daily_limit_minutes,
        }
        for name, value in values.items():
            if value is not _UNSET:
                setattr(controls, name, value)
        if viewing_days is not _UNSET:
            days = sorted(set(viewing_days))
            if any(not isinstance(day, int) or not 0 <= day <= 6 for day in days):
                raise ValidationError({"viewing_days": ["Use weekday numbers 0 (Monday) to 6 (Sunday)."]})
            controls.viewing_days = days
        if (controls.viewing_start is None) != (controls.viewing_end is None):
            raise ValidationError({"viewing_end": ["Give both viewing_start and viewing_end, or neither."]})
        genres = _genres_from("blocked_genres", blocked_genre_ids) if blocked_genre_ids is not _UNSET else None
        controls.full_clean()
        controls.save()
        if genres is not None:
            controls.blocked_genres.set(genres)
    profile.parental_controls = controls  # what this request reads from now on
    events.parental_controls_changed.send_on_commit(user=user)
    return controls


@boundary
def parental_pin_set(*, user: User, pin: str, current_pin: str | None = None) -> ParentalControls:
    """Sets (or changes, given the current one) the account's 4-digit PIN, stored with Django's hasher."""
    if not PIN_PATTERN.match(str(pin)):
        raise ValidationError({"pin": ["The PIN is exactly 4 digits."]})
    _require_pin(user=user, pin=current_pin)
    with transaction.atomic():
        controls, _ = ParentalControls.objects.select_for_update().get_or_create(
            profile=profile_of(user), defaults={"user": user}
        )
        controls.pin_hash = make_password(str(pin))
        controls.pin_failures = 0
        controls.pin_locked_at = None
        controls.save(update_fields=["pin_hash", "pin_failures", "pin_locked_at", "updated_at"])
    return controls


@boundary
def parental_pin_clear(*, user: User, current_pin: str | None) -> None:
    """Removes the PIN (the current one is required)."""
    _require_pin(user=user, pin=current_pin)
    ParentalControls.objects.filter(profile=profile_of(user)).update(
        pin_hash="", pin_failures=0, pin_locked_at=None, updated_at=timezone.now()
    )
