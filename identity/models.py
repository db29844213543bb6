"""Identity data: accounts and plans, profiles, preferences, parental controls, watch history, login failures."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from catalog.regions import RegionCodeField


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
    country = RegionCodeField(default="US", help_text="The viewer's region (ISO 3166-1 alpha-2).")
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

    def refresh_from_db(self, *args, **kwargs) -> None:
        super().refresh_from_db(*args, **kwargs)
        # The profile this object acts for stays; what was read through it (its controls) is read again.
        profile = self.__dict__.get("_identity_active_profile")
        if profile is not None:
            profile._state.fields_cache.clear()
            profile.account = self

    @property
    def max_streams(self) -> int:
        return PLAN_LIMITS[self.plan]["max_streams"]

    @property
    def max_height(self) -> int:
        return PLAN_LIMITS[self.plan]["max_height"]


# An account holds at most this many profiles (the main one included).
PROFILES_PER_ACCOUNT_MAX = 5


class Profile(models.Model):
    """One viewer of a household account: what is personal (history, controls, preferences) belongs here.

    The plan, the concurrent-stream limit, the email and the password stay on the account. Every account
    has exactly one main profile, which cannot be deleted nor made a kids profile.
    """

    account = models.ForeignKey(User, on_delete=models.CASCADE, related_name="profiles")
    name = models.CharField(max_length=50)
    avatar = models.CharField(max_length=64, blank=True, help_text="Key of an avatar image the clients know.")
    is_main = models.BooleanField(default=False)
    is_kids = models.BooleanField(default=False)
    language = models.CharField(max_length=8, blank=True, help_text="ISO 639-1 code of the interface language.")
    pin_hash = models.CharField(max_length=128, blank=True, help_text="The 4-digit profile lock, hashed; empty: none.")
    pin_failures = models.PositiveSmallIntegerField(default=0, help_text="Wrong PINs since the last right one.")
    pin_locked_at = models.DateTimeField(
        null=True, blank=True, help_text="Set after too many wrong PINs; setting the PIN again (password) unlocks."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["account_id", "-is_main", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "account", name="identity_profile_name_unique_in_account"),
            models.UniqueConstraint(
                fields=["account"], condition=models.Q(is_main=True), name="identity_profile_one_main_per_account"
            ),
            models.CheckConstraint(
                condition=~models.Q(is_main=True, is_kids=True), name="identity_profile_main_is_not_kids"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.account})"

    @property
    def has_pin(self) -> bool:
        return bool(self.pin_hash)


class TokenProfile(models.Model):
    """The profile a bearer token acts for, once the viewer selected one; a token without a row acts for the
    account's main profile."""

    token = models.OneToOneField(
        "knox.AuthToken", on_delete=models.CASCADE, primary_key=True, related_name="profile_binding"
    )
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="token_bindings")

    def __str__(self) -> str:
        return f"token {self.token_id[:8]} acts for {self.profile}"


class Preferences(models.Model):
    """What the viewer likes; the Recommend service falls back on it for a viewer with no history."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", help_text="The profile's account.")
    profile = models.OneToOneField(Profile, on_delete=models.CASCADE, related_name="preferences")
    favourite_genres = models.ManyToManyField("catalog.Genre", related_name="+", blank=True)
    audio_languages = models.JSONField(default=list, blank=True, help_text="ISO 639-1 codes, most preferred first.")
    subtitle_languages = models.JSONField(default=list, blank=True, help_text="ISO 639-1 codes, most preferred first.")
    subtitles_enabled = models.BooleanField(default=False)
    autoplay_next_episode = models.BooleanField(default=True)
    autoplay_previews = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "preferences"

    def __str__(self) -> str:
        return f"Preferences of {self.profile}"


# Monday is 0, as in datetime.date.weekday().
ALL_WEEKDAYS = [0, 1, 2, 3, 4, 5, 6]


def all_weekdays() -> list[int]:
    return list(ALL_WEEKDAYS)


class ParentalControls(models.Model):
    """Per-profile limits: what may be seen (a catalog restriction) and when and how long (checked at stream start)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", help_text="The profile's account.")
    profile = models.OneToOneField(Profile, on_delete=models.CASCADE, related_name="parental_controls")
    max_maturity = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Highest catalog maturity allowed (catalog.models.Maturity); empty: none."
    )
    block_unrated = models.BooleanField(default=False)
    blocked_genres = models.ManyToManyField("catalog.Genre", related_name="+", blank=True)
    viewing_days = models.JSONField(default=all_weekdays, blank=True, help_text="Weekdays allowed, Monday = 0.")
    viewing_start = models.TimeField(null=True, blank=True, help_text="Viewing allowed from (user's time zone).")
    viewing_end = models.TimeField(
        null=True, blank=True, help_text="Viewing allowed until (exclusive); may be earlier than the start."
    )
    daily_limit_minutes = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: no daily limit.")
    pin_hash = models.CharField(max_length=128, blank=True, help_text="The 4-digit PIN, hashed; empty: no PIN.")
    pin_failures = models.PositiveSmallIntegerField(default=0, help_text="Wrong PINs since the last right one.")
    pin_locked_at = models.DateTimeField(
        null=True, blank=True, help_text="Set after too many wrong PINs; the account password unlocks it."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "parental controls"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(viewing_start__isnull=True, viewing_end__isnull=True)
                    | models.Q(viewing_start__isnull=False, viewing_end__isnull=False)
                ),
                name="identity_controls_viewing_hours_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return f"Parental controls of {self.profile}"

    @property
    def has_pin(self) -> bool:
        return bool(self.pin_hash)


