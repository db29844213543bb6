"""Pages outside /api/: the operator dashboard."""

urlpatterns: list = []
