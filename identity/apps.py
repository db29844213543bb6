"""The Identity service: accounts, tokens, preferences, watch history, parental controls."""

from pathlib import Path

from streaming_platform.apps import ServiceConfig


class IdentityConfig(ServiceConfig):
    name = "identity"
    verbose_name = "Identity"
    service_label = "User Management"
    calls = ("catalog", "analytics", "recommend")

    def ready(self) -> None:
        from django.db.models.signals import pre_delete

        from catalog.listing import listed_provider_register
        from catalog.restrictions import restrictions_provider_register
        from identity.account.services import account_erasure_run
        from identity.library import list_title_ids_among
        from identity.models import User
        from identity.selectors import content_restrictions_for

        # The catalog applies a viewer's parental controls, and marks their My List, without importing identity.
        restrictions_provider_register(content_restrictions_for)
        # However an account is deleted, the erasure hooks of higher services run first.
        pre_delete.connect(account_erasure_run, sender=User, dispatch_uid="identity.account_erasure")
        listed_provider_register(list_title_ids_among)

    def seed_demo(self, context) -> None:
        from identity.demo_data import demo_identity_seed

        demo_identity_seed(rng=context.rng, users=context.users, days=context.days, stdout=context.stdout)

    def import_movielens(self, directory: Path, *, stdout) -> None:
        from identity.demo_data import movielens_import

        movielens_import(directory=directory, stdout=stdout)
