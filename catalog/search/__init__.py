"""Full-text search over titles: one entry point, a backend per database vendor.

`title_matches(query, within=...)` ranks the titles of `within` (a queryset: what the viewer may see,
of a kind, in a genre) that match `query`, best first. The scope is part of the search query itself, so
a common word in a small region, or a restricted viewer, gets every title they may see ranked, and the
count of matches is exact at any catalog size. The backend is chosen by `connection.vendor`: SQLite uses
FTS5 (kept in sync by triggers, see migration 0002), PostgreSQL its full-text search with trigram
similarity.

Each backend offers its ways of matching in order (words as typed and as prefixes, then typo
corrections, ...): the first that finds something in scope answers.

A `Prefilter` narrows the matches inside the index before the scope is checked: the index holds each
title's licensed regions, maturity rating and kind as facet terms (migration 0009), so a common word in a
small region, or for a viewer whose parental controls hide most titles, checks the exact scope (licence
windows now, blocked genres) on the few titles that can be in it rather than on every title with the word.
The prefilter only ever drops titles the scope would drop too.
"""

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

# Search ranks this many candidates at once; a page past them is ranked when asked for.
MAX_CANDIDATES = 200
TOKEN_SPLIT = re.compile(r"[\W_]+", re.UNICODE)
MAX_TOKENS = 8


def normalize_tokens(query: str) -> list[str]:
    """Lower-case words without diacritics, the same way the index tokenizes text."""
    decomposed = unicodedata.normalize("NFKD", query.lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return [token for token in TOKEN_SPLIT.split(plain) if token][:MAX_TOKENS]


def region_facet(region: str) -> str:
    return "r" + region.lower()


def maturity_facet(rating: int | None) -> str:
    return "mnone" if rating is None else f"m{int(rating)}"


def kind_facet(kind: str) -> str:
    return "k" + kind


@dataclass(frozen=True)
class Prefilter:
    """What a title in scope must have, as facet terms of the index: every group of `groups` has one of
    its terms (all of them: AND of ORs), e.g. ((rus,), (m0, m10, mnone), (kmovie,))."""

    groups: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def of(
        cls, *, region: str | None = None, ratings: Iterable[int | None] | None = None, kind: str = ""
    ) -> "Prefilter":
        """Licensed in `region` (at some time), rated one of `ratings` (None: unrated), of `kind`."""
        groups = []
        if region:
            groups.append((region_facet(region),))
        if ratings is not None:
            groups.append(tuple(sorted({maturity_facet(rating) for rating in ratings})))
        if kind:
            groups.append((kind_facet(kind),))
        return cls(tuple(groups))


NO_PREFILTER = Prefilter()


class Scope:
    """The titles a search may answer with, as SQL correlated to the backend's title id column."""

    def __init__(self, within: QuerySet | None, title_id_column: str):
        if within is None:
            self.sql, self.params = "", ()
            return
        correlated = within.order_by().filter(pk=RawSQL(title_id_column, ())).values("pk")
        sql, params = correlated.query.sql_with_params()
        self.sql, self.params = f" AND EXISTS ({sql})", tuple(params)


class Stage(Protocol):
    def ranked(self, limit: int, offset: int) -> list[int]: ...

    def count(self) -> int: ...


class Backend(Protocol):
    def stages(self, tokens: list[str], within: QuerySet | None, prefilter: Prefilter) -> Iterator[Stage]: ...


def backend() -> Backend:
    if connection.vendor == "postgresql":
        from catalog.search import postgres

        return postgres
    if connection.vendor == "sqlite":
        from catalog.search import sqlite

        return sqlite
    raise NotImplementedError(f"No catalog search backend for {connection.vendor}.")


class TitleMatches:
    """Matching title ids, best first: the first `candidates` ranked at once, the rest (and an exact
    count) asked of the database only when a page or the count needs them."""

    def __init__(self, stage: Stage | None = None, ids: list[int] | None = None, candidates: int = 0):
        self.stage, self.ids, self.candidates = stage, ids or [], candidates
        self._count: int | None = None if len(self.ids) >= candidates > 0 else len(self.ids)

    @property
    def count_known(self) -> bool:
        return self._count is not None

    def __len__(self) -> int:
        if self._count is None:
            self._count = self.stage.count()
        return self._count

    def page(self, offset: int, limit: int) -> list[int]:
        if offset + limit <= len(self.ids) or self._count == len(self.ids):
            return self.ids[offset : offset + limit]
        return self.stage.ranked(limit, offset)


def title_matches(
    query: str, *, within: QuerySet | None = None, prefilter: Prefilter = NO_PREFILTER, limit: int | None = None
) -> TitleMatches:
    """Titles of `within` (all titles when None) matching `query`, prefix and typo tolerant, best first.

    `prefilter` must hold for every title of `within` (see `Prefilter`); it makes the search faster, never
    different.
    """
    tokens = normalize_tokens(query)
    limit = MAX_CANDIDATES if limit is None else limit
    if tokens:
        for stage in backend().stages(tokens, within, prefilter):
            ids = stage.ranked(limit, 0)
            if ids:
                return TitleMatches(stage, ids, limit)
    return TitleMatches()


def ranked_title_ids(
    query: str, *, within: QuerySet | None = None, prefilter: Prefilter = NO_PREFILTER, limit: int | None = None
) -> list[int]:
    """Ids of the best `limit` titles matching `query` (see `title_matches`); [] when nothing matches."""
    return title_matches(query, within=within, prefilter=prefilter, limit=limit).ids
