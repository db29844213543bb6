"""Reads of catalog data; the only way other apps query titles."""

from datetime import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from catalog.models import Availability, Title
from streaming_platform.boundary import boundary


@boundary
def viewer_region(user, region: str | None = None) -> str:
    """A viewer's region comes from their account; staff and anonymous callers may name one."""
    if user is not None and user.is_authenticated and not (user.is_staff and region):
        return user.country
    return (region or settings.DEFAULT_REGION).upper()


def available_in(region: str, *, at: datetime | None = None) -> Q:
    """Titles with a licence window in `region` covering `at` (default: now)."""
    at = at or timezone.now()
    windows = Availability.objects.filter(title=OuterRef("pk"), region=region, starts_at__lte=at).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=at)
    )
    return Q(Exists(windows))


@boundary
def titles_visible_to(user, region: str | None = None, *, at: datetime | None = None) -> QuerySet[Title]:
    """The one rule for what a viewer may see: regional availability now, then parental controls."""
    from identity.selectors import content_restrictions_for

    titles = Title.objects.filter(available_in(viewer_region(user, region), at=at))
    return content_restrictions_for(user).apply(titles)
