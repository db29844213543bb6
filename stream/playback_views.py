"""Thin views of what a player fetches with its session's signed URLs: the multivariant playlist, the steering
manifest and the CMCD event-mode reports."""

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, UnsupportedMediaType
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from stream import cmcd, delivery, playlists, selectors, services, signing, tracks
from stream.ladder import rung_kbps_of_reported
from stream.models import EndReason
from stream.views import (
    MANIFEST_CACHE_CONTROL,
    PLAYLIST_PATHWAYS,
    SIGNATURE_PARAMETERS,
    STEERING_CACHE_CONTROL,
    ErrorSerializer,
    SessionGone,
    cmcd_metrics,
    session_update_naming_keys,
    signed_url,
)
from streaming_platform.api.errors import Conflict


class SignedSessionView(APIView):
    """Base of the endpoints a player fetches without a bearer token: the signed URL is the authorization."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    view_name = ""
    checks_controls = True  # parental controls are checked on each request (the reporting endpoint: per update)

    def perform_content_negotiation(self, request, force=False):
        # Players ask for the playlist by its own media type; never refuse them with 406.
        return super().perform_content_negotiation(request, force=True)

    def signed_session(self, request, session_id: str):
        """The session the request's signed URL (this view's path, its expiry) is for: 403 if the signature fails."""
        reason = signing.verify(
            session_id=session_id,
            path=reverse(self.view_name, args=[session_id]),
            expires=request.query_params.get("expires"),
            signature=request.query_params.get("signature"),
        )
        if reason:
            raise PermissionDenied(reason)
        return selectors.session_get(session_id=session_id)

    def authorized_session(self, request, session_id: str, *, ended_by_error_ok: bool = False):
        session = self.signed_session(request, session_id)
        if not session.is_active and not (
            ended_by_error_ok and session.end_reason == EndReason.ERROR and not session.error_code
        ):
            raise SessionGone()
        if self.checks_controls:
            services.session_viewing_check(session=session)
        return session


class ManifestView(SignedSessionView):
    view_name = "stream:session-manifest"

    @extend_schema(
        parameters=SIGNATURE_PARAMETERS,
        responses={
            (200, playlists.MIME_TYPE): OpenApiResponse(OpenApiTypes.STR, description="HLS multivariant playlist"),
            (403, "application/json"): ErrorSerializer,
            (410, "application/json"): ErrorSerializer,
        },
    )
    def get(self, request, session_id: str):
        session = self.authorized_session(request, session_id)
        ranked = selectors.cdns_ranked(region=session.region)
        pathways = [session.cdn, *(health.cdn for health in ranked if health.cdn.pk != session.cdn_id)]
        pathways = pathways[:PLAYLIST_PATHWAYS]
        tokens, tokens_expire = delivery.variant_queries(session=session, cdns=pathways)
        steering_uri, _ = signed_url(
            request,
            view_name="stream:session-steering",
            session_id=session.pk,
            extra={delivery.ISSUED_PARAM: tokens_expire},
        )
        body = playlists.render_multivariant(
            session=session,
            pathways=pathways,
            steering_uri=steering_uri,
            variant_query=tokens,
            tracks=tracks.session_tracks(session),
        )
        response = HttpResponse(body, content_type=playlists.MIME_TYPE)
        response["Cache-Control"] = MANIFEST_CACHE_CONTROL
        return response


SteeringSerializer = inline_serializer(
    name="SteeringManifest",
    fields={
        "VERSION": serializers.IntegerField(),
        "TTL": serializers.IntegerField(),
        "RELOAD-URI": serializers.URLField(),
        "PATHWAY-PRIORITY": serializers.ListField(child=serializers.CharField()),
    },
)


def throughput_kbps_from(value: str | None) -> int | None:
    """`_HLS_throughput` (bits/s) in kbps; None when absent or not a number (a player's bad value is ignored)."""
    if value is None or not value.isdigit() or len(value) > 12:
        return None
    return round(int(value) / 1000)


class SteeringView(SignedSessionView):
    view_name = "stream:session-steering"
    renderer_classes = [JSONRenderer]  # players read JSON; no browsable page

    @extend_schema(
        parameters=[
            *SIGNATURE_PARAMETERS,
            OpenApiParameter("_HLS_pathway", OpenApiTypes.STR, description="Pathway (CDN) the player uses now"),
            OpenApiParameter(
                "_HLS_throughput", OpenApiTypes.STR, description="Measured throughput, bits/s (ignored if not a number)"
            ),
        ],
        responses={200: SteeringSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 410: ErrorSerializer},
    )
    def get(self, request, session_id: str):
        session = self.authorized_session(request, session_id)
        ranked = selectors.cdns_ranked(region=session.region)
        cdns = [health.cdn for health in ranked] or [session.cdn]
        pathway = request.query_params.get("_HLS_pathway")
        services.session_pathway_report(
            session=session,
            pathway=pathway and delivery.pathway_name(pathway),
            throughput_kbps=throughput_kbps_from(request.query_params.get("_HLS_throughput")),
            pathways=[session.cdn.name, *(cdn.name for cdn in cdns)],
        )
        # Delivery tokens are renewed here, as pathway clones whose URIs carry fresh tokens.
        priority, clones, reload_params = delivery.steering_delivery(
            session=session, cdns=cdns, query=request.query_params
        )
        reload_uri, _ = signed_url(request, view_name=self.view_name, session_id=session.pk, extra=reload_params)
        manifest = playlists.steering_manifest(
            pathway_priority=priority, reload_uri=reload_uri, ttl_s=settings.STREAM_STEERING_TTL_S
        )
        if clones:
            manifest["PATHWAY-CLONES"] = clones
        response = Response(manifest)
        response["Cache-Control"] = STEERING_CACHE_CONTROL
        return response


class ReportView(SignedSessionView):
    """CMCD event mode (CTA-5004-B): a stock reporter's target, or `navigator.sendBeacon`, with no bearer token.

    Each report is applied as a metric update, in the order the reports happened (`sn`, else `ts`); a report's
    `ts` places it in time, so a burst describing 10 s of rebuffering counts 10 s, not the gap between arrivals.
    """

    view_name = "stream:session-report"
    renderer_classes = [JSONRenderer]
    parser_classes: list = []  # the body is read as sent: application/cmcd lines, JSON, or text from a beacon
    checks_controls = False
    MEDIA_TYPES = ("application/cmcd", "application/json", "text/plain", "")

    @extend_schema(
        parameters=[
            *SIGNATURE_PARAMETERS,
            OpenApiParameter("CMCD", OpenApiTypes.STR, description="One CMCD report (query transmission)"),
        ],
        request={
            "application/cmcd": OpenApiTypes.STR,
            "application/json": OpenApiTypes.OBJECT,
            "text/plain": OpenApiTypes.STR,
        },
        responses={
            204: OpenApiResponse(description="Applied."),
            400: OpenApiTypes.OBJECT,
            403: ErrorSerializer,
            404: ErrorSerializer,
            410: ErrorSerializer,
            413: ErrorSerializer,
            415: ErrorSerializer,
        },
    )
    def post(self, request, session_id: str):
        # A session its player's fatal error ended still takes the error code the player sends after it.
        session = self.authorized_session(request, session_id, ended_by_error_ok=True)
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.body and content_type.split(";", 1)[0].strip().lower() not in self.MEDIA_TYPES:
            raise UnsupportedMediaType(content_type)
        reports = cmcd.report_order(
            cmcd.parse_reports(
                body=request.body, content_type=content_type, query_value=request.query_params.get("CMCD")
            )
        )
        updates = [cmcd_metrics(report) for report in reports]  # every report checked before any is applied
        for update in updates:
            if "bitrate_kbps" in update:
                update["bitrate_kbps"] = rung_kbps_of_reported(
                    update["bitrate_kbps"], ladder_kbps=session.ladder_kbps, hevc_ladder_kbps=session.hevc_ladder_kbps
                )
        if not session.is_active and not any(update.get("error_code") for update in updates):
            raise SessionGone()
        arrived = timezone.now()
        stamped = [report["ts"] for report in reports if "ts" in report]
        times = iter(services.session_report_times(session=session, stamps=stamped, arrived=arrived) if stamped else [])
        for report, metrics in zip(reports, updates, strict=True):
            at = next(times) if "ts" in report else arrived
            keys = {name: cmcd.key_for_field(name, report) for name in metrics}
            try:
                session_update_naming_keys(session_id=session.pk, metrics=metrics, cmcd_keys=keys, at=at)
            except Conflict:
                break  # the batch ended the session (a fatal error, the viewer quit): the rest comes too late
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[
            *SIGNATURE_PARAMETERS,
            OpenApiParameter("CMCD", OpenApiTypes.STR, required=True, description="One CMCD report"),
        ],
        responses={
            204: OpenApiResponse(description="Applied."),
            400: OpenApiTypes.OBJECT,
            403: ErrorSerializer,
            404: ErrorSerializer,
            410: ErrorSerializer,
        },
    )
    def get(self, request, session_id: str):
        """The query transmission of a report (`?CMCD=`), as a reporter configured for GET sends it."""
        return self.post(request, session_id)
