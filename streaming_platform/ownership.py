"""The one owner-or-staff rule: who may read or change a viewer's records.

A viewer reads and changes their own records. Staff read anyone's but change only their own: another
viewer's records answer 403 to staff. To anyone else another viewer's records do not exist: 404, the same
answer as for an unknown id, so ids cannot be probed. Every app asks this rule (through
`owner_or_staff_check`, or the DRF permission `streaming_platform.api.permissions.IsOwnerOrStaffReadOnly`
for object views), never a rule of its own.
"""

from streaming_platform.errors import Forbidden, NotFound


def may_read(user, owner_id: int | None) -> bool:
    return user is not None and user.is_authenticated and (owner_id == user.pk or user.is_staff)


def may_write(user, owner_id: int | None) -> bool:
    return user is not None and user.is_authenticated and owner_id == user.pk


def owner_or_staff_check(
    user,
    owner_id: int | None,
    *,
    write: bool,
    not_found: str = "Not found.",
    staff_write: str = "Staff may read another viewer's records but not change them.",
) -> None:
    """Raises NotFound when `user` may not see the records of `owner_id` (None: there are none), Forbidden
    when they may see but not change them and `write` is asked."""
    if owner_id is None or not may_read(user, owner_id):
        raise NotFound(not_found)
    if write and not may_write(user, owner_id):
        raise Forbidden(staff_write)
