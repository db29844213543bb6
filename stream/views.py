"""Thin API views of the stream service: sessions, their playlist and steering, CDN status."""

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from identity.authentication import ProfileSessionAuthentication
from stream import cmcd, heartbeat, selectors, services, signing, tracks
from stream.authentication import HeartbeatTokenAuthentication
from stream.filtersets import PlaybackSessionFilterSet
from stream.heartbeat import live
from stream.models import EndReason
from stream.permissions import IsStaffForList
from stream.serializers import (
    ActiveSessionSerializer,
    CdnHealthSerializer,
    MetricUpdateResultSerializer,
    MetricUpdateSerializer,
    SessionDetailSerializer,
    SessionSerializer,
    SessionStartedSerializer,
    SessionStartSerializer,
    metric_update_validate,
)
from streaming_platform.api.permissions import IsOwnerOrStaffReadOnly

SESSION_ID_PATTERN = r"[A-Za-z0-9_-]{1,64}"
MANIFEST_CACHE_CONTROL = "private, no-store"  # its URLs are signed for this viewer and this session
STEERING_CACHE_CONTROL = "no-cache"  # players reload it when its TTL says; a cache must not answer for us


class SessionGone(APIException):
    """An ended session's playlist or steering: 410 tells players to stop polling (404 makes some retry)."""

    status_code = status.HTTP_410_GONE
    default_detail = "This session has ended."
    default_code = "session_ended"


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


def cmcd_metrics(values: dict) -> dict:
    """CMCD values as a validated metric update; a range error names the CMCD key that carried it."""
    try:
        return metric_update_validate(cmcd.to_metrics(values))
    except serializers.ValidationError as exc:
        errors = exc.detail.items()
        raise ValidationError({cmcd.key_for_field(name, values): messages for name, messages in errors}) from exc


