"""Rate limits on guessing: failed logins per client address and per account, wrong PINs per account,
registrations per client address."""

import hashlib

from rest_framework.throttling import SimpleRateThrottle


class FailureRateThrottle(SimpleRateThrottle):
    """Counts only failures: a request is refused once `rate` failures happened in the window.

    The view calls `record_failure` when the credentials (or PIN) were wrong, so a viewer who types
    correctly is never slowed down by their own successful requests.
    """

    def throttle_success(self) -> bool:
        return True

    def record_failure(self, request, view) -> None:
        if self.rate is None:
            return
        key = self.get_cache_key(request, view)
        if key is None:
            return
        now = self.timer()
        history = [moment for moment in self.cache.get(key, []) if moment > now - self.duration]
        history.insert(0, now)
        self.cache.set(key, history, self.duration)


class LoginAddressThrottle(FailureRateThrottle):
    scope = "login_address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginAccountThrottle(FailureRateThrottle):
    scope = "login_account"

    def get_cache_key(self, request, view):
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email.strip():
            return None
        # Hashed: an email is user input of any length and characters, and cache keys must stay short and safe.
        ident = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PinThrottle(FailureRateThrottle):
    """Wrong PIN attempts, per account whose PIN is tried."""

    scope = "pin"

    def get_cache_key(self, request, view):
        account = view.kwargs.get("user_id") or view.kwargs.get("pk") or "me"
        if account == "me":
            account = request.user.pk  # `me` and the caller's id share one count
        return self.cache_format % {"scope": self.scope, "ident": account}

    def allow_request(self, request, view):
        # Only the requests that carry a PIN are guesses; reading controls is never throttled.
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)


class RegistrationAddressThrottle(SimpleRateThrottle):
    """Every registration counts, per client address: creating accounts (and finding taken emails) is slow."""

    scope = "register_address"

    def get_cache_key(self, request, view):
        if request.method != "POST":
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
