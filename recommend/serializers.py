"""Input and output shapes of the recommend API."""

from rest_framework import serializers

from catalog.models import Kind
from catalog.serializers import ImageSerializer
from recommend.home import ROW_KINDS


class RecommendedTitleCardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    title = serializers.CharField()
    release_year = serializers.IntegerField(allow_null=True)
    genres = serializers.ListField(child=serializers.CharField())


class RecommendationSerializer(serializers.Serializer):
    title = RecommendedTitleCardSerializer()
    score = serializers.FloatField()
    reason = serializers.CharField()


class RecommendationListSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    generated_at = serializers.DateTimeField()
    fresh_until = serializers.DateTimeField()
    model_id = serializers.IntegerField(allow_null=True)
    results = RecommendationSerializer(many=True)


class LimitSerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=100, default=10)


class PopularQuerySerializer(LimitSerializer):
    region = serializers.RegexField(r"^[A-Za-z]{2}$", required=False, help_text="ISO 3166-1 alpha-2 code.")
    days = serializers.IntegerField(min_value=1, max_value=365, default=7, help_text="The recent window, in days.")


class SimilarityComponentsSerializer(serializers.Serializer):
    co_viewing = serializers.FloatField()
    genres = serializers.FloatField()
    people = serializers.FloatField()
    era = serializers.FloatField()
    description = serializers.FloatField()


class SimilaritySerializer(serializers.Serializer):
    a = serializers.IntegerField()
    b = serializers.IntegerField()
    score = serializers.FloatField(min_value=0, max_value=1)
    components = SimilarityComponentsSerializer()
    weights = SimilarityComponentsSerializer()


class SimilarTitleSerializer(serializers.Serializer):
    title = RecommendedTitleCardSerializer()
    score = serializers.FloatField()


class SimilarTitlesSerializer(serializers.Serializer):
    title_id = serializers.IntegerField()
    results = SimilarTitleSerializer(many=True)


class PopularTitleSerializer(serializers.Serializer):
    title = RecommendedTitleCardSerializer()
    viewers = serializers.IntegerField()


class PopularTitlesSerializer(serializers.Serializer):
    region = serializers.CharField()
    days = serializers.IntegerField()
    since = serializers.DateTimeField()
    results = PopularTitleSerializer(many=True)


# --- Home feed -----------------------------------------------------------------------------------------


class HomeQuerySerializer(serializers.Serializer):
    region = serializers.RegexField(
        r"^[A-Za-z]{2}$", required=False, help_text="ISO 3166-1 alpha-2 code (anonymous and staff callers)."
    )


class HomeTitleCardSerializer(RecommendedTitleCardSerializer):
    images = ImageSerializer(many=True, help_text="A placeholder poster when the title has no artwork.")


class HomeItemSerializer(serializers.Serializer):
    title = HomeTitleCardSerializer()
    rank = serializers.IntegerField(required=False, help_text="Top 10 rows only.")
    progress = serializers.FloatField(required=False, help_text="Continue watching only: share watched, 0..1.")
    position_s = serializers.FloatField(required=False, help_text="Continue watching only: resume position.")
    episode_id = serializers.IntegerField(
        required=False, allow_null=True, help_text="Continue watching only: the episode to resume or play next."
    )


class HomeRowSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Stable: the same row keeps its id from one request to the next.")
    title = serializers.CharField()
    reason = serializers.CharField()
    kind = serializers.ChoiceField(choices=ROW_KINDS)
    items = HomeItemSerializer(many=True)


class HomeFeedSerializer(serializers.Serializer):
    region = serializers.CharField()
    generated_at = serializers.DateTimeField()
    rows = HomeRowSerializer(many=True)
