"""Recommendation lists become per profile: the cached lists are dropped first (the next read rebuilds one).

Its own migration, so on PostgreSQL the deletion commits before the table is altered.
"""

from django.db import migrations


def cached_lists_drop(apps, schema_editor):
    apps.get_model("recommend", "RecommendationList").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("recommend", "0002_featured_titles")]

    operations = [migrations.RunPython(cached_lists_drop, migrations.RunPython.noop)]
