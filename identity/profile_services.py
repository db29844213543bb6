"""Writes of profiles: create, change, delete, select (with the profile lock PIN), and the lock itself."""

import re

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from knox.models import AuthToken

from catalog.models import Maturity
from identity import events
from identity.languages import ISO_639_1_CODES
from identity.models import (
    PROFILES_PER_ACCOUNT_MAX,
    DailyWatchTime,
    ParentalControls,
    Profile,
    TokenProfile,
    User,
    WatchHistory,
)
from identity.profile_selectors import profile_bind, profile_of
from streaming_platform.boundary import boundary
from streaming_platform.errors import Conflict, Forbidden

PIN_PATTERN = re.compile(r"^\d{4}$")
# A new kids profile sees at most this (catalog.models.Maturity) until its controls say otherwise.
KIDS_DEFAULT_MATURITY = Maturity.PG
PROFILE_NAME_MAX = 50


class ProfileConflict(Conflict):
    """The change cannot be made in the account's current state (409): the cap, the main profile."""

    def __init__(self, detail: str, *, code: str):
        super().__init__(detail, code=code)
        self.detail = detail


class ProfilePinWrong(Forbidden):
    """The profile has a lock PIN and the one given is missing or wrong."""

    code = "wrong_pin"
    default_message = "The profile's PIN is wrong or missing."


class ProfilePinLocked(Forbidden):
    """Too many wrong PINs for this profile: none is checked until its PIN is set again."""

    code = "profile_pin_locked"
    default_message = "Too many wrong PINs: this profile is locked. Set its PIN again with the account password."


def _default_name(account: User) -> str:
    return (account.display_name.strip() or account.email.split("@", 1)[0] or "Main")[:PROFILE_NAME_MAX]


@boundary
def profile_main_ensure(*, account: User) -> Profile:
    """The account's main profile, created (with its controls and preferences rows) when it has none."""
    existing = Profile.objects.filter(account=account, is_main=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            profile = Profile.objects.create(account=account, name=_default_name(account), is_main=True)
    except IntegrityError:
        # A concurrent request created it (or the name is taken by another profile of the account).
        existing = Profile.objects.filter(account=account, is_main=True).first()
        if existing is not None:
            return existing
        with transaction.atomic():
            profile = Profile.objects.create(
                account=account, name=f"{_default_name(account)[:40]} (main)", is_main=True
            )
    return profile


def _validate_language(language: str) -> str:
    language = (language or "").strip().lower()
    if language and language not in ISO_639_1_CODES:
        raise ValidationError({"language": [f"Unknown ISO 639-1 language code {language!r}."]})
    return language


def _validate_name(account: User, name: str, *, exclude: Profile | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["A profile needs a name."]})
    if len(name) > PROFILE_NAME_MAX:
        raise ValidationError({"name": [f"At most {PROFILE_NAME_MAX} characters."]})
    taken = Profile.objects.filter(account=account, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationError({"name": ["Another profile of this account has this name."]})
    return name


@boundary
def profile_create(*, account: User, name: str, avatar: str = "", is_kids: bool = False, language: str = "") -> Profile:
    """A new profile of the account (ProfileConflict past PROFILES_PER_ACCOUNT_MAX).

    A kids profile starts with controls capped at KIDS_DEFAULT_MATURITY and unrated titles blocked.
    """
    profile_main_ensure(account=account)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=account.pk).first()  # one creation at a time per account
        if Profile.objects.filter(account=account).count() >= PROFILES_PER_ACCOUNT_MAX:
            raise ProfileConflict(
                f"An account has at most {PROFILES_PER_ACCOUNT_MAX} profiles.", code="profile_limit_reached"
            )
        profile = Profile(
            account=account,
            name=_validate_name(account, name),
            avatar=avatar,
            is_kids=is_kids,
            language=_validate_language(language),
        )
        profile.full_clean(exclude=["account"], validate_constraints=False)
        try:
            profile.save()
        except IntegrityError as exc:
            raise ValidationError({"name": ["Another profile of this account has this name."]}) from exc
        if is_kids:
            ParentalControls.objects.create(
                user=account, profile=profile, max_maturity=KIDS_DEFAULT_MATURITY, block_unrated=True
            )
    return profile


_UNSET = object()


@boundary
def profile_update(*, profile: Profile, name=_UNSET, avatar=_UNSET, is_kids=_UNSET, language=_UNSET) -> Profile:
    """Changes a profile's name, avatar, language or kids flag (the main profile is never a kids one)."""
    account = profile.account
    if name is not _UNSET:
        profile.name = _validate_name(account, name, exclude=profile)
    if avatar is not _UNSET:
        profile.avatar = avatar
    if language is not _UNSET:
        profile.language = _validate_language(language)
    became_kids = False
    if is_kids is not _UNSET:
        if is_kids and profile.is_main:
            raise ValidationError({"is_kids": ["The main profile cannot be a kids profile."]})
        became_kids = bool(is_kids) and not profile.is_kids
        profile.is_kids = bool(is_kids)
    profile.full_clean(exclude=["account"], validate_constraints=False)
    with transaction.atomic():
        try:
            profile.save()
        except IntegrityError as exc:
            raise ValidationError({"name": ["Another profile of this account has this name."]}) from exc
        if became_kids:
            controls, created = ParentalControls.objects.get_or_create(
                profile=profile,
                defaults={"user": account, "max_maturity": KIDS_DEFAULT_MATURITY, "block_unrated": True},
            )
            if not created and (controls.max_maturity is None or controls.max_maturity > KIDS_DEFAULT_MATURITY):
                controls.max_maturity = KIDS_DEFAULT_MATURITY
                controls.save(update_fields=["max_maturity", "updated_at"])
    if became_kids:
        events.parental_controls_changed.send_on_commit(user=account)
    return profile


