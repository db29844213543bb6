"""`manage.py media_prepare`: generates the development origin's HLS renditions once (cached outside the repo)."""

from django.core.management.base import BaseCommand

from stream import media


class Command(BaseCommand):
    help = "Generate the development media (a test clip per rung of the ladder) unless it is already cached."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Generate again even if cached.")

    def handle(self, *args, force: bool = False, **options):
        spec = media.default_spec()
        if media.is_ready(spec) and not force:
            self.stdout.write(f"Development media ready in {media.media_root(spec)}")
            return
        self.stdout.write(f"Generating development media ({spec.duration_s} s, {len(spec.rungs_kbps)} renditions)...")
        root = media.media_generate(spec=spec, force=force, say=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"Development media ready in {root}"))
