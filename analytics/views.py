"""The analytics API: event ingestion for clients, reports for staff (JSON, or CSV with ?format=csv)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import report_schemas, selectors, services
from analytics.event_types import batch_schema
from analytics.renderers import CSVRenderer
from analytics.serializers import EventIngestResultSerializer, ReportParamsSerializer


class EventIngestView(APIView):
    """`POST /events`: one event, a list of up to 1,000, or {"events": [...]}; all-or-nothing."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request={"application/json": batch_schema()},
        responses={
            201: EventIngestResultSerializer,
            200: OpenApiResponse(EventIngestResultSerializer, description="Every event was a duplicate."),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="{detail, errors: [{index, field, reason}]}"),
            413: OpenApiResponse(OpenApiTypes.OBJECT, description="Body too large."),
        },
    )
    def post(self, request):
        data = request.data
        events = data.get("events", data) if isinstance(data, dict) and "type" not in data else data
        if isinstance(events, dict):
            events = [events]
        result = services.events_ingest(user=request.user, events=events)
        code = status.HTTP_201_CREATED if result.accepted else status.HTTP_200_OK
        return Response({"accepted": result.accepted, "duplicates": result.duplicates}, status=code)


class ReportView(APIView):
    """Shared behaviour of the staff reports: parameter parsing, staff-only access, CSV download."""

    permission_classes = [IsAdminUser]
    renderer_classes = [JSONRenderer, CSVRenderer]
    allowed_params: set[str] = {"from", "to"}
    csv_name = "report"
    # Reports with distinct-user figures: a kind or genre limits those to the users who watched such a title.
    counts_users = False

    def report_query(self, request):
        params = ReportParamsSerializer(data=request.query_params, context={"allowed": self.allowed_params})
        params.is_valid(raise_exception=True)
        return params

    def respond(self, request, params, body: dict, csv_rows: list[dict]) -> Response:
        if getattr(request.accepted_renderer, "format", "") == "csv":
            response = Response(csv_rows)
            response["Content-Disposition"] = f'attachment; filename="{self.csv_name}.csv"'
            return response
        query = params.report_query()
        meta = {"from": query.start, "to": query.end, "filters": query.filters}
        if self.counts_users and query.watched_only:
            meta["filters"]["users"] = "viewers of matching titles"
        if "granularity" in self.allowed_params:
            meta["granularity"] = query.granularity
        return Response({**meta, **body})

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors stay JSON even when a CSV was asked for.
        if response.status_code >= 400 and getattr(request, "accepted_renderer", None).__class__ is CSVRenderer:
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


def report_schema(params: set[str], description: str, operation_id: str, report=None):
    from drf_spectacular.utils import OpenApiParameter
    from rest_framework import serializers

    parameters = []
    for name, field in ReportParamsSerializer().fields.items():
        if name not in params:
            continue
        kind = OpenApiTypes.INT if isinstance(field, serializers.IntegerField) else OpenApiTypes.STR
        choices = list(field.choices) if isinstance(field, serializers.ChoiceField) else None
        parameters.append(OpenApiParameter(name, kind, enum=choices, description=str(field.help_text or "")))
    parameters.append(OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]))
    return extend_schema(
        operation_id=operation_id,
        parameters=parameters,
        responses={
            (200, "application/json"): report,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The report's rows as CSV (?format=csv)."),
        },
        description=description,
    )


FILTERS = {"from", "to", "region", "device", "kind", "genre"}


class EngagementView(ReportView):
    allowed_params = FILTERS | {"granularity"}
    csv_name = "engagement"
    counts_users = True

    @report_schema(
        allowed_params,
        "Active users, viewers, views, watch time and completion; totals and series. With kind or genre, the "
        "views of such titles and the users who watched one.",
        "analytics_engagement",
        report_schemas.EngagementReportSerializer,
    )
    def get(self, request):
        params = self.report_query(request)
        report = selectors.engagement_report(params.report_query())
        return self.respond(request, params, report, report["series"])


class ContentView(ReportView):
    allowed_params = FILTERS | {"order", "limit"}
    csv_name = "content"

    @report_schema(
        allowed_params,
        "Top titles: views, unique viewers, watch time, completion, share watched.",
        "analytics_content_list",
        report_schemas.ContentReportSerializer,
    )
    def get(self, request):
        params = self.report_query(request)
        data = params.validated_data
        rows = selectors.content_report(params.report_query(), order=data["order"], limit=data["limit"])
        return self.respond(request, params, {"order": data["order"], "results": rows}, rows)


class TitleContentView(ReportView):
    allowed_params = {"from", "to", "region", "device", "granularity"}
    csv_name = "title"

    @report_schema(
        allowed_params,
        "One title: totals, time series and the retention curve (every 5% of runtime).",
        "analytics_content_title",
        report_schemas.TitleReportSerializer,
    )
    def get(self, request, title_id: int):
        from catalog.selectors import title_get

        params = self.report_query(request)
        title = title_get(title_id=title_id)
        report = selectors.title_report(params.report_query(), title=title)
        return self.respond(request, params, report, report["series"])


class StreamingView(ReportView):
    allowed_params = FILTERS | {"cdn", "granularity"}
    csv_name = "streaming"

    @report_schema(
        allowed_params,
        "Quality of experience overall, by CDN, region and device, with a time series.",
        "analytics_streaming",
        report_schemas.StreamingReportSerializer,
    )
    def get(self, request):
        params = self.report_query(request)
        report = selectors.streaming_report(params.report_query())
        rows = [{"dimension": "overall", "key": "all", **report["overall"]}]
        for name in ("by_cdn", "by_region", "by_device"):
            rows.extend({"dimension": name.removeprefix("by_"), **row} for row in report[name])
        return self.respond(request, params, report, rows)


class RegionsView(ReportView):
    allowed_params = {"from", "to", "device", "kind", "genre"}
    csv_name = "regions"
    counts_users = True

    @report_schema(
        allowed_params,
        "Per region: active users, viewers, views, watch time and quality figures. With kind or genre, the views "
        "of such titles and the users who watched one.",
        "analytics_regions",
        report_schemas.RegionsReportSerializer,
    )
    def get(self, request):
        params = self.report_query(request)
        rows = selectors.regions_report(params.report_query())
        return self.respond(request, params, {"results": rows}, rows)
