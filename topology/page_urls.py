"""Pages outside /api/: the operator dashboard."""

from django.urls import path

from topology import views

urlpatterns: list = [
    path("", views.dashboard, name="dashboard"),
]
