"""pg_trgm for typo-tolerant search on PostgreSQL; nothing on SQLite (which searches with FTS5)."""

from django.db import migrations


def create_extension(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_availability_title_first_index")]

    operations = [migrations.RunPython(create_extension, migrations.RunPython.noop)]
