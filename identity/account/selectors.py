"""Reads of the account a viewer manages: signed-in devices."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from knox.models import AuthToken

from identity.account.models import Device, DeviceType
from identity.models import User


@dataclass(frozen=True)
class SignedInDevice:
    token_key: str
    name: str
    type: str
    created: datetime
    last_used_at: datetime | None
    expiry: datetime | None
    current: bool


def devices_for(*, user: User, current_token: AuthToken | None = None) -> list[SignedInDevice]:
    """The viewer's unexpired bearer tokens as devices, newest sign-in first; one query."""
    tokens = (
        AuthToken.objects.filter(user=user)
        .filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))
        .select_related("device")
        .order_by("-created", "token_key")
    )
    current_digest = current_token.digest if isinstance(current_token, AuthToken) else None
    devices = []
    for token in tokens:
        try:
            device: Device | None = token.device
        except Device.DoesNotExist:
            device = None
        devices.append(
            SignedInDevice(
                token_key=token.token_key,
                name=device.name if device else "",
                type=device.type if device else DeviceType.OTHER,
                created=token.created,
                last_used_at=device.last_used_at if device else None,
                expiry=token.expiry,
                current=token.digest == current_digest,
            )
        )
    return devices
