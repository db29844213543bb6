"""PostgreSQL search: weighted tsvector ranking (title above people, genres and description), prefix
matching with `:*`, and trigram word similarity (pg_trgm) for typos when the words match nothing."""

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, TrigramWordSimilarity
from django.db import connection
from django.db.models import F, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce

from catalog.models import Credit, Title
from catalog.search.fuzzy import Vocabulary

CONFIG = "simple"
# Below this word similarity a title is not offered as a typo match.
MIN_SIMILARITY = 0.4


def joined_names(model, field: str):
    names = (
        model.objects.filter(title=OuterRef("pk"))
        .values("title")
        .annotate(names=StringAgg(field, delimiter=" "))
        .values("names")
    )
    return Coalesce(Subquery(names), Value(""), output_field=TextField())


def document():
    genres = (
        Title.genres.through.objects.filter(title=OuterRef("pk"))
        .values("title")
        .annotate(names=StringAgg("genre__name", delimiter=" "))
        .values("names")
    )
    return (
        SearchVector("title", weight="A", config=CONFIG)
        + SearchVector(joined_names(Credit, "person__name"), weight="B", config=CONFIG)
        + SearchVector(Coalesce(Subquery(genres), Value(""), output_field=TextField()), weight="C", config=CONFIG)
        + SearchVector("description", weight="D", config=CONFIG)
    )


def load_vocabulary():
    """Every word of titles, descriptions, genres and people with its document count (one scan)."""
    documents = (
        f"SELECT to_tsvector('{CONFIG}', coalesce(title, '') || ' ' || coalesce(description, '')) FROM catalog_title"
        f" UNION ALL SELECT to_tsvector('{CONFIG}', name) FROM catalog_genre"
        f" UNION ALL SELECT to_tsvector('{CONFIG}', name) FROM catalog_person"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT word, ndoc FROM ts_stat(%s)", [documents])
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


def matching_ids(raw_query: str, limit: int) -> list[int]:
    query = SearchQuery(raw_query, search_type="raw", config=CONFIG)
    matches = (
        Title.objects.annotate(document=document())
        .filter(document=query)
        .annotate(rank=SearchRank(F("document"), query))
        .order_by("-rank", "-popularity", "id")
        .values_list("id", flat=True)[:limit]
    )
    return list(matches)


def ranked_title_ids(tokens: list[str], *, limit: int) -> list[int]:
    # Tokens are word characters only (catalog.search.normalize_tokens), so the raw tsquery is safe.
    ids = matching_ids(" & ".join(f"{token}:*" for token in tokens), limit)
    if ids:
        return ids
    corrected = corrected_query(tokens)
    if corrected:
        ids = matching_ids(corrected, limit)
        if ids:
            return ids
    # Last resort: titles that look like what was typed, as a whole.
    typed = " ".join(tokens)
    similar = (
        Title.objects.annotate(similarity=TrigramWordSimilarity(typed, "title"))
        .filter(similarity__gte=MIN_SIMILARITY)
        .order_by("-similarity", "-popularity", "id")
        .values_list("id", flat=True)[:limit]
    )
    return list(similar)
