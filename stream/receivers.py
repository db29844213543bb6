"""What stream does when identity announces a change (connected in StreamConfig.ready)."""

from stream.services import sessions_end_of_deleted_profile


def profile_deleted_sessions_end(*, user, profile_id: int, **payload) -> None:
    """A deleted profile's running sessions end now (their profile is already empty)."""
    sessions_end_of_deleted_profile(user=user)
