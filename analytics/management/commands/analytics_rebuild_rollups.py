"""`manage.py analytics_rebuild_rollups`: recompute the report rollups from stored events and views."""

from django.core.management.base import BaseCommand

from analytics.rollups import rollups_rebuild


class Command(BaseCommand):
    help = "Recompute analytics rollups (hourly view sums, user activity, first views) from events and views."

    def handle(self, *args, **options):
        counts = rollups_rebuild()
        self.stdout.write(self.style.SUCCESS(", ".join(f"{name}: {count}" for name, count in counts.items())))
