"""The login lockout as Django's authentication backend, so every way in obeys it: API, admin, any password form."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from identity import services
from identity.models import User
from identity.throttles import LoginAddressThrottle


class LockoutModelBackend(ModelBackend):
    """Email and password, checked only after a failure slot was taken (see `services.login_attempt_begin`).

    A locked email, or a client address past its failure rate, raises PermissionDenied, which makes
    `django.contrib.auth.authenticate` give up without asking another backend or hashing anything.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = kwargs.pop(User.USERNAME_FIELD, username)
        if not isinstance(email, str) or not email.strip() or password is None:
            return None
        email = email.strip().lower()
        address = LoginAddressThrottle()
        if request is not None and not address.allow_request(request, None):
            raise PermissionDenied("Too many failed logins from this address.")
        try:
            services.login_attempt_begin(email=email)
        except services.LoginLocked as exc:
            raise PermissionDenied(str(exc)) from exc
        user = super().authenticate(request, username=email, password=password, **kwargs)
        if user is None:
            if request is not None:
                address.record_failure(request, None)
            return None
        services.login_failures_reset(email=email)
        return user
