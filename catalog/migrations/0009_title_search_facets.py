"""Facets in the title search index: the regions a title is licensed in, its maturity rating and its kind,
as terms of their own (`rus`, `m10` or `mnone`, `kmovie`), so a search narrows to what a viewer may see
inside the index itself before the exact visibility rule (licence windows now, parental controls) is
checked on the few candidates left. A common word in a small region, or for a restricted viewer, then
ranks hundreds of titles instead of every title that has the word.

SQLite: the FTS5 table gains a `facets` column, kept in sync by triggers on titles and licence windows,
and the vocabulary (typo correction, prefix checks) reads the text columns only. PostgreSQL: the search
document table gains a `facets text[]` column with a GIN index, filled by the same refresh function.
"""

from django.db import migrations

FTS = "catalog_title_fts"
TEXT_COLUMNS = "title, description, genres, people"


def sqlite_facets_of(title_id: str) -> str:
    """SQL for the facet terms of a title: `r<region>` per licensed region, `m<rating>` or `mnone`, `k<kind>`."""
    regions = (
        "SELECT group_concat('r' || lower(region), ' ') FROM"
        f" (SELECT DISTINCT a.region FROM catalog_availability a WHERE a.title_id = {title_id})"
    )
    return (
        f"(SELECT coalesce(({regions}), '') || ' m' || coalesce(CAST(t.maturity_rating AS TEXT), 'none')"
        f" || ' k' || t.kind FROM catalog_title t WHERE t.id = {title_id})"
    )


def sqlite_refresh(title_id: str) -> str:
    facets = sqlite_facets_of(title_id)
    # A licence window in a region the title already has changes nothing: the index row is left alone.
    return f"UPDATE {FTS} SET facets = {facets} WHERE rowid = {title_id} AND facets IS NOT {facets};"


SQLITE_TRIGGERS = {
    "catalog_title_fts_facets": f"""AFTER UPDATE OF maturity_rating, kind ON catalog_title BEGIN
        {sqlite_refresh("NEW.id")}
    END""",
    "catalog_availability_fts_insert": f"""AFTER INSERT ON catalog_availability BEGIN
        {sqlite_refresh("NEW.title_id")}
    END""",
    "catalog_availability_fts_update": f"""AFTER UPDATE OF region, title_id ON catalog_availability BEGIN
        {sqlite_refresh("OLD.title_id")}
        {sqlite_refresh("NEW.title_id")}
    END""",
    "catalog_availability_fts_delete": f"""AFTER DELETE ON catalog_availability BEGIN
        {sqlite_refresh("OLD.title_id")}
    END""",
}

GENRES_OF = (
    "(SELECT coalesce(group_concat(g.name, ' '), '') FROM catalog_genre g "
    "JOIN catalog_title_genres tg ON tg.genre_id = g.id WHERE tg.title_id = {id})"
)
PEOPLE_OF = (
    "(SELECT coalesce(group_concat(p.name, ' '), '') FROM catalog_person p "
    "JOIN catalog_credit c ON c.person_id = p.id WHERE c.title_id = {id})"
)


def sqlite_rebuild(with_facets: bool) -> list[str]:
    columns = f"{TEXT_COLUMNS}, facets" if with_facets else TEXT_COLUMNS
    facets = f", {sqlite_facets_of('copy.id')}" if with_facets else ""
    vocabulary = "'col'" if with_facets else "'row'"
    insert_values = (
        f"NEW.id, NEW.title, NEW.description, {GENRES_OF.format(id='NEW.id')}, {PEOPLE_OF.format(id='NEW.id')}"
        + (f", {sqlite_facets_of('NEW.id')}" if with_facets else "")
    )
    statements = [
        # As in migration 0005: the other triggers name the index table and keep working once it is recreated.
        f"CREATE TEMP TABLE {FTS}_copy AS SELECT rowid AS id, {TEXT_COLUMNS} FROM {FTS}",
        f"DROP TABLE IF EXISTS {FTS}_vocab",
        f"DROP TABLE {FTS}",
        f"CREATE VIRTUAL TABLE {FTS} USING fts5({columns}, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
        f"INSERT INTO {FTS} (rowid, {columns}) SELECT copy.id, {TEXT_COLUMNS}{facets} FROM temp.{FTS}_copy AS copy",
        f"DROP TABLE temp.{FTS}_copy",
        f"CREATE VIRTUAL TABLE {FTS}_vocab USING fts5vocab({FTS}, {vocabulary})",
        "DROP TRIGGER IF EXISTS catalog_title_fts_insert",
        f"""CREATE TRIGGER catalog_title_fts_insert AFTER INSERT ON catalog_title BEGIN
            INSERT INTO {FTS} (rowid, {columns}) VALUES ({insert_values});
        END""",
        *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS),
    ]
    if with_facets:
        statements += [f"CREATE TRIGGER {name} {body}" for name, body in SQLITE_TRIGGERS.items()]
    return statements


