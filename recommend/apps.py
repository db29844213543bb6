"""The Recommend service: personalized recommendations, similarity, popularity."""

from streaming_platform.apps import ServiceConfig


class RecommendConfig(ServiceConfig):
    name = "recommend"
    verbose_name = "Recommend"
    service_label = "Recommendation Engine"
    calls = ("catalog", "identity")
