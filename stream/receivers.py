"""What stream hears from identity: revoked tokens and deactivated viewers leave the token-check cache at once."""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save

from identity.events import tokens_revoked
from stream.heartbeat import live


def tokens_forget(*, user, digests: list[str] | None, **_) -> None:
    live.store().tokens_forget(user_id=user.pk, digests=digests)


def _account_saved(sender, instance, **kwargs) -> None:
    # A deactivated viewer's tokens stop working on the next update (the admin saves the account).
    if not instance.is_active:
        live.store().tokens_forget(user_id=instance.pk, digests=None)


def connect() -> None:
    tokens_revoked.connect(tokens_forget)
    post_save.connect(_account_saved, sender=get_user_model(), dispatch_uid="stream.receivers.account_saved")
