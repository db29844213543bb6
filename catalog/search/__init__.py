"""Full-text search over titles: one entry point, a backend per database vendor.

`ranked_title_ids(query, limit=...)` returns title ids, best match first. The backend is chosen by
`connection.vendor`: SQLite uses FTS5 (kept in sync by triggers, see migration 0002), PostgreSQL
uses its full-text search with trigram similarity. Visibility is applied by the caller
(`catalog.selectors.search_titles`), so every backend answers the same question.
"""

import re
import unicodedata

from django.db import connection

# Search never ranks more candidates than this; deeper pages of a vague query are not useful.
MAX_CANDIDATES = 200
TOKEN_SPLIT = re.compile(r"[\W_]+", re.UNICODE)
MAX_TOKENS = 8


def normalize_tokens(query: str) -> list[str]:
    """Lower-case words without diacritics, the same way the index tokenizes text."""
    decomposed = unicodedata.normalize("NFKD", query.lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return [token for token in TOKEN_SPLIT.split(plain) if token][:MAX_TOKENS]


def backend():
    if connection.vendor == "postgresql":
        from catalog.search import postgres

        return postgres
    if connection.vendor == "sqlite":
        from catalog.search import sqlite

        return sqlite
    raise NotImplementedError(f"No catalog search backend for {connection.vendor}.")


def ranked_title_ids(query: str, *, limit: int = MAX_CANDIDATES) -> list[int]:
    """Ids of titles matching `query` (prefix and typo tolerant), best first; [] when nothing matches."""
    tokens = normalize_tokens(query)
    if not tokens:
        return []
    return backend().ranked_title_ids(tokens, limit=limit)
