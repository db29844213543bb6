"""The development origin's URL, mounted at /dev-origin/ (see stream.origin)."""

from django.urls import path

from stream import origin

urlpatterns = [
    path("<slug:cdn_name>/<path:path>", origin.serve, name="serve"),
]
