"""`manage.py build_recommendations`: build viewers' cached recommendation lists, all or some, with progress."""

from django.core.management.base import BaseCommand

from recommend.services import recommendations_build_many


class Command(BaseCommand):
    help = "Build cached recommendation lists for every viewer, or those given with --user."

    def add_arguments(self, parser):
        parser.add_argument("--user", type=int, action="append", dest="users", help="A viewer id (repeatable).")
        parser.add_argument("--stale-only", action="store_true", help="Skip viewers whose list is still fresh.")

    def handle(self, *args, users=None, stale_only=False, **options):
        step = {"next": 0}

        def progress(done: int, total: int) -> None:
            # About twenty progress lines whatever the number of viewers.
            if done >= step["next"] or done == total:
                self.stdout.write(f"{done}/{total} viewers")
                step["next"] = done + max(total // 20, 1)

        built = recommendations_build_many(user_ids=users, stale_only=stale_only, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Built {built} recommendation lists."))
