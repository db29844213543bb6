"""Full-text index of titles for SQLite (FTS5), kept in sync by triggers; nothing on other databases."""

from django.db import migrations

FTS = "catalog_title_fts"
GENRES_OF = (
    "(SELECT coalesce(group_concat(g.name, ' '), '') FROM catalog_genre g "
    "JOIN catalog_title_genres tg ON tg.genre_id = g.id WHERE tg.title_id = {id})"
)
PEOPLE_OF = (
    "(SELECT coalesce(group_concat(p.name, ' '), '') FROM catalog_person p "
    "JOIN catalog_credit c ON c.person_id = p.id WHERE c.title_id = {id})"
)


def set_genres(title_id: str) -> str:
    return f"UPDATE {FTS} SET genres = {GENRES_OF.format(id=title_id)} WHERE rowid = {title_id};"


def set_people(title_id: str) -> str:
    return f"UPDATE {FTS} SET people = {PEOPLE_OF.format(id=title_id)} WHERE rowid = {title_id};"


CREATE = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(title, description, genres, people, tokenize = 'unicode61 remove_diacritics 2')",
    f"CREATE VIRTUAL TABLE {FTS}_vocab USING fts5vocab({FTS}, 'row')",
    f"""CREATE TRIGGER catalog_title_fts_insert AFTER INSERT ON catalog_title BEGIN
        INSERT INTO {FTS} (rowid, title, description, genres, people)
        VALUES (NEW.id, NEW.title, NEW.description, {GENRES_OF.format(id="NEW.id")}, {PEOPLE_OF.format(id="NEW.id")});
    END""",
    f"""CREATE TRIGGER catalog_title_fts_update AFTER UPDATE OF title, description ON catalog_title
    WHEN OLD.title IS NOT NEW.title OR OLD.description IS NOT NEW.description BEGIN
        UPDATE {FTS} SET title = NEW.title, description = NEW.description WHERE rowid = NEW.id;
    END""",
    f"""CREATE TRIGGER catalog_title_fts_delete AFTER DELETE ON catalog_title BEGIN
        DELETE FROM {FTS} WHERE rowid = OLD.id;
    END""",
    f"""CREATE TRIGGER catalog_title_genres_fts_insert AFTER INSERT ON catalog_title_genres BEGIN
        {set_genres("NEW.title_id")}
    END""",
    f"""CREATE TRIGGER catalog_title_genres_fts_delete AFTER DELETE ON catalog_title_genres BEGIN
        {set_genres("OLD.title_id")}
    END""",
    f"""CREATE TRIGGER catalog_genre_fts_rename AFTER UPDATE OF name ON catalog_genre BEGIN
        UPDATE {FTS} SET genres = {GENRES_OF.format(id=FTS + ".rowid")}
        WHERE rowid IN (SELECT title_id FROM catalog_title_genres WHERE genre_id = NEW.id);
    END""",
    f"""CREATE TRIGGER catalog_credit_fts_insert AFTER INSERT ON catalog_credit BEGIN
        {set_people("NEW.title_id")}
    END""",
    f"""CREATE TRIGGER catalog_credit_fts_update AFTER UPDATE OF title_id, person_id ON catalog_credit BEGIN
        {set_people("OLD.title_id")}
        {set_people("NEW.title_id")}
    END""",
    f"""CREATE TRIGGER catalog_credit_fts_delete AFTER DELETE ON catalog_credit BEGIN
        {set_people("OLD.title_id")}
    END""",
    f"""CREATE TRIGGER catalog_person_fts_rename AFTER UPDATE OF name ON catalog_person BEGIN
        UPDATE {FTS} SET people = {PEOPLE_OF.format(id=FTS + ".rowid")}
        WHERE rowid IN (SELECT title_id FROM catalog_credit WHERE person_id = NEW.id);
    END""",
    f"""INSERT INTO {FTS} (rowid, title, description, genres, people)
        SELECT t.id, t.title, t.description, {GENRES_OF.format(id="t.id")}, {PEOPLE_OF.format(id="t.id")}
        FROM catalog_title t""",
]

DROP = [
    *(
        f"DROP TRIGGER IF EXISTS {name}"
        for name in (
            "catalog_title_fts_insert",
            "catalog_title_fts_update",
            "catalog_title_fts_delete",
            "catalog_title_genres_fts_insert",
            "catalog_title_genres_fts_delete",
            "catalog_genre_fts_rename",
            "catalog_credit_fts_insert",
            "catalog_credit_fts_update",
            "catalog_credit_fts_delete",
            "catalog_person_fts_rename",
        )
    ),
    f"DROP TABLE IF EXISTS {FTS}_vocab",
    f"DROP TABLE IF EXISTS {FTS}",
]


def run(statements):
    def apply(apps, schema_editor):
        # PostgreSQL searches with its own full-text functions (catalog/search/postgres.py).
        if schema_editor.connection.vendor != "sqlite":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
