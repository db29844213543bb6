"""The operator dashboard page: the live graph, the load simulator and the Analytics charts."""

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from streaming_platform.apps import service_configs

# The Analytics reports the dashboard charts, when that service serves them.
ANALYTICS_REPORTS = ("engagement", "streaming", "content", "regions")


def analytics_report_urls() -> dict[str, str]:
    urls = {}
    for name in ANALYTICS_REPORTS:
        try:
            urls[name] = reverse(f"analytics:{name}")
        except NoReverseMatch:
            continue
    return urls


@staff_member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "services": [{"id": c.label, "label": c.service_label or c.verbose_name} for c in service_configs()],
        "config": {"wsPath": "/ws/topology/", "reports": analytics_report_urls()},
    }
    return render(request, "topology/dashboard.html", context)
