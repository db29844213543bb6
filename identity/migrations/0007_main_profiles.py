"""Every existing account gets one main profile, which takes over its preferences, controls and history."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

BATCH_SIZE = 1000
PROFILE_NAME_MAX = 50


def _profile_name(display_name: str, email: str) -> str:
    return (display_name.strip() or email.split("@", 1)[0] or "Main")[:PROFILE_NAME_MAX]


def main_profiles_create(apps, schema_editor):
    User = apps.get_model("identity", "User")
    Profile = apps.get_model("identity", "Profile")
    Preferences = apps.get_model("identity", "Preferences")
    with_profile = Profile.objects.filter(is_main=True).values("account_id")
    accounts = User.objects.exclude(pk__in=with_profile).values_list("pk", "display_name", "email", "date_joined")
    languages = dict(Preferences.objects.values_list("user_id", "audio_languages"))
    batch = []
    for pk, display_name, email, joined in accounts.iterator(chunk_size=BATCH_SIZE):
        first_language = (languages.get(pk) or [""])[0]
        batch.append(
            Profile(
                account_id=pk,
                name=_profile_name(display_name, email),
                is_main=True,
                language=first_language if isinstance(first_language, str) else "",
                created_at=joined,
            )
        )
        if len(batch) >= BATCH_SIZE:
            Profile.objects.bulk_create(batch)
            batch = []
    Profile.objects.bulk_create(batch)

    main_of_user = Subquery(Profile.objects.filter(account_id=OuterRef("user_id"), is_main=True).values("pk")[:1])
    for model_name in ("Preferences", "ParentalControls", "WatchHistory", "DailyWatchTime"):
        apps.get_model("identity", model_name).objects.filter(profile__isnull=True).update(profile=main_of_user)


class Migration(migrations.Migration):
    dependencies = [("identity", "0006_profiles")]

    operations = [migrations.RunPython(main_profiles_create, migrations.RunPython.noop)]
