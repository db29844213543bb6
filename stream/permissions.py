"""Who may do what with a playback session: staff list them; owners and staff follow the one owner-or-staff
rule (streaming_platform.ownership, as `streaming_platform.api.permissions.IsOwnerOrStaffReadOnly`)."""

from rest_framework.permissions import BasePermission


class IsStaffForList(BasePermission):
    """The session list is an operator's view: staff only (403 for viewers)."""

    def has_permission(self, request, view) -> bool:
        if getattr(view, "action", None) == "list":
            return bool(request.user and request.user.is_staff)
        return True
