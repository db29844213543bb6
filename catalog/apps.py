"""The Catalog service: titles, shows, genres, people, regional availability and search."""

from pathlib import Path

from streaming_platform.apps import ServiceConfig


class CatalogConfig(ServiceConfig):
    name = "catalog"
    verbose_name = "Catalog"
    service_label = "Content Catalog"
    calls = ("identity", "analytics")

    def seed_demo(self, context) -> None:
        from catalog.services import demo_catalog_seed

        created = demo_catalog_seed(rng=context.rng, titles=context.titles, stdout=context.stdout)
        context.say(f"Catalog: {created} demo titles created.")

    def import_movielens(self, directory: Path, *, stdout) -> None:
        from catalog.services import movielens_titles_import

        created = movielens_titles_import(directory=directory, stdout=stdout)
        stdout.write(f"Catalog: {created} MovieLens titles created.")
