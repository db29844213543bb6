"""`manage.py reap_sessions`: end every session that sent no update within the idle timeout."""

from django.conf import settings
from django.core.management.base import BaseCommand

from stream.services import sessions_reap_idle


class Command(BaseCommand):
    help = "End, as idle, the playback sessions with no update for STREAM_IDLE_TIMEOUT_S seconds (default 300)."

    def handle(self, *args, **options):
        ended = sessions_reap_idle()
        self.stdout.write(
            f"Ended {ended} idle session{'s' if ended != 1 else ''} (idle timeout {settings.STREAM_IDLE_TIMEOUT_S} s)."
        )
