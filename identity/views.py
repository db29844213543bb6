"""Thin API views of the identity service: auth, accounts, preferences, history, parental controls."""

import datetime as dt

from django.contrib.auth import logout as session_logout
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from knox.models import AuthToken
from rest_framework import exceptions, filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.selectors import episode_get, title_get, titles_visible_to
from identity import selectors, services
from identity.account import registration
from identity.account import services as account_services
from identity.account.models import DeviceType
from identity.account.serializers import AcceptedSerializer
from identity.filtersets import UserFilterSet, WatchHistoryFilterSet
from identity.models import User, WatchHistory
from identity.permissions import ME, IsStaff, account_for, kids_profile_refuse
from identity.serializers import (
    PREFERENCE_DEFAULTS,
    ContinueWatchingSerializer,
    HistoryClearedSerializer,
    HistoryEntrySerializer,
    HistoryInputSerializer,
    LoginResponseSerializer,
    LoginSerializer,
    PlanSerializer,
    PreferencesSerializer,
    ProfileUpdateSerializer,
    RegistrationSerializer,
    UserSerializer,
)
from identity.throttles import LoginAccountThrottle, LoginAddressThrottle, PinThrottle, RegistrationAddressThrottle

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class PinAnswers:
    """For views that take the account's PIN: a wrong one counts towards the `pin` throttle (then the service's
    403)."""

    def handle_exception(self, exc):
        if isinstance(exc, services.WrongPin):
            PinThrottle().record_failure(self.request, self)
        return super().handle_exception(exc)


# --- Authentication --------------------------------------------------------------------------------


class LoginView(APIView):
    """Exchanges email and password for a bearer token (one per device)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [LoginAddressThrottle, LoginAccountThrottle]

    @extend_schema(
        summary="Sign in",
        description="Email and password for a bearer token of one device; `device_name` and `device_type` "
        "name it in the device list (users/<id>/devices). Under the login lockout.",
        request=LoginSerializer,
        responses={200: LoginResponseSerializer},
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            user, instance, token = account_services.login(
                request=request,
                email=data["email"],
                password=data["password"],
                device_name=data.get("device_name", ""),
                device_type=data.get("device_type", DeviceType.OTHER),
            )
        except (account_services.WrongCredentials, account_services.AccountLocked):
            # The service's 400 or 403, once the failure counts towards the account's throttle.
            for throttle in self.get_throttles():
                if isinstance(throttle, LoginAccountThrottle):
                    throttle.record_failure(request, self)
            raise
        return Response({"token": token, "expiry": instance.expiry, "user": UserSerializer(user).data})


class LogoutView(APIView):
    """Revokes the token this request was made with (or ends the browser session)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        request.data  # noqa: B018 - parsing the body makes an oversized one a 413, not a silent logout
        if isinstance(request.auth, AuthToken):
            services.token_revoke(token=request.auth)
        else:
            session_logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revokes every token of the caller: logs them out on all devices."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        services.tokens_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Accounts --------------------------------------------------------------------------------------


