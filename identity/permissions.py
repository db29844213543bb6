"""Who may touch a viewer's records: the one owner-or-staff rule (streaming_platform.ownership)."""

from rest_framework.permissions import BasePermission

from identity.models import User
from streaming_platform.errors import Forbidden, NotFound
from streaming_platform.ownership import owner_or_staff_check


class IsStaff(BasePermission):
    """Staff-only collections answer 403 to signed-in viewers."""

    message = "Only staff may list accounts."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_staff)


# Stands for the caller's own id in every users/<id>/... path.
ME = "me"


def account_for(request, user_id: int | str, *, write: bool) -> User:
    """The account at `user_id` (`me`: the caller's) if the caller may read it (or change it, when `write`).

    Another viewer's account answers 404, as if it did not exist; staff may read any account but
    not change another viewer's records (403).
    """
    if user_id == ME:
        user_id = request.user.pk
    owner_or_staff_check(request.user, user_id, write=False)
    account = request.user if request.user.pk == user_id else User.objects.filter(pk=user_id).first()
    if account is None:
        raise NotFound("No User matches the given query.")
    owner_or_staff_check(request.user, account.pk, write=write)
    return account


KIDS_REFUSAL = "A kids profile cannot do this; switch to another profile of the account."


def kids_profile_refuse(request) -> None:
    """403 when the caller acts for a kids profile: account settings, the plan, other profiles and PINs are
    not theirs to read or change."""
    from identity.selectors import acts_as_kids

    if acts_as_kids(request.user):
        raise Forbidden(KIDS_REFUSAL, code="kids_profile")
