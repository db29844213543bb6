"""Thin API views of the stream service: sessions, their playlist and steering, CDN status."""

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from stream import cmcd, delivery, playlists, selectors, services, signing, tracks
from stream.authentication import HeartbeatTokenAuthentication, heartbeat_session
from stream.filtersets import PlaybackSessionFilterSet
from stream.models import EndReason
from stream.permissions import IsOwnerOrStaffReadOnly, IsStaffForList
from stream.serializers import (
    ActiveSessionSerializer,
    CdnHealthSerializer,
    MetricUpdateResultSerializer,
    MetricUpdateSerializer,
    SessionSerializer,
    SessionStartedSerializer,
    SessionStartSerializer,
    metric_update_validate,
)

SESSION_ID_PATTERN = r"[A-Za-z0-9_-]{1,64}"
PLAYLIST_PATHWAYS = 3  # CDNs listed in a playlist: the chosen one and up to two to fail over to

TooManyStreamsSerializer = inline_serializer(
    name="TooManyStreams",
    fields={
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "max_streams": serializers.IntegerField(),
        "active_sessions": ActiveSessionSerializer(many=True),
    },
)
ErrorSerializer = inline_serializer(name="StreamError", fields={"detail": serializers.CharField()})
SIGNATURE_PARAMETERS = [
    OpenApiParameter("expires", OpenApiTypes.INT, required=True, description="Unix time the URL expires"),
    OpenApiParameter("signature", OpenApiTypes.STR, required=True, description="HMAC-SHA256, base64url"),
]


def signed_url(request, *, view_name: str, session_id: str, extra: dict | None = None) -> tuple[str, int]:
    path = reverse(view_name, args=[session_id])
    params = signing.sign(session_id=session_id, path=path)
    url = request.build_absolute_uri(f"{path}?{urlencode({**params, **(extra or {})})}")
    return url, int(params["expires"])


def metrics_from_request(request) -> dict:
    """JSON fields and CMCD (query parameter, headers, `cmcd` field) as one validated metric update.

    CMCD values are checked with the same ranges as JSON; an error names the CMCD key that carried it.
    """
    body = request.data
    if not isinstance(body, dict):
        raise ValidationError({"non_field_errors": ["Expected a JSON object."]})
    metrics = metric_update_validate(body)
    values = cmcd.parse_request(
        query_value=request.query_params.get("CMCD"),
        headers=cmcd.headers_from_meta(request.META),
        body_value=metrics.pop("cmcd", None),
    )
    if values:
        try:
            from_cmcd = metric_update_validate(cmcd.to_metrics(values))
        except serializers.ValidationError as exc:
            errors = exc.detail.items()
            raise ValidationError({cmcd.KEY_FOR_FIELD.get(name, name): messages for name, messages in errors}) from exc
        # Explicit JSON fields win over what CMCD implies.
        metrics = {**from_cmcd, **metrics}
    if "sequence" not in metrics:
        raise ValidationError({"sequence": ["Each update needs a sequence number (`sequence`, or CMCD `sn`)."]})
    return metrics


class SessionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Playback sessions: start (POST), read, send metrics (PUT), end (DELETE); staff list them all."""

    serializer_class = SessionSerializer
    authentication_classes = [HeartbeatTokenAuthentication, SessionAuthentication]
    filterset_class = PlaybackSessionFilterSet
    permission_classes = [IsAuthenticated, IsStaffForList, IsOwnerOrStaffReadOnly]
    lookup_value_regex = SESSION_ID_PATTERN
    ordering_fields = ["started_at", "last_seen_at"]
    ordering = ["-started_at"]
    update_renderer = JSONRenderer()

    def perform_content_negotiation(self, request, force=False):
        # Players send a metric update every few seconds; its answer and its errors are JSON: no negotiation.
        if self.action == "update":
            return self.update_renderer, self.update_renderer.media_type
        return super().perform_content_negotiation(request, force)

    def get_queryset(self):
        if self.action == "list":
            services.sessions_reap_idle_if_due()
        return selectors.session_list(include_ended="status" in self.request.query_params)

    def get_object(self):
        session = selectors.session_get(session_id=self.kwargs["pk"], user=self.request.user)
        self.check_object_permissions(self.request, session)
        return session

    @extend_schema(
        request=SessionStartSerializer,
        responses={
            201: SessionStartedSerializer,
            400: OpenApiTypes.OBJECT,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: TooManyStreamsSerializer,
            503: OpenApiResponse(ErrorSerializer, description="No CDN is usable (none enabled, or all down)."),
        },
    )
    def create(self, request):
        serializer = SessionStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            started = services.session_start(
                user=request.user,
                title_id=data["title"],
                episode_id=data.get("episode"),
                device_type=data["device"]["type"],
                device_id=data["device"]["id"],
                screen_height=serializer.screen_height(),
                device_hevc=data["device"]["hevc"],
            )
        except services.TooManyStreams as exc:
            body = {
                "detail": str(exc.detail),
                "code": exc.default_code,
                "max_streams": exc.max_streams,
                "active_sessions": ActiveSessionSerializer(exc.active_sessions, many=True).data,
            }
            return Response(body, status=status.HTTP_409_CONFLICT)
        session = started.session
        manifest_url, expires = signed_url(request, view_name="stream:session-manifest", session_id=session.pk)
        body = {
            "id": session.pk,
            "manifest_url": manifest_url,
            "manifest_expires_at": datetime.fromtimestamp(expires, tz=UTC),
            "ladder": started.ladder,
            "cdn": session.cdn,
            "resume_position_s": started.resume_position_s,
            "heartbeat_interval_s": settings.STREAM_HEARTBEAT_INTERVAL_S,
            "idle_timeout_s": settings.STREAM_IDLE_TIMEOUT_S,
            "initial_bitrate_kbps": session.initial_bitrate_kbps,
            "title": session.title_id,
            "episode": session.episode_id,
            "started_at": session.started_at,
            "tracks": tracks.track_answer(tracks.session_tracks(session)),
            "end_url": signed_url(request, view_name="stream:session-end", session_id=session.pk)[0],
        }
        return Response(SessionStartedSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=MetricUpdateSerializer,
        parameters=[OpenApiParameter("CMCD", OpenApiTypes.STR, description="CMCD payload (CTA-5004)")],
        responses={
            200: MetricUpdateResultSerializer,
            400: OpenApiTypes.OBJECT,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    def update(self, request, pk=None):
        # The hot path (every viewer, every few seconds): the session was read with the token; the service
        # checks the owner and writes it back with one compare-and-set.
        metrics = metrics_from_request(request)
        session, applied = services.session_update(
            session_id=pk, metrics=metrics, user=request.user, session=heartbeat_session(request)
        )
        body = {
            "id": session.pk,
            "applied": applied,
            "last_sequence": session.last_sequence,
            "status": session.status,
            "state": session.state,
            "position_s": session.position_s,
        }
        # A plain JSON response: every player reads this one shape after every update, and DRF's rendering
        # (a template response, renderer context, browsable API) costs more than the answer itself.
        return JsonResponse(body)

    @extend_schema(
        responses={200: ActiveSessionSerializer(many=True)},
        description="The viewer's own active sessions, on every device; end any with DELETE.",
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def mine(self, request):
        sessions = selectors.sessions_active_for(user=request.user).order_by("-started_at")
        return Response(ActiveSessionSerializer(sessions, many=True).data)

    @extend_schema(request=None, responses={200: SessionSerializer, 404: ErrorSerializer})
    def destroy(self, request, pk=None):
        session = self.get_object()
        session = services.session_end(session_id=session.pk, reason=EndReason.CLIENT)
        return Response(SessionSerializer(session).data)


class SignedSessionView(APIView):
    """Base of the endpoints a player fetches without a bearer token: the signed URL is the authorization."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    view_name = ""

    def perform_content_negotiation(self, request, force=False):
        # Players ask for the playlist by its own media type; never refuse them with 406.
        return super().perform_content_negotiation(request, force=True)

    def authorized_session(self, request, session_id: str):
        reason = signing.verify(
            session_id=session_id,
            path=reverse(self.view_name, args=[session_id]),
            expires=request.query_params.get("expires"),
            signature=request.query_params.get("signature"),
        )
        if reason:
            raise PermissionDenied(reason)
        session = selectors.session_get(session_id=session_id)
        if not session.is_active:
            raise NotFound("This session has ended.")
        return session


class ManifestView(SignedSessionView):
    view_name = "stream:session-manifest"

    @extend_schema(
        parameters=SIGNATURE_PARAMETERS,
        responses={
            (200, playlists.MIME_TYPE): OpenApiResponse(OpenApiTypes.STR, description="HLS multivariant playlist"),
            (403, "application/json"): ErrorSerializer,
            (404, "application/json"): ErrorSerializer,
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
        return HttpResponse(body, content_type=playlists.MIME_TYPE)


SteeringSerializer = inline_serializer(
    name="SteeringManifest",
    fields={
        "VERSION": serializers.IntegerField(),
        "TTL": serializers.IntegerField(),
        "RELOAD-URI": serializers.URLField(),
        "PATHWAY-PRIORITY": serializers.ListField(child=serializers.CharField()),
    },
)


class SteeringView(SignedSessionView):
    view_name = "stream:session-steering"

    @extend_schema(
        parameters=[
            *SIGNATURE_PARAMETERS,
            OpenApiParameter("_HLS_pathway", OpenApiTypes.STR, description="Pathway (CDN) the player uses now"),
            OpenApiParameter("_HLS_throughput", OpenApiTypes.INT, description="Measured throughput, bits/s"),
        ],
        responses={200: SteeringSerializer, 400: OpenApiTypes.OBJECT, 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request, session_id: str):
        session = self.authorized_session(request, session_id)
        throughput = request.query_params.get("_HLS_throughput")
        if throughput is not None:
            if not throughput.isdigit() or len(throughput) > 12:
                raise ValidationError({"_HLS_throughput": ["Expected a non-negative integer (bits per second)."]})
            throughput = round(int(throughput) / 1000)
        pathway = request.query_params.get("_HLS_pathway")
        services.session_pathway_report(
            session=session, pathway=pathway and delivery.pathway_name(pathway), throughput_kbps=throughput
        )
        ranked = selectors.cdns_ranked(region=session.region)
        cdns = [health.cdn for health in ranked] or [session.cdn]
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
        return Response(manifest)


class CdnStatusView(APIView):
    """Live health of every CDN, computed from the sessions it served in the recent window."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: CdnHealthSerializer(many=True)})
    def get(self, request):
        services.sessions_reap_idle_if_due()
        healths = selectors.cdn_health_list()
        return Response(CdnHealthSerializer(healths, many=True).data)
