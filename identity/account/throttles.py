"""Rate limits of the account endpoints: reset requests and confirmations, device codes and their approval."""

from rest_framework.throttling import SimpleRateThrottle

from identity.throttles import FailureRateThrottle, LoginAddressThrottle


class PasswordResetAddressThrottle(SimpleRateThrottle):
    """Every reset request counts, per client address: mailing links is not free, and guessing is slow."""

    scope = "password_reset_address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ResetConfirmAddressThrottle(LoginAddressThrottle):
    """Wrong reset tokens count with the failed logins of the client address (the login's own budget)."""


class DeviceCodeAddressThrottle(SimpleRateThrottle):
    """Every device code requested counts, per client address."""

    scope = "device_code_address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class DeviceApprovalThrottle(FailureRateThrottle):
    """Wrong user codes, per signed-in account that types them: codes are short, guessing must be slow."""

    scope = "device_approve"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
