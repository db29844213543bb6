"""Registration that does not tell whether an email is taken: the same answer and the same work either way."""

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from identity import services as identity_services
from identity.account.mail import viewer_mail_send
from identity.models import Plan, User
from streaming_platform.boundary import boundary

REGISTRATION_ACCEPTED = (
    "Thanks: we sent a message to this address. If it could be registered, the account is ready and you can sign in."
)


def _candidate(*, email: str, display_name: str, country: str | None, time_zone: str) -> User:
    """The account the input describes, checked as registration checks it, before anyone looks at the email."""
    identity_services._validate_time_zone(time_zone)
    return User(
        email=email,
        display_name=display_name,
        country=identity_services._region(country),
        time_zone=time_zone,
        plan=Plan(settings.IDENTITY_DEFAULT_PLAN),
    )


def _taken_notice(email: str) -> None:
    viewer_mail_send(
        subject="You already have an account",
        message=(
            f"Someone, maybe you, tried to create an account with {email}, which already has one.\n\n"
            "If it was you, sign in with your password, or reset it from the sign-in page. "
            "If it was not you, nothing changed and you need not do anything."
        ),
        to=email,
    )


def _welcome(user: User) -> None:
    viewer_mail_send(
        subject="Welcome",
        message=f"Your account {user.email} is ready: sign in with it and the password you chose.",
        to=user.email,
    )


@boundary
def registration_submit(
    *,
    email: str,
    password: str,
    display_name: str = "",
    country: str | None = None,
    time_zone: str = "UTC",
) -> None:
    """Creates the account, or, when the email is taken, tells its owner by email; the caller cannot tell which.

    The input (time zone, country, password against Django's validators) is checked first, the same for
    every email, and a taken email costs a password hash too, so neither the answer nor its time differs.
    """
    email = User.objects.normalize_email(email).lower()
    candidate = _candidate(email=email, display_name=display_name, country=country, time_zone=time_zone)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    if User.objects.filter(email=email).exists():
        make_password(password)  # the work a new account costs
        _taken_notice(email)
        return
    try:
        user = identity_services.user_register(
            email=email, password=password, display_name=display_name, country=country, time_zone=time_zone
        )
    except ValidationError as exc:
        if getattr(exc, "error_dict", {}).keys() == {"email"}:
            _taken_notice(email)  # registered by a concurrent request a moment ago
            return
        raise
    _welcome(user)
