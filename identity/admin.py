"""Django admin for accounts: plan, parental controls, preferences, tokens (revocable) and watch history."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm, AdminPasswordChangeForm
from django.contrib.auth import authenticate
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.forms import UserCreationForm as DjangoUserCreationForm
from django.urls import reverse
from knox.models import AuthToken

from identity import services
from identity.models import LoginFailures, ParentalControls, Preferences, Profile, User, WatchHistory
from identity.throttles import LoginAddressThrottle


class LockoutAdminLoginForm(AdminAuthenticationForm):
    """The admin login, under the same lockout as the API (the backend enforces it), saying when it ends."""

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            until = services.login_locked_until(email=self.cleaned_data.get("username") or "")
            if until is not None:
                raise forms.ValidationError(services.locked_message(until), code="account_locked") from None
            if self.request is not None and not LoginAddressThrottle().allow_request(self.request, None):
                raise forms.ValidationError(
                    "Too many failed logins from this address. Try again later.", code="throttled"
                ) from None
            raise


admin.site.login_form = LockoutAdminLoginForm


class LockoutPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's own-password form checks the old password through `authenticate`, so under the lockout."""

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        if authenticate(None, email=self.user.email, password=old_password) is None:
            until = services.login_locked_until(email=self.user.email)
            if until is not None:
                raise forms.ValidationError(services.locked_message(until), code="account_locked")
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


def _password_change(request, extra_context=None):
    """AdminSite.password_change with the lockout-aware form (the site names its form class in code)."""
    from django.contrib.auth.views import PasswordChangeView

    site = admin.site
    request.current_app = site.name
    return PasswordChangeView.as_view(
        form_class=LockoutPasswordChangeForm,
        success_url=reverse("admin:password_change_done", current_app=site.name),
        extra_context={**site.each_context(request), **(extra_context or {})},
    )(request)


admin.site.password_change = _password_change

# Inlines show at most this many history rows; the full history is in its own changelist.
HISTORY_INLINE_ROWS = 50


class UserCreationForm(DjangoUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class ParentalControlsInline(admin.StackedInline):
    model = ParentalControls
    fk_name = "profile"
    exclude = ["pin_hash", "user"]  # the hash is of no use to an operator; the viewer sets the PIN through the API
    extra = 0
    can_delete = True
    filter_horizontal = ["blocked_genres"]
    readonly_fields = ["has_pin"]

    @admin.display(boolean=True, description="PIN set")
    def has_pin(self, obj) -> bool:
        return obj.has_pin


class PreferencesInline(admin.StackedInline):
    model = Preferences
    fk_name = "profile"
    exclude = ["user"]
    extra = 0
    filter_horizontal = ["favourite_genres"]


class ProfileInline(admin.TabularInline):
    """The account's profiles; each one's controls and preferences are on its own page."""

    model = Profile
    extra = 0
    fields = ["name", "avatar", "is_main", "is_kids", "language", "has_pin", "created_at"]
    readonly_fields = ["is_main", "has_pin", "created_at"]
    show_change_link = True

    @admin.display(boolean=True, description="locked")
    def has_pin(self, obj) -> bool:
        return obj.has_pin


class AuthTokenInline(admin.TabularInline):
    """Tokens of the account; deleting one here revokes it (only hashes are stored, never the token)."""

    model = AuthToken
    extra = 0
    fields = ["token_key", "device_name", "device_type", "created", "last_used_at", "expiry"]
    readonly_fields = fields
    can_delete = True
    verbose_name = "token (delete to revoke)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("device")

    @staticmethod
    def _device(token):
        return getattr(token, "device", None) if token.pk else None

    @admin.display(description="device")
    def device_name(self, token) -> str:
        device = self._device(token)
        return device.name if device else ""

    @admin.display(description="type")
    def device_type(self, token) -> str:
        device = self._device(token)
        return device.get_type_display() if device else ""

    @admin.display(description="last used")
    def last_used_at(self, token):
        device = self._device(token)
        return device.last_used_at if device else None


class RecentHistoryFormSet(forms.BaseInlineFormSet):
    def get_queryset(self):
        recent = super().get_queryset().order_by("-last_watched_at").values_list("pk", flat=True)[:HISTORY_INLINE_ROWS]
        return WatchHistory.objects.filter(pk__in=list(recent)).select_related("title", "episode__season")


class WatchHistoryInline(admin.TabularInline):
    model = WatchHistory
    formset = RecentHistoryFormSet
    extra = 0
    fields = ["title", "episode", "position_s", "duration_s", "completed", "watch_count", "rating", "last_watched_at"]
    readonly_fields = fields
    verbose_name_plural = f"watch history (latest {HISTORY_INLINE_ROWS})"
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = ["email", "display_name", "country", "plan", "is_staff", "is_active", "date_joined", "last_login"]
    list_filter = ["plan", "country", "is_staff", "is_active"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "country", "time_zone", "plan"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2", "plan", "country"]})]
    inlines = [ProfileInline, AuthTokenInline, WatchHistoryInline]
    actions = ["revoke_tokens"]

    def get_inlines(self, request, obj):
        # A new account has no controls, tokens or history yet; the add page stays a plain form.
        return self.inlines if obj is not None else []

    @admin.action(description="Revoke all tokens (log out on every device)")
    def revoke_tokens(self, request, queryset):
        revoked = sum(services.tokens_revoke_all(user=user) for user in queryset)
        self.message_user(request, f"Revoked {revoked} token(s).", messages.SUCCESS)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    """A profile with its parental controls and preferences."""

    list_display = ["name", "account", "is_main", "is_kids", "language", "created_at"]
    list_filter = ["is_main", "is_kids"]
    search_fields = ["name", "account__email"]
    raw_id_fields = ["account"]
    exclude = ["pin_hash"]
    readonly_fields = ["is_main", "pin_failures", "pin_locked_at"]
    list_select_related = ["account"]
    inlines = [ParentalControlsInline, PreferencesInline]


@admin.register(WatchHistory)
class WatchHistoryAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "profile",
        "title",
        "episode",
        "position_s",
        "duration_s",
        "completed",
        "watch_count",
        "rating",
        "last_watched_at",
        "hidden_from_continue_watching",
    ]
    list_filter = ["completed", "hidden_from_continue_watching", "title__kind"]
    search_fields = ["user__email", "title__title"]
    raw_id_fields = ["user", "profile", "title", "episode"]
    list_select_related = ["user", "profile", "title", "episode__season__show"]
    date_hierarchy = "last_watched_at"


@admin.register(LoginFailures)
class LoginFailuresAdmin(admin.ModelAdmin):
    """Locked emails; deleting a row unlocks it."""

    list_display = ["email", "failures", "last_failure_at", "locked_until"]
    search_fields = ["email"]
    readonly_fields = ["email", "failures", "last_failure_at"]
