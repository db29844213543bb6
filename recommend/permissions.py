"""Who may read a viewer's recommendations: the one owner-or-staff rule (streaming_platform.ownership)."""

from identity.permissions import ME
from identity.selectors import user_list
from streaming_platform.errors import NotFound
from streaming_platform.ownership import owner_or_staff_check

NO_SUCH_VIEWER = "No such viewer."


def viewer_for(request, user_id: int | str):
    """The viewer at `user_id` (`me`: the caller) if the caller may read their recommendations; 404 otherwise
    (as if unknown)."""
    if user_id == ME:
        user_id = request.user.pk
    owner_or_staff_check(request.user, user_id, write=False, not_found=NO_SUCH_VIEWER)
    viewer = request.user if request.user.pk == user_id else user_list().filter(pk=user_id).first()
    if viewer is None:
        raise NotFound(NO_SUCH_VIEWER)
    return viewer
