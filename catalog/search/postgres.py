"""PostgreSQL search: weighted tsvector ranking (title above people, genres and description) over a
GIN-indexed document per title, prefix matching with `:*`, and trigram word similarity (pg_trgm) for
typos when the words match nothing."""

from collections.abc import Iterator

from django.db import connection, transaction
from django.db.models import QuerySet

from catalog.search import Prefilter, Scope
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


def facet_condition(prefilter: Prefilter) -> tuple[str, tuple]:
    """The prefilter on the documents' `facets` array (GIN indexed, migration 0009): one term of each group."""
    sql = "".join(" AND s.facets && %s::text[]" for _ in prefilter.groups)
    return sql, tuple(list(group) for group in prefilter.groups)


class Match:
    """One tsquery over the documents of the titles in scope: the indexes answer the words and the
    prefilter's facets; the scope, a correlated EXISTS the planner turns into a semi-join, what is left."""

    def __init__(self, words: list[list[str]], scope: Scope, prefilter: Prefilter):
        self.words, self.scope = words, scope
        self.facets_sql, self.facets_params = facet_condition(prefilter)
        self.total: int | None = None

    def query(self, select: str, raw_query: str, tail: str = "", params: tuple = ()) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT {select} FROM {DOCUMENTS} s JOIN catalog_title t ON t.id = s.title_id,
                    to_tsquery('{CONFIG}', %s) query
                WHERE s.document @@ query{self.facets_sql}{self.scope.sql}{tail}""",
                [raw_query, *self.facets_params, *self.scope.params, *params],
            )
            return cursor.fetchall()

    def ranked_by(self, raw_query: str, limit: int, offset: int) -> list[int]:
        tail = " ORDER BY ts_rank(s.document, query) DESC, t.popularity DESC, t.id LIMIT %s OFFSET %s"
        rows = self.query("s.title_id, count(*) OVER ()", raw_query, tail, (limit, offset))
        if rows and raw_query == tsquery(self.words):
            self.total = rows[0][1]  # every match of the whole query, counted in the same scan
        return [row[0] for row in rows]

    def ranked(self, limit: int, offset: int) -> list[int]:
        # Title matches rank first anyway; when they alone fill the page, a broad query (a short prefix
        # matches much of the catalogue) need not rank every description that matches too.
        title_matches = self.ranked_by(tsquery(self.words, "A"), offset + limit, 0)
        if len(title_matches) >= offset + limit:
            return title_matches[offset:]
        return self.ranked_by(tsquery(self.words), limit, offset)

    def count(self) -> int:
        if self.total is None:
            self.total = self.query("count(*)", tsquery(self.words))[0][0]
        return self.total


class Similar:
    """Titles containing something like what was typed (pg_trgm word similarity, through its GIN index)."""

    def __init__(self, typed: str, within: QuerySet | None):
        self.typed, self.scope = typed, Scope(within, "outer_title.id")

    def query(self, select: str, tail: str = "", params: tuple = ()) -> list[tuple]:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(MIN_SIMILARITY)])
            cursor.execute(
                f"SELECT {select} FROM catalog_title outer_title WHERE %s <%% outer_title.title{self.scope.sql}{tail}",
                [self.typed, *self.scope.params, *params],
            )
            return cursor.fetchall()

    def ranked(self, limit: int, offset: int) -> list[int]:
        tail = (
            " ORDER BY word_similarity(%s, outer_title.title) DESC, outer_title.popularity DESC, outer_title.id"
            " LIMIT %s OFFSET %s"
        )
        return [row[0] for row in self.query("outer_title.id", tail, (self.typed, limit, offset))]

    def count(self) -> int:
        return self.query("count(*)")[0][0]


def stages(tokens: list[str], within: QuerySet | None, prefilter: Prefilter) -> Iterator[Match | Similar]:
    # Tokens are word characters only (catalog.search.normalize_tokens), so the raw tsquery is safe.
    scope = Scope(within, "s.title_id")
    yield Match([[f"{token}:*"] for token in tokens], scope, prefilter)
    corrected = corrected_terms(tokens)
    if corrected:
        yield Match(corrected, scope, prefilter)
    # Last resort: titles that look like what was typed, as a whole.
    yield Similar(" ".join(tokens), within)
