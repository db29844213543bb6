"""Rebuilds the SQLite title index with prefix indexes (2 and 3 characters), so short as-you-type
prefixes do not expand over thousands of terms. Nothing on other databases."""

from django.db import migrations

FTS = "catalog_title_fts"
COLUMNS = "title, description, genres, people"


def rebuild(prefix_option: str):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        # The triggers name the index table, so they keep working once it is recreated under the same name
        # (no RENAME: that would rewrite the triggers to follow the old table).
        for statement in (
            f"CREATE TEMP TABLE {FTS}_copy AS SELECT rowid AS id, {COLUMNS} FROM {FTS}",
            f"DROP TABLE IF EXISTS {FTS}_vocab",
            f"DROP TABLE {FTS}",
            f"CREATE VIRTUAL TABLE {FTS} USING fts5({COLUMNS}, "
            f"tokenize = 'unicode61 remove_diacritics 2'{prefix_option})",
            f"INSERT INTO {FTS} (rowid, {COLUMNS}) SELECT id, {COLUMNS} FROM temp.{FTS}_copy",
            f"DROP TABLE temp.{FTS}_copy",
            f"CREATE VIRTUAL TABLE {FTS}_vocab USING fts5vocab({FTS}, 'row')",
        ):
            schema_editor.execute(statement, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_postgres_trigram_extension")]

    operations = [migrations.RunPython(rebuild(", prefix = '2 3'"), rebuild(""))]
