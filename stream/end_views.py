"""The signed end URL: a closing page ends its session with `navigator.sendBeacon`, which sends no token."""

import json

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response

from stream import services
from stream.models import EndReason
from stream.playback_views import SignedSessionView
from stream.serializers import metric_update_validate
from stream.views import SIGNATURE_PARAMETERS, ErrorSerializer, signed_url

MAX_BODY_BYTES = 4096


def end_url(request, session_id: str) -> str:
    return signed_url(request, view_name="stream:session-end", session_id=session_id)[0]


class SessionEndView(SignedSessionView):
    """POST ends the session; an optional body (JSON, sent as text/plain by sendBeacon) is a last metric update."""

    view_name = "stream:session-end"

    @extend_schema(
        parameters=SIGNATURE_PARAMETERS,
        request=OpenApiTypes.OBJECT,
        responses={
            204: OpenApiResponse(description="Ended (or already ended)."),
            400: OpenApiTypes.OBJECT,
            403: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def post(self, request, session_id: str):
        session = self.signed_session(request, session_id)
        metrics = self._last_update(request.body)
        if session.is_active:
            if metrics.get("sequence") is not None:
                services.session_update(session_id=session.pk, metrics=metrics)
            services.session_end(session_id=session.pk, reason=EndReason.CLIENT)
        return Response(status=204)

    @staticmethod
    def _last_update(body: bytes) -> dict:
        if not body.strip():
            return {}
        if len(body) > MAX_BODY_BYTES:
            raise ValidationError({"non_field_errors": [f"A last update is at most {MAX_BODY_BYTES} bytes."]})
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationError({"non_field_errors": ["Expected a JSON object."]}) from exc
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": ["Expected a JSON object."]})
        return metric_update_validate(data)
