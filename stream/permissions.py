"""Who may do what with a playback session."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsStaffForList(BasePermission):
    """The session list is an operator's view: staff only (403 for viewers)."""

    def has_permission(self, request, view) -> bool:
        if getattr(view, "action", None) == "list":
            return bool(request.user and request.user.is_staff)
        return True


class IsOwnerOrStaffReadOnly(BasePermission):
    """Owners read and change their session; staff read any. Others get 404 from the lookup before this."""

    def has_object_permission(self, request, view, obj) -> bool:
        if obj.user_id == request.user.pk:
            return True
        return request.method in SAFE_METHODS and request.user.is_staff
