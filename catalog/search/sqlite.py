"""SQLite FTS5 search: bm25 ranking (title weighted above people, genres and description), prefix and typo matching."""

from django.db import connection

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


def corrected_expression(cursor, tokens: list[str]) -> str | None:
    """The query with each word that starts no indexed term replaced by its close terms; None if hopeless."""
    parts = []
    corrected = False
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


def ranked(cursor, expression: str, limit: int) -> list[int]:
    weights = ", ".join(str(weight) for weight in BM25_WEIGHTS)
    cursor.execute(
        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s ORDER BY bm25({FTS_TABLE}, {weights}) LIMIT %s",
        [expression, limit],
    )
    return [row[0] for row in cursor.fetchall()]


def ranked_title_ids(tokens: list[str], *, limit: int) -> list[int]:
    with connection.cursor() as cursor:
        ids = ranked_matches(cursor, prefix_expression(tokens), limit)
        if ids:
            return ids
        # Only a query that finds nothing pays for typo correction.
        expression = corrected_expression(cursor, tokens)
        return ranked_matches(cursor, expression, limit) if expression else []


def ranked_matches(cursor, expression: str, limit: int) -> list[int]:
    # Title matches rank first anyway; when they alone fill the list, a broad query (a short prefix
    # matches much of the catalogue) need not score every description that matches too.
    title_matches = ranked(cursor, f"{{title}} : ({expression})", limit)
    if len(title_matches) >= limit:
        return title_matches
    return ranked(cursor, expression, limit)
