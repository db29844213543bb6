"""The owner-or-staff rule (streaming_platform/ownership.py) as a DRF object permission."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from streaming_platform.ownership import owner_or_staff_check


class IsOwnerOrStaffReadOnly(BasePermission):
    """Owners read and change their object, staff read any; others get 404, staff changing another's 403.

    The object's owner is `obj.user_id` unless the view names another attribute in `owner_field`.
    """

    def has_object_permission(self, request, view, obj) -> bool:
        owner_id = getattr(obj, getattr(view, "owner_field", "user_id"))
        owner_or_staff_check(request.user, owner_id, write=request.method not in SAFE_METHODS)
        return True
