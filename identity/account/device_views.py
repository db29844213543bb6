"""Thin API views of the sign-in on a TV with a code (RFC 8628 device authorization grant)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from identity.account import device_grant
from identity.account.serializers import (
    DeviceApprovalSerializer,
    DeviceApprovedSerializer,
    DeviceAuthorizationRequestSerializer,
    DeviceAuthorizationSerializer,
    DeviceGrantErrorSerializer,
    DeviceTokenRequestSerializer,
    DeviceTokenSerializer,
)
from identity.account.throttles import DeviceApprovalThrottle, DeviceCodeAddressThrottle
from identity.permissions import kids_profile_refuse
from identity.serializers import UserSerializer


class DeviceAuthorizationView(APIView):
    """The TV asks for a device code and a user code to show (RFC 8628 section 3.1)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [DeviceCodeAddressThrottle]

    @extend_schema(
        summary="Start a sign-in with a code (TV)",
        description="Answers `device_code` (secret, for polling), `user_code` (8 consonants shown as WDJB-MJHT), "
        "`verification_uri` (where the viewer types it), `expires_in` and `interval` (seconds). JSON or form "
        "bodies; `device_name` and `device_type` (default tv) name the device in the viewer's device list. "
        "Throttled per client address (`DEVICE_CODE_RATE_PER_ADDRESS`).",
        request=DeviceAuthorizationRequestSerializer,
        responses={200: DeviceAuthorizationSerializer},
    )
    def post(self, request):
        serializer = DeviceAuthorizationRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        started = device_grant.device_authorization_start(
            device_name=data["device_name"], device_type=data["device_type"]
        )
        return Response(DeviceAuthorizationSerializer(started).data)


class DeviceApprovalView(APIView):
    """A signed-in viewer approves (or denies) the code a TV shows: the TV's next poll gets its token."""

    throttle_classes = [DeviceApprovalThrottle]

    @extend_schema(
        summary="Approve a TV's sign-in code",
        description="`{user_code, approve}` as typed (case, dashes and spaces ignored). The TV is signed in "
        "to the caller's account. Unknown, expired or already decided codes are 400; wrong codes are "
        "throttled per account (`DEVICE_APPROVE_RATE`).",
        request=DeviceApprovalSerializer,
        responses={
            200: DeviceApprovedSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT, description="`user_code`: unknown, expired, or already approved or denied."
            ),
        },
    )
    def post(self, request):
        kids_profile_refuse(request)  # signing a TV in to the account is the account holder's
        serializer = DeviceApprovalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            grant = device_grant.device_authorization_decide(
                user=request.user,
                user_code=serializer.validated_data["user_code"],
                approve=serializer.validated_data["approve"],
            )
        except device_grant.UserCodeUnknown:
            for throttle in self.get_throttles():
                throttle.record_failure(request, self)
            raise
        approved = grant.status == "approved"
        return Response({"device_name": grant.device_name, "device_type": grant.device_type, "approved": approved})


class DeviceTokenView(APIView):
    """The TV polls for its token (RFC 8628 section 3.4) with `grant_type` and `device_code`."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary="Poll for the TV's token",
        description="`grant_type=urn:ietf:params:oauth:grant-type:device_code` and `device_code` (form or JSON). "
        "Until the viewer decides: 400 `authorization_pending`; polling faster than `interval`: 400 `slow_down` "
        "(the interval grows by 5 s); then the token once (`access_token`, as auth/login's `token`), or 400 "
        "`access_denied`; after `expires_in`: 400 `expired_token`. Errors carry RFC 6749's `error` and "
        "`error_description` and the API's `detail` and `code`.",
        request=DeviceTokenRequestSerializer,
        responses={
            200: DeviceTokenSerializer,
            400: OpenApiResponse(
                DeviceGrantErrorSerializer,
                description="RFC 8628 section 3.5 errors.",
                examples=[
                    OpenApiExample(
                        "pending",
                        value={
                            "error": "authorization_pending",
                            "error_description": "Waiting for the viewer to approve the code.",
                            "detail": "Waiting for the viewer to approve the code.",
                            "code": "authorization_pending",
                        },
                    )
                ],
            ),
        },
    )
    def post(self, request):
        serializer = DeviceTokenRequestSerializer(data=request.data)
        if not serializer.is_valid():
            return self.error(device_grant.DeviceGrantError("invalid_request", self.describe(serializer.errors)))
        if serializer.validated_data["grant_type"] != device_grant.GRANT_TYPE:
            return self.error(
                device_grant.DeviceGrantError(
                    "unsupported_grant_type", f"grant_type must be {device_grant.GRANT_TYPE}."
                )
            )
        try:
            user, instance, token = device_grant.device_token_poll(device_code=serializer.validated_data["device_code"])
        except device_grant.DeviceGrantError as exc:
            return self.error(exc)
        expires_in = int((instance.expiry - instance.created).total_seconds()) if instance.expiry else None
        body = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": expires_in,
            "token": token,
            "expiry": instance.expiry,
            "user": UserSerializer(user).data,
        }
        return Response(body, headers={"Cache-Control": "no-store"})

    def handle_exception(self, exc):
        # A body that does not parse is RFC 6749's invalid_request too, in the protocol's error shape.
        if isinstance(exc, exceptions.ParseError):
            return self.error(device_grant.DeviceGrantError("invalid_request", str(exc.detail)))
        return super().handle_exception(exc)

    @staticmethod
    def describe(errors: dict) -> str:
        return "; ".join(f"{field}: {' '.join(str(m) for m in messages)}" for field, messages in errors.items())

    @staticmethod
    def error(exc: device_grant.DeviceGrantError) -> Response:
        body = {"error": exc.error, "error_description": exc.description, "detail": exc.description, "code": exc.error}
        if exc.interval is not None:
            body["interval"] = exc.interval
        return Response(body, status=status.HTTP_400_BAD_REQUEST, headers={"Cache-Control": "no-store"})
