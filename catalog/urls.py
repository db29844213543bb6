"""URLs of the catalog service, mounted at /api/catalog/."""

from django.urls import path, register_converter

from catalog import views
from streaming_platform.api.routers import ServiceRouter
from streaming_platform.api.status import status_path


class ImageFileConverter:
    """The last part of an image URL: `<version>.<jpg|png>`, the version a short hex hash of the original."""

    regex = r"[0-9a-f]{1,16}\.(?:jpg|png)"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ImageFileConverter, "image_file")

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
    path(
        "images/<int:image_id>/<int:width>/<image_file:filename>",
        views.ImageFileView.as_view(),
        name="image-file",
    ),
    *router.urls,
]
