"""`manage.py media_prepare`: generates the development origin's HLS renditions once (cached outside the repo)."""

from django.core.management.base import BaseCommand, CommandError

from stream import media
from stream.ladder import HEVC_RUNGS_BY_KBPS


def rungs(value: str) -> tuple[int, ...]:
    """`all` or comma-separated video kbps of HEVC rungs (`145,300`)."""
    if value == "all":
        return tuple(HEVC_RUNGS_BY_KBPS)
    try:
        return tuple(int(kbps) for kbps in value.split(",") if kbps.strip())
    except ValueError:
        raise CommandError(f"--hevc takes `all` or kbps separated by commas, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Generate the development media (a test clip per rung of the ladder) unless it is already cached; "
        "with --hevc, Premium's HEVC renditions too (slow: minutes per 2160p rung on two cores)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Generate again even if cached.")
        parser.add_argument(
            "--hevc",
            nargs="?",
            const="all",
            default="",
            metavar="KBPS,...",
            help=f"Also the HEVC renditions: all of them, or these ({', '.join(map(str, HEVC_RUNGS_BY_KBPS))}).",
        )

    def handle(self, *args, force: bool = False, hevc: str = "", **options):
        spec = media.default_spec()
        if media.is_ready(spec) and not force:
            self.stdout.write(f"Development media ready in {media.media_root(spec)}")
        else:
            self.stdout.write(
                f"Generating development media ({spec.duration_s} s, {len(spec.rungs_kbps)} renditions)..."
            )
            root = media.media_generate(spec=spec, force=force, say=self.stdout.write)
            self.stdout.write(self.style.SUCCESS(f"Development media ready in {root}"))
        if hevc:
            try:
                root = media.hevc_generate(rungs_kbps=rungs(hevc), spec=spec, say=self.stdout.write)
            except ValueError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(self.style.SUCCESS(f"HEVC development media ready in {root}"))
