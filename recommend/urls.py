"""URLs of the recommend service, mounted at /api/recommend/."""

from django.urls import path

from identity.account import urls as identity_account_urls  # noqa: F401 - registers `account` (an id or me)
from recommend import views
from streaming_platform.api.routers import ServiceRouter
from streaming_platform.api.status import status_path

router = ServiceRouter()

urlpatterns = [
    status_path("recommend"),
    path("users/<account:user_id>/", views.RecommendationsView.as_view(), name="user-recommendations"),
    path("generate/<account:user_id>/", views.GenerateView.as_view(), name="generate"),
    path("similarity/<int:a>/<int:b>/", views.SimilarityView.as_view(), name="similarity"),
    path("titles/<int:title_id>/similar/", views.SimilarTitlesView.as_view(), name="similar-titles"),
    path("popular/", views.PopularView.as_view(), name="popular"),
    path("home/", views.HomeView.as_view(), name="home"),
    *router.urls,
]
