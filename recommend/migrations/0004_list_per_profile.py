"""Recommendation lists are per profile (and per account, no longer one per account)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0008_profile_required"),
        ("recommend", "0003_drop_cached_lists"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="recommendationlist",
            name="user",
            field=models.ForeignKey(
                help_text="The account.",
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="recommendationlist",
            name="profile",
            field=models.OneToOneField(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="identity.profile"
            ),
        ),
        migrations.AlterField(
            model_name="recommendationlist",
            name="profile",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="identity.profile"
            ),
        ),
    ]
