"""SQLite FTS5 search: bm25 ranking (title weighted above people, genres and description), prefix and typo matching."""

from collections.abc import Iterator

from django.db import connection
from django.db.models import QuerySet

from catalog.search import Scope
from catalog.search.fuzzy import Vocabulary

FTS_TABLE = "catalog_title_fts"
VOCAB_TABLE = "catalog_title_fts_vocab"
# bm25 weights per column, in table order: title, description, genres, people.
BM25_WEIGHTS = (10.0, 1.0, 2.0, 3.0)


def load_vocabulary():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT term, doc FROM {VOCAB_TABLE}")
        return cursor.fetchall()


vocabulary = Vocabulary(load_vocabulary)


def quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def has_prefix_match(cursor, token: str) -> bool:
    # Terms sort as text, so every term starting with `token` lies in [token, token + U+10FFFF).
    cursor.execute(f"SELECT 1 FROM {VOCAB_TABLE} WHERE term >= %s AND term < %s LIMIT 1", [token, token + "\U0010ffff"])
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


class Match:
    """One FTS5 expression over the titles in scope (the scope is a correlated EXISTS on each match)."""

    def __init__(self, expression: str, scope: Scope):
        self.expression, self.scope = expression, scope
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
        title_matches = self.ranked_by(f"{{title}} : ({self.expression})", offset + limit, 0)
        if len(title_matches) >= offset + limit:
            return title_matches[offset:]
        return self.ranked_by(self.expression, limit, offset)

    def count(self) -> int:
        if self.total is None:
            self.total = self.query("count(*)", self.expression)[0][0]
        return self.total


def stages(tokens: list[str], within: QuerySet | None) -> Iterator[Match]:
    scope = Scope(within, f"{FTS_TABLE}.rowid")
    yield Match(prefix_expression(tokens), scope)
    # Only a query that finds nothing pays for typo correction.
    expression = corrected_expression(tokens)
    if expression:
        yield Match(expression, scope)
