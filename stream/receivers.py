"""What stream hears from identity (connected in StreamConfig.ready): revoked tokens and deactivated viewers
leave the token-check cache at once; a deleted profile's running sessions end."""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save

from identity.events import profile_deleted, tokens_revoked
from stream.heartbeat import live


def tokens_forget(*, user, digests: list[str] | None, **_) -> None:
    live.store().tokens_forget(user_id=user.pk, digests=digests)


def _account_saved(sender, instance, **kwargs) -> None:
    # A deactivated viewer's tokens stop working on the next update (the admin saves the account).
    if not instance.is_active:
        live.store().tokens_forget(user_id=instance.pk, digests=None)


def profile_deleted_sessions_end(*, user, profile_id: int, **payload) -> None:
    """A deleted profile's running sessions end now (their profile is already empty)."""
    from stream.services import sessions_end_of_deleted_profile

    sessions_end_of_deleted_profile(user=user)


def connect() -> None:
    tokens_revoked.connect(tokens_forget)
    profile_deleted.connect(profile_deleted_sessions_end)
    post_save.connect(_account_saved, sender=get_user_model(), dispatch_uid="stream.receivers.account_saved")
