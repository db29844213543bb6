"""URLs of the account endpoints, included by identity/urls.py under /api/identity/."""

from django.urls import path

from identity.account import device_views, views

ACCOUNT = "users/<int:user_id>"

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
