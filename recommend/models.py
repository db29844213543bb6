"""Recommend data: the built model (one row per build) and each viewer's cached list."""

from django.conf import settings
from django.db import models

from catalog.regions import RegionCodeField


class RecommenderModel(models.Model):
    """One build of the recommender; the newest row is the one served.

    The arrays live in the database (`data`, an .npz archive) so every worker process, on any machine,
    reads the same model; a process keeps the newest one it has loaded in memory, keyed by id.
    """

    built_at = models.DateTimeField(db_index=True)
    build_seconds = models.FloatField(default=0.0)
    viewers = models.PositiveIntegerField(default=0)
    titles = models.PositiveIntegerField(default=0)
    interactions = models.PositiveBigIntegerField(default=0)
    data = models.BinaryField()

    class Meta:
        ordering = ["-id"]
        get_latest_by = "id"

    def __str__(self) -> str:
        return f"Recommender model #{self.pk} built {self.built_at:%Y-%m-%d %H:%M}"


class RecommenderState(models.Model):
    """A single row: history recorded since the last build, and a claim on a running rebuild."""

    new_history = models.PositiveBigIntegerField(default=0)
    rebuild_started_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.new_history} new history rows since the last build"


class RecommendationList(models.Model):
    """A profile's cached recommendations: items as [{title_id, score, reason}], best first."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", help_text="The account."
    )
    profile = models.OneToOneField("identity.Profile", on_delete=models.CASCADE, related_name="+")
    items = models.JSONField(default=list)
    generated_at = models.DateTimeField()
    fresh_until = models.DateTimeField()
    # Set when new history arrives; the next read rebuilds the list.
    invalidated = models.BooleanField(default=False)
    model = models.ForeignKey(RecommenderModel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["user_id"]

    def __str__(self) -> str:
        return f"Recommendations for profile {self.profile_id} of user {self.user_id}"


class FeaturedTitle(models.Model):
    """A title staff put in the home feed's featured row, in their order; pinned to one region or everywhere."""

    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="+")
    region = RegionCodeField(blank=True, help_text="Empty: every region.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["region", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "title"], name="recommend_featured_unique_title_per_region")
        ]

    def __str__(self) -> str:
        return f"{self.title} featured in {self.region or 'every region'}"
