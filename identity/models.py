"""Identity data: the viewer's account and plan."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

region_code_validator = RegexValidator(r"^[A-Z]{2}$", "Use an ISO 3166-1 alpha-2 code such as US or DE.")


class Plan(models.TextChoices):
    BASIC = "basic", "Basic"
    STANDARD = "standard", "Standard"
    PREMIUM = "premium", "Premium"


# What each plan allows: concurrent streams and the highest resolution (frame height in pixels).
PLAN_LIMITS = {
    Plan.BASIC: {"max_streams": 1, "max_height": 720},
    Plan.STANDARD: {"max_streams": 2, "max_height": 1080},
    Plan.PREMIUM: {"max_streams": 4, "max_height": 2160},
}


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A viewer (or an operator, when `is_staff`). Logs in with their email."""

    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=150, blank=True)
    country = models.CharField(
        max_length=2, default="US", validators=[region_code_validator], help_text="The viewer's region."
    )
    time_zone = models.CharField(max_length=64, default="UTC", help_text="IANA time zone, e.g. Europe/Berlin.")
    plan = models.CharField(max_length=16, choices=Plan.choices, default=Plan.STANDARD)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["country"]), models.Index(fields=["plan"])]

    def __str__(self) -> str:
        return self.email

    @property
    def max_streams(self) -> int:
        return PLAN_LIMITS[self.plan]["max_streams"]

    @property
    def max_height(self) -> int:
        return PLAN_LIMITS[self.plan]["max_height"]
