"""Reads of identity data; the only way other apps query accounts, controls and history."""

from catalog.restrictions import UNRESTRICTED, ContentRestrictions
from streaming_platform.boundary import boundary


@boundary
def content_restrictions_for(user) -> ContentRestrictions:
    """What the viewer's parental controls hide from the catalog (nothing for anonymous callers)."""
    return UNRESTRICTED
