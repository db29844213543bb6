"""Who may read a viewer's recommendations: the viewer, and staff; for anyone else the viewer does not exist."""

from rest_framework.exceptions import NotFound

from identity.selectors import user_list


def viewer_for(request, user_id: int):
    """The viewer at `user_id` if the caller may read their recommendations; 404 otherwise (as if unknown)."""
    if request.user.pk == user_id:
        return request.user
    if not request.user.is_staff:
        raise NotFound("No such viewer.")
    viewer = user_list().filter(pk=user_id).first()
    if viewer is None:
        raise NotFound("No such viewer.")
    return viewer
