"""URLs of the catalog service, mounted at /api/catalog/."""

from django.urls import path, re_path

from catalog import views
from streaming_platform.api.routers import ServiceRouter
from streaming_platform.api.status import status_path

router = ServiceRouter()
router.register("movies", views.MovieViewSet, basename="movie")
router.register("shows", views.ShowViewSet, basename="show")

urlpatterns = [
    status_path("catalog"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("genres/", views.GenreListView.as_view(), name="genre-list"),
    path("genres/<slug:slug>/", views.GenreDetailView.as_view(), name="genre-detail"),
    path("people/<int:person_id>/", views.PersonDetailView.as_view(), name="person-detail"),
    path(
        "images/placeholder/<slug:kind>/<int:width>.png",
        views.PlaceholderImageView.as_view(),
        name="image-placeholder",
    ),
    re_path(
        r"^images/(?P<image_id>[0-9]{1,18})/(?P<width>[0-9]{1,5})/(?P<version>[0-9a-f]{1,16})\.(?P<extension>jpg|png)$",
        views.ImageFileView.as_view(),
        name="image-file",
    ),
    *router.urls,
]
