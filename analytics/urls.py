"""URLs of the analytics service, mounted at /api/analytics/."""

from django.urls import path

from analytics import views
from streaming_platform.api.routers import ServiceRouter
from streaming_platform.api.status import status_path

router = ServiceRouter()

urlpatterns = [
    status_path("analytics"),
    path("events/", views.EventIngestView.as_view(), name="events"),
    path("engagement/", views.EngagementView.as_view(), name="engagement"),
    path("content/", views.ContentView.as_view(), name="content"),
    path("content/<int:title_id>/", views.TitleContentView.as_view(), name="content-title"),
    path("streaming/", views.StreamingView.as_view(), name="streaming"),
    path("regions/", views.RegionsView.as_view(), name="regions"),
    *router.urls,
]
