"""`manage.py seed_demo`: a realistic, deterministic demo data set, built by every service in turn."""

import random

from django.core.management.base import BaseCommand

from streaming_platform.apps import service_configs
from streaming_platform.demo import DemoContext


class Command(BaseCommand):
    help = "Load demo data for every service. Deterministic for a given --seed; a second run adds nothing."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument("--titles", type=int, default=300, help="Catalog titles (default 300).")
        parser.add_argument("--users", type=int, default=60, help="Demo viewers (default 60).")
        parser.add_argument("--days", type=int, default=90, help="Days of history and events (default 90).")
        parser.add_argument("--events", type=int, default=20_000, help="Analytics events (default 20000).")

    def handle(self, *args, **options):
        for config in service_configs():
            context = DemoContext(
                # One generator per service, so a service's data does not shift when another changes.
                rng=random.Random(f"{options['seed']}:{config.label}"),
                titles=options["titles"],
                users=options["users"],
                days=options["days"],
                events=options["events"],
                stdout=self.stdout,
            )
            self.stdout.write(f"Seeding {config.verbose_name}...")
            config.seed_demo(context)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