class UserViewSet(PinAnswers, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Registration (anyone), the caller's own account, and the account list (staff)."""

    queryset = User.objects.order_by("id")
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, filters.OrderingFilter]
    search_fields = ["email", "display_name"]
    ordering_fields = ["id", "email", "date_joined", "country", "plan"]
    # `me` is the caller; a longer number is no id (and past Python's int parsing limit): a 404.
    lookup_value_regex = r"me|\d{1,19}"

    def get_throttles(self):
        if self.action == "create":
            return [RegistrationAddressThrottle()]
        if self.action in ("partial_update", "me_update"):
            return [PinThrottle()]  # a time zone change may carry the PIN
        return super().get_throttles()

    def check_throttles(self, request):
        if self.action in ("partial_update", "me_update"):
            self.get_object()  # an unknown or foreign account is a 404 before any throttle answers
        super().check_throttles(request)

    def get_permissions(self):
        if self.action == "create":
            return [AllowAny()]
        if self.action == "list":
            return [*super().get_permissions(), IsStaff()]
        return super().get_permissions()

    def get_queryset(self):
        return selectors.user_list()

    def get_object(self):
        pk = self.kwargs.get("pk", ME)
        account = account_for(self.request, pk if pk == ME else int(pk), write=self.request.method in WRITE_METHODS)
        kids_profile_refuse(self.request)  # account settings are not a kids profile's to read or change
        return account

    @extend_schema(
        summary="Register",
        description="Creates the account and emails a welcome, or, when the email already has an account, emails "
        "its owner instead: the answer (202) is the same either way, so it tells nobody whether an email is "
        "registered. Bad input (password refused by the validators, country, time zone, unknown fields) is 400 "
        "for any email. Sign in with `auth/login` afterwards.",
        request=RegistrationSerializer,
        responses={202: AcceptedSerializer},
    )
    def create(self, request):
        serializer = RegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration.registration_submit(**serializer.validated_data)
        return Response({"detail": registration.REGISTRATION_ACCEPTED}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=ProfileUpdateSerializer, responses={200: UserSerializer})
    def partial_update(self, request, pk=None):
        account = self.get_object()
        serializer = ProfileUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update(user=account, **serializer.validated_data)
        return Response(UserSerializer(user).data)

    @action(detail=False, methods=["get"], url_path="me")
    def me(self, request):
        kids_profile_refuse(request)
        return Response(UserSerializer(request.user).data)

    @extend_schema(request=ProfileUpdateSerializer, responses={200: UserSerializer})
    @me.mapping.patch
    def me_update(self, request):
        return self.partial_update(request)


class AccountView(GenericAPIView):
    """Base for the endpoints under /users/<id>/: the account is the caller's, or staff reading it.

    A kids profile reads (`kids_may_read`) and changes (`kids_may_write`) only what is its own.
    """

    kids_may_read = True
    kids_may_write = True

    def account(self, *, write: bool | None = None) -> User:
        if write is None:
            write = self.request.method in WRITE_METHODS
        account = account_for(self.request, self.kwargs["user_id"], write=write)
        if not (self.kids_may_write if write else self.kids_may_read):
            kids_profile_refuse(self.request)
        return account

    def get_object(self) -> User:
        # DRF's OPTIONS answer describes PUT only to a caller who may change this account.
        return self.account()


class PreferencesView(AccountView):
    serializer_class = PreferencesSerializer

    def get(self, request, user_id):
        return Response(PreferencesSerializer(selectors.preferences_for(user=self.account())).data)

    def put(self, request, user_id):
        return self.update(partial=False)

    def patch(self, request, user_id):
        return self.update(partial=True)

    def update(self, *, partial: bool):
        account = self.account()
        serializer = PreferencesSerializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data if partial else {**PREFERENCE_DEFAULTS, **serializer.validated_data}
        if "favourite_genres" in values:
            values["favourite_genre_ids"] = values.pop("favourite_genres")
        services.preferences_update(user=account, **values)
        return Response(PreferencesSerializer(selectors.preferences_for(user=account)).data)


HISTORY_BEFORE = OpenApiParameter(
    "before",
    OpenApiTypes.STR,
    description="ISO 8601 date or date-time: delete only entries last watched before it (all when omitted).",
)


