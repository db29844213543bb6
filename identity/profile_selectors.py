"""Reads of profiles: which profile a request acts for, and an account's profiles."""

from django.db.models import Q, QuerySet

from identity.models import Profile, User
from streaming_platform.boundary import boundary

# Where the acting profile, and the token it is read from, are kept on the request's user object.
_ACTIVE = "_identity_active_profile"
_TOKEN = "_identity_token_digest"
_SESSION_PROFILE = "_identity_session_profile_id"
SESSION_PROFILE_KEY = "identity_profile_id"


def profile_token_note(user, token) -> None:
    """Remembers the bearer token `user` signed in with, so `profile_of` can find the profile bound to it."""
    user.__dict__[_TOKEN] = token.digest
    user.__dict__.pop(_ACTIVE, None)


def profile_session_note(user, profile_id) -> None:
    """Remembers the profile a browser session selected (the Django session's key)."""
    user.__dict__[_SESSION_PROFILE] = profile_id
    user.__dict__.pop(_ACTIVE, None)


def profile_bind(user, profile: Profile) -> None:
    """Makes `user` (the account) act for `profile` in this process, e.g. a session's viewer at its end."""
    profile.account = user
    user.__dict__[_ACTIVE] = profile


def profile_bind_of_session(*, user, profile_id) -> None:
    """Makes `user` act for the profile a playback session records (no change when it has none).

    `profile_id` may be an expression (a subquery reading the session's column), so one query does it all.
    """
    if profile_id is None:
        return
    current = user.__dict__.get(_ACTIVE)
    if current is not None and current.pk == profile_id:
        return
    profile = Profile.objects.select_related("parental_controls").filter(pk=profile_id, account=user).first()
    if profile is not None:
        profile_bind(user, profile)


def _acting_profile(user: User) -> Profile | None:
    digest = user.__dict__.get(_TOKEN)
    session_profile = user.__dict__.get(_SESSION_PROFILE)
    chosen = Q(is_main=True)
    if digest is not None:
        chosen |= Q(token_bindings__token_id=digest)
    elif session_profile is not None:
        chosen |= Q(pk=session_profile)
    # One query: the chosen profile (or the main one) with its controls; the chosen one sorts first.
    return (
        Profile.objects.filter(chosen, account=user)
        .select_related("parental_controls")
        .order_by("is_main", "id")
        .first()
    )


@boundary
def profile_of(user) -> Profile | None:
    """The profile this caller acts for: the one its token (or browser session) selected, else the main one.

    None for anonymous callers. Loaded once per request object; an account without a profile gets its
    main one here (accounts are created with one; this covers rows written by other means).
    """
    if user is None or not user.is_authenticated:
        return None
    profile = user.__dict__.get(_ACTIVE)
    if profile is None:
        profile = _acting_profile(user)
        if profile is None:
            from identity.profile_services import profile_main_ensure

            profile = profile_main_ensure(account=user)
        profile_bind(user, profile)
    return profile


def acts_as_kids(user) -> bool:
    profile = profile_of(user)
    return bool(profile is not None and profile.is_kids)


@boundary
def profile_main_of(*, account: User) -> Profile:
    profile = Profile.objects.filter(account=account, is_main=True).first()
    if profile is None:
        from identity.profile_services import profile_main_ensure

        profile = profile_main_ensure(account=account)
    return profile


@boundary
def profiles_of(*, account: User) -> QuerySet[Profile]:
    """The account's profiles, the main one first, with their controls."""
    return Profile.objects.filter(account=account).select_related("parental_controls").order_by("-is_main", "id")


@boundary
def profile_get(*, account: User, profile_id: int) -> Profile | None:
    return profiles_of(account=account).filter(pk=profile_id).first()
