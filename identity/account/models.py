"""Devices a bearer token was issued to, and the pending sign-ins of devices that show a code (RFC 8628)."""

from django.conf import settings
from django.db import models


class DeviceType(models.TextChoices):
    WEB = "web", "Web browser"
    MOBILE = "mobile", "Phone"
    TABLET = "tablet", "Tablet"
    TV = "tv", "TV"
    DESKTOP = "desktop", "Desktop app"
    OTHER = "other", "Other"


class Device(models.Model):
    """What one bearer token was issued to: the name and type the client gave at sign-in, and its last use."""

    token = models.OneToOneField("knox.AuthToken", on_delete=models.CASCADE, primary_key=True, related_name="device")
    name = models.CharField(max_length=64, blank=True, help_text="As the client named itself, e.g. Living room TV.")
    type = models.CharField(max_length=16, choices=DeviceType.choices, default=DeviceType.OTHER)
    last_used_at = models.DateTimeField(null=True, blank=True, help_text="Recorded at most once a minute.")

    class Meta:
        app_label = "identity"

    def __str__(self) -> str:
        return f"{self.name or self.get_type_display()} of {self.token.user_id}"


class DeviceAuthorizationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved, token not yet collected"
    DENIED = "denied", "Denied"
    ISSUED = "issued", "Token issued"


class DeviceAuthorization(models.Model):
    """One device authorization request (RFC 8628): a TV's sign-in that a signed-in viewer approves by its code."""

    device_code_digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the device code.")
    user_code = models.CharField(max_length=8, unique=True, help_text="Without the dash, e.g. WDJBMJHT.")
    device_name = models.CharField(max_length=64, blank=True)
    device_type = models.CharField(max_length=16, choices=DeviceType.choices, default=DeviceType.TV)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    interval_s = models.PositiveSmallIntegerField(help_text="Seconds the device must wait between polls.")
    last_polled_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=DeviceAuthorizationStatus.choices, default=DeviceAuthorizationStatus.PENDING
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        app_label = "identity"
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"{self.user_code[:4]}-{self.user_code[4:]} ({self.status})"
