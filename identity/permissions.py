"""Who may touch a viewer's records: the viewer, and staff for reading; everyone else sees nothing."""

from django.shortcuts import get_object_or_404
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import BasePermission

from identity.models import User


class IsStaff(BasePermission):
    """Staff-only collections answer 403 to signed-in viewers."""

    message = "Only staff may list accounts."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_staff)


def account_for(request, user_id: int, *, write: bool) -> User:
    """The account at `user_id` if the caller may read it (or change it, when `write`).

    Another viewer's account answers 404, as if it did not exist; staff may read any account but
    not change another viewer's records (403).
    """
    if request.user.pk == user_id:
        return request.user
    if not request.user.is_staff:
        raise NotFound
    account = get_object_or_404(User, pk=user_id)
    if write:
        raise PermissionDenied("Staff may read another viewer's records but not change them.")
    return account


KIDS_REFUSAL = "A kids profile cannot do this; switch to another profile of the account."


def kids_profile_refuse(request) -> None:
    """403 when the caller acts for a kids profile: account settings, the plan, other profiles and PINs are
    not theirs to read or change."""
    from identity.selectors import acts_as_kids

    if acts_as_kids(request.user):
        raise PermissionDenied(KIDS_REFUSAL, code="kids_profile")
