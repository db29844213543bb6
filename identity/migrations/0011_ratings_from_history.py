"""The 0-5 ratings kept in watch history become thumbs: 5 love, 4 up, 2 or less down, 3 none.

Per profile and title the latest rated history row decides (a show's episodes may have several).
"""

from django.db import migrations

BATCH_SIZE = 2000


def _thumb(rating: float) -> str | None:
    if rating >= 5:
        return "love"
    if rating >= 4:
        return "up"
    if rating <= 2:
        return "down"
    return None


def ratings_from_history(apps, schema_editor):
    WatchHistory = apps.get_model("identity", "WatchHistory")
    Rating = apps.get_model("identity", "Rating")
    latest: dict[tuple[int, int], tuple[float, object]] = {}
    rows = WatchHistory.objects.filter(rating__isnull=False).order_by("last_watched_at", "id")
    for profile_id, title_id, rating, watched_at in rows.values_list(
        "profile_id", "title_id", "rating", "last_watched_at"
    ).iterator(chunk_size=BATCH_SIZE):
        latest[(profile_id, title_id)] = (rating, watched_at)
    ratings = [
        Rating(profile_id=profile_id, title_id=title_id, value=thumb, rated_at=watched_at)
        for (profile_id, title_id), (rating, watched_at) in latest.items()
        if (thumb := _thumb(rating)) is not None
    ]
    Rating.objects.bulk_create(ratings, batch_size=BATCH_SIZE, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("identity", "0010_ratings")]

    operations = [migrations.RunPython(ratings_from_history, migrations.RunPython.noop)]
