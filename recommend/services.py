"""Writes of the recommend service: building the model, building and invalidating viewers' lists."""

from django.db import transaction
from django.db.models import F

from recommend.models import RecommendationList, RecommenderState
from streaming_platform.boundary import boundary


@boundary
def recommendations_invalidate(*, user) -> None:
    """New history for `user`: their cached list is stale, and the model may be due for a rebuild."""
    with transaction.atomic():
        RecommendationList.objects.filter(user_id=user.pk).update(invalidated=True)
        if not RecommenderState.objects.filter(pk=1).update(new_history=F("new_history") + 1):
            RecommenderState.objects.get_or_create(pk=1, defaults={"new_history": 1})