DOCUMENTS = "catalog_title_search"
REFRESH = "catalog_title_search_refresh"
CONFIG = "simple"
DOCUMENT = f"""
    setweight(to_tsvector('{CONFIG}', coalesce(t.title, '')), 'A')
    || setweight(to_tsvector('{CONFIG}', coalesce((
        SELECT string_agg(p.name, ' ') FROM catalog_credit c JOIN catalog_person p ON p.id = c.person_id
        WHERE c.title_id = t.id), '')), 'B')
    || setweight(to_tsvector('{CONFIG}', coalesce((
        SELECT string_agg(g.name, ' ') FROM catalog_title_genres tg JOIN catalog_genre g ON g.id = tg.genre_id
        WHERE tg.title_id = t.id), '')), 'C')
    || setweight(to_tsvector('{CONFIG}', coalesce(t.description, '')), 'D')
"""
PG_FACETS = """ARRAY(SELECT DISTINCT 'r' || lower(a.region) FROM catalog_availability a WHERE a.title_id = t.id)
    || ARRAY['m' || coalesce(t.maturity_rating::text, 'none'), 'k' || t.kind]"""

PG_REFRESH_WITH_FACETS = f"""CREATE OR REPLACE FUNCTION {REFRESH}(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO {DOCUMENTS} (title_id, document, facets)
    SELECT t.id, {DOCUMENT}, {PG_FACETS} FROM catalog_title t WHERE t.id = ANY(ids)
    ON CONFLICT (title_id) DO UPDATE SET document = EXCLUDED.document, facets = EXCLUDED.facets
$$"""
PG_REFRESH_WITHOUT_FACETS = f"""CREATE OR REPLACE FUNCTION {REFRESH}(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO {DOCUMENTS} (title_id, document)
    SELECT t.id, {DOCUMENT} FROM catalog_title t WHERE t.id = ANY(ids)
    ON CONFLICT (title_id) DO UPDATE SET document = EXCLUDED.document
$$"""


def pg_trigger(table: str, events: str, title_ids: str) -> list[str]:
    function = f"{table}_search_facets"
    return [
        f"""CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM {REFRESH}(ARRAY({title_ids}));
            RETURN NULL;
        END $$""",
        f"CREATE TRIGGER {function} AFTER {events} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()",
    ]


PG_TRIGGERS = {
    "catalog_title": ("UPDATE OF maturity_rating, kind", "SELECT NEW.id"),
    "catalog_availability": (
        "INSERT OR UPDATE OR DELETE",
        "SELECT (CASE WHEN TG_OP = 'DELETE' THEN OLD.title_id ELSE NEW.title_id END)"
        " UNION SELECT (CASE WHEN TG_OP = 'UPDATE' THEN OLD.title_id END)",
    ),
}

PG_CREATE = [
    f"ALTER TABLE {DOCUMENTS} ADD COLUMN facets text[] NOT NULL DEFAULT '{{}}'",
    f"CREATE INDEX {DOCUMENTS}_facets ON {DOCUMENTS} USING gin (facets)",
    PG_REFRESH_WITH_FACETS,
    *(statement for table, (events, ids) in PG_TRIGGERS.items() for statement in pg_trigger(table, events, ids)),
    f"UPDATE {DOCUMENTS} s SET facets = {PG_FACETS} FROM catalog_title t WHERE t.id = s.title_id",
]
PG_DROP = [
    *(f"DROP TRIGGER IF EXISTS {table}_search_facets ON {table}" for table in PG_TRIGGERS),
    *(f"DROP FUNCTION IF EXISTS {table}_search_facets()" for table in PG_TRIGGERS),
    PG_REFRESH_WITHOUT_FACETS,
    f"ALTER TABLE {DOCUMENTS} DROP COLUMN IF EXISTS facets",
]


def run(sqlite: list[str], postgresql: list[str]):
    def apply(apps, schema_editor):
        statements = {"sqlite": sqlite, "postgresql": postgresql}.get(schema_editor.connection.vendor, [])
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_artwork_and_extras")]

    operations = [migrations.RunPython(run(sqlite_rebuild(True), PG_CREATE), run(sqlite_rebuild(False), PG_DROP))]