class WatchHistory(models.Model):
    """One row per profile and title (or episode), kept up to date as they watch."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="watch_history", help_text="The account.")
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="watch_history")
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="+")
    episode = models.ForeignKey("catalog.Episode", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    position_s = models.FloatField(
        default=0.0, validators=[MinValueValidator(0.0)], help_text="Resume point; 0 means start from the beginning."
    )
    duration_s = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0.0)])
    completed = models.BooleanField(default=False, help_text="Watched to the end at least once.")
    watch_count = models.PositiveIntegerField(default=0, help_text="How many times it was watched to the end.")
    rating = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0.0), MaxValueValidator(5.0)])
    last_watched_at = models.DateTimeField(default=timezone.now)
    hidden_from_continue_watching = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_watched_at", "-id"]
        verbose_name_plural = "watch history"
        indexes = [
            models.Index(fields=["user", "-last_watched_at"]),
            models.Index(fields=["profile", "-last_watched_at"]),
            models.Index(fields=["title", "user"]),
        ]
        constraints = [
            # NULL never equals NULL in a unique index, so the episode-less row needs its own constraint.
            models.UniqueConstraint(
                fields=["profile", "title", "episode"],
                condition=models.Q(episode__isnull=False),
                name="identity_history_one_per_profile_episode",
            ),
            models.UniqueConstraint(
                fields=["profile", "title"],
                condition=models.Q(episode__isnull=True),
                name="identity_history_one_per_profile_title",
            ),
            models.CheckConstraint(
                condition=models.Q(duration_s__isnull=True) | models.Q(position_s__lte=models.F("duration_s")),
                name="identity_history_position_within_duration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} watched {self.title}"


class DailyWatchTime(models.Model):
    """Seconds watched per profile and calendar day in the account's time zone; the daily limit reads it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="daily_watch_time", help_text="The account.")
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="daily_watch_time")
    day = models.DateField()
    watched_s = models.FloatField(default=0.0, validators=[MinValueValidator(0.0)])

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "day"], name="identity_daily_watch_time_unique_profile_day")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.day}: {self.watched_s:.0f} s"


class LoginFailures(models.Model):
    """Recent failed logins per email (known or not, so a lockout never reveals which emails exist)."""

    email = models.CharField(max_length=254, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "login failures"

    def __str__(self) -> str:
        return f"{self.email}: {self.failures} failures"


class ListEntry(models.Model):
    """A title on a profile's My List; `position` is the viewer's own order (lowest first)."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="list_entries")
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="+")
    position = models.IntegerField(default=0)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-added_at", "-id"]
        verbose_name_plural = "list entries"
        indexes = [models.Index(fields=["profile", "-added_at"]), models.Index(fields=["profile", "position"])]
        constraints = [models.UniqueConstraint(fields=["profile", "title"], name="identity_list_one_entry_per_title")]

    def __str__(self) -> str:
        return f"{self.title} on the list of {self.profile}"


class RatingValue(models.TextChoices):
    DOWN = "down", "Not for me"
    UP = "up", "I like this"
    LOVE = "love", "Love this"


class Rating(models.Model):
    """A profile's thumbs on a title, given from its page or after watching; separate from history."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="ratings")
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="+")
    value = models.CharField(max_length=4, choices=RatingValue.choices)
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-rated_at", "-id"]
        indexes = [models.Index(fields=["profile", "-rated_at"])]
        constraints = [
            models.UniqueConstraint(fields=["profile", "title"], name="identity_rating_one_per_title"),
            models.CheckConstraint(condition=models.Q(value__in=["down", "up", "love"]), name="identity_rating_value"),
        ]

    def __str__(self) -> str:
        return f"{self.profile} rated {self.title}: {self.value}"


# The account package's models (devices, sign-in with a code) belong to this app.
from identity.account.models import Device, DeviceAuthorization, DeviceType  # noqa: E402, F401
