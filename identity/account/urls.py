"""URLs of the account endpoints, included by identity/urls.py under /api/identity/."""

from django.urls import path, register_converter

from identity.account import device_views, views
from identity.permissions import ME


class AccountIdConverter:
    """A user id, or `me` for the caller: every users/<id>/... path takes either."""

    regex = f"{ME}|[0-9]+"

    def to_python(self, value: str) -> int | str:
        return ME if value == ME else int(value)

    def to_url(self, value: int | str) -> str:
        return str(value)


register_converter(AccountIdConverter, "account")

ACCOUNT = "users/<account:user_id>"

urlpatterns = [
    path("auth/password-reset/", views.PasswordResetRequestView.as_view(), name="password-reset"),
    path("auth/password-reset/confirm/", views.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("auth/device/", device_views.DeviceAuthorizationView.as_view(), name="device-authorization"),
    path("auth/device/approve/", device_views.DeviceApprovalView.as_view(), name="device-approve"),
    path("auth/device/token/", device_views.DeviceTokenView.as_view(), name="device-token"),
    path(f"{ACCOUNT}/password/", views.PasswordChangeView.as_view(), name="password"),
    path(f"{ACCOUNT}/delete/", views.AccountDeleteView.as_view(), name="account-delete"),
    path(f"{ACCOUNT}/export/", views.AccountExportView.as_view(), name="account-export"),
    path(f"{ACCOUNT}/devices/", views.DevicesView.as_view(), name="devices"),
    path(f"{ACCOUNT}/devices/<str:device_id>/", views.DeviceView.as_view(), name="device"),
]
