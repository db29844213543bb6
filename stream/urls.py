"""URLs of the stream service, mounted at /api/stream/."""

from django.urls import path

from stream import end_views, playback_views, views
from streaming_platform.api.routers import ServiceRouter
from streaming_platform.api.status import status_path

router = ServiceRouter()
router.register("sessions", views.SessionViewSet, basename="session")

urlpatterns = [
    status_path("stream"),
    path("sessions/<str:session_id>/manifest.m3u8", playback_views.ManifestView.as_view(), name="session-manifest"),
    path("sessions/<str:session_id>/steering/", playback_views.SteeringView.as_view(), name="session-steering"),
    path("sessions/<str:session_id>/report/", playback_views.ReportView.as_view(), name="session-report"),
    path("sessions/<str:session_id>/end", end_views.SessionEndView.as_view(), name="session-end"),
    path("cdn/status/", views.CdnStatusView.as_view(), name="cdn-status"),
    *router.urls,
]
