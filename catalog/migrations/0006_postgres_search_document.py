"""Full-text index of titles for PostgreSQL: a weighted tsvector per title in its own table, with a GIN
index, kept in sync by triggers (as the SQLite FTS5 index is), and a trigram index of titles for typo
matching; nothing on other databases.

Weights: title A, people B, genres C, description D (catalog/search/postgres.py ranks with them).
"""

from django.db import migrations

TABLE = "catalog_title_search"
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


def trigger(table: str, events: str, title_ids: str) -> list[str]:
    """A row trigger on `table` that refreshes the documents of the titles `title_ids` selects."""
    function = f"{table}_search_sync"
    return [
        f"""CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM {REFRESH}(ARRAY({title_ids}));
            RETURN NULL;
        END $$""",
        f"CREATE TRIGGER {function} AFTER {events} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()",
    ]


TRIGGERS = {
    "catalog_title": ("INSERT OR UPDATE OF title, description", "SELECT NEW.id"),
    "catalog_title_genres": (
        "INSERT OR UPDATE OR DELETE",
        "SELECT (CASE WHEN TG_OP = 'DELETE' THEN OLD.title_id ELSE NEW.title_id END)"
        " UNION SELECT (CASE WHEN TG_OP = 'UPDATE' THEN OLD.title_id END)",
    ),
    "catalog_credit": (
        "INSERT OR UPDATE OR DELETE",
        "SELECT (CASE WHEN TG_OP = 'DELETE' THEN OLD.title_id ELSE NEW.title_id END)"
        " UNION SELECT (CASE WHEN TG_OP = 'UPDATE' THEN OLD.title_id END)",
    ),
    "catalog_genre": ("UPDATE OF name", "SELECT title_id FROM catalog_title_genres WHERE genre_id = NEW.id"),
    "catalog_person": ("UPDATE OF name", "SELECT title_id FROM catalog_credit WHERE person_id = NEW.id"),
}

CREATE = [
    f"""CREATE TABLE {TABLE} (
        title_id bigint PRIMARY KEY,
        document tsvector NOT NULL
    )""",
    f"CREATE INDEX {TABLE}_document ON {TABLE} USING gin (document)",
    # Typo matching of whole titles (pg_trgm word similarity, migration 0004 created the extension).
    "CREATE INDEX catalog_title_title_trigram ON catalog_title USING gin (title gin_trgm_ops)",
    f"""CREATE FUNCTION {REFRESH}(ids bigint[]) RETURNS void LANGUAGE sql AS $$
        INSERT INTO {TABLE} (title_id, document)
        SELECT t.id, {DOCUMENT} FROM catalog_title t WHERE t.id = ANY(ids)
        ON CONFLICT (title_id) DO UPDATE SET document = EXCLUDED.document
    $$""",
    *(statement for table, (events, ids) in TRIGGERS.items() for statement in trigger(table, events, ids)),
    # No foreign key (the test database is flushed with TRUNCATE, which one would refuse): triggers remove
    # the documents of deleted titles instead.
    f"""CREATE FUNCTION catalog_title_search_forget() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            TRUNCATE {TABLE};
        ELSE
            DELETE FROM {TABLE} WHERE title_id = OLD.id;
        END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER catalog_title_search_forget AFTER DELETE ON catalog_title"
    " FOR EACH ROW EXECUTE FUNCTION catalog_title_search_forget()",
    "CREATE TRIGGER catalog_title_search_truncate AFTER TRUNCATE ON catalog_title"
    " FOR EACH STATEMENT EXECUTE FUNCTION catalog_title_search_forget()",
    f"INSERT INTO {TABLE} (title_id, document) SELECT t.id, {DOCUMENT} FROM catalog_title t",
]

DROP = [
    "DROP INDEX IF EXISTS catalog_title_title_trigram",
    "DROP TRIGGER IF EXISTS catalog_title_search_forget ON catalog_title",
    "DROP TRIGGER IF EXISTS catalog_title_search_truncate ON catalog_title",
    "DROP FUNCTION IF EXISTS catalog_title_search_forget()",
    *(f"DROP TRIGGER IF EXISTS {table}_search_sync ON {table}" for table in TRIGGERS),
    *(f"DROP FUNCTION IF EXISTS {table}_search_sync()" for table in TRIGGERS),
    f"DROP FUNCTION IF EXISTS {REFRESH}(bigint[])",
    f"DROP TABLE IF EXISTS {TABLE}",
]


def run(statements):
    def apply(apps, schema_editor):
        # SQLite searches with FTS5 (migration 0002).
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_title_search_prefix_index")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
