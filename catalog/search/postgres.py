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


def corrected_terms(tokens: list[str]) -> list[list[str]] | None:
    """The query's words, each that starts no known term replaced by its close terms; None if hopeless."""
    words = []
    for token in tokens:
        if vocabulary.has_prefix(token):
            words.append([f"{token}:*"])
            continue
        alternatives = vocabulary.close_terms(token)
        if not alternatives:
            return None
        words.append([f"{term}:" for term in alternatives])
    return words


def tsquery(words: list[list[str]], weights: str = "") -> str:
    """Every word (one of its alternatives), as a raw tsquery; `weights` limits the match to those (e.g. "A").

    An alternative is a lexeme with its label separator: `word:` exactly, `word:*` as a prefix.
    """
    return " & ".join("(" + " | ".join(alternative + weights for alternative in word) + ")" for word in words)


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


def matching_ids(words: list[list[str]], limit: int) -> list[int]:
    """Titles whose document matches every word (see `tsquery`), best ranked first, through the
    GIN-indexed documents (`catalog_title_search`, kept by triggers: migration 0006)."""
    with connection.cursor() as cursor:
        # Title matches rank first anyway; when they alone fill the list, a broad query (a short prefix
        # matches much of the catalogue) need not rank every description that matches too.
        title_matches = ranked(cursor, tsquery(words, "A"), limit)
        if len(title_matches) >= limit:
            return title_matches
        return ranked(cursor, tsquery(words), limit)


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
    ids = matching_ids([[f"{token}:*"] for token in tokens], limit)
    if ids:
        return ids
    corrected = corrected_terms(tokens)
    if corrected:
        ids = matching_ids(corrected, limit)
        if ids:
            return ids
    # Last resort: titles that look like what was typed, as a whole.
    return similar_titles(" ".join(tokens), limit)
