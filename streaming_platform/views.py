"""Project-level views: JSON answers for paths and errors outside any service's routes."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt  # a 404 whatever the method; the path may be answered under its other spelling (middleware)
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    return JsonResponse({"detail": "Not found."}, status=404)


def server_error(request, *args, **kwargs):
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "Internal server error."}, status=500)
    from django.views.defaults import server_error as html_server_error

    return html_server_error(request)
