"""The errors services and selectors raise: what went wrong in the domain's terms, with no HTTP framework.

`DomainError` carries a message, a machine-readable `code` (for logs and for callers in Python), the HTTP
`status` it stands for and any `extra` fields a client needs (`code`, `end_reason`, `errors`, ...). The
API's exception handler (streaming_platform/api/errors.py) turns one into DRF's JSON shape,
`{"detail": ..., **extra}`, the same as every other error of the API, and a `retry_after` into a
`Retry-After` header, so a service never imports `rest_framework`.

`NotFound` is also Django's `Http404` and `Forbidden` Django's `PermissionDenied`, so a plain Django view
calling a selector (the player page, the admin) answers them as Django always does.
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404


class DomainError(Exception):
    status = 400
    code = "invalid"
    default_message = "The request is not valid."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ):
        self.message = message or self.default_message
        self.code = code or self.code
        self.extra = dict(extra or {})
        self.retry_after = retry_after
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"detail": self.message, **self.extra}


class Invalid(DomainError):
    """The request names something the rules do not allow (400). With `fields` (field name -> messages), the
    answer is DRF's field-error shape, as a serializer's would be."""

    def __init__(self, message: str | None = None, *, fields: dict[str, list[str]] | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.fields = fields

    def body(self) -> dict[str, Any]:
        return dict(self.fields) if self.fields else super().body()


class NotFound(DomainError, Http404):
    """Unknown, or not the caller's to see: the two look the same (404)."""

    status = 404
    code = "not_found"
    default_message = "Not found."


class Forbidden(DomainError, DjangoPermissionDenied):
    """Known, and the caller may see it, but not do this (403)."""

    status = 403
    code = "permission_denied"
    default_message = "You do not have permission to perform this action."


class Conflict(DomainError):
    """The request conflicts with the current state (409)."""

    status = 409
    code = "conflict"
    default_message = "The request conflicts with the current state."


class Unavailable(DomainError):
    """A part the request needs is down or saturated; try again later (503)."""

    status = 503
    code = "unavailable"
    default_message = "The service is unavailable right now; try again shortly."
