"""URLs of the catalog service, mounted at /api/catalog/."""

from django.urls import path

from catalog import views
from streaming_platform.api.routers import ServiceRouter
from streaming_platform.api.status import status_path

router = ServiceRouter()
router.register("movies", views.MovieViewSet, basename="movie")
router.register("shows", views.ShowViewSet, basename="show")

urlpatterns = [
    status_path("catalog"),
    path("search/", views.SearchView.as_view(), name="search"),
    *router.urls,
]
