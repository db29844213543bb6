"""SQLite FTS5 search: bm25 ranking (title weighted above people, genres and description), prefix and typo matching."""

from collections.abc import Iterator

from django.db import connection
from django.db.models import QuerySet

from catalog.search import Prefilter, Scope
from catalog.search.fuzzy import Vocabulary

FTS_TABLE = "catalog_title_fts"
VOCAB_TABLE = "catalog_title_fts_vocab"
# bm25 weights per column, in table order: title, description, genres, people, and the facets (migration
# 0009), which narrow a search but never rank it.
BM25_WEIGHTS = (10.0, 1.0, 2.0, 3.0, 0.0)
# What a viewer's words are matched against: every column but the facets.
TEXT_COLUMNS = "{title description genres people}"
FACETS_COLUMN = "facets"


def load_vocabulary():
    """The words of the text columns with the number of titles having each (its most in one column)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT term, max(doc) FROM {VOCAB_TABLE} WHERE col != %s GROUP BY term", [FACETS_COLUMN])
        return cursor.fetchall()


vocabulary = Vocabulary(load_vocabulary)


def quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def has_prefix_match(cursor, token: str) -> bool:
    # Terms sort as text, so every term starting with `token` lies in [token, token + U+10FFFF).
    cursor.execute(
        f"SELECT 1 FROM {VOCAB_TABLE} WHERE term >= %s AND term < %s AND col != %s LIMIT 1",
        [token, token + "\U0010ffff", FACETS_COLUMN],
    )
    return cursor.fetchone() is not None


def prefix_expression(tokens: list[str]) -> str:
    return " AND ".join(quoted(token) + "*" for token in tokens)


def corrected_expression(tokens: list[str]) -> str | None:
    """The query with each word that starts no indexed term replaced by its close terms; None if hopeless."""
    parts = []
    corrected = False
    with connection.cursor() as cursor:
        for token in tokens:
            if has_prefix_match(cursor, token):
                parts.append(quoted(token) + "*")
                continue
            alternatives = vocabulary.close_terms(token)
            if not alternatives:
                return None
            corrected = True
            parts.append("(" + " OR ".join(quoted(term) for term in alternatives) + ")")
    return " AND ".join(parts) if corrected else None


def prefiltered(words: str, prefilter: Prefilter, columns: str = TEXT_COLUMNS) -> str:
    """The viewer's words in `columns`, and each facet group of the prefilter in the facets column."""
    facets = "".join(
        f" AND {{{FACETS_COLUMN}}} : (" + " OR ".join(quoted(term) for term in group) + ")"
        for group in prefilter.groups
    )
    return f"{columns} : ({words}){facets}"


class Match:
    """One FTS5 expression over the titles in scope: the index answers the words and the prefilter's
    facets; the scope, a correlated EXISTS, is checked on what is left."""

    def __init__(self, words: str, scope: Scope, prefilter: Prefilter):
        self.words, self.prefilter, self.scope = words, prefilter, scope
        self.expression = prefiltered(words, prefilter)
        self.total: int | None = None

    def query(self, select: str, expression: str, tail: str = "", params: tuple = ()) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {select} FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s{self.scope.sql}{tail}",
                [expression, *self.scope.params, *params],
            )
            return cursor.fetchall()

    def ranked_by(self, expression: str, limit: int, offset: int) -> list[int]:
        weights = ", ".join(str(weight) for weight in BM25_WEIGHTS)
        # Every match in scope is scored anyway to rank them, so they are counted in the same scan. FTS5
        # refuses bm25() beside a window function, hence the materialized step between the two.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""WITH matches AS MATERIALIZED (
                    SELECT rowid AS id, bm25({FTS_TABLE}, {weights}) AS score FROM {FTS_TABLE}
                    WHERE {FTS_TABLE} MATCH %s{self.scope.sql})
                SELECT id, count(*) OVER () FROM matches ORDER BY score, id LIMIT %s OFFSET %s""",
                [expression, *self.scope.params, limit, offset],
            )
            rows = cursor.fetchall()
        if rows and expression == self.expression:
            self.total = rows[0][1]
        return [row[0] for row in rows]

    def ranked(self, limit: int, offset: int) -> list[int]:
        # Title matches rank first anyway; when they alone fill the page, a broad query (a short prefix
        # matches much of the catalogue) need not score every description that matches too.
        title_matches = self.ranked_by(prefiltered(self.words, self.prefilter, "{title}"), offset + limit, 0)
        if len(title_matches) >= offset + limit:
            return title_matches[offset:]
        return self.ranked_by(self.expression, limit, offset)

    def count(self) -> int:
        if self.total is None:
            self.total = self.query("count(*)", self.expression)[0][0]
        return self.total


def stages(tokens: list[str], within: QuerySet | None, prefilter: Prefilter) -> Iterator[Match]:
    scope = Scope(within, f"{FTS_TABLE}.rowid")
    yield Match(prefix_expression(tokens), scope, prefilter)
    # Only a query that finds nothing pays for typo correction.
    expression = corrected_expression(tokens)
    if expression:
        yield Match(expression, scope, prefilter)
