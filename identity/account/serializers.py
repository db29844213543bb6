"""Input and output shapes of the account endpoints (passwords, devices, sign-in with a code, deletion, export)."""

from rest_framework import serializers

from identity.account.models import DeviceType
from identity.serializers import RefusesUnknownFields, UserSerializer

PASSWORD_STYLE = {"input_type": "password"}


class PasswordChangeSerializer(RefusesUnknownFields, serializers.Serializer):
    current_password = serializers.CharField(max_length=128, style=PASSWORD_STYLE)
    new_password = serializers.CharField(max_length=128, style=PASSWORD_STYLE, help_text="Django's validators apply.")
    sign_out_other_devices = serializers.BooleanField(
        default=False, help_text="Also revoke every bearer token but the one of this request."
    )


class PasswordChangedSerializer(serializers.Serializer):
    signed_out_devices = serializers.IntegerField(help_text="Tokens revoked (0 unless sign_out_other_devices).")


class PasswordResetRequestSerializer(RefusesUnknownFields, serializers.Serializer):
    email = serializers.CharField(max_length=254)


class PasswordResetConfirmSerializer(RefusesUnknownFields, serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(max_length=128, style=PASSWORD_STYLE, help_text="Django's validators apply.")


class AcceptedSerializer(serializers.Serializer):
    detail = serializers.CharField()


class DeviceSerializer(serializers.Serializer):
    id = serializers.CharField(source="token_key", help_text="Pass to DELETE users/<id>/devices/<device id>.")
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=DeviceType.choices)
    created = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    expiry = serializers.DateTimeField(allow_null=True)
    current = serializers.BooleanField(help_text="The device this request was made from.")


class DeviceAuthorizationRequestSerializer(RefusesUnknownFields, serializers.Serializer):
    client_id = serializers.CharField(max_length=64, required=False, help_text="Accepted and ignored (one client).")
    device_name = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)
    device_type = serializers.ChoiceField(choices=DeviceType.choices, required=False, default=DeviceType.TV)


class DeviceAuthorizationSerializer(serializers.Serializer):
    device_code = serializers.CharField(help_text="Secret: the device polls the token endpoint with it.")
    user_code = serializers.CharField(help_text="Shown on screen, e.g. WDJB-MJHT.")
    verification_uri = serializers.CharField()
    verification_uri_complete = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Seconds the codes live.")
    interval = serializers.IntegerField(help_text="Seconds to wait between polls.")


class DeviceApprovalSerializer(RefusesUnknownFields, serializers.Serializer):
    user_code = serializers.CharField(max_length=32, help_text="As shown on the TV; case, dashes and spaces ignored.")
    approve = serializers.BooleanField(default=True, help_text="false denies the sign-in.")


class DeviceApprovedSerializer(serializers.Serializer):
    device_name = serializers.CharField()
    device_type = serializers.CharField()
    approved = serializers.BooleanField()


class DeviceTokenRequestSerializer(serializers.Serializer):
    grant_type = serializers.CharField(max_length=128, help_text="urn:ietf:params:oauth:grant-type:device_code")
    device_code = serializers.CharField(max_length=128)
    client_id = serializers.CharField(max_length=64, required=False)


class DeviceTokenSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField(allow_null=True)
    token = serializers.CharField(help_text="The same token, as auth/login names it.")
    expiry = serializers.DateTimeField(allow_null=True)
    user = UserSerializer()


class DeviceGrantErrorSerializer(serializers.Serializer):
    error = serializers.CharField(
        help_text="RFC 8628: authorization_pending, slow_down, expired_token, access_denied; RFC 6749: "
        "invalid_grant, unsupported_grant_type, invalid_request."
    )
    error_description = serializers.CharField()
    detail = serializers.CharField()
    code = serializers.CharField()
    interval = serializers.IntegerField(required=False, help_text="With slow_down: the new polling interval.")


class PasswordSerializer(RefusesUnknownFields, serializers.Serializer):
    password = serializers.CharField(max_length=128, style=PASSWORD_STYLE)


class AccountErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
