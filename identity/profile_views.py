"""Thin API views of profiles: list, create, read, change, delete, select (with the lock PIN), lock."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.models import AuthToken
from rest_framework import exceptions, status
from rest_framework.response import Response

from identity import profile_services, selectors
from identity.controls_views import ControlsView
from identity.models import Profile
from identity.permissions import kids_profile_refuse
from identity.profile_selectors import SESSION_PROFILE_KEY
from identity.profile_serializers import (
    ProfileChangeSerializer,
    ProfileCreateSerializer,
    ProfilePinClearSerializer,
    ProfilePinSetSerializer,
    ProfileSelectSerializer,
    ProfileSerializer,
)
from identity.throttles import PinThrottle
from identity.views import AccountView

CONFLICT_409 = OpenApiResponse(description="The account already has 5 profiles, or the profile is the main one.")


class ProfileAnswers:
    """A wrong profile PIN counts towards the `pin` throttle (the error itself is the service's 403)."""

    def handle_exception(self, exc):
        if isinstance(exc, profile_services.ProfilePinWrong):
            PinThrottle().record_failure(self.request, self)
        return super().handle_exception(exc)


class ProfilesBase(ProfileAnswers, AccountView):
    serializer_class = ProfileSerializer
    queryset = Profile.objects.none()  # for the schema; requests read the account's profiles

    def context(self) -> dict:
        active = selectors.profile_of(self.request.user)
        return {"active_profile_id": active.pk if active is not None else None}

    def profile(self, *, write: bool | None = None) -> Profile:
        """The profile in the path, of the account in the path; a kids profile may reach only itself, to read."""
        account = self.account(write=write)
        profile = selectors.profile_get(account=account, profile_id=self.kwargs["profile_id"])
        if profile is None:
            raise exceptions.NotFound("No such profile.")
        writing = self.request.method not in ("GET", "HEAD", "OPTIONS") if write is None else write
        current = selectors.profile_of(self.request.user)
        if current is not None and current.is_kids and (writing or current.pk != profile.pk):
            kids_profile_refuse(self.request)
        return profile


class ProfileListView(ProfilesBase):
    """The account's profiles (the picker a client shows after login) and creating one."""

    @extend_schema(
        summary="List the account's profiles",
        description="Main profile first. `active` marks the one the caller acts for; `has_pin` the locked ones.",
        responses={200: ProfileSerializer(many=True)},
    )
    def get(self, request, user_id):
        profiles = selectors.profiles_of(account=self.account())
        page = self.paginate_queryset(profiles)
        return self.get_paginated_response(ProfileSerializer(page, many=True, context=self.context()).data)

    @extend_schema(
        summary="Create a profile",
        description="At most 5 per account (409 beyond). A kids profile starts at PG with unrated titles blocked. "
        "Not from a kids profile (403).",
        request=ProfileCreateSerializer,
        responses={201: ProfileSerializer, 409: CONFLICT_409},
    )
    def post(self, request, user_id):
        account = self.account()
        kids_profile_refuse(request)
        serializer = ProfileCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        profile = profile_services.profile_create(account=account, **serializer.validated_data)
        return Response(ProfileSerializer(profile, context=self.context()).data, status=status.HTTP_201_CREATED)


class ProfileDetailView(ProfilesBase):
    """One profile: read, rename or change (PATCH), delete with everything personal in it."""

    @extend_schema(summary="Read a profile", responses={200: ProfileSerializer})
    def get(self, request, user_id, profile_id):
        return Response(ProfileSerializer(self.profile(), context=self.context()).data)

    @extend_schema(
        summary="Change a profile",
        description="Name (unique in the account), avatar key, language (ISO 639-1), kids flag (never the main "
        "profile's). Not from a kids profile (403).",
        request=ProfileChangeSerializer,
        responses={200: ProfileSerializer},
    )
    def patch(self, request, user_id, profile_id):
        profile = self.profile()
        serializer = ProfileChangeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        profile = profile_services.profile_update(profile=profile, **serializer.validated_data)
        return Response(ProfileSerializer(profile, context=self.context()).data)

    @extend_schema(
        summary="Delete a profile",
        description="Its history, controls, preferences and daily watch time go; tokens bound to it are revoked "
        "and its running sessions end; analytics keep its views without it. The main profile cannot be "
        "deleted (409).",
        request=None,
        responses={204: None, 409: CONFLICT_409},
    )
    def delete(self, request, user_id, profile_id):
        profile_services.profile_delete(profile=self.profile())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProfileSelectView(ProfilesBase):
    """Makes the caller's token (or browser session) act for the profile."""

    throttle_classes = [PinThrottle]

    def check_throttles(self, request):
        self.account()  # an unknown or foreign account is a 404 before any throttle answers
        super().check_throttles(request)

    @extend_schema(
        summary="Select a profile",
        description="Every viewer endpoint then acts for this profile with this token. A locked profile needs "
        "its `pin` (403 `wrong_pin`, counted by the `pin` throttle; 403 `profile_pin_locked` after too many), "
        "from any profile, a kids one included.",
        request=ProfileSelectSerializer,
        responses={200: ProfileSerializer},
    )
    def post(self, request, user_id, profile_id):
        account = self.account()
        profile = selectors.profile_get(account=account, profile_id=self.kwargs["profile_id"])
        if profile is None:
            raise exceptions.NotFound("No such profile.")
        serializer = ProfileSelectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = request.auth if isinstance(request.auth, AuthToken) else None
        profile_services.profile_select(
            user=request.user, profile=profile, token=token, pin=serializer.validated_data.get("pin")
        )
        if token is None:
            request._request.session[SESSION_PROFILE_KEY] = profile.pk
        return Response(ProfileSerializer(profile, context={"active_profile_id": profile.pk}).data)


class ProfilePinView(ProfilesBase):
    """The profile's lock: set or replace it (PUT), remove it (DELETE); both need the account password."""

    def check_password(self, password: str) -> None:
        account = self.account()
        if authenticate(self.request, email=account.email, password=password) is None:
            raise exceptions.PermissionDenied("The account password is wrong.", code="wrong_password")

    @extend_schema(
        summary="Lock a profile with a PIN",
        description="4 digits, hashed; replaces the current PIN and lifts a lock of wrong PINs. Needs the account "
        "password (under the login lockout). Not from a kids profile (403).",
        request=ProfilePinSetSerializer,
        responses={204: None},
    )
    def put(self, request, user_id, profile_id):
        profile = self.profile()
        serializer = ProfilePinSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.check_password(serializer.validated_data["password"])
        profile_services.profile_pin_set(profile=profile, pin=serializer.validated_data["pin"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Remove a profile's PIN",
        description="Needs the account password. Not from a kids profile (403).",
        request=ProfilePinClearSerializer,
        responses={204: None},
    )
    def delete(self, request, user_id, profile_id):
        profile = self.profile()
        serializer = ProfilePinClearSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.check_password(serializer.validated_data["password"])
        profile_services.profile_pin_clear(profile=profile)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProfileControlsView(ControlsView):
    """Another profile's parental controls (a kids profile's, set from a grown-up one), as `controls` is for
    the caller's own profile: the controls' PIN, once set, is needed to change them."""

    # A kids profile may not reach other profiles' controls at all; checked here, before the account object
    # (the caller's own, when not staff) is made to act for the profile in the path.
    kids_may_read = kids_may_write = True
    caller_is_kids: bool | None = None

    def account(self, *, write: bool | None = None):
        account = super().account(write=write)
        if self.caller_is_kids is None:
            self.caller_is_kids = selectors.acts_as_kids(self.request.user)
        if self.caller_is_kids:
            kids_profile_refuse(self.request)
        profile = selectors.profile_get(account=account, profile_id=self.kwargs["profile_id"])
        if profile is None:
            raise exceptions.NotFound("No such profile.")
        selectors.profile_bind(account, profile)
        return account

    @extend_schema(summary="Read a profile's parental controls")
    def get(self, request, user_id, profile_id):
        return super().get(request, user_id)

    @extend_schema(summary="Replace a profile's parental controls")
    def put(self, request, user_id, profile_id):
        return super().put(request, user_id)

    @extend_schema(summary="Change some of a profile's parental controls")
    def patch(self, request, user_id, profile_id):
        return super().patch(request, user_id)