def metrics_from_request(request) -> tuple[dict, dict]:
    """JSON fields and CMCD (query parameter, headers, `cmcd` field) as one validated metric update.

    CMCD values are checked with the same ranges as JSON; an error names the CMCD key that carried it.
    Returns the update and, for each of its fields that came from CMCD, the key that carried it.
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
    if not values:
        return metrics, {}
    from_cmcd = cmcd_metrics(values)
    keys = {name: cmcd.key_for_field(name, values) for name in from_cmcd if name not in metrics}
    # Explicit JSON fields win over what CMCD implies.
    return {**from_cmcd, **metrics}, keys


def session_update_naming_keys(*, session_id: str, metrics: dict, cmcd_keys: dict, **kwargs):
    """`services.session_update`, a field error named by the CMCD key that carried the field, if one did."""
    try:
        return services.session_update(session_id=session_id, metrics=metrics, **kwargs)
    except ValidationError as exc:
        if not cmcd_keys or not hasattr(exc, "error_dict"):
            raise
        raise ValidationError({cmcd_keys.get(name, name): errors for name, errors in exc.message_dict.items()}) from exc


def playback_urls(request, session) -> dict:
    """The signed URLs a player uses for a session: its playlist and its CMCD reporting endpoint."""
    manifest_url, expires = signed_url(request, view_name="stream:session-manifest", session_id=session.pk)
    reporting_url, _ = signed_url(request, view_name="stream:session-report", session_id=session.pk)
    return {
        "manifest_url": manifest_url,
        "manifest_expires_at": datetime.fromtimestamp(expires, tz=UTC),
        "reporting_url": reporting_url,
    }


class SessionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Playback sessions: start (POST), read, send metrics (PUT), end (DELETE); staff list them all."""

    serializer_class = SessionSerializer
    authentication_classes = [HeartbeatTokenAuthentication, ProfileSessionAuthentication]
    filterset_class = PlaybackSessionFilterSet
    permission_classes = [IsAuthenticated, IsStaffForList, IsOwnerOrStaffReadOnly]
    lookup_value_regex = SESSION_ID_PATTERN
    ordering_fields = ["started_at", "last_seen_at"]
    ordering = ["-started_at"]
    update_renderer = JSONRenderer()
    heartbeat_read: heartbeat.Heartbeat | None = None  # a metric update's token check and session read

    def perform_authentication(self, request):
        # A metric update checks its token and reads its session in one statement (the heartbeat's hot path).
        if self.action == "update":
            self.heartbeat_read = heartbeat.authenticate(request, session_id=self.kwargs[self.lookup_field])
            if self.heartbeat_read is not None:
                return
        super().perform_authentication(request)

    def perform_content_negotiation(self, request, force=False):
        # Players send a metric update every few seconds; its answer and its errors are JSON: no negotiation.
        if self.action == "update":
            return self.update_renderer, self.update_renderer.media_type
        return super().perform_content_negotiation(request, force)

    def get_queryset(self):
        if self.action == "list":
            services.sessions_reap_idle_if_due()
        return selectors.session_list(include_ended="status" in self.request.query_params)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return None if page is None else selectors.sessions_live(sessions=page)

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
                "detail": exc.message,
                "code": exc.code,
                "max_streams": exc.max_streams,
                "active_sessions": ActiveSessionSerializer(exc.active_sessions, many=True).data,
            }
            return Response(body, status=status.HTTP_409_CONFLICT)
        session = started.session
        body = {
            "id": session.pk,
            **playback_urls(request, session),
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
        # writes it back with one compare-and-set. Whose session it is comes first, before the body is read,
        # so another viewer's session answers 404 whatever the body holds.
        # With live state in Redis, the token and owner checks are part of the update's one script (`deferred`):
        # an update that does not get that far (a bad body) checks them before its 400.
        deferred = self.heartbeat_read is not None and self.heartbeat_read.deferred
        read = None
        if not deferred:
            read = self.heartbeat_read.session if self.heartbeat_read else live.store().session_read(pk)
            services.session_writable_check(
                session=read if read is not None and read.pk == pk else None, user=request.user
            )
        try:
            metrics, cmcd_keys = metrics_from_request(request)
        except Exception:
            if deferred:
                request.user.resolve()  # a bad token is 401 first
                services.session_writable_check(session=live.store().session_read(pk), user=request.user)
            raise
        session, applied = session_update_naming_keys(
            session_id=pk, metrics=metrics, cmcd_keys=cmcd_keys, user=request.user, session=read
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

    @extend_schema(responses={200: SessionDetailSerializer, 404: ErrorSerializer})
    def retrieve(self, request, pk=None):
        session = self.get_object()
        # The owner gets a freshly signed playlist URL, so a player whose URL expired mid-session reloads with it.
        urls = {"manifest_url": None, "manifest_expires_at": None, "reporting_url": None}
        if session.is_active and session.user_id == request.user.pk:
            urls = playback_urls(request, session)
        for name, value in urls.items():
            setattr(session, name, value)
        return Response(SessionDetailSerializer(session).data)

    @extend_schema(
        responses={200: ActiveSessionSerializer(many=True)},
        description="The viewer's own active sessions, on every device; end any with DELETE.",
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def mine(self, request):
        sessions = selectors.sessions_live(sessions=selectors.sessions_mine(user=request.user).order_by("-started_at"))
        return Response(ActiveSessionSerializer(sessions, many=True).data)

    @extend_schema(request=None, responses={200: SessionSerializer, 404: ErrorSerializer})
    def destroy(self, request, pk=None):
        session = self.get_object()
        session = services.session_end(session_id=session.pk, reason=EndReason.CLIENT)
        return Response(SessionSerializer(session).data)


class CdnStatusView(APIView):
    """Live health of every CDN, computed from the sessions it served in the recent window."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: CdnHealthSerializer(many=True)})
    def get(self, request):
        services.sessions_reap_idle_if_due()
        healths = selectors.cdn_health_list()
        return Response(CdnHealthSerializer(healths, many=True).data)
