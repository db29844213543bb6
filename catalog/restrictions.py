"""What a viewer's parental controls ask the catalog to hide, in the catalog's own terms."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet


@dataclass(frozen=True)
class ContentRestrictions:
    max_maturity: int | None = None  # a catalog.models.Maturity value; None = no ceiling
    block_unrated: bool = False
    blocked_genre_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_unrestricted(self) -> bool:
        return self.max_maturity is None and not self.block_unrated and not self.blocked_genre_ids

    def allowed_ratings(self, scale: Iterable[int]) -> list[int | None] | None:
        """The ratings of `scale` a viewer may see (None standing for unrated titles); None when any rating."""
        if self.max_maturity is None and not self.block_unrated:
            return None
        allowed: list[int | None] = [
            rating for rating in scale if self.max_maturity is None or rating <= self.max_maturity
        ]
        if not self.block_unrated:
            allowed.append(None)
        return allowed

    def apply(self, titles: QuerySet) -> QuerySet:
        if self.max_maturity is not None:
            allowed = Q(maturity_rating__lte=self.max_maturity)
            if not self.block_unrated:
                allowed |= Q(maturity_rating__isnull=True)
            titles = titles.filter(allowed)
        elif self.block_unrated:
            titles = titles.filter(maturity_rating__isnull=False)
        if self.blocked_genre_ids:
            titles = titles.exclude(genres__in=self.blocked_genre_ids)
        return titles


UNRESTRICTED = ContentRestrictions()


# Who knows a viewer's restrictions: the identity service registers its selector in IdentityConfig.ready(),
# so the catalog asks without importing identity. With no provider, nothing is restricted.
RestrictionsProvider = Callable[[object], ContentRestrictions]
_provider: RestrictionsProvider | None = None


def restrictions_provider_register(provider: RestrictionsProvider) -> None:
    global _provider
    _provider = provider


def content_restrictions_for(user) -> ContentRestrictions:
    """What the registered provider says `user` may not see (nothing when none is registered)."""
    return _provider(user) if _provider is not None else UNRESTRICTED
