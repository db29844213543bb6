"""Thin API views of the account a viewer manages: passwords, devices, deletion and export."""

from django.contrib.auth import logout as session_logout
from django.contrib.auth import update_session_auth_hash
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.models import AuthToken
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from identity.account import export, selectors, services
from identity.account.serializers import (
    AcceptedSerializer,
    AccountErrorSerializer,
    DeviceSerializer,
    PasswordChangedSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    PasswordSerializer,
)
from identity.account.throttles import PasswordResetAddressThrottle, ResetConfirmAddressThrottle
from identity.views import AccountView

LOCKED = OpenApiResponse(
    AccountErrorSerializer, description="`account_locked`: too many failed password checks; the lock's end is named."
)
WRONG_PASSWORD = OpenApiResponse(
    AccountErrorSerializer, description="`wrong_password` (the password re-entered is wrong), or `account_locked`."
)


# --- Passwords ------------------------------------------------------------------------------------


class PasswordChangeView(AccountView):
    """Changes the caller's password (the current one re-entered); optionally signs out the other devices."""

    kids_may_read = kids_may_write = False  # the account's, not a kids profile's

    serializer_class = PasswordChangeSerializer

    @extend_schema(
        summary="Change the password",
        description="The current password is checked under the login lockout (a wrong one counts as a failed "
        "login). Browser sessions of the account end with the change, the caller's own excepted; with "
        "`sign_out_other_devices` every bearer token but the caller's is revoked too.",
        request=PasswordChangeSerializer,
        responses={200: PasswordChangedSerializer, 403: WRONG_PASSWORD},
    )
    def post(self, request, user_id):
        account = self.account()
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        revoked = services.password_change(
            request=request,
            user=account,
            current_password=serializer.validated_data["current_password"],
            new_password=serializer.validated_data["new_password"],
            sign_out_other_devices=serializer.validated_data["sign_out_other_devices"],
            current_token=request.auth if isinstance(request.auth, AuthToken) else None,
        )
        if not isinstance(request.auth, AuthToken):
            update_session_auth_hash(request._request, account)  # the browser session in use stays signed in
        return Response({"signed_out_devices": revoked})


class PasswordResetRequestView(APIView):
    """Asks for a password reset link by email: always 202, whether or not an account has that email."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [PasswordResetAddressThrottle]

    @extend_schema(
        summary="Ask for a password reset link",
        description="Emails a link (valid once, for `PASSWORD_RESET_TIMEOUT` seconds, an hour by default) to the "
        "account with this email. The answer is the same 202 for any email, known or not.",
        request=PasswordResetRequestSerializer,
        responses={202: AcceptedSerializer},
    )
    def post(self, request):
        serializer = PasswordResetRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_request(email=serializer.validated_data["email"])
        return Response({"detail": services.RESET_ACCEPTED}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(APIView):
    """Sets a new password with the uid and token of a reset link; every device of the account is signed out."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ResetConfirmAddressThrottle]

    @extend_schema(
        summary="Set a new password from a reset link",
        description="The link's `uid` and `token` with the new password. A wrong token counts as a failed login "
        "of the account (the login lockout applies: a locked account is refused before the token is checked) "
        "and of the client address. On success every token and session of the account ends.",
        request=PasswordResetConfirmSerializer,
        responses={
            204: None,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT, description="`token`: invalid, used or expired; `new_password`: refused."
            ),
            403: LOCKED,
        },
    )
    def post(self, request):
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.password_reset_confirm(**serializer.validated_data)
        except services.ResetLinkInvalid:
            for throttle in self.get_throttles():
                throttle.record_failure(request, self)
            raise
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Devices --------------------------------------------------------------------------------------


class DevicesView(AccountView):
    """The viewer's signed-in devices: one per bearer token, with the name and type given at sign-in."""

    kids_may_read = kids_may_write = False  # the account's, not a kids profile's

    serializer_class = DeviceSerializer
    queryset = AuthToken.objects.none()  # for the schema; requests list the account's tokens

    @extend_schema(
        summary="List the signed-in devices",
        description="Unexpired bearer tokens of the account, newest sign-in first: `name` and `type` as the "
        "device gave them at sign-in, `created`, `last_used_at` (to the minute), `expiry`, and `current` for "
        "the token of this request.",
        responses={200: DeviceSerializer(many=True)},
    )
    def get(self, request, user_id):
        devices = selectors.devices_for(user=self.account(), current_token=request.auth)
        page = self.paginate_queryset(devices)
        return self.get_paginated_response(DeviceSerializer(page, many=True).data)


class DeviceView(AccountView):
    """Signs one device out: its token is revoked."""

    kids_may_read = kids_may_write = False  # the account's, not a kids profile's

    @extend_schema(
        summary="Sign a device out",
        description="Revokes the device's token; that device's next request gets 401. The current device "
        "may sign itself out too.",
        request=None,
        responses={
            204: None,
            404: OpenApiResponse(AccountErrorSerializer, description="No such device of this account."),
        },
    )
    def delete(self, request, user_id, device_id):
        if not services.device_sign_out(user=self.account(), device_id=device_id):
            raise exceptions.NotFound("No such device.")
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Deletion and export --------------------------------------------------------------------------


class AccountDeleteView(AccountView):
    """Deletes the caller's account, with the password re-entered."""

    kids_may_read = kids_may_write = False  # the account's, not a kids profile's

    serializer_class = PasswordSerializer

    @extend_schema(
        summary="Delete the account",
        description="The password is checked under the login lockout. Every token and session of the account "
        "ends; the account, its preferences, controls, history, devices, playback sessions and recommendations "
        "are deleted; analytics keep their counts without the viewer's identity. Staff cannot delete another "
        "viewer's account here (403).",
        request=PasswordSerializer,
        responses={204: None, 403: WRONG_PASSWORD},
    )
    def post(self, request, user_id):
        account = self.account()
        serializer = PasswordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.account_delete(request=request, user=account, password=serializer.validated_data["password"])
        if not isinstance(request.auth, AuthToken):
            session_logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountExportView(AccountView):
    """The viewer's data as one JSON document."""

    kids_may_read = kids_may_write = False  # the account's, not a kids profile's

    @extend_schema(
        summary="Export the account's data",
        description="One JSON document: `format_version`, `exported_at`, `account`, `preferences`, "
        "`parental_controls` (never the PIN), `history`, `ratings`, `devices`, and the sections other parts of "
        "identity register (`identity.account.export.export_section_register`). Sent as an attachment.",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request, user_id):
        account = self.account()
        document = export.account_export(user=account)
        filename = f"account-{account.pk}-{timezone.now():%Y%m%d}.json"
        return Response(document, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
