"""PostgreSQL search: weighted tsvector ranking (title above people, genres and description) over a
GIN-indexed document per title, prefix matching with `:*`, and trigram word similarity (pg_trgm) for
typos when the words match nothing."""

from django.db import connection, transaction

from catalog.search.fuzzy import Vocabulary

CONFIG = "simple"
# Below this word similarity a title is not offered as a typo match.
MIN_SIMILARITY = 0.4
DOCUMENTS = "catalog_title_search"


def load_vocabulary():
    """Every word of the indexed documents (titles, people, genres, descriptions) with its document count."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT word, ndoc FROM ts_stat('SELECT document FROM {DOCUMENTS}')")
        return cursor.fetchall()


vocabulary = Vocabulary(load_vocabulary)


def corrected_query(tokens: list[str]) -> str | None:
    """The tsquery with each word that starts no known term replaced by its close terms."""
    parts = []
    for token in tokens:
        if vocabulary.has_prefix(token):
            parts.append(f"{token}:*")
            continue
        alternatives = vocabulary.close_terms(token)
        if not alternatives:
            return None
        parts.append("(" + " | ".join(alternatives) + ")")
    return " & ".join(parts)


def ranked(cursor, raw_query: str, limit: int) -> list[int]:
    cursor.execute(
        f"""SELECT s.title_id FROM {DOCUMENTS} s JOIN catalog_title t ON t.id = s.title_id,
            to_tsquery('{CONFIG}', %s) query
        WHERE s.document @@ query
        ORDER BY ts_rank(s.document, query) DESC, t.popularity DESC, t.id
        LIMIT %s""",
        [raw_query, limit],
    )
    return [row[0] for row in cursor.fetchall()]


def in_titles(term: str) -> str:
    """A tsquery operand (`word`, `word:*` or `(a | b)`) restricted to title words (weight A)."""
    if term.startswith("("):
        return "(" + " | ".join(in_titles(alternative) for alternative in term[1:-1].split(" | ")) + ")"
    return f"{term}A" if term.endswith(":*") else f"{term}:A"


def matching_ids(terms: list[str], limit: int) -> list[int]:
    """Titles whose document matches every term (tsquery operands), best ranked first, through the
    GIN-indexed documents (`catalog_title_search`, kept by triggers: migration 0006)."""
    with connection.cursor() as cursor:
        # Title matches rank first anyway; when they alone fill the list, a broad query (a short prefix
        # matches much of the catalogue) need not rank every description that matches too.
        title_matches = ranked(cursor, " & ".join(in_titles(term) for term in terms), limit)
        if len(title_matches) >= limit:
            return title_matches
        return ranked(cursor, " & ".join(terms), limit)


def similar_titles(typed: str, limit: int) -> list[int]:
    """Titles containing something like what was typed (pg_trgm word similarity, through its GIN index)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(MIN_SIMILARITY)])
        cursor.execute(
            "SELECT id FROM catalog_title WHERE %s <%% title"
            " ORDER BY word_similarity(%s, title) DESC, popularity DESC, id LIMIT %s",
            [typed, typed, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def ranked_title_ids(tokens: list[str], *, limit: int) -> list[int]:
    # Tokens are word characters only (catalog.search.normalize_tokens), so the raw tsquery is safe.
    ids = matching_ids([f"{token}:*" for token in tokens], limit)
    if ids:
        return ids
    corrected = corrected_query(tokens)
    if corrected:
        ids = matching_ids(corrected.split(" & "), limit)
        if ids:
            return ids
    # Last resort: titles that look like what was typed, as a whole.
    return similar_titles(" ".join(tokens), limit)
