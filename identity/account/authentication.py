"""Bearer-token authentication (knox) that also records when each signed-in device was last used."""

import binascii
from datetime import timedelta
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS
from rest_framework import exceptions

# A device's "last used" is kept to the minute: one write a minute per device, not one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class DeviceTokenAuthentication(TokenAuthentication):
    """knox's authentication; the token's device row comes in the same query, and is touched once a minute."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            _touch(result[1])
        return result

    def authenticate_credentials(self, token):
        # knox's own lookup, with the device joined: recording the last use costs no extra query.
        msg = _("Invalid token.")
        token = token.decode("utf-8")
        candidates = get_token_model().objects.filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH])
        for auth_token in candidates.select_related("user", "device"):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(msg) from None
            if compare_digest(digest, auth_token.digest):
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(msg)


def _touch(token) -> None:
    from identity.account.models import Device

    try:
        device = token.device
    except Device.DoesNotExist:
        return  # a token issued without a device (the admin's, a test's): nothing to record
    now = timezone.now()
    if device.last_used_at is None or device.last_used_at < now - LAST_USED_RESOLUTION:
        Device.objects.filter(pk=device.pk).update(last_used_at=now)
        device.last_used_at = now


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "identity.account.authentication.DeviceTokenAuthentication"
    name = "knoxApiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
