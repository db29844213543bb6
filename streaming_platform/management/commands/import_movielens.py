"""`manage.py import_movielens <dir>`: load MovieLens 100K files into every service that uses them."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from streaming_platform.apps import service_configs

REQUIRED_FILES = ("ml-100k.item",)


class Command(BaseCommand):
    help = "Import a MovieLens 100K directory (atomic-file layout). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory.")
        missing = [name for name in REQUIRED_FILES if not (directory / name).is_file()]
        if missing:
            raise CommandError(f"{directory} lacks {', '.join(missing)}.")
        for config in service_configs():
            config.import_movielens(directory, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Imported MovieLens data from {directory}."))