@boundary
def profile_delete(*, profile: Profile) -> None:
    """Deletes a profile with its history, controls, preferences and tokens bound to it (signed out).

    The main profile cannot be deleted (ProfileConflict). Services that keep records of the profile hear
    `profile_deleted` after the commit (stream ends its sessions; analytics keeps its events without it).
    """
    if profile.is_main:
        raise ProfileConflict("The main profile cannot be deleted.", code="main_profile")
    account = profile.account
    profile_id = profile.pk
    with transaction.atomic():
        AuthToken.objects.filter(profile_binding__profile=profile).delete()
        WatchHistory.objects.filter(profile=profile).delete()
        DailyWatchTime.objects.filter(profile=profile).delete()
        profile.delete()
    events.profile_deleted.send_on_commit(user=account, profile_id=profile_id)
    events.history_changed.send_on_commit(user=account, entry=None, watched_at=None)


def pin_attempt(rows, *, pin: str | None, locked: type[Exception]) -> bool:
    """True when the row of `rows` (a profile, or a profile's parental controls) has no PIN or `pin` is it;
    `locked` is raised while the row is locked. Wrong PINs count towards the lock.

    The failure slot is taken (and committed) before the hash is checked, so parallel guesses cannot pass
    the bound; the right PIN gives it back.
    """
    with transaction.atomic():
        row = rows.select_for_update().first()
        if row is None or not row.pin_hash:
            return True
        if row.pin_locked_at is not None:
            raise locked
        row.pin_failures += 1
        if row.pin_failures >= settings.IDENTITY_PIN_LOCKOUT_FAILURES:
            row.pin_locked_at = timezone.now()
        row.save(update_fields=["pin_failures", "pin_locked_at"])
        pin_hash = row.pin_hash
    if not pin or not check_password(str(pin), pin_hash):
        return False
    type(row).objects.filter(pk=row.pk).update(pin_failures=0, pin_locked_at=None)
    return True


def _profile_pin_attempt(*, profile: Profile, pin: str | None) -> bool:
    """True when the profile has no lock or `pin` opens it (ProfilePinLocked while it is locked)."""
    return pin_attempt(Profile.objects.filter(pk=profile.pk), pin=pin, locked=ProfilePinLocked)


@boundary
def profile_select(*, user: User, profile: Profile, token: AuthToken | None, pin: str | None = None) -> Profile:
    """Makes the caller's token (or, without one, the caller's browser session) act for `profile`.

    A profile with a lock needs its PIN (ProfilePinWrong, ProfilePinLocked), whichever profile the caller
    comes from; selecting the profile already acted for needs nothing.
    """
    current = profile_of(user)
    if (current is None or current.pk != profile.pk) and not _profile_pin_attempt(profile=profile, pin=pin):
        raise ProfilePinWrong
    if token is not None:
        TokenProfile.objects.update_or_create(token=token, defaults={"profile": profile})
    profile_bind(user, profile)
    return profile


@boundary
def profile_pin_set(*, profile: Profile, pin: str) -> Profile:
    """Sets (or replaces) the profile's 4-digit lock, stored with Django's hasher; lifts a lock of wrong PINs.

    The caller has just checked the account password.
    """
    if not PIN_PATTERN.match(str(pin)):
        raise ValidationError({"pin": ["The PIN is exactly 4 digits."]})
    Profile.objects.filter(pk=profile.pk).update(pin_hash=make_password(str(pin)), pin_failures=0, pin_locked_at=None)
    profile.refresh_from_db(fields=["pin_hash", "pin_failures", "pin_locked_at"])
    return profile


@boundary
def profile_pin_clear(*, profile: Profile) -> None:
    """Removes the profile's lock; the caller has just checked the account password."""
    Profile.objects.filter(pk=profile.pk).update(pin_hash="", pin_failures=0, pin_locked_at=None)


@boundary
def profiles_main_create_many(*, accounts: list[User]) -> dict[int, Profile]:
    """The main profiles of many new accounts at once (bulk imports); returns them by account id."""
    have = set(Profile.objects.filter(account__in=accounts, is_main=True).values_list("account_id", flat=True))
    Profile.objects.bulk_create(
        [Profile(account=a, name=_default_name(a), is_main=True) for a in accounts if a.pk not in have],
        batch_size=1000,
    )
    return {p.account_id: p for p in Profile.objects.filter(account__in=accounts, is_main=True)}
