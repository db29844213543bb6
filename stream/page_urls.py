"""Pages of the stream service outside /api/: the player page and the viewer's sign-in."""

from django.contrib.auth.views import LogoutView
from django.urls import path

from stream import pages

urlpatterns = [
    path("", pages.watch_index, name="index"),
    path("login/", pages.WatchLoginView.as_view(), name="login"),
    path("activate", pages.activate, name="activate"),
    path("activate/", pages.activate),
    path("reset-password", pages.password_reset, name="password-reset"),
    path("reset-password/", pages.password_reset),
    path("forgot-password", pages.password_forgotten, name="password-forgotten"),
    path("forgot-password/", pages.password_forgotten),
    path("profiles/", pages.watch_profiles, name="profiles"),
    path("logout/", LogoutView.as_view(next_page="stream_pages:login"), name="logout"),
    path("<int:title_id>", pages.watch, name="watch"),
    path("<int:title_id>/", pages.watch),
]
