"""URLs of the identity service, mounted at /api/identity/."""

from django.urls import path

from identity import controls_views, library_views, profile_views, rating_views, views
from identity.account import urls as account_urls
from streaming_platform.api.routers import ServiceRouter
from streaming_platform.api.status import status_path

router = ServiceRouter()
router.register("users", views.UserViewSet, basename="user")

account = account_urls.ACCOUNT  # a user id or `me`

urlpatterns = [
    status_path("identity"),
    path("auth/login/", views.LoginView.as_view(), name="login"),
    path("auth/logout/", views.LogoutView.as_view(), name="logout"),
    path("auth/logout-all/", views.LogoutAllView.as_view(), name="logout-all"),
    path(f"{account}/preferences/", views.PreferencesView.as_view(), name="preferences"),
    path(f"{account}/history/", views.HistoryView.as_view(), name="history"),
    path(f"{account}/history/<int:entry_id>/", views.HistoryEntryView.as_view(), name="history-entry"),
    path(f"{account}/continue-watching/", views.ContinueWatchingView.as_view(), name="continue-watching"),
    path(
        f"{account}/continue-watching/<int:title_id>/",
        views.ContinueWatchingEntryView.as_view(),
        name="continue-watching-entry",
    ),
    path(f"{account}/controls/", controls_views.ControlsView.as_view(), name="controls"),
    path(f"{account}/controls/pin/", controls_views.PinView.as_view(), name="controls-pin"),
    path(f"{account}/controls/pin/verify/", controls_views.PinVerifyView.as_view(), name="controls-pin-verify"),
    path(f"{account}/controls/pin/unlock/", controls_views.PinUnlockView.as_view(), name="controls-pin-unlock"),
    path(f"{account}/plan/", views.PlanView.as_view(), name="plan"),
    path(f"{account}/viewing-allowed/", controls_views.ViewingAllowedView.as_view(), name="viewing-allowed"),
    *account_urls.urlpatterns,
    path(f"{account}/profiles/", profile_views.ProfileListView.as_view(), name="profiles"),
    path(f"{account}/profiles/<int:profile_id>/", profile_views.ProfileDetailView.as_view(), name="profile"),
    path(
        f"{account}/profiles/<int:profile_id>/select/",
        profile_views.ProfileSelectView.as_view(),
        name="profile-select",
    ),
    path(f"{account}/profiles/<int:profile_id>/pin/", profile_views.ProfilePinView.as_view(), name="profile-pin"),
    path(
        f"{account}/profiles/<int:profile_id>/controls/",
        profile_views.ProfileControlsView.as_view(),
        name="profile-controls",
    ),
    path(f"{account}/list/", library_views.ListView.as_view(), name="list"),
    path(f"{account}/list/order/", library_views.ListOrderView.as_view(), name="list-order"),
    path(f"{account}/list/<int:title_id>/", library_views.ListEntryView.as_view(), name="list-entry"),
    path(f"{account}/ratings/", rating_views.RatingListView.as_view(), name="ratings"),
    path(f"{account}/ratings/<int:title_id>/", rating_views.RatingView.as_view(), name="rating"),
    *router.urls,
]
