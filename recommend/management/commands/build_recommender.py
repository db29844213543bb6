"""`manage.py build_recommender`: learn a new recommender model from all history and the catalog."""

from django.core.management.base import BaseCommand

from recommend.services import recommender_build


class Command(BaseCommand):
    help = "Rebuild the recommender model (neighbours, content, popularity) from all watch history."

    def handle(self, *args, **options):
        row = recommender_build(stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Model #{row.pk}: {row.viewers} viewers, {row.titles} titles, {row.interactions} history rows, "
                f"{row.build_seconds:.1f} s."
            )
        )