class HistoryView(AccountView):
    """The viewer's watch history: list (newest first), record progress, clear (all or before a date)."""

    serializer_class = HistoryEntrySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = WatchHistoryFilterSet
    queryset = WatchHistory.objects.none()  # for the schema; requests use the account's history

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.history_for(user=self.account())

    @extend_schema(responses={200: HistoryEntrySerializer(many=True)})
    def get(self, request, user_id):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(HistoryEntrySerializer(page, many=True).data)

    @extend_schema(request=HistoryInputSerializer, responses={201: HistoryEntrySerializer})
    def post(self, request, user_id):
        account = self.account()
        serializer = HistoryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # A title the viewer may not see is as unknown as one that does not exist.
        title = titles_visible_to(account).filter(pk=data["title"]).first()
        if title is None:
            raise exceptions.ValidationError({"title": [f"Unknown title {data['title']}."]})
        episode = None
        if data.get("episode") is not None:
            episode = episode_get(episode_id=data["episode"])
            if episode is None:
                raise exceptions.ValidationError({"episode": [f"Unknown episode {data['episode']}."]})
        entry = services.history_record(
            user=account,
            title=title,
            episode=episode,
            position_s=data["position_s"],
            duration_s=data.get("duration_s"),
            watched_at=data.get("watched_at"),
            rating=data.get("rating"),
        )
        entry = selectors.history_for(user=account).get(pk=entry.pk)
        return Response(HistoryEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="identity_users_history_clear",
        parameters=[HISTORY_BEFORE],
        request=None,
        responses={200: HistoryClearedSerializer},
    )
    def delete(self, request, user_id):
        account = self.account()
        before = self.parse_before(request.query_params.get("before"))
        return Response({"deleted": services.history_clear(user=account, before=before)})

    @staticmethod
    def parse_before(value: str | None):
        if value is None:
            return None
        try:
            # Both raise ValueError for a well-formed but impossible value (2024-02-30, hour 25).
            moment = parse_datetime(value)
            day = parse_date(value) if moment is None else None
        except ValueError:
            raise exceptions.ValidationError({"before": ["No such date or time."]}) from None
        if moment is None:
            if day is None:
                raise exceptions.ValidationError({"before": ["Use an ISO 8601 date or date-time."]})
            moment = dt.datetime.combine(day, dt.time.min)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, dt.UTC)
        try:
            moment.astimezone(dt.UTC)
        except OverflowError:
            raise exceptions.ValidationError({"before": ["Date-time out of range."]}) from None
        return moment


class HistoryEntryView(AccountView):
    serializer_class = HistoryEntrySerializer

    def entry(self):
        return get_object_or_404(selectors.history_for(user=self.account()), pk=self.kwargs["entry_id"])

    def get(self, request, user_id, entry_id):
        return Response(HistoryEntrySerializer(self.entry()).data)

    def delete(self, request, user_id, entry_id):
        services.history_entry_delete(entry=self.entry())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContinueWatchingView(AccountView):
    """Titles in progress, newest first, with the next episode for shows."""

    serializer_class = ContinueWatchingSerializer
    queryset = WatchHistory.objects.none()  # for the schema; the row is built by a selector

    @extend_schema(responses={200: ContinueWatchingSerializer(many=True)})
    def get(self, request, user_id):
        items = selectors.continue_watching_for(user=self.account())
        page = self.paginate_queryset(items)
        return self.get_paginated_response(ContinueWatchingSerializer(page, many=True).data)


class ContinueWatchingEntryView(AccountView):
    """Removes a title from continue-watching; its history stays."""

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, user_id, title_id):
        account = self.account()
        # The title first, by primary key: an id no row can have is then a 404 like any unknown one.
        title = title_get(title_id=title_id)
        if not selectors.history_for(user=account).filter(title=title).exists():
            raise Http404
        services.continue_watching_hide(user=account, title=title)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PlanView(AccountView):
    """Moves an account to another plan: staff only; the hook a billing system calls."""

    serializer_class = PlanSerializer
    kids_may_read = kids_may_write = False

    @extend_schema(request=PlanSerializer, responses={200: UserSerializer})
    def put(self, request, user_id):
        account = self.account(write=False)  # ownership first: a foreign account is a 404 to viewers
        if not request.user.is_staff:
            raise exceptions.PermissionDenied("Plans are changed by staff (or the billing system).")
        serializer = PlanSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(UserSerializer(services.user_plan_change(user=account, **serializer.validated_data)).data)
